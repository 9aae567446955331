//! The named judges travelling between a session and a team hub (docs/hub.md): the judges'
//! names and each one's scores of a response, identified on the hub by digests like every other
//! row. A score row carries the digest of the response version it scores, so that a pull brings
//! that version with it, and the merge checks and places the row as `crossreview merge` does
//! (`merge_judges`).

use super::StoreError;
use super::hub_rows::{Carried, HubResponse};
use super::merge_rows::{self, ResponseJudgeRow};
use crate::schema::Schema;
use rusqlite::{Connection, params};
use std::collections::HashMap;

/// Every judge's rows of the session, the default judge's from `responses` (through the
/// session's own view; a pushing session is the caller's, not an untrusted file). Ordered by
/// response, so that a row is easy to find from the message naming it.
const RESPONSE_JUDGE_SQL: &str = "SELECT judge, item_id, model, scores, rationale FROM main.all_response_judges ORDER BY item_id, model, judge";

/// A judge's scores of one response version (`response_digest`: that version's digest on the
/// hub).
#[derive(Debug, Clone, PartialEq)]
pub struct HubResponseJudge {
    pub response_digest: String,
    pub row: ResponseJudgeRow,
}

/// The judges' rows travelling with the other rows: the names (all of them in a pull, in the
/// hub's order) and the scores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JudgeRows {
    pub judges: Vec<Carried<String>>,
    pub scores: Vec<Carried<HubResponseJudge>>,
}

/// The session's judges and every judge's scores, each checked by the rules of a merge, with
/// the digest of the response version they score (`responses`: the session's responses as they
/// travel). `fail(table, row, problem)` makes the error.
pub(super) fn outgoing(
    conn: &Connection,
    schema: &Schema,
    responses: &[Carried<HubResponse>],
    fail: &dyn Fn(&'static str, String, String) -> StoreError,
) -> Result<JudgeRows, StoreError> {
    let mut out = JudgeRows::default();
    let mut st = conn.prepare(merge_rows::JUDGE_SQL)?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let j = merge_rows::judge(r).map_err(|e| fail("judges", shown(r, &[0]), e))?;
        out.judges.push(Carried::new(j.name));
    }
    let digests: HashMap<(&str, &str), &str> = responses
        .iter()
        .map(|c| ((c.row.row.item_id.as_str(), c.row.row.model.as_str()), c.digest.as_str()))
        .collect();
    let mut st = conn.prepare(RESPONSE_JUDGE_SQL)?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let at = shown(r, &[0, 1, 2]);
        let row =
            merge_rows::response_judge(r, schema).map_err(|e| fail("response_judges", at.clone(), e))?;
        if !out.judges.iter().any(|j| j.row == row.judge) {
            return Err(fail(
                "response_judges",
                at,
                format!("judge {:?} is not in the judges table", row.judge),
            ));
        }
        let Some(response_digest) = digests.get(&(row.item_id.as_str(), row.model.as_str())) else {
            return Err(fail(
                "response_judges",
                at,
                format!(
                    "it scores model {:?}'s response to item {:?}, which the session does not hold",
                    row.model, row.item_id
                ),
            ));
        };
        out.scores.push(Carried::new(HubResponseJudge { response_digest: response_digest.to_string(), row }));
    }
    Ok(out)
}

/// A row's place for messages: the cells `cols`, a number as it is, a text quoted.
fn shown(r: &rusqlite::Row<'_>, cols: &[usize]) -> String {
    let cell = |i: usize| match r.get_ref(i) {
        Ok(rusqlite::types::ValueRef::Integer(n)) => n.to_string(),
        Ok(rusqlite::types::ValueRef::Text(t)) => format!("{:?}", String::from_utf8_lossy(t)),
        Ok(v) => merge_rows::describe(v),
        Err(_) => String::new(),
    };
    match cols {
        [one] => cell(*one),
        _ => format!("({})", cols.iter().map(|&i| cell(i)).collect::<Vec<_>>().join(", ")),
    }
}

/// The judges' tables of a source laid out from pulled rows.
const SOURCE_TABLES: &str = "
    CREATE TABLE judges(seq INTEGER PRIMARY KEY, name);
    CREATE TABLE response_judges(judge, item_id, model, scores, rationale);";

/// Lays the judges' rows into the sources of a pull (`layered_sources`): every judge's name into
/// each, and each score into the source of the response version it scores
/// (`response_layer`: the source of each pulled response, in order).
pub(super) fn lay_out(
    conns: &[Connection],
    rows: &JudgeRows,
    responses: &[Carried<HubResponse>],
    response_layer: &[usize],
) -> Result<(), String> {
    let fail = |e: rusqlite::Error| format!("rows could not be laid out for merging ({e})");
    let layer_of: HashMap<&str, usize> =
        responses.iter().zip(response_layer).map(|(r, l)| (r.digest.as_str(), *l)).collect();
    for c in conns {
        c.execute_batch(SOURCE_TABLES).map_err(fail)?;
        let mut st = c.prepare("INSERT INTO judges(seq, name) VALUES (?1, ?2)").map_err(fail)?;
        for j in &rows.judges {
            st.execute(params![j.hub_seq, j.row]).map_err(fail)?;
        }
    }
    for s in &rows.scores {
        let l = *layer_of.get(s.row.response_digest.as_str()).ok_or_else(|| {
            format!(
                "response_judges row {}: the version of model {:?}'s response to item {:?} it scores is not on the hub",
                s.hub_seq, s.row.row.model, s.row.row.item_id
            )
        })?;
        let r = &s.row.row;
        conns[l]
            .prepare_cached("INSERT INTO response_judges VALUES (?1,?2,?3,?4,?5)")
            .and_then(|mut st| st.execute(params![r.judge, r.item_id, r.model, r.scores, r.rationale]))
            .map_err(fail)?;
    }
    Ok(())
}
