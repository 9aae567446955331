//! Errors a command reports to the user, and the exit code each one means (docs: 1 = bad input
//! data or a failed check, 2 = bad command line).

use crate::export::ExportError;
use crate::hub::HubError;
use crate::store::StoreError;
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
        StoreError::sqlite_in(e.as_ref())
            .is_some_and(|s| s.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly))
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

/// A session's error: a database failure as `From<rusqlite::Error>` says it, a bad argument
/// (an annotator name) exits 2, anything else is a data error with its causes.
impl From<StoreError> for CliError {
    fn from(e: StoreError) -> CliError {
        match e {
            StoreError::Sqlite(e) => CliError::from(e),
            e if e.is_usage() => CliError::usage(e.to_string()),
            e => CliError::data(crate::store::error::with_sources(&e)),
        }
    }
}

/// A hub's error: a bad URL exits 2, the session's side as `From<StoreError>` says it.
impl From<HubError> for CliError {
    fn from(e: HubError) -> CliError {
        match e {
            HubError::Store(e) => CliError::from(e),
            e if e.is_usage() => CliError::usage(e.to_string()),
            e => CliError::data(e.to_string()),
        }
    }
}

/// An export's error: reading the session as `From<rusqlite::Error>` says it, anything else is
/// a data error with its causes.
impl From<ExportError> for CliError {
    fn from(e: ExportError) -> CliError {
        match e {
            ExportError::Sqlite(e) => CliError::from(e),
            e => CliError::data(crate::store::error::with_sources(&e)),
        }
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

/// The TUI's own: a bad flag or flag file exits 2; the session's errors are reported as a
/// command's; anything else exits 1.
impl From<crate::tui::error::TuiError> for CliError {
    fn from(e: crate::tui::error::TuiError) -> CliError {
        match e {
            crate::tui::error::TuiError::Store(e) => CliError::from(e),
            e if e.is_usage() => CliError::usage(e.to_string()),
            e => CliError::data(e.to_string()),
        }
    }
}

/// A bad `--filter` is a bad command line (exit 2).
impl From<crate::tui::filter::FilterError> for CliError {
    fn from(e: crate::tui::filter::FilterError) -> CliError {
        CliError::usage(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TaskRef;
    use crate::schema::Schema;
    use crate::store::{NewEvent, Store};

    #[test]
    fn a_write_to_a_read_only_session_is_found_behind_the_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        drop(Store::create(&path, &Schema::cross_eval(), false).unwrap());
        let mut store = Store::open_read_only(&path).unwrap();
        let ev = NewEvent {
            annotator: "ann".into(),
            task: TaskRef::Response { item_id: "a".into(), model: "m".into() },
            field: "compliance".into(),
            value: Some(1),
            text: None,
            seconds: 0.0,
            judge_visible: true,
        };
        let err = store.record(&ev).unwrap_err();
        assert!(err.is_read_only(), "{err}");
        assert!(CliError::is_read_only(&anyhow::Error::from(err)));
        let err = store.ensure_annotator("ann").unwrap_err();
        let hub_side = CliError::from(HubError::Store(err));
        assert_eq!(hub_side.code, 1);
        assert!(hub_side.lines[0].contains("read-only"), "{hub_side}");
        let not_read_only = StoreError::UnknownDimension("x".into());
        assert!(!CliError::is_read_only(&anyhow::Error::from(not_read_only)));
    }

    #[test]
    fn a_bad_argument_exits_2_and_bad_data_1_with_the_message_as_it_was() {
        let name = CliError::from(StoreError::AnnotatorName { name: "a|b".into() });
        assert_eq!(name.code, 2);
        assert_eq!(name.lines, ["--annotator \"a|b\": give a short name without control characters or '|'"]);
        let url = CliError::from(HubError::NotPostgresUrl { url: "x".into(), reason: "bad".into() });
        assert_eq!(url.code, 2);
        let missing = CliError::from(StoreError::Missing { path: "s.db".into() });
        assert_eq!(
            (missing.code, missing.lines),
            (1, vec!["s.db: no such session; create it with `crossreview init s.db`".to_string()])
        );
        // A step of a write keeps its cause, as the chain of causes was shown before.
        let step = StoreError::Step {
            doing: "committing the import",
            error: rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(13), Some("disk full".into())),
        };
        assert!(CliError::from(step).lines[0].starts_with("committing the import: disk full"));
    }
}
