//! The label event log: recording a change durably, undo and redo (replayed from the log, so
//! they survive a restart), registering annotators, and the `current` table derived from the
//! log (folded in per event, or rebuilt whole after a merge).

use super::{
    EventKind, LabelEvent, NewEvent, Store, StoreError, check_annotator_name, field, task_columns,
    task_from_columns, time,
};
use crate::model::{TaskRef, Value};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

impl Store {
    /// Registers an annotator (idempotent).
    pub fn ensure_annotator(&self, name: &str) -> Result<(), StoreError> {
        check_annotator_name(name)?;
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let r = self.conn.execute(
            "INSERT OR IGNORE INTO annotators(name, created_at) VALUES (?1, ?2)",
            params![name, time::format_micros(time::now_micros())],
        );
        let r = r.and_then(|n| if n > 0 { super::imports_version::bump(&self.conn) } else { Ok(()) });
        match r {
            Ok(()) => Ok(self.conn.execute_batch("COMMIT")?),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e.into())
            }
        }
    }

    /// Marks `name` as an adjudicator (registering it if needed): from then on its labels are
    /// adjudications, which decide disagreements instead of counting as one more vote.
    pub fn set_adjudicator(&self, name: &str) -> Result<(), StoreError> {
        self.ensure_annotator(name)?;
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let r = self
            .conn
            .execute(
                "UPDATE annotators SET role = 'adjudicator' WHERE name = ?1 AND role IS NOT 'adjudicator'",
                [name],
            )
            .and_then(|n| if n > 0 { super::imports_version::bump(&self.conn) } else { Ok(()) });
        match r {
            Ok(()) => Ok(self.conn.execute_batch("COMMIT")?),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e.into())
            }
        }
    }

    /// Records one change durably and returns the stored event. When this returns, the label
    /// is on disk.
    pub fn record(&mut self, ev: &NewEvent) -> Result<LabelEvent, StoreError> {
        self.check_event(ev)?;
        self.write_event(ev, EventKind::Set, None)
    }

    fn check_event(&self, ev: &NewEvent) -> Result<(), StoreError> {
        if ev.field.starts_with('@') {
            return Ok(());
        }
        if ev.field == field::VERDICT {
            if !matches!(ev.task, TaskRef::Pair { .. }) {
                return Err(StoreError::VerdictOnResponse);
            }
            if let Some(v) = ev.value
                && crate::model::Verdict::from_code(v).is_none()
            {
                return Err(StoreError::UnknownVerdict(v));
            }
            return Ok(());
        }
        let dim =
            self.schema.dimension(&ev.field).ok_or_else(|| StoreError::UnknownDimension(ev.field.clone()))?;
        if let Some(v) = ev.value
            && !dim.is_valid(v)
        {
            return Err(StoreError::NotAValue {
                value: v,
                dimension: dim.name.clone(),
                valid: dim.describe_values(),
            });
        }
        Ok(())
    }

    fn write_event(
        &mut self,
        ev: &NewEvent,
        kind: EventKind,
        ref_uid: Option<&str>,
    ) -> Result<LabelEvent, StoreError> {
        let (kind_s, item_id, model, pair_id) = task_columns(&ev.task);
        // Fields are borrowed one by one: the transaction holds the connection.
        let Store { conn, clock, counter, origin, .. } = self;
        // A hub sync in this process lets this write in before its next chunk (`hub_sync`).
        let waiting = super::hub_sync::KeyWriteWaiting::start();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        drop(waiting);
        // Another process may have written since we last looked: keep our clock ahead of it.
        // Not `get::<String>`: a bad row may hold a number there; only a timestamp counts.
        let last: Option<String> = tx
            .prepare_cached("SELECT max(at) FROM main.events")?
            .query_row([], |r| Ok(r.get_ref(0)?.as_str().ok().map(String::from)))?;
        if let Some(last) = last {
            clock.not_before(&last);
        }
        let prev: Option<(Option<Value>, Option<String>)> = tx
            .prepare_cached(
                "SELECT value, text FROM readable_current WHERE annotator=?1 AND task_kind=?2 AND item_id=?3
                 AND model=?4 AND pair_id=?5 AND field=?6",
            )?
            .query_row(params![ev.annotator, kind_s, item_id, model, pair_id, ev.field], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let (prev_value, prev_text) = prev.unwrap_or((None, None));
        let at = clock.now();
        *counter += 1;
        // The origin alone makes the uid unique: `at` is only for display and ordering.
        let uid = format!("{origin}-{counter:06}");
        tx.prepare_cached(
            "INSERT INTO main.events(uid, at, annotator, task_kind, item_id, model, pair_id, field, kind,
                                value, text, prev_value, prev_text, ref_uid, seconds, judge_visible, origin)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
        )?
        .execute(params![
            uid,
            at,
            ev.annotator,
            kind_s,
            item_id,
            model,
            pair_id,
            ev.field,
            kind.as_str(),
            ev.value,
            ev.text,
            prev_value,
            prev_text,
            ref_uid,
            ev.seconds,
            ev.judge_visible as i64,
            origin.as_str()
        ])?;
        let seq = tx.last_insert_rowid();
        apply_to_current(
            &tx,
            &CurrentRow {
                annotator: &ev.annotator,
                task_kind: kind_s,
                item_id,
                model,
                pair_id,
                field: &ev.field,
                value: ev.value,
                text: ev.text.as_deref(),
                seconds: ev.seconds,
                at: &at,
                uid: &uid,
                judge_visible: ev.judge_visible,
            },
        )?;
        tx.commit()?;
        Ok(LabelEvent {
            seq,
            uid,
            at,
            annotator: ev.annotator.clone(),
            task: ev.task.clone(),
            field: ev.field.clone(),
            kind,
            value: ev.value,
            text: ev.text.clone(),
            prev_value,
            prev_text,
            ref_uid: ref_uid.map(str::to_string),
            seconds: ev.seconds,
            judge_visible: ev.judge_visible,
        })
    }

    /// The annotator's undo and redo stacks (uids, top last), replayed from the event log so that
    /// they survive a restart. Display-only fields (reveal, pair order) are not undoable.
    fn undo_redo_stacks(&self, annotator: &str) -> rusqlite::Result<(Vec<String>, Vec<String>)> {
        let mut st = self.conn.prepare_cached(
            "SELECT uid, kind, ref_uid FROM readable_events WHERE annotator = ?1
             AND field NOT IN ('@reveal', '@order') ORDER BY seq",
        )?;
        let mut undo: Vec<String> = Vec::new();
        let mut redo: Vec<String> = Vec::new();
        let mut rows = st.query([annotator])?;
        while let Some(r) = rows.next()? {
            let uid: String = r.get(0)?;
            let kind: String = r.get(1)?;
            let target: Option<String> = r.get(2)?;
            match (EventKind::parse(&kind), target) {
                (EventKind::Undo, Some(t)) => {
                    if let Some(pos) = undo.iter().rposition(|u| *u == t) {
                        undo.remove(pos);
                    }
                    redo.push(t);
                }
                (EventKind::Redo, Some(t)) => {
                    if let Some(pos) = redo.iter().rposition(|u| *u == t) {
                        redo.remove(pos);
                    }
                    undo.push(t);
                }
                _ => {
                    undo.push(uid);
                    redo.clear();
                }
            }
        }
        Ok((undo, redo))
    }

    pub fn event_by_uid(&self, uid: &str) -> rusqlite::Result<Option<LabelEvent>> {
        self.conn
            .prepare_cached(&format!("SELECT {EVENT_COLUMNS} FROM readable_events WHERE uid = ?1"))?
            .query_row([uid], row_to_event)
            .optional()
    }

    /// Undoes the annotator's latest change (also one made before a restart). Returns the new
    /// event, whose `task` and `field` say what changed, or `None` when there is nothing to undo.
    pub fn undo(&mut self, annotator: &str) -> Result<Option<LabelEvent>, StoreError> {
        let (undo, _) = self.undo_redo_stacks(annotator)?;
        let Some(target) = undo.last() else { return Ok(None) };
        let original = self.event_by_uid(target)?.ok_or(StoreError::MissingTarget { action: "undo" })?;
        // The original's "before" state is restored.
        let ev = NewEvent {
            annotator: annotator.to_string(),
            task: original.task.clone(),
            field: original.field.clone(),
            value: original.prev_value,
            text: original.prev_text.clone(),
            seconds: original.seconds,
            judge_visible: original.judge_visible,
        };
        let original_uid = original.uid.clone();
        self.write_event(&ev, EventKind::Undo, Some(&original_uid)).map(Some)
    }

    /// Re-applies the change most recently undone.
    pub fn redo(&mut self, annotator: &str) -> Result<Option<LabelEvent>, StoreError> {
        let (_, redo) = self.undo_redo_stacks(annotator)?;
        let Some(target) = redo.last() else { return Ok(None) };
        let original = self.event_by_uid(target)?.ok_or(StoreError::MissingTarget { action: "redo" })?;
        let ev = NewEvent {
            annotator: annotator.to_string(),
            task: original.task.clone(),
            field: original.field.clone(),
            value: original.value,
            text: original.text.clone(),
            seconds: original.seconds,
            judge_visible: original.judge_visible,
        };
        let original_uid = original.uid.clone();
        self.write_event(&ev, EventKind::Redo, Some(&original_uid)).map(Some)
    }

    /// Recomputes `current` from the event log (after a merge; also a repair tool).
    pub fn rebuild_current(&self) -> rusqlite::Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let r = rebuild_current_in(&self.conn);
        match r {
            Ok(()) => self.conn.execute_batch("COMMIT"),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

/// Recomputes the `current` table from `events`: latest (at, uid) wins per key; `blind_value`
/// is the latest value among events given while the judge was hidden; `seconds` the largest.
pub(crate) fn rebuild_current_in(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(&format!("DELETE FROM main.current; {CURRENT_FROM_EVENTS};"))
}

/// The rows of `current` as the event log gives them (latest event per key, by `at` then `uid`).
const CURRENT_FROM_EVENTS: &str = "INSERT INTO main.current(annotator, task_kind, item_id, model, pair_id, field, value, text,
                             blind_value, seconds, at, uid)
         SELECT e.annotator, e.task_kind, e.item_id, e.model, e.pair_id, e.field, e.value, e.text,
           (SELECT b.value FROM main.events b WHERE b.annotator=e.annotator AND b.task_kind=e.task_kind
              AND b.item_id=e.item_id AND b.model=e.model AND b.pair_id=e.pair_id AND b.field=e.field
              AND b.judge_visible=0 ORDER BY b.at DESC, b.uid DESC LIMIT 1),
           (SELECT max(s.seconds) FROM main.events s WHERE s.annotator=e.annotator AND s.task_kind=e.task_kind
              AND s.item_id=e.item_id AND s.model=e.model AND s.pair_id=e.pair_id),
           e.at, e.uid
         FROM main.events e
         WHERE NOT EXISTS (SELECT 1 FROM main.events l WHERE l.annotator=e.annotator AND l.task_kind=e.task_kind
              AND l.item_id=e.item_id AND l.model=e.model AND l.pair_id=e.pair_id AND l.field=e.field
              AND (l.at > e.at OR (l.at = e.at AND l.uid > e.uid)))";

