//! `crossreview export`: labels, gold labels or training data, to a file (written atomically) or
//! to standard output (`--out -`).

use crate::cli::{ExportArgs, ExportFormat};
use crate::error::{CliError, CliResult};
use crate::export::images::{ImagePaths, absolute_lexical};
use crate::export::writer::{ExportSink, TargetError};
use crate::export::{self, ExportData, ExportOptions, ExportSummary, OpenAiImages};
use crate::store::Store;
use std::path::{Path, PathBuf};

fn format_name(f: ExportFormat) -> &'static str {
    match f {
        ExportFormat::LabelsJsonl => "labels-jsonl",
        ExportFormat::LabelsCsv => "labels-csv",
        ExportFormat::GoldJsonl => "gold-jsonl",
        ExportFormat::DpoTrl => "dpo-trl",
        ExportFormat::DpoOpenai => "dpo-openai",
        ExportFormat::Kto => "kto",
    }
}

fn current_dir() -> Result<PathBuf, CliError> {
    std::env::current_dir().map_err(|e| CliError::data(format!("cannot read the current folder: {e}")))
}

/// The folder an image path is written relative to: the output file's, or for standard output
/// the current folder.
fn output_dir(out: &Path, cwd: &Path) -> PathBuf {
    if out.as_os_str() == "-" {
        return cwd.to_path_buf();
    }
    let abs = absolute_lexical(cwd, out);
    abs.parent().map(Path::to_path_buf).unwrap_or(abs)
}

/// One line for stderr: what was written and what was left out and why.
fn describe(summary: &ExportSummary, format: ExportFormat, out: &Path) -> String {
    let dest = if out.as_os_str() == "-" { "standard output".to_string() } else { out.display().to_string() };
    let mut line = format!("{}: {} rows written to {dest}", format_name(format), summary.rows);
    if !summary.left_out.is_empty() {
        let what = match format {
            ExportFormat::GoldJsonl => "(response, dimension) values",
            _ => "pairs",
        };
        let total: u64 = summary.left_out.values().sum();
        let parts: Vec<String> = summary.left_out.iter().map(|(why, n)| format!("{why}: {n}")).collect();
        line.push_str(&format!("; {total} {what} left out ({})", parts.join(", ")));
    }
    line
}

pub fn run(a: ExportArgs) -> CliResult {
    if a.min_annotators == 0 {
        return Err(CliError::usage("--min-annotators: give 1 or more"));
    }
    let store = Store::open_read_only(&a.session)?;
    super::warn_unreadable_rows(&store);
    let data = ExportData::load_for(&store, &a.annotators, a.format)?;
    let cwd = current_dir()?;
    let session_dir = output_dir(&a.session, &cwd);
    let opts = ExportOptions {
        min_annotators: a.min_annotators,
        images: ImagePaths {
            stored_base: session_dir,
            relative_to: (!a.absolute_paths).then(|| output_dir(&a.out, &cwd)),
        },
        openai_images: if a.image_paths { OpenAiImages::Reference } else { OpenAiImages::DataUrl },
    };
    // The session and the files SQLite keeps beside it: an export written over any of them
    // would destroy the session while a TUI may still be saving labels into it.
    // SQLite names them after the resolved path when the session is reached through a link.
    let real = std::fs::canonicalize(&a.session).unwrap_or_else(|_| a.session.clone());
    let session_files: Vec<PathBuf> = [&a.session, &real]
        .iter()
        .flat_map(|base| {
            ["", "-wal", "-shm", "-journal"].iter().map(|suffix| {
                let mut p = base.as_os_str().to_os_string();
                p.push(suffix);
                PathBuf::from(p)
            })
        })
        .collect();
    let mut sink = ExportSink::open(&a.out, &session_files).map_err(|e| match e {
        TargetError::Protected(_) => {
            CliError::usage(format!("{}: {e}; nothing was written", a.out.display()))
        }
        TargetError::Io(e) => CliError::data(format!("{}: cannot write the export: {e}", a.out.display())),
    })?;
    let result = export::export(a.format, &data, &opts, &mut sink);
    if sink.interrupted() {
        // Dropping the sink removes the partial file.
        drop(sink);
        return Err(CliError {
            code: 130,
            lines: vec![format!("interrupted; {} was not written", a.out.display())],
        });
    }
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            drop(sink);
            let not_written = if a.out.as_os_str() == "-" {
                String::new()
            } else {
                format!(" ({} was not written)", a.out.display())
            };
            let what = a.out.display().to_string();
            if let Some(why) = crate::file_size_limit::explain(&e, &what) {
                return Err(CliError::data(format!("export failed{not_written}: {why}")));
            }
            let why = crate::store::error::with_sources(&e);
            return Err(CliError::data(format!("export failed{not_written}: {why}")));
        }
    };
    sink.finish().map_err(|e| {
        let what = a.out.display().to_string();
        match crate::file_size_limit::explain_io(&e, &what) {
            Some(why) => CliError::data(format!("export failed ({what} was not written): {why}")),
            None => CliError::data(format!("{what}: cannot write the export: {e}")),
        }
    })?;
    // The process ends right after this: handing hundreds of thousands of small allocations
    // back one by one would only add time (a tenth of the export of 100,000 pairs).
    std::mem::forget(data);
    crate::errln!("{}", describe(&summary, a.format, &a.out));
    if summary.rows == 0 {
        crate::errln!(
            "note: the export is empty; `crossreview status {}` shows what has been labelled",
            a.session.display()
        );
    }
    Ok(())
}
