//! How many responses to label, per stratum, to know every judge's accuracy within a margin at
//! a confidence (docs/agreement.md, "How many labels are enough"), and the seeded stratified
//! sample that serves exactly that many.
//!
//! Per judge and stratum the size is the normal-approximation one for a proportion,
//! n₀ = z²·p(1−p)/M², with the finite-population correction n = n₀·N/(n₀ + N − 1) for a stratum
//! of N responses (sampling without replacement), rounded up and at most N. The accuracy p it
//! assumes is the most pessimistic value the data allow: 1/2 (the largest variance) until the
//! judge has been compared with human decisions in the stratum, then the value of the Wilson
//! interval of the observed accuracy, at the same confidence, closest to 1/2. Judges' score
//! rates and their agreement with each other do not bound an accuracy away from 1/2, so before
//! the first labels the plan is the worst case; it shrinks as labels show a judge is good
//! (or bad), and re-running it after a first round of labels gives the rest.

use super::interval::{ProportionInterval, critical_value, wilson};
use super::matrix::MISSING;
use crate::rng::{SplitMix64, stable_hash};
use serde_json::{Map, Value, json};

/// The precision asked: every judge's accuracy within ±`margin` at `confidence`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Precision {
    /// Half-width, 0 < margin < 1 (0.05 = five percentage points).
    pub margin: f64,
    /// 0 < confidence < 1.
    pub confidence: f64,
}

/// A margin or confidence out of its range.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum PrecisionError {
    #[error("margin {0} must be between 0 and 1 (0.05 = five percentage points)")]
    Margin(f64),
    #[error("confidence {0} must be between 0 and 1 (for example 0.95)")]
    Confidence(f64),
}

impl Precision {
    /// Checks the ranges, for a command-line error message.
    pub fn new(margin: f64, confidence: f64) -> Result<Precision, PrecisionError> {
        if !(margin > 0.0 && margin < 1.0) {
            return Err(PrecisionError::Margin(margin));
        }
        if !(confidence > 0.0 && confidence < 1.0) {
            return Err(PrecisionError::Confidence(confidence));
        }
        Ok(Precision { margin, confidence })
    }
}

/// Responses to label to estimate a proportion near `p` within the precision, in a stratum of
/// `population` responses: n₀ = z²p(1−p)/M², corrected to n₀N/(n₀ + N − 1), rounded up, at
/// most N.
pub fn sample_size(p: f64, precision: Precision, population: u64) -> u64 {
    assert!((0.0..=1.0).contains(&p), "accuracy {p}");
    if population == 0 {
        return 0;
    }
    let z = critical_value(precision.confidence);
    let n0 = z * z * p * (1.0 - p) / (precision.margin * precision.margin);
    let nf = population as f64;
    let n = n0 * nf / (n0 + nf - 1.0);
    // A hair below an integer is that integer (n₀ is a product of rounded factors).
    let rounded = (n - 1e-9).ceil().max(0.0) as u64;
    rounded.clamp(1, population)
}

/// Why the plan assumes the accuracy it does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Basis {
    /// No human decision to compare the judge with yet: p = 1/2.
    WorstCase,
    /// From `right` of `compared` decided items: the Wilson interval's value closest to 1/2.
    Observed { right: u64, compared: u64, interval: ProportionInterval },
}

impl Basis {
    pub fn as_str(&self) -> &'static str {
        match self {
            Basis::WorstCase => "worst_case",
            Basis::Observed { .. } => "observed",
        }
    }
}

/// The accuracy to plan on for a judge that gave the human value on `right` of the `compared`
/// decided items it scored.
pub fn planning_accuracy(right: u64, compared: u64, confidence: f64) -> (f64, Basis) {
    match wilson(right, compared, confidence) {
        Ok(interval) => (interval.closest_to_half(), Basis::Observed { right, compared, interval }),
        Err(_) => (0.5, Basis::WorstCase),
    }
}

/// What is known in one stratum: its size, how many of its responses humans have decided, and
/// per judge (in the plan's judge order) `(right, compared)` against those decisions.
#[derive(Debug, Clone, PartialEq)]
pub struct StratumEvidence {
    pub name: String,
    /// Responses in the stratum.
    pub population: u64,
    /// Responses with a human decision.
    pub decided: u64,
    pub judges: Vec<(u64, u64)>,
}

