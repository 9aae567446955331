//! The session's side of a team hub (docs/hub.md). The hub decides nothing: it is the union of
//! every row any session pushed, each row identified by its content (a digest). All decisions
//! (which version of an item wins, duplicate and clashing event uids, conflicts, the current
//! labels) are taken here by the one merge of `merge.rs`, applied to the rows pulled from the hub
//! exactly as to a session file: they are laid into private temporary databases shaped like
//! sessions, checked row by row and merged, the label events in short transactions
//! (`merge_from_hub`).
//!
//! Two cursors per hub live in the session's `meta` table: `hub:<HUB_ID>:pulled_through` (the
//! hub sequence number up to which every hub row has been merged here) and
//! `hub:<HUB_ID>:pushed_through` (the local event `seq` up to which every event is on the hub).
//! Each moves only after what it covers is committed on both sides, and every write on either
//! side is idempotent, so a sync cut anywhere is completed by the next one. A third key,
//! `hub:<HUB_ID>:imports_pushed`, lets a push skip the imported rows (`imports_version.rs`).

use super::imports_version;
use super::merge::{self, MergeReport};
use super::merge_events::{self, EventMerge};
use super::merge_rows;
use super::merge_source::{self, Source};
use super::{Store, StoreError};
use crate::schema::Schema;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::time::{Duration, Instant};

pub use super::hub_judges::{HubResponseJudge, JudgeRows};
pub use super::hub_rows::{Carried, HubResponse, digest};
pub use super::imports_version::ImportsMark;
pub use super::merge_rows::{AnnotatorRow, EventRow, ItemRow, PairRow, ResponseJudgeRow, ResponseRow};

/// Rows travelling between a session and a hub, each with its digest. Pulled rows also carry
/// their hub sequence number (0 for rows read from the session).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HubRows {
    pub items: Vec<Carried<ItemRow>>,
    pub responses: Vec<Carried<HubResponse>>,
    pub pairs: Vec<Carried<PairRow>>,
    pub annotators: Vec<Carried<AnnotatorRow>>,
    pub events: Vec<Carried<EventRow>>,
    /// The named judges and their scores; `None` with a hub made before judges travelled.
    pub judges: Option<JudgeRows>,
}

impl HubRows {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
            && self.responses.is_empty()
            && self.pairs.is_empty()
            && self.annotators.is_empty()
            && self.events.is_empty()
            && self.judges.as_ref().is_none_or(|j| j.scores.is_empty())
    }
}

fn pulled_key(hub_id: &str) -> String {
    format!("hub:{hub_id}:pulled_through")
}

fn pushed_key(hub_id: &str) -> String {
    format!("hub:{hub_id}:pushed_through")
}

fn meta_i64(conn: &Connection, key: &str) -> rusqlite::Result<i64> {
    let v: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?;
    Ok(v.and_then(|s| s.parse().ok()).unwrap_or(0))
}

fn set_meta_in(conn: &Connection, key: &str, value: i64) -> rusqlite::Result<()> {
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", params![key, value.to_string()])?;
    Ok(())
}

/// The local cursors for one hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HubCursors {
    pub pulled_through: i64,
    pub pushed_through: i64,
}

/// A pull's label events go in in transactions of at most about `CHUNK_TIME` each (read in
/// steps of `STEP` events), with a pause between them in which another connection's write
/// waiting for the lock gets it (docs/hub.md).
const STEP: usize = 25;
const CHUNK_TIME: Duration = Duration::from_millis(4);
const PAUSE: Duration = Duration::from_millis(1);

/// Label writes in this process waiting to begin their transaction.
static KEY_WRITES_WAITING: AtomicUsize = AtomicUsize::new(0);

/// Marks a label write waiting for the session's write lock, while alive: a hub sync in the
/// same process (`annotate --hub`) ends its chunk early and lets the write in before the next
/// one, instead of leaving it to the busy handler's polling.
pub(super) struct KeyWriteWaiting(());

impl KeyWriteWaiting {
    pub(super) fn start() -> KeyWriteWaiting {
        KEY_WRITES_WAITING.fetch_add(1, AtomicOrdering::SeqCst);
        KeyWriteWaiting(())
    }

