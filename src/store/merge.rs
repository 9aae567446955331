//! Merging sessions: each annotator works in their own copy on their own machine, and
//! `crossreview merge` brings the copies together. Events are identified by `uid`, so merging is
//! an insert of the events the target lacks followed by a rebuild of the current labels, which
//! makes it idempotent and independent of the order of the sources.
//!
//! Sources are untrusted files: each is opened read-only (`merge_source`), every row is checked
//! (`merge_rows`) before it is written, and all sources go into the target in one transaction,
//! so a bad row anywhere leaves the target as it was. An event whose uid the target already
//! holds with other content is never dropped: it is kept under a uid derived from its content,
//! and reported.

use super::merge_events::EventMerge;
use super::merge_judges;
pub use super::merge_report::{JudgeCounts, MergeConflict, MergeReport, UidClash};
use super::merge_rows;
use super::merge_source::{self, Source};
use super::merge_source::{for_each_row, write_error};
use super::{Store, StoreError};

use crate::schema::Schema;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

impl Store {
    /// Merges `source` into this session in one transaction (all or nothing).
    pub fn merge_from(&mut self, source: &Path) -> Result<MergeReport, StoreError> {
        Ok(self.merge_all(&[source.to_path_buf()])?.remove(0))
    }

    /// Merges every source into this session in one transaction: every source is opened and
    /// checked first, and a bad row in any of them leaves the target unchanged. Returns one
    /// report per source, in order.
    pub fn merge_all(&mut self, sources: &[PathBuf]) -> Result<Vec<MergeReport>, StoreError> {
        let schema = self.schema.clone();
        let mut opened = Vec::with_capacity(sources.len());
        for path in sources {
            let src = merge_source::open(path, &self.path, &schema)
                .map_err(|problem| StoreError::MergeSource { path: path.clone(), problem })?;
            opened.push(src);
        }
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut reports = Vec::with_capacity(sources.len());
        for (src, path) in opened.iter().zip(sources) {
            let rep = merge_one(&tx, src, &schema)
                .map_err(|problem| StoreError::MergeSource { path: path.clone(), problem })?;
            reports.push(rep);
        }
        tx.commit()?;
        Ok(reports)
    }
}

/// Merges one source's items, responses, pairs and annotators into the target's open
/// transaction (the events follow: `merge_events.rs`).
pub(super) fn merge_imports(
    tx: &Transaction<'_>,
    src: &Source,
    schema: &Schema,
) -> Result<MergeReport, String> {
    let rep = merge_import_rows(tx, src, schema)?;
    // The writes no count reports (a response's newer content, a role, the default judge's
    // scores copied into `responses`) bump the version themselves.
    let j = &rep.judges;
    if rep.items_added
        + rep.items_updated
        + rep.responses_added
        + rep.pairs_added
        + rep.pairs_updated
        + rep.annotators_added
        + j.judges_added
        + j.scores_added
        + j.scores_updated
        > 0
    {
        super::imports_version::bump(tx).map_err(write_error)?;
    }
    Ok(rep)
}

