//! `crossreview import SESSION FILE… [--format …] [--model NAME] [--images-dir DIR]`: checks
//! the files and writes them into the session in one transaction; nothing is written when
//! anything is wrong.
//!
//! Each record is written as soon as it is parsed and checked, on the same thread, so memory
//! holds one record at a time whatever the file size. The first input error stops the writing
//! (checking goes on, to report every error); the transaction is then rolled back.
//!
//! Why one thread: parsing on a second thread and handing the records over through a bounded
//! channel was measured (benches/import.rs, 100,000 items x 3 responses on this project's
//! 2-core machine) to cost 1.6 times the CPU of doing both on one thread (6.7 s against 4.2 s:
//! every string of every record is allocated on one core and read and freed on the other) and
//! to take longer, not shorter (17 s against 10 s wall time, under the same load). Parsing is
//! about a third of the work; SQLite's inserts are the rest and cannot be split.

use crate::cli::InputArgs;
use crate::error::{CliError, CliResult};
use crate::ingest::{IngestError, IngestOptions, IngestSummary, Record, read_inputs};
use crate::store::{ImportCounts, Store};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The progress callback runs after this many records.
const PROGRESS_EVERY: usize = 256;
/// A progress bar only appears when the import runs longer than this.
const PROGRESS_AFTER: Duration = Duration::from_secs(1);

pub fn options(input: &InputArgs) -> IngestOptions {
    IngestOptions {
        format: Some(input.format.into()),
        model: input.model.clone(),
        images_dir: input.images_dir.clone(),
        progress: None,
    }
}

/// Reads `files` and writes their records into `store` in one transaction. `on_progress` is
/// called every few hundred records with the bytes read so far.
pub fn import_files(
    store: &mut Store,
    files: &[PathBuf],
    mut opts: IngestOptions,
    mut on_progress: impl FnMut(u64),
) -> Result<(IngestSummary, ImportCounts), IngestError> {
    let schema = store.schema().clone();
    let bytes_read = Arc::new(AtomicU64::new(0));
    opts.progress = Some(bytes_read.clone());
    let mut rejected: Option<IngestError> = None;
    let result = store.import(|importer| {
        let mut since_progress = 0;
        let read = read_inputs(files, &opts, &schema, &mut |record| {
            match &record {
                Record::Item(item) => importer.upsert_item(item)?,
                Record::Pair(pair) => importer.upsert_pair(pair)?,
            }
            since_progress += 1;
            if since_progress == PROGRESS_EVERY {
                since_progress = 0;
                on_progress(bytes_read.load(Ordering::Relaxed));
            }
            Ok(())
        });
        match read {
            Ok(summary) => Ok((summary, importer.counts())),
            Err(e) => {
                rejected = Some(e);
                Err(anyhow::anyhow!("the input was rejected"))
            }
        }
    });
    match (result, rejected) {
        (Ok(out), _) => Ok(out),
        (Err(_), Some(e)) => Err(e),
        (Err(e), None) => Err(IngestError::Aborted(e)),
    }
}

pub fn run(session: &Path, files: &[PathBuf], input: &InputArgs) -> CliResult {
    let mut store = Store::open(session)?;
    let total: u64 = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    let started = Instant::now();
    let mut bar: Option<ProgressBar> = None;
    let show_progress = std::io::stderr().is_terminal();
    let result = import_files(&mut store, files, options(input), |bytes| {
        if bar.is_none() && show_progress && started.elapsed() > PROGRESS_AFTER {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
                .with_elapsed(started.elapsed())
                .with_position(bytes);
            if let Ok(style) = ProgressStyle::with_template(
                "importing {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ) {
                b.set_style(style);
            }
            // The bytes read before the bar appeared are not a rate: measure from here on, and
            // only then start drawing.
            b.tick();
            b.reset_eta();
            b.set_draw_target(ProgressDrawTarget::stderr());
            bar = Some(b);
        }
        if let Some(b) = &bar {
            b.set_position(bytes);
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let shown = session.display();
    match result {
        Ok((summary, counts)) => {
            for w in summary.diagnostics.warning_lines() {
                eprintln!("{w}");
            }
            let new = counts.items_new.min(summary.items);
            println!(
                "imported {} items ({} new, {} updated), {} responses, {} pairs into {shown}",
                summary.items,
                new,
                summary.items - new,
                summary.responses,
                summary.pairs
            );
            Ok(())
        }
        Err(IngestError::Invalid(d)) => {
            for w in d.warning_lines() {
                eprintln!("{w}");
            }
            Err(CliError::data_lines(d.error_lines("nothing was imported")))
        }
        Err(IngestError::Aborted(e)) => Err(CliError::data(format!(
            "{shown}: the import failed and was rolled back, nothing changed: {e:#}"
        ))),
    }
}
