//! `--filter`, `--sample N --seed S [--stratify FIELD]`, `--plan` and `--languages`: which tasks the
//! annotator sees, in which order. Pure: parsing and evaluation over the task index and the
//! annotator's labels, no I/O.

use crate::model::GroupBy;
use crate::model::{TaskRef, Value};
use crate::rng::SplitMix64;
use crate::schema::Schema;
use crate::store::{TaskInfo, TaskLabels};
use std::collections::{BTreeMap, HashMap};

/// One `--filter` expression. Several `--filter` flags must all hold; inside one expression,
/// `field=a,b` means a or b.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `country=…`, `language=…`, `model=…`, `domain=…`, `id=…` (the exact item id, or a
    /// pattern where `*` stands for any text: `id=casa/*`); `!=` negates.
    Field {
        field: Field,
        values: Vec<String>,
        negate: bool,
    },
    /// `judge.DIM=V`: the judge gave V on DIM (index into the schema).
    Judge {
        dim: usize,
        values: Vec<Value>,
        negate: bool,
    },
    /// `judge.NAME.DIM=V`: the judge named NAME gave V on DIM (index into the schema).
    NamedJudge {
        judge: String,
        dim: usize,
        values: Vec<Value>,
        negate: bool,
    },
    /// `judges=disagree`: on some dimension, two judges that scored it gave different values.
    JudgesDisagree,
    /// No complete label from this annotator yet (not every dimension set, and not skipped).
    Unlabelled,
    /// Every dimension labelled.
    Labelled,
    /// At least one dimension where this annotator's label differs from the judge's.
    DisagreesWithJudge,
    Flagged,
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Country,
    Language,
    Model,
    Domain,
    Id,
}

pub const FILTER_HELP: &str = "valid filters: country=V, language=V, model=V, domain=V, id=ID (exact) or id=PATTERN (* for any text: id=casa/*, id=*/Nigeria_1), judge.DIMENSION=V, judge.NAME.DIMENSION=V (the judge named NAME; each also with != and comma-separated alternatives), judges=disagree, unlabelled, labelled, disagrees-with-judge, flagged, skipped";

