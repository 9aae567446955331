//! `crossreview status`: how far the labelling has come, per annotator and dimension (counted by
//! `crate::session_stats`; printed here).

use crate::error::CliResult;
use crate::session_stats::{PairSummary, gold_answers, gold_item_count, pair_summary, progress_with};
use crate::store::Store;
use serde_json::json;
use std::path::Path;

pub fn run(session: &Path, as_json: bool) -> CliResult {
    let store = Store::open_read_only(session)?;
    super::warn_unreadable_rows(&store);
    let counts = store.counts()?;
    let tasks = counts.responses + counts.pairs;
    let gold = gold_answers(&store)?;
    let gold_items = gold_item_count(&gold);
    let progress = progress_with(&store, &gold)?;
    let dims = store.schema().dimension_names();
    let pairs = if counts.pairs > 0 { pair_summary(&store, "model")? } else { None };
    if as_json {
        let annotators: serde_json::Map<String, serde_json::Value> = progress
            .iter()
            .map(|(name, p)| {
                (
                    name.clone(),
                    json!({
                        "labels": p.labels,
                        "tasks_done": p.tasks_done,
                        "pairs_done": p.pairs_done,
                        "remaining": tasks.saturating_sub(p.tasks_done + p.pairs_done),
                        "skipped": p.skipped,
                        "flagged": p.flagged,
                        "active_seconds": (p.seconds * 10.0).round() / 10.0,
                        "gold_labelled": p.gold_labelled,
                        "gold_accuracy": p.gold_accuracy(),
                        "by_dimension": p.by_dimension,
                    }),
                )
            })
            .collect();
        let out = json!({
            "items": counts.items,
            "responses": counts.responses,
            "pairs": counts.pairs,
            "dimensions": dims,
            "annotators": annotators,
            "tasks": tasks,
            "schema": store.schema().name,
            "gold_items": gold_items,
            "pair_stats": pairs.as_ref().map(PairSummary::to_json),
        });
        let mut text = serde_json::to_string_pretty(&out).expect("plain JSON values");
        text.push('\n');
        crate::out::json(&text)?;
        return Ok(());
    }
    crate::outln!("session     {}", session.display());
    crate::outln!("schema      {} ({})", store.schema().name, dims.join(", "));
    crate::outln!(
        "items       {}\nresponses   {}\npairs       {}\ntasks       {} (responses + pairs)",
        counts.items,
        counts.responses,
        counts.pairs,
        tasks
    );
    if gold_items > 0 {
        crate::outln!("gold        {gold_items} items with known answers ({} answers)", gold.len());
    }
    if progress.is_empty() {
        crate::outln!(
            "\nno labels yet: start with `crossreview annotate {} --annotator NAME`",
            session.display()
        );
        return Ok(());
    }
    crate::outln!();
    let name_w = progress.keys().map(|k| k.chars().count()).max().unwrap_or(9).max(9);
    crate::outln!(
        "{:<name_w$}  {:>7}  {:>10}  {:>10}  {:>9}  {:>7}  {:>7}  {:>9}  {:>12}",
        "annotator",
        "labels",
        "responses",
        "pairs",
        "remaining",
        "skipped",
        "flagged",
        "active",
        "gold acc"
    );
    for (name, p) in &progress {
        crate::outln!(
            "{:<name_w$}  {:>7}  {:>10}  {:>10}  {:>9}  {:>7}  {:>7}  {:>9}  {:>12}",
            name,
            p.labels,
            format!("{}/{}", p.tasks_done, counts.responses),
            format!("{}/{}", p.pairs_done, counts.pairs),
            tasks.saturating_sub(p.tasks_done + p.pairs_done),
            p.skipped,
            p.flagged,
            format_duration(p.seconds),
            p.gold_accuracy()
                .map(|a| format!("{:.0}% of {}", a * 100.0, p.gold_labelled))
                .unwrap_or_else(|| "-".to_string())
        );
    }
    crate::outln!("\nlabels per dimension (value: count)");
    for (name, p) in &progress {
        for (dim, values) in &p.by_dimension {
            let vals: Vec<String> = values.iter().map(|(v, n)| format!("{v}: {n}")).collect();
            crate::outln!("  {name:<name_w$}  {dim:<12} {}", vals.join("  "));
        }
    }
    if let Some(p) = &pairs {
        crate::out::text(&p.render())?;
    }
    Ok(())
}

pub fn format_duration(seconds: f64) -> String {
    let s = seconds.round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}
