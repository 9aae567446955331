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
//! - the target's default judge's scores are kept in `responses.judge` (session format 8), the
//!   other judges' in `response_judges`.

use super::merge_report::JudgeCounts;
use super::merge_rows::{self, ResponseJudgeRow};
use super::merge_source::Source;
use super::merge_source::{read_error, write_error};
use crate::schema::Schema;
use rusqlite::{OptionalExtension, Transaction};
use std::collections::{HashMap, HashSet};

/// The source's judge rows: those of `response_judges`, and its default judge's scores kept in
/// `responses`, read from the tables (not from the session's view `all_response_judges`: a
/// source is untrusted, and a view could run an endless query). From format 8 on, the default
/// judge's rows are in `responses` only; before (format 7, and rows pulled from a hub),
/// `response_judges` holds every judge's, and `responses` adds only a response that has no row
/// although it holds scores (a session merged by an older crossreview).
fn source_rows_sql(src: &Source) -> String {
    let unless_in_table = if src.default_judge_in_responses {
        ""
    } else {
        "AND NOT EXISTS (SELECT 1 FROM main.response_judges rj WHERE rj.item_id = r.item_id AND rj.model = r.model)"
    };
    format!(
        "SELECT judge, item_id, model, scores, rationale FROM main.response_judges
         UNION ALL
         SELECT coalesce((SELECT name FROM main.judges ORDER BY seq LIMIT 1), ?1), r.item_id, r.model,
                r.judge, r.judge_rationale
         FROM main.responses r
         WHERE (r.judge IS NOT '{{}}' OR r.judge_rationale IS NOT '{{}}') {unless_in_table}
         ORDER BY 2, 3, 1"
    )
}

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
    let default = super::judges::default_judge_in(tx).map_err(write_error)?.unwrap_or_default();
    let mut last: Option<ResponseState> = None;
    let mut st = src.conn.prepare(&source_rows_sql(src)).map_err(|e| read_error("response_judges", e))?;
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
        merge_row(tx, &j, j.judge == default, &response, item_imported, items_replaced, counts)?;
        last = Some(response);
    }
    drop(rows);
    drop(st);
    for name in added {
        let n = tx
            .prepare_cached(
                "DELETE FROM main.judges WHERE name = ?1
                 AND NOT EXISTS (SELECT 1 FROM main.response_judges WHERE judge = ?1)
                 AND NOT (?1 = ?2 AND EXISTS (SELECT 1 FROM main.responses
                                              WHERE judge <> '{}' OR judge_rationale <> '{}'))",
            )
            .and_then(|mut st| st.execute([name, &default]))
            .map_err(write_error)?;
        counts.judges_added += 1 - n as u64;
    }
    let now_default = super::judges::default_judge_in(tx).map_err(write_error)?;
    match now_default {
        Some(now) if now != default => default_judge_rows_into_responses(tx, &now),
        _ => Ok(()),
    }
}

/// Moves the rows of `judge`, now the target's default (the judge registered before it brought
/// no scores and was taken out), from `response_judges` into `responses`.
fn default_judge_rows_into_responses(tx: &Transaction<'_>, judge: &str) -> Result<(), String> {
    tx.execute(
        "UPDATE main.responses SET judge = rj.scores, judge_rationale = rj.rationale
         FROM main.response_judges rj
         WHERE rj.judge = ?1 AND rj.item_id = responses.item_id AND rj.model = responses.model",
        [judge],
    )
    .and_then(|_| tx.execute("DELETE FROM main.response_judges WHERE judge = ?1", [judge]))
    .map_err(write_error)?;
    Ok(())
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

/// Writes one source row into the target when the target lacks it, or holds an older version;
/// the target's default judge's (`is_default`) into `responses`.
fn merge_row(
    tx: &Transaction<'_>,
    j: &ResponseJudgeRow,
    is_default: bool,
    response: &ResponseState,
    item_imported: &HashMap<String, String>,
    items_replaced: &HashSet<String>,
    counts: &mut JudgeCounts,
) -> Result<(), String> {
    if !response.same_text {
        counts.scores_left_out += 1;
        return Ok(());
    }
    let key = (j.item_id.as_str(), j.model.as_str());
    let stored = super::judges::stored_scores(tx, is_default, &j.judge, key).map_err(write_error)?;
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
    super::judges::write_scores(tx, is_default, &j.judge, key, &j.scores, &j.rationale)
        .map_err(write_error)?;
    if stored.is_some() {
        counts.scores_updated += 1;
    } else {
        counts.scores_added += 1;
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
mod tests;
