//! Several judges side by side (`agreement --judge` on a session with several judges): every
//! judge against the humans, every pair of judges on the items the humans decided (McNemar,
//! bootstrap of the accuracy difference), and every pair against each other without humans
//! (Cohen's κ on every response both scored), overall and per group.

use super::SessionLabels;
use crate::agreement::judges::{
    JudgeAgreement, JudgePairComparison, compare_judges, judge_agreement, judge_pairs,
};
use crate::agreement::session::{DimensionRatings, JudgeReport, scale_values};
use crate::agreement::{MISSING, Options};
use crate::model::Value;
use crate::schema::Dimension;
use crate::store::{Store, StoreError};
use serde_json::{Map, json};
use std::collections::HashMap;

/// Where a judge gave no value.
const NONE: Value = Value::MIN;

/// Every judge's values, per dimension and response (indexed like `SessionLabels::responses`).
pub struct SessionJudges {
    /// In first-import order; the first is the default judge.
    pub names: Vec<String>,
    /// Per judge: dimension → value per response (`NONE` where it gave none).
    values: Vec<HashMap<String, Vec<Value>>>,
    /// Responses in the session.
    n: usize,
}

impl SessionJudges {
    /// Reads every judge's values: the default judge's from `data` (already read), each other
    /// judge's in one scan of its rows.
    pub fn load(store: &Store, data: &SessionLabels) -> Result<SessionJudges, StoreError> {
        let names = store.judge_names()?;
        let n = data.responses.len();
        let index: HashMap<(&str, &str), usize> =
            data.responses.iter().enumerate().map(|(i, r)| ((&*r.item_id, &*r.model), i)).collect();
        let mut values = Vec::with_capacity(names.len());
        for (k, name) in names.iter().enumerate() {
            let mut dims: HashMap<String, Vec<Value>> = HashMap::new();
            let mut put = |dim: &str, r: usize, v: Value| {
                if let Some(col) = dims.get_mut(dim) {
                    col[r] = v;
                } else {
                    let mut col = vec![NONE; n];
                    col[r] = v;
                    dims.insert(dim.to_string(), col);
                }
            };
            if k == 0 {
                // The default judge's scores are the ones `responses.judge` keeps.
                for (r, info) in data.responses.iter().enumerate() {
                    for (dim, v) in &info.judge {
                        put(dim, r, *v);
                    }
                }
            } else {
                store.for_each_judge_value(name, |item, model, scores| {
                    if let Some(&r) = index.get(&(item, model)) {
                        for (dim, v) in scores {
                            put(&dim, r, v);
                        }
                    }
                })?;
            }
            values.push(dims);
        }
        Ok(SessionJudges { names, values, n })
    }

    /// Judge `j`'s values on `dim`, one per response.
    pub fn values(&self, j: usize, dim: &str) -> Vec<Option<Value>> {
        match self.values[j].get(dim) {
            Some(col) => col.iter().map(|&v| (v != NONE).then_some(v)).collect(),
            None => vec![None; self.n],
        }
    }

    /// Judge `j`'s codes on `dim` (its position on the scale, `MISSING` where it gave no
    /// value or one off the scale), one per response.
    pub fn codes(&self, j: usize, dim: &Dimension) -> Vec<u16> {
        let order = scale_values(dim);
        match self.values[j].get(&dim.name) {
            Some(col) => col
                .iter()
                .map(|&v| order.iter().position(|&s| s == v).map(|p| p as u16).unwrap_or(MISSING))
                .collect(),
            None => vec![MISSING; self.n],
        }
    }
}

/// The judges on one dimension, over one set of responses.
#[derive(Debug, Clone)]
pub struct JudgesOnDimension {
    /// Each judge against the humans, in judge order.
    pub reports: Vec<(String, JudgeReport)>,
    /// Every pair of judges on the items both scored and the humans decided.
    pub comparisons: Vec<(String, String, JudgePairComparison)>,
    /// Every pair of judges against each other on every response both scored, no humans.
    pub agreement: Vec<(String, String, JudgeAgreement)>,
}

