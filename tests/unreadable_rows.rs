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

/// Labels on a response or pair the session never imported (written through the library, or by
/// another program) are counted by no reader: `status` and `agreement` see only the session's
/// own tasks, and say how many labels they left out.
#[test]
fn labels_on_tasks_the_session_does_not_hold_are_not_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut s = Store::create(&path, &Schema::cross_eval(), false).unwrap();
    s.import(|imp| {
        imp.upsert_item(&Item {
            id: "it0".into(),
            query: "May I point with my chopsticks?".into(),
            responses: vec![Response {
                model: "m1".into(),
                text: "Better not.".into(),
                ..Default::default()
            }],
            ..Default::default()
        })
    })
    .unwrap();
    let label = |who: &str, task: TaskRef, f: &str, v: i64| NewEvent {
        annotator: who.into(),
        task,
        field: f.into(),
        value: Some(v),
        text: None,
        seconds: 2.0,
        judge_visible: true,
    };
    let held = TaskRef::Response { item_id: "it0".into(), model: "m1".into() };
    let ghosts = [
        TaskRef::Response { item_id: "ghost".into(), model: "m1".into() },
        TaskRef::Response { item_id: "it0".into(), model: "ghost-model".into() },
    ];
    for who in ["ann", "bob"] {
        s.record(&label(who, held.clone(), "awareness", 1)).unwrap();
        // The annotators agree on the session's response and disagree on responses it lacks.
        for (k, g) in ghosts.iter().enumerate() {
            s.record(&label(who, g.clone(), "awareness", i64::from(who == "ann") ^ (k as i64 & 1))).unwrap();
        }
    }
    s.record(&label("carol", ghosts[0].clone(), "awareness", 0)).unwrap();
    s.record(&label("carol", TaskRef::Pair { pair_id: "ghost-pair".into() }, field::VERDICT, 0)).unwrap();
    drop(s);

    let out = cr().args(["status", "--json"]).arg(&path).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("skipped 6 label(s) on tasks this session does not hold"), "{stderr}");
    assert!(stderr.contains("'ghost'") && stderr.contains("'ghost-pair'"), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["annotators"]["ann"]["labels"], 1, "{v}");
    assert_eq!(v["annotators"]["bob"]["labels"], 1, "{v}");
    assert!(v["annotators"].get("carol").is_none(), "carol labelled only tasks the session lacks: {v}");

    let out = cr().args(["agreement", "--json"]).arg(&path).assert().success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let humans = &v["dimensions"]["awareness"]["humans"];
    assert_eq!(humans["n_items"], 1, "{v}");
    assert_eq!(humans["percent_agreement"], 1.0, "{v}");
    assert!(v["dimensions"].get("verdict").is_none_or(|d| d["humans"]["n_items"] != 1), "{v}");
}
