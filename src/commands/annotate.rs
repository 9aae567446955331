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
    // The hub is synced from a thread with its own connections: no keypress waits for it.
    let background = args.hub.as_ref().map(|url| {
        crate::hub::background::BackgroundSync::start(
            args.session.clone(),
            url.clone(),
            std::time::Duration::from_secs(args.hub_every),
        )
    });
    let result = crate::tui::app::run_with_hub(store, &args, background.as_ref());
    if let Some(b) = background {
        crate::errln!("{}", b.finish(std::time::Duration::from_secs(15)).describe());
    }
    result.map_err(CliError::from)
}

/// The TUI on an opened session (also used by `demo`).
pub fn run_tui(store: Store, args: &AnnotateArgs) -> CliResult {
    crate::tui::app::run(store, args).map_err(CliError::from)
}
