use super::*;
use crate::model::{Item, Pair, Response, TaskRef};
use rusqlite::params;
use std::path::{Path, PathBuf};

fn tmp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).unwrap();
    (dir, s)
}

fn item(id: &str, models: &[&str]) -> Item {
    Item {
        id: id.into(),
        query: format!("query of {id}"),
        country: Some("Japan".into()),
        language: Some("ja".into()),
        responses: models
            .iter()
            .map(|m| Response {
                model: m.to_string(),
                text: format!("{m} says"),
                judge: [("compliance".to_string(), 1)].into_iter().collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

fn set(annotator: &str, task: &TaskRef, field: &str, v: Value) -> NewEvent {
    NewEvent {
        annotator: annotator.into(),
        task: task.clone(),
        field: field.into(),
        value: Some(v),
        text: None,
        seconds: 1.5,
        judge_visible: true,
    }
}

/// Imports items: readers count only labels on responses and pairs the session holds.
fn import_items(s: &mut Store, items: &[(&str, &[&str])]) {
    s.import(|imp| {
        for (id, models) in items {
            imp.upsert_item(&item(id, models))?;
        }
        Ok(())
    })
    .unwrap();
}

fn resp(item: &str, model: &str) -> TaskRef {
    TaskRef::Response { item_id: item.into(), model: model.into() }
}

#[test]
fn create_refuses_to_overwrite_without_force() {
    let (dir, _s) = tmp_store();
    let err = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).err().unwrap();
    assert!(err.to_string().contains("--force"), "{err}");
    Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), true).unwrap();
}

#[test]
fn open_rejects_non_sqlite_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.db");
    std::fs::write(&p, "hello, I am a text file").unwrap();
    let err = Store::open(&p).err().unwrap().to_string();
    assert!(err.contains("not a crossreview session"), "{err}");
    assert_eq!(std::fs::read(&p).unwrap(), b"hello, I am a text file", "must not be modified");
    let err = Store::open(&dir.path().join("nope.db")).err().unwrap().to_string();
    assert!(err.contains("crossreview init"), "{err}");
    // An SQLite file that is not a session.
    let other = dir.path().join("other.db");
    Connection::open(&other).unwrap().execute_batch("CREATE TABLE t(x)").unwrap();
    assert!(Store::open(&other).err().unwrap().to_string().contains("not a crossreview session"));
}

#[test]
fn import_upserts_and_keeps_other_models_and_labels() {
    let (_d, mut s) = tmp_store();
    s.import(|imp| imp.upsert_item(&item("a", &["m1", "m2"]))).unwrap();
    s.record(&set("ann", &resp("a", "m1"), "awareness", 1)).unwrap();
    let mut again = item("a", &["m3"]);
    again.query = "updated".into();
    let counts = s
        .import(|imp| {
            imp.upsert_item(&again)?;
            Ok(imp.counts())
        })
        .unwrap();
    assert_eq!(counts.items_updated, 1);
    let got = s.item("a").unwrap().unwrap();
    assert_eq!(got.query, "updated");
    assert_eq!(got.responses.iter().map(|r| r.model.as_str()).collect::<Vec<_>>(), ["m1", "m2", "m3"]);
    assert_eq!(s.task_labels("ann", &resp("a", "m1")).unwrap().values["awareness"], 1);
}

#[test]
fn failed_import_changes_nothing() {
    let (_d, mut s) = tmp_store();
    let r: Result<(), StoreError> = s.import(|imp| {
        imp.upsert_item(&item("a", &["m1"]))?;
        Err(StoreError::InputRejected)
    });
    assert!(r.is_err());
    assert_eq!(s.counts().unwrap(), Counts::default());
}

#[test]
fn pairs_round_trip() {
    let (_d, mut s) = tmp_store();
    let p = Pair {
        id: "p1".into(),
        prompt: serde_json::json!([{"role": "user", "content": "hi"}]),
        chosen: serde_json::json!("good"),
        rejected: serde_json::json!("bad"),
        images: vec!["img.png".into()],
        item_id: Some("a".into()),
        meta: Default::default(),
    };
    s.import(|imp| imp.upsert_pair(&p)).unwrap();
    assert_eq!(s.pair("p1").unwrap().unwrap(), p);
    assert_eq!(s.pairs().unwrap(), vec![p]);
    assert_eq!(s.task_index().unwrap()[0].task, TaskRef::Pair { pair_id: "p1".into() });
}

