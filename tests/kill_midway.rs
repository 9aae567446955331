//! `import`, `merge` and `export` killed with SIGKILL at random moments leave the session (or
//! the output file) either untouched or complete, and the session passes `PRAGMA
//! integrity_check`. (`Child::kill` sends SIGKILL on Unix.)

use crossreview::model::{Item, Pair, Response, TaskRef, Verdict};
use crossreview::rng::SplitMix64;
use crossreview::schema::Schema;
use crossreview::store::{NewEvent, Store};
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../benches/support/verdicts.rs"]
mod verdicts;

const BIN: &str = env!("CARGO_BIN_EXE_crossreview");

fn integrity_ok(session: &Path) {
    let s = Store::open(session).unwrap();
    let ok: String = s.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
}

/// Runs `cmd` to completion once to learn how long it takes, so kills can land inside it.
fn duration_of(mut cmd: Command) -> Duration {
    let t = Instant::now();
    let st = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
    assert!(st.success());
    t.elapsed()
}

fn kill_after(mut cmd: Command, after: Duration) {
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    std::thread::sleep(after);
    let _ = child.kill();
    let _ = child.wait();
}

fn write_items(path: &Path, n: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        let text = "A response long enough to make the import take a while. ".repeat(8);
        writeln!(
            f,
            r#"{{"id": "it-{i}", "query": "query {i}", "country": "Japan", "language": "ja", "responses": [{{"model": "m1", "text": "{text}", "judge": {{"awareness": 1}}}}, {{"model": "m2", "text": "{text}"}}]}}"#
        )
        .unwrap();
    }
}

#[test]
fn import_killed_midway_leaves_session_untouched_or_complete() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("items.jsonl");
    const N: usize = 30_000;
    write_items(&data, N);
    let session = dir.path().join("s.db");
    let import = |session: &Path| {
        let mut c = Command::new(BIN);
        c.arg("import").arg(session).arg(&data);
        c
    };
    Store::create(&dir.path().join("probe.db"), &Schema::cross_eval(), false).unwrap();
    let full = duration_of(import(&dir.path().join("probe.db")));
    let mut rng = SplitMix64::new(7);
    let (mut untouched, mut complete) = (0, 0);
    for _ in 0..12 {
        let _ = std::fs::remove_file(&session);
        let _ = std::fs::remove_file(dir.path().join("s.db-wal"));
        let _ = std::fs::remove_file(dir.path().join("s.db-shm"));
        Store::create(&session, &Schema::cross_eval(), false).unwrap();
        kill_after(import(&session), full.mul_f64(rng.next_f64() * 1.1));
        integrity_ok(&session);
        let counts = Store::open(&session).unwrap().counts().unwrap();
        match counts.items as usize {
            0 => untouched += 1,
            N => {
                assert_eq!(counts.responses as usize, 2 * N);
                complete += 1
            }
            n => panic!("import left a half-imported session: {n} of {N} items"),
        }
    }
    assert!(untouched > 0, "no kill landed inside the import ({complete} complete)");
}

/// A session with `n` label events by one annotator.
fn labelled_session(path: &Path, annotator: &str, n: usize) {
    let mut s = Store::create(path, &Schema::cross_eval(), false).unwrap();
    s.import(|imp| {
        for i in 0..50 {
            imp.upsert_item(&Item {
                id: format!("it-{i}"),
                query: "q".into(),
                responses: vec![Response { model: "m".into(), text: "t".into(), ..Default::default() }],
                ..Default::default()
            })?;
        }
        Ok(())
    })
    .unwrap();
    // Many events quickly: one transaction per label would take minutes with synchronous=FULL.
    s.conn().execute_batch("PRAGMA synchronous=OFF").unwrap();
    let dims = s.schema().dimension_names();
    for k in 0..n {
        s.record(&NewEvent {
            annotator: annotator.into(),
            task: TaskRef::Response { item_id: format!("it-{}", k % 50), model: "m".into() },
            field: dims[k % 4].clone(),
            value: Some((k % 2) as i64),
            text: None,
            seconds: 1.0,
            judge_visible: true,
        })
        .unwrap();
    }
}

