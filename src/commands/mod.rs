//! One module per command. Each takes its parsed arguments and returns a `CliResult`; printing
//! and exit codes are decided here and in `main.rs`, nowhere else.

pub mod annotate;

use crate::cli::{Cli, Command};
use crate::error::{CliError, CliResult};

pub fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Annotate(a) => annotate::run(a),
        other => Err(CliError::usage(format!("{other:?}: this command is not available in this build yet"))),
    }
}