#[test]
fn record_validates_values_and_dimensions() {
    let (_d, mut s) = tmp_store();
    let t = resp("a", "m1");
    assert!(s.record(&set("x", &t, "awareness", 7)).is_err());
    assert!(s.record(&set("x", &t, "fluency", 1)).is_err());
    assert!(s.record(&set("x", &t, field::VERDICT, 0)).is_err(), "verdict on a response");
    assert!(s.events().unwrap().is_empty());
}

#[test]
fn undo_redo_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let t = resp("a", "m1");
    {
        let mut s = Store::create(&path, &Schema::cross_eval(), false).unwrap();
        import_items(&mut s, &[("a", &["m1"])]);
        s.record(&set("ann", &t, "awareness", 1)).unwrap();
        s.record(&set("ann", &t, "awareness", 0)).unwrap();
        s.record(&set("ann", &t, "education", 1)).unwrap();
    }
    let mut s = Store::open(&path).unwrap();
    let u = s.undo("ann").unwrap().unwrap();
    assert_eq!((u.field.as_str(), u.value), ("education", None));
    let u = s.undo("ann").unwrap().unwrap();
    assert_eq!((u.field.as_str(), u.value), ("awareness", Some(1)));
    drop(s);
    let mut s = Store::open(&path).unwrap();
    let r = s.redo("ann").unwrap().unwrap();
    assert_eq!((r.field.as_str(), r.value), ("awareness", Some(0)));
    let labels = s.task_labels("ann", &t).unwrap();
    assert_eq!(labels.values.get("awareness"), Some(&0));
    assert_eq!(labels.values.get("education"), None);
    // A new change clears the redo stack.
    s.record(&set("ann", &t, "helpfulness", 1)).unwrap();
    assert!(s.redo("ann").unwrap().is_none());
    // Undo only touches the annotator's own changes.
    assert!(s.undo("someone-else").unwrap().is_none());
}

#[test]
fn blind_value_and_seconds_are_kept() {
    let (_d, mut s) = tmp_store();
    import_items(&mut s, &[("a", &["m1"])]);
    let t = resp("a", "m1");
    let mut e = set("ann", &t, "compliance", 1);
    e.judge_visible = false;
    e.seconds = 3.0;
    s.record(&e).unwrap();
    let mut e2 = set("ann", &t, "compliance", 0);
    e2.seconds = 9.0;
    s.record(&e2).unwrap();
    let cur = s.current_labels().unwrap();
    assert_eq!(cur.len(), 1);
    assert_eq!((cur[0].value, cur[0].blind_value, cur[0].seconds), (Some(0), Some(1), 9.0));
}

#[test]
fn rebuild_matches_incremental_state() {
    let (_d, mut s) = tmp_store();
    import_items(&mut s, &[("a", &["m1", "m2", "m3"])]);
    for (i, m) in ["m1", "m2", "m3"].iter().enumerate() {
        let t = resp("a", m);
        s.record(&set("x", &t, "awareness", (i % 2) as i64)).unwrap();
        s.record(&set("y", &t, "awareness", 1)).unwrap();
        let mut skip = set("x", &t, field::SKIP, 0);
        skip.value = None;
        skip.text = Some("cannot read the script".into());
        s.record(&skip).unwrap();
    }
    s.undo("x").unwrap();
    let before = s.current().unwrap();
    s.rebuild_current().unwrap();
    assert_eq!(s.current().unwrap(), before);
    let by_task = s.labels_of("x").unwrap();
    assert_eq!(by_task[&resp("a", "m1")].skipped.as_deref(), Some("cannot read the script"));
    assert_eq!(by_task[&resp("a", "m3")].skipped, None, "undone");
}

