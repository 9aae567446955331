//! `crossreview merge` with hostile or broken sources: each is refused with a message naming
//! the file and the problem (no SQL), the target is left exactly as it was, and the source is
//! not touched. Also the copies-of-one-session scenarios that used to lose labels.

use assert_cmd::Command;
use crossreview::model::{Item, Pair, Response, TaskRef};
use crossreview::schema::Schema;
use crossreview::store::{NewEvent, Store};
use predicates::prelude::*;
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn cr() -> Command {
    let mut c = Command::cargo_bin("crossreview").unwrap();
    c.timeout(Duration::from_secs(120));
    c
}

fn label(annotator: &str, item: &str, model: &str, dim: &str, v: i64) -> NewEvent {
    NewEvent {
        annotator: annotator.into(),
        task: TaskRef::Response { item_id: item.into(), model: model.into() },
        field: dim.into(),
        value: Some(v),
        text: None,
        seconds: 2.0,
        judge_visible: true,
    }
}

/// A session with one item (two responses), one pair and one label by `ann`.
fn session(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let mut s = Store::create(&path, &Schema::cross_eval(), false).unwrap();
    s.import(|imp| {
        imp.upsert_item(&Item {
            id: "it0".into(),
            query: "Is this gift fine to bring?".into(),
            responses: ["m1", "m2"]
                .iter()
                .map(|m| Response {
                    model: m.to_string(),
                    text: format!("{m} answers"),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })?;
        imp.upsert_pair(&Pair {
            id: "p0".into(),
            prompt: "Which answer is better?".into(),
            chosen: "the careful one".into(),
            rejected: "the careless one".into(),
            images: vec![],
            item_id: Some("it0".into()),
            meta: Default::default(),
        })
    })
    .unwrap();
    s.record(&label(&format!("ann-{name}"), "it0", "m1", "awareness", 1)).unwrap();
    path
}

/// A session changed by raw SQL after it was written (as a hostile or broken file would be).
fn hostile(dir: &Path, name: &str, sql: &str) -> PathBuf {
    let path = session(dir, name);
    let c = Connection::open(&path).unwrap();
    c.execute_batch(sql).unwrap();
    c.close().unwrap();
    path
}

fn bytes_digest(path: &Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

/// Every row of every table of the session, as text: what "unchanged" means for a target.
fn dump(path: &Path) -> Vec<String> {
    let c = Connection::open(path).unwrap();
    let mut out = Vec::new();
    for t in ["meta", "items", "responses", "pairs", "annotators", "events", "current"] {
        let mut st = c.prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2")).unwrap();
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let cells: Vec<String> = (0..n).map(|i| format!("{:?}", r.get_ref(i).unwrap())).collect();
            out.push(format!("{t}: {}", cells.join(" | ")));
        }
    }
    out
}

/// Lists the files in `dir`, to see that nothing was created beside a source.
fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Merges `source` into a fresh target and checks the refusal: exit 1, a message naming the
/// file and containing `problem`, no SQL, the target and the source unchanged.
fn refused(source: &Path, problem: &str) {
    let dir = source.parent().unwrap();
    let target = session(dir, "target.db");
    let before = dump(&target);
    let src_digest = bytes_digest(source);
    let src_files = files_in(dir);
    let out = cr().arg("merge").arg(&target).arg(source).assert().code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains(&source.display().to_string()), "names the file: {stderr}");
    assert!(stderr.contains(problem), "says {problem:?}: {stderr}");
    for sql in ["SELECT", "INSERT", "constraint", "main."] {
        assert!(!stderr.contains(sql), "no raw SQL ({sql}): {stderr}");
    }
    assert_eq!(dump(&target), before, "the target is unchanged");
    assert_eq!(bytes_digest(source), src_digest, "the source is unchanged");
    let mut now = files_in(dir);
    now.retain(|f| !f.starts_with("target.db"));
    let mut was = src_files;
    was.retain(|f| !f.starts_with("target.db"));
    assert_eq!(now, was, "no file was created beside the source");
}

const SET_VALUE: &str = "UPDATE events SET value = ";

#[test]
fn bad_values_in_the_event_log_are_refused() {
    for (value, problem) in [
        ("'abc'", "value is the text \"abc\""),
        ("0.5", "value is the number 0.5"),
        ("x'00ff'", "value is binary data"),
        ("99", "value is 99, not a value of awareness"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let src = hostile(dir.path(), "src.db", &format!("{SET_VALUE}{value};"));
        refused(&src, problem);
    }
}

#[test]
fn text_seconds_non_json_judge_and_bad_timestamps_are_refused() {
    for (sql, problem) in [
        ("UPDATE events SET seconds = 'ten';", "seconds is the text \"ten\""),
        ("UPDATE responses SET judge = 'not json' WHERE model = 'm2';", "judge is not"),
        (
            "UPDATE responses SET judge = '{\"awareness\": 7}' WHERE model = 'm2';",
            "judge gives awareness the value 7",
        ),
        ("UPDATE events SET at = '9999-12-31T23:59:59.999999Z';", "more than a day ahead"),
        ("UPDATE events SET at = '1970-01-01T00:00:00.000000Z';", "before 2000-01-01"),
        ("UPDATE items SET meta = x'7b7d';", "meta is binary data"),
        ("UPDATE pairs SET images = '[1]';", "images is not a JSON list of texts"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let src = hostile(dir.path(), "src.db", sql);
        refused(&src, problem);
    }
}

#[test]
fn events_on_missing_items_pairs_or_dimensions_are_refused() {
    let ins = "INSERT INTO events(uid, at, annotator, task_kind, item_id, model, pair_id, field, kind, value)
               VALUES ('evil-1', '2026-01-01T00:00:00.000000Z', 'eve', ";
    for (rest, problem) in [
        (
            "'response', 'nope', 'm1', '', 'awareness', 'set', 1);",
            "item \"nope\", which is in neither session",
        ),
        (
            "'pair', '', '', 'p-missing', 'verdict', 'set', 1);",
            "the pair \"p-missing\", which is in neither session",
        ),
        ("'response', 'it0', 'm1', '', 'fluency', 'set', 1);", "field \"fluency\" is not a dimension"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let src = hostile(dir.path(), "src.db", &format!("{ins}{rest}"));
        refused(&src, problem);
    }
    let dir = tempfile::tempdir().unwrap();
    let src = hostile(
        dir.path(),
        "src.db",
        "INSERT INTO responses(item_id, model, text) VALUES ('ghost', 'm', 't');",
    );
    refused(&src, "item_id \"ghost\" names an item that is in neither session");
}

#[test]
fn an_events_view_over_an_endless_query_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let src = hostile(
        dir.path(),
        "src.db",
        "DROP TABLE events;
         CREATE VIEW events AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
           SELECT n AS seq, 'u' || n AS uid, '2026-01-01T00:00:00.000000Z' AS at, 'eve' AS annotator,
                  'response' AS task_kind, 'it0' AS item_id, 'm1' AS model, '' AS pair_id,
                  'awareness' AS field, 'set' AS kind, 1 AS value, NULL AS text, NULL AS prev_value,
                  NULL AS prev_text, NULL AS ref_uid, 0 AS seconds, 1 AS judge_visible, '' AS origin FROM r;",
    );
    refused(&src, "its events is a view, not a table");
}

#[test]
fn a_hard_link_to_the_target_is_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let target = session(dir.path(), "t.db");
    let link = dir.path().join("link.db");
    std::fs::hard_link(&target, &link).unwrap();
    cr().arg("merge")
        .arg(&target)
        .arg(&link)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("target itself"));
}

#[test]
fn an_empty_file_is_refused_and_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    refused(&empty, "is empty");
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
}

#[test]
fn a_text_over_the_record_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let src = session(dir.path(), "src.db");
    {
        let c = Connection::open(&src).unwrap();
        let big = "x".repeat(crossreview::ingest::source::MAX_RECORD_BYTES + 1);
        c.execute("UPDATE responses SET text = ?1 WHERE model = 'm2'", [&big]).unwrap();
    }
    refused(&src, "holds more than 64 MiB of text");
}

