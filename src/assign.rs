//! Which tasks an annotator is served, and in what order, when several annotators share a
//! session. Pure: the caller passes what the store knows.
//!
//! The rule: a task needs `overlap` annotators. An annotator's queue holds the tasks that still
//! need someone and that they have not done, least-labelled first, then in an order drawn from a
//! stable hash of (task, annotator) — so two annotators starting at once do not collide on the
//! same tasks, and the same inputs always give the same queue. Tasks in the annotator's declared
//! languages come before the others; with a stratification field the queue alternates between
//! its values; gold tasks (known answers) are mixed in at a fixed rate and never count toward
//! overlap.

use crate::model::TaskRef;
use crate::rng::stable_hash;
use crate::store::TaskInfo;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Clone, Default)]
pub struct AssignInput<'a> {
    pub annotator: &'a str,
    /// How many annotators each task needs (1 or more).
    pub overlap: usize,
    /// Number of distinct annotators who have completed each task (gold tasks excluded).
    pub done_by: HashMap<TaskRef, usize>,
    /// Tasks this annotator has completed.
    pub own_done: HashSet<TaskRef>,
    /// Language codes this annotator reads; their tasks come first.
    pub languages: Vec<String>,
    /// Alternate between the values of this field ("country", "language", "model", "domain").
    pub stratify: Option<&'a str>,
    /// Tasks with known answers.
    pub gold: HashSet<TaskRef>,
    /// Share of gold tasks in the queue (0.0 to 1.0), e.g. 0.1 for one in ten.
    pub gold_rate: f64,
}

/// A task as one string (the hub's leases name tasks so).
pub fn task_key(t: &TaskRef) -> String {
    match t {
        TaskRef::Response { item_id, model } => format!("r\u{1f}{item_id}\u{1f}{model}"),
        TaskRef::Pair { pair_id } => format!("p\u{1f}{pair_id}"),
    }
}

pub fn field_of<'t>(t: &'t TaskInfo, field: &str) -> &'t str {
    match field {
        "country" => t.country.as_deref().unwrap_or(""),
        "language" => t.language.as_deref().unwrap_or(""),
        "model" => &t.model,
        "domain" => t.domain.as_deref().unwrap_or(""),
        _ => "",
    }
}

/// The annotator's queue: indices into `tasks`, in the order to serve them.
pub fn queue(tasks: &[TaskInfo], input: &AssignInput<'_>) -> Vec<usize> {
    let overlap = input.overlap.max(1);
    let speaks = |t: &TaskInfo| {
        t.language.as_deref().is_some_and(|l| input.languages.iter().any(|x| x.eq_ignore_ascii_case(l)))
    };
    let mut regular: Vec<(usize, bool, usize, u64)> = Vec::new();
    let mut gold: Vec<(u64, usize)> = Vec::new();
    for (i, t) in tasks.iter().enumerate() {
        if input.own_done.contains(&t.task) {
            continue;
        }
        let h = stable_hash(&[&task_key(&t.task), input.annotator]);
        if input.gold.contains(&t.task) {
            gold.push((h, i));
            continue;
        }
        let n = input.done_by.get(&t.task).copied().unwrap_or(0);
        if n >= overlap {
            continue;
        }
        regular.push((i, !speaks(t), n, h));
    }
    // Languages first, then least-labelled, then the annotator's own hash order.
    regular.sort_by_key(|&(_, other_lang, n, h)| (other_lang && !input.languages.is_empty(), n, h));
    let mut order: Vec<usize> = match input.stratify {
        None => regular.into_iter().map(|r| r.0).collect(),
        Some(field) => {
            // Round-robin over strata, each stratum keeping the order above; strata taken in
            // order of their first task, so the result stays deterministic.
            let mut strata: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            let mut first_pos: HashMap<&str, usize> = HashMap::new();
            for (pos, r) in regular.iter().enumerate() {
                let v = field_of(&tasks[r.0], field);
                let key = *first_pos.entry(v).or_insert(pos);
                strata.entry(key).or_default().push(r.0);
            }
            let mut lists: Vec<std::collections::VecDeque<usize>> =
                strata.into_values().map(Into::into).collect();
            let mut out = Vec::new();
            while lists.iter().any(|l| !l.is_empty()) {
                for l in lists.iter_mut() {
                    if let Some(i) = l.pop_front() {
                        out.push(i);
                    }
                }
            }
            out
        }
    };
    if !gold.is_empty() && input.gold_rate > 0.0 {
        gold.sort();
        let every = (1.0 / input.gold_rate.min(1.0)).round().max(1.0) as usize;
        let mut with_gold = Vec::with_capacity(order.len() + gold.len());
        let mut golds = gold.into_iter().map(|g| g.1);
        for (n, i) in order.into_iter().enumerate() {
            // A gold task after every `every - 1` regular ones.
            if every > 1 && n % (every - 1) == every - 2 {
                with_gold.push(i);
                if let Some(g) = golds.next() {
                    with_gold.push(g);
                }
                continue;
            }
            with_gold.push(i);
            if every == 1
                && let Some(g) = golds.next()
            {
                with_gold.push(g);
            }
        }
        order = with_gold;
    }
    order
}

