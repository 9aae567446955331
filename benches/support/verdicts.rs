//! Pair verdicts written straight into a session's event log, for large fixtures (shared by
//! `benches/export.rs` and `tests/kill_midway.rs`).

use crossreview::model::Verdict;
use crossreview::store::{Store, field};

/// Records, for every `(annotator, pair id, verdict)`, the pair's display order (`chosen_left`)
/// and the verdict, in one transaction straight into the event log, then rebuilds the current
/// labels from it. Why: labelling through `Store::record` commits each label to disk, which is
/// right for people and far too slow for setting up 200,000 labels.
pub fn record_verdicts(store: &Store, verdicts: impl IntoIterator<Item = (String, String, Verdict)>) {
    let conn = store.conn();
    conn.execute_batch("BEGIN").unwrap();
    {
        let mut st = conn
            .prepare(
                "INSERT INTO events(uid, at, annotator, task_kind, pair_id, field, kind, value, text, seconds)
                 VALUES (?1, ?2, ?3, 'pair', ?4, ?5, 'set', ?6, ?7, 3.0)",
            )
            .unwrap();
        let mut n = 0u64;
        for (annotator, pair_id, verdict) in verdicts {
            for (f, value, text) in
                [(field::ORDER, None, Some("chosen_left")), (field::VERDICT, Some(verdict.code()), None)]
            {
                n += 1;
                let at = format!("2026-11-29T03:00:00.{:06}Z", n % 1_000_000);
                let uid = format!("fixture-{n:09}");
                st.execute(rusqlite::params![uid, at, annotator, pair_id, f, value, text]).unwrap();
            }
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    store.rebuild_current().unwrap();
}