fn merge_import_rows(tx: &Transaction<'_>, src: &Source, schema: &Schema) -> Result<MergeReport, String> {
    let mut rep = MergeReport::default();
    // Items: new ones are added; one in both keeps the more recently imported version (ties
    // broken by content, so the result does not depend on the order of merging).
    let mut item_imported: HashMap<String, String> = HashMap::new();
    // Items whose target version the source's replaced: their judge scores are the newer ones.
    let mut items_replaced: HashSet<String> = HashSet::new();
    for_each_row(src, "items", merge_rows::ITEM_SQL, [], merge_rows::item, |i| {
        let stored: Option<(String, String)> = tx
            .prepare_cached("SELECT imported_at, query || meta FROM main.items WHERE id = ?1")
            .and_then(|mut st| st.query_row([&i.id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(write_error)?;
        let newer = match &stored {
            None => true,
            Some((t_at, t_key)) => (&i.imported_at, format!("{}{}", i.query, i.meta)) > (t_at, t_key.clone()),
        };
        item_imported.insert(i.id.clone(), i.imported_at.clone());
        if !newer {
            return Ok(());
        }
        tx.prepare_cached(
            "INSERT INTO main.items(id, image, query, query_en, language, country, domain, norm, meta, imported_at)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)
             ON CONFLICT(id) DO UPDATE SET image=excluded.image, query=excluded.query,
               query_en=excluded.query_en, language=excluded.language, country=excluded.country,
               domain=excluded.domain, norm=excluded.norm, meta=excluded.meta,
               imported_at=excluded.imported_at",
        )
        .and_then(|mut st| {
            st.execute(params![
                i.id,
                i.image,
                i.query,
                i.query_en,
                i.language,
                i.country,
                i.domain,
                i.norm,
                i.meta,
                i.imported_at
            ])
        })
        .map_err(write_error)?;
        if stored.is_some() {
            items_replaced.insert(i.id.clone());
            rep.items_updated += 1;
        } else {
            rep.items_added += 1;
        }
        Ok(())
    })?;
    for_each_row(
        src,
        "responses",
        merge_rows::RESPONSE_SQL,
        [],
        |r| merge_rows::response(r, schema),
        |r| {
            let target_item: Option<String> = tx
                .prepare_cached("SELECT imported_at FROM main.items WHERE id = ?1")
                .and_then(|mut st| st.query_row([&r.item_id], |x| x.get(0)).optional())
                .map_err(write_error)?;
            let Some(target_item) = target_item else {
                return Err(format!("item_id {:?} names an item that is in neither session", r.item_id));
            };
            let stored: Option<String> = tx
                .prepare_cached("SELECT text || judge FROM main.responses WHERE item_id = ?1 AND model = ?2")
                .and_then(|mut st| st.query_row([&r.item_id, &r.model], |x| x.get(0)).optional())
                .map_err(write_error)?;
            // `responses.judge` holds the target's default judge's scores. A source with named
            // judges brings every judge's by name afterwards (`merge_judges`), so its responses
            // come without scores here; an older source's scores are its one judge's, which
            // become the target's default judge's (judge `judge` in a session without one).
            let update = match stored {
                None => false,
                // The version that came with the item the target now holds, largest content first.
                Some(t_key)
                    if item_imported.get(&r.item_id) == Some(&target_item)
                        && format!("{}{}", r.text, r.judge) > t_key =>
                {
                    true
                }
                Some(_) => return Ok(()),
            };
            if !update {
                rep.responses_added += 1;
            }
            let with_scores = !src.has_judges;
            let sql = match (update, with_scores) {
                (false, false) => "INSERT INTO main.responses(item_id, model, text) VALUES (?1,?2,?3)",
                (false, true) => {
                    "INSERT INTO main.responses(item_id, model, text, judge, judge_rationale) VALUES (?1,?2,?3,?4,?5)"
                }
                (true, false) => "UPDATE main.responses SET text = ?3 WHERE item_id = ?1 AND model = ?2",
                (true, true) => {
                    "UPDATE main.responses SET text = ?3, judge = ?4, judge_rationale = ?5
                     WHERE item_id = ?1 AND model = ?2"
                }
            };
            tx.prepare_cached(sql)
                .and_then(|mut st| {
                    if with_scores {
                        st.execute(params![r.item_id, r.model, r.text, r.judge, r.judge_rationale])
                    } else {
                        st.execute(params![r.item_id, r.model, r.text])
                    }
                })
                .and_then(|n| if n > 0 { super::imports_version::bump(tx) } else { Ok(()) })
                .map_err(write_error)?;
            if with_scores && (r.judge != "{}" || r.judge_rationale != "{}") {
                tx.prepare_cached(
                    "INSERT INTO main.judges(name) SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM main.judges)",
                )
                .and_then(|mut st| st.execute([super::DEFAULT_JUDGE]))
                .map_err(write_error)?;
            }
            Ok(())
        },
    )?;
    if src.has_judges {
        merge_judges::merge(tx, src, schema, &item_imported, &items_replaced, &mut rep.judges)?;
    }
    for_each_row(src, "pairs", merge_rows::PAIR_SQL, [], merge_rows::pair, |p| {
        let key = format!("{}{}{}{}", p.prompt, p.chosen, p.rejected, p.meta);
        let stored: Option<(String, String)> = tx
            .prepare_cached(
                "SELECT imported_at, prompt || chosen || rejected || meta FROM main.pairs WHERE id = ?1",
            )
            .and_then(|mut st| st.query_row([&p.id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(write_error)?;
        if let Some((t_at, t_key)) = &stored
            && (&p.imported_at, &key) <= (t_at, t_key)
        {
            return Ok(());
        }
        tx.prepare_cached(
            "INSERT INTO main.pairs(id, item_id, prompt, chosen, rejected, images, meta, imported_at)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8)
             ON CONFLICT(id) DO UPDATE SET item_id=excluded.item_id, prompt=excluded.prompt,
               chosen=excluded.chosen, rejected=excluded.rejected, images=excluded.images,
               meta=excluded.meta, imported_at=excluded.imported_at",
        )
        .and_then(|mut st| {
            st.execute(params![
                p.id,
                p.item_id,
                p.prompt,
                p.chosen,
                p.rejected,
                p.images,
                p.meta,
                p.imported_at
            ])
        })
        .map_err(write_error)?;
        if stored.is_some() {
            rep.pairs_updated += 1;
        } else {
            rep.pairs_added += 1;
        }
        Ok(())
    })?;
    for_each_row(
        src,
        "annotators",
        &merge_rows::annotator_sql(src.has_role),
        [],
        merge_rows::annotator,
        |a| {
            rep.annotators_added += tx
            .prepare_cached(
                "INSERT OR IGNORE INTO main.annotators(name, created_at, languages, role) VALUES (?1,?2,?3,?4)",
            )
            .and_then(|mut st| st.execute(params![a.name, a.created_at, a.languages, a.role]))
            .map_err(write_error)? as u64;
            // An adjudicator anywhere is an adjudicator everywhere (a role is never taken away, so
            // the result does not depend on the order of merging).
            if a.role == "adjudicator" {
                tx.execute(
                    "UPDATE main.annotators SET role = 'adjudicator' WHERE name = ?1 AND role IS NOT 'adjudicator'",
                    [&a.name],
                )
                .and_then(|n| if n > 0 { super::imports_version::bump(tx) } else { Ok(()) })
                .map_err(write_error)?;
            }
            Ok(())
        },
    )?;
    Ok(rep)
}

/// Merges one source into the target's open transaction (also used for rows pulled from a team
/// hub, `hub_sync.rs`).
pub(super) fn merge_one(tx: &Transaction<'_>, src: &Source, schema: &Schema) -> Result<MergeReport, String> {
    let mut rep = merge_imports(tx, src, schema)?;
    let mut events = EventMerge::new(schema, false);
    events.read(tx, src, &merge_rows::event_sql(src.has_origin), [], &mut rep)?;
    // Compared with `current` before the fold changes it.
    rep.conflicts = events.conflicts(tx).map_err(write_error)?;
    events.fold(tx)?;
    Ok(rep)
}