#[test]
fn task_index_lists_responses_with_judge_in_schema_order() {
    let (_d, mut s) = tmp_store();
    s.import(|imp| {
        imp.upsert_item(&item("a", &["m1", "m2"]))?;
        imp.upsert_item(&item("b", &["m1"]))
    })
    .unwrap();
    let idx = s.task_index().unwrap();
    assert_eq!(idx.len(), 3);
    assert_eq!(idx[0].judge, vec![None, None, Some(1), None]);
    assert_eq!(&*idx[2].item_id, "b");
    assert_eq!(&*s.response_index().unwrap()[1].model, "m2");
    let mut seen = Vec::new();
    s.for_each_item(|it| {
        seen.push((it.id, it.responses.len()));
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, vec![("a".to_string(), 2), ("b".to_string(), 1)]);
}

#[test]
fn two_connections_write_without_locking_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut s = Store::create(&path, &Schema::cross_eval(), false).unwrap();
    let ids: Vec<String> = (0..100).map(|i| format!("i{i}")).collect();
    import_items(&mut s, &ids.iter().map(|id| (id.as_str(), &["m"][..])).collect::<Vec<_>>());
    drop(s);
    let handles: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut s = Store::open(&path).unwrap();
                for i in 0..100 {
                    let t = resp(&format!("i{i}"), "m");
                    s.record(&set(&format!("w{w}"), &t, "awareness", 1)).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.current_labels().unwrap().len(), 200);
}

mod merging {
    use super::*;
    use crate::rng::SplitMix64;

    /// A session with a few items and random labels by its own annotators (and one shared one,
    /// to produce conflicts).
    fn random_session(dir: &Path, name: &str, seed: u64) -> PathBuf {
        let path = dir.join(format!("{name}.db"));
        let mut s = Store::create(&path, &Schema::cross_eval(), false).unwrap();
        let mut rng = SplitMix64::new(seed);
        s.import(|imp| {
            for i in 0..4 {
                imp.upsert_item(&item(&format!("it{i}"), &["m1", "m2"]))?;
            }
            Ok(())
        })
        .unwrap();
        let dims = s.schema().dimension_names();
        for _ in 0..30 {
            let annotator =
                if rng.below(4) == 0 { "shared".to_string() } else { format!("{name}-{}", rng.below(2)) };
            let t = resp(&format!("it{}", rng.below(4)), if rng.below(2) == 0 { "m1" } else { "m2" });
            match rng.below(6) {
                0 => {
                    s.undo(&annotator).unwrap();
                }
                1 => {
                    s.redo(&annotator).unwrap();
                }
                _ => {
                    let d = &dims[rng.below(dims.len() as u64) as usize];
                    s.record(&set(&annotator, &t, d, rng.below(2) as i64)).unwrap();
                }
            }
        }
        path
    }

    fn snapshot(s: &Store) -> (Vec<CurrentLabel>, Vec<String>, usize) {
        let mut events: Vec<String> = s.events().unwrap().into_iter().map(|e| e.uid).collect();
        events.sort();
        (s.current().unwrap(), events, s.counts().unwrap().responses as usize)
    }

    #[test]
    fn merge_is_idempotent_and_order_independent() {
        for seed in 0..5u64 {
            let dir = tempfile::tempdir().unwrap();
            let a = random_session(dir.path(), "a", seed * 3 + 1);
            let b = random_session(dir.path(), "b", seed * 3 + 2);
            let c = random_session(dir.path(), "c", seed * 3 + 3);
            let mut t1 = Store::create(&dir.path().join("t1.db"), &Schema::cross_eval(), false).unwrap();
            let mut t2 = Store::create(&dir.path().join("t2.db"), &Schema::cross_eval(), false).unwrap();
            for src in [&a, &b, &c] {
                t1.merge_from(src).unwrap();
            }
            for src in [&c, &a, &b] {
                t2.merge_from(src).unwrap();
            }
            assert_eq!(snapshot(&t1), snapshot(&t2), "seed {seed}");
            let before = snapshot(&t1);
            let again = t1.merge_from(&b).unwrap();
            assert_eq!((again.events_added, again.items_added, again.conflicts.len()), (0, 0, 0));
            assert_eq!(snapshot(&t1), before, "merging twice changes nothing");
            // Nothing lost: every source event is in the target.
            let total: usize =
                [&a, &b, &c].iter().map(|p| Store::open(p).unwrap().events().unwrap().len()).sum();
            assert_eq!(before.1.len(), total);
        }
    }