#[test]
fn one_bad_source_among_several_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = session(dir.path(), "good.db");
    let broken = hostile(dir.path(), "broken.db", "UPDATE events SET value = 'abc';");
    let target = session(dir.path(), "target.db");
    let before = dump(&target);
    cr().arg("merge")
        .arg(&target)
        .arg(&good)
        .arg(&broken)
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(
            predicate::str::contains("broken.db: events row 1")
                .and(predicate::str::contains("nothing was merged")),
        );
    assert_eq!(dump(&target), before, "good.db was not merged either");
    cr().arg("merge")
        .arg(&target)
        .arg(&good)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 new label events"));
}

/// Sets the session's only event one hour ahead, as a teammate whose clock runs fast would.
fn latest_event_from_a_fast_clock(path: &Path) {
    let c = Connection::open(path).unwrap();
    let ahead =
        crossreview::store::time::format_micros(crossreview::store::time::now_micros() + 3_600_000_000);
    c.execute("UPDATE events SET at = ?1", [&ahead]).unwrap();
    c.execute("UPDATE current SET at = ?1", [&ahead]).unwrap();
}

#[test]
fn copies_of_a_session_never_mint_the_same_event_id() {
    let dir = tempfile::tempdir().unwrap();
    let base = session(dir.path(), "base.db");
    latest_event_from_a_fast_clock(&base);
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    std::fs::copy(&base, &a).unwrap();
    std::fs::copy(&base, &b).unwrap();
    Store::open(&a).unwrap().record(&label("alice", "it0", "m2", "compliance", 1)).unwrap();
    Store::open(&b).unwrap().record(&label("bob", "it0", "m2", "compliance", 0)).unwrap();
    cr().arg("merge")
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 new label events"));
    let merged = Store::open(&a).unwrap();
    let who: Vec<String> = merged.current_labels().unwrap().into_iter().map(|c| c.annotator).collect();
    assert!(who.contains(&"alice".to_string()) && who.contains(&"bob".to_string()), "{who:?}");
}

