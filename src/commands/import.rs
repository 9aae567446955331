//! `crossreview import SESSION FILE… [--format …] [--model NAME] [--images-dir DIR]`: checks
//! the files and writes them into the session in one transaction; nothing is written when
//! anything is wrong.
//!
//! Parsing runs on its own thread and hands records in batches, through a bounded channel, to
//! this thread, which writes them inside the transaction: on two cores the two halves overlap
//! and memory stays bounded by the channel, whatever the file size. The first input error stops
//! the flow of records; the transaction is then rolled back.

use crate::cli::InputArgs;
use crate::error::{CliError, CliResult};
use crate::ingest::{IngestError, IngestOptions, IngestSummary, Record, read_inputs};
use crate::store::{ImportCounts, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Records per channel message, and messages in flight: enough to keep both threads busy,
/// few enough that memory stays small (a few thousand items at most).
const BATCH: usize = 64;
const BATCHES_IN_FLIGHT: usize = 4;
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

/// Reads `files` on a second thread and writes their records into `store` in one transaction.
/// `on_progress` is called on this thread after every batch with the bytes read so far.
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
    let result = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Record>>(BATCHES_IN_FLIGHT);
        // Written batches go back to the parser thread to be dropped there: freeing memory on
        // the thread that allocated it is much cheaper with the system allocator, and the
        // emptied vectors are reused.
        let (recycle_tx, recycle_rx) = std::sync::mpsc::sync_channel::<Vec<Record>>(BATCHES_IN_FLIGHT + 2);
        let parser = scope.spawn(|| {
            let tx = tx;
            let recycle_rx = recycle_rx;
            let fresh = || match recycle_rx.try_recv() {
                Ok(mut used) => {
                    used.clear();
                    used
                }
                Err(_) => Vec::with_capacity(BATCH),
            };
            let mut batch = fresh();
            let result = read_inputs(files, &opts, &schema, &mut |record| {
                batch.push(record);
                if batch.len() >= BATCH {
                    let full = std::mem::replace(&mut batch, fresh());
                    tx.send(full).map_err(|_| anyhow::anyhow!("the session writer stopped"))?;
                }
                Ok(())
            });
            if result.is_ok() && !batch.is_empty() && tx.send(batch).is_err() {
                return Err(IngestError::Aborted(anyhow::anyhow!("the session writer stopped")));
            }
            result
        });
        store.import(|importer| {
            for batch in rx {
                for record in &batch {
                    match record {
                        Record::Item(item) => importer.upsert_item(item)?,
                        Record::Pair(pair) => importer.upsert_pair(pair)?,
                    }
                }
                on_progress(bytes_read.load(Ordering::Relaxed));
                // When the parser has finished, the batch is simply dropped here.
                let _ = recycle_tx.try_send(batch);
            }
            match parser.join().expect("the parser thread panicked") {
                Ok(summary) => Ok((summary, importer.counts())),
                Err(e) => {
                    rejected = Some(e);
                    Err(anyhow::anyhow!("the input was rejected"))
                }
            }
        })
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
            let b = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template(
                "importing {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ) {
                b.set_style(style);
            }
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