    #[test]
    fn conflicting_labels_resolve_to_latest_and_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let t = resp("it0", "m1");
        let pa = dir.path().join("a.db");
        let pb = dir.path().join("b.db");
        let mut a = Store::create(&pa, &Schema::cross_eval(), false).unwrap();
        let mut b = Store::create(&pb, &Schema::cross_eval(), false).unwrap();
        for s in [&mut a, &mut b] {
            s.import(|imp| imp.upsert_item(&item("it0", &["m1"]))).unwrap();
        }
        a.record(&set("ann", &t, "awareness", 1)).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
        b.record(&set("ann", &t, "awareness", 0)).unwrap();
        drop(b);
        let rep = a.merge_from(&pb).unwrap();
        assert_eq!(rep.conflicts.len(), 1);
        assert_eq!(rep.conflicts[0].kept.0, Some(0), "the later label wins");
        assert_eq!(a.task_labels("ann", &t).unwrap().values["awareness"], 0);
    }

    #[test]
    fn schema_mismatch_and_self_merge_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Store::create(&dir.path().join("a.db"), &Schema::cross_eval(), false).unwrap();
        let other = Schema::from_toml("[[dimension]]\nname='fluency'\nvalues=[1,2,3]\n", "s").unwrap();
        Store::create(&dir.path().join("o.db"), &other, false).unwrap();
        assert!(a.merge_from(&dir.path().join("o.db")).unwrap_err().to_string().contains("schema"));
        assert!(a.merge_from(&dir.path().join("a.db")).unwrap_err().to_string().contains("target itself"));
    }
}

#[test]
fn a_session_in_the_first_format_opens_and_upgrades() {
    // Build a version-1 session exactly as the first release wrote it, with a label in it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        let conn = Connection::open(&path).unwrap();
        tables_sql::migrate_between(&conn, 0, 1).unwrap();
        let schema = serde_json::to_string(&Schema::cross_eval()).unwrap();
        for (k, v) in [("format", "crossreview-session"), ("schema", schema.as_str()), ("session_id", "abcd")]
        {
            conn.execute("INSERT INTO meta(key, value) VALUES (?1, ?2)", params![k, v]).unwrap();
        }
        conn.execute("INSERT INTO annotators(name, created_at) VALUES ('ann', 'x')", []).unwrap();
        conn.execute_batch(
            "INSERT INTO items(id, query, imported_at) VALUES ('a', 'q', '2026-01-01T00:00:00.000000Z');
             INSERT INTO responses(item_id, model, text) VALUES ('a', 'm', 't');",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO events(uid, at, annotator, task_kind, item_id, model, field, kind, value)
             VALUES ('u1', '2026-01-01T00:00:00.000000Z', 'ann', 'response', 'a', 'm', 'awareness', 'set', 1)",
            [],
        )
        .unwrap();
        rebuild_current_in(&conn).unwrap();
        let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v, 1);
    }
    let s = Store::open(&path).unwrap();
    let v: i64 = s.conn().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    assert_eq!(s.task_labels("ann", &resp("a", "m")).unwrap().values["awareness"], 1);
    s.set_adjudicator("ann").unwrap();
    assert_eq!(s.adjudicators().unwrap(), vec!["ann".to_string()]);
    let origin: String =
        s.conn().query_row("SELECT origin FROM events WHERE uid = 'u1'", [], |r| r.get(0)).unwrap();
    assert_eq!(origin, "", "an old event keeps its uid and has no origin");
}

