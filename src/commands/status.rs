//! `crossreview status`: how far the labelling has come, per annotator and dimension.

use crate::error::CliResult;
use crate::export::ExportData;
use crate::export::pair_stats::{self, PairStats};
use crate::model::TaskRef;
use crate::store::{Store, field};
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// Per-annotator progress, computed from the current labels.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct AnnotatorProgress {
    /// Current dimension labels and pair verdicts.
    pub labels: u64,
    /// Responses with every dimension labelled, or skipped.
    pub tasks_done: u64,
    /// Pairs with a verdict, or skipped.
    pub pairs_done: u64,
    pub skipped: u64,
    pub flagged: u64,
    pub by_dimension: BTreeMap<String, BTreeMap<String, u64>>,
    pub seconds: f64,
    /// Labels on gold items (known answers) that match the answer, and all labels on them.
    pub gold_correct: u64,
    pub gold_labelled: u64,
}

impl AnnotatorProgress {
    pub fn gold_accuracy(&self) -> Option<f64> {
        (self.gold_labelled > 0).then(|| self.gold_correct as f64 / self.gold_labelled as f64)
    }
}

/// The known answers of the session's gold items (`meta.gold`, also written by `import --gold`):
/// (task, dimension) -> value.
pub fn gold_answers(store: &Store) -> anyhow::Result<HashMap<(TaskRef, String), i64>> {
    let mut gold: HashMap<(TaskRef, String), i64> = HashMap::new();
    store.for_each_item(|item| {
        if item.meta.contains_key("gold") {
            for (task, dim, v) in crate::assign::gold_answers(&item.id, &item.meta, store.schema()) {
                gold.insert((task, dim), v);
            }
        }
        Ok(())
    })?;
    Ok(gold)
}

/// How many items have known answers.
fn gold_item_count(gold: &HashMap<(TaskRef, String), i64>) -> usize {
    let items: HashSet<&str> = gold
        .keys()
        .filter_map(|(t, _)| match t {
            TaskRef::Response { item_id, .. } => Some(item_id.as_str()),
            TaskRef::Pair { .. } => None,
        })
        .collect();
    items.len()
}

pub fn progress(store: &Store) -> anyhow::Result<BTreeMap<String, AnnotatorProgress>> {
    progress_with(store, &gold_answers(store)?)
}

fn progress_with(store: &Store, gold: &HashMap<(TaskRef, String), i64>) -> anyhow::Result<BTreeMap<String, AnnotatorProgress>> {
    let dims = store.schema().dimension_names();
    let mut out: BTreeMap<String, AnnotatorProgress> = BTreeMap::new();
    for a in store.annotators()? {
        out.entry(a).or_default();
    }
    // (annotator, task) -> dimensions labelled, skipped
    let mut per_task: HashMap<(String, TaskRef), (HashSet<String>, bool)> = HashMap::new();
    let mut seconds: HashMap<(String, TaskRef), f64> = HashMap::new();
    for c in store.current()? {
        let p = out.entry(c.annotator.clone()).or_default();
        let key = (c.annotator.clone(), c.task.clone());
        let s = seconds.entry(key.clone()).or_insert(0.0);
        *s = s.max(c.seconds);
        match c.field.as_str() {
            field::SKIP if c.text.is_some() => {
                p.skipped += 1;
                per_task.entry(key).or_default().1 = true;
            }
            field::FLAG if c.value == Some(1) => p.flagged += 1,
            f if f.starts_with('@') => {}
            f => {
                let Some(v) = c.value else { continue };
                p.labels += 1;
                if let Some(answer) = gold.get(&(c.task.clone(), c.field.clone())) {
                    p.gold_labelled += 1;
                    p.gold_correct += u64::from(*answer == v);
                }
                let shown = if f == field::VERDICT {
                    crate::model::Verdict::from_code(v).map(|v| v.as_str().to_string()).unwrap_or(v.to_string())
                } else {
                    v.to_string()
                };
                *p.by_dimension.entry(f.to_string()).or_default().entry(shown).or_default() += 1;
                per_task.entry(key).or_default().0.insert(f.to_string());
            }
        }
    }
    for ((annotator, task), (fields, skipped)) in per_task {
        let p = out.get_mut(&annotator).expect("every annotator has an entry");
        match task {
            TaskRef::Response { .. } => {
                if skipped || dims.iter().all(|d| fields.contains(d)) {
                    p.tasks_done += 1;
                }
            }
            TaskRef::Pair { .. } => {
                if skipped || fields.contains(field::VERDICT) {
                    p.pairs_done += 1;
                }
            }
        }
    }
    for ((annotator, _), s) in seconds {
        if let Some(p) = out.get_mut(&annotator) {
            p.seconds += s;
        }
    }
    Ok(out)
}

/// The pair statistics `status` and `report` show: validity and flip rates per group, side
/// bias per annotator, and the annotators' agreement on verdicts.
#[derive(Debug, Clone)]
pub struct PairSummary {
    /// What the pairs are grouped by (`model`, `country`, …; see `pair_stats::pair_observations`).
    pub by: String,
    pub stats: PairStats,
    pub agreement: crate::agreement::Agreement,
}

