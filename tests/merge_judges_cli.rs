//! `crossreview merge` carries every named judge of a source: its judges and their scores join
//! the target's, read by `agreement --judge`; a bad judge row is named and nothing is merged;
//! merging twice changes nothing (docs/team-workflow.md).

mod cli_common;

use cli_common::{Work, label, query_text};
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

/// Canonical JSONL of model `m`'s answers to four items, with the judge's compliance per item.
fn scores_file(compliance: [i64; 4]) -> String {
    (0..4)
        .map(|i| {
            serde_json::json!({
                "id": format!("study/sw/item_{i}"),
                "query": "Is it polite to point at the elder's house?",
                "language": "sw",
                "country": "Tanzania",
                "responses": [{"model": "m", "text": format!("answer {i}"), "judge": {"compliance": compliance[i]}}]
            })
            .to_string()
                + "\n"
        })
        .collect()
}

/// What a merge can change, as text.
fn dump(session: &Path) -> String {
    query_text(
        session,
        &[
            "SELECT item_id || model || text || judge || judge_rationale FROM responses ORDER BY 1",
            "SELECT judge || item_id || model || scores || rationale FROM all_response_judges ORDER BY 1",
            "SELECT name FROM judges ORDER BY seq",
            "SELECT id || query || imported_at FROM items ORDER BY 1",
            "SELECT uid FROM events ORDER BY 1",
        ],
    )
}

/// The lead's session `t.db` with judge `gpt` (compliance 1, 1, 0, 0) and the labels of `ann`
/// and `bo` (0, 1, 1, 0); a copy `ben.db` made before the labels, into which the evaluation of
/// a second judge `qwen` (0, 1, 1, 0: right where gpt is wrong) and of `claude` were imported.
fn lead_and_copy() -> Work {
    let w = Work::new();
    w.cmd(&["init", "t.db"]).assert().success();
    std::fs::write(w.path("gpt.jsonl"), scores_file([1, 1, 0, 0])).unwrap();
    w.cmd(&["import", "t.db", "gpt.jsonl", "--judge", "gpt"]).assert().success();
    std::fs::copy(w.path("t.db"), w.path("ben.db")).unwrap();
    std::fs::write(w.path("qwen.jsonl"), scores_file([0, 1, 1, 0])).unwrap();
    w.cmd(&["import", "ben.db", "qwen.jsonl", "--judge", "qwen"]).assert().success();
    std::fs::write(w.path("claude.jsonl"), scores_file([1, 1, 1, 1])).unwrap();
    w.cmd(&["import", "ben.db", "claude.jsonl", "--judge", "claude"]).assert().success();
    let mut store = crossreview::store::Store::open(&w.path("t.db")).unwrap();
    for (i, v) in [0, 1, 1, 0].into_iter().enumerate() {
        for ann in ["ann", "bo"] {
            store.record(&label(ann, &format!("study/sw/item_{i}"), "m", "compliance", v)).unwrap();
        }
    }
    w
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-9)
}

#[test]
fn a_sources_judges_join_the_targets_and_agreement_reads_them_all() {
    let w = lead_and_copy();
    w.cmd(&["merge", "t.db", "ben.db"]).assert().success().stdout(predicate::str::contains(
        "ben.db: 0 new label events, 0 items added (4 updated), 0 responses added, 0 pairs added (0 updated), 0 annotators added, 2 judges added, 8 judge scores added (0 updated)",
    ));
    let out =
        w.cmd(&["agreement", "t.db", "--dimension", "compliance", "--judge", "--json"]).assert().success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let d = &v["dimensions"]["compliance"];
    let mut names: Vec<&String> = d["judges"].as_object().unwrap().keys().collect();
    names.sort();
    assert_eq!(names, ["claude", "gpt", "qwen"], "{d}");
    assert!(close(&d["judges"]["gpt"]["accuracy"], 0.5), "{d}");
    assert!(close(&d["judges"]["qwen"]["accuracy"], 1.0), "{d}");
    assert_eq!(d["judges"]["qwen"]["n"], 4);
    assert!(close(&d["judge"]["accuracy"], 0.5), "gpt stays the target's default judge: {d}");
    // Merging again changes nothing, and says no judge came.
    let before = dump(&w.path("t.db"));
    w.cmd(&["merge", "t.db", "ben.db"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 pairs added (0 updated), 0 annotators added\n"));
    assert_eq!(dump(&w.path("t.db")), before);
}

#[test]
fn a_bad_judge_row_in_a_source_is_named_and_the_target_is_unchanged() {
    let w = lead_and_copy();
    rusqlite::Connection::open(w.path("ben.db"))
        .unwrap()
        .execute_batch(
            r#"UPDATE response_judges SET scores = '{"compliance":3}'
               WHERE judge = 'qwen' AND item_id = 'study/sw/item_2';"#,
        )
        .unwrap();
    let before = dump(&w.path("t.db"));
    w.cmd(&["merge", "t.db", "ben.db"]).assert().code(1).stderr(predicate::str::contains(
        r#"ben.db: response_judges row (judge "qwen", item_id "study/sw/item_2", model "m"): scores gives compliance the value 3, not one of"#,
    ).and(predicate::str::contains("nothing was merged, the target is unchanged")));
    assert_eq!(dump(&w.path("t.db")), before);
}
