//! One module per command. Each takes its parsed arguments and returns a `CliResult`; printing
//! and exit codes are decided here and in `main.rs`, nowhere else.

pub mod agreement;
mod agreement_judges;
pub mod annotate;
pub mod demo;
pub mod export;
pub mod hub;
pub mod import;
pub mod init;
pub mod merge;
pub mod plan;
pub mod report;
mod report_judges;
pub mod show;
pub mod status;
pub mod sync;
mod text_table;
pub mod validate;

use crate::cli::{Cli, Command, HubCommand};
use crate::error::CliResult;

pub fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Demo { annotator, image_protocol } => demo::run(&annotator, image_protocol),
        Command::Show { session, id, image_protocol } => show::run(&session, &id, image_protocol),
        Command::Status { session, json } => status::run(&session, json),
        Command::Export(a) => export::run(a),
        Command::Merge { target, sources } => merge::run(&target, &sources),
        Command::Hub(HubCommand::Init { url, session }) => hub::init(&url, &session),
        Command::Sync { session, url } => sync::run(&session, &url),
        Command::Agreement(args) => agreement::run(args),
        Command::Plan(args) => plan::run(&args),
        Command::Report { session, by, json, judges: true, margin, confidence } => {
            report_judges::run(&session, by, json, margin, confidence)
        }
        Command::Report { session, by, json, .. } => report::run(&session, by, json),
        Command::Init { session, schema, force, overlap, gold_rate } => {
            init::run(&session, schema.as_deref(), force, overlap, gold_rate)
        }
        Command::Import { session, files, input, judge } => {
            import::run(&session, &files, &input, judge.as_deref())
        }
        Command::Validate { files, input, schema } => validate::run(&files, &input, schema.as_deref()),
        Command::Annotate(a) => annotate::run(a),
    }
}

/// Says on stderr which rows of the session readers skip (rows no crossreview writes), so that a
/// damaged session is noticed while everything else in it is still reported.
pub(crate) fn warn_unreadable_rows(store: &crate::store::Store) {
    match store.unreadable_rows() {
        Ok(lines) => lines.iter().for_each(|l| crate::errln!("warning: {l}")),
        Err(e) => crate::errln!(
            "warning: {}: could not check the session for unreadable rows: {e}",
            store.path().display()
        ),
    }
}
