//! One module per command. Each takes its parsed arguments and returns a `CliResult`; printing
//! and exit codes are decided here and in `main.rs`, nowhere else.

pub mod agreement;
pub mod import;
pub mod init;
pub mod merge;
pub mod report;
pub mod status;
pub mod validate;

use crate::cli::{Cli, Command};
use crate::error::{CliError, CliResult};

pub fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Status { session, json } => status::run(&session, json),
        Command::Merge { target, sources } => merge::run(&target, &sources),
        Command::Agreement(args) => agreement::run(args),
        Command::Report { session, by, json } => report::run(&session, by, json),
        Command::Init { session, schema, force } => init::run(&session, schema.as_deref(), force),
        Command::Import { session, files, input } => import::run(&session, &files, &input),
        Command::Validate { files, input, schema } => validate::run(&files, &input, schema.as_deref()),
        other => Err(CliError::usage(format!("{other:?}: this command is not available in this build yet"))),
    }
}
