//! What can go wrong with a session. Each message says which file and what to do; `commands`
//! turn a `StoreError` into what the user sees and the exit code (docs/ARCHITECTURE.md, Errors).

use super::ResponseTextDiffers;
use crate::model::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The session database failed (also a write to a session opened read-only: see
    /// [`StoreError::is_read_only`]).
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// A step of a write failed; the SQLite error is its source.
    #[error("{doing}")]
    Step {
        doing: &'static str,
        #[source]
        error: rusqlite::Error,
    },
    /// A stored value is not of the type read.
    #[error(transparent)]
    Column(#[from] rusqlite::types::FromSqlError),
    /// A value could not be written out or read back as JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),

    // Creating and opening a session.
    #[error("{}: a file already exists here; pass --force to replace it, or choose another name", .path.display())]
    Exists { path: PathBuf },
    #[error("{}: is a folder, not a session file", .path.display())]
    IsFolder { path: PathBuf },
    #[error("{p}: no such session; create it with `crossreview init {p}`", p = .path.display())]
    Missing { path: PathBuf },
    #[error("{}: is not a file, so not a session", .path.display())]
    NotAFile { path: PathBuf },
    #[error("{}: not a crossreview session (the file is not an SQLite database made by crossreview init)", .path.display())]
    NotASession { path: PathBuf },
    #[error("{}: this session was written by a newer crossreview (session format {version}, this program knows up to {known}); upgrade crossreview", .path.display())]
    Newer { path: PathBuf, version: i64, known: i64 },
    #[error("{}: this session was made by an older crossreview and must be upgraded, which needs write access to the file and its folder; copy it to a folder you can write", .path.display())]
    NeedsUpgrade { path: PathBuf },
    /// A file operation on `path` failed; `doing` is empty or ends with ": ".
    #[error("{}: {doing}{error}", .path.display())]
    File { path: PathBuf, doing: &'static str, error: std::io::Error },
    /// Creating, opening or upgrading the session failed (`doing` says which) for `detail`.
    #[error("{}: {doing}: {detail}", .path.display())]
    Session { path: PathBuf, doing: &'static str, detail: String },

    // What a caller asked for.
    #[error("--annotator {name:?}: give a short name without control characters or '|'")]
    AnnotatorName { name: String },
    #[error("a verdict belongs to a pair, not a response")]
    VerdictOnResponse,
    #[error("unknown verdict code {0}")]
    UnknownVerdict(Value),
    #[error("unknown dimension {0:?}")]
    UnknownDimension(String),
    #[error("{value} is not a value of {dimension} (valid: {valid})")]
    NotAValue { value: Value, dimension: String, valid: String },
    /// The event an undo or redo goes back to is not in the log (`action`: "undo" or "redo").
    #[error("{action} target missing from the log")]
    MissingTarget { action: &'static str },
    #[error("internal error: the JSON columns were written out for another item than {item_id}")]
    MismatchedItemJson { item_id: String },
    #[error(transparent)]
    ResponseTextDiffers(#[from] ResponseTextDiffers),
    /// The caller of `Store::import` found the input bad and stopped: nothing is written.
    #[error("the input was rejected")]
    InputRejected,

    // Merging sessions and hub rows: `problem` names the table and row.
    #[error("{}: {problem}; nothing was merged, the target is unchanged", .path.display())]
    MergeSource { path: PathBuf, problem: String },
    #[error("{hub}: {problem}; nothing was pulled, the session is unchanged")]
    HubRows { hub: String, problem: String },
    /// A pulled row that failed after some of the pull's label events were committed (a pull
    /// goes in in short transactions): those stay, the next sync merges the rest.
    #[error("{hub}: {problem}; the label events before it were merged; the next sync tries the rest again")]
    HubRowsPartlyMerged { hub: String, problem: String },
    #[error(
        "{session}: {table} row {at}: {problem}; nothing was pushed (a session edited by another program? fix or delete that row)"
    )]
    UnpushableRow { session: String, table: &'static str, at: String, problem: String },
}

impl StoreError {
    /// The SQLite error this is, or that a step of a write failed with.
    pub fn sqlite(&self) -> Option<&rusqlite::Error> {
        match self {
            StoreError::Sqlite(e) | StoreError::Step { error: e, .. } => Some(e),
            _ => None,
        }
    }

    /// Whether this is a write to a session this process may only read.
    pub fn is_read_only(&self) -> bool {
        self.sqlite().is_some_and(|e| e.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly))
    }

    /// Whether the caller gave a bad argument (rather than the data being bad).
    pub fn is_usage(&self) -> bool {
        matches!(self, StoreError::AnnotatorName { .. })
    }

    /// The SQLite error behind `e`, looking through every error in its chain, also those that
    /// hold one without exposing it as their source (`StoreError::Sqlite` is transparent).
    pub fn sqlite_in<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rusqlite::Error> {
        std::iter::successors(Some(e), |c| c.source()).find_map(|c| {
            c.downcast_ref::<rusqlite::Error>()
                .or_else(|| c.downcast_ref::<StoreError>().and_then(|s| s.sqlite()))
        })
    }

    pub(crate) fn file(path: &Path, doing: &'static str, error: std::io::Error) -> StoreError {
        StoreError::File { path: path.to_path_buf(), doing, error }
    }

    pub(crate) fn session(path: &Path, doing: &'static str, detail: impl std::fmt::Display) -> StoreError {
        StoreError::Session { path: path.to_path_buf(), doing, detail: detail.to_string() }
    }
}

/// `e` and its sources, joined by ": " (as the chain of an error is printed everywhere).
pub fn with_sources(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(c) = next {
        out.push_str(": ");
        out.push_str(&c.to_string());
        next = c.source();
    }
    out
}
