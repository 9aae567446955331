//! Errors a command reports to the user, and the exit code each one means (docs: 1 = bad input
//! data or a failed check, 2 = bad command line).

use std::fmt;

#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    /// Each line is printed to stderr as is; they already say where and what to do.
    pub lines: Vec<String>,
}

impl CliError {
    /// Bad input data or a failed check (exit 1).
    pub fn data(msg: impl Into<String>) -> CliError {
        CliError { code: 1, lines: vec![msg.into()] }
    }
    pub fn data_lines(lines: Vec<String>) -> CliError {
        CliError { code: 1, lines }
    }
    /// A write to a session this process may only read.
    pub fn read_only_session(shown: &str) -> CliError {
        CliError::data(format!(
            "{shown} cannot be written: its file or its folder is read-only (a shared copy?); nothing was changed. Copy it to a folder you can write, or merge it into your own session with `crossreview merge MINE.db THEIRS.db`"
        ))
    }
    /// Whether an error comes from writing to a read-only session.
    pub fn is_read_only(e: &anyhow::Error) -> bool {
        e.chain().any(|c| {
            c.downcast_ref::<rusqlite::Error>()
                .is_some_and(|s| s.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly))
        })
    }
    /// A bad command line that clap could not catch (exit 2).
    pub fn usage(msg: impl Into<String>) -> CliError {
        CliError { code: 2, lines: vec![msg.into()] }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.lines.join("\n"))
    }
}

impl std::error::Error for CliError {}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> CliError {
        match e.downcast::<CliError>() {
            Ok(c) => c,
            Err(e) => CliError::data(format!("{e:#}")),
        }
    }
}

impl From<rusqlite::Error> for CliError {
    fn from(e: rusqlite::Error) -> CliError {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) {
            return CliError::read_only_session("the session");
        }
        let mut msg = format!("session database error: {e}");
        if let Some(limit) = crate::file_size_limit::hint(&e) {
            msg.push_str(&limit);
        }
        CliError::data(msg)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::data(format!("{e}"))
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

// Errors of ingest, agreement, schema and the TUI, as the commands report them.

impl From<crate::agreement::ratings_table::RatingsError> for CliError {
    fn from(e: crate::agreement::ratings_table::RatingsError) -> CliError {
        CliError::data_lines(e.lines)
    }
}

/// A bad `--keymap` file is a bad command line (exit 2), as the flag that names it.
impl From<crate::tui::keymap::KeymapError> for CliError {
    fn from(e: crate::tui::keymap::KeymapError) -> CliError {
        CliError::usage(e.to_string())
    }
}

/// A bad `--theme` file is a bad command line (exit 2).
impl From<crate::tui::theme::ThemeError> for CliError {
    fn from(e: crate::tui::theme::ThemeError) -> CliError {
        CliError::usage(e.to_string())
    }
}

/// A bad `--filter` is a bad command line (exit 2).
impl From<crate::tui::filter::FilterError> for CliError {
    fn from(e: crate::tui::filter::FilterError) -> CliError {
        CliError::usage(e.to_string())
    }
}
