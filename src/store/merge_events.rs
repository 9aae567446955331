//! Merging a source's label events into the target (`merge.rs`): inserting the events the
//! target lacks, keeping an event whose uid the target holds with other content under a derived
//! uid, listing conflicts and folding the touched label keys into `current`.
//!
//! A merge of session files reads all of a source's events in one transaction. A hub sync
//! (`hub_sync.rs`) reads them in chunks, one short transaction each, so that an annotator's own
//! write never waits long for it: `EventMerge` keeps what must outlive a chunk (renamed uids,
//! the latest event per key, the state of each key before the sync touched it).

use super::merge_rows::{self, EventRow};
use super::merge_source::Source;
use super::merge_source::{for_each_row, write_error};
use super::{rebuild_current_in, rebuild_current_key_in, task_from_columns};
use crate::model::Value;
use crate::schema::Schema;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

use super::merge_report::{MergeConflict, MergeReport, UidClash};

/// (annotator, task_kind, item_id, model, pair_id, field)
pub(super) type Key = (String, String, String, String, String, String);

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

    /// Every number's string, by number (for turning many keys back into strings).
    fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = vec![""; self.0.len()];
        for (s, &n) in &self.0 {
            names[n as usize] = s;
        }
        names
    }
}

/// Above this many label keys with new events, `current` is rebuilt whole rather than per key.
const REBUILD_PER_KEY_UP_TO: usize = 20_000;

/// A key's row of `current`: value, text, at, uid.
type Shown = (Option<Value>, Option<String>, String, String);

/// Merging one source's events, in one or several transactions.
pub(super) struct EventMerge<'s> {
    schema: &'s Schema,
    /// The source's latest event per key, when it is new to the target: compared with the
    /// target's state before the merge to report conflicts. Only where it went in the target
    /// (its `seq` there) is kept; `None` when the latest was already there.
    latest: HashMap<KeyIds, Option<i64>>,
    strings: Interner,
    renamed: HashMap<String, String>,
    /// The keys with new events since the last fold; `None` once there are too many to fold
    /// one by one (never in chunks).
    unfolded: Option<HashSet<KeyIds>>,
    any_unfolded: bool,
    /// In chunks: each touched key's row of `current` before the first fold that changed it
    /// (`None`: no row, or one that cannot be read), for the conflicts.
    before: Option<HashMap<KeyIds, Option<Shown>>>,
}

