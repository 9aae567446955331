//! Reading and checking input files: canonical items (JSONL), CROSS release files (JSON arrays)
//! and TRL preference pairs (JSONL). See docs/input-formats.md.
//!
//! [`read_inputs`] streams every file record by record (memory does not grow with the file),
//! checks everything, and hands each good record to a sink. Every error is collected (the first
//! [`MAX_SHOWN`] kept, all counted) as `FILE:LINE[:COLUMN]: message`; once one is found the sink
//! is not called any more, so an importer that writes inside a transaction only has to roll
//! back when [`read_inputs`] fails. Missing images are warnings, never errors.
//!
//! Parsing is pure apart from reading the input files and listing image folders.

pub mod cross;
pub mod cross_runs;
pub mod images;
pub mod items;
pub mod language;
mod mismatch;
pub mod normalize;
pub mod pairs;
pub mod ratings;
pub mod source;
pub mod unique_keys;

use crate::model::{Item, Pair};
use crate::schema::Schema;
use cross_runs::{CrossRun, Merge};
use images::{ImageResolver, Resolved};
use serde_json::Value;
use source::{Container, RecordReader, SourceError};
use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// At most this many errors (and warnings) are kept for display; all are counted.
pub const MAX_SHOWN: usize = 50;

/// How to read a file's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Decide per file from the first record's keys.
    Auto,
    /// Canonical items (`--format jsonl`).
    Items,
    /// CROSS release records.
    Cross,
    /// TRL preference pairs.
    Pairs,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Items => "jsonl",
            Format::Cross => "cross",
            Format::Pairs => "pairs",
        }
    }
}

impl From<crate::cli::InputFormat> for Format {
    fn from(f: crate::cli::InputFormat) -> Format {
        match f {
            crate::cli::InputFormat::Auto => Format::Auto,
            crate::cli::InputFormat::Jsonl => Format::Items,
            crate::cli::InputFormat::Cross => Format::Cross,
            crate::cli::InputFormat::Pairs => Format::Pairs,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    pub format: Option<Format>,
    /// The model of CROSS judge-output files (else from `results_<model>_r<round>.json`).
    pub model: Option<String>,
    /// Where image URLs are looked up (by the longest matching end of the URL's path).
    pub images_dir: Option<PathBuf>,
    /// `--gold`: every item read becomes a gold item. Its known answers are its `meta.gold`
    /// when it has one, else its responses' judge scores, written into `meta.gold` (the shape
    /// `assign::gold_answers` reads); an item with neither is an error.
    pub gold: bool,
    /// Bytes read so far, over all files (for a progress bar).
    pub progress: Option<Arc<AtomicU64>>,
}

/// One good record, ready for the store.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// An item with its responses. A CROSS judge-output record carries one response; the same
    /// item may come again with another model's response, and the store merges them by
    /// (item id, model).
    Item(Item),
    Pair(Pair),
}

/// Errors and warnings, each already formatted with its location.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics {
    pub errors: Vec<String>,
    pub error_count: usize,
    pub warnings: Vec<String>,
    pub warning_count: usize,
}

impl Diagnostics {
    fn error(&mut self, msg: String) {
        self.error_count += 1;
        if self.errors.len() < MAX_SHOWN {
            self.errors.push(msg);
        }
    }

    /// Counts a warning; `msg` is only formatted while it would still be shown (a file whose
    /// 100,000 images are all missing must not format 100,000 messages).
    fn warning(&mut self, msg: impl FnOnce() -> String) {
        self.warning_count += 1;
        if self.warnings.len() < MAX_SHOWN {
            self.warnings.push(msg());
        }
    }

