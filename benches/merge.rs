//! Merge speed and memory: `crossreview merge TARGET SOURCE` where SOURCE holds 1,000,000 label
//! events (10 annotators x 25,000 responses x 4 dimensions) that TARGET lacks; both hold the same
//! 12,500 items x 2 responses.
//!
//!     cargo bench --bench merge
//!
//! prints the wall time, events/s and the child's peak resident memory for each run, then a
//! `RESULT` line. Without `--bench` (as under `cargo test --all-targets`) it runs once on 2,000
//! events, as a smoke test.
//!
//! Environment: `CROSSREVIEW_BENCH_MERGE_EVENTS` (default 1000000), `CROSSREVIEW_BENCH_RUNS`
//! (default 3), `CROSSREVIEW_BENCH_DIR` (build the sessions there and keep the last merged
//! target, `target_RUN.db`, e.g. to time `status` on it, instead of a temporary folder).

use crossreview::schema::Schema;
use crossreview::store::{Store, time};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[path = "support/run_measured.rs"]
mod run_measured;
use run_measured::run_measured;

#[path = "support/label_events.rs"]
mod label_events;

const ANNOTATORS: usize = 10;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let env_num = |k: &str, d: usize| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
    let n = if full { env_num("CROSSREVIEW_BENCH_MERGE_EVENTS", 1_000_000) } else { 2_000 };
    let runs = if full { env_num("CROSSREVIEW_BENCH_RUNS", 3) } else { 1 };
    let bin = Path::new(env!("CARGO_BIN_EXE_crossreview"));
    // Every (annotator, response, dimension) labelled once.
    let dims = Schema::cross_eval().dimensions.len();
    let items = n.div_ceil(ANNOTATORS * label_events::MODELS.len() * dims).max(1);

    let tmp = tempfile::tempdir().unwrap();
    let keep = std::env::var_os("CROSSREVIEW_BENCH_DIR").filter(|_| full).map(PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    for old in ["base.db", "source.db"] {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("{old}{suffix}")));
        }
    }
    let t = Instant::now();
    let base = dir.join("base.db");
    {
        let mut s = Store::create(&base, &Schema::cross_eval(), false).unwrap();
        label_events::import_items(&mut s, items);
    }
    // The source and the target share the items (copies of one import), so the merge's work is
    // the events.
    let source = dir.join("source.db");
    std::fs::copy(&base, &source).unwrap();
    {
        let s = Store::open(&source).unwrap();
        let start = time::parse_micros("2026-11-29T03:00:00.000000Z").unwrap();
        label_events::record_labels(&s, "annotator", ANNOTATORS, items, n, start);
    }
    eprintln!("built a source of {n} events on {items} items in {:.1} s", t.elapsed().as_secs_f64());

    let mut times = Vec::new();
    let mut rss_all = Vec::new();
    for run in 0..runs {
        let target = dir.join(format!("target_{run}.db"));
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
        }
        std::fs::copy(&base, &target).unwrap();
        let (secs, rss, stdout) = run_measured(bin, &[Path::new("merge"), &target, &source]);
        assert!(
            stdout.contains(&format!(": {n} new label events, 0 items added")),
            "unexpected summary: {stdout}"
        );
        println!(
            "merge run {}: {:.3} s, {:.0} events/s, peak RSS {}",
            run + 1,
            secs,
            n as f64 / secs,
            rss.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "unknown".into())
        );
        times.push(secs);
        rss_all.extend(rss);
        if keep.is_none() || run + 1 < runs {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
            }
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "RESULT events={n} seconds={median:.3} events_per_s={:.0} peak_rss_kb={}",
        n as f64 / median,
        rss_all.iter().max().map(|k| k.to_string()).unwrap_or_else(|| "unknown".into())
    );
}