impl JudgesOnDimension {
    /// The `judges`, `judge_comparisons` and `judge_agreement` keys (docs/agreement.md).
    pub fn insert_json(&self, o: &mut Map<String, serde_json::Value>, seed: u64) {
        let mut judges = Map::new();
        for (name, r) in &self.reports {
            judges.insert(name.clone(), r.to_json());
        }
        o.insert("judges".into(), serde_json::Value::Object(judges));
        let comparisons = self
            .comparisons
            .iter()
            .map(|(a, b, c)| {
                let mut v = c.to_json(a, b);
                v["notes"] = json!(c.notes(a, b, seed));
                v
            })
            .collect();
        o.insert("judge_comparisons".into(), serde_json::Value::Array(comparisons));
        let agreement = self.agreement.iter().map(|(a, b, g)| g.to_json(a, b)).collect();
        o.insert("judge_agreement".into(), serde_json::Value::Array(agreement));
    }
}

/// Every judge on `dim`, overall and, with `groups`, per group (groups in sorted order).
pub struct JudgesAgreement {
    pub all: JudgesOnDimension,
    pub by: Vec<(String, JudgesOnDimension)>,
}

impl SessionLabels {
    /// Every judge of `judges` on `dim`; with `groups` (each response's group), per group too.
    pub fn judges_agreement(
        &self,
        dim: &Dimension,
        judges: &SessionJudges,
        opts: &Options,
        groups: Option<&[String]>,
    ) -> JudgesAgreement {
        let ratings = self.dimension(dim);
        let codes: Vec<Vec<u16>> = (0..judges.names.len()).map(|j| judges.codes(j, dim)).collect();
        let q = ratings.scale.q();
        let all_responses: Vec<usize> = (0..self.responses.len()).collect();
        let all = on_responses(&ratings, &judges.names, &codes, &all_responses, q, opts);
        let mut by = Vec::new();
        if let Some(groups) = groups {
            let mut values: Vec<&String> = groups.iter().collect();
            values.sort();
            values.dedup();
            for v in values {
                let sub = ratings.subset(|r| &groups[r] == v);
                let members: Vec<usize> =
                    all_responses.iter().copied().filter(|&r| &groups[r] == v).collect();
                by.push((v.clone(), on_responses(&sub, &judges.names, &codes, &members, q, opts)));
            }
        }
        JudgesAgreement { all, by }
    }
}

/// The judges on the labelled items of `ratings`, and against each other on `responses`.
fn on_responses(
    ratings: &DimensionRatings,
    names: &[String],
    codes: &[Vec<u16>],
    responses: &[usize],
    q: usize,
    opts: &Options,
) -> JudgesOnDimension {
    let on_items = |j: usize| -> Vec<u16> { ratings.responses.iter().map(|&r| codes[j][r]).collect() };
    let mut with = ratings.clone();
    let reports = (0..names.len())
        .map(|j| {
            with.judge = on_items(j);
            (names[j].clone(), with.judge_report(opts))
        })
        .collect();
    let human: Vec<u16> = ratings.majority().iter().map(|m| m.ok().flatten().unwrap_or(MISSING)).collect();
    let pairs = judge_pairs(names.len());
    let comparisons = pairs
        .iter()
        .map(|&(a, b)| {
            let c = compare_judges(&human, &on_items(a), &on_items(b), opts.bootstrap, opts.seed);
            (names[a].clone(), names[b].clone(), c)
        })
        .collect();
    let agreement = pairs
        .iter()
        .map(|&(a, b)| {
            let pick = |j: usize| -> Vec<u16> { responses.iter().map(|&r| codes[j][r]).collect() };
            (names[a].clone(), names[b].clone(), judge_agreement(&pick(a), &pick(b), q))
        })
        .collect();
    JudgesOnDimension { reports, comparisons, agreement }
}
