//! `crossreview import SESSION FILE… [--format …] [--model NAME] [--images-dir DIR]`: checks
//! the files and writes them into the session in one transaction; nothing is written when
//! anything is wrong.
//!
//! Two threads: one reads, parses and checks the files, the other (this one, which owns the
//! SQLite connection) writes. Memory holds a few batches of records whatever the file size
//! (plus the ids seen so far, to find duplicates). The first input error stops the writing
//! (checking goes on, to report every error); the transaction is then rolled back.
//!
//! Measured on this project's 2-core machine (benches/import.rs, 100,000 items x 3 responses,
//! idle machine): one thread took 3.9 s; two threads 3.5 s with glibc's allocator (each string
//! freed on the thread that did not allocate it doubled the allocator's work) and 2.3 s with
//! mimalloc, batches sent back to be freed where they were made, and the JSON columns written
//! out on the parsing thread. Under heavy load from other processes the second thread does not
//! help: an earlier measurement with a load average of 8 found it slower than one thread.

use crate::cli::{InputArgs, InputFormat};
use crate::error::{CliError, CliResult};
use crate::ingest::{
    Diagnostics, Format, IngestError, IngestOptions, IngestSummary, Record, RecordAt, read_inputs_located,
};
use crate::store::{ImportCounts, ItemJson, Store, StoreError};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The progress callback runs after this many records.
const PROGRESS_EVERY: usize = 256;
/// A progress bar only appears when the import runs longer than this.
const PROGRESS_AFTER: Duration = Duration::from_secs(1);

pub fn options(input: &InputArgs) -> IngestOptions {
    IngestOptions {
        format: Some(format_of(input.format)),
        model: input.model.clone(),
        images_dir: input.images_dir.clone(),
        gold: input.gold,
        progress: None,
    }
}

fn format_of(f: InputFormat) -> Format {
    match f {
        InputFormat::Auto => Format::Auto,
        InputFormat::Jsonl => Format::Items,
        InputFormat::Cross => Format::Cross,
        InputFormat::Pairs => Format::Pairs,
    }
}

/// Records handed from the parsing thread to the writing thread at a time.
const BATCH: usize = 256;
/// Batches in flight between the two threads; bounds the memory an import holds.
const BATCHES_IN_FLIGHT: usize = 4;

/// A record with the JSON text the store writes for it, made on the parsing thread.
enum Prepared {
    Item(crate::model::Item, ItemJson, RecordAt),
    Pair(crate::model::Pair),
}

impl Prepared {
    fn of(record: Record, at: RecordAt) -> anyhow::Result<Prepared> {
        Ok(match record {
            Record::Item(item) => {
                let json = ItemJson::of(&item)?;
                Prepared::Item(item, json, at)
            }
            Record::Pair(pair) => Prepared::Pair(pair),
        })
    }
}

