//! Merging a source's named judges (session format 7): their names, and each one's scores and
//! rationales of the source's responses, checked row by row like every other table of an
//! untrusted source (`merge_rows`). A judge is identified by its name, a score by (judge,
//! response). The rules (docs/team-workflow.md):
//!
//! - new judges come after the target's, in the source's order (the target's default judge
//!   stays its default; a target without judges takes the source's);
//! - a judge's scores are of the source's response text: where the target keeps another text of
//!   the response (its version won), they are left out, as an import would refuse them;
//! - scores of one judge for one response that differ in the two sessions follow the rule of
//!   responses: the version of the more recently imported item wins, and of one version, the
//!   larger content (so the result does not depend on the order of merging);
//! - `responses.judge` then holds the target's default judge's scores again.

use super::merge_report::JudgeCounts;
use super::merge_rows::{self, ResponseJudgeRow};
use super::merge_source::Source;
use super::merge_source::{read_error, write_error};
use crate::schema::Schema;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::{HashMap, HashSet};

/// The source's judge rows, and for a response that has none although `responses.judge` holds
/// scores (a session merged by an older crossreview), those as its default judge's.
const SOURCE_ROWS_SQL: &str = "
    SELECT judge, item_id, model, scores, rationale FROM main.response_judges
    UNION ALL
    SELECT coalesce((SELECT name FROM main.judges ORDER BY seq LIMIT 1), ?1), r.item_id, r.model, r.judge,
           r.judge_rationale
    FROM main.responses r
    WHERE (r.judge IS NOT '{}' OR r.judge_rationale IS NOT '{}')
      AND NOT EXISTS (SELECT 1 FROM main.response_judges rj WHERE rj.item_id = r.item_id AND rj.model = r.model)
    ORDER BY 2, 3, 1";

/// Merges the source's judges into the target's open transaction, after its items and
/// responses. `item_imported`: each source item's `imported_at`; `items_replaced`: the items
/// whose target version the source's replaced in this merge.
pub(super) fn merge(
    tx: &Transaction<'_>,
    src: &Source,
    schema: &Schema,
    item_imported: &HashMap<String, String>,
    items_replaced: &HashSet<String>,
    counts: &mut JudgeCounts,
) -> Result<(), String> {
    let mut names: Vec<String> = Vec::new();
    {
        let mut st = src.conn.prepare(merge_rows::JUDGE_SQL).map_err(|e| read_error("judges", e))?;
        let mut rows = st.query([]).map_err(|e| read_error("judges", e))?;
        while let Some(row) = rows.next().map_err(|e| read_error("judges", e))? {
            let j = merge_rows::judge(row).map_err(|p| format!("judges row {}: {p}", describe_seq(row)))?;
            names.push(j.name);
        }
    }
    if names.is_empty() {
        names.push(super::DEFAULT_JUDGE.to_string());
    }
    let known: HashSet<&str> = names.iter().map(String::as_str).collect();
    // Every source judge is registered first, in the source's order; those that bring nothing
    // are taken out again at the end.
    let mut added: Vec<&str> = Vec::new();
    for name in &names {
        let n = tx
            .prepare_cached(
                "INSERT INTO main.judges(name) SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM main.judges WHERE name = ?1)",
            )
            .and_then(|mut st| st.execute([name]))
            .map_err(write_error)?;
        if n > 0 {
            added.push(name);
        }
    }
    let mut last: Option<ResponseState> = None;
    let mut st = src.conn.prepare(SOURCE_ROWS_SQL).map_err(|e| read_error("response_judges", e))?;
    let mut rows = st.query([super::DEFAULT_JUDGE]).map_err(|e| read_error("response_judges", e))?;
    while let Some(row) = rows.next().map_err(|e| read_error("response_judges", e))? {
        let at = describe_key(row);
        let located = |p: String| format!("response_judges row {at}: {p}");
        let j = merge_rows::response_judge(row, schema).map_err(located)?;
        if !known.contains(j.judge.as_str()) {
            return Err(located(format!(
                "judge {:?} is not in the source's judges table ({})",
                j.judge,
                names.join(", ")
            )));
        }
        // The rows come ordered by response: its state is looked up once for all its judges.
        let response = match last.take() {
            Some(r) if r.item_id == j.item_id && r.model == j.model => r,
            _ => response_state(tx, src, &j).map_err(located)?,
        };
        merge_row(tx, &j, &response, item_imported, items_replaced, counts)?;
        last = Some(response);
    }
    drop(rows);
    drop(st);
    for name in added {
        let n = tx
            .prepare_cached(
                "DELETE FROM main.judges WHERE name = ?1
                 AND NOT EXISTS (SELECT 1 FROM main.response_judges WHERE judge = ?1)",
            )
            .and_then(|mut st| st.execute([name]))
            .map_err(write_error)?;
        counts.judges_added += 1 - n as u64;
    }
    default_judge_into_responses(tx, src)
}