    /// The warnings to print, each prefixed `warning: `, then how many were left out.
    pub fn warning_lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self.warnings.iter().map(|w| format!("warning: {w}")).collect();
        if self.warning_count > self.warnings.len() {
            out.push(format!("warning: … and {} more warnings", self.warning_count - self.warnings.len()));
        }
        out
    }

    /// The errors to print, then how many were left out, then `N errors; <outcome>`.
    pub fn error_lines(&self, outcome: &str) -> Vec<String> {
        let mut out = self.errors.clone();
        if self.error_count > self.errors.len() {
            out.push(format!("… and {} more errors", self.error_count - self.errors.len()));
        }
        let noun = if self.error_count == 1 { "error" } else { "errors" };
        out.push(format!("{} {noun}; {outcome}", self.error_count));
        out
    }
}

/// What was read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IngestSummary {
    /// Distinct item ids.
    pub items: u64,
    pub responses: u64,
    pub pairs: u64,
    /// Items made gold items (`--gold`).
    pub gold_items: u64,
    /// Each file with the format it was read as.
    pub files: Vec<(PathBuf, Format)>,
    /// Warnings (errors are empty on success).
    pub diagnostics: Diagnostics,
}

#[derive(Debug)]
pub enum IngestError {
    /// The input has errors; nothing should be kept.
    Invalid(Diagnostics),
    /// The sink failed (for example the database): reading stopped there.
    Aborted(anyhow::Error),
}

/// One problem in one record, located relative to the record's first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub message: String,
    /// Lines after the record's first line (multi-line records in a JSON array).
    pub line_offset: usize,
    pub column: Option<usize>,
    /// Reported once per file (a missing model name would otherwise repeat on every record).
    pub once_per_file: bool,
}

impl RecordError {
    pub fn new(message: impl Into<String>) -> RecordError {
        RecordError { message: message.into(), line_offset: 0, column: None, once_per_file: false }
    }

    pub fn once_per_file(message: impl Into<String>) -> RecordError {
        RecordError { once_per_file: true, ..RecordError::new(message) }
    }

    /// serde_json's error, with its position turned into our location fields.
    pub fn from_serde(e: &serde_json::Error) -> RecordError {
        let full = e.to_string();
        let bare = match full.rfind(" at line ") {
            Some(i) => &full[..i],
            None => full.as_str(),
        };
        let message = match e.classify() {
            serde_json::error::Category::Eof => {
                "invalid JSON: the record ends before it is complete (a missing '}', ']' or '\"'?)"
                    .to_string()
            }
            serde_json::error::Category::Syntax => format!("invalid JSON: {bare}"),
            _ => bare.to_string(),
        };
        RecordError {
            message,
            line_offset: e.line().saturating_sub(1),
            column: (e.column() > 0).then_some(e.column()),
            once_per_file: false,
        }
    }
}

/// "a string (\"yes\")", "a number (7)", "an array": what an error message says was found.
pub fn json_kind(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            let ellipsis = if short.len() < s.len() { "…" } else { "" };
            format!("a string ({short:?}{ellipsis})")
        }
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The known key closest to a misspelt one, when it is close enough to be a typo.
pub fn suggest(key: &str, known: &[&str]) -> Option<String> {
    let lower = key.to_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&lower, k), *k))
        .filter(|(d, k)| *d <= if k.len() <= 4 { 1 } else { 2 })
        .min()
        .map(|(_, k)| k.to_string())
}

/// A judge score must be a valid value of one of the session's dimensions.
pub fn check_judge_value(schema: &Schema, dimension: &str, value: i64) -> Result<(), String> {
    let Some(d) = schema.dimension(dimension) else {
        return Err(unknown_dimension(schema, dimension));
    };
    if d.is_valid(value) {
        Ok(())
    } else {
        Err(format!("{value} is not a valid value of {dimension} (valid: {})", d.describe_values()))
    }
}

/// A rationale must belong to one of the session's dimensions.
pub fn check_rationale_dimension(schema: &Schema, dimension: &str) -> Result<(), String> {
    match schema.dimension(dimension) {
        Some(_) => Ok(()),
        None => Err(unknown_dimension(schema, dimension)),
    }
}

fn unknown_dimension(schema: &Schema, dimension: &str) -> String {
    format!(
        "unknown dimension {dimension:?}; the session's dimensions are {}",
        schema.dimension_names().join(", ")
    )
}

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

