//! The file loop: opens each file, detects or applies its format, parses and checks every
//! record, rejects duplicates, merges CROSS runs, resolves images, and hands good records to the
//! sink until the first error.

use super::cross_runs::{self, CrossRun, Merge};
use super::detect::detect;
use super::gold::GoldItems;
use super::images::{self, ImageResolver, Resolved};
use super::source::{Container, ReadAhead, RecordReader, SourceError};
use super::{
    Diagnostics, Format, IngestError, IngestOptions, IngestSummary, Record, RecordError, cross, items,
    mismatch, pairs,
};
use crate::bounded_read::ReadError;
use crate::model::{Item, Pair};
use crate::schema::Schema;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts the bytes read through it, for progress reporting.
struct CountingReader<R> {
    inner: R,
    counter: Option<Arc<AtomicU64>>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(c) = &self.counter {
            c.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

const READ_BUFFER: usize = 256 * 1024;

type Reader = RecordReader<BufReader<CountingReader<std::fs::File>>>;

/// Why a file could not be read as records; `shown` names it.
#[derive(Debug, thiserror::Error)]
enum OpenError {
    #[error("{shown}: is a folder; give the files inside it")]
    Folder { shown: String },
    #[error("{shown}: cannot open the file: {reason}")]
    Unreadable { shown: String, reason: ReadError },
    #[error("{shown}:1: the file is empty: there are no records in it")]
    Empty { shown: String },
    /// Its container (a JSON array or lines) cannot be read from the start.
    #[error("{shown}:{line}: {message}")]
    BadStart { shown: String, line: usize, message: String },
}

/// Opens a file as records. A regular file or a pipe is read as a stream (memory stays at one
/// record, whatever its size); a device or a FIFO-less special file is refused without blocking.
fn open_records(path: &Path, shown: &str, counter: Option<Arc<AtomicU64>>) -> Result<Reader, OpenError> {
    use crate::bounded_read::{Pipes, open};
    let shown = shown.to_string();
    let file = match open(path, u64::MAX, Pipes::Accept) {
        Ok(opened) => opened.file,
        Err(e) if e.0 == "is a folder, not a file" => return Err(OpenError::Folder { shown }),
        Err(reason) => return Err(OpenError::Unreadable { shown, reason }),
    };
    let reader = BufReader::with_capacity(READ_BUFFER, CountingReader { inner: file, counter });
    match RecordReader::new(reader) {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(OpenError::Empty { shown }),
        Err(e) => Err(OpenError::BadStart { shown, line: e.line, message: e.message }),
    }
}

/// Where an item id was first seen, and (for CROSS records) by which models' runs.
struct Seen {
    file: u32,
    line: u32,
    /// `None`: a canonical item, which cannot be merged with anything. `Some(runs)`: CROSS
    /// records, mergeable with another model's record or the other half (generation or
    /// evaluation) of the same run.
    cross_runs: Option<Vec<CrossRun>>,
}

pub(super) struct Run<'a> {
    opts: &'a IngestOptions,
    pub(super) schema: &'a Schema,
    pub(super) diag: Diagnostics,
    images: ImageResolver,
    files: Vec<String>,
    seen_items: HashMap<String, Seen>,
    seen_pairs: HashMap<String, (u32, u32)>,
    /// `--gold`: the items read, with their answers so far.
    gold: GoldItems,
    pub(super) summary: IngestSummary,
}

/// Everything one file's records share.
struct FileCtx {
    index: u32,
    shown: String,
    container: Container,
    base_dir: PathBuf,
    urls_kept: usize,
    first_url: Option<(usize, String)>,
    no_model_reported: bool,
    wrong_format_reported: bool,
    /// The round a CROSS results file's name gives (`results_<model>_r<round>.json`).
    round: Option<u32>,
}

impl FileCtx {
    fn at(&self, line: usize, e: &RecordError) -> String {
        let shown = &self.shown;
        match (self.container, e.column) {
            (Container::Lines, Some(col)) => format!("{shown}:{line}:{col}: {}", e.message),
            (Container::Lines, None) => format!("{shown}:{line}: {}", e.message),
            // docs/input-formats.md: in a JSON array, LINE is where the bad record starts.
            (Container::Array, Some(col)) if e.line_offset > 0 => {
                format!("{shown}:{line}: {} (at line {}, column {col})", e.message, line + e.line_offset)
            }
            (Container::Array, _) => format!("{shown}:{line}: {}", e.message),
        }
    }
}

impl Run<'_> {
    pub(super) fn location(&self, file: u32, line: u32) -> String {
        format!("{}:{line}", self.files[file as usize])
    }