/// A `--filter` expression that was refused: the expression as given and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--filter {expr:?}: {problem}")]
pub struct FilterError {
    pub expr: String,
    pub problem: FilterProblem,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterProblem {
    #[error("not understood; {}", FILTER_HELP)]
    NotUnderstood,
    #[error("no value after '='; {}", FILTER_HELP)]
    NoValue,
    #[error("write judges=disagree (tasks where the judges differ)")]
    JudgesNotDisagree,
    /// `dimensions` lists the session's.
    #[error("the session has no dimension {dimension:?} (dimensions: {})", .dimensions.join(", "))]
    UnknownDimension { dimension: String, dimensions: Vec<String> },
    /// `valid` describes the dimension's values.
    #[error("{value:?} is not a value of {dimension} (valid: {valid})")]
    InvalidValue { value: String, dimension: String, valid: String },
    #[error("unknown field {field:?}; {}", FILTER_HELP)]
    UnknownField { field: String },
}

/// Parses one `--filter` expression against the session's schema.
pub fn parse(expr: &str, schema: &Schema) -> Result<Filter, FilterError> {
    let refused = |problem| FilterError { expr: expr.to_string(), problem };
    let e = expr.trim();
    match e {
        "unlabelled" | "unlabeled" | "todo" => return Ok(Filter::Unlabelled),
        "labelled" | "labeled" | "done" => return Ok(Filter::Labelled),
        "disagrees-with-judge" | "disagrees" => return Ok(Filter::DisagreesWithJudge),
        "flagged" => return Ok(Filter::Flagged),
        "skipped" => return Ok(Filter::Skipped),
        _ => {}
    }
    let (key, value, negate) = if let Some((k, v)) = e.split_once("!=") {
        (k, v, true)
    } else if let Some((k, v)) = e.split_once('=') {
        (k, v, false)
    } else {
        return Err(refused(FilterProblem::NotUnderstood));
    };
    let key = key.trim();
    let values: Vec<String> =
        value.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect();
    if values.is_empty() {
        return Err(refused(FilterProblem::NoValue));
    }
    if key == "judges" {
        if values == ["disagree"] && !negate {
            return Ok(Filter::JudgesDisagree);
        }
        return Err(refused(FilterProblem::JudgesNotDisagree));
    }
    // `judge.NAME.DIM`: a named judge, when what follows `judge.` is not a dimension itself.
    let named = key.strip_prefix("judge.").filter(|rest| schema.dimension(rest).is_none()).and_then(|rest| {
        let (name, dim) = rest.rsplit_once('.')?;
        Some((name.to_string(), dim))
    });
    let (judge_name, key) = match named {
        Some((name, dim)) if !name.is_empty() => (Some(name), format!("judge.{dim}")),
        _ => (None, key.to_string()),
    };
    let key = key.as_str();
    if let Some(dim_name) = key.strip_prefix("judge.") {
        let Some(dim) = schema.dimensions.iter().position(|d| d.name == dim_name) else {
            return Err(refused(FilterProblem::UnknownDimension {
                dimension: dim_name.to_string(),
                dimensions: schema.dimension_names(),
            }));
        };
        let mut vals = Vec::new();
        for v in &values {
            match v.parse::<Value>() {
                Ok(n) if schema.dimensions[dim].is_valid(n) => vals.push(n),
                _ => {
                    return Err(refused(FilterProblem::InvalidValue {
                        value: v.clone(),
                        dimension: dim_name.to_string(),
                        valid: schema.dimensions[dim].describe_values(),
                    }));
                }
            }
        }
        return Ok(match judge_name {
            Some(judge) => Filter::NamedJudge { judge, dim, values: vals, negate },
            None => Filter::Judge { dim, values: vals, negate },
        });
    }
    let field = match key {
        "country" => Field::Country,
        "language" | "lang" => Field::Language,
        "model" => Field::Model,
        "domain" => Field::Domain,
        "id" => Field::Id,
        other => return Err(refused(FilterProblem::UnknownField { field: other.to_string() })),
    };
    Ok(Filter::Field { field, values, negate })
}

/// Whether the task is completely labelled by this annotator on `n_dims` dimensions.
pub fn is_complete(labels: Option<&TaskLabels>, schema: &Schema) -> bool {
    labels.is_some_and(|l| schema.dimensions.iter().all(|d| l.values.contains_key(&d.name)))
}

fn field_value(task: &TaskInfo, field: Field) -> Option<&str> {
    match field {
        Field::Country => task.country.as_deref(),
        Field::Language => task.language.as_deref(),
        Field::Model => Some(&*task.model),
        Field::Domain => task.domain.as_deref(),
        Field::Id => Some(&*task.item_id),
    }
}

impl Filter {
    /// Whether evaluating this filter needs the judge's values in the task index.
    pub fn needs_judge(&self) -> bool {
        matches!(self, Filter::Judge { .. } | Filter::DisagreesWithJudge)
    }

    /// Filters on named judges: they need every judge's values of each task (the task index
    /// carries one judge's).
    pub fn needs_judges(&self) -> bool {
        matches!(self, Filter::NamedJudge { .. } | Filter::JudgesDisagree)
    }

    /// [`Filter::matches_with_judges`] knowing no named judge.
    pub fn matches(&self, task: &TaskInfo, labels: Option<&TaskLabels>, schema: &Schema) -> bool {
        self.matches_with_judges(task, labels, &[], schema)
    }

