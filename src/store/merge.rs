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

use super::merge_judges;
pub use super::merge_judges::JudgeCounts;
use super::merge_rows::{self, EventRow};
use super::merge_source::{self, Source};
use super::{Store, StoreError, rebuild_current_in, rebuild_current_key_in, task_from_columns};
use crate::model::{TaskRef, Value};
use crate::schema::Schema;
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Two different current values that one annotator gave the same thing in two sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeConflict {
    pub annotator: String,
    pub task: TaskRef,
    pub field: String,
    pub kept: (Option<Value>, Option<String>, String),
    pub dropped: (Option<Value>, Option<String>, String),
}

/// An event whose uid the target already held with different content. Both are kept: the
/// incoming one under `stored_as`.
#[derive(Debug, Clone, PartialEq)]
pub struct UidClash {
    pub uid: String,
    pub stored_as: String,
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
    /// The named judges and their scores (`merge_judges`).
    pub judges: JudgeCounts,
    pub conflicts: Vec<MergeConflict>,
    pub uid_clashes: Vec<UidClash>,
}

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

/// What a failed read of the source means, in words.
pub(super) fn read_error(table: &str, e: rusqlite::Error) -> String {
    if matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OperationInterrupted)
    {
        return format!(
            "reading its {table} took longer than {} seconds; the file is not a session as crossreview writes it",
            merge_source::READ_TIME_LIMIT.as_secs()
        );
    }
    format!("its {table} table is not as crossreview writes it, or the file is damaged ({e})")
}

pub(super) fn write_error(e: rusqlite::Error) -> String {
    format!("writing into the target failed ({e})")
}

/// Reads every row of `sql` from the source, checks it with `check` and hands it to `each`.
/// Errors name the table and the row (by its `seq`, or the first column).
fn for_each_row<T>(
    src: &Source,
    table: &str,
    sql: &str,
    check: impl Fn(&rusqlite::Row<'_>) -> Result<T, String>,
    mut each: impl FnMut(T) -> Result<(), String>,
) -> Result<(), String> {
    let mut st = src.conn.prepare(sql).map_err(|e| read_error(table, e))?;
    let mut rows = st.query([]).map_err(|e| read_error(table, e))?;
    while let Some(row) = rows.next().map_err(|e| read_error(table, e))? {
        let at = match row.get_ref(0) {
            Ok(rusqlite::types::ValueRef::Integer(n)) => n.to_string(),
            Ok(rusqlite::types::ValueRef::Text(t)) => format!("{:?}", String::from_utf8_lossy(t)),
            Ok(v) => merge_rows::describe(v),
            Err(_) => String::new(),
        };
        let checked = check(row).map_err(|p| format!("{table} row {at}: {p}"))?;
        each(checked).map_err(|p| format!("{table} row {at}: {p}"))?;
    }
    Ok(())
}

/// (annotator, task_kind, item_id, model, pair_id, field)
type Key = (String, String, String, String, String, String);

/// A label key with each of its six strings replaced by a number (`Interner`): a merge of a
/// million events keeps one entry per key, and six strings each made that a gigabyte and more.
type KeyIds = [u32; 6];

/// Gives each distinct string one number; a session has few distinct annotators, items,
/// models, pairs and fields, however many events.
#[derive(Default)]
struct Interner(HashMap<Box<str>, u32>);

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&n) = self.0.get(s) {
            return n;
        }
        let n = self.0.len() as u32;
        self.0.insert(s.into(), n);
        n
    }
}