    fn resolve_image(&mut self, ctx: &mut FileCtx, line: usize, raw: String) -> Option<String> {
        if raw.trim().is_empty() {
            self.diag
                .warning(|| format!("{}:{line}: the image path is empty; the item has no image", ctx.shown));
            return None;
        }
        let resolved = self.images.resolve(&raw, &ctx.base_dir);
        match &resolved {
            Resolved::Found(_) => {}
            Resolved::Missing(path) => self.diag.warning(|| {
                format!(
                    "{}:{line}: image {raw:?} not found (looked for {path}); it shows as a placeholder until the file is there",
                    ctx.shown
                )
            }),
            Resolved::Url(url) => {
                ctx.urls_kept += 1;
                ctx.first_url.get_or_insert((line, url.clone()));
            }
            Resolved::Ambiguous { url, candidates } => self.diag.error(format!(
                "{}:{line}: image {url:?} matches {} files under --images-dir equally well ({}); remove the extra copies, or point --images-dir at the folder of this file's images",
                ctx.shown,
                candidates.len(),
                candidates.join(", ")
            )),
        }
        Some(resolved.into_stored())
    }

    fn deliver<E>(
        &mut self,
        record: Record,
        at: (u32, u32),
        sink: &mut Sink<'_, E>,
    ) -> Result<(), IngestError<E>> {
        if self.diag.error_count == 0 {
            sink(record, at).map_err(IngestError::Aborted)?;
        }
        Ok(())
    }

    /// `cross`: `None` for a canonical item, else whether the CROSS record carries the judge's
    /// evaluation.
    fn accept_item<E>(
        &mut self,
        ctx: &mut FileCtx,
        line: usize,
        mut item: Item,
        cross: Option<bool>,
        sink: &mut Sink<'_, E>,
    ) -> Result<(), IngestError<E>> {
        let here = (ctx.index, line as u32);
        let run = cross.map(|evaluated| {
            let response = item.responses.first();
            let text = response.map(|r| r.text.as_str()).unwrap_or("");
            let round = response.and(ctx.round);
            CrossRun::new(response.map(|r| r.model.clone()), round, here, text, evaluated)
        });
        let model = item.responses.first().map(|r| r.model.clone());
        // One lookup of the id (hashed once): this runs for every record.
        let (decision, rounds) = match (self.seen_items.entry(item.id.clone()), run) {
            (Entry::Vacant(slot), run) => {
                let seen = slot.insert(Seen { file: here.0, line: here.1, cross_runs: run.map(|r| vec![r]) });
                self.summary.items += 1;
                (Merge::New, seen.cross_runs.as_deref().and_then(cross_runs::rounds))
            }
            (Entry::Occupied(mut slot), Some(run)) if slot.get().cross_runs.is_some() => {
                // Some (the guard): only taken out without an unwrap.
                let runs = slot.get_mut().cross_runs.get_or_insert_default();
                let decision = cross_runs::merge(runs, run);
                (decision, cross_runs::rounds(runs))
            }
            (Entry::Occupied(slot), _) => {
                let (file, first_line) = (slot.get().file, slot.get().line);
                let first = self.location(file, first_line);
                self.diag.error(format!(
                    "{}:{line}: duplicate id {:?}, already at {first}; ids must be unique within an import",
                    ctx.shown, item.id
                ));
                return Ok(());
            }
        };
        match decision {
            Merge::New | Merge::AddsScores => {}
            // The scores came first: this record brings nothing the session does not have.
            Merge::AlreadyScored => item.responses.clear(),
            Merge::Twice { at } => {
                let first = self.location(at.0, at.1);
                self.diag.error(match &model {
                    Some(m) => format!(
                        "{}:{line}: the record {:?} with a response from model {m:?} is already at {first} (the same record twice, or two generation or two evaluation files of one model and round; --model gives every file that name)",
                        ctx.shown, item.id
                    ),
                    None => format!(
                        "{}:{line}: the record {:?} is already at {first}; an index must not repeat within one subset and setting (import files that reuse indexes into separate sessions)",
                        ctx.shown, item.id
                    ),
                });
                return Ok(());
            }
            Merge::TextDiffers { at } => {
                let first = self.location(at.0, at.1);
                self.diag.error(format!(
                    "{}:{line}: model {:?}'s response to {:?} differs from the one at {first}: a generation and an evaluation file of one model and round must hold the same responses (check that both files are of the same run; the round comes from the file name, results_<model>_r<round>.json)",
                    ctx.shown,
                    model.as_deref().unwrap_or_default(),
                    item.id
                ));
                return Ok(());
            }
        }
        if let Some(rounds) = rounds {
            // Every record of the item carries all its runs' rounds so far: the last one
            // written wins, and holds them all.
            item.meta.insert("round".to_string(), rounds);
        }
        if matches!(decision, Merge::New) {
            self.summary.responses += item.responses.len() as u64;
        }
        if let Some(raw) = item.image.take() {
            item.image = self.resolve_image(ctx, line, raw);
        }
        if self.opts.gold {
            self.gold.note(ctx.index, line, &mut item, self.schema);
        }
        self.deliver(Record::Item(item), here, sink)
    }