/// Records read ahead to detect the format, given again by the main pass: a pipe
/// (`import <(cat f)`, `validate /dev/stdin`) can be read only once.
type ReadAhead = std::collections::VecDeque<(Result<usize, SourceError>, Vec<u8>)>;

/// Opens a file as records. `Err` is a finished error line. A regular file or a pipe is read
/// as a stream (memory stays at one record, whatever its size); a device or a FIFO-less special
/// file is refused without blocking.
fn open_records(path: &Path, shown: &str, counter: Option<Arc<AtomicU64>>) -> Result<Reader, String> {
    use crate::bounded_read::{Pipes, open};
    let file = open(path, u64::MAX, Pipes::Accept).map_err(|e| match e.0.as_str() {
        "is a folder, not a file" => format!("{shown}: is a folder; give the files inside it"),
        _ => format!("{shown}: cannot open the file: {e}"),
    })?;
    let file = file.file;
    let reader = BufReader::with_capacity(READ_BUFFER, CountingReader { inner: file, counter });
    match RecordReader::new(reader) {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(format!("{shown}:1: the file is empty: there are no records in it")),
        Err(e) => Err(format!("{shown}:{}: {}", e.line, e.message)),
    }
}

/// Which format a record's keys say it is in.
fn classify(obj: &serde_json::Map<String, Value>) -> Option<Format> {
    let has = |k: &str| obj.contains_key(k);
    let pair = has("chosen") && has("rejected");
    let cross = cross::CROSS_KEYS.iter().any(|k| has(k));
    // An item missing its id or its query is still an item (and gets that error).
    let item = has("id") || has("query");
    match (pair, cross, item) {
        // Pairs may have an id, never a query; CROSS records have a query, never an id.
        (true, false, _) if !has("query") => Some(Format::Pairs),
        (false, true, _) if !has("id") => Some(Format::Cross),
        (false, false, true) => Some(Format::Items),
        _ => None,
    }
}

/// `--format auto`: looks at the first records that parse as JSON objects.
/// The records looked at are kept in `ahead`, for the main pass.
fn detect(reader: &mut Reader, shown: &str, ahead: &mut ReadAhead) -> Result<Format, String> {
    const LOOK_AT: usize = 20;
    let mut first_problem = None;
    for _ in 0..LOOK_AT {
        let mut buf = Vec::new();
        let Some(next) = reader.next_record(&mut buf) else { break };
        ahead.push_back((next, buf));
        let (next, buf) = ahead.back().expect("just pushed");
        let line = match next {
            Ok(line) => *line,
            Err(e) => {
                first_problem.get_or_insert(format!("line {}: {}", e.line, e.message));
                continue;
            }
        };
        // Bad UTF-8 is reported by the main pass; the keys are still readable.
        let text = String::from_utf8_lossy(buf);
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(obj)) => {
                return classify(&obj).ok_or_else(|| {
                    let keys: Vec<&str> = obj.keys().map(String::as_str).take(12).collect();
                    format!(
                        "{shown}:{line}: cannot tell the format from this record's keys ({}): canonical items have \"id\" and \"query\", CROSS records \"index\", \"violated_norm\", \"file_name\"…, preference pairs \"prompt\", \"chosen\" and \"rejected\"; pass --format jsonl|cross|pairs",
                        keys.join(", ")
                    )
                });
            }
            Ok(other) => {
                first_problem
                    .get_or_insert(format!("line {line}: a record is {}, not an object", json_kind(&other)));
            }
            Err(e) => {
                first_problem.get_or_insert(format!(
                    "line {}: {}",
                    line + e.line() - 1,
                    RecordError::from_serde(&e).message
                ));
            }
        }
    }
    Err(format!(
        "{shown}:1: cannot tell the format: none of the first records is a JSON object ({}); fix the file or pass --format jsonl|cross|pairs",
        first_problem.unwrap_or_else(|| "no records".to_string())
    ))
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