/// The settings a session stores for shared work (`init --overlap K --gold-rate R`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionAssignment {
    pub overlap: usize,
    pub gold_rate: f64,
}

impl SessionAssignment {
    /// `None` when the session is not set up for shared work (every annotator sees every task).
    pub fn of(store: &crate::store::Store) -> rusqlite::Result<Option<SessionAssignment>> {
        if store.meta("assignment")?.as_deref() != Some("overlap") {
            return Ok(None);
        }
        let overlap = store.meta("overlap")?.and_then(|v| v.parse().ok()).unwrap_or(1);
        let gold_rate = store.meta("gold_rate")?.and_then(|v| v.parse().ok()).unwrap_or(0.0);
        Ok(Some(SessionAssignment { overlap, gold_rate }))
    }
}

/// The annotator's queue in a shared session, restricted to `candidates` (task indices after
/// filters): their assigned open tasks in serving order, then the ones they have done (so they
/// can still review them). Completion is read from the store: a response is done when every
/// dimension is labelled or it was skipped, a pair when it has a verdict or was skipped;
/// adjudicators do not count toward the overlap.
pub fn shared_queue(
    store: &crate::store::Store,
    tasks: &[TaskInfo],
    candidates: &[usize],
    settings: SessionAssignment,
    annotator: &str,
    languages: &[String],
    stratify: Option<&str>,
) -> Result<Vec<usize>, crate::store::StoreError> {
    let mut done_by: HashMap<TaskRef, usize> = HashMap::new();
    let mut own_done: HashSet<TaskRef> = HashSet::new();
    for (who, task) in completions(store)? {
        if who == annotator {
            own_done.insert(task.clone());
        }
        *done_by.entry(task).or_default() += 1;
    }
    let mut gold = HashSet::new();
    let wanted: HashSet<&str> = candidates.iter().map(|&i| &*tasks[i].item_id).collect();
    store.for_each_item(|item| {
        if wanted.contains(item.id.as_str()) && item.meta.contains_key("gold") {
            for (task, _, _) in crate::ingest::gold_answers(&item.id, &item.meta, store.schema()) {
                gold.insert(task);
            }
        }
        Ok(())
    })?;
    for g in &gold {
        done_by.remove(g);
    }
    let subset: Vec<TaskInfo> = candidates.iter().map(|&i| tasks[i].clone()).collect();
    let input = AssignInput {
        annotator,
        overlap: settings.overlap,
        done_by,
        own_done: own_done.clone(),
        languages: languages.to_vec(),
        stratify,
        gold,
        gold_rate: settings.gold_rate,
    };
    let mut out: Vec<usize> = queue(&subset, &input).into_iter().map(|k| candidates[k]).collect();
    out.extend(candidates.iter().copied().filter(|&i| own_done.contains(&tasks[i].task)));
    Ok(out)
}

