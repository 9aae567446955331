//! Why the annotation TUI could not start or stopped: a bad command line (its flags and the
//! files they name), a session that cannot be read or written, or a terminal that failed.
//! `commands/annotate.rs` reports it (docs/ARCHITECTURE.md, Errors).

use super::filter::FilterError;
use super::keymap::KeymapError;
use super::theme::ThemeError;
use crate::bounded_read::ReadError;
use crate::session_stats::labelling_plan::BadPrecision;
use crate::store::StoreError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("{}: cannot read the {what}: {error}", path.display())]
    ConfigFile { path: PathBuf, what: &'static str, error: ReadError },
    #[error(transparent)]
    Keymap(#[from] KeymapError),
    #[error(transparent)]
    Theme(#[from] ThemeError),
    #[error(transparent)]
    Filter(#[from] FilterError),
    #[error("--plan serves responses to label; leave out --mode")]
    PlanWithMode,
    #[error(transparent)]
    Precision(#[from] BadPrecision),
    #[error("--sample needs --seed S (for a reproducible sample)")]
    SampleWithoutSeed,
    #[error("--filter judge.{judge}.…: the session has no judge named {judge:?} (judges: {judges})")]
    UnknownJudge { judge: String, judges: String },
    #[error("{}: cannot compute the queue: {error}", session.display())]
    Queue { session: PathBuf, error: StoreError },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot install the signal handler: {0}")]
    Signals(std::io::Error),
    #[error(
        "cannot start the terminal UI: standard input and output must be a terminal (not a pipe or a file); nothing was recorded"
    )]
    NotATerminal,
    #[error("cannot start the terminal UI: {0}")]
    Start(std::io::Error),
    #[error("terminal error: {0}")]
    Terminal(std::io::Error),
}

impl From<rusqlite::Error> for TuiError {
    fn from(e: rusqlite::Error) -> TuiError {
        TuiError::Store(StoreError::from(e))
    }
}

impl TuiError {
    /// Whether the command line was at fault (exit 2): a flag, or a file a flag names.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            TuiError::ConfigFile { .. }
                | TuiError::Keymap(_)
                | TuiError::Theme(_)
                | TuiError::Filter(_)
                | TuiError::PlanWithMode
                | TuiError::Precision(_)
                | TuiError::SampleWithoutSeed
                | TuiError::UnknownJudge { .. }
        )
    }
}
