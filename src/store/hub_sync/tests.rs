use super::*;
use crate::model::{Item, Response, Value};
use crate::schema::Schema;
use crate::store::NewEvent;
use std::path::Path;

const ITEMS: usize = 30;

fn session(path: &Path) -> Store {
    let mut s = Store::create(path, &Schema::cross_eval(), false).unwrap();
    s.import(|imp| {
        for i in 0..ITEMS {
            imp.upsert_item(&Item {
                id: format!("it/{i}"),
                query: format!("question {i}"),
                responses: ["m1", "m2"]
                    .iter()
                    .map(|m| Response {
                        model: m.to_string(),
                        text: format!("{m} answers"),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })?;
        }
        Ok(())
    })
    .unwrap();
    s
}

fn label(who: &str, item: usize, field: &str, v: Value) -> NewEvent {
    NewEvent::response_label(who, &format!("it/{item}"), "m1", field, v)
}

/// Many labels by two annotators, the first and the last on one key `ana` also labelled in the
/// target; and, by hand, an event whose uid the target holds with other content, early, and a
/// late undo naming it.
fn source_with_many_labels(path: &Path, clash_uid: &str) -> Store {
    let mut s = session(path);
    let dims = Schema::cross_eval().dimension_names();
    s.record(&label("ana", 0, "awareness", 0)).unwrap();
    for n in 0..1500 {
        let who = if n % 2 == 0 { "ana" } else { "ben" };
        s.record(&label(who, 1 + n % (ITEMS - 1), &dims[n % dims.len()], (n % 2) as i64)).unwrap();
    }
    s.record(&label("ana", 0, "awareness", 0)).unwrap();
    let copy = |uid: &str, at: Option<&str>, kind: &str, ref_uid: Option<&str>, seq: i64| {
        s.conn()
            .execute(
                "INSERT INTO events(uid, at, annotator, task_kind, item_id, model, pair_id, field, kind, value,
                    text, prev_value, prev_text, ref_uid, seconds, judge_visible, origin)
                 SELECT ?1, coalesce(?2, (SELECT max(at) FROM events)), annotator, task_kind, item_id, model, pair_id, field, ?3, value, text,
                    prev_value, prev_text, ?4, seconds, judge_visible, origin FROM events WHERE seq = ?5",
                rusqlite::params![uid, at, kind, ref_uid, seq],
            )
            .unwrap();
    };
    copy(clash_uid, Some("2020-01-01T00:00:00.000000Z"), "set", None, 2);
    // At the time of the last label, after it (by uid).
    copy("zz-undo-1", None, "undo", Some(clash_uid), 3);
    s.rebuild_current().unwrap();
    s
}

/// A session's rows as a hub would hand them out, numbered by `hub_seq`.
fn as_pulled(s: &Store) -> HubRows {
    let mut rows = s.hub_outgoing("pulled", 0, true).unwrap().rows;
    let mut seq = 0;
    let mut next = || {
        seq += 1;
        seq
    };
    rows.items.iter_mut().for_each(|r| r.hub_seq = next());
    rows.responses.iter_mut().for_each(|r| r.hub_seq = next());
    rows.annotators.iter_mut().for_each(|r| r.hub_seq = next());
    rows.events.iter_mut().for_each(|r| r.hub_seq = next());
    rows
}

fn count_events(path: &Path) -> i64 {
    Store::open(path).unwrap().conn().query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap()
}

fn event_rows(s: &Store) -> Vec<(String, String, Option<String>)> {
    let mut st = s.conn().prepare("SELECT uid, at, ref_uid FROM events ORDER BY uid").unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn a_pull_merged_in_chunks_ends_as_one_merge_of_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.db");
    let clash_uid = {
        let mut target = session(&t);
        target.record(&label("ana", 0, "awareness", 1)).unwrap();
        target.record(&label("cid", 2, "awareness", 1)).unwrap().uid
    };
    let one = dir.path().join("one.db");
    let chunked = dir.path().join("chunked.db");
    std::fs::copy(&t, &one).unwrap();
    std::fs::copy(&t, &chunked).unwrap();
    let src = dir.path().join("src.db");
    let rows = as_pulled(&source_with_many_labels(&src, &clash_uid));

    let whole = Store::open(&one).unwrap().merge_from(&src).unwrap();
    // Another connection watching the session while the pull goes in sees some of its events
    // before all of them: they went in in several transactions.
    let (events_before, total) = (count_events(&chunked), count_events(&chunked) + whole.events_added as i64);
    let merging = std::thread::spawn(move || {
        let mut store = Store::open(&chunked).unwrap();
        let pulled = store.merge_from_hub("h", "hub", &rows, 7).unwrap();
        (store, pulled)
    });
    let watcher = rusqlite::Connection::open(dir.path().join("chunked.db")).unwrap();
    let mut seen_between = false;
    while !merging.is_finished() {
        let n: i64 = watcher.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
        seen_between |= n > events_before && n < total;
    }
    let (store, pulled) = merging.join().unwrap();
    assert!(seen_between, "the pull went in in one transaction");
    // ...and the same result as one merge: events (a renamed uid, and the undo naming it
    // renamed too), current labels, conflicts (ana's key compared with the target's state before
    // the pull, not with the first chunk's), uid clashes.
    assert_eq!(pulled.events_added, whole.events_added);
    assert_eq!(pulled.uid_clashes, whole.uid_clashes);
    assert_eq!(pulled.uid_clashes.len(), 1);
    let one = Store::open(&one).unwrap();
    assert_eq!(event_rows(&store), event_rows(&one));
    let renamed = &pulled.uid_clashes[0].stored_as;
    assert!(event_rows(&store).iter().any(|(uid, _, r)| uid == "zz-undo-1" && r.as_ref() == Some(renamed)));
    assert_eq!(store.current().unwrap(), one.current().unwrap());
    assert_eq!(pulled.conflicts, whole.conflicts);
    assert!(pulled.conflicts.iter().any(|c| c.annotator == "ana" && c.field == "awareness"));
    let cursors = store.hub_cursors("h").unwrap();
    assert_eq!(cursors.pulled_through, 7);
    store.rebuild_current().unwrap();
    assert_eq!(store.current().unwrap(), one.current().unwrap());
}

#[test]
fn a_bad_event_anywhere_in_a_pull_changes_nothing_though_it_goes_in_in_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let mut target = session(&dir.path().join("t.db"));
    let src = dir.path().join("src.db");
    let mut rows = as_pulled(&source_with_many_labels(&src, "none-1"));
    let before = event_rows(&target);
    // The latest event labels a response that is nowhere: it would be in the last chunk.
    let last = rows.events.iter_mut().max_by(|a, b| a.row.at.cmp(&b.row.at)).unwrap();
    last.row.model = "m9".into();
    last.hub_seq = 4242;
    let err = target.merge_from_hub("h", "hub", &rows, 9).unwrap_err().to_string();
    assert!(err.contains("events row 4242") && err.contains("nothing was pulled"), "{err}");
    assert_eq!(event_rows(&target), before);
    assert_eq!(target.hub_cursors("h").unwrap(), HubCursors::default());
}
