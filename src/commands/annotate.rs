//! `crossreview annotate SESSION --annotator NAME …`: the labelling TUI.

use crate::cli::AnnotateArgs;
use crate::error::{CliError, CliResult};
use crate::store::Store;

pub fn run(args: AnnotateArgs) -> CliResult {
    if args.annotator.trim().is_empty() {
        return Err(CliError::usage("--annotator: give a non-empty name"));
    }
    if !args.session.exists() {
        return Err(CliError::data(format!(
            "{}: no such session; create it with `crossreview init {}` and import items",
            args.session.display(),
            args.session.display()
        )));
    }
    let store = Store::open(&args.session)?;
    // Say so now, not with a "NOT SAVED" on every key.
    if store.conn().is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
        return Err(CliError::read_only_session(&args.session.display().to_string()));
    }
    run_tui(store, &args)
}

/// The TUI on an opened session (also used by `demo`).
pub fn run_tui(store: Store, args: &AnnotateArgs) -> CliResult {
    crate::tui::app::run(store, args)
}