/// [`rebuild_current_in`] for one label key (annotator, task_kind, item_id, model, pair_id,
/// field): the same rule, so the table ends as a whole rebuild would leave it. `seconds` is kept
/// per task, so the task's other fields get their `seconds` again too.
pub(crate) fn rebuild_current_key_in(
    conn: &Connection,
    key: &(String, String, String, String, String, String),
) -> rusqlite::Result<()> {
    let (annotator, kind, item, model, pair, field) = key;
    conn.prepare_cached(
        "DELETE FROM main.current WHERE annotator=?1 AND task_kind=?2 AND item_id=?3 AND model=?4
           AND pair_id=?5 AND field=?6",
    )?
    .execute(rusqlite::params![annotator, kind, item, model, pair, field])?;
    conn.prepare_cached(&format!(
        "{CURRENT_FROM_EVENTS} AND e.annotator=?1 AND e.task_kind=?2 AND e.item_id=?3 AND e.model=?4
           AND e.pair_id=?5 AND e.field=?6"
    ))?
    .execute(rusqlite::params![annotator, kind, item, model, pair, field])?;
    // `seconds` is the task's largest: the task's other fields take the new value too.
    conn.prepare_cached(
        "UPDATE main.current SET seconds = (SELECT max(s.seconds) FROM main.events s
           WHERE s.annotator=?1 AND s.task_kind=?2 AND s.item_id=?3 AND s.model=?4 AND s.pair_id=?5)
         WHERE annotator=?1 AND task_kind=?2 AND item_id=?3 AND model=?4 AND pair_id=?5",
    )?
    .execute(rusqlite::params![annotator, kind, item, model, pair])?;
    Ok(())
}

