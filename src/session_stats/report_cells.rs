//! The cells of `crossreview report`'s results table: for one dimension on some responses (one
//! group), the judge's share of 1s (or mean value) over the responses it scored, the humans'
//! over the responses they labelled (each response weighs the same; a response two annotators
//! split on counts one half), the judge against the human majority, and the humans' own
//! Krippendorff's alpha.

use crate::agreement::session::DimensionRatings;
use crate::agreement::{MISSING, Options, Stat, Undefined, judge};
use crate::schema::Dimension;

/// One dimension within one group.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub judge_n: u64,
    /// Share of 1s (binary dimension) or mean value.
    pub judge_value: Stat,
    pub human_n: u64,
    pub human_labels: u64,
    pub human_value: Stat,
    pub agreement_n: u64,
    pub accuracy: Stat,
    pub cohen_kappa: Stat,
    /// (level name, alpha among the humans)
    pub alpha: (&'static str, Stat),
}

fn mean(sum: f64, n: u64) -> Stat {
    if n == 0 { Err(Undefined::NoPairableItem) } else { Ok(sum / n as f64) }
}

/// A judge's share of 1s (binary dimension) or mean value over the responses `keep` selects
/// that it scored, and how many those are.
pub fn judge_share(
    dim: &Dimension,
    judge_values: &[Option<i64>],
    keep: &dyn Fn(usize) -> bool,
) -> (u64, Stat) {
    let binary = dim.is_binary();
    let score = |v: i64| if binary { (v == 1) as u8 as f64 } else { v as f64 };
    let (mut n, mut sum) = (0u64, 0.0);
    for (r, v) in judge_values.iter().enumerate() {
        if let Some(v) = v
            && keep(r)
            && dim.is_valid(*v)
        {
            n += 1;
            sum += score(*v);
        }
    }
    (n, mean(sum, n))
}

/// The statistics of one dimension on the responses `keep` selects.
pub fn cell(
    dim: &Dimension,
    ratings: &DimensionRatings,
    judge_values: &[Option<i64>],
    keep: &dyn Fn(usize) -> bool,
) -> Cell {
    let binary = dim.is_binary();
    let score = |v: i64| if binary { (v == 1) as u8 as f64 } else { v as f64 };
    let (judge_n, judge_value) = judge_share(dim, judge_values, keep);
    let sub = ratings.subset(keep);
    let values: Vec<f64> = sub.scale.values.clone().unwrap_or_default();
    let (mut human_n, mut human_sum, mut labels) = (0u64, 0.0, 0u64);
    for i in 0..sub.matrix.n_items() {
        let item: Vec<f64> = (0..sub.matrix.n_raters())
            .filter_map(|r| sub.matrix.get(r, i))
            .map(|c| score(values[c as usize] as i64))
            .collect();
        if !item.is_empty() {
            human_n += 1;
            labels += item.len() as u64;
            human_sum += item.iter().sum::<f64>() / item.len() as f64;
        }
    }
    let majority: Vec<u16> = sub.majority().iter().map(|m| m.ok().flatten().unwrap_or(MISSING)).collect();
    let vs = judge::compare(&majority, &sub.judge, sub.scale.q());
    let humans = sub.humans(&Options::default());
    Cell {
        judge_n,
        judge_value,
        human_n,
        human_labels: labels,
        human_value: mean(human_sum, human_n),
        agreement_n: vs.n,
        accuracy: vs.accuracy,
        cohen_kappa: vs.cohen_kappa,
        alpha: humans.alpha.last().copied().unwrap_or(("nominal", Err(Undefined::NoPairableItem))),
    }
}