    /// Whether the task passes; `judges` are the named judges that scored it, (name, dimension
    /// -> value), in the session's judge order.
    pub fn matches_with_judges(
        &self,
        task: &TaskInfo,
        labels: Option<&TaskLabels>,
        judges: &[(&str, &BTreeMap<String, Value>)],
        schema: &Schema,
    ) -> bool {
        match self {
            Filter::NamedJudge { judge, dim, values, negate } => {
                let dim = &schema.dimensions[*dim].name;
                let hit = judges
                    .iter()
                    .find(|(name, _)| name == judge)
                    .and_then(|(_, scores)| scores.get(dim))
                    .is_some_and(|v| values.contains(v));
                hit != *negate
            }
            Filter::JudgesDisagree => schema.dimensions.iter().any(|d| {
                let mut given = judges.iter().filter_map(|(_, scores)| scores.get(&d.name));
                let first = given.next();
                given.any(|v| Some(v) != first)
            }),
            Filter::Field { field, values, negate } => {
                let v = field_value(task, *field);
                let hit = v.is_some_and(|v| {
                    values.iter().any(|want| match field {
                        Field::Id => id_matches(want, v),
                        _ => v.eq_ignore_ascii_case(want),
                    })
                });
                hit != *negate
            }
            Filter::Judge { dim, values, negate } => {
                let hit = task.judge.get(*dim).copied().flatten().is_some_and(|j| values.contains(&j));
                hit != *negate
            }
            Filter::Unlabelled => !is_complete(labels, schema) && labels.is_none_or(|l| l.skipped.is_none()),
            Filter::Labelled => is_complete(labels, schema),
            Filter::DisagreesWithJudge => labels.is_some_and(|l| {
                schema.dimensions.iter().enumerate().any(|(i, d)| {
                    match (l.values.get(&d.name), task.judge.get(i).copied().flatten()) {
                        (Some(h), Some(j)) => *h != j,
                        _ => false,
                    }
                })
            }),
            Filter::Flagged => labels.is_some_and(|l| l.flagged),
            Filter::Skipped => labels.is_some_and(|l| l.skipped.is_some()),
        }
    }
}

/// Whether an item id matches `want`: the same id, or with `*` in `want`, the pattern (`*`
/// stands for any text, `/` included). Ids are compared exactly, case included.
pub fn id_matches(want: &str, id: &str) -> bool {
    if !want.contains('*') {
        return want == id;
    }
    let mut parts = want.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = id.strip_prefix(first) else { return false };
    let mut parts: Vec<&str> = parts.collect();
    // The text after the last `*` must end the id; each part before it is found leftmost.
    let last = parts.pop().unwrap_or("");
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// The queue of `annotate --plan`: the tasks of the plan's `sample` (responses as `(item id,
/// model)`), in the sample's order, those this annotator has not labelled completely first.
pub fn plan_order(
    sample: &[(String, String)],
    tasks: &[TaskInfo],
    labels: &HashMap<TaskRef, TaskLabels>,
    schema: &Schema,
) -> Vec<usize> {
    let index: HashMap<(&str, &str), usize> = tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t.task, TaskRef::Response { .. }))
        .map(|(i, t)| ((&*t.item_id, &*t.model), i))
        .collect();
    let mut order: Vec<usize> = sample
        .iter()
        .filter_map(|(item, model)| index.get(&(item.as_str(), model.as_str())).copied())
        .collect();
    // Stable: the sample's order within each part.
    order.sort_by_key(|&i| is_complete(labels.get(&tasks[i].task), schema));
    order
}

/// The value a task has for a stratification field ("" when absent).
pub fn group_value(task: &TaskInfo, by: GroupBy) -> &str {
    match by {
        GroupBy::Country => task.country.as_deref().unwrap_or(""),
        GroupBy::Language => task.language.as_deref().unwrap_or(""),
        GroupBy::Model => &task.model,
        GroupBy::Domain => task.domain.as_deref().unwrap_or(""),
    }
}

/// A reproducible sample of `n` of `candidates` (task indices). Without stratification, a
/// seeded shuffle's first `n`. With it, the groups take turns (in name order), each giving its
/// next task from its own seeded shuffle, so small groups are fully represented before large
/// ones give more. The sample is returned in task order so it reads like the session.
pub fn sample(
    candidates: &[usize],
    tasks: &[TaskInfo],
    n: usize,
    seed: u64,
    stratify: Option<GroupBy>,
) -> Vec<usize> {
    let mut rng = SplitMix64::new(seed);
    let mut picked: Vec<usize> = match stratify {
        None => {
            let mut v = candidates.to_vec();
            rng.shuffle(&mut v);
            v.truncate(n);
            v
        }
        Some(by) => {
            let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for &i in candidates {
                groups.entry(group_value(&tasks[i], by)).or_default().push(i);
            }
            let mut queues: Vec<std::vec::IntoIter<usize>> = groups
                .into_values()
                .map(|mut g| {
                    rng.shuffle(&mut g);
                    g.into_iter()
                })
                .collect();
            let mut out = Vec::with_capacity(n.min(candidates.len()));
            while out.len() < n {
                let before = out.len();
                for q in queues.iter_mut() {
                    if out.len() == n {
                        break;
                    }
                    if let Some(i) = q.next() {
                        out.push(i);
                    }
                }
                if out.len() == before {
                    break;
                }
            }
            out
        }
    };
    picked.sort_unstable();
    picked
}

