//! Speed target: exporting 100,000 validated pairs takes under 1 s.
//!
//! - `export/dpo_trl_rows_100k`: building and serialising the rows from data in memory;
//! - `export/dpo_trl_session_100k`: the whole command's work: open the session file, load pairs
//!   and verdicts, decide, write the file atomically (what `crossreview export` does).
//!
//! `cargo bench --bench export` (with `CR_EXPORT_BENCH_SESSION=/tmp/bench.db` the session is kept,
//! to time the command itself: `crossreview export /tmp/bench.db --format dpo-trl --out x.jsonl`)

// The same allocator as the crossreview binary (src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{Criterion, criterion_group, criterion_main};
use crossreview::cli::ExportFormat;
use crossreview::export::images::ImagePaths;
use crossreview::export::writer::AtomicFile;
use crossreview::export::{self, ExportData, ExportOptions, OpenAiImages};
use crossreview::model::{Pair, TaskRef, Verdict};
use crossreview::schema::Schema;
use crossreview::store::{CurrentLabel, Store, field};
use serde_json::json;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[path = "support/verdicts.rs"]
mod verdicts;

const PAIRS: usize = 100_000;

fn pair(i: usize) -> Pair {
    Pair {
        id: format!("p-{i:06}"),
        prompt: json!(format!("Item {i}: is this gift appropriate for my host? Please explain the custom.")),
        chosen: json!(format!(
            "Response {i}: In this culture a clock as a gift suggests … a respectful alternative is tea."
        )),
        rejected: json!(format!("Response {i}: Sure, a clock is a great gift, wrap it in white paper.")),
        images: vec![format!("/data/images/img_{:05}.png", i % 5000)],
        item_id: Some(format!("casa/en/Item_{i}")),
        meta: Default::default(),
    }
}

/// Two annotators per pair: agree/agree for most, flip/flip for every 7th, a split every 11th.
fn verdict(i: usize, annotator: usize) -> Verdict {
    if (i.is_multiple_of(11) && annotator == 1) || i.is_multiple_of(7) {
        Verdict::Flip
    } else {
        Verdict::Agree
    }
}

fn in_memory() -> ExportData {
    let pairs: Vec<Pair> = (0..PAIRS).map(pair).collect();
    let mut current = Vec::with_capacity(PAIRS * 4);
    for annotator in 0..2 {
        for (i, p) in pairs.iter().enumerate() {
            let task = TaskRef::Pair { pair_id: p.id.clone() };
            let row = |field: &str, value: Option<i64>, text: Option<&str>| CurrentLabel {
                annotator: format!("annotator{annotator}"),
                task: task.clone(),
                field: field.into(),
                value,
                text: text.map(str::to_string),
                blind_value: value,
                seconds: 3.0,
                at: "2026-11-29T03:00:00.000000Z".into(),
            };
            current.push(row(field::ORDER, None, Some("chosen_left")));
            current.push(row(field::VERDICT, Some(verdict(i, annotator).code()), None));
        }
    }
    ExportData {
        schema: Schema::cross_eval(),
        responses: Vec::new(),
        pairs,
        current,
        adjudicators: Vec::new(),
        judges: Default::default(),
    }
}

fn options() -> ExportOptions {
    ExportOptions {
        min_annotators: 1,
        images: ImagePaths { stored_base: "/data".into(), relative_to: Some("/data/exports".into()) },
        openai_images: OpenAiImages::Reference,
    }
}

/// A session file with the same pairs and verdicts (the verdicts written straight into the
/// event log, see `support/verdicts.rs`).
fn session(path: &Path) {
    let mut store = Store::create(path, &Schema::cross_eval(), true).unwrap();
    store
        .import(|imp| {
            for i in 0..PAIRS {
                imp.upsert_pair(&pair(i))?;
            }
            Ok(())
        })
        .unwrap();
    let verdicts = (0..2).flat_map(|annotator| {
        (0..PAIRS).map(move |i| (format!("annotator{annotator}"), format!("p-{i:06}"), verdict(i, annotator)))
    });
    verdicts::record_verdicts(&store, verdicts);
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("export");
    g.sample_size(10).measurement_time(Duration::from_secs(10));

    let data = in_memory();
    let opts = options();
    g.bench_function("dpo_trl_rows_100k", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(64 << 20);
            let s = export::export(ExportFormat::DpoTrl, &data, &opts, &mut out).unwrap();
            assert_eq!(s.rows, (PAIRS - PAIRS / 11 + PAIRS / 77) as u64);
            black_box(out.len())
        })
    });

    let dir = tempfile::tempdir().unwrap();
    // CR_EXPORT_BENCH_SESSION=FILE keeps the session, to time `crossreview export` on it.
    let db =
        std::env::var_os("CR_EXPORT_BENCH_SESSION").map(PathBuf::from).unwrap_or(dir.path().join("bench.db"));
    session(&db);
    let out = dir.path().join("dpo.jsonl");
    g.bench_function("dpo_trl_session_100k", |b| {
        b.iter(|| {
            let store = Store::open(&db).unwrap();
            let data = ExportData::load_for(&store, &[], ExportFormat::DpoTrl).unwrap();
            let mut file = AtomicFile::create(&out).unwrap();
            let s = export::export(ExportFormat::DpoTrl, &data, &opts, &mut file).unwrap();
            file.commit().unwrap();
            black_box(s.rows)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