impl<'s> EventMerge<'s> {
    /// `chunked`: the events come in several transactions, each folded before it commits.
    pub(super) fn new(schema: &'s Schema, chunked: bool) -> EventMerge<'s> {
        EventMerge {
            schema,
            latest: HashMap::new(),
            strings: Interner::default(),
            renamed: HashMap::new(),
            unfolded: Some(HashSet::new()),
            any_unfolded: false,
            before: chunked.then(HashMap::new),
        }
    }

    /// Inserts the events `sql` (with `params`) reads from the source, in the order it reads
    /// them (the order of `merge_rows::event_sql`), that the target lacks.
    pub(super) fn read<P: rusqlite::Params>(
        &mut self,
        tx: &Transaction<'_>,
        src: &Source,
        sql: &str,
        params: P,
        rep: &mut MergeReport,
    ) -> Result<(), String> {
        let schema = self.schema;
        let stored = |uid: &str| -> Result<Option<Result<EventRow, String>>, String> {
            let mut st =
                tx.prepare_cached(&format!("{} WHERE uid = ?1", TARGET_EVENT_SQL)).map_err(write_error)?;
            st.query_row([uid], |r| Ok(merge_rows::event(r, schema))).optional().map_err(write_error)
        };
        for_each_row(
            src,
            "events",
            sql,
            params,
            |r| merge_rows::event(r, schema),
            |mut e| {
                if !labels_something(tx, &e).map_err(write_error)? {
                    return Err(not_in_either(&e));
                }
                if let Some(r) = e.ref_uid.as_ref().and_then(|r| self.renamed.get(r)) {
                    e.ref_uid = Some(r.clone());
                }
                let mut is_new = true;
                match stored(&e.uid)? {
                    None => {}
                    Some(Ok(t)) if t == e => is_new = false,
                    Some(_) => {
                        let new_uid = rekeyed_uid(&e);
                        self.renamed.insert(e.uid.clone(), new_uid.clone());
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
                    .map(|s| self.strings.id(s));
                if is_new {
                    insert_event(tx, &e).map_err(write_error)?;
                    rep.events_added += 1;
                    self.latest.insert(key, Some(tx.last_insert_rowid()));
                    self.any_unfolded = true;
                    if let Some(keys) = &mut self.unfolded {
                        keys.insert(key);
                        // In chunks, each chunk's keys are few and are noted one by one.
                        if keys.len() > REBUILD_PER_KEY_UP_TO && self.before.is_none() {
                            self.unfolded = None;
                        }
                    }
                } else if let Some(slot) = self.latest.get_mut(&key) {
                    *slot = None;
                }
                Ok(())
            },
        )
    }

    /// Folds the keys with new events since the last fold into `current` (a few: one by one,
    /// so the write lock is held for milliseconds however long the log; many: one rebuild of the
    /// whole table). In chunks, first notes each key's row as it was before this sync.
    pub(super) fn fold(&mut self, tx: &Transaction<'_>) -> Result<(), String> {
        if !self.any_unfolded {
            return Ok(());
        }
        let keys = self.unfolded.replace(HashSet::new());
        self.any_unfolded = false;
        let Some(keys) = keys else {
            return rebuild_current_in(tx).map_err(write_error);
        };
        let names = self.strings.names();
        let key_of = |k: &KeyIds| -> Key {
            let name = |n: u32| names[n as usize].to_string();
            (name(k[0]), name(k[1]), name(k[2]), name(k[3]), name(k[4]), name(k[5]))
        };
        for ids in &keys {
            let key = key_of(ids);
            if let Some(before) = &mut self.before
                && !before.contains_key(ids)
            {
                before.insert(*ids, shown(tx, &key));
            }
            rebuild_current_key_in(tx, &key).map_err(write_error)?;
        }
        Ok(())
    }

    /// The conflicts: where the source's latest event on a key is new and the target's state on
    /// that key before the merge says something else, one annotator gave two answers: the
    /// latest (`at`, `uid`) is kept. In one transaction this is called before `fold`, while
    /// `current` still holds the target's state; in chunks, after the last one.
    pub(super) fn conflicts(&mut self, conn: &Connection) -> rusqlite::Result<Vec<MergeConflict>> {
        let (latest, before) = (std::mem::take(&mut self.latest), &self.before);
        let mut out: Vec<(Key, MergeConflict)> = Vec::new();
        let mut incoming = conn.prepare_cached(
            "SELECT annotator, task_kind, item_id, model, pair_id, field, value, text, at, uid
             FROM main.events WHERE seq = ?1",
        )?;
        for (ids, seq) in latest.into_iter().filter_map(|(k, s)| s.map(|s| (k, s))) {
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
            let target = match &before {
                Some(b) => b.get(&ids).cloned().unwrap_or_else(|| shown(conn, &key)),
                None => shown(conn, &key),
            };
            let Some((t_value, t_text, t_at, t_uid)) = target else { continue };
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
}

/// A key's row of `current`; `None` when there is none or it cannot be read (a bad row already
/// there is not compared).
fn shown(conn: &Connection, key: &Key) -> Option<Shown> {
    let row = conn
        .prepare_cached(
            "SELECT value, text, at, uid FROM main.current WHERE annotator=?1 AND task_kind=?2 AND item_id=?3
             AND model=?4 AND pair_id=?5 AND field=?6",
        )
        .and_then(|mut st| {
            st.query_row(params![key.0, key.1, key.2, key.3, key.4, key.5], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
        });
    row.ok().flatten()
}

/// Whether the response or pair the event labels is in the target.
pub(super) fn labels_something(conn: &Connection, e: &EventRow) -> rusqlite::Result<bool> {
    if e.task_kind == "pair" {
        conn.prepare_cached("SELECT EXISTS(SELECT 1 FROM main.pairs WHERE id = ?1)")
            .and_then(|mut st| st.query_row([&e.pair_id], |r| r.get::<_, bool>(0)))
    } else {
        conn.prepare_cached("SELECT EXISTS(SELECT 1 FROM main.responses WHERE item_id = ?1 AND model = ?2)")
            .and_then(|mut st| st.query_row([&e.item_id, &e.model], |r| r.get::<_, bool>(0)))
    }
}

/// The message for an event labelling something neither session holds.
pub(super) fn not_in_either(e: &EventRow) -> String {
    let what = if e.task_kind == "pair" {
        format!("the pair {:?}", e.pair_id)
    } else {
        format!("the response of {:?} to item {:?}", e.model, e.item_id)
    };
    format!("uid {:?} labels {what}, which is in neither session", e.uid)
}

/// A uid for an incoming event whose uid the target holds with other content: the old uid and
/// a digest of the content, so that merging the same source again finds it.
fn rekeyed_uid(e: &EventRow) -> String {
    let digest = Sha256::digest(format!("{e:?}").as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{}~{hex}", e.uid)
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
