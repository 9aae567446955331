//! What a session pushes to a team hub (docs/hub.md): the label events after the pushed mark
//! and, unless the hub holds them all already (`imports_version`), the imported rows, each
//! checked by the rules a merge applies.

use super::hub_rows::{Carried, HubResponse};
use super::hub_sync::{HubRows, each_row};
use super::imports_version::{self, ImportsMark};
use super::merge_rows;
use super::{Store, StoreError};
use std::collections::HashMap;

/// What a push sends (`Store::hub_outgoing`), and what it covers once the hub committed it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outgoing {
    pub rows: HubRows,
    /// The largest local event `seq` read (or the one the events were read after).
    pub events_through: i64,
    /// When the imported rows were read: the version they were read at.
    pub imports: Option<ImportsMark>,
    /// How many imported rows (items, responses, pairs, annotators, judges, scores) were read.
    pub import_rows_read: usize,
}

const LOCAL_EVENTS_SQL: &str = "SELECT seq, uid, at, annotator, task_kind, item_id, model, pair_id, field, kind, value, text,
        prev_value, prev_text, ref_uid, seconds, judge_visible, origin FROM main.events WHERE seq > ?1 ORDER BY seq";

impl Store {
    /// What hub `hub_id` may lack: the events after `events_after` (a local `seq`) and, unless
    /// the hub holds them all already (`imports_version`), every item, response, pair and
    /// annotator, with the judges' rows when `with_judges` (the hub keeps the ones it has by
    /// digest). Each row is checked by the rules a merge applies, so a row no crossreview writes
    /// never reaches the hub.
    pub fn hub_outgoing(
        &self,
        hub_id: &str,
        events_after: i64,
        with_judges: bool,
    ) -> Result<Outgoing, StoreError> {
        // Read before the rows: a change committed meanwhile leaves the version newer than the
        // mark recorded after this push, so the next push reads the rows again.
        let version = imports_version::current(&self.conn)?;
        let pushed = imports_version::read_mark(&self.conn, hub_id)?;
        let mut out = Outgoing { events_through: events_after, ..Outgoing::default() };
        if !pushed.is_some_and(|m| m.covers(version, with_judges)) {
            out.import_rows_read = self.outgoing_imports(&mut out.rows, with_judges)?;
            out.imports = Some(ImportsMark { version, with_judges });
        }
        let mut last = events_after;
        each_row(&self.conn, LOCAL_EVENTS_SQL, [events_after], |at, r| {
            last = last.max(r.get::<_, i64>(0).unwrap_or(last));
            out.rows.events.push(Carried::new(
                merge_rows::event(r, &self.schema).map_err(|e| self.unpushable("events", at, e))?,
            ));
            Ok(())
        })?;
        out.events_through = last;
        Ok(out)
    }

    /// Forgets which imported rows hub `hub_id` holds (it lost some): the next push reads them
    /// all.
    pub fn forget_hub_imports(&mut self, hub_id: &str) -> Result<(), StoreError> {
        Ok(imports_version::forget_mark(&self.conn, hub_id)?)
    }

    fn unpushable(&self, table: &'static str, at: String, problem: String) -> StoreError {
        StoreError::UnpushableRow { session: self.path.display().to_string(), table, at, problem }
    }

    /// Reads every item, response, pair and annotator (and the judges' rows when `with_judges`)
    /// into `out`; returns how many rows it read.
    fn outgoing_imports(&self, out: &mut HubRows, with_judges: bool) -> Result<usize, StoreError> {
        let fail = |table: &'static str, at: String, problem: String| self.unpushable(table, at, problem);
        let mut item_digests: HashMap<String, String> = HashMap::new();
        each_row(&self.conn, merge_rows::ITEM_SQL, [], |at, r| {
            let row = merge_rows::item(r).map_err(|e| fail("items", at, e))?;
            let c = Carried::new(row);
            item_digests.insert(c.row.id.clone(), c.digest.clone());
            out.items.push(c);
            Ok(())
        })?;
        each_row(&self.conn, merge_rows::RESPONSE_SQL, [], |at, r| {
            let row = merge_rows::response(r, &self.schema).map_err(|e| fail("responses", at.clone(), e))?;
            let item_digest = item_digests.get(&row.item_id).cloned().ok_or_else(|| {
                fail("responses", at, format!("item_id {:?} names no item of the session", row.item_id))
            })?;
            out.responses.push(Carried::new(HubResponse { item_digest, row }));
            Ok(())
        })?;
        each_row(&self.conn, merge_rows::PAIR_SQL, [], |at, r| {
            out.pairs.push(Carried::new(merge_rows::pair(r).map_err(|e| fail("pairs", at, e))?));
            Ok(())
        })?;
        each_row(&self.conn, &merge_rows::annotator_sql(true), [], |at, r| {
            out.annotators
                .push(Carried::new(merge_rows::annotator(r).map_err(|e| fail("annotators", at, e))?));
            Ok(())
        })?;
        if with_judges {
            out.judges = Some(super::hub_judges::outgoing(&self.conn, &self.schema, &out.responses, &fail)?);
        }
        let judges = out.judges.as_ref().map_or(0, |j| j.judges.len() + j.scores.len());
        Ok(out.items.len() + out.responses.len() + out.pairs.len() + out.annotators.len() + judges)
    }
}

#[cfg(test)]
mod tests;