    fn accept_pair<E>(
        &mut self,
        ctx: &mut FileCtx,
        line: usize,
        mut pair: Pair,
        sink: &mut Sink<'_, E>,
    ) -> Result<(), IngestError<E>> {
        if let Some(&(file, first_line)) = self.seen_pairs.get(&pair.id) {
            let first = self.location(file, first_line);
            self.diag.error(format!(
                "{}:{line}: duplicate pair id {:?}, already at {first} (a pair without \"id\" is identified by its content, so this may be the same pair twice)",
                ctx.shown, pair.id
            ));
            return Ok(());
        }
        self.seen_pairs.insert(pair.id.clone(), (ctx.index, line as u32));
        self.summary.pairs += 1;
        let raw_images = std::mem::take(&mut pair.images);
        pair.images = raw_images.into_iter().filter_map(|raw| self.resolve_image(ctx, line, raw)).collect();
        self.deliver(Record::Pair(pair), (ctx.index, line as u32), sink)
    }

    fn read_file<E>(&mut self, path: &Path, sink: &mut Sink<'_, E>) -> Result<(), IngestError<E>> {
        let shown = path.display().to_string();
        let index = self.files.len() as u32;
        self.files.push(shown.clone());
        let mut reader = match open_records(path, &shown, self.opts.progress.clone()) {
            Ok(r) => r,
            Err(e) => {
                self.diag.error(e.to_string());
                return Ok(());
            }
        };
        let mut ahead = ReadAhead::new();
        let format = match self.opts.format.unwrap_or(Format::Auto) {
            Format::Auto => match detect(&mut reader, &shown, &mut ahead) {
                Ok(f) => f,
                Err(e) => {
                    self.diag.error(e.to_string());
                    return Ok(());
                }
            },
            f => f,
        };
        self.summary.files.push((path.to_path_buf(), format));
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let run = cross::run_from_file_name(&file_name);
        let round = run.as_ref().map(|(_, round)| *round);
        let model = self
            .opts
            .model
            .clone()
            .or_else(|| run.map(|(model, _)| model))
            .map(|m| crate::model::run_model_key(&m, round));
        let mut ctx = FileCtx {
            index,
            shown,
            container: reader.container(),
            base_dir: images::absolute_dir(path.parent().unwrap_or(Path::new("."))),
            urls_kept: 0,
            first_url: None,
            no_model_reported: false,
            wrong_format_reported: false,
            round,
        };
        let mut buf = Vec::new();
        loop {
            // A record is mostly read where it lies in the read buffer (`next_record_ref`).
            let next = match ahead.pop_front() {
                Some((next, bytes)) => {
                    buf = bytes;
                    next.map(|line| (line, buf.as_slice()))
                }
                None => match reader.next_record_ref(&mut buf) {
                    Some(next) => next,
                    None => break,
                },
            };
            let (line, bytes) = match next {
                Ok(record) => record,
                Err(SourceError { line, message, .. }) => {
                    self.diag.error(format!("{}:{line}: {message}", ctx.shown));
                    continue;
                }
            };
            // Checked with vector instructions; std's check says where the bad byte is.
            let text = match simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes)) {
                Ok(t) => t,
                Err(e) => {
                    let bad = bytes[e.valid_up_to()];
                    let (line_offset, col) = crate::bounded_read::locate(bytes, e.valid_up_to());
                    let err = RecordError {
                        message: format!(
                            "invalid UTF-8 (byte 0x{bad:02X}); input files must be UTF-8: re-save the file as UTF-8"
                        ),
                        line_offset,
                        column: Some(col),
                        once_per_file: false,
                    };
                    self.diag.error(ctx.at(line, &err));
                    continue;
                }
            };
            let parsed = match format {
                Format::Items | Format::Auto => {
                    items::parse_item(text, self.schema).map(|i| (Record::Item(i), None))
                }
                Format::Cross => match cross::parse_cross_record(text, self.schema, model.as_deref()) {
                    Ok(record) => {
                        for w in record.warnings {
                            self.diag.warning(|| format!("{}:{line}: {w}", ctx.shown));
                        }
                        Ok((Record::Item(record.item), Some(record.evaluated)))
                    }
                    Err(e) => Err(e),
                },
                Format::Pairs => pairs::parse_pair(text).map(|p| (Record::Pair(p), None)),
            };
            match parsed {
                Ok((Record::Item(item), cross)) => self.accept_item(&mut ctx, line, item, cross, sink)?,
                Ok((Record::Pair(pair), _)) => self.accept_pair(&mut ctx, line, pair, sink)?,
                Err(errors) => {
                    // A file read with the wrong --format: said once, not on every record.
                    let chosen = self.opts.format.unwrap_or(Format::Auto);
                    if let Some(msg) = mismatch::other_format(text, chosen) {
                        if !ctx.wrong_format_reported {
                            ctx.wrong_format_reported = true;
                            self.diag.error(ctx.at(line, &RecordError::new(msg)));
                        }
                        continue;
                    }
                    for e in errors {
                        if e.once_per_file {
                            if ctx.no_model_reported {
                                continue;
                            }
                            ctx.no_model_reported = true;
                        }
                        self.diag.error(ctx.at(line, &e));
                    }
                }
            }
        }
        if ctx.urls_kept > 0 {
            let (line, url) = ctx.first_url.clone().unwrap_or_default();
            let n = ctx.urls_kept;
            let what = if n == 1 { "image URL".to_string() } else { format!("{n} image URLs") };
            let message = match &self.opts.images_dir {
                Some(dir) => format!(
                    "{}: {what} not found in {} (looked for a file whose path ends like the URL's; first at line {line}: {url}); kept as URLs, never fetched, shown as placeholders",
                    ctx.shown,
                    dir.display()
                ),
                None => format!(
                    "{}: {what} kept as URLs (never fetched; shown as placeholders, first at line {line}: {url}); pass --images-dir DIR to use local copies (found by the end of the URL's path)",
                    ctx.shown
                ),
            };
            self.diag.warning(|| message);
        }
        Ok(())
    }
}