/// Who has completed which task (adjudicators left out): a response is done when every
/// dimension is labelled or it was skipped, a pair when it has a verdict or was skipped.
pub fn completions(store: &crate::store::Store) -> Result<Vec<(String, TaskRef)>, crate::store::StoreError> {
    use crate::store::field;
    let dims = store.schema().dimension_names();
    let adjudicators: HashSet<String> = store.adjudicators()?.into_iter().collect();
    let mut fields: HashMap<(String, TaskRef), (HashSet<String>, bool)> = HashMap::new();
    for c in store.current()? {
        if adjudicators.contains(&c.annotator) {
            continue;
        }
        let e = fields.entry((c.annotator, c.task)).or_default();
        if c.field == field::SKIP {
            e.1 |= c.text.is_some();
        } else if !c.field.starts_with('@') && c.value.is_some() {
            e.0.insert(c.field);
        }
    }
    Ok(fields
        .into_iter()
        .filter(|((_, task), (labelled, skipped))| {
            *skipped
                || match task {
                    TaskRef::Response { .. } => dims.iter().all(|d| labelled.contains(d)),
                    TaskRef::Pair { .. } => labelled.contains(field::VERDICT),
                }
        })
        .map(|(k, _)| k)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tasks(n: usize) -> Vec<TaskInfo> {
        (0..n)
            .map(|i| TaskInfo {
                task: TaskRef::Response { item_id: format!("i{i}"), model: "m".into() },
                item_id: format!("i{i}").into(),
                model: "m".into(),
                country: Some(["Japan", "China", "India"][i % 3].into()),
                language: Some(["ja", "zh", "hi"][i % 3].into()),
                domain: None,
                judge: vec![],
            })
            .collect()
    }

    /// Annotators take turns labelling the head of their queue until no queue has work.
    fn simulate(
        ts: &[TaskInfo],
        annotators: &[&str],
        overlap: usize,
    ) -> (HashMap<TaskRef, usize>, Vec<usize>) {
        let mut done_by: HashMap<TaskRef, usize> = HashMap::new();
        let mut own: Vec<HashSet<TaskRef>> = vec![HashSet::new(); annotators.len()];
        loop {
            let mut progressed = false;
            for (a, name) in annotators.iter().enumerate() {
                let input = AssignInput {
                    annotator: name,
                    overlap,
                    done_by: done_by.clone(),
                    own_done: own[a].clone(),
                    ..Default::default()
                };
                if let Some(&i) = queue(ts, &input).first() {
                    *done_by.entry(ts[i].task.clone()).or_default() += 1;
                    own[a].insert(ts[i].task.clone());
                    progressed = true;
                }
            }
            if !progressed {
                break;
            }
        }
        (done_by, own.iter().map(|o| o.len()).collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn every_task_gets_exactly_overlap_annotators_and_work_is_balanced(
            n in 1usize..40, n_ann in 1usize..5, overlap in 1usize..4
        ) {
            let ts = tasks(n);
            let names: Vec<String> = (0..n_ann).map(|i| format!("ann{i}")).collect();
            let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
            let (done_by, per_annotator) = simulate(&ts, &refs, overlap);
            let want = overlap.min(n_ann);
            for t in &ts {
                prop_assert_eq!(done_by.get(&t.task).copied().unwrap_or(0), want);
            }
            let max = *per_annotator.iter().max().unwrap();
            let min = *per_annotator.iter().min().unwrap();
            // Turn-taking can leave an annotator with nothing they have not already done while
            // others still have work; the imbalance stays within the overlap.
            prop_assert!(max - min <= overlap.min(n_ann), "{:?}", per_annotator);
        }

        #[test]
        fn queue_is_deterministic(n in 1usize..50, seed in 0u64..1000) {
            let ts = tasks(n);
            let name = format!("a{seed}");
            let input = AssignInput { annotator: &name, overlap: 2, stratify: Some("country"), ..Default::default() };
            prop_assert_eq!(queue(&ts, &input), queue(&ts, &input));
        }
    }

    #[test]
    fn annotators_get_different_orders() {
        let ts = tasks(50);
        let a = queue(&ts, &AssignInput { annotator: "a", overlap: 1, ..Default::default() });
        let b = queue(&ts, &AssignInput { annotator: "b", overlap: 1, ..Default::default() });
        assert_ne!(a, b);
        assert_eq!(a.len(), 50);
    }

    #[test]
    fn languages_first_then_stratified_alternation() {
        let ts = tasks(9);
        let q = queue(
            &ts,
            &AssignInput { annotator: "a", overlap: 1, languages: vec!["hi".into()], ..Default::default() },
        );
        assert!(q[..3].iter().all(|&i| ts[i].language.as_deref() == Some("hi")), "{q:?}");
        let q = queue(
            &ts,
            &AssignInput { annotator: "a", overlap: 1, stratify: Some("country"), ..Default::default() },
        );
        let countries: Vec<&str> = q.iter().map(|&i| ts[i].country.as_deref().unwrap()).collect();
        for w in countries.chunks(3) {
            let mut w = w.to_vec();
            w.sort();
            assert_eq!(w, ["China", "India", "Japan"]);
        }
    }

    #[test]
    fn gold_is_mixed_in_at_the_rate_and_not_limited_by_overlap() {
        let ts = tasks(20);
        let gold: HashSet<TaskRef> = ts[..2].iter().map(|t| t.task.clone()).collect();
        let mut done_by = HashMap::new();
        for t in &ts[..2] {
            done_by.insert(t.task.clone(), 5);
        }
        let q = queue(
            &ts,
            &AssignInput {
                annotator: "a",
                overlap: 1,
                gold: gold.clone(),
                gold_rate: 0.25,
                done_by,
                ..Default::default()
            },
        );
        assert_eq!(q.len(), 20, "gold served despite others having done it");
        let positions: Vec<usize> =
            q.iter().enumerate().filter(|(_, i)| gold.contains(&ts[**i].task)).map(|(p, _)| p).collect();
        assert_eq!(positions, vec![3, 7]);
    }

    /// The queue of a shared session, read from a real store.
    mod session {
        use super::super::*;
        use crate::model::{Item, Response};
        use crate::schema::Schema;
        use crate::store::{NewEvent, Store};

        #[test]
        fn a_task_done_by_enough_annotators_leaves_the_others_queues() {
            let dir = tempfile::tempdir().unwrap();
            let mut store = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).unwrap();
            store
                .import(|imp| {
                    for i in 0..6 {
                        let mut meta = serde_json::Map::new();
                        if i == 5 {
                            meta.insert("gold".into(), serde_json::json!({"m": {"awareness": 1}}));
                        }
                        imp.upsert_item(&Item {
                            id: format!("i{i}"),
                            query: "q".into(),
                            meta,
                            responses: vec![Response {
                                model: "m".into(),
                                text: "t".into(),
                                ..Default::default()
                            }],
                            ..Default::default()
                        })?;
                    }
                    Ok(())
                })
                .unwrap();
            let tasks = store.task_index().unwrap();
            let all: Vec<usize> = (0..tasks.len()).collect();
            let settings = SessionAssignment { overlap: 1, gold_rate: 0.5 };
            let qa = shared_queue(&store, &tasks, &all, settings, "a", &[], None).unwrap();
            assert_eq!(qa.len(), 6, "nothing done yet: five regular tasks and the gold one");
            // "a" completes the first task of their queue.
            let first = tasks[qa[0]].task.clone();
            for d in store.schema().dimension_names() {
                store
                    .record(&NewEvent {
                        annotator: "a".into(),
                        task: first.clone(),
                        field: d,
                        value: Some(1),
                        text: None,
                        seconds: 1.0,
                        judge_visible: true,
                    })
                    .unwrap();
            }
            let qb = shared_queue(&store, &tasks, &all, settings, "b", &[], None).unwrap();
            assert!(!qb.iter().any(|&i| tasks[i].task == first), "done by one annotator, overlap 1");
            assert_eq!(qb.len(), 5);
            let qa = shared_queue(&store, &tasks, &all, settings, "a", &[], None).unwrap();
            assert_eq!(tasks[*qa.last().unwrap()].task, first, "own done tasks stay reviewable at the end");
            assert!(
                SessionAssignment::of(&store).unwrap().is_none(),
                "not a shared session until init --overlap"
            );
        }
    }
}
