//! `crossreview validate FILE… [--format …] [--images-dir DIR] [--schema FILE.toml]`: the
//! import's checks, without a session. Exit 0 when every file is valid.

use crate::cli::InputArgs;
use crate::error::{CliError, CliResult};
use crate::ingest::{IngestError, read_inputs};
use crate::schema::Schema;
use std::convert::Infallible;
use std::path::{Path, PathBuf};

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn run(files: &[PathBuf], input: &InputArgs, schema_path: Option<&Path>) -> CliResult {
    let schema = match schema_path {
        Some(p) => super::init::load_schema(p)?,
        None => Schema::cross_eval(),
    };
    let opts = super::import::options(input);
    match read_inputs(files, &opts, &schema, &mut |_| Ok::<(), Infallible>(())) {
        Ok(summary) => {
            for w in summary.diagnostics.warning_lines() {
                crate::errln!("{w}");
            }
            let warnings = match summary.diagnostics.warning_count {
                0 => String::new(),
                n => format!(" ({})", plural(n as u64, "warning", "warnings")),
            };
            let gold = match summary.gold_items {
                0 => String::new(),
                n => format!(", {}", plural(n, "gold item", "gold items")),
            };
            crate::outln!(
                "ok: {}, {}, {}{gold}{warnings}",
                plural(summary.items, "item", "items"),
                plural(summary.responses, "response", "responses"),
                plural(summary.pairs, "pair", "pairs"),
            );
            Ok(())
        }
        Err(IngestError::Invalid(d)) => {
            for w in d.warning_lines() {
                crate::errln!("{w}");
            }
            Err(CliError::data_lines(d.error_lines("the input is not valid")))
        }
        // The sink above never fails.
        Err(IngestError::Aborted(never)) => match never {},
    }
}
