//! Sessions with many dimension labels written straight into the event log, for large fixtures
//! (shared by `benches/merge.rs` and `tests/merge_interrupted.rs`).

use crossreview::model::{Item, Response};
use crossreview::store::{Store, time};

/// The models every fixture item has a response from.
pub const MODELS: [&str; 2] = ["m0", "m1"];

/// Imports `items` items (`item-0`, `item-1`, …), each with one response per model of `MODELS`.
pub fn import_items(store: &mut Store, items: usize) {
    store
        .import(|imp| {
            for i in 0..items {
                imp.upsert_item(&Item {
                    id: format!("item-{i}"),
                    query: format!("Item {i}: may I give my host a clock?"),
                    country: Some(["Japan", "China", "Iran"][i % 3].into()),
                    language: Some(["ja", "zh", "fa"][i % 3].into()),
                    responses: MODELS
                        .iter()
                        .map(|m| Response {
                            model: m.to_string(),
                            text: format!("{m} on item {i}: a clock suggests a funeral here; bring tea."),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                })?;
            }
            Ok(())
        })
        .unwrap();
}

/// Writes `n` label events straight into the event log in one transaction, then rebuilds the
/// current labels from it. Event `k` is by annotator `{prefix}{k % annotators}`, on a response
/// of one of the first `items` items and a dimension of the schema, with one of its values; once
/// every (annotator, response, dimension) is labelled, later events relabel them. Uids are
/// `{prefix}-fixture-{k}` and times one microsecond apart from `start_micros`. Why not
/// `Store::record`: it commits every label to disk, right for people and far too slow for
/// setting up a million labels.
pub fn record_labels(
    store: &Store,
    prefix: &str,
    annotators: usize,
    items: usize,
    n: usize,
    start_micros: i64,
) {
    let dims = store.schema().dimensions.clone();
    let tasks = items * MODELS.len();
    let conn = store.conn();
    conn.execute_batch("BEGIN").unwrap();
    {
        let mut st = conn
            .prepare(
                "INSERT INTO events(uid, at, annotator, task_kind, item_id, model, field, kind, value, seconds, origin)
                 VALUES (?1, ?2, ?3, 'response', ?4, ?5, ?6, 'set', ?7, ?8, ?9)",
            )
            .unwrap();
        for k in 0..n {
            let task = (k / annotators) % tasks;
            let dim = &dims[(k / (annotators * tasks)) % dims.len()];
            let value = dim.values[k % dim.values.len()].value;
            st.execute(rusqlite::params![
                format!("{prefix}-fixture-{k:09}"),
                time::format_micros(start_micros + k as i64),
                format!("{prefix}{}", k % annotators),
                format!("item-{}", task / MODELS.len()),
                MODELS[task % MODELS.len()],
                dim.name,
                value,
                (k % 60) as f64,
                format!("{prefix}-fixture"),
            ])
            .unwrap();
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    store.rebuild_current().unwrap();
}
