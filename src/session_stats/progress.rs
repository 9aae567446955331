//! Each annotator's progress (labels, tasks done, skips, flags, active time) and their accuracy on
//! gold items (known answers), counted in SQL from the session's current labels.

use crate::model::TaskRef;
use crate::store::{Store, StoreError, field};
use std::collections::{BTreeMap, HashMap, HashSet};

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
pub fn gold_answers(store: &Store) -> Result<HashMap<(TaskRef, String), i64>, StoreError> {
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
pub fn gold_item_count(gold: &HashMap<(TaskRef, String), i64>) -> usize {
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

pub fn progress(store: &Store) -> Result<BTreeMap<String, AnnotatorProgress>, StoreError> {
    progress_with(store, &gold_answers(store)?)
}

/// Why in SQL: a session of a million responses holds millions of current rows; counting them
/// where they are (the `current` table's primary key already groups them by annotator and
/// task) takes a fraction of the time and none of the memory of loading them.
pub fn progress_with(
    store: &Store,
    gold: &HashMap<(TaskRef, String), i64>,
) -> Result<BTreeMap<String, AnnotatorProgress>, StoreError> {
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
