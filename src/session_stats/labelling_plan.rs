//! `crossreview plan` and `annotate --plan`: per stratum and dimension, how many responses need
//! a human decision so that every judge's accuracy is known within a margin, and the seeded
//! stratified sample of undecided responses that serves exactly that (docs/agreement.md, "How
//! many labels are enough"). The rule itself is `agreement::plan`; this module reads the
//! session's decisions and judges' scores and cuts them into strata.

use super::SessionLabels;
use super::judges::SessionJudges;
use crate::agreement::matrix::MISSING;
use crate::agreement::plan::{Precision, StratumEvidence, StratumPlan, plan, stratified_sample};
use crate::model::GroupBy;
use crate::store::{ResponseInfo, Store, StoreError};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// A `--margin` or `--confidence` no precision can be made of (a command-line error).
#[derive(Debug, thiserror::Error)]
#[error("{flag}: {reason}")]
pub struct BadPrecision {
    pub flag: &'static str,
    pub reason: String,
}

/// `--margin` and `--confidence` as a precision, or an error that names the flag at fault.
pub fn precision_of_flags(margin: f64, confidence: f64) -> Result<Precision, BadPrecision> {
    Precision::new(margin, confidence).map_err(|e| BadPrecision {
        flag: if !(margin > 0.0 && margin < 1.0) { "--margin" } else { "--confidence" },
        reason: e.to_string(),
    })
}

/// The name of the one stratum when the plan is not split by a field.
pub const WHOLE_SESSION: &str = "all";

/// A response, as `(item id, model)`.
pub type ResponseKey = (String, String);

/// What the pure planning needs, one entry per response (all rows indexed alike).
pub struct PlanInput {
    pub responses: Vec<ResponseKey>,
    /// Each response's stratum.
    pub strata: Vec<String>,
    /// Per dimension: its name and the human decision per response ([`MISSING`] if none).
    pub human: Vec<(String, Vec<u16>)>,
    /// Per judge: its name and, per dimension (same order as `human`), its code per response.
    pub judges: Vec<(String, Vec<Vec<u16>>)>,
}

/// The plan of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct LabellingPlan {
    pub precision: Precision,
    pub by: Option<GroupBy>,
    pub judges: Vec<String>,
    /// Stratum names, sorted.
    pub strata: Vec<String>,
    /// Per dimension (schema order): its name and its plan per stratum (in `strata` order).
    pub dimensions: Vec<(String, Vec<StratumPlan>)>,
    /// Per stratum: its number of responses.
    pub population: Vec<u64>,
    /// Per stratum: the responses that lack a human decision on some dimension (the sample's
    /// candidates), in response order.
    pub undecided: Vec<Vec<ResponseKey>>,
}

impl LabellingPlan {
    /// Reads the session: the human decision per response and dimension is the annotators'
    /// plurality (ties and adjudicators left out, as `agreement --judge` compares judges),
    /// every judge's values come from [`SessionJudges`].
    pub fn of_session(
        store: &Store,
        precision: Precision,
        by: Option<GroupBy>,
    ) -> Result<LabellingPlan, StoreError> {
        let labels = SessionLabels::load(store)?;
        let dims = &store.schema().dimensions;
        let n = labels.responses.len();
        let mut human = Vec::with_capacity(dims.len());
        for dim in dims {
            let ratings = labels.dimension(dim);
            let mut codes = vec![MISSING; n];
            for (column, decision) in ratings.majority().into_iter().enumerate() {
                if let Ok(Some(code)) = decision {
                    codes[ratings.responses[column]] = code;
                }
            }
            human.push((dim.name.clone(), codes));
        }
        // Each judge's values as codes on each dimension's scale, read once for all judges.
        let session_judges = SessionJudges::load(store, &labels)?;
        let judges = (session_judges.names.iter().enumerate())
            .map(|(j, name)| (name.clone(), dims.iter().map(|dim| session_judges.codes(j, dim)).collect()))
            .collect();
        let input = PlanInput {
            responses: labels
                .responses
                .iter()
                .map(|r| (r.item_id.to_string(), r.model.to_string()))
                .collect(),
            strata: labels.responses.iter().map(|r| stratum_of(r, by)).collect(),
            human,
            judges,
        };
        Ok(LabellingPlan::build(&input, precision, by))
    }