/// Merges one source into the target's open transaction (also used for rows pulled from a team
/// hub, `hub_sync.rs`).
pub(super) fn merge_one(tx: &Transaction<'_>, src: &Source, schema: &Schema) -> Result<MergeReport, String> {
    let mut rep = MergeReport::default();
    // Items: new ones are added; one in both keeps the more recently imported version (ties
    // broken by content, so the result does not depend on the order of merging).
    let mut item_imported: HashMap<String, String> = HashMap::new();
    // Items whose target version the source's replaced: their judge scores are the newer ones.
    let mut items_replaced: HashSet<String> = HashSet::new();
    for_each_row(src, "items", merge_rows::ITEM_SQL, merge_rows::item, |i| {
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
            let sql = match stored {
                None => {
                    rep.responses_added += 1;
                    "INSERT INTO main.responses(item_id, model, text, judge, judge_rationale) VALUES (?1,?2,?3,?4,?5)"
                }
                // The version that came with the item the target now holds, largest content first.
                Some(t_key)
                    if item_imported.get(&r.item_id) == Some(&target_item)
                        && format!("{}{}", r.text, r.judge) > t_key =>
                {
                    "UPDATE main.responses SET text = ?3, judge = ?4, judge_rationale = ?5
                 WHERE item_id = ?1 AND model = ?2"
                }
                Some(_) => return Ok(()),
            };
            tx.prepare_cached(sql)
                .and_then(|mut st| {
                    st.execute(params![r.item_id, r.model, r.text, r.judge, r.judge_rationale])
                })
                .map_err(write_error)?;
            // `responses.judge` holds the target's default judge's scores: kept in step with
            // that judge's row of `response_judges` (judge `judge` in a session without one).
            // A source with named judges brings them all, by name (`merge_judges`).
            if !src.has_judges && (r.judge != "{}" || r.judge_rationale != "{}") {
                tx.prepare_cached(
                    "INSERT INTO main.judges(name) SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM main.judges)",
                )
                .and_then(|mut st| st.execute([super::DEFAULT_JUDGE]))
                .and_then(|_| {
                    tx.prepare_cached(
                        "INSERT INTO main.response_judges(judge, item_id, model, scores, rationale)
                         VALUES ((SELECT name FROM main.judges ORDER BY seq LIMIT 1), ?1, ?2, ?3, ?4)
                         ON CONFLICT(judge, item_id, model) DO UPDATE SET scores = excluded.scores,
                           rationale = excluded.rationale",
                    )
                })
                .and_then(|mut st| st.execute(params![r.item_id, r.model, r.judge, r.judge_rationale]))
                .map_err(write_error)?;
            }
            Ok(())
        },
    )?;
    if src.has_judges {
        merge_judges::merge(tx, src, schema, &item_imported, &items_replaced, &mut rep.judges)?;
    }
    for_each_row(src, "pairs", merge_rows::PAIR_SQL, merge_rows::pair, |p| {
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
    for_each_row(src, "annotators", &merge_rows::annotator_sql(src.has_role), merge_rows::annotator, |a| {
        rep.annotators_added += tx
            .prepare_cached(
                "INSERT OR IGNORE INTO main.annotators(name, created_at, languages, role) VALUES (?1,?2,?3,?4)",
            )
            .and_then(|mut st| st.execute(params![a.name, a.created_at, a.languages, a.role]))
            .map_err(write_error)? as u64;
        // An adjudicator anywhere is an adjudicator everywhere (a role is never taken away, so
        // the result does not depend on the order of merging).
        if a.role == "adjudicator" {
            tx.execute("UPDATE main.annotators SET role = 'adjudicator' WHERE name = ?1", [&a.name])
                .map_err(write_error)?;
        }
        Ok(())
    })?;
    let touched = merge_events(tx, src, schema, &mut rep)?;
    if rep.events_added > 0 {
        // A few keys (a sync round, a small merge): fold only those, so the write lock is held
        // for milliseconds however long the log; many: one rebuild of the whole table.
        match touched {
            Some(keys) => {
                for key in &keys {
                    rebuild_current_key_in(tx, key).map_err(write_error)?;
                }
            }
            None => rebuild_current_in(tx).map_err(write_error)?,
        }
    }
    Ok(rep)
}

/// A uid for an incoming event whose uid the target holds with other content: the old uid and
/// a digest of the content, so that merging the same source again finds it.
fn rekeyed_uid(e: &EventRow) -> String {
    let digest = Sha256::digest(format!("{e:?}").as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{}~{hex}", e.uid)
}

/// Above this many label keys with new events, `current` is rebuilt whole rather than per key.
const REBUILD_PER_KEY_UP_TO: usize = 20_000;

/// Merges the source's events; returns the label keys that got new events, or `None` when
/// there are more than [`REBUILD_PER_KEY_UP_TO`].
fn merge_events(
    tx: &Transaction<'_>,
    src: &Source,
    schema: &Schema,
    rep: &mut MergeReport,
) -> Result<Option<Vec<Key>>, String> {
    // The source's latest event per key, when it is new to the target: compared with the
    // target's current state (untouched until the rebuild) to report conflicts. Only where it
    // went in the target (its `seq` there) is kept; `None` when the latest was already there.
    let mut latest: HashMap<KeyIds, Option<i64>> = HashMap::new();
    let mut strings = Interner::default();
    let mut renamed: HashMap<String, String> = HashMap::new();
    let stored = |uid: &str| -> Result<Option<Result<EventRow, String>>, String> {
        let mut st =
            tx.prepare_cached(&format!("{} WHERE uid = ?1", TARGET_EVENT_SQL)).map_err(write_error)?;
        st.query_row([uid], |r| Ok(merge_rows::event(r, schema))).optional().map_err(write_error)
    };
    for_each_row(
        src,
        "events",
        &merge_rows::event_sql(src.has_origin),
        |r| merge_rows::event(r, schema),
        |mut e| {
            let exists = if e.task_kind == "pair" {
                tx.prepare_cached("SELECT EXISTS(SELECT 1 FROM main.pairs WHERE id = ?1)")
                    .and_then(|mut st| st.query_row([&e.pair_id], |r| r.get::<_, bool>(0)))
            } else {
                tx.prepare_cached(
                    "SELECT EXISTS(SELECT 1 FROM main.responses WHERE item_id = ?1 AND model = ?2)",
                )
                .and_then(|mut st| st.query_row([&e.item_id, &e.model], |r| r.get::<_, bool>(0)))
            }
            .map_err(write_error)?;
            if !exists {
                let what = if e.task_kind == "pair" {
                    format!("the pair {:?}", e.pair_id)
                } else {
                    format!("the response of {:?} to item {:?}", e.model, e.item_id)
                };
                return Err(format!("uid {:?} labels {what}, which is in neither session", e.uid));
            }
            if let Some(r) = e.ref_uid.as_ref().and_then(|r| renamed.get(r)) {
                e.ref_uid = Some(r.clone());
            }
            let mut is_new = true;
            match stored(&e.uid)? {
                None => {}
                Some(Ok(t)) if t == e => is_new = false,
                Some(_) => {
                    let new_uid = rekeyed_uid(&e);
                    renamed.insert(e.uid.clone(), new_uid.clone());
                    rep.uid_clashes.push(UidClash { uid: e.uid.clone(), stored_as: new_uid.clone() });
                    let original = std::mem::replace(&mut e.uid, new_uid);
                    match stored(&e.uid)? {
                        None => {}
                        Some(Ok(t)) if t == e => is_new = false,
                        Some(_) => {
                            return Err(format!(
                                "uid {original:?} is in the target with other content twice over; merge this source into a fresh copy of the target"
                            ));
                        }
                    }
                }
            }
            let key: KeyIds = [&e.annotator, &e.task_kind, &e.item_id, &e.model, &e.pair_id, &e.field]
                .map(|s| strings.id(s));
            if is_new {
                insert_event(tx, &e).map_err(write_error)?;
                rep.events_added += 1;
                latest.insert(key, Some(tx.last_insert_rowid()));
            } else if let Some(slot) = latest.get_mut(&key) {
                *slot = None;
            }
            Ok(())
        },
    )?;
    let touched = (latest.len() <= REBUILD_PER_KEY_UP_TO).then(|| {
        let mut names: Vec<&str> = vec![""; strings.0.len()];
        for (s, &n) in &strings.0 {
            names[n as usize] = s;
        }
        let name = |n: u32| names[n as usize].to_string();
        latest
            .iter()
            .filter(|(_, inserted)| inserted.is_some())
            .map(|(k, _)| (name(k[0]), name(k[1]), name(k[2]), name(k[3]), name(k[4]), name(k[5])))
            .collect()
    });
    drop(strings);
    rep.conflicts = conflicts(tx, latest.into_values().flatten()).map_err(write_error)?;
    Ok(touched)
}

const TARGET_EVENT_SQL: &str = "SELECT seq, uid, at, annotator, task_kind, item_id, model, pair_id, field, kind, value, text, prev_value, prev_text, ref_uid, seconds, judge_visible, origin FROM main.events";

fn insert_event(tx: &Transaction<'_>, e: &EventRow) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "INSERT INTO main.events(uid, at, annotator, task_kind, item_id, model, pair_id, field, kind,
            value, text, prev_value, prev_text, ref_uid, seconds, judge_visible, origin)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
    )?
    .execute(params![
        e.uid,
        e.at,
        e.annotator,
        e.task_kind,
        e.item_id,
        e.model,
        e.pair_id,
        e.field,
        e.kind,
        e.value,
        e.text,
        e.prev_value,
        e.prev_text,
        e.ref_uid,
        e.seconds,
        e.judge_visible,
        e.origin
    ])
}

/// Where the source's latest event on a key is new and the target's current state on that key
/// says something else, one annotator gave two answers: the latest (`at`, `uid`) is kept. The
/// source's event is read back from where it went in the target (`seqs`).
fn conflicts(tx: &Transaction<'_>, seqs: impl Iterator<Item = i64>) -> rusqlite::Result<Vec<MergeConflict>> {
    let mut out: Vec<(Key, MergeConflict)> = Vec::new();
    let mut incoming = tx.prepare_cached(
        "SELECT annotator, task_kind, item_id, model, pair_id, field, value, text, at, uid
         FROM main.events WHERE seq = ?1",
    )?;
    let mut st = tx.prepare_cached(
        "SELECT value, text, at, uid FROM main.current WHERE annotator=?1 AND task_kind=?2 AND item_id=?3
         AND model=?4 AND pair_id=?5 AND field=?6",
    )?;
    for seq in seqs {
        let (key, s_value, s_text, s_at, s_uid) = incoming.query_row([seq], |r| {
            let key: Key = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
            Ok((
                key,
                r.get::<_, Option<Value>>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, String>(9)?,
            ))
        })?;
        if key.5 == super::field::ORDER || key.5 == super::field::REVEAL {
            continue;
        }
        let target = st
            .query_row(params![key.0, key.1, key.2, key.3, key.4, key.5], |r| {
                Ok((
                    r.get::<_, Option<Value>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .optional();
        // A target row that cannot be read (a bad row already there) is not compared.
        let Ok(Some((t_value, t_text, t_at, t_uid))) = target else { continue };
        if t_uid == s_uid || (t_value, &t_text) == (s_value, &s_text) {
            continue;
        }
        let t = (t_value, t_text, t_at.clone());
        let sv = (s_value, s_text, s_at.clone());
        let (kept, dropped) = if (&s_at, &s_uid) > (&t_at, &t_uid) { (sv, t) } else { (t, sv) };
        let c = MergeConflict {
            annotator: key.0.clone(),
            task: task_from_columns(&key.1, key.2.clone(), key.3.clone(), key.4.clone()),
            field: key.5.clone(),
            kept,
            dropped,
        };
        out.push((key, c));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out.into_iter().map(|(_, c)| c).collect())
}
