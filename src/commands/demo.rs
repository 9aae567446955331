//! `crossreview demo`: the bundled demo, from any folder. The demo's files are embedded in the
//! binary; they are written under `sessions/demo/` (so the images are real files the session
//! can point at) and imported into `sessions/demo.db` the first time.

use crate::cli::{AnnotateArgs, ImageProtocol};
use crate::commands::import::{import_files, options};
use crate::error::{CliError, CliResult};
use crate::ingest::IngestError;
use crate::schema::Schema;
use crate::store::Store;
use std::path::{Path, PathBuf};

pub const DEMO_SESSION: &str = "sessions/demo.db";
pub const DEMO_ASSETS: &str = "sessions/demo";

/// Makes sure `sessions/demo.db` exists with the demo imported; returns its path.
pub fn prepare(base: &Path) -> CliResult<PathBuf> {
    let assets = base.join(DEMO_ASSETS);
    crate::demo::write_demo_files(&assets)
        .map_err(|e| CliError::data(format!("{}: cannot write the demo files: {e}", assets.display())))?;
    let session = base.join(DEMO_SESSION);
    if session.exists() {
        return Ok(session);
    }
    let mut store = Store::create(&session, &Schema::cross_eval(), false)?;
    let files = [assets.join(crate::demo::ITEMS_FILE), assets.join(crate::demo::PAIRS_FILE)];
    let input = crate::cli::InputArgs {
        format: crate::cli::InputFormat::Auto,
        model: None,
        images_dir: None,
        gold: false,
    };
    match import_files(&mut store, &files, options(&input), None, |_| {}) {
        Ok(_) => Ok(session),
        Err(e) => {
            drop(store);
            let _ = std::fs::remove_file(&session);
            let why = match e {
                IngestError::Invalid(d) => d.error_lines("the demo was not imported").join("\n"),
                IngestError::Aborted(e) => format!("{e:#}"),
            };
            Err(CliError::data(format!(
                "the bundled demo could not be imported (a bug; please report it):\n{why}"
            )))
        }
    }
}

pub fn run(annotator: &str, image_protocol: ImageProtocol) -> CliResult {
    let session = prepare(Path::new(""))?;
    let args = AnnotateArgs { image_protocol, ..AnnotateArgs::new(session.clone(), annotator) };
    open(args)
}

/// Opens the demo in the annotate UI; without a terminal (a script, a pipe) it prints where the
/// session is and its status instead.
fn open(args: AnnotateArgs) -> CliResult {
    use std::io::IsTerminal;
    if !(std::io::stdout().is_terminal() && std::io::stdin().is_terminal()) {
        crate::outln!(
            "demo session: {} (not a terminal, so the annotate UI was not opened)",
            args.session.display()
        );
        return crate::commands::status::run(&args.session, false);
    }
    let store = Store::open(&args.session)?;
    crate::commands::annotate::run_tui(store, &args)
}