#[test]
fn a_far_future_event_in_the_session_does_not_break_labelling() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path(), "s.db");
    {
        let c = Connection::open(&s).unwrap();
        c.execute("UPDATE events SET at = '9999-12-31T23:59:59.999999Z'", []).unwrap();
    }
    // Two processes one after the other, each numbering its events from 1.
    for (who, v) in [("alice", 1), ("bob", 0)] {
        let mut store = Store::open(&s).unwrap();
        let e = store.record(&label(who, "it0", "m2", "education", v)).unwrap();
        assert!(e.at.starts_with("20"), "the clock stays in range: {}", e.at);
    }
    assert_eq!(Store::open(&s).unwrap().events().unwrap().len(), 3);
}

#[test]
fn one_uid_with_two_contents_keeps_both_and_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let base = session(dir.path(), "base.db");
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    std::fs::copy(&base, &a).unwrap();
    std::fs::copy(&base, &b).unwrap();
    {
        let c = Connection::open(&b).unwrap();
        c.execute_batch("UPDATE events SET value = 0; UPDATE current SET value = 0;").unwrap();
    }
    let out = cr().arg("merge").arg(&a).arg(&b).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("1 new label events") && stdout.contains("uid clash"), "{stdout}");
    assert_eq!(Store::open(&a).unwrap().events().unwrap().len(), 2, "both versions are kept");
    let again = cr().arg("merge").arg(&a).arg(&b).assert().success();
    assert!(String::from_utf8_lossy(&again.get_output().stdout).contains("0 new label events"));
    assert_eq!(Store::open(&a).unwrap().events().unwrap().len(), 2, "merging again adds nothing");
}