impl StratumEvidence {
    /// The evidence of one stratum from its code rows: `human` holds the human decision per
    /// response of the stratum ([`MISSING`] where undecided), each of `judges` that judge's
    /// score of the same responses ([`MISSING`] where unscored).
    pub fn from_codes(name: &str, human: &[u16], judges: &[&[u16]]) -> StratumEvidence {
        let judges = judges
            .iter()
            .map(|row| {
                assert_eq!(row.len(), human.len(), "one code per response");
                human
                    .iter()
                    .zip(row.iter())
                    .filter(|&(&h, &j)| h != MISSING && j != MISSING)
                    .fold((0u64, 0u64), |(right, compared), (h, j)| (right + u64::from(h == j), compared + 1))
            })
            .collect();
        StratumEvidence {
            name: name.to_string(),
            population: human.len() as u64,
            decided: human.iter().filter(|&&h| h != MISSING).count() as u64,
            judges,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct JudgePlan {
    pub assumed_accuracy: f64,
    pub basis: Basis,
    /// Decided responses this judge needs in the stratum.
    pub needed: u64,
    /// Decided responses it has.
    pub compared: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StratumPlan {
    pub name: String,
    pub population: u64,
    pub decided: u64,
    /// Decided responses the stratum needs: the most any judge needs (the worst case when
    /// there is no judge).
    pub needed: u64,
    /// Responses still to label: the largest shortfall of any judge, at most the undecided ones.
    pub to_label: u64,
    pub judges: Vec<JudgePlan>,
}

impl StratumPlan {
    /// Every judge's accuracy is already known within the margin.
    pub fn is_enough(&self) -> bool {
        self.to_label == 0
    }
}

/// The plan for every stratum, in the order given.
pub fn plan(strata: &[StratumEvidence], precision: Precision) -> Vec<StratumPlan> {
    strata.iter().map(|s| plan_stratum(s, precision)).collect()
}

fn plan_stratum(s: &StratumEvidence, precision: Precision) -> StratumPlan {
    let judges: Vec<JudgePlan> = s
        .judges
        .iter()
        .map(|&(right, compared)| {
            let (p, basis) = planning_accuracy(right, compared, precision.confidence);
            JudgePlan {
                assumed_accuracy: p,
                basis,
                needed: sample_size(p, precision, s.population),
                compared,
            }
        })
        .collect();
    let (needed, shortfall) = if judges.is_empty() {
        let n = sample_size(0.5, precision, s.population);
        (n, n.saturating_sub(s.decided))
    } else {
        (
            judges.iter().map(|j| j.needed).max().unwrap_or(0),
            judges.iter().map(|j| j.needed.saturating_sub(j.compared)).max().unwrap_or(0),
        )
    };
    StratumPlan {
        name: s.name.clone(),
        population: s.population,
        decided: s.decided,
        needed,
        to_label: shortfall.min(s.population.saturating_sub(s.decided)),
        judges,
    }
}

impl StratumPlan {
    /// `{population, decided, needed, to_label, enough, judges: {NAME: {assumed_accuracy, basis,
    /// needed, compared, [accuracy_ci: [low, high]]}}}`; `judge_names` in the plan's judge order.
    pub fn to_json(&self, judge_names: &[String]) -> Value {
        assert_eq!(judge_names.len(), self.judges.len(), "one name per judge");
        let mut judges = Map::new();
        for (name, j) in judge_names.iter().zip(&self.judges) {
            let mut o = json!({
                "assumed_accuracy": j.assumed_accuracy,
                "basis": j.basis.as_str(),
                "needed": j.needed,
                "compared": j.compared,
            });
            if let Basis::Observed { interval, .. } = j.basis {
                o["accuracy_ci"] = json!([interval.low, interval.high]);
            }
            judges.insert(name.clone(), o);
        }
        json!({
            "population": self.population,
            "decided": self.decided,
            "needed": self.needed,
            "to_label": self.to_label,
            "enough": self.is_enough(),
            "judges": judges,
        })
    }
}

/// `take` of `candidates`, chosen uniformly without replacement, the same for the same seed,
/// stratum name and candidate set whatever order the candidates come in (they are sorted
/// first). All of them, in a seeded order, when there are no more than `take`.
pub fn sample_stratum<T: Ord + Clone>(candidates: &[T], take: u64, seed: u64, stratum: &str) -> Vec<T> {
    let mut pool = candidates.to_vec();
    pool.sort();
    pool.dedup();
    let take = usize::try_from(take).unwrap_or(usize::MAX).min(pool.len());
    let mut rng = SplitMix64::new(seed ^ stable_hash(&["plan-sample", stratum]));
    // A partial Fisher–Yates shuffle: the first `take` places are a uniform sample.
    for i in 0..take {
        let j = i + rng.below((pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(take);
    pool
}

/// The planned sample: for every `(stratum, candidates, take)`, [`sample_stratum`].
pub fn stratified_sample<T: Ord + Clone>(
    requests: &[(String, Vec<T>, u64)],
    seed: u64,
) -> Vec<(String, Vec<T>)> {
    requests
        .iter()
        .map(|(name, cands, take)| (name.clone(), sample_stratum(cands, *take, seed, name)))
        .collect()
}

#[cfg(test)]
mod tests;