/// Reads `files` and writes their records into `store` in one transaction. `on_progress` is
/// called every few hundred records with the bytes read so far. `judge` names the judge whose
/// scores the files carry (`judge` when `None`).
///
/// Parsing and checking run on a second thread, SQLite's writes on this one (the connection
/// stays on the thread that opened it). Records travel in batches through a bounded channel,
/// so memory holds a few hundred records whatever the file size, and each batch goes back to
/// the parsing thread to be freed there: the thread that allocated a record frees it, which
/// keeps the allocator from contending between the two threads.
pub fn import_files(
    store: &mut Store,
    files: &[PathBuf],
    mut opts: IngestOptions,
    judge: Option<&str>,
    mut on_progress: impl FnMut(u64),
) -> Result<(IngestSummary, ImportCounts), IngestError<anyhow::Error>> {
    let schema = store.schema().clone();
    let bytes_read = Arc::new(AtomicU64::new(0));
    opts.progress = Some(bytes_read.clone());
    let mut rejected: Option<IngestError<anyhow::Error>> = None;
    let result = std::thread::scope(|scope| {
        let (to_writer, batches) = mpsc::sync_channel::<Vec<Prepared>>(BATCHES_IN_FLIGHT);
        let (to_parser, spent) = mpsc::channel::<Vec<Prepared>>();
        let parser =
            std::thread::Builder::new().name("import-parser".into()).spawn_scoped(scope, move || {
                let mut batch: Vec<Prepared> = Vec::with_capacity(BATCH);
                let send = |batch: &mut Vec<Prepared>| -> anyhow::Result<()> {
                    // Reuse (and free here) a batch the writer is done with, if one came back.
                    let mut next = match spent.try_recv() {
                        Ok(mut old) => {
                            old.clear();
                            old
                        }
                        Err(_) => Vec::with_capacity(BATCH),
                    };
                    std::mem::swap(batch, &mut next);
                    to_writer.send(next).map_err(|_| anyhow::anyhow!("the database writer stopped"))
                };
                let read = read_inputs_located(files, &opts, &schema, &mut |record, at| {
                    batch.push(Prepared::of(record, at)?);
                    if batch.len() == BATCH {
                        send(&mut batch)?;
                    }
                    Ok(())
                });
                match read {
                    Ok(summary) if !batch.is_empty() => {
                        send(&mut batch).map(|()| summary).map_err(IngestError::Aborted)
                    }
                    other => other,
                }
            });
        let parser = match parser {
            Ok(handle) => handle,
            Err(e) => return Err(anyhow::Error::new(e).context("starting the parsing thread")),
        };
        let written = store.import(|importer| {
            // Owned here, so that a database error (an early return) drops the receiver and
            // the parser's next send fails instead of waiting for ever.
            let (batches, to_parser) = (batches, to_parser);
            if let Some(judge) = judge {
                importer.set_judge(judge);
            }
            let mut since_progress = 0;
            for batch in batches.iter() {
                for record in &batch {
                    match record {
                        Prepared::Item(item, json, at) => {
                            if let Err(e) = importer.upsert_item_with(item, json) {
                                if let StoreError::ResponseTextDiffers(differs) = &e {
                                    let mut diag = Diagnostics::default();
                                    let file = files.get(at.0 as usize).map(|f| f.display().to_string());
                                    diag.error(format!("{}:{}: {differs}", file.unwrap_or_default(), at.1));
                                    rejected = Some(IngestError::Invalid(diag));
                                }
                                return Err(e);
                            }
                        }
                        Prepared::Pair(pair) => importer.upsert_pair(pair)?,
                    }
                    since_progress += 1;
                    if since_progress == PROGRESS_EVERY {
                        since_progress = 0;
                        on_progress(bytes_read.load(Ordering::Relaxed));
                    }
                }
                // The parser may have finished already; then the batch is freed here.
                let _ = to_parser.send(batch);
            }
            // Every batch is written; whether to commit depends on what the parser found.
            match parser.join() {
                Ok(Ok(summary)) => Ok((summary, importer.counts())),
                Ok(Err(e)) => {
                    rejected = Some(e);
                    Err(StoreError::InputRejected)
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        });
        // After a database error the parser's own result ("the database writer stopped") is
        // not the error to show; the scope joins it.
        written.map_err(anyhow::Error::from)
    });
    match (result, rejected) {
        (Ok(out), _) => Ok(out),
        (Err(_), Some(e)) => Err(e),
        (Err(e), None) => Err(IngestError::Aborted(e)),
    }
}

pub fn run(session: &Path, files: &[PathBuf], input: &InputArgs, judge: Option<&str>) -> CliResult {
    let mut store = Store::open(session)?;
    let total: u64 = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    let started = Instant::now();
    let mut bar: Option<ProgressBar> = None;
    let show_progress = std::io::stderr().is_terminal();
    if let Some(name) = judge {
        check_judge_name(name)?;
    }
    let result = import_files(&mut store, files, options(input), judge, |bytes| {
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
                crate::errln!("{w}");
            }
            let new = counts.items_new.min(summary.items);
            let gold = match summary.gold_items {
                0 => String::new(),
                n => format!("; {n} gold items (known answers)"),
            };
            crate::outln!(
                "imported {} items ({} new, {} updated), {} responses, {} pairs into {shown}{gold}",
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
                crate::errln!("{w}");
            }
            Err(CliError::data_lines(d.error_lines("nothing was imported")))
        }
        Err(IngestError::Aborted(e)) if CliError::is_read_only(&e) => {
            Err(CliError::read_only_session(&shown.to_string()))
        }
        Err(IngestError::Aborted(e)) => {
            let why =
                crate::file_size_limit::explain(e.as_ref(), &shown.to_string()).unwrap_or(format!("{e:#}"));
            Err(CliError::data(format!(
                "{shown}: the import failed and was rolled back, nothing changed: {why}"
            )))
        }
    }
}

/// A judge name is a key in JSON output and a column name in CSV exports: short, printable,
/// without the `.` that separates a CSV column's parts.
fn check_judge_name(name: &str) -> CliResult {
    let ok = !name.trim().is_empty()
        && name.len() <= 64
        && !name.chars().any(|c| c.is_control() || c == '.' || c == '|' || c == ',');
    if ok {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "--judge {name:?}: give a short name without control characters, '.', ',' or '|' (for example gpt-4o or qwen2_5-vl)"
        )))
    }
}