pub(super) const EVENT_COLUMNS: &str = "seq, uid, at, annotator, task_kind, item_id, model, pair_id, field, kind, value, text, prev_value, prev_text, ref_uid, seconds, judge_visible";

pub(super) fn row_to_event(r: &rusqlite::Row<'_>) -> rusqlite::Result<LabelEvent> {
    Ok(LabelEvent {
        seq: r.get(0)?,
        uid: r.get(1)?,
        at: r.get(2)?,
        annotator: r.get(3)?,
        task: task_from_columns(&r.get::<_, String>(4)?, r.get(5)?, r.get(6)?, r.get(7)?),
        field: r.get(8)?,
        kind: EventKind::parse(&r.get::<_, String>(9)?),
        value: r.get(10)?,
        text: r.get(11)?,
        prev_value: r.get(12)?,
        prev_text: r.get(13)?,
        ref_uid: r.get(14)?,
        seconds: r.get(15)?,
        judge_visible: r.get::<_, i64>(16)? != 0,
    })
}

struct CurrentRow<'a> {
    annotator: &'a str,
    task_kind: &'a str,
    item_id: &'a str,
    model: &'a str,
    pair_id: &'a str,
    field: &'a str,
    value: Option<Value>,
    text: Option<&'a str>,
    seconds: f64,
    at: &'a str,
    uid: &'a str,
    judge_visible: bool,
}

