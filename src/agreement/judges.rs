//! Several LLM judges side by side (docs/agreement.md, "Several judges"): two judges against the
//! human decision on the items both scored and the humans decided (accuracies, exact McNemar
//! test, percentile-bootstrap interval of the accuracy difference), and two judges against each
//! other without humans (Cohen's κ), so disagreements show before anyone labels.
//!
//! Inputs are code rows as everywhere in this module: one category code per item, [`MISSING`]
//! where there is none (a judge that did not score the item, a human tie or no label).

use super::bootstrap::{percentile, resample_seed};
use super::matrix::{ConfusionMatrix, MISSING, confusion_of};
use super::mcnemar::mcnemar_exact;
use super::{Stat, Undefined, kappa};
use crate::rng::SplitMix64;
use serde_json::{Map, Value, json};

/// How two judges fare against the human decision on the items all three have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JudgeCounts {
    pub both_right: u64,
    /// Judge a gives the human value, judge b does not.
    pub a_only_right: u64,
    pub b_only_right: u64,
    pub both_wrong: u64,
}

impl JudgeCounts {
    /// Counts over the items where `human`, `a` and `b` all have a code.
    pub fn count(human: &[u16], a: &[u16], b: &[u16]) -> JudgeCounts {
        assert!(human.len() == a.len() && a.len() == b.len(), "one code per item in every row");
        let mut t = [0u64; 4];
        for ((&h, &x), &y) in human.iter().zip(a).zip(b) {
            if h != MISSING && x != MISSING && y != MISSING {
                // Index bits: 2 = a wrong, 1 = b wrong.
                t[(usize::from(x != h) << 1) | usize::from(y != h)] += 1;
            }
        }
        JudgeCounts { both_right: t[0], b_only_right: t[2], a_only_right: t[1], both_wrong: t[3] }
    }

    pub fn n(&self) -> u64 {
        self.both_right + self.a_only_right + self.b_only_right + self.both_wrong
    }

    pub fn a_right(&self) -> u64 {
        self.both_right + self.a_only_right
    }

    pub fn b_right(&self) -> u64 {
        self.both_right + self.b_only_right
    }
}

/// A percentile-bootstrap interval of judge a's accuracy minus judge b's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DifferenceInterval {
    pub low: f64,
    pub high: f64,
    pub resamples: usize,
}

/// Two judges against the human decision: one entry of `judge_comparisons`.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgePairComparison {
    pub counts: JudgeCounts,
    /// Items both judges scored and the humans decided.
    pub n: u64,
    pub a_accuracy: Stat,
    pub b_accuracy: Stat,
    /// Exact McNemar test on the discordant items (1 when there is none).
    pub mcnemar_p: Stat,
    /// With a bootstrap: the 95 % interval of a_accuracy − b_accuracy over items.
    pub accuracy_difference_ci95: Option<Result<DifferenceInterval, Undefined>>,
}

/// Compares judges `a` and `b` with the human decision `human` (one code per item, [`MISSING`]
/// where undecided or unscored); with `bootstrap = Some(resamples)`, also the interval of the
/// accuracy difference, resampling items with `seed`.
pub fn compare_judges(
    human: &[u16],
    a: &[u16],
    b: &[u16],
    bootstrap: Option<usize>,
    seed: u64,
) -> JudgePairComparison {
    let counts = JudgeCounts::count(human, a, b);
    let n = counts.n();
    let share = |k: u64| if n == 0 { Err(Undefined::NoJudgedItem) } else { Ok(k as f64 / n as f64) };
    JudgePairComparison {
        counts,
        n,
        a_accuracy: share(counts.a_right()),
        b_accuracy: share(counts.b_right()),
        mcnemar_p: if n == 0 {
            Err(Undefined::NoJudgedItem)
        } else {
            Ok(mcnemar_exact(counts.a_only_right, counts.b_only_right))
        },
        accuracy_difference_ci95: bootstrap.map(|r| accuracy_difference_interval(&counts, r, seed)),
    }
}

/// Percentile bootstrap (2.5 and 97.5 percentiles, numpy's linear interpolation) of
/// a_accuracy − b_accuracy: each resample draws n items with replacement. Only the discordant
/// items move the difference, so an item is drawn as one uniform index and classified.
/// Resample r uses its own stream seeded from (seed, r), like the alpha bootstrap.
pub fn accuracy_difference_interval(
    counts: &JudgeCounts,
    resamples: usize,
    seed: u64,
) -> Result<DifferenceInterval, Undefined> {
    let n = counts.n();
    if n == 0 {
        return Err(Undefined::NoJudgedItem);
    }
    if resamples < 2 {
        return Err(Undefined::NoValidResample);
    }
    let (a_only, discordant) = (counts.a_only_right, counts.a_only_right + counts.b_only_right);
    let mut diffs: Vec<f64> = (0..resamples)
        .map(|r| {
            let mut rng = SplitMix64::new(resample_seed(seed, r));
            let mut net: i64 = 0;
            for _ in 0..n {
                let x = rng.below(n);
                if x < a_only {
                    net += 1;
                } else if x < discordant {
                    net -= 1;
                }
            }
            net as f64 / n as f64
        })
        .collect();
    diffs.sort_by(f64::total_cmp);
    Ok(DifferenceInterval { low: percentile(&diffs, 2.5), high: percentile(&diffs, 97.5), resamples })
}