    fn any() -> bool {
        KEY_WRITES_WAITING.load(AtomicOrdering::SeqCst) > 0
    }

    /// Between two chunks: waits (a little) until the waiting writes have begun.
    fn let_in() {
        let since = Instant::now();
        std::thread::sleep(PAUSE);
        while KeyWriteWaiting::any() && since.elapsed() < Duration::from_millis(50) {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

impl Drop for KeyWriteWaiting {
    fn drop(&mut self) {
        KEY_WRITES_WAITING.fetch_sub(1, AtomicOrdering::SeqCst);
    }
}

/// The pulled events numbered `ord` in [?1, ?2), in order (`lay_out`).
const CHUNK_SQL: &str =
    "SELECT seq, uid, at, annotator, task_kind, item_id, model, pair_id, field, kind, value, text,
        prev_value, prev_text, ref_uid, seconds, judge_visible, origin FROM main.events
        WHERE ord >= ?1 AND ord < ?2 ORDER BY ord";

impl Store {
    /// This session's study id (the `session_id` it was created with).
    pub fn study_id(&self) -> Result<String, StoreError> {
        Ok(self.meta("session_id")?.unwrap_or_default())
    }

    pub fn hub_cursors(&self, hub_id: &str) -> Result<HubCursors, StoreError> {
        Ok(HubCursors {
            pulled_through: meta_i64(&self.conn, &pulled_key(hub_id))?,
            pushed_through: meta_i64(&self.conn, &pushed_key(hub_id))?,
        })
    }

    /// How many label events of this session are not on hub `hub_id` yet.
    pub fn hub_waiting(&self, hub_id: &str) -> Result<u64, StoreError> {
        let pushed = meta_i64(&self.conn, &pushed_key(hub_id))?;
        let n: i64 =
            self.conn.query_row("SELECT count(*) FROM events WHERE seq > ?1", [pushed], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Merges rows pulled from hub `hub_id` (everything it holds after this session's pulled
    /// cursor, up to `through`) by the rules of `merge`, and moves the cursors. Every row is
    /// checked first, so a bad row leaves the session unchanged. The label events go in in
    /// chunks, one short transaction each with a pause between them, so that the annotator's own
    /// write (another connection, maybe another process) never waits long; the pulled cursor
    /// moves with the last chunk, so a sync cut between chunks pulls the rest next time (the
    /// chunks already in are recognised by their uids).
    pub fn merge_from_hub(
        &mut self,
        hub_id: &str,
        shown_hub: &str,
        rows: &HubRows,
        through: i64,
    ) -> Result<MergeReport, StoreError> {
        self.relaxed(|s| s.merge_chunks(hub_id, shown_hub, rows, through))
    }

    fn merge_chunks(
        &mut self,
        hub_id: &str,
        shown_hub: &str,
        rows: &HubRows,
        through: i64,
    ) -> Result<MergeReport, StoreError> {
        // Nothing new: no write transaction (a background sync runs this every few seconds
        // beside an annotator's own writes).
        if rows.is_empty() && meta_i64(&self.conn, &pulled_key(hub_id))? >= through {
            return Ok(MergeReport::default());
        }
        let schema = self.schema.clone();
        let hub = || shown_hub.to_string();
        let laid = lay_out(rows).map_err(|problem| StoreError::HubRows { hub: hub(), problem })?;
        check_events(&self.conn, &laid.events, rows, &schema)
            .map_err(|e| StoreError::HubRows { hub: hub(), problem: format!("the hub's {e}") })?;
        let mut total = MergeReport::default();
        let mut merge = EventMerge::new(&schema, true);
        let (mut done, mut committed) = (0usize, false);
        loop {
            let failed = |e: String, committed: bool| {
                let problem = format!("the hub's {e}");
                if committed {
                    StoreError::HubRowsPartlyMerged { hub: hub(), problem }
                } else {
                    StoreError::HubRows { hub: hub(), problem }
                }
            };
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let started = Instant::now();
            let events_before: i64 =
                tx.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))?;
            if !committed {
                for src in &laid.imports {
                    let rep = merge::merge_imports(&tx, src, &schema).map_err(|e| failed(e, false))?;
                    add_report(&mut total, rep);
                }
            }
            // Steps of a few events until the chunk has held the lock CHUNK_TIME, or a key's
            // write in this process waits for it.
            loop {
                let upto = (done + STEP).min(laid.count);
                merge
                    .read(&tx, &laid.events, CHUNK_SQL, [done as i64, upto as i64], &mut total)
                    .and_then(|()| merge.fold(&tx))
                    .map_err(|e| failed(e, committed))?;
                done = upto;
                if done == laid.count || started.elapsed() >= CHUNK_TIME || KeyWriteWaiting::any() {
                    break;
                }
            }
            if done == laid.count {
                let pulled = meta_i64(&tx, &pulled_key(hub_id))?;
                set_meta_in(&tx, &pulled_key(hub_id), pulled.max(through))?;
            }
            // The events just merged came from the hub: when every local event before them is
            // on the hub already, they need not be pushed back.
            let pushed = meta_i64(&tx, &pushed_key(hub_id))?;
            if pushed >= events_before {
                let events_after: i64 =
                    tx.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))?;
                set_meta_in(&tx, &pushed_key(hub_id), events_after)?;
            }
            tx.commit()?;
            committed = true;
            if done == laid.count {
                break;
            }
            KeyWriteWaiting::let_in();
        }
        total.conflicts = merge.conflicts(&self.conn)?;
        Ok(total)
    }

    /// Records a push that the hub committed: every local event up to `pushed_through` is on the
    /// hub, and the imported rows as of `imports` when they were sent; when the hub held nothing
    /// beyond this session's pulled cursor before the push (`hub_before`), the rows just pushed
    /// need not be pulled back either.
    pub fn record_hub_push(
        &mut self,
        hub_id: &str,
        pushed_through: i64,
        imports: Option<ImportsMark>,
        hub_before: i64,
        hub_after: i64,
    ) -> Result<(), StoreError> {
        let cursors = self.hub_cursors(hub_id)?;
        if cursors.pushed_through >= pushed_through
            && (cursors.pulled_through < hub_before || cursors.pulled_through >= hub_after)
            && (imports.is_none() || imports_version::read_mark(&self.conn, hub_id)? == imports)
        {
            return Ok(());
        }
        self.relaxed(|s| {
            let tx = s.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            if let Some(mark) = imports {
                imports_version::write_mark(&tx, hub_id, mark)?;
            }
            let pushed = meta_i64(&tx, &pushed_key(hub_id))?;
            set_meta_in(&tx, &pushed_key(hub_id), pushed.max(pushed_through))?;
            let pulled = meta_i64(&tx, &pulled_key(hub_id))?;
            if pulled >= hub_before {
                set_meta_in(&tx, &pulled_key(hub_id), pulled.max(hub_after))?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Runs `f` with the session's commits not synced to disk one by one (`synchronous =
    /// NORMAL`: still atomic and in order, and synced with the next durable commit): a sync
    /// writes only what the hub holds too, and each cursor is in the transaction of the rows it
    /// covers or after them, so a power cut can only make the next sync pull or push again. The
    /// write lock is then not held while the disk syncs.
    fn relaxed<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let out = f(self);
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        out
    }
}

pub(super) fn each_row<P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    mut f: impl FnMut(String, &rusqlite::Row<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut st = conn.prepare(sql)?;
    let mut rows = st.query(params)?;
    while let Some(r) = rows.next()? {
        let at = match r.get_ref(0) {
            Ok(rusqlite::types::ValueRef::Integer(n)) => n.to_string(),
            Ok(v) => merge_rows::describe(v),
            Err(_) => String::new(),
        };
        f(at, r)?;
    }
    Ok(())
}

fn add_report(total: &mut MergeReport, rep: MergeReport) {
    total.items_added += rep.items_added;
    total.items_updated += rep.items_updated;
    total.responses_added += rep.responses_added;
    total.pairs_added += rep.pairs_added;
    total.pairs_updated += rep.pairs_updated;
    total.events_added += rep.events_added;
    total.annotators_added += rep.annotators_added;
    total.judges.add(&rep.judges);
    total.conflicts.extend(rep.conflicts);
    total.uid_clashes.extend(rep.uid_clashes);
}

const SOURCE_TABLES: &str = "
    CREATE TABLE items(seq INTEGER PRIMARY KEY, id, image, query, query_en, language, country, domain, norm, meta, imported_at);
    CREATE TABLE responses(seq INTEGER PRIMARY KEY, item_id, model, text, judge, judge_rationale);
    CREATE TABLE pairs(seq INTEGER PRIMARY KEY, id, item_id, prompt, chosen, rejected, images, meta, imported_at);
    CREATE TABLE annotators(name, created_at, languages, role);
    CREATE TABLE events(ord INTEGER PRIMARY KEY, seq, uid, at, annotator, task_kind, item_id, model, pair_id, field, kind,
        value, text, prev_value, prev_text, ref_uid, seconds, judge_visible, origin);";

/// Pulled rows laid out as sessions (`lay_out`).
struct Laid {
    /// Items, responses, pairs and annotators, merged in this order.
    imports: Vec<Source>,
    /// The label events, numbered by `ord` in the order a merge reads a session's events.
    events: Source,
    count: usize,
}

/// Lays pulled rows out as sessions: the hub may hold several versions of one item (or pair, or
/// annotator), a session one; so the n-th version of each goes into the n-th source, each
/// response with the version of its item, and the events into a source of their own, merged
/// after them. Merging these in order is merging sessions, which the merge makes independent of
/// their order. Each row keeps its hub sequence number as `seq`, so an error names the hub row.
fn lay_out(rows: &HubRows) -> Result<Laid, String> {
    fn layer_of<'a>(counts: &mut HashMap<&'a str, usize>, key: &'a str) -> usize {
        let n = counts.entry(key).or_insert(0);
        *n += 1;
        *n - 1
    }
    let mut item_layer: HashMap<&str, usize> = HashMap::new();
    let (mut items_seen, mut pairs_seen, mut names_seen) = (HashMap::new(), HashMap::new(), HashMap::new());
    let mut item_at = Vec::new();
    for i in &rows.items {
        let l = layer_of(&mut items_seen, &i.row.id);
        item_layer.insert(&i.digest, l);
        item_at.push(l);
    }
    let mut response_at = Vec::new();
    for r in &rows.responses {
        let l = *item_layer.get(r.row.item_digest.as_str()).ok_or_else(|| {
            format!(
                "responses row {}: the version of item {:?} it belongs to is not on the hub",
                r.hub_seq, r.row.row.item_id
            )
        })?;
        response_at.push(l);
    }
    let pair_at: Vec<usize> = rows.pairs.iter().map(|p| layer_of(&mut pairs_seen, &p.row.id)).collect();
    let name_at: Vec<usize> =
        rows.annotators.iter().map(|a| layer_of(&mut names_seen, &a.row.name)).collect();
    let n =
        [&item_at, &response_at, &pair_at, &name_at].iter().flat_map(|v| v.iter()).max().map_or(1, |m| m + 1);
    let fail = |e: rusqlite::Error| format!("rows could not be laid out for merging ({e})");
    let mut conns = Vec::with_capacity(n + 1);
    for _ in 0..=n {
        // An empty name: a private temporary database, kept on disk by SQLite when it grows.
        let c = Connection::open("").map_err(fail)?;
        c.execute_batch(SOURCE_TABLES).map_err(fail)?;
        c.execute_batch("BEGIN").map_err(fail)?;
        conns.push(c);
    }
    for (i, l) in rows.items.iter().zip(&item_at) {
        let r = &i.row;
        conns[*l]
            .prepare_cached("INSERT INTO items VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)")
            .and_then(|mut st| {
                st.execute(params![
                    i.hub_seq,
                    r.id,
                    r.image,
                    r.query,
                    r.query_en,
                    r.language,
                    r.country,
                    r.domain,
                    r.norm,
                    r.meta,
                    r.imported_at
                ])
            })
            .map_err(fail)?;
    }
    for (x, l) in rows.responses.iter().zip(&response_at) {
        let r = &x.row.row;
        conns[*l]
            .prepare_cached("INSERT INTO responses VALUES (?1,?2,?3,?4,?5,?6)")
            .and_then(|mut st| {
                st.execute(params![x.hub_seq, r.item_id, r.model, r.text, r.judge, r.judge_rationale])
            })
            .map_err(fail)?;
    }
    for (p, l) in rows.pairs.iter().zip(&pair_at) {
        let r = &p.row;
        conns[*l]
            .prepare_cached("INSERT INTO pairs VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)")
            .and_then(|mut st| {
                st.execute(params![
                    p.hub_seq,
                    r.id,
                    r.item_id,
                    r.prompt,
                    r.chosen,
                    r.rejected,
                    r.images,
                    r.meta,
                    r.imported_at
                ])
            })
            .map_err(fail)?;
    }
    for (a, l) in rows.annotators.iter().zip(&name_at) {
        let r = &a.row;
        conns[*l]
            .prepare_cached("INSERT INTO annotators VALUES (?1,?2,?3,?4)")
            .and_then(|mut st| st.execute(params![r.name, r.created_at, r.languages, r.role]))
            .map_err(fail)?;
    }
    if let Some(judges) = &rows.judges {
        super::hub_judges::lay_out(&conns, judges, &rows.responses, &response_at)?;
    }
    let last = &conns[n];
    // Sorted as `merge_rows::event_sql` reads a session's events (by `at`, then `uid`, both
    // compared byte by byte as SQLite compares text), so that reading them by `ord` in chunks
    // merges them in the order one merge of the whole would.
    let mut order: Vec<&Carried<EventRow>> = rows.events.iter().collect();
    order.sort_by(|a, b| {
        (a.row.at.as_bytes(), a.row.uid.as_bytes()).cmp(&(b.row.at.as_bytes(), b.row.uid.as_bytes()))
    });
    for (ord, e) in order.into_iter().enumerate() {
        let r = &e.row;
        last.prepare_cached(
            "INSERT INTO events VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)",
        )
        .and_then(|mut st| {
            st.execute(params![
                ord as i64,
                e.hub_seq,
                r.uid,
                r.at,
                r.annotator,
                r.task_kind,
                r.item_id,
                r.model,
                r.pair_id,
                r.field,
                r.kind,
                r.value,
                r.text,
                r.prev_value,
                r.prev_text,
                r.ref_uid,
                r.seconds,
                r.judge_visible,
                r.origin
            ])
        })
        .map_err(fail)?;
    }
    let mut out = Vec::with_capacity(n + 1);
    for c in conns {
        c.execute_batch("COMMIT").map_err(fail)?;
        out.push(merge_source::built_here(c, rows.judges.is_some()));
    }
    let events = out.pop().expect("one source more than the layers");
    Ok(Laid { imports: out, events, count: rows.events.len() })
}

/// Checks every pulled event as the merge will (its cells, and that what it labels is in the
/// session or comes with the pull) before anything is written, so that a bad row changes
/// nothing although the events go in in several transactions.
fn check_events(conn: &Connection, events: &Source, rows: &HubRows, schema: &Schema) -> Result<(), String> {
    let responses: HashSet<(&str, &str)> =
        rows.responses.iter().map(|r| (r.row.row.item_id.as_str(), r.row.row.model.as_str())).collect();
    let pairs: HashSet<&str> = rows.pairs.iter().map(|p| p.row.id.as_str()).collect();
    merge_source::for_each_row(
        events,
        "events",
        &merge_rows::event_sql(true),
        [],
        |r| merge_rows::event(r, schema),
        |e| {
            let incoming = if e.task_kind == "pair" {
                pairs.contains(e.pair_id.as_str())
            } else {
                responses.contains(&(e.item_id.as_str(), e.model.as_str()))
            };
            if incoming || merge_events::labels_something(conn, &e).map_err(merge_source::write_error)? {
                Ok(())
            } else {
                Err(merge_events::not_in_either(&e))
            }
        },
    )
}

#[cfg(test)]
mod tests;