#[test]
fn merge_killed_midway_leaves_target_untouched_or_complete() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.db");
    labelled_session(&src, "bob", 5_000);
    let merge = |target: &Path| {
        let mut c = Command::new(BIN);
        c.arg("merge").arg(target).arg(&src);
        c
    };
    let probe = dir.path().join("probe.db");
    Store::create(&probe, &Schema::cross_eval(), false).unwrap();
    let full = duration_of(merge(&probe));
    let mut rng = SplitMix64::new(11);
    let mut untouched = 0;
    for _ in 0..10 {
        let target = dir.path().join("t.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
        }
        Store::create(&target, &Schema::cross_eval(), false).unwrap();
        kill_after(merge(&target), full.mul_f64(rng.next_f64() * 1.1));
        integrity_ok(&target);
        let t = Store::open(&target).unwrap();
        let events = t.events().unwrap().len();
        let current = t.current().unwrap().len();
        match events {
            0 => {
                assert_eq!(current, 0);
                untouched += 1
            }
            5_000 => assert_eq!(
                current, 100,
                "current rebuilt with the events (50 items x 4 dimensions, k % 50 and k % 4 meet on 100)"
            ),
            n => panic!("merge left {n} of 5000 events"),
        }
    }
    assert!(untouched > 0, "no kill landed inside the merge");
}

/// A session with `n` pairs, each validated by one annotator (every 5th flipped), so a `dpo-trl`
/// export writes `n` rows. The verdicts go straight into the event log
/// (`benches/support/verdicts.rs`): labelling through `Store::record` syncs every label.
fn validated_pairs_session(path: &Path, n: usize) {
    let mut store = Store::create(path, &Schema::cross_eval(), false).unwrap();
    store
        .import(|imp| {
            for i in 0..n {
                imp.upsert_pair(&Pair {
                    id: format!("p-{i:06}"),
                    prompt: json!(format!("Item {i}: is this gift appropriate for my host? Please explain the custom.")),
                    chosen: json!(format!("Response {i}: a clock as a gift suggests a funeral here; tea is a respectful choice. ").repeat(4)),
                    rejected: json!(format!("Response {i}: sure, a clock is a great gift, wrap it in white paper.")),
                    images: vec![format!("/data/images/img_{:05}.png", i % 500)],
                    item_id: None,
                    meta: Default::default(),
                })?;
            }
            Ok(())
        })
        .unwrap();
    let verdicts = (0..n).map(|i| {
        ("ann".to_string(), format!("p-{i:06}"), if i % 5 == 0 { Verdict::Flip } else { Verdict::Agree })
    });
    verdicts::record_verdicts(&store, verdicts);
}

/// The files in `dir` whose names contain `.partial-` (export temporary files).
fn partial_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial-"))
        .collect()
}

#[test]
fn export_killed_midway_leaves_the_old_file_or_the_complete_export() {
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.db");
    const N: usize = 40_000;
    validated_pairs_session(&session, N);
    let out_dir = dir.path().join("exports");
    std::fs::create_dir(&out_dir).unwrap();
    let export = |out: &Path| {
        let mut c = Command::new(BIN);
        c.arg("export").arg(&session).args(["--format", "dpo-trl", "--out"]).arg(out);
        c
    };
    // The reference: a full export, beside the target (image paths are relative to the folder).
    let reference = out_dir.join("reference.jsonl");
    let full = duration_of(export(&reference));
    let expected = std::fs::read(&reference).unwrap();
    assert_eq!(expected.iter().filter(|&&b| b == b'\n').count(), N);

    let out = out_dir.join("dpo.jsonl");
    const OLD: &[u8] = b"the previous export\n";
    let mut rng = SplitMix64::new(13);
    let (mut untouched, mut complete, mut left_behind) = (0, 0, 0);
    // At least 12 kills; more (up to 40) while none has yet landed before the export wrote or
    // while its temporary file existed: on a loaded machine the export's pace varies from the
    // reference run's, and each kill time is drawn from that run.
    for attempt in 0..40 {
        if attempt >= 12 && untouched > 0 && left_behind > 0 {
            break;
        }
        std::fs::write(&out, OLD).unwrap();
        kill_after(export(&out), full.mul_f64(rng.next_f64() * 1.1));
        let now = std::fs::read(&out).unwrap();
        if now == OLD {
            untouched += 1;
        } else {
            assert!(
                now == expected,
                "a killed export left {} bytes that are neither the old file nor the full export",
                now.len()
            );
            complete += 1;
        }
        // SIGKILL cannot be caught: the temporary file may stay, hidden (a dot file), never
        // under the target's name. At most one: each export removes those of killed ones.
        let partial = partial_files(&out_dir);
        assert!(partial.len() <= 1, "temporary files pile up: {partial:?}");
        assert!(partial.iter().all(|n| n.starts_with(".dpo.jsonl.partial-")), "{partial:?}");
        left_behind += partial.len();
    }
    assert!(untouched > 0, "no kill landed inside the export ({complete} complete)");
    assert!(left_behind > 0, "no kill landed while the temporary file existed");
    // The next export to the same target cleans up, and writes the full export.
    let st = export(&out).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
    assert!(st.success());
    assert!(
        std::fs::read(&out).unwrap() == expected,
        "the export after the kills differs from the reference"
    );
    assert_eq!(partial_files(&out_dir), Vec::<String>::new());
}