fn stat_json(s: &Stat) -> Value {
    match s {
        Ok(x) => serde_json::Number::from_f64(*x).map(Value::Number).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

impl JudgePairComparison {
    /// `{a, b, n, a_accuracy, b_accuracy, mcnemar_p}` and, with a bootstrap,
    /// `bootstrap_ci95_accuracy_difference: [low, high]` (null when undefined).
    pub fn to_json(&self, a: &str, b: &str) -> Value {
        let mut o = Map::new();
        o.insert("a".into(), json!(a));
        o.insert("b".into(), json!(b));
        o.insert("n".into(), json!(self.n));
        o.insert("a_accuracy".into(), stat_json(&self.a_accuracy));
        o.insert("b_accuracy".into(), stat_json(&self.b_accuracy));
        o.insert("mcnemar_p".into(), stat_json(&self.mcnemar_p));
        if let Some(ci) = &self.accuracy_difference_ci95 {
            let v = match ci {
                Ok(i) => json!([stat_json(&Ok(i.low)), stat_json(&Ok(i.high))]),
                Err(_) => Value::Null,
            };
            o.insert("bootstrap_ci95_accuracy_difference".into(), v);
        }
        Value::Object(o)
    }

    /// Sentences for the output's `notes`: why a value is null, and how the interval was made.
    pub fn notes(&self, a: &str, b: &str, seed: u64) -> Vec<String> {
        let mut notes = Vec::new();
        if self.n == 0 {
            let keys = if self.accuracy_difference_ci95.is_some() {
                "a_accuracy, b_accuracy, mcnemar_p and bootstrap_ci95_accuracy_difference are"
            } else {
                "a_accuracy, b_accuracy and mcnemar_p are"
            };
            notes.push(format!(
                "judge comparison {a}|{b}: {keys} null: {}.",
                Undefined::NoJudgedItem.reason()
            ));
        }
        match &self.accuracy_difference_ci95 {
            Some(Ok(i)) => notes.push(format!(
                "judge comparison {a}|{b}: bootstrap_ci95_accuracy_difference is {a}'s accuracy minus {b}'s, percentile bootstrap over items, {} resamples, seed {seed}.",
                i.resamples
            )),
            Some(Err(why)) if self.n > 0 => notes.push(format!(
                "judge comparison {a}|{b}: bootstrap_ci95_accuracy_difference is null: {}.",
                why.reason()
            )),
            _ => {}
        }
        notes
    }
}

/// Two judges against each other, no humans involved.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeAgreement {
    /// Items both judges scored.
    pub n: u64,
    pub percent_agreement: Stat,
    pub cohen_kappa: Stat,
    /// Row = judge a's category, column = judge b's, in scale order.
    pub confusion: ConfusionMatrix,
}

/// Agreement of judges `a` and `b` (code rows over the same items) on a scale of `q` categories.
pub fn judge_agreement(a: &[u16], b: &[u16], q: usize) -> JudgeAgreement {
    let confusion = confusion_of(a, b, q);
    JudgeAgreement {
        n: confusion.n(),
        percent_agreement: kappa::observed_agreement(&confusion),
        cohen_kappa: kappa::cohen_kappa(&confusion),
        confusion,
    }
}

impl JudgeAgreement {
    /// `{a, b, n, percent_agreement, cohen_kappa, confusion_matrix}`.
    pub fn to_json(&self, a: &str, b: &str) -> Value {
        json!({
            "a": a,
            "b": b,
            "n": self.n,
            "percent_agreement": stat_json(&self.percent_agreement),
            "cohen_kappa": stat_json(&self.cohen_kappa),
            "confusion_matrix": self.confusion.to_rows(),
        })
    }
}

/// Every pair (i, j), i < j, of `n` judges, in order: the order of `judge_comparisons`.
pub fn judge_pairs(n: usize) -> Vec<(usize, usize)> {
    (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    const M: u16 = MISSING;

    #[test]
    fn counts_only_items_all_three_have() {
        let human = [1, 1, 0, 0, M, 1, 0];
        let a = [1, 0, 0, 1, 1, M, 0];
        let b = [1, 1, 1, 1, 0, 1, 0];
        let c = JudgeCounts::count(&human, &a, &b);
        assert_eq!(c, JudgeCounts { both_right: 2, a_only_right: 1, b_only_right: 1, both_wrong: 1 });
        let cmp = compare_judges(&human, &a, &b, None, 0);
        assert_eq!(cmp.n, 5);
        assert_eq!(cmp.a_accuracy, Ok(0.6));
        assert_eq!(cmp.b_accuracy, Ok(0.6));
        assert_eq!(cmp.mcnemar_p, Ok(1.0));
        assert_eq!(cmp.accuracy_difference_ci95, None);
    }

    /// The second judge is right on every item where the first is wrong, and the first is
    /// never right alone: b wins, and McNemar says it is no accident.
    #[test]
    fn the_second_judge_right_where_the_first_is_wrong() {
        let mut human = Vec::new();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for i in 0..40u16 {
            let h = i % 2;
            human.push(h);
            b.push(h);
            // a is wrong on 12 items out of 40.
            a.push(if i % 10 < 3 { 1 - h } else { h });
        }
        let cmp = compare_judges(&human, &a, &b, Some(2000), 7);
        assert_eq!(cmp.n, 40);
        assert_eq!(cmp.a_accuracy, Ok(0.7));
        assert_eq!(cmp.b_accuracy, Ok(1.0));
        assert!(cmp.b_accuracy.unwrap() > cmp.a_accuracy.unwrap());
        // 12 discordant items all on b's side: 2 · 2⁻¹² .
        assert!((cmp.mcnemar_p.unwrap() - 2.0 / 4096.0).abs() < 1e-15);
        assert!(cmp.mcnemar_p.unwrap() < 0.001);
        let ci = cmp.accuracy_difference_ci95.unwrap().unwrap();
        assert!(ci.high < 0.0 && ci.low < -0.3 && ci.high > -0.2, "{ci:?}");
        let j = cmp.to_json("gpt-4o", "qwen");
        assert_eq!(j["a"], "gpt-4o");
        assert_eq!(j["b_accuracy"], 1.0);
        assert_eq!(j["bootstrap_ci95_accuracy_difference"].as_array().unwrap().len(), 2);
        // Swapping the judges mirrors everything.
        let swapped = compare_judges(&human, &b, &a, Some(2000), 7);
        assert_eq!(swapped.mcnemar_p, cmp.mcnemar_p);
        assert_eq!(swapped.a_accuracy, cmp.b_accuracy);
    }

    #[test]
    fn nothing_to_compare_is_null_never_nan() {
        let cmp = compare_judges(&[M, 1], &[1, M], &[1, 1], Some(100), 1);
        assert_eq!(cmp.n, 0);
        assert_eq!(cmp.a_accuracy, Err(Undefined::NoJudgedItem));
        assert_eq!(cmp.mcnemar_p, Err(Undefined::NoJudgedItem));
        assert_eq!(cmp.accuracy_difference_ci95, Some(Err(Undefined::NoJudgedItem)));
        let j = cmp.to_json("x", "y");
        for k in ["a_accuracy", "b_accuracy", "mcnemar_p", "bootstrap_ci95_accuracy_difference"] {
            assert!(j[k].is_null(), "{k}");
        }
        assert_eq!(j["n"], 0);
        let notes = cmp.notes("x", "y", 1);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("mcnemar_p and bootstrap_ci95_accuracy_difference are null"), "{notes:?}");
        let one = compare_judges(&[1], &[1], &[0], Some(1), 1);
        assert_eq!(one.accuracy_difference_ci95, Some(Err(Undefined::NoValidResample)));
        assert_eq!(one.notes("x", "y", 1).len(), 1);
    }

    #[test]
    fn bootstrap_is_seeded_and_matches_the_normal_width() {
        let counts = JudgeCounts { both_right: 600, a_only_right: 150, b_only_right: 100, both_wrong: 150 };
        let x = accuracy_difference_interval(&counts, 2000, 3).unwrap();
        assert_eq!(x, accuracy_difference_interval(&counts, 2000, 3).unwrap());
        assert_ne!(x, accuracy_difference_interval(&counts, 2000, 4).unwrap());
        // d = 0.05; var(per item) = (a+b)/n − d² = 0.2475; SE = √(0.2475/1000) = 0.01573.
        let se = (0.25f64 - 0.0025).sqrt() / 1000f64.sqrt();
        let (want_lo, want_hi) = (0.05 - 1.96 * se, 0.05 + 1.96 * se);
        assert!((x.low - want_lo).abs() < 0.004 && (x.high - want_hi).abs() < 0.004, "{x:?}");
        // No discordant item: the difference is 0 in every resample.
        let tied = JudgeCounts { both_right: 10, a_only_right: 0, b_only_right: 0, both_wrong: 3 };
        let t = accuracy_difference_interval(&tied, 50, 1).unwrap();
        assert_eq!((t.low, t.high), (0.0, 0.0));
    }

    #[test]
    fn judges_against_each_other() {
        let a = [0, 0, 1, 1, M, 1];
        let b = [0, 1, 1, 1, 0, M];
        let g = judge_agreement(&a, &b, 2);
        assert_eq!(g.n, 4);
        assert_eq!(g.percent_agreement, Ok(0.75));
        assert!((g.cohen_kappa.unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(g.to_json("a", "b")["confusion_matrix"], json!([[1, 1], [0, 2]]));
        let constant = judge_agreement(&[1, 1], &[1, 1], 2);
        assert_eq!(constant.cohen_kappa, Err(Undefined::OneCategoryOnly));
        assert!(constant.to_json("a", "b")["cohen_kappa"].is_null());
        assert_eq!(judge_pairs(3), vec![(0, 1), (0, 2), (1, 2)]);
    }
}