/// A first-format session with one item, one response and one label, written as the first
/// release did (no `role`, no `origin`).
fn first_format_session(path: &Path) {
    let conn = Connection::open(path).unwrap();
    tables_sql::migrate_between(&conn, 0, 1).unwrap();
    let schema = serde_json::to_string(&Schema::cross_eval()).unwrap();
    for (k, v) in [("format", "crossreview-session"), ("schema", schema.as_str()), ("session_id", "abcd")] {
        conn.execute("INSERT INTO meta(key, value) VALUES (?1, ?2)", params![k, v]).unwrap();
    }
    conn.execute_batch(
        "INSERT INTO items(id, query, imported_at) VALUES ('a', 'q', '2026-01-01T00:00:00.000000Z');
         INSERT INTO responses(item_id, model, text) VALUES ('a', 'm', 't');
         INSERT INTO annotators(name, created_at) VALUES ('ann', 'x');
         INSERT INTO events(uid, at, annotator, task_kind, item_id, model, field, kind, value)
           VALUES ('u1', '2026-01-01T00:00:00.000000Z', 'ann', 'response', 'a', 'm', 'awareness', 'set', 1);",
    )
    .unwrap();
    rebuild_current_in(&conn).unwrap();
}

#[test]
fn merging_a_first_format_session_reads_it_without_upgrading_it() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("v1.db");
    first_format_session(&old);
    let bytes = std::fs::read(&old).unwrap();
    let mut t = Store::create(&dir.path().join("t.db"), &Schema::cross_eval(), false).unwrap();
    let rep = t.merge_from(&old).unwrap();
    assert_eq!((rep.items_added, rep.responses_added, rep.events_added, rep.annotators_added), (1, 1, 1, 1));
    assert_eq!(t.task_labels("ann", &resp("a", "m")).unwrap().values["awareness"], 1);
    assert_eq!(std::fs::read(&old).unwrap(), bytes, "the source is not upgraded in place");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with("v1.db-")), "no side file beside the source: {names:?}");
}

#[test]
fn every_writer_has_its_own_origin_and_uids_from_it() {
    let (dir, mut a) = tmp_store();
    let mut b = Store::open(&dir.path().join("s.db")).unwrap();
    assert_ne!(a.origin(), b.origin());
    assert_eq!(a.origin().len(), 32);
    assert!(a.origin().chars().all(|c| c.is_ascii_hexdigit()));
    let t = resp("a", "m");
    let ea = a.record(&set("ann", &t, "awareness", 1)).unwrap();
    let eb = b.record(&set("bob", &t, "awareness", 0)).unwrap();
    assert_eq!(ea.uid, format!("{}-000001", a.origin()));
    assert_eq!(eb.uid, format!("{}-000001", b.origin()));
    let stored: String =
        a.conn().query_row("SELECT origin FROM events WHERE uid = ?1", [&eb.uid], |r| r.get(0)).unwrap();
    assert_eq!(stored, b.origin());
}

#[test]
fn a_bad_row_already_in_the_session_is_skipped_by_readers_and_reported() {
    let (_dir, mut s) = tmp_store();
    import_items(&mut s, &[("a", &["m"])]);
    let t = resp("a", "m");
    s.record(&set("ann", &t, "awareness", 1)).unwrap();
    s.conn()
        .execute_batch(
            "INSERT INTO events(uid, at, annotator, task_kind, item_id, model, field, kind, value, seconds)
               VALUES ('bad', '2026-01-01T00:00:00.000000Z', 'ann', 'response', 'a', 'm', 'compliance', 'set', 'abc', 'ten');
             INSERT INTO current(annotator, task_kind, item_id, model, pair_id, field, value, seconds, at, uid)
               VALUES ('ann', 'response', 'a', 'm', '', 'compliance', 'abc', 'ten', '2026-01-01T00:00:00.000000Z', 'bad');",
        )
        .unwrap();
    assert_eq!(s.current().unwrap().len(), 1, "the bad row is left out");
    assert_eq!(s.events().unwrap().len(), 1);
    assert_eq!(s.labels_of("ann").unwrap()[&t].values.len(), 1);
    let warnings = s.unreadable_rows().unwrap().join("\n");
    assert!(warnings.contains("'bad'") && warnings.contains("value 'abc'"), "{warnings}");
    // Labelling and undo go on.
    s.record(&set("ann", &t, "education", 1)).unwrap();
    assert!(s.undo("ann").unwrap().is_some());
}

