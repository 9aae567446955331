//! `crossreview report --judges`: per dimension, every judge's accuracy against the human
//! majority (with its Wilson interval), Cohen's kappa and n, the best judge marked, and the
//! strata that still lack human labels to know every accuracy within `--margin`.

use super::agreement::{emit, emit_json, pretty};
use super::text_table::{fmt_share, fmt_stat, render_table};
use crate::agreement::plan::Precision;
use crate::cli::GroupBy;
use crate::error::{CliError, CliResult};
use crate::session_stats::SessionLabels;
use crate::session_stats::judge_table::JudgeTable;
use crate::session_stats::judges::SessionJudges;
use crate::store::Store;
use serde_json::{Map, json};
use std::fmt::Write as _;
use std::path::Path;

pub fn run(session: &Path, by: Option<GroupBy>, as_json: bool, margin: f64, confidence: f64) -> CliResult {
    let precision = Precision::new(margin, confidence)
        .map_err(|e| CliError::usage(format!("--margin/--confidence: {e}")))?;
    let store = Store::open_read_only(session)?;
    super::warn_unreadable_rows(&store);
    let schema = store.schema().clone();
    let data = SessionLabels::load(&store)?;
    let judges = SessionJudges::load(&store, &data)?;
    let groups: Option<Vec<String>> = by.map(|f| data.responses.iter().map(|r| r.group_value(f)).collect());
    let tables: Vec<JudgeTable> = schema
        .dimensions
        .iter()
        .map(|d| data.judge_table(d, &judges, groups.as_deref(), precision))
        .collect();
    if as_json {
        let mut dims = Map::new();
        for t in &tables {
            dims.insert(t.dimension.clone(), t.to_json());
        }
        let out = json!({
            "session": session.display().to_string(),
            "by": by.map(|b| b.as_str()),
            "margin": margin,
            "confidence": confidence,
            "judges": judges.names,
            "dimensions": dims,
        });
        return emit_json(&pretty(&out));
    }
    let mut out = format!(
        "judges vs human majority in {} ({} judges; intervals: Wilson, {}%; * = best accuracy)\n",
        session.display(),
        judges.names.len(),
        confidence * 100.0
    );
    if judges.names.is_empty() {
        out.push_str("\nno judge scores in this session: import evaluation files (`crossreview import --judge NAME`) first.\n");
        return emit(&out);
    }
    for t in &tables {
        let _ = writeln!(out, "\n== {} ==", t.dimension);
        let rows: Vec<Vec<String>> = t
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mark = if t.best == Some(i) { "*" } else { "" };
                let ci = r.interval.map(|c| format!("[{:.1}%, {:.1}%]", c.low * 100.0, c.high * 100.0));
                vec![
                    format!("{}{mark}", r.name),
                    fmt_share(&r.accuracy),
                    ci.unwrap_or_else(|| "n/a".into()),
                    fmt_stat(&r.cohen_kappa),
                    r.n.to_string(),
                ]
            })
            .collect();
        out.push_str(&render_table(&["judge", "accuracy", "interval", "kappa", "n"], &rows, &[0], "  "));
        let lacking: Vec<String> = t
            .strata
            .iter()
            .filter(|s| !s.is_enough())
            .map(|s| format!("{} ({} more of {})", s.name, s.to_label, s.population))
            .collect();
        if lacking.is_empty() {
            let _ = writeln!(out, "  every judge's accuracy is known within ±{:.1} points", margin * 100.0);
        } else {
            let _ =
                writeln!(out, "  lacking labels for ±{:.1} points: {}", margin * 100.0, lacking.join(", "));
        }
    }
    emit(&out)
}
