//! The team hub under load: simulated annotators, each with their own session, labelling at a
//! steady pace while their session syncs with one local PostgreSQL server every few seconds
//! (docs/hub.md). Measures the time for a label to reach every other session (median, p99),
//! the events per second the hub moved, and the local label write's latency while syncing.
//!
//!     cargo bench --bench hub
//!
//! runs 20 annotators x 2,000 labels, syncing every 5 s, and prints a `RESULT` line. Without
//! `--bench` (as under `cargo test --all-targets`) it runs once with 3 annotators x 20 labels,
//! syncing every 0.2 s, as a smoke test. Without PostgreSQL it says it was skipped (and fails on
//! CI, `CI=true`), as the hub tests do (`tests/pg_common`).
//!
//! Environment: `CROSSREVIEW_BENCH_HUB_ANNOTATORS` (20), `CROSSREVIEW_BENCH_HUB_LABELS` (2000 per
//! annotator), `CROSSREVIEW_BENCH_HUB_EVERY_MS` (5000), `CROSSREVIEW_BENCH_HUB_RATE` (labels per
//! second per annotator, 20).

#[path = "support/label_events.rs"]
#[allow(dead_code)] // record_labels is for the merge fixtures
mod label_events;
#[path = "../tests/pg_common/mod.rs"]
mod pg_common;

use crossreview::hub::{Hub, session};
use crossreview::model::TaskRef;
use crossreview::rng::SplitMix64;
use crossreview::schema::Schema;
use crossreview::store::{NewEvent, Store};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ITEMS: usize = 500;