#[test]
fn a_session_from_a_newer_version_is_refused_untouched() {
    let (dir, s) = tmp_store();
    s.conn().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    drop(s);
    let err = Store::open(&dir.path().join("s.db")).err().unwrap().to_string();
    assert!(err.contains("newer crossreview"), "{err}");
}

fn journal_mode(store: &Store) -> String {
    store.conn().pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap()
}

#[test]
fn an_import_alone_uses_a_rollback_journal_and_leaves_the_session_in_wal() {
    let (_d, mut s) = tmp_store();
    let mode_inside = s
        .import(|imp| {
            imp.upsert_item(&item("a", &["m1"]))?;
            Ok(journal_mode_of(imp))
        })
        .unwrap();
    assert_eq!(mode_inside, "delete");
    assert_eq!(journal_mode(&s), "wal");
    assert_eq!(s.counts().unwrap().items, 1);
}

#[test]
fn an_import_while_another_process_has_the_session_open_stays_in_wal() {
    let (dir, mut s) = tmp_store();
    // An annotator's connection, with a read in progress so it holds its snapshot.
    let other = Store::open(&dir.path().join("s.db")).unwrap();
    assert_eq!(other.counts().unwrap().items, 0);
    let mode_inside = s
        .import(|imp| {
            imp.upsert_item(&item("a", &["m1"]))?;
            Ok(journal_mode_of(imp))
        })
        .unwrap();
    assert_eq!(mode_inside, "wal");
    assert_eq!(journal_mode(&s), "wal");
    // The other connection sees the import and can still write.
    assert_eq!(other.counts().unwrap().items, 1);
    let mut other = other;
    other.record(&set("ann", &resp("a", "m1"), "compliance", 1)).unwrap();
}

#[test]
fn a_failed_import_in_a_rollback_journal_changes_nothing_and_leaves_wal() {
    let (_d, mut s) = tmp_store();
    s.import(|imp| imp.upsert_item(&item("kept", &["m1"]))).unwrap();
    let err: Result<(), StoreError> = s.import(|imp| {
        for i in 0..2000 {
            imp.upsert_item(&item(&format!("x{i}"), &["m1", "m2"]))?;
        }
        Err(StoreError::InputRejected)
    });
    assert!(err.is_err());
    assert_eq!(s.item_ids().unwrap(), vec!["kept".to_string()]);
    assert_eq!(journal_mode(&s), "wal");
}

fn journal_mode_of(imp: &Importer<'_>) -> String {
    imp.tx.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap()
}

/// A merge that folds only the keys it brought new events to leaves `current` exactly as a
/// rebuild from the whole log does: blind values, undone labels, a task's largest `seconds`
/// reaching its other fields, and keys the source did not touch.
#[test]
fn a_merge_folding_only_its_keys_equals_a_whole_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let items: &[(&str, &[&str])] = &[("a", &["m1", "m2"]), ("b", &["m1"])];
    let mut target = Store::create(&dir.path().join("t.db"), &Schema::cross_eval(), false).unwrap();
    import_items(&mut target, items);
    let mut source = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).unwrap();
    import_items(&mut source, items);
    let (a1, a2, b1) = (resp("a", "m1"), resp("a", "m2"), resp("b", "m1"));
    target.record(&set("x", &a1, "awareness", 1)).unwrap();
    target.record(&set("x", &a1, "education", 0)).unwrap();
    target.record(&set("y", &b1, "compliance", 1)).unwrap();
    let mut blind = set("x", &a1, "awareness", 0);
    blind.judge_visible = false;
    blind.seconds = 30.0;
    source.record(&blind).unwrap();
    source.record(&set("x", &a2, "helpfulness", 1)).unwrap();
    source.record(&set("z", &b1, "compliance", 0)).unwrap();
    source.record(&set("z", &b1, "awareness", 1)).unwrap();
    source.undo("z").unwrap();
    let rep = target.merge_from(&dir.path().join("s.db")).unwrap();
    assert!(rep.events_added > 0);
    let merged = target.current().unwrap();
    assert_eq!(merged.iter().find(|c| c.annotator == "x" && c.field == "education").unwrap().seconds, 30.0);
    target.rebuild_current().unwrap();
    assert_eq!(target.current().unwrap(), merged);
}
