//! A merge killed (SIGKILL) at random moments leaves the target exactly as it was or exactly as a
//! complete merge leaves it: the same current labels, event count and item counts, never part
//! of the source; merging again then completes. The source holds 50,000 label events, so the
//! kills land inside the merge's work, not only before or after it.

use crossreview::rng::SplitMix64;
use crossreview::schema::Schema;
use crossreview::store::{Counts, CurrentLabel, Store, time};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../benches/support/label_events.rs"]
mod label_events;

const BIN: &str = env!("CARGO_BIN_EXE_crossreview");
const SOURCE_EVENTS: usize = 50_000;
const ITEMS: usize = 500;

/// What a merge may change in the target.
#[derive(Debug, PartialEq)]
struct State {
    events: i64,
    counts: Counts,
    current: Vec<CurrentLabel>,
}

fn state(session: &Path) -> State {
    // Opened for writing, as the next command would: SQLite recovers the killed write first.
    let s = Store::open(session).unwrap();
    let ok: String = s.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok", "{}", session.display());
    State {
        events: s.conn().query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap(),
        counts: s.counts().unwrap(),
        current: s.current().unwrap(),
    }
}

fn merge(target: &Path, source: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("merge").arg(target).arg(source).stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

fn merge_to_the_end(target: &Path, source: &Path) -> Duration {
    let t = Instant::now();
    let out = merge(target, source).output().unwrap();
    assert!(out.status.success(), "merge failed: {}", String::from_utf8_lossy(&out.stderr));
    t.elapsed()
}

/// A fresh copy of the closed session `from` at `to` (its `-wal` and `-shm` removed).
fn copy_session(from: &Path, to: &Path) {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", to.display()));
    }
    std::fs::copy(from, to).unwrap();
}

#[test]
fn a_killed_merge_leaves_the_target_unchanged_or_fully_merged_and_a_rerun_completes() {
    let dir = tempfile::tempdir().unwrap();
    let start = time::parse_micros("2026-11-29T03:00:00.000000Z").unwrap();
    // The target: the items, and labels of its own that the merge must keep.
    let pristine = dir.path().join("pristine.db");
    {
        let mut t = Store::create(&pristine, &Schema::cross_eval(), false).unwrap();
        label_events::import_items(&mut t, ITEMS);
        label_events::record_labels(&t, "target", 2, ITEMS, 2_000, start);
    }
    // The source: the same items imported again (so they are updated too), and 50,000 events.
    let source = dir.path().join("source.db");
    {
        let mut s = Store::create(&source, &Schema::cross_eval(), false).unwrap();
        label_events::import_items(&mut s, ITEMS);
        label_events::record_labels(&s, "source", 10, ITEMS, SOURCE_EVENTS, start + 5_000);
    }
    let before = state(&pristine);

    let merged = dir.path().join("merged.db");
    copy_session(&pristine, &merged);
    let full = merge_to_the_end(&merged, &source);
    let after = state(&merged);
    assert_eq!(after.events, before.events + SOURCE_EVENTS as i64);
    assert_ne!(after.current, before.current);

    let target = dir.path().join("t.db");
    let mut rng = SplitMix64::new(std::process::id() as u64);
    let (mut unchanged, mut complete, mut killed_while_running) = (0, 0, 0);
    for round in 0..12 {
        copy_session(&pristine, &target);
        let after_time = full.mul_f64(0.05 + rng.next_f64());
        let mut child = merge(&target, &source).spawn().unwrap();
        std::thread::sleep(after_time);
        if child.try_wait().unwrap().is_none() {
            killed_while_running += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        let now = state(&target);
        if now == before {
            unchanged += 1;
        } else {
            assert!(
                now == after,
                "round {round}, killed after {after_time:?} of {full:?}: the target is half merged \
                 ({} events; {} before, {} after)",
                now.events,
                before.events,
                after.events
            );
            complete += 1;
        }
        eprintln!("round {round}: killed after {after_time:?} of {full:?}: {} events", now.events);
        merge_to_the_end(&target, &source);
        assert!(state(&target) == after, "round {round}: merging again did not complete the merge");
    }
    assert!(
        unchanged > 0 && killed_while_running > 0,
        "no kill landed inside the merge ({complete} complete, {unchanged} unchanged)"
    );
}