/// Moves tasks in the annotator's languages to the front, keeping the order otherwise.
pub fn languages_first(order: &mut [usize], tasks: &[TaskInfo], languages: &[String]) {
    if languages.is_empty() {
        return;
    }
    order.sort_by_key(|&i| {
        let reads =
            tasks[i].language.as_deref().is_some_and(|l| languages.iter().any(|w| w.eq_ignore_ascii_case(l)));
        !reads
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TaskRef;

    fn task(id: &str, model: &str, country: &str, judge: [i64; 4]) -> TaskInfo {
        TaskInfo {
            task: TaskRef::Response { item_id: id.into(), model: model.into() },
            item_id: id.into(),
            model: model.into(),
            country: Some(country.into()),
            language: Some("ja".into()),
            domain: None,
            judge: judge.iter().map(|v| Some(*v)).collect(),
        }
    }

    #[test]
    fn parses_and_matches_fields() {
        let s = Schema::cross_eval();
        let t = task("casa/1", "gpt-4o", "Japan", [1, 0, 0, 1]);
        assert!(parse("country=Japan", &s).unwrap().matches(&t, None, &s));
        assert!(parse("country=japan,China", &s).unwrap().matches(&t, None, &s));
        assert!(!parse("country!=Japan", &s).unwrap().matches(&t, None, &s));
        assert!(parse("model=gpt-4o", &s).unwrap().matches(&t, None, &s));
        assert!(parse("judge.compliance=0", &s).unwrap().matches(&t, None, &s));
        assert!(!parse("judge.awareness=0", &s).unwrap().matches(&t, None, &s));
        assert!(parse("id=casa/1", &s).unwrap().matches(&t, None, &s));
        assert!(parse("id=casa/*", &s).unwrap().matches(&t, None, &s));
    }

    #[test]
    fn id_is_exact_unless_it_has_a_star() {
        let s = Schema::cross_eval();
        let ids = ["casa/multilingual/Egypt_1", "casa/multilingual/Egypt_10", "safeworld/english/Egypt_1"];
        let kept = |expr: &str| -> Vec<&str> {
            let f = parse(expr, &s).unwrap();
            ids.iter().copied().filter(|id| f.matches(&task(id, "m", "Egypt", [1; 4]), None, &s)).collect()
        };
        assert_eq!(kept("id=casa/multilingual/Egypt_1"), ["casa/multilingual/Egypt_1"]);
        assert_eq!(kept("id=casa/multilingual/Egypt_1*"), ids[..2]);
        assert_eq!(kept("id=*/Egypt_1"), ["casa/multilingual/Egypt_1", "safeworld/english/Egypt_1"]);
        assert_eq!(kept("id=casa/*"), ids[..2]);
        assert_eq!(kept("id=*english*"), ["safeworld/english/Egypt_1"]);
        assert_eq!(kept("id!=casa/*"), ["safeworld/english/Egypt_1"]);
        assert_eq!(kept("id=Egypt_1"), Vec::<&str>::new());
        assert!(id_matches("*", ""));
        assert!(id_matches("a*a", "aa"));
        assert!(!id_matches("ab*ba", "aba"));
        assert!(id_matches("a*b*c", "a-b-b-c"));
        assert!(parse("id", &s).unwrap_err().to_string().contains("id=casa/*"));
    }

    #[test]
    fn rejects_bad_filters_with_a_reason() {
        let s = Schema::cross_eval();
        assert!(parse("colour=red", &s).unwrap_err().to_string().contains("unknown field"));
        assert!(parse("judge.violation=1", &s).unwrap_err().to_string().contains("no dimension"));
        assert!(parse("judge.compliance=7", &s).unwrap_err().to_string().contains("not a value"));
        assert!(parse("whatever", &s).unwrap_err().to_string().contains("valid filters"));
    }

    #[test]
    fn named_judge_filters() {
        let s = Schema::cross_eval();
        let t = task("a", "m", "Japan", [1, 1, 1, 1]);
        let gpt: BTreeMap<String, Value> =
            [("compliance".to_string(), 1), ("awareness".to_string(), 1)].into();
        let qwen: BTreeMap<String, Value> = [("compliance".to_string(), 0)].into();
        let both = [("gpt-4.1", &gpt), ("qwen", &qwen)];
        let f = parse("judge.qwen.compliance=0", &s).unwrap();
        assert_eq!(f, Filter::NamedJudge { judge: "qwen".into(), dim: 2, values: vec![0], negate: false });
        assert!(f.needs_judges());
        assert!(f.matches_with_judges(&t, None, &both, &s));
        assert!(!f.matches_with_judges(&t, None, &both[..1], &s), "qwen did not score it");
        // A judge name with dots: the dimension is what follows the last one.
        let g = parse("judge.gpt-4.1.awareness!=0", &s).unwrap();
        assert!(g.matches_with_judges(&t, None, &both, &s));
        assert!(!parse("judge.gpt-4.1.awareness=0", &s).unwrap().matches_with_judges(&t, None, &both, &s));
        // `judge.DIM` stays the one judge of the task index.
        assert_eq!(
            parse("judge.compliance=1", &s).unwrap(),
            Filter::Judge { dim: 2, values: vec![1], negate: false }
        );
        assert!(
            parse("judge.qwen.violation=1", &s)
                .unwrap_err()
                .to_string()
                .contains("no dimension \"violation\"")
        );
        assert!(parse("judge.qwen.compliance=5", &s).unwrap_err().to_string().contains("not a value"));

        let d = parse("judges=disagree", &s).unwrap();
        assert_eq!(d, Filter::JudgesDisagree);
        assert!(d.matches_with_judges(&t, None, &both, &s), "1 against 0 on compliance");
        let agree: BTreeMap<String, Value> = [("compliance".to_string(), 1)].into();
        assert!(!d.matches_with_judges(&t, None, &[("gpt-4.1", &gpt), ("qwen", &agree)], &s));
        assert!(!d.matches_with_judges(&t, None, &both[..1], &s), "one judge never disagrees");
        assert!(!d.matches(&t, None, &s));
        assert!(parse("judges=agree", &s).unwrap_err().to_string().contains("judges=disagree"));
        assert!(parse("judges!=disagree", &s).is_err());
    }

    #[test]
    fn label_filters() {
        let s = Schema::cross_eval();
        let t = task("a", "m", "Japan", [1, 1, 1, 1]);
        let mut l = TaskLabels::default();
        assert!(Filter::Unlabelled.matches(&t, None, &s));
        l.values.insert("awareness".into(), 0);
        assert!(Filter::Unlabelled.matches(&t, Some(&l), &s));
        assert!(Filter::DisagreesWithJudge.matches(&t, Some(&l), &s));
        for d in ["education", "compliance", "helpfulness"] {
            l.values.insert(d.into(), 1);
        }
        assert!(Filter::Labelled.matches(&t, Some(&l), &s));
        assert!(!Filter::Unlabelled.matches(&t, Some(&l), &s));
        l.values.insert("awareness".into(), 1);
        assert!(!Filter::DisagreesWithJudge.matches(&t, Some(&l), &s));
        assert!(!Filter::Flagged.matches(&t, Some(&l), &s));
        l.flagged = true;
        assert!(Filter::Flagged.matches(&t, Some(&l), &s));
    }

    #[test]
    fn sampling_is_reproducible_and_stratified() {
        let mut tasks = Vec::new();
        for i in 0..90 {
            tasks.push(task(&format!("j{i}"), "m", "Japan", [1, 1, 1, 1]));
        }
        for i in 0..10 {
            tasks.push(task(&format!("c{i}"), "m", "China", [1, 1, 1, 1]));
        }
        let all: Vec<usize> = (0..tasks.len()).collect();
        let a = sample(&all, &tasks, 10, 7, None);
        assert_eq!(a, sample(&all, &tasks, 10, 7, None));
        assert_ne!(a, sample(&all, &tasks, 10, 8, None));
        assert_eq!(a.len(), 10);
        let s = sample(&all, &tasks, 10, 7, Some(GroupBy::Country));
        let china = s.iter().filter(|&&i| tasks[i].country.as_deref() == Some("China")).count();
        assert_eq!(china, 5);
        // Asking for more than there is gives everything once.
        let big = sample(&all, &tasks, 1000, 1, Some(GroupBy::Country));
        assert_eq!(big, all);
    }

    #[test]
    fn languages_first_keeps_order() {
        let mut tasks = vec![task("a", "m", "X", [1; 4]), task("b", "m", "Y", [1; 4])];
        tasks[0].language = Some("ar".into());
        let mut order = vec![0, 1];
        tasks[1].language = Some("th".into());
        languages_first(&mut order, &tasks, &["th".into()]);
        assert_eq!(order, vec![1, 0]);
    }
}