/// Verdict statistics of the pairs grouped by `by`, from the annotators' current verdicts
/// (adjudicators' verdicts decide, they are not votes, so they are left out); `None` when no
/// pair has a verdict from an annotator yet.
pub fn pair_summary(store: &Store, by: &str) -> Result<Option<PairSummary>, crate::error::CliError> {
    // The full load: side bias needs each pair's stored display order, not only the verdicts.
    let mut data = ExportData::load(store, &[])?;
    let adjudicators = std::mem::take(&mut data.adjudicators);
    data.current.retain(|c| !adjudicators.contains(&c.annotator));
    let obs = pair_stats::pair_observations(&data, Some(by));
    if obs.is_empty() {
        return Ok(None);
    }
    let agreement = pair_stats::verdict_agreement(&obs, &crate::agreement::Options::default());
    Ok(Some(PairSummary { by: by.to_string(), stats: pair_stats::pairs_stats(&obs), agreement }))
}

impl PairSummary {
    /// `PairStats::to_json` (`overall`, `by` with one object per group, `side_bias`), plus
    /// `group_by` (what the groups are) and `verdict_agreement` (the agreement engine's object).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = self.stats.to_json();
        v["group_by"] = json!(self.by);
        v["verdict_agreement"] = self.agreement.to_json();
        v
    }

    /// The aligned text section (starts with a blank line).
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let group_w = self
            .stats
            .by_group
            .keys()
            .map(|g| crate::text::width(&crate::text::sanitize_line(g)))
            .chain([self.by.chars().count(), 3])
            .max()
            .unwrap_or(3)
            .min(30);
        let _ = writeln!(out, "\npairs: validity = share of verdicts agreeing with the chosen response; flip = picking the rejected one");
        let _ = writeln!(
            out,
            "  {}  {:>6}  {:>8}  {:>8}  {:>6}",
            crate::text::pad(&self.by, group_w),
            "pairs",
            "verdicts",
            "validity",
            "flip"
        );
        let mut row = |name: &str, g: &pair_stats::GroupStats| {
            let name = crate::text::truncate(&crate::text::sanitize_line(name), group_w);
            let _ = writeln!(
                out,
                "  {}  {:>6}  {:>8}  {:>8}  {:>6}",
                crate::text::pad(&name, group_w),
                g.pairs,
                g.verdicts.total(),
                pct(g.verdicts.validity_rate()),
                pct(g.verdicts.flip_rate())
            );
        };
        for (group, g) in &self.stats.by_group {
            row(group, g);
        }
        row("all", &self.stats.overall);
        match self.agreement.alpha.first().map(|(_, a)| *a) {
            Some(Ok(a)) => {
                let _ = writeln!(
                    out,
                    "  agreement on verdicts: Krippendorff's alpha (nominal) {a:.4} over {} pairs",
                    self.agreement.n_items
                );
            }
            _ => {
                let _ = writeln!(out, "  agreement on verdicts: not enough overlapping verdicts yet");
            }
        }
        let _ = writeln!(out, "  side bias (share of decisive verdicts picking the left response; exact binomial test)");
        let name_w = self.stats.side_bias.keys().map(|k| crate::text::width(&crate::text::sanitize_line(k))).max().unwrap_or(0);
        for (who, b) in &self.stats.side_bias {
            let _ = writeln!(
                out,
                "    {}  {:>6} of {:<5} p = {}",
                crate::text::pad(&crate::text::sanitize_line(who), name_w),
                pct(b.left_share()),
                b.decisive,
                b.p_value().map(|p| format!("{p:.3}")).unwrap_or_else(|| "-".into())
            );
        }
        out
    }
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "-".into())
}

pub fn run(session: &Path, as_json: bool) -> CliResult {
    let store = Store::open(session)?;
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
        println!("{}", serde_json::to_string_pretty(&out).expect("plain JSON values"));
        return Ok(());
    }
    println!("session     {}", session.display());
    println!("schema      {} ({})", store.schema().name, dims.join(", "));
    println!(
        "items       {}\nresponses   {}\npairs       {}\ntasks       {} (responses + pairs)",
        counts.items, counts.responses, counts.pairs, tasks
    );
    if gold_items > 0 {
        println!("gold        {gold_items} items with known answers ({} answers)", gold.len());
    }
    if progress.is_empty() {
        println!("\nno labels yet: start with `crossreview annotate {} --annotator NAME`", session.display());
        return Ok(());
    }
    println!();
    let name_w = progress.keys().map(|k| k.chars().count()).max().unwrap_or(9).max(9);
    println!(
        "{:<name_w$}  {:>7}  {:>10}  {:>10}  {:>9}  {:>7}  {:>7}  {:>9}  {:>12}",
        "annotator", "labels", "responses", "pairs", "remaining", "skipped", "flagged", "active", "gold acc"
    );
    for (name, p) in &progress {
        println!(
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
    println!("\nlabels per dimension (value: count)");
    for (name, p) in &progress {
        for (dim, values) in &p.by_dimension {
            let vals: Vec<String> = values.iter().map(|(v, n)| format!("{v}: {n}")).collect();
            println!("  {name:<name_w$}  {dim:<12} {}", vals.join("  "));
        }
    }
    if let Some(p) = &pairs {
        print!("{}", p.render());
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