struct Run<'a> {
    opts: &'a IngestOptions,
    schema: &'a Schema,
    diag: Diagnostics,
    images: ImageResolver,
    files: Vec<String>,
    seen_items: HashMap<String, Seen>,
    seen_pairs: HashMap<String, (u32, u32)>,
    /// `--gold`: the items read, in first-seen order, with their answers so far.
    gold: Vec<GoldItem>,
    gold_index: HashMap<String, usize>,
    summary: IngestSummary,
}

/// An item imported with `--gold`, and the known answers found for it so far. A CROSS item
/// comes as one record per model, so the answers build up over its records; each record's
/// `meta.gold` carries all of them so far, so the last one written holds every model's.
struct GoldItem {
    id: String,
    file: u32,
    line: u32,
    /// Whether the item has its own `meta.gold` (which then wins over the judge's scores), and
    /// how many valid answers it holds.
    has_meta: bool,
    from_meta: usize,
    /// model -> the judge's scores, from the responses that have any.
    from_judge: serde_json::Map<String, Value>,
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
    fn location(&self, file: u32, line: u32) -> String {
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

    fn deliver(
        &mut self,
        record: Record,
        sink: &mut dyn FnMut(Record) -> anyhow::Result<()>,
    ) -> Result<(), IngestError> {
        if self.diag.error_count == 0 {
            sink(record).map_err(IngestError::Aborted)?;
        }
        Ok(())
    }

    /// `cross`: `None` for a canonical item, else whether the CROSS record carries the judge's
    /// evaluation.
    fn accept_item(
        &mut self,
        ctx: &mut FileCtx,
        line: usize,
        mut item: Item,
        cross: Option<bool>,
        sink: &mut dyn FnMut(Record) -> anyhow::Result<()>,
    ) -> Result<(), IngestError> {
        let here = (ctx.index, line as u32);
        let run = cross.map(|evaluated| {
            let response = item.responses.first();
            let text = response.map(|r| r.text.as_str()).unwrap_or("");
            let round = response.and(ctx.round);
            CrossRun::new(response.map(|r| r.model.clone()), round, here, text, evaluated)
        });
        let model = item.responses.first().map(|r| r.model.clone());
        let decision = match (self.seen_items.get_mut(&item.id), run) {
            (None, run) => {
                self.seen_items.insert(
                    item.id.clone(),
                    Seen { file: here.0, line: here.1, cross_runs: run.map(|r| vec![r]) },
                );
                self.summary.items += 1;
                Merge::New
            }
            (Some(Seen { cross_runs: Some(runs), .. }), Some(run)) => cross_runs::merge(runs, run),
            (Some(seen), _) => {
                let (file, first_line) = (seen.file, seen.line);
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
        if let Some(Seen { cross_runs: Some(runs), .. }) = self.seen_items.get(&item.id)
            && let Some(rounds) = cross_runs::rounds(runs)
        {
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
            self.make_gold(ctx.index, line, &mut item);
        }
        self.deliver(Record::Item(item), sink)
    }

    /// `--gold`: notes the item's known answers and, when they come from the judge, writes
    /// them into its `meta.gold`.
    fn make_gold(&mut self, file: u32, line: usize, item: &mut Item) {
        let k = match self.gold_index.get(&item.id) {
            Some(&k) => k,
            None => {
                self.gold.push(GoldItem {
                    id: item.id.clone(),
                    file,
                    line: line as u32,
                    has_meta: false,
                    from_meta: 0,
                    from_judge: serde_json::Map::new(),
                });
                self.gold_index.insert(item.id.clone(), self.gold.len() - 1);
                self.gold.len() - 1
            }
        };
        let g = &mut self.gold[k];
        if item.meta.contains_key("gold") {
            g.has_meta = true;
            g.from_meta =
                g.from_meta.max(crate::assign::gold_answers(&item.id, &item.meta, self.schema).len());
            return;
        }
        for r in item.responses.iter().filter(|r| !r.judge.is_empty()) {
            let scores = r.judge.iter().map(|(d, v)| (d.clone(), Value::from(*v))).collect();
            g.from_judge.insert(r.model.clone(), Value::Object(scores));
        }
        if !g.from_judge.is_empty() {
            item.meta.insert("gold".to_string(), Value::Object(g.from_judge.clone()));
        }
    }

    /// `--gold`: every item needs known answers; reported at the end because a CROSS item's
    /// responses may come from several files.
    fn check_gold(&mut self) {
        for k in 0..self.gold.len() {
            let g = &self.gold[k];
            let shape = "{\"MODEL\": {\"DIMENSION\": value}}";
            let msg = if g.has_meta {
                if g.from_meta > 0 {
                    continue;
                }
                format!(
                    "{}: --gold: item {:?} has a meta.gold with no answer on the session's dimensions; write it as {shape} with valid values ({}), or import this item without --gold",
                    self.location(g.file, g.line),
                    g.id,
                    self.schema.dimension_names().join(", ")
                )
            } else {
                if !g.from_judge.is_empty() {
                    continue;
                }
                format!(
                    "{}: --gold: item {:?} has no known answers: no meta.gold and no response with judge scores; add \"judge\" scores to its responses or \"meta\": {{\"gold\": {shape}}}, or import this item without --gold",
                    self.location(g.file, g.line),
                    g.id
                )
            };
            self.diag.error(msg);
        }
        self.summary.gold_items = self.gold.len() as u64;
    }

    fn accept_pair(
        &mut self,
        ctx: &mut FileCtx,
        line: usize,
        mut pair: Pair,
        sink: &mut dyn FnMut(Record) -> anyhow::Result<()>,
    ) -> Result<(), IngestError> {
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
        self.deliver(Record::Pair(pair), sink)
    }

    fn read_file(
        &mut self,
        path: &Path,
        sink: &mut dyn FnMut(Record) -> anyhow::Result<()>,
    ) -> Result<(), IngestError> {
        let shown = path.display().to_string();
        let index = self.files.len() as u32;
        self.files.push(shown.clone());
        let mut reader = match open_records(path, &shown, self.opts.progress.clone()) {
            Ok(r) => r,
            Err(msg) => {
                self.diag.error(msg);
                return Ok(());
            }
        };
        let mut ahead = ReadAhead::new();
        let format = match self.opts.format.unwrap_or(Format::Auto) {
            Format::Auto => match detect(&mut reader, &shown, &mut ahead) {
                Ok(f) => f,
                Err(msg) => {
                    self.diag.error(msg);
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
        let mut next_record = |buf: &mut Vec<u8>| match ahead.pop_front() {
            Some((next, bytes)) => {
                *buf = bytes;
                Some(next)
            }
            None => reader.next_record(buf),
        };
        while let Some(next) = next_record(&mut buf) {
            let line = match next {
                Ok(line) => line,
                Err(SourceError { line, message, .. }) => {
                    self.diag.error(format!("{}:{line}: {message}", ctx.shown));
                    continue;
                }
            };
            let text = match std::str::from_utf8(&buf) {
                Ok(t) => t,
                Err(e) => {
                    let bad = buf[e.valid_up_to()];
                    let (line_offset, col) = source::locate(&buf, e.valid_up_to());
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
/// On success the summary carries the warnings; on failure every error (up to [`MAX_SHOWN`],
/// all counted) with the warnings.
pub fn read_inputs(
    files: &[PathBuf],
    opts: &IngestOptions,
    schema: &Schema,
    sink: &mut dyn FnMut(Record) -> anyhow::Result<()>,
) -> Result<IngestSummary, IngestError> {
    let mut run = Run {
        opts,
        schema,
        diag: Diagnostics::default(),
        images: ImageResolver::new(opts.images_dir.as_deref()),
        files: Vec::new(),
        seen_items: HashMap::new(),
        seen_pairs: HashMap::new(),
        gold: Vec::new(),
        gold_index: HashMap::new(),
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
        run.check_gold();
    }
    if run.diag.error_count > 0 {
        return Err(IngestError::Invalid(run.diag));
    }
    run.summary.diagnostics = run.diag;
    Ok(run.summary)
}

#[cfg(test)]
mod tests;
