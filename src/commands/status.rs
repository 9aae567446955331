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
/// (task, dimension) -> value. Only items whose meta mentions "gold" are parsed.
pub fn gold_answers(store: &Store) -> anyhow::Result<HashMap<(TaskRef, String), i64>> {
    let mut gold: HashMap<(TaskRef, String), i64> = HashMap::new();
    let mut st = store.conn().prepare("SELECT id, meta FROM items WHERE meta LIKE '%\"gold\"%'")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let meta: serde_json::Map<String, serde_json::Value> = serde_json::from_str(r.get_ref(1)?.as_str()?)?;
        for (task, dim, v) in crate::ingest::gold_answers(&id, &meta, store.schema()) {
            gold.insert((task, dim), v);
        }
    }
    Ok(gold)
}

/// How many items have known answers.
fn gold_item_count(gold: &HashMap<(TaskRef, String), i64>) -> usize {
    gold_item_ids(gold).len()
}

fn gold_item_ids(gold: &HashMap<(TaskRef, String), i64>) -> HashSet<&str> {
    gold.keys()
        .filter_map(|(t, _)| match t {
            TaskRef::Response { item_id, .. } => Some(item_id.as_str()),
            TaskRef::Pair { .. } => None,
        })
        .collect()
}

pub fn progress(store: &Store) -> anyhow::Result<BTreeMap<String, AnnotatorProgress>> {
    progress_with(store, &gold_answers(store)?)
}