fn crossreview(args: &[&std::ffi::OsStr]) {
    let out = Command::new(env!("CARGO_BIN_EXE_crossreview")).args(args).output().expect("run crossreview");
    assert!(out.status.success(), "crossreview {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// When each label was written (by uid), and when it had reached how many other sessions.
#[derive(Default)]
struct Tally {
    written: HashMap<String, Instant>,
    arrived: HashMap<String, (usize, Instant)>,
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let env_num = |k: &str, d: u64| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
    let (annotators, labels, every_ms, rate) = if full {
        (
            env_num("CROSSREVIEW_BENCH_HUB_ANNOTATORS", 20) as usize,
            env_num("CROSSREVIEW_BENCH_HUB_LABELS", 2000) as usize,
            env_num("CROSSREVIEW_BENCH_HUB_EVERY_MS", 5000),
            env_num("CROSSREVIEW_BENCH_HUB_RATE", 20),
        )
    } else {
        (3, 20, 200, 50)
    };
    let Some(pg) = pg_common::Pg::start() else { return };
    let url = pg.create_db("bench");
    let tmp = tempfile::tempdir().unwrap();
    let lead = tmp.path().join("lead.db");
    {
        let mut store = Store::create(&lead, &Schema::cross_eval(), false).unwrap();
        label_events::import_items(&mut store, ITEMS);
    }
    crossreview(&["hub".as_ref(), "init".as_ref(), url.as_ref(), lead.as_os_str()]);
    let sessions: Vec<PathBuf> = (0..annotators)
        .map(|a| {
            let s = tmp.path().join(format!("a{a}.db"));
            crossreview(&["init".as_ref(), s.as_os_str()]);
            crossreview(&["sync".as_ref(), s.as_os_str(), url.as_ref()]);
            s
        })
        .collect();
    println!(
        "hub bench: {annotators} annotators x {labels} labels at {rate}/s each, syncing every {every_ms} ms ({ITEMS} items)"
    );
    let tally = Arc::new(Mutex::new(Tally::default()));
    let total = annotators * labels;
    let start = Instant::now();
    let mut writers = Vec::new();
    let mut syncers = Vec::new();
    for (a, path) in sessions.iter().enumerate() {
        let (to_write, written) = (path.clone(), Arc::clone(&tally));
        writers.push(std::thread::spawn(move || write_labels(&to_write, a, labels, rate, &written)));
        let (path, tally, url) = (path.clone(), Arc::clone(&tally), url.clone());
        let every = Duration::from_millis(every_ms);
        // Spread the sessions' rounds over the period, as independent machines would be.
        let offset = every.mul_f64(a as f64 / annotators as f64);
        let me = format!("ann{a}");
        syncers.push(std::thread::spawn(move || sync_loop(&path, &url, every, offset, total, &me, &tally)));
    }
    let mut write_ms: Vec<f64> = writers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    let mut moved = 0u64;
    for s in syncers {
        moved += s.join().unwrap();
    }
    let wall = start.elapsed().as_secs_f64();
    let t = tally.lock().unwrap();
    let mut reach: Vec<f64> = t
        .written
        .iter()
        .map(|(uid, w)| {
            let (n, at) = t.arrived.get(uid).copied().unwrap_or((0, *w));
            assert_eq!(n, annotators - 1, "a label did not reach every other session");
            at.duration_since(*w).as_secs_f64()
        })
        .collect();
    reach.sort_by(f64::total_cmp);
    write_ms.sort_by(f64::total_cmp);
    let (median, p99) = (percentile(&reach, 0.5), percentile(&reach, 0.99));
    let write_p99 = percentile(&write_ms, 0.99);
    println!("label reaches every other session: median {median:.2} s, p99 {p99:.2} s");
    println!(
        "hub moved {moved} label events (pushed + pulled) in {wall:.1} s: {:.0} events/s",
        moved as f64 / wall
    );
    println!(
        "local label write while syncing: median {:.2} ms, p99 {write_p99:.2} ms, max {:.2} ms ({} writes)",
        percentile(&write_ms, 0.5),
        write_ms.last().copied().unwrap_or(f64::NAN),
        write_ms.len()
    );
    println!(
        "RESULT annotators={annotators} labels={labels} every_ms={every_ms} reach_median_s={median:.2} reach_p99_s={p99:.2} events_per_s={:.0} write_p99_ms={write_p99:.2}",
        moved as f64 / wall
    );
}

/// Writes `labels` labels at `rate` per second, as an annotator would; returns each write's
/// latency in milliseconds.
fn write_labels(path: &Path, a: usize, labels: usize, rate: u64, tally: &Mutex<Tally>) -> Vec<f64> {
    let mut store = Store::open(path).unwrap();
    let mut rng = SplitMix64::new(a as u64 + 1);
    let dims = Schema::cross_eval().dimension_names();
    let pace = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let begin = Instant::now();
    let mut ms = Vec::with_capacity(labels);
    for n in 0..labels {
        let due = begin + pace * n as u32;
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        let ev = NewEvent {
            annotator: format!("ann{a}"),
            task: TaskRef::Response {
                item_id: format!("item-{}", rng.below(ITEMS as u64)),
                model: label_events::MODELS[rng.below(2) as usize].into(),
            },
            field: dims[rng.below(dims.len() as u64) as usize].clone(),
            value: Some(rng.below(2) as i64),
            text: None,
            seconds: 1.0,
            judge_visible: true,
        };
        let t = Instant::now();
        let written = store.record(&ev).unwrap();
        let done = Instant::now();
        ms.push(done.duration_since(t).as_secs_f64() * 1000.0);
        tally.lock().unwrap().written.insert(written.uid, done);
    }
    ms
}

/// Syncs every `every` until the session holds every label of every annotator and has pushed
/// its own; notes when each label arrived. Returns the label events moved (pushed + pulled).
fn sync_loop(
    path: &Path,
    url: &str,
    every: Duration,
    offset: Duration,
    total: usize,
    me: &str,
    tally: &Mutex<Tally>,
) -> u64 {
    std::thread::sleep(offset);
    let mut store = Store::open(path).unwrap();
    let mut hub = Hub::connect(url).unwrap();
    let study = session::study_of(&mut hub).unwrap();
    let (mut seen, mut moved) = (0i64, 0u64);
    let mut next = Instant::now();
    loop {
        let (pulled, pushed) = session::sync_once(&mut store, &mut hub, &study).unwrap();
        let arrived = Instant::now();
        moved += pulled.events_added + pushed.events;
        let mut st = store
            .conn()
            .prepare("SELECT seq, uid, annotator <> ?2 FROM events WHERE seq > ?1 ORDER BY seq")
            .unwrap();
        let rows: Vec<(i64, String, bool)> = st
            .query_map(rusqlite::params![seen, me], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        drop(st);
        {
            let mut t = tally.lock().unwrap();
            for (seq, uid, others) in rows {
                seen = seq;
                // Only others' labels arrive here; this session's own were written here.
                if others {
                    let e = t.arrived.entry(uid).or_insert((0, arrived));
                    e.0 += 1;
                    e.1 = arrived;
                }
            }
        }
        let held: i64 = store.conn().query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
        if held as usize >= total && store.hub_waiting(&study.hub_id).unwrap() == 0 {
            return moved;
        }
        next += every;
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
}
