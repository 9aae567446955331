//! A session that already holds rows no crossreview writes (put there by another program, or by
//! an older merge that did not check): every reader skips them with a warning naming the row,
//! and reports the rest, instead of failing.

use assert_cmd::Command;
use crossreview::model::{Item, Pair, Response, TaskRef, Verdict};
use crossreview::schema::Schema;
use crossreview::store::{NewEvent, Store, field};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

fn cr() -> Command {
    Command::cargo_bin("crossreview").unwrap()
}

fn labelled_session(dir: &Path) -> PathBuf {
    let path = dir.join("s.db");
    let mut s = Store::create(&path, &Schema::cross_eval(), false).unwrap();
    s.import(|imp| {
        imp.upsert_item(&Item {
            id: "it0".into(),
            query: "May I wear shoes inside?".into(),
            responses: vec![Response {
                model: "m1".into(),
                text: "Take them off.".into(),
                ..Default::default()
            }],
            ..Default::default()
        })?;
        imp.upsert_pair(&Pair {
            id: "p0".into(),
            prompt: "Which is better?".into(),
            chosen: "the first".into(),
            rejected: "the second".into(),
            images: vec![],
            item_id: Some("it0".into()),
            meta: Default::default(),
        })
    })
    .unwrap();
    let task = TaskRef::Response { item_id: "it0".into(), model: "m1".into() };
    for (who, v) in [("ann", 1), ("bob", 1)] {
        for dim in ["awareness", "education"] {
            s.record(&NewEvent {
                annotator: who.into(),
                task: task.clone(),
                field: dim.into(),
                value: Some(v),
                text: None,
                seconds: 4.0,
                judge_visible: true,
            })
            .unwrap();
        }
        s.record(&NewEvent {
            annotator: who.into(),
            task: TaskRef::Pair { pair_id: "p0".into() },
            field: field::VERDICT.into(),
            value: Some(Verdict::Agree.code()),
            text: None,
            seconds: 4.0,
            judge_visible: true,
        })
        .unwrap();
    }
    drop(s);
    // The bad rows, in the event log and in the current labels, as a merge without checks left
    // them.
    let c = Connection::open(&path).unwrap();
    let rows = [
        ("bad-text", "ann", "compliance", "'abc'", "1"),
        ("bad-real", "bob", "compliance", "0.5", "1"),
        ("bad-blob", "ann", "helpfulness", "x'00'", "1"),
        ("bad-range", "bob", "helpfulness", "99", "1"),
        ("bad-seconds", "carol", "awareness", "1", "'ten'"),
    ];
    for (uid, who, dim, value, seconds) in rows {
        c.execute_batch(&format!(
            "INSERT INTO events(uid, at, annotator, task_kind, item_id, model, field, kind, value, seconds)
               VALUES ('{uid}', '2026-01-01T00:00:00.000000Z', '{who}', 'response', 'it0', 'm1', '{dim}', 'set', {value}, {seconds});
             INSERT INTO current(annotator, task_kind, item_id, model, pair_id, field, value, seconds, at, uid)
               VALUES ('{who}', 'response', 'it0', 'm1', '', '{dim}', {value}, {seconds}, '2026-01-01T00:00:00.000000Z', '{uid}');"
        ))
        .unwrap();
    }
    path
}

/// Runs `args` on the session: it succeeds, and warns about the bad rows by uid.
fn survives(session: &Path, args: &[&str], after: &[&str]) -> String {
    let out = cr().args(args).arg(session).args(after).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    for uid in ["bad-text", "bad-real", "bad-blob", "bad-range", "bad-seconds"] {
        assert!(stderr.contains(&format!("'{uid}'")), "{args:?} names the row {uid}: {stderr}");
    }
    assert!(stderr.contains("skipped 5 unreadable row(s) of the current table"), "{stderr}");
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

#[test]
fn every_reader_skips_bad_rows_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let s = labelled_session(dir.path());
    let status = survives(&s, &["status", "--json"], &[]);
    let v: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(v["annotators"]["ann"]["labels"], 3, "the good labels are counted: {status}");
    assert!(v["annotators"].get("carol").is_none(), "carol's only label is a bad row: {status}");
    survives(&s, &["status"], &[]);
    survives(&s, &["agreement"], &[]);
    survives(&s, &["report"], &[]);
    survives(&s, &["show"], &["it0"]);
    let labels = survives(&s, &["export"], &["--format", "labels-jsonl", "--out", "-"]);
    assert!(labels.contains("awareness") && !labels.contains("abc"), "{labels}");
    for format in ["labels-csv", "gold-jsonl", "dpo-trl"] {
        survives(&s, &["export"], &["--format", format, "--out", "-"]);
    }
}
