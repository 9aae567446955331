//! The rows readers can trust. A session may hold a row no crossreview would write (another
//! program edited the file, or an older version merged it unchecked): a label whose value is
//! text, a BLOB, a number outside its dimension, seconds as text. Readers go through two
//! per-connection views, `readable_current` and `readable_events`, which leave such rows out,
//! so that `status`, `agreement`, `report`, exports and `show` skip them instead of failing.
//! `readable_current` also leaves out labels on a task the session does not hold (no such
//! response or pair was imported: written through the library, or by another program), so that
//! no reader counts them. `unreadable_rows` says which rows were left out, for a warning.

use super::field;
use crate::model::Verdict;
use crate::schema::Schema;
use rusqlite::{Connection, params};

/// What a readable row of `current` (alias `c`) or `events` (alias `c`) satisfies.
const COMMON: &str = "typeof(c.annotator) = 'text' AND typeof(c.task_kind) = 'text'
    AND typeof(c.item_id) = 'text' AND typeof(c.model) = 'text' AND typeof(c.pair_id) = 'text'
    AND typeof(c.field) = 'text' AND typeof(c.at) = 'text' AND typeof(c.uid) = 'text'
    AND typeof(c.text) IN ('text', 'null') AND typeof(c.seconds) IN ('integer', 'real')
    AND typeof(c.value) IN ('integer', 'null')
    AND EXISTS (SELECT 1 FROM temp.field_values f WHERE f.field = c.field AND (c.value IS NULL OR f.value = c.value))";

/// The task a row of `current` (alias `c`) labels is in the session: the response and its item,
/// or the pair. Written as `IN` on the tables' unique keys rather than as correlated `EXISTS`
/// subqueries: SQLite then probes the key indexes directly instead of running a subprogram per
/// row, which took a quarter less CPU on a session of a million labels (docs/performance.md).
const TASK_HELD: &str = "CASE c.task_kind
    WHEN 'response' THEN (c.item_id, c.model) IN (SELECT r.item_id, r.model FROM main.responses r)
                         AND c.item_id IN (SELECT i.id FROM main.items i)
    WHEN 'pair' THEN c.pair_id IN (SELECT p.id FROM main.pairs p)
    ELSE 0 END";

fn current_ok() -> String {
    format!("{COMMON} AND typeof(c.blind_value) IN ('integer', 'null')")
}

fn events_ok() -> String {
    format!(
        "{COMMON} AND typeof(c.seq) = 'integer' AND c.kind IN ('set', 'undo', 'redo')
         AND typeof(c.prev_text) IN ('text', 'null') AND typeof(c.ref_uid) IN ('text', 'null')
         AND typeof(c.judge_visible) = 'integer' AND typeof(c.prev_value) IN ('integer', 'null')
         AND (c.prev_value IS NULL OR EXISTS (SELECT 1 FROM temp.field_values f WHERE f.field = c.field AND f.value = c.prev_value))"
    )
}

/// Creates this connection's `field_values` table (every value each field may hold) and the two
/// readable views over it.
pub(crate) fn install(conn: &Connection, schema: &Schema) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS field_values(field TEXT NOT NULL, value INTEGER NOT NULL,
             PRIMARY KEY (field, value)) WITHOUT ROWID;
         DELETE FROM temp.field_values;",
    )?;
    let mut st = conn.prepare("INSERT OR IGNORE INTO temp.field_values(field, value) VALUES (?1, ?2)")?;
    for d in &schema.dimensions {
        for v in &d.values {
            st.execute(params![d.name, v.value])?;
        }
    }
    for code in (-16..=64).filter(|&c| Verdict::from_code(c).is_some()) {
        st.execute(params![field::VERDICT, code])?;
    }
    for f in [field::SKIP, field::FLAG, field::NOTE, field::REVEAL, field::ORDER, field::TAGS] {
        for v in [0, 1] {
            st.execute(params![f, v])?;
        }
    }
    conn.execute_batch(&format!(
        "DROP VIEW IF EXISTS temp.readable_current;
         DROP VIEW IF EXISTS temp.readable_events;
         CREATE TEMP VIEW readable_current AS SELECT * FROM main.current c WHERE {} AND {TASK_HELD};
         CREATE TEMP VIEW readable_events AS SELECT * FROM main.events c WHERE {};",
        current_ok(),
        events_ok()
    ))
}

/// Why `readable_current` leaves a row of `current` out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skipped {
    /// No crossreview would have written it (a wrong type, a value outside its field).
    Unreadable,
    /// It labels a response or pair the session does not hold.
    NoSuchTask,
}

/// How many rows of `current` the readable view leaves out, per reason, with a description of
/// the first `shown` of each.
pub(crate) fn unreadable_rows(
    conn: &Connection,
    shown: usize,
) -> rusqlite::Result<Vec<(Skipped, u64, Vec<String>)>> {
    // Only `current`: it is what the reading commands read (the event log is read by undo and
    // redo, through `readable_events`), and one scan for both reasons: each full scan adds to
    // the cost of every `status` on a large session.
    let mut st = conn.prepare(&format!(
        "SELECT {ok}, quote(c.uid), quote(c.annotator), quote(c.task_kind), quote(c.item_id), quote(c.model),
                quote(c.pair_id), quote(c.field), quote(c.value), quote(c.seconds)
         FROM main.current c WHERE NOT ({ok} AND {TASK_HELD})",
        ok = current_ok()
    ))?;
    let mut rows = st.query([])?;
    let mut found = [(Skipped::Unreadable, 0u64, Vec::new()), (Skipped::NoSuchTask, 0u64, Vec::new())];
    while let Some(r) = rows.next()? {
        let readable = matches!(r.get_ref(0)?, rusqlite::types::ValueRef::Integer(1));
        let (_, n, described) = &mut found[usize::from(readable)];
        *n += 1;
        if described.len() < shown {
            let cell = |i: usize| -> String {
                let s: String = r.get(i).unwrap_or_default();
                s.chars().take(60).collect()
            };
            described.push(format!(
                "uid {}: annotator {}, {} (item {}, model {}, pair {}), field {}, value {}, seconds {}",
                cell(1),
                cell(2),
                cell(3),
                cell(4),
                cell(5),
                cell(6),
                cell(7),
                cell(8),
                cell(9)
            ));
        }
    }
    Ok(found.into_iter().filter(|(_, n, _)| *n > 0).collect())
}