/// What decides whether a source's scores of a response enter the target.
struct ResponseState {
    item_id: String,
    model: String,
    /// The target keeps the source's text of the response.
    same_text: bool,
    /// When the target's version of the item was imported.
    target_imported: String,
}

/// The state of the response a source row scores; an error when the source does not hold it.
fn response_state(tx: &Transaction<'_>, src: &Source, j: &ResponseJudgeRow) -> Result<ResponseState, String> {
    let source_text: Option<String> = src
        .conn
        .prepare_cached("SELECT text FROM main.responses WHERE item_id = ?1 AND model = ?2")
        .and_then(|mut st| st.query_row([&j.item_id, &j.model], |r| r.get(0)).optional())
        .map_err(|e| read_error("responses", e))?;
    let Some(source_text) = source_text else {
        return Err(format!(
            "it scores model {:?}'s response to item {:?}, which the source does not hold",
            j.model, j.item_id
        ));
    };
    let target: Option<(String, String)> = tx
        .prepare_cached(
            "SELECT r.text, i.imported_at FROM main.responses r JOIN main.items i ON i.id = r.item_id
             WHERE r.item_id = ?1 AND r.model = ?2",
        )
        .and_then(|mut st| st.query_row([&j.item_id, &j.model], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(write_error)?;
    let Some((target_text, target_imported)) = target else {
        // The responses were merged first: the target holds every response of the source.
        return Err(format!(
            "model {:?}'s response to item {:?} is not in the target after merging the responses",
            j.model, j.item_id
        ));
    };
    Ok(ResponseState {
        item_id: j.item_id.clone(),
        model: j.model.clone(),
        same_text: target_text == source_text,
        target_imported,
    })
}

/// Writes one source row into the target when the target lacks it, or holds an older version.
fn merge_row(
    tx: &Transaction<'_>,
    j: &ResponseJudgeRow,
    response: &ResponseState,
    item_imported: &HashMap<String, String>,
    items_replaced: &HashSet<String>,
    counts: &mut JudgeCounts,
) -> Result<(), String> {
    if !response.same_text {
        counts.scores_left_out += 1;
        return Ok(());
    }
    let stored: Option<(String, String)> = tx
        .prepare_cached(
            "SELECT scores, rationale FROM main.response_judges WHERE judge = ?1 AND item_id = ?2 AND model = ?3",
        )
        .and_then(|mut st| st.query_row([&j.judge, &j.item_id, &j.model], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(write_error)?;
    let newer = match &stored {
        None => true,
        Some((scores, rationale)) if (scores, rationale) == (&j.scores, &j.rationale) => false,
        Some(t) => {
            items_replaced.contains(&j.item_id)
                || (item_imported.get(&j.item_id) == Some(&response.target_imported)
                    && (&j.scores, &j.rationale) > (&t.0, &t.1))
        }
    };
    if !newer {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO main.response_judges(judge, item_id, model, scores, rationale) VALUES (?1,?2,?3,?4,?5)
         ON CONFLICT(judge, item_id, model) DO UPDATE SET scores = excluded.scores, rationale = excluded.rationale",
    )
    .and_then(|mut st| st.execute(params![j.judge, j.item_id, j.model, j.scores, j.rationale]))
    .map_err(write_error)?;
    if stored.is_some() {
        counts.scores_updated += 1;
    } else {
        counts.scores_added += 1;
    }
    Ok(())
}

/// Puts the target's default judge's scores of every response the source holds into
/// `responses.judge` (the responses merged from the source came with the source's default's).
fn default_judge_into_responses(tx: &Transaction<'_>, src: &Source) -> Result<(), String> {
    let default: Option<String> = tx
        .query_row("SELECT name FROM main.judges ORDER BY seq LIMIT 1", [], |r| r.get(0))
        .optional()
        .map_err(write_error)?;
    let default = default.unwrap_or_default();
    let mut st = src
        .conn
        .prepare("SELECT item_id, model FROM main.responses")
        .map_err(|e| read_error("responses", e))?;
    let mut rows = st.query([]).map_err(|e| read_error("responses", e))?;
    let mut update = tx
        .prepare_cached(
            "UPDATE main.responses SET judge = d.scores, judge_rationale = d.rationale
             FROM (SELECT
                 coalesce((SELECT scores FROM main.response_judges WHERE judge = ?3 AND item_id = ?1 AND model = ?2), '{}') AS scores,
                 coalesce((SELECT rationale FROM main.response_judges WHERE judge = ?3 AND item_id = ?1 AND model = ?2), '{}') AS rationale) AS d
             WHERE item_id = ?1 AND model = ?2 AND (judge IS NOT d.scores OR judge_rationale IS NOT d.rationale)",
        )
        .map_err(write_error)?;
    while let Some(row) = rows.next().map_err(|e| read_error("responses", e))? {
        // The rows were checked by the responses' merge: ids are text.
        let (Ok(item_id), Ok(model)) = (row.get::<_, String>(0), row.get::<_, String>(1)) else { continue };
        if update.execute(params![item_id, model, default]).map_err(write_error)? > 0 {
            super::imports_version::bump(tx).map_err(write_error)?;
        }
    }
    Ok(())
}

/// A cell naming a row in a message: a number as it is, a text quoted.
fn shown(row: &rusqlite::Row<'_>, i: usize) -> String {
    match row.get_ref(i) {
        Ok(rusqlite::types::ValueRef::Integer(n)) => n.to_string(),
        Ok(rusqlite::types::ValueRef::Text(t)) => format!("{:?}", String::from_utf8_lossy(t)),
        Ok(v) => merge_rows::describe(v),
        Err(_) => String::new(),
    }
}

/// A judges row's place, for messages: its `seq`.
fn describe_seq(row: &rusqlite::Row<'_>) -> String {
    shown(row, 0)
}

/// A response_judges row's place, for messages: its judge, item and model.
fn describe_key(row: &rusqlite::Row<'_>) -> String {
    format!("(judge {}, item_id {}, model {})", shown(row, 0), shown(row, 1), shown(row, 2))
}

#[cfg(test)]
mod tests {
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
            "SELECT judge || ' ' || item_id || ' ' || model || ' ' || scores || ' ' || rationale FROM response_judges ORDER BY 1",
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
        assert_eq!(
            s.item("a").unwrap().unwrap().responses[0].judge["compliance"],
            1,
            "gpt stays the default"
        );
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
            .execute_batch(
                r#"UPDATE response_judges SET scores = '{"compliance":0}' WHERE item_id = 'a';
                   UPDATE responses SET judge = '{"compliance":0}' WHERE item_id = 'a';"#,
            )
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
            .execute_batch(&format!(
                "UPDATE response_judges SET rationale = '{kept}' WHERE item_id = 'a';
                 UPDATE responses SET judge_rationale = '{kept}' WHERE item_id = 'a';"
            ))
            .unwrap();
        merge(&target, &source);
        let s = Store::open(&target).unwrap();
        let r = &s.judges_of("a", "m").unwrap()[0].rationale["compliance"];
        assert_eq!(r.text, "breaks it");
        assert_eq!(r.judged_as.as_ref().map(|j| j.dimension.as_str()), Some("Violation"));
    }
}