    /// The plan from plain values (pure).
    pub fn build(input: &PlanInput, precision: Precision, by: Option<GroupBy>) -> LabellingPlan {
        // One pass: each stratum's responses, strata in name order.
        let mut by_stratum: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (r, s) in input.strata.iter().enumerate() {
            by_stratum.entry(s.as_str()).or_default().push(r);
        }
        let strata: Vec<String> = by_stratum.keys().map(|s| s.to_string()).collect();
        let members: Vec<Vec<usize>> = by_stratum.into_values().collect();
        let dimensions = input
            .human
            .iter()
            .enumerate()
            .map(|(d, (name, human))| {
                let evidence: Vec<StratumEvidence> = strata
                    .iter()
                    .zip(&members)
                    .map(|(stratum, rs)| {
                        let h: Vec<u16> = rs.iter().map(|&r| human[r]).collect();
                        let js: Vec<Vec<u16>> = input
                            .judges
                            .iter()
                            .map(|(_, rows)| rs.iter().map(|&r| rows[d][r]).collect())
                            .collect();
                        let js: Vec<&[u16]> = js.iter().map(Vec::as_slice).collect();
                        StratumEvidence::from_codes(stratum, &h, &js)
                    })
                    .collect();
                (name.clone(), plan(&evidence, precision))
            })
            .collect();
        let undecided = members
            .iter()
            .map(|rs| {
                rs.iter()
                    .filter(|&&r| input.human.iter().any(|(_, h)| h[r] == MISSING))
                    .map(|&r| input.responses[r].clone())
                    .collect()
            })
            .collect();
        LabellingPlan {
            precision,
            by,
            judges: input.judges.iter().map(|(name, _)| name.clone()).collect(),
            population: members.iter().map(|m| m.len() as u64).collect(),
            strata,
            dimensions,
            undecided,
        }
    }

    /// Responses still to label in stratum `s`: what its neediest dimension lacks.
    pub fn to_label(&self, s: usize) -> u64 {
        self.dimensions.iter().map(|(_, plans)| plans[s].to_label).max().unwrap_or(0)
    }

    /// Responses still to label in the whole session.
    pub fn total_to_label(&self) -> u64 {
        (0..self.strata.len()).map(|s| self.to_label(s)).sum()
    }

    /// The sample `annotate --plan` serves: per stratum (in order), [`Self::to_label`] of its
    /// undecided responses, chosen by the seed; the same on every machine.
    pub fn sample(&self, seed: u64) -> Vec<ResponseKey> {
        let requests: Vec<(String, Vec<ResponseKey>, u64)> = (0..self.strata.len())
            .map(|s| (self.strata[s].clone(), self.undecided[s].clone(), self.to_label(s)))
            .collect();
        stratified_sample(&requests, seed).into_iter().flat_map(|(_, keys)| keys).collect()
    }

    /// `{margin, confidence, by, judges, dimensions: {DIM: {STRATUM: …}}, strata: {STRATUM:
    /// {population, undecided, to_label}}, to_label}` (docs/agreement.md).
    pub fn to_json(&self) -> Value {
        let mut dimensions = Map::new();
        for (name, plans) in &self.dimensions {
            let strata: Map<String, Value> =
                plans.iter().map(|p| (p.name.clone(), p.to_json(&self.judges))).collect();
            dimensions.insert(name.clone(), Value::Object(strata));
        }
        let strata: Map<String, Value> = (0..self.strata.len())
            .map(|s| {
                let o = json!({
                    "population": self.population[s],
                    "undecided": self.undecided[s].len(),
                    "to_label": self.to_label(s),
                });
                (self.strata[s].clone(), o)
            })
            .collect();
        json!({
            "margin": self.precision.margin,
            "confidence": self.precision.confidence,
            "by": self.by.map(GroupBy::as_str),
            "judges": self.judges,
            "dimensions": dimensions,
            "strata": strata,
            "to_label": self.total_to_label(),
        })
    }
}

/// A response's stratum: the value of the `by` field ("(none)" when its item has none), or
/// [`WHOLE_SESSION`].
fn stratum_of(r: &ResponseInfo, by: Option<GroupBy>) -> String {
    by.map_or_else(|| WHOLE_SESSION.to_string(), |by| r.group_value(by))
}

#[cfg(test)]
mod tests;