/// Why in SQL: a session of a million responses holds millions of current rows; counting them
/// where they are (the `current` table's primary key already groups them by annotator and
/// task) takes a fraction of the time and none of the memory of loading them.
fn progress_with(
    store: &Store,
    gold: &HashMap<(TaskRef, String), i64>,
) -> anyhow::Result<BTreeMap<String, AnnotatorProgress>> {
    let dims = store.schema().dimension_names();
    let mut out: BTreeMap<String, AnnotatorProgress> = BTreeMap::new();
    for a in store.annotators()? {
        out.entry(a).or_default();
    }
    let conn = store.conn();
    // Labels (dimension values and pair verdicts) per annotator, field and value.
    let mut st = conn.prepare(
        "SELECT annotator, field, value, count(*) FROM readable_current
         WHERE field NOT LIKE '@%' AND value IS NOT NULL GROUP BY annotator, field, value",
    )?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let (annotator, f, v, n): (String, String, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let n = n as u64;
        let p = out.entry(annotator).or_default();
        p.labels += n;
        let shown = if f == field::VERDICT {
            crate::model::Verdict::from_code(v).map(|v| v.as_str().to_string()).unwrap_or(v.to_string())
        } else {
            v.to_string()
        };
        *p.by_dimension.entry(f).or_default().entry(shown).or_default() += n;
    }
    drop(rows);
    // Per task: whether it is done (every dimension, or a verdict, or skipped) and its time;
    // then per annotator.
    let dim_list = dims.iter().map(|_| "?").collect::<Vec<_>>().join(", ");
    let mut st = conn.prepare(&format!(
        "SELECT annotator, sum(task_kind = 'response' AND (n_dims = {n} OR skipped)),
                sum(task_kind = 'pair' AND (verdict OR skipped)), sum(skipped), sum(flagged), sum(seconds)
         FROM (SELECT annotator, task_kind, max(seconds) AS seconds,
                      sum(value IS NOT NULL AND field IN ({dim_list})) AS n_dims,
                      max(field = '@skip' AND text IS NOT NULL) AS skipped,
                      max(field = '@flag' AND value = 1) AS flagged,
                      max(field = '{verdict}' AND value IS NOT NULL) AS verdict
               FROM readable_current GROUP BY annotator, task_kind, item_id, model, pair_id)
         GROUP BY annotator",
        n = dims.len(),
        verdict = field::VERDICT,
    ))?;
    let mut rows = st.query(rusqlite::params_from_iter(dims.iter()))?;
    while let Some(r) = rows.next()? {
        let p = out.entry(r.get(0)?).or_default();
        let count = |k: usize| r.get::<_, Option<i64>>(k).map(|n| n.unwrap_or(0) as u64);
        p.tasks_done = count(1)?;
        p.pairs_done = count(2)?;
        p.skipped = count(3)?;
        p.flagged = count(4)?;
        p.seconds = r.get::<_, Option<f64>>(5)?.unwrap_or(0.0);
    }
    drop(rows);
    // Gold items (known answers): only their labels are read.
    if !gold.is_empty() {
        let gold_items: Vec<&str> = gold_item_ids(gold).into_iter().collect();
        let mut st = conn.prepare(
            "SELECT annotator, task_kind, item_id, model, pair_id, field, value FROM readable_current
             WHERE value IS NOT NULL AND field NOT LIKE '@%' AND item_id IN (SELECT value FROM json_each(?1))",
        )?;
        let mut rows = st.query([serde_json::to_string(&gold_items)?])?;
        while let Some(r) = rows.next()? {
            let task =
                crate::store::task_from_columns(&r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            let (f, v): (String, i64) = (r.get(5)?, r.get(6)?);
            if let Some(answer) = gold.get(&(task, f)) {
                let p = out.entry(r.get(0)?).or_default();
                p.gold_labelled += 1;
                p.gold_correct += u64::from(*answer == v);
            }
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
        let _ = writeln!(
            out,
            "\npairs: validity = share of verdicts agreeing with the chosen response; flip = picking the rejected one"
        );
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
        let _ = writeln!(
            out,
            "  side bias (share of decisive verdicts picking the left response; exact binomial test)"
        );
        let name_w = self
            .stats
            .side_bias
            .keys()
            .map(|k| crate::text::width(&crate::text::sanitize_line(k)))
            .max()
            .unwrap_or(0);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Item, Pair, Response};
    use crate::schema::Schema;
    use crate::store::NewEvent;

    fn ev(
        annotator: &str,
        task: &TaskRef,
        f: &str,
        value: Option<i64>,
        text: Option<&str>,
        seconds: f64,
    ) -> NewEvent {
        NewEvent {
            annotator: annotator.into(),
            task: task.clone(),
            field: f.into(),
            value,
            text: text.map(str::to_string),
            seconds,
            judge_visible: true,
        }
    }

    #[test]
    fn progress_counts_labels_done_tasks_skips_flags_time_and_gold() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).unwrap();
        let item = |id: &str, gold: bool| Item {
            id: id.into(),
            query: "q".into(),
            responses: vec![Response { model: "m".into(), text: "t".into(), ..Default::default() }],
            meta: if gold {
                serde_json::json!({"gold": {"m": {"compliance": 1, "awareness": 0}}})
                    .as_object()
                    .unwrap()
                    .clone()
            } else {
                Default::default()
            },
            ..Default::default()
        };
        store
            .import(|imp| {
                for (id, gold) in [("a", false), ("b", false), ("c", false), ("g", true)] {
                    imp.upsert_item(&item(id, gold))?;
                }
                imp.upsert_pair(&Pair {
                    id: "p".into(),
                    item_id: None,
                    prompt: serde_json::json!("q"),
                    chosen: serde_json::json!("x"),
                    rejected: serde_json::json!("y"),
                    images: vec![],
                    meta: Default::default(),
                })
            })
            .unwrap();
        let r = |id: &str| TaskRef::Response { item_id: id.into(), model: "m".into() };
        let pair = TaskRef::Pair { pair_id: "p".into() };
        let dims = ["awareness", "education", "compliance", "helpfulness"];
        for e in dims
            .iter()
            .map(|d| ev("ann", &r("a"), d, Some(1), None, 10.0))
            // b: two dimensions only, then one cleared: not done.
            .chain([
                ev("ann", &r("b"), "awareness", Some(0), None, 4.0),
                ev("ann", &r("b"), "education", Some(1), None, 5.0),
                ev("ann", &r("b"), "education", None, None, 6.0),
                ev("ann", &r("c"), field::SKIP, None, Some("cannot judge"), 2.0),
                ev("ann", &r("c"), field::FLAG, Some(1), None, 2.5),
                // gold: one right, one wrong.
                ev("ann", &r("g"), "compliance", Some(1), None, 1.0),
                ev("ann", &r("g"), "awareness", Some(1), None, 1.0),
                ev("ann", &pair, field::VERDICT, Some(1), None, 3.0),
                ev("bo", &r("a"), "awareness", Some(0), None, 7.0),
            ])
        {
            store.record(&e).unwrap();
        }
        let p = progress(&store).unwrap();
        let ann = &p["ann"];
        assert_eq!(ann.labels, 4 + 1 + 2 + 1);
        assert_eq!(ann.tasks_done, 2, "a (every dimension) and c (skipped)");
        assert_eq!(ann.pairs_done, 1);
        assert_eq!((ann.skipped, ann.flagged), (1, 1));
        assert_eq!(ann.seconds, 10.0 + 6.0 + 2.5 + 1.0 + 3.0);
        assert_eq!((ann.gold_correct, ann.gold_labelled), (1, 2));
        assert_eq!(ann.by_dimension["awareness"]["1"], 2);
        assert_eq!(ann.by_dimension["awareness"]["0"], 1);
        assert_eq!(ann.by_dimension["verdict"]["flip"], 1);
        // a's education counts; b's was cleared.
        assert_eq!(ann.by_dimension["education"].values().sum::<u64>(), 1);
        let bo = &p["bo"];
        assert_eq!((bo.labels, bo.tasks_done, bo.seconds), (1, 0, 7.0));
        assert_eq!(bo.gold_accuracy(), None);
    }
}
