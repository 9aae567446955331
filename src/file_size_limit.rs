//! `ulimit -f`: a process that writes past its file size limit is killed by SIGXFSZ, silently
//! (the shell prints at most "File size limit exceeded"). `main` ignores the signal instead, so
//! the write fails with EFBIG and the command can say what happened; export and import are
//! atomic, so nothing half-written is left.

use crate::export::ExportError;
use crate::store::StoreError;
use std::io;

/// Makes writes past the file size limit fail with EFBIG instead of killing the process.
pub fn ignore_signal() {
    // SAFETY: called from main before any thread exists; SIG_IGN needs no handler.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// The file size limit in bytes, when there is one.
pub fn limit() -> Option<u64> {
    let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut rl) } != 0 || rl.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    Some(rl.rlim_cur)
}

fn message(what: &str, limit: u64) -> String {
    format!(
        "the file size limit was reached while writing {what} (ulimit -f allows {limit} bytes); raise it (`ulimit -f unlimited`) and run again"
    )
}

/// Whether an I/O error is the file size limit.
fn is_efbig(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::EFBIG) || e.kind() == io::ErrorKind::FileTooLarge
}

/// The explanation of an error (anywhere in its chain) that the file size limit caused, when
/// one did: EFBIG from a write, or an SQLite write error while a limit is set.
pub fn explain(e: &(dyn std::error::Error + 'static), what: &str) -> Option<String> {
    for cause in std::iter::successors(Some(e), |c| c.source()) {
        if let Some(io) = io_error_of(cause)
            && is_efbig(io)
        {
            return Some(message(what, limit().unwrap_or(0)));
        }
        if let Some(sql) = StoreError::sqlite_in(cause)
            && let Some(h) = hint(sql)
        {
            return Some(format!("{what}: {}", h.trim_start_matches("; ")));
        }
    }
    None
}

/// The I/O error `e` is, also behind a typed error that wraps one transparently.
fn io_error_of<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    e.downcast_ref::<io::Error>().or_else(|| e.downcast_ref::<ExportError>().and_then(ExportError::io))
}

/// [`explain`] for an I/O error.
pub fn explain_io(e: &io::Error, what: &str) -> Option<String> {
    is_efbig(e).then(|| message(what, limit().unwrap_or(0)))
}

/// A note for an SQLite error that a file size limit explains (SQLite reports EFBIG as a
/// generic write error).
pub fn hint(e: &rusqlite::Error) -> Option<String> {
    use rusqlite::ErrorCode::{DiskFull, SystemIoFailure};
    let code = e.sqlite_error_code()?;
    let limit = limit()?;
    matches!(code, DiskFull | SystemIoFailure).then(|| {
        format!(
            "; the file size limit was probably reached while writing the session (ulimit -f allows {limit} bytes); raise it (`ulimit -f unlimited`) and run again"
        )
    })
}
