//! `report --judges`: per dimension, every judge's accuracy against the human majority with its
//! Wilson interval, Cohen's κ and n, the best judge, and the strata (groups of `--by`, or the
//! whole session) that still lack human decisions to know every accuracy within a margin
//! (`agreement::plan`).

use super::SessionLabels;
use super::judges::SessionJudges;
use crate::agreement::interval::{ProportionInterval, wilson};
use crate::agreement::plan::{Precision, StratumEvidence, StratumPlan, plan};
use crate::agreement::{MISSING, Stat, judge};
use crate::schema::Dimension;
use serde_json::{Map, Value, json};

/// One judge on one dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeRow {
    pub name: String,
    /// Responses the judge scored and the humans decided.
    pub n: u64,
    pub right: u64,
    pub accuracy: Stat,
    pub interval: Option<ProportionInterval>,
    pub cohen_kappa: Stat,
}

/// Every judge on one dimension, and the strata's plan.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeTable {
    pub dimension: String,
    pub rows: Vec<JudgeRow>,
    /// Index in `rows` of the judge with the highest accuracy (then κ), when one has any.
    pub best: Option<usize>,
    pub strata: Vec<StratumPlan>,
}

impl SessionLabels {
    /// The judge table of `dim`; `groups` gives each response's stratum (none: one stratum,
    /// `all`).
    pub fn judge_table(
        &self,
        dim: &Dimension,
        judges: &SessionJudges,
        groups: Option<&[String]>,
        precision: Precision,
    ) -> JudgeTable {
        let ratings = self.dimension(dim);
        let q = ratings.scale.q();
        // The human decision per response (MISSING where undecided).
        let mut decided = vec![MISSING; self.responses.len()];
        for (i, m) in ratings.majority().into_iter().enumerate() {
            if let Ok(Some(code)) = m {
                decided[ratings.responses[i]] = code;
            }
        }
        let codes: Vec<Vec<u16>> = (0..judges.names.len()).map(|j| judges.codes(j, dim)).collect();
        let rows: Vec<JudgeRow> = judges
            .names
            .iter()
            .zip(&codes)
            .map(|(name, c)| {
                let vs = judge::compare(&decided, c, q);
                let right = decided.iter().zip(c).filter(|&(&h, &j)| h != MISSING && h == j).count() as u64;
                JudgeRow {
                    name: name.clone(),
                    n: vs.n,
                    right,
                    accuracy: vs.accuracy,
                    interval: wilson(right, vs.n, precision.confidence).ok(),
                    cohen_kappa: vs.cohen_kappa,
                }
            })
            .collect();
        let key = |r: &JudgeRow| (r.accuracy.ok(), r.cohen_kappa.ok().unwrap_or(f64::NEG_INFINITY));
        let mut best: Option<usize> = None;
        for (i, r) in rows.iter().enumerate() {
            let better = match (best, key(r)) {
                (_, (None, _)) => false,
                (None, _) => true,
                (Some(b), (Some(a), k)) => {
                    let (ba, bk) = key(&rows[b]);
                    let ba = ba.unwrap_or(f64::NEG_INFINITY);
                    a > ba || (a == ba && k > bk)
                }
            };
            if better {
                best = Some(i);
            }
        }
        let all: Vec<usize> = (0..self.responses.len()).collect();
        let strata_members: Vec<(String, Vec<usize>)> = match groups {
            None => vec![("all".to_string(), all)],
            Some(groups) => {
                let mut names: Vec<&String> = groups.iter().collect();
                names.sort();
                names.dedup();
                names
                    .into_iter()
                    .map(|g| (g.clone(), all.iter().copied().filter(|&r| &groups[r] == g).collect()))
                    .collect()
            }
        };
        let evidence: Vec<StratumEvidence> = strata_members
            .iter()
            .map(|(name, members)| {
                let human: Vec<u16> = members.iter().map(|&r| decided[r]).collect();
                let rows: Vec<Vec<u16>> =
                    codes.iter().map(|c| members.iter().map(|&r| c[r]).collect()).collect();
                let refs: Vec<&[u16]> = rows.iter().map(Vec::as_slice).collect();
                StratumEvidence::from_codes(name, &human, &refs)
            })
            .collect();
        JudgeTable { dimension: dim.name.clone(), rows, best, strata: plan(&evidence, precision) }
    }
}

fn num(s: &Stat) -> Value {
    s.ok().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or(Value::Null)
}

impl JudgeTable {
    /// `{judges: {NAME: {n, right, accuracy, accuracy_ci, cohen_kappa}}, best, strata: {NAME:
    /// plan}, strata_lacking_labels: [NAME]}` (docs/agreement.md).
    pub fn to_json(&self) -> Value {
        let mut judges = Map::new();
        for r in &self.rows {
            judges.insert(
                r.name.clone(),
                json!({
                    "n": r.n,
                    "right": r.right,
                    "accuracy": num(&r.accuracy),
                    "accuracy_ci": r.interval.map(|i| json!([i.low, i.high])).unwrap_or(Value::Null),
                    "cohen_kappa": num(&r.cohen_kappa),
                }),
            );
        }
        let names: Vec<String> = self.rows.iter().map(|r| r.name.clone()).collect();
        let mut strata = Map::new();
        for s in &self.strata {
            strata.insert(s.name.clone(), s.to_json(&names));
        }
        json!({
            "judges": judges,
            "best": self.best.map(|b| self.rows[b].name.clone()),
            "strata": strata,
            "strata_lacking_labels": self.strata.iter().filter(|s| !s.is_enough()).map(|s| s.name.clone()).collect::<Vec<_>>(),
        })
    }
}
