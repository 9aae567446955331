use super::Outgoing;
use crate::model::{Item, Response};
use crate::schema::Schema;
use crate::store::{NewEvent, Store};
use std::path::Path;

fn item(id: &str, query: &str) -> Item {
    Item {
        id: id.into(),
        query: query.into(),
        responses: vec![Response {
            model: "m1".into(),
            text: format!("answer to {query}"),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn session(path: &Path) -> Store {
    let mut s = Store::create(path, &Schema::cross_eval(), false).unwrap();
    s.import(|imp| {
        for i in 0..5 {
            imp.upsert_item(&item(&format!("it/{i}"), &format!("question {i}")))?;
        }
        Ok(())
    })
    .unwrap();
    s
}

fn label(s: &mut Store, item: usize) {
    s.record(&NewEvent::response_label("ana", &format!("it/{item}"), "m1", "awareness", 1)).unwrap();
}

/// What a push to hub `hub` would send now, recorded as committed by the hub (with the judges'
/// rows when `judges`).
fn push(s: &mut Store, hub: &str, judges: bool) -> Outgoing {
    let before = s.hub_cursors(hub).unwrap().pushed_through;
    let out = s.hub_outgoing(hub, before, judges).unwrap();
    s.record_hub_push(hub, out.events_through, out.imports, 0, 0).unwrap();
    out
}

#[test]
fn a_push_with_nothing_new_imported_reads_no_imported_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir.path().join("s.db"));
    let first = push(&mut s, "h", true);
    // 5 items, 5 responses, no pairs, no annotators yet, no judges.
    assert_eq!((first.rows.items.len(), first.rows.responses.len()), (5, 5));
    assert_eq!(first.import_rows_read, 10);
    assert!(first.imports.is_some());

    label(&mut s, 1);
    let second = push(&mut s, "h", true);
    assert_eq!(second.import_rows_read, 0);
    assert_eq!(second.imports, None);
    assert!(second.rows.items.is_empty() && second.rows.responses.is_empty() && second.rows.judges.is_none());
    // The label, and the annotator it registered (a change of the imported rows).
    assert_eq!(second.rows.events.len(), 1);
    let third = push(&mut s, "h", true);
    assert_eq!((third.import_rows_read, third.rows.events.len()), (0, 0));
    assert!(third.rows.is_empty());

    // Another hub has had nothing yet.
    assert_eq!(push(&mut s, "other", true).rows.items.len(), 5);
}

#[test]
fn every_change_of_the_imported_rows_makes_the_next_push_read_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir.path().join("s.db"));
    push(&mut s, "h", true);

    // A new annotator.
    s.ensure_annotator("ben").unwrap();
    let out = push(&mut s, "h", true);
    assert!(out.rows.annotators.iter().any(|a| a.row.name == "ben"));
    assert_eq!(push(&mut s, "h", true).import_rows_read, 0);
    // Registering again changes nothing, so nothing is read.
    s.ensure_annotator("ben").unwrap();
    assert_eq!(push(&mut s, "h", true).import_rows_read, 0);
    s.set_adjudicator("ben").unwrap();
    assert!(push(&mut s, "h", true).rows.annotators.iter().any(|a| a.row.role == "adjudicator"));
    s.set_adjudicator("ben").unwrap();
    assert_eq!(push(&mut s, "h", true).import_rows_read, 0);

    // An item updated in place by a re-import (same row, no new row number).
    s.import(|imp| imp.upsert_item(&item("it/2", "question 2, reworded"))).unwrap();
    let out = push(&mut s, "h", true);
    assert!(out.rows.items.iter().any(|i| i.row.query == "question 2, reworded"));
    assert_eq!(push(&mut s, "h", true).import_rows_read, 0);

    // Rows merged from another session.
    let other = dir.path().join("o.db");
    let mut o = session(&other);
    o.import(|imp| imp.upsert_item(&item("it/new", "a new question"))).unwrap();
    drop(o);
    s.merge_from(&other).unwrap();
    assert!(push(&mut s, "h", true).rows.items.iter().any(|i| i.row.id == "it/new"));
    // Merging it again changes nothing.
    s.merge_from(&other).unwrap();
    assert_eq!(push(&mut s, "h", true).import_rows_read, 0);

    // A pull that brings label events only (from a hub carrying judges) changes nothing imported.
    let mut o = Store::open(&other).unwrap();
    label(&mut o, 3);
    let mut rows = o.hub_outgoing("x", 0, true).unwrap().rows;
    rows.items.clear();
    rows.responses.clear();
    rows.annotators.clear();
    rows.judges = Some(Default::default());
    for (n, e) in rows.events.iter_mut().enumerate() {
        e.hub_seq = n as i64 + 1;
    }
    assert_eq!(s.merge_from_hub("h", "hub", &rows, 10).unwrap().events_added, 1);
    let out = push(&mut s, "h", true);
    assert_eq!((out.import_rows_read, out.rows.events.len()), (0, 0));
}

#[test]
fn a_push_without_the_judges_rows_does_not_cover_one_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir.path().join("s.db"));
    let out = push(&mut s, "h", false);
    assert!(out.rows.judges.is_none() && out.rows.items.len() == 5);
    assert_eq!(push(&mut s, "h", false).import_rows_read, 0);
    // Now the judges' rows would be taken (a lead's role): everything is read once more.
    let out = push(&mut s, "h", true);
    assert!(out.rows.judges.is_some() && out.rows.items.len() == 5);
    assert_eq!(push(&mut s, "h", true).import_rows_read, 0);
    assert_eq!(push(&mut s, "h", false).import_rows_read, 0);
}
