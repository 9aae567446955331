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
mod detect;
mod diagnostics;
mod gold;
pub mod images;
pub mod items;
pub mod language;
mod mismatch;
pub mod normalize;
pub mod pairs;
mod read_inputs;
pub mod source;
pub mod unique_keys;

pub use diagnostics::{
    Diagnostics, MAX_SHOWN, RecordError, ScoreError, check_judge_value, check_rationale_dimension, json_kind,
    suggest,
};
pub use gold::gold_answers;
pub use read_inputs::{RecordAt, read_inputs, read_inputs_located};

use crate::model::{Item, Pair};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

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

#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    pub format: Option<Format>,
    /// The model of CROSS judge-output files (else from `results_<model>_r<round>.json`).
    pub model: Option<String>,
    /// Where image URLs are looked up (by the longest matching end of the URL's path).
    pub images_dir: Option<PathBuf>,
    /// `--gold`: every item read becomes a gold item. Its known answers are its `meta.gold`
    /// when it has one, else its responses' judge scores, written into `meta.gold` (the shape
    /// [`gold_answers`] reads); an item with neither is an error.
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

/// Why reading stopped. `E` is the sink's own error (the importer's database error; nothing for
/// a sink that cannot fail).
#[derive(Debug, thiserror::Error)]
pub enum IngestError<E = std::convert::Infallible> {
    /// The input has errors, each `FILE:LINE[:COLUMN]: message` (with the warnings); nothing
    /// should be kept.
    #[error("{}", .0.errors_text())]
    Invalid(Diagnostics),
    /// The sink failed (for example the database): reading stopped there.
    #[error("{0}")]
    Aborted(E),
}

#[cfg(test)]
mod tests;
