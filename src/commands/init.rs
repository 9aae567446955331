//! `crossreview init SESSION [--schema FILE.toml] [--force]`: creates an empty session.

use crate::error::{CliError, CliResult};
use crate::schema::Schema;
use crate::store::Store;
use std::path::Path;

/// Reads a TOML label schema; every problem is reported as `FILE:LINE[:COLUMN]: message`.
pub fn load_schema(path: &Path) -> Result<Schema, CliError> {
    let shown = path.display().to_string();
    use crate::bounded_read::{MAX_CONFIG_BYTES, Pipes, read_text};
    let text = read_text(path, MAX_CONFIG_BYTES, Pipes::Accept)
        .map_err(|e| CliError::data(format!("{shown}: cannot read the schema: {e}")))?;
    let text = text.as_str();
    Schema::from_toml(text, &shown).map_err(|e| {
        let mut lines = e.lines().to_vec();
        let n = lines.len();
        lines.push(format!(
            "{n} {} in the schema; nothing was created",
            if n == 1 { "error" } else { "errors" }
        ));
        CliError::data_lines(lines)
    })
}

pub fn run(
    session: &Path,
    schema_path: Option<&Path>,
    force: bool,
    overlap: Option<u32>,
    gold_rate: f64,
) -> CliResult {
    if !(0.0..=1.0).contains(&gold_rate) {
        return Err(CliError::usage(format!(
            "--gold-rate {gold_rate}: give a share between 0 and 1, e.g. 0.1"
        )));
    }
    let schema = match schema_path {
        Some(p) => load_schema(p)?,
        None => Schema::cross_eval(),
    };
    let store = Store::create(session, &schema, force)?;
    if let Some(k) = overlap {
        store.set_meta("assignment", "overlap")?;
        store.set_meta("overlap", &k.to_string())?;
        store.set_meta("gold_rate", &gold_rate.to_string())?;
        crate::outln!(
            "assignment: each task goes to {k} annotator(s); gold items mixed in at {:.0}%",
            gold_rate * 100.0
        );
    }
    crate::outln!(
        "created {} (label schema {:?}: {})",
        session.display(),
        schema.name,
        schema.dimension_names().join(", ")
    );
    Ok(())
}