/// Folds one new event into `current` (the incremental form of `rebuild_current_in`).
fn apply_to_current(conn: &Connection, c: &CurrentRow<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO main.current AS cur(annotator, task_kind, item_id, model, pair_id, field, value, text,
                             blind_value, seconds, at, uid)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8, CASE WHEN ?12 THEN NULL ELSE ?7 END, ?9,?10,?11)
         ON CONFLICT(annotator, task_kind, item_id, model, pair_id, field) DO UPDATE SET
           value = excluded.value, text = excluded.text,
           blind_value = CASE WHEN ?12 THEN cur.blind_value ELSE excluded.value END,
           seconds = max(cur.seconds, excluded.seconds), at = excluded.at, uid = excluded.uid
         WHERE excluded.at > cur.at OR (excluded.at = cur.at AND excluded.uid > cur.uid)",
    )?
    .execute(params![
        c.annotator,
        c.task_kind,
        c.item_id,
        c.model,
        c.pair_id,
        c.field,
        c.value,
        c.text,
        c.seconds,
        c.at,
        c.uid,
        c.judge_visible
    ])?;
    // Active time is per task, not per field: keep every field's row at the task's total.
    conn.prepare_cached(
        "UPDATE main.current SET seconds = ?6 WHERE annotator=?1 AND task_kind=?2 AND item_id=?3
         AND model=?4 AND pair_id=?5 AND seconds < ?6",
    )?
    .execute(params![c.annotator, c.task_kind, c.item_id, c.model, c.pair_id, c.seconds])?;
    Ok(())
}
