//! Merging named judges: the rules of docs/team-workflow.md, and sessions of format 7.

use crate::model::{Item, Response, Value};
use crate::schema::Schema;
use crate::store::Store;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

fn item(id: &str, compliance: Value) -> Item {
    Item {
        id: id.into(),
        query: "q".into(),
        responses: vec![Response {
            model: "m".into(),
            text: format!("reply to {id}"),
            judge: [("compliance".to_string(), compliance)].into_iter().collect(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// Imports `judge`'s scores of items (id, compliance) into the session at `path`.
fn import(path: &Path, judge: &str, scores: &[(&str, Value)]) {
    let mut s = Store::open(path).unwrap();
    s.import(|imp| {
        imp.set_judge(judge);
        scores.iter().try_for_each(|(id, v)| imp.upsert_item(&item(id, *v)))
    })
    .unwrap();
}

/// The lead's session: judge `gpt` on items a and b.
fn lead(dir: &Path) -> PathBuf {
    let path = dir.join("lead.db");
    drop(Store::create(&path, &Schema::cross_eval(), false).unwrap());
    import(&path, "gpt", &[("a", 1), ("b", 0)]);
    path
}

fn copy(from: &Path, name: &str) -> PathBuf {
    let to = from.with_file_name(name);
    std::fs::copy(from, &to).unwrap();
    to
}

/// Everything a merge of judges can change, as text: the judges in order, their scores, and
/// the responses' default scores.
fn dump(path: &Path) -> String {
    let conn = Connection::open(path).unwrap();
    let mut out = String::new();
    for sql in [
        "SELECT coalesce(group_concat(name, ','), '') FROM (SELECT name FROM judges ORDER BY seq)",
        "SELECT judge || ' ' || item_id || ' ' || model || ' ' || scores || ' ' || rationale FROM all_response_judges ORDER BY 1",
        "SELECT item_id || ' ' || model || ' ' || text || ' ' || judge || ' ' || judge_rationale FROM responses ORDER BY 1",
    ] {
        let rows: Vec<String> =
            conn.prepare(sql).unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        out.push_str(&rows.join("\n"));
        out.push('\n');
    }
    out
}

fn merge(target: &Path, source: &Path) -> crate::store::MergeReport {
    Store::open(target).unwrap().merge_from(source).unwrap()
}

#[test]
fn a_sources_second_judge_joins_the_targets_and_merging_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = lead(dir.path());
    let source = copy(&target, "ben.db");
    import(&source, "qwen", &[("a", 0), ("b", 0)]);
    let rep = merge(&target, &source);
    assert_eq!(
        rep.judges,
        super::JudgeCounts { judges_added: 1, scores_added: 2, scores_updated: 0, scores_left_out: 0 }
    );
    let s = Store::open(&target).unwrap();
    assert_eq!(s.judge_names().unwrap(), ["gpt", "qwen"]);
    let a: Vec<(String, Value)> =
        s.judges_of("a", "m").unwrap().into_iter().map(|v| (v.judge, v.scores["compliance"])).collect();
    assert_eq!(a, [("gpt".to_string(), 1), ("qwen".to_string(), 0)]);
    assert_eq!(s.item("a").unwrap().unwrap().responses[0].judge["compliance"], 1, "gpt stays the default");
    drop(s);
    let before = dump(&target);
    let again = merge(&target, &source);
    assert_eq!(again.judges, super::JudgeCounts::default());
    assert_eq!(dump(&target), before, "merging twice changes nothing");
}

#[test]
fn differing_scores_follow_the_more_recent_import_whatever_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let old = lead(dir.path());
    let new = copy(&old, "new.db");
    // A corrected file of gpt, imported later: its score is the smaller text, so a rule on
    // content alone would keep the old one.
    import(&new, "gpt", &[("a", 0)]);
    let (t1, t2) = (copy(&old, "t1.db"), copy(&new, "t2.db"));
    let r1 = merge(&t1, &new);
    merge(&t2, &old);
    assert_eq!(r1.judges.scores_updated, 1);
    assert_eq!(dump(&t1), dump(&t2));
    let s = Store::open(&t1).unwrap();
    assert_eq!(s.judges_of("a", "m").unwrap()[0].scores["compliance"], 0);
    assert_eq!(s.item("a").unwrap().unwrap().responses[0].judge["compliance"], 0);
}

#[test]
fn differing_scores_of_one_import_keep_the_larger_whatever_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let x = lead(dir.path());
    let y = copy(&x, "y.db");
    // Edited in place, with the same import time: neither version is more recent.
    Connection::open(&y)
        .unwrap()
        .execute_batch(r#"UPDATE responses SET judge = '{"compliance":0}' WHERE item_id = 'a'"#)
        .unwrap();
    let (t1, t2) = (copy(&x, "t1.db"), copy(&y, "t2.db"));
    merge(&t1, &y);
    merge(&t2, &x);
    assert_eq!(dump(&t1), dump(&t2));
    assert!(dump(&t1).contains(r#"gpt a m {"compliance":1}"#), "{}", dump(&t1));
}

#[test]
fn every_judge_of_several_sources_arrives_whatever_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let lead = lead(dir.path());
    let a = copy(&lead, "a.db");
    import(&a, "qwen", &[("a", 0), ("b", 1)]);
    let b = copy(&lead, "b.db");
    import(&b, "claude", &[("b", 1)]);
    let c = copy(&lead, "c.db");
    import(&c, "gpt", &[("a", 0), ("b", 1)]);
    let (t1, t2) = (copy(&lead, "t1.db"), copy(&lead, "t2.db"));
    for src in [&a, &b, &c] {
        merge(&t1, src);
    }
    for src in [&c, &b, &a] {
        merge(&t2, src);
    }
    let scores = |p: &Path| dump(p).split_once('\n').unwrap().1.to_string();
    assert_eq!(scores(&t1), scores(&t2));
    let mut names = Store::open(&t1).unwrap().judge_names().unwrap();
    assert_eq!(names[0], "gpt", "the target's default judge stays its default");
    names.sort();
    assert_eq!(names, ["claude", "gpt", "qwen"]);
    assert!(scores(&t1).contains(r#"gpt a m {"compliance":0}"#), "the latest gpt file wins");
}

#[test]
fn scores_of_a_text_the_target_does_not_keep_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let target = lead(dir.path());
    let source = copy(&target, "s.db");
    Connection::open(&source)
        .unwrap()
        .execute_batch(
            r#"UPDATE responses SET text = 'another reply' WHERE item_id = 'a';
               INSERT INTO judges(name) VALUES ('qwen');
               INSERT INTO response_judges(judge, item_id, model, scores) VALUES ('qwen', 'a', 'm', '{"compliance":0}');"#,
        )
        .unwrap();
    let rep = merge(&target, &source);
    assert_eq!((rep.judges.scores_left_out, rep.judges.judges_added), (2, 0), "gpt's and qwen's of a");
    assert_eq!(Store::open(&target).unwrap().judge_names().unwrap(), ["gpt"]);
}

#[test]
fn a_bad_judge_row_is_named_and_nothing_is_merged() {
    let at = r#"response_judges row (judge "qwen", item_id "a", model "m")"#;
    let cases: &[(&str, &str)] = &[
        (
            r#"UPDATE response_judges SET scores = '{oops' WHERE judge = 'qwen' AND item_id = 'a'"#,
            "scores is not a JSON object of whole-number scores",
        ),
        (
            r#"UPDATE response_judges SET scores = '{"compliance":7}' WHERE judge = 'qwen' AND item_id = 'a'"#,
            "scores gives compliance the value 7",
        ),
        (
            r#"UPDATE response_judges SET scores = '{"charm":1}' WHERE judge = 'qwen' AND item_id = 'a'"#,
            r#"scores scores the unknown dimension "charm""#,
        ),
        (
            r#"UPDATE response_judges SET rationale = '[1]' WHERE judge = 'qwen' AND item_id = 'a'"#,
            "rationale is not a JSON object of rationales",
        ),
        (
            r#"UPDATE response_judges SET scores = x'00' WHERE judge = 'qwen' AND item_id = 'a'"#,
            "scores is binary data",
        ),
        (
            r#"UPDATE response_judges SET item_id = 'zz' WHERE judge = 'qwen' AND item_id = 'a'"#,
            "which the source does not hold",
        ),
        (
            r#"UPDATE response_judges SET judge = 'ghost' WHERE judge = 'qwen' AND item_id = 'a'"#,
            "judge \"ghost\" is not in the source's judges table",
        ),
        (r#"UPDATE judges SET name = '' WHERE name = 'qwen'"#, "judges row 2: name is \"\""),
    ];
    for (i, (sql, problem)) in cases.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let target = lead(dir.path());
        let source = copy(&target, "s.db");
        import(&source, "qwen", &[("a", 0), ("b", 0)]);
        Connection::open(&source).unwrap().execute_batch(sql).unwrap();
        let before = dump(&target);
        let err = Store::open(&target).unwrap().merge_from(&source).unwrap_err().to_string();
        let at = if problem.starts_with("judges row") {
            "".to_string()
        } else {
            at.replace("\"qwen\"", if i == 6 { "\"ghost\"" } else { "\"qwen\"" })
                .replace("\"a\"", if i == 5 { "\"zz\"" } else { "\"a\"" })
        };
        assert!(err.contains(&format!("s.db: {at}")), "case {i}: {err}");
        assert!(err.contains(problem), "case {i}: {err}");
        assert!(err.ends_with("nothing was merged, the target is unchanged"), "case {i}: {err}");
        assert_eq!(dump(&target), before, "case {i}: the target is unchanged");
    }
}

#[test]
fn rationales_written_about_another_judge_dimension_merge() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("t.db");
    drop(Store::create(&target, &Schema::cross_eval(), false).unwrap());
    let source = lead(dir.path());
    let kept = r#"{"compliance":{"text":"breaks it","judge_dimension":"Violation","judge_score":1}}"#;
    Connection::open(&source)
        .unwrap()
        .execute_batch(&format!("UPDATE responses SET judge_rationale = '{kept}' WHERE item_id = 'a'"))
        .unwrap();
    merge(&target, &source);
    let s = Store::open(&target).unwrap();
    let r = &s.judges_of("a", "m").unwrap()[0].rationale["compliance"];
    assert_eq!(r.text, "breaks it");
    assert_eq!(r.judged_as.as_ref().map(|j| j.dimension.as_str()), Some("Violation"));
}

/// Writes the session at `path` back in format 7, as an older crossreview kept it: the default
/// judge's rows in `response_judges` as well as in `responses`, and no view. Opening it with a
/// `Store` upgrades it again; a merge reads it as it is.
fn as_format_7(path: &Path) {
    Connection::open(path)
        .unwrap()
        .execute_batch(
            "INSERT INTO response_judges(judge, item_id, model, scores, rationale)
               SELECT (SELECT name FROM judges ORDER BY seq LIMIT 1), item_id, model, judge, judge_rationale
               FROM responses WHERE judge <> '{}' OR judge_rationale <> '{}';
             DROP VIEW all_response_judges;
             PRAGMA user_version = 7;",
        )
        .unwrap();
}

fn format_of(path: &Path) -> i64 {
    Connection::open(path).unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
}

#[test]
fn a_source_of_format_7_merges_as_its_upgraded_copy_would() {
    let dir = tempfile::tempdir().unwrap();
    let lead = lead(dir.path());
    let source = copy(&lead, "ben.db");
    import(&source, "qwen", &[("a", 0), ("b", 0), ("c", 1)]);
    import(&source, "gpt", &[("a", 0), ("c", 0)]);
    let old = copy(&source, "old.db");
    as_format_7(&old);
    let empty = dir.path().join("empty.db");
    drop(Store::create(&empty, &Schema::cross_eval(), false).unwrap());
    for target in [&lead, &empty] {
        let (t1, t2) = (copy(target, "t1.db"), copy(target, "t2.db"));
        let (r1, r2) = (merge(&t1, &source), merge(&t2, &old));
        assert_eq!(r1.judges, r2.judges);
        assert_eq!(dump(&t1), dump(&t2));
        let s = Store::open(&t1).unwrap();
        assert_eq!(s.judge_names().unwrap(), ["gpt", "qwen"]);
        let c: Vec<(String, Value)> =
            s.judges_of("c", "m").unwrap().into_iter().map(|v| (v.judge, v.scores["compliance"])).collect();
        assert_eq!(c, [("gpt".to_string(), 0), ("qwen".to_string(), 1)]);
    }
    assert_eq!(format_of(&old), 7, "a merge never upgrades its source");
}

#[test]
fn a_session_of_format_7_keeps_its_default_judges_scores_once_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = lead(dir.path());
    import(&path, "qwen", &[("a", 0)]);
    let before = dump(&path);
    as_format_7(&path);
    // Where format 7's two copies differ, the judge's row was the one merges and exports read.
    Connection::open(&path)
        .unwrap()
        .execute_batch(r#"UPDATE responses SET judge = '{}' WHERE item_id = 'b'"#)
        .unwrap();
    let s = Store::open(&path).unwrap();
    let in_table: i64 = s
        .conn()
        .query_row("SELECT count(*) FROM response_judges WHERE judge = 'gpt'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(in_table, 0);
    assert_eq!(s.item("b").unwrap().unwrap().responses[0].judge["compliance"], 0);
    drop(s);
    assert_eq!(format_of(&path), crate::store::SCHEMA_VERSION);
    assert_eq!(dump(&path), before);
}

#[test]
fn a_first_judge_that_brings_no_scores_leaves_the_default_to_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("s.db");
    drop(Store::create(&source, &Schema::cross_eval(), false).unwrap());
    import(&source, "qwen", &[("a", 0)]);
    // A source whose first judge scored nothing: qwen's scores are then a further judge's.
    Connection::open(&source)
        .unwrap()
        .execute_batch(
            "UPDATE judges SET seq = 10 WHERE name = 'qwen';
             INSERT INTO judges(seq, name) VALUES (1, 'ghost');
             INSERT INTO response_judges SELECT 'qwen', item_id, model, judge, judge_rationale FROM responses;
             UPDATE responses SET judge = '{}', judge_rationale = '{}';",
        )
        .unwrap();
    let target = dir.path().join("t.db");
    drop(Store::create(&target, &Schema::cross_eval(), false).unwrap());
    let rep = merge(&target, &source);
    assert_eq!((rep.judges.judges_added, rep.judges.scores_added), (1, 1));
    let s = Store::open(&target).unwrap();
    assert_eq!(s.judge_names().unwrap(), ["qwen"]);
    assert_eq!(
        s.item("a").unwrap().unwrap().responses[0].judge["compliance"],
        0,
        "the default's, in responses"
    );
    let in_table: i64 = s.conn().query_row("SELECT count(*) FROM response_judges", [], |r| r.get(0)).unwrap();
    assert_eq!(in_table, 0);
}
