//! Merging sessions: each annotator works in their own copy on their own machine, and
//! `crossreview merge` brings the copies together. Events are identified by `uid`, so merging is
//! an insert of the events the target lacks followed by a rebuild of the current labels, which
//! makes it idempotent and independent of the order of the sources.

use super::{Store, rebuild_current_in, task_from_columns};
use crate::error::CliError;
use crate::model::{TaskRef, Value};
use std::path::Path;

/// Two different current values that one annotator gave the same thing in two sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeConflict {
    pub annotator: String,
    pub task: TaskRef,
    pub field: String,
    pub kept: (Option<Value>, Option<String>, String),
    pub dropped: (Option<Value>, Option<String>, String),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeReport {
    pub items_added: u64,
    pub items_updated: u64,
    pub responses_added: u64,
    pub pairs_added: u64,
    pub pairs_updated: u64,
    pub events_added: u64,
    pub annotators_added: u64,
    pub conflicts: Vec<MergeConflict>,
}

impl Store {
    /// Merges `source` into this session in one transaction (all or nothing).
    pub fn merge_from(&mut self, source: &Path) -> Result<MergeReport, CliError> {
        let src = Store::open(source)?;
        if src.schema().dimensions != self.schema().dimensions {
            return Err(CliError::data(format!(
                "{}: its label schema ({}) differs from the target's ({}); only sessions with the same dimensions and values can be merged",
                source.display(),
                src.schema().dimension_names().join(", "),
                self.schema().dimension_names().join(", ")
            )));
        }
        let same_file = std::fs::canonicalize(source).ok() == std::fs::canonicalize(self.path()).ok();
        if same_file {
            return Err(CliError::data(format!(
                "{}: is the target itself; name other sessions to merge",
                source.display()
            )));
        }
        // Make the source's WAL part of its main file content for the ATTACH below.
        src.conn.execute_batch("PRAGMA wal_checkpoint(FULL)").ok();
        drop(src);
        let source_str = source.to_string_lossy().into_owned();
        self.conn.execute("ATTACH DATABASE ?1 AS src", [&source_str])?;
        let result = self.merge_attached();
        let detach = self.conn.execute_batch("DETACH DATABASE src");
        let report = result.map_err(|e| {
            CliError::data(format!("{}: merge failed, nothing changed: {e}", source.display()))
        })?;
        detach?;
        Ok(report)
    }

    fn merge_attached(&mut self) -> rusqlite::Result<MergeReport> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut rep = MergeReport::default();
        // Conflicts first, while `current` still holds the target's state.
        {
            let mut st = tx.prepare(
                "SELECT t.annotator, t.task_kind, t.item_id, t.model, t.pair_id, t.field,
                        t.value, t.text, t.at, t.uid, s.value, s.text, s.at, s.uid
                 FROM main.current t JOIN src.current s USING (annotator, task_kind, item_id, model, pair_id, field)
                 WHERE t.field NOT IN ('@order', '@reveal')
                   AND (t.value IS NOT s.value OR t.text IS NOT s.text) AND t.uid <> s.uid
                   AND s.uid NOT IN (SELECT uid FROM main.events)
                 ORDER BY 1, 2, 3, 4, 5, 6",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let t =
                    (r.get::<_, Option<Value>>(6)?, r.get::<_, Option<String>>(7)?, r.get::<_, String>(8)?);
                let s = (
                    r.get::<_, Option<Value>>(10)?,
                    r.get::<_, Option<String>>(11)?,
                    r.get::<_, String>(12)?,
                );
                let t_key = (t.2.clone(), r.get::<_, String>(9)?);
                let s_key = (s.2.clone(), r.get::<_, String>(13)?);
                let (kept, dropped) = if s_key > t_key { (s, t) } else { (t, s) };
                rep.conflicts.push(MergeConflict {
                    annotator: r.get(0)?,
                    task: task_from_columns(&r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                    field: r.get(5)?,
                    kept,
                    dropped,
                });
            }
        }
        // Items: new ones are added; one in both keeps the more recently imported version (ties
        // broken by content, so the result does not depend on the order of merging).
        rep.items_updated = tx.execute(
            "UPDATE main.items AS t SET image=s.image, query=s.query, query_en=s.query_en,
                language=s.language, country=s.country, domain=s.domain, norm=s.norm, meta=s.meta,
                imported_at=s.imported_at
             FROM src.items AS s WHERE s.id = t.id AND
               (s.imported_at, s.query || s.meta) > (t.imported_at, t.query || t.meta)",
            [],
        )? as u64;
        rep.items_added = tx.execute(
            "INSERT INTO main.items(id, image, query, query_en, language, country, domain, norm, meta, imported_at)
             SELECT id, image, query, query_en, language, country, domain, norm, meta, imported_at
             FROM src.items WHERE id NOT IN (SELECT id FROM main.items) ORDER BY seq",
            [],
        )? as u64;
        tx.execute(
            "UPDATE main.responses AS t SET text=s.text, judge=s.judge, judge_rationale=s.judge_rationale
             FROM src.responses AS s JOIN src.items si ON si.id = s.item_id
             JOIN main.items ti ON ti.id = s.item_id
             WHERE s.item_id = t.item_id AND s.model = t.model AND si.imported_at = ti.imported_at
               AND (s.text || s.judge) > (t.text || t.judge)",
            [],
        )?;
        rep.responses_added = tx.execute(
            "INSERT OR IGNORE INTO main.responses(item_id, model, text, judge, judge_rationale)
             SELECT item_id, model, text, judge, judge_rationale FROM src.responses ORDER BY seq",
            [],
        )? as u64;
        rep.pairs_updated = tx.execute(
            "UPDATE main.pairs AS t SET item_id=s.item_id, prompt=s.prompt, chosen=s.chosen,
                rejected=s.rejected, images=s.images, meta=s.meta, imported_at=s.imported_at
             FROM src.pairs AS s WHERE s.id = t.id AND
               (s.imported_at, s.prompt || s.chosen || s.rejected || s.meta) >
               (t.imported_at, t.prompt || t.chosen || t.rejected || t.meta)",
            [],
        )? as u64;
        rep.pairs_added = tx.execute(
            "INSERT INTO main.pairs(id, item_id, prompt, chosen, rejected, images, meta, imported_at)
             SELECT id, item_id, prompt, chosen, rejected, images, meta, imported_at
             FROM src.pairs WHERE id NOT IN (SELECT id FROM main.pairs) ORDER BY seq",
            [],
        )? as u64;
        rep.annotators_added = tx.execute(
            "INSERT OR IGNORE INTO main.annotators(name, created_at, languages, role)
             SELECT name, created_at, languages, role FROM src.annotators",
            [],
        )? as u64;
        // An adjudicator anywhere is an adjudicator everywhere (a role is never taken away, so
        // the result does not depend on the order of merging).
        tx.execute(
            "UPDATE main.annotators SET role = 'adjudicator'
             WHERE name IN (SELECT name FROM src.annotators WHERE role = 'adjudicator')",
            [],
        )?;
        rep.events_added = tx.execute(
            "INSERT OR IGNORE INTO main.events(uid, at, annotator, task_kind, item_id, model, pair_id,
                field, kind, value, text, prev_value, prev_text, ref_uid, seconds, judge_visible)
             SELECT uid, at, annotator, task_kind, item_id, model, pair_id, field, kind, value, text,
                prev_value, prev_text, ref_uid, seconds, judge_visible
             FROM src.events ORDER BY at, uid",
            [],
        )? as u64;
        if rep.events_added > 0 {
            rebuild_current_in(&tx)?;
        }
        tx.commit()?;
        Ok(rep)
    }
}