/// Reads and checks every file, calling `sink` with each good record until the first error.
/// On success the summary carries the warnings; on failure every error (up to [`MAX_SHOWN`](super::MAX_SHOWN),
/// all counted) with the warnings, or the sink's error.
pub fn read_inputs<E>(
    files: &[PathBuf],
    opts: &IngestOptions,
    schema: &Schema,
    sink: &mut dyn FnMut(Record) -> Result<(), E>,
) -> Result<IngestSummary, IngestError<E>> {
    read_inputs_located(files, opts, schema, &mut |record, _| sink(record))
}

/// Where a record was read: the index of its file among the files given, and its line.
pub type RecordAt = (u32, u32);

/// What receives each good record, with where it was read; its error stops the reading.
type Sink<'a, E> = dyn FnMut(Record, RecordAt) -> Result<(), E> + 'a;

/// As `read_inputs`, telling the sink where each record was read (for an error the sink finds
/// later, such as a conflict with the session).
pub fn read_inputs_located<E>(
    files: &[PathBuf],
    opts: &IngestOptions,
    schema: &Schema,
    sink: &mut Sink<'_, E>,
) -> Result<IngestSummary, IngestError<E>> {
    let mut run = Run {
        opts,
        schema,
        diag: Diagnostics::default(),
        images: ImageResolver::new(opts.images_dir.as_deref()),
        files: Vec::new(),
        seen_items: HashMap::new(),
        seen_pairs: HashMap::new(),
        gold: GoldItems::default(),
        summary: IngestSummary::default(),
    };
    if let Some(dir) = &opts.images_dir
        && !dir.is_dir()
    {
        run.diag.error(format!("{}: --images-dir is not a folder", dir.display()));
    }
    for path in files {
        run.read_file(path, sink)?;
    }
    if opts.gold {
        let files = &run.files;
        for error in run.gold.errors(run.schema, |file, line| format!("{}:{line}", files[file as usize])) {
            run.diag.error(error);
        }
        run.summary.gold_items = run.gold.len() as u64;
    }
    if run.diag.error_count > 0 {
        return Err(IngestError::Invalid(run.diag));
    }
    run.summary.diagnostics = run.diag;
    Ok(run.summary)
}
