//! Percentile bootstrap confidence intervals for Krippendorff's alpha: resample the N items with
//! replacement, recompute α on the same category scale, drop resamples where α is undefined,
//! and take the 2.5 and 97.5 percentiles (linear interpolation, numpy's default). This is the
//! procedure of docs/agreement.md ("Definitions"; reference data in `tests/fixtures/iaa-golden/`), not Krippendorff's own KALPHA bootstrap (which
//! resamples pairs of values).
//!
//! Resample b draws from its own SplitMix64 stream seeded from (seed, b), so the interval is the
//! same for a given seed however the resamples are split across threads.

use super::Undefined;
use super::counts::{Coincidence, UnitPatterns};
use super::krippendorff::{Metric, alpha_from_coincidence};
use crate::rng::SplitMix64;

#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapInterval {
    pub low: f64,
    pub high: f64,
    /// Standard deviation of the valid resampled alphas (ddof = 1).
    pub se: f64,
    pub resamples: usize,
    /// Resamples where α was defined (the others are dropped).
    pub valid: usize,
}

/// Seed of resample `b`: the run's seed and the resample index, mixed.
pub(super) fn resample_seed(seed: u64, b: usize) -> u64 {
    SplitMix64::new(seed ^ (b as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

/// Draws an item uniformly and returns its pattern. Items with the same pattern are
/// interchangeable, so this is exactly resampling items, without a per-item array: item x (in
/// pattern order) has pattern p when cum[p−1] ≤ x < cum[p]; a guide table (Chen & Asau) jumps
/// close to p and a short scan finishes.
struct PatternSampler {
    n: u64,
    /// cum[p] = items in patterns 0..=p.
    cum: Vec<u64>,
    /// guide[b] = first pattern that can hold an item x with ⌊x·G/n⌋ = b.
    guide: Vec<u32>,
    /// ⌊G·2⁶⁴/n⌋ (saturated): (x · this) >> 64 is a bucket at or below x's, with one
    /// multiplication instead of a 128-bit division.
    bucket_multiplier: u64,
}

impl PatternSampler {
    fn new(multiplicity: &[u64]) -> PatternSampler {
        let cum: Vec<u64> = multiplicity
            .iter()
            .scan(0u64, |acc, &m| {
                *acc += m;
                Some(*acc)
            })
            .collect();
        let n = cum.last().copied().unwrap_or(0);
        let g = (4 * cum.len()).max(1) as u64;
        let bucket_multiplier =
            if n == 0 { 0 } else { u64::try_from(((g as u128) << 64) / n as u128).unwrap_or(u64::MAX) };
        let guide = (0..g)
            .map(|b| {
                // Smallest x with ⌊x·g/n⌋ = b is ⌈b·n/g⌉.
                let lo = ((b as u128 * n as u128).div_ceil(g as u128)) as u64;
                cum.partition_point(|&c| c <= lo) as u32
            })
            .collect();
        PatternSampler { n, cum, guide, bucket_multiplier }
    }

    fn draw(&self, rng: &mut SplitMix64) -> usize {
        let x = rng.below(self.n);
        self.pattern_of(x)
    }

    fn pattern_of(&self, x: u64) -> usize {
        // A bucket at or below x's true bucket: its guide is at or before x's pattern.
        let b = ((x as u128 * self.bucket_multiplier as u128) >> 64) as usize;
        let mut p = self.guide[b] as usize;
        while self.cum[p] <= x {
            p += 1;
        }
        p
    }
}

/// The bootstrapped alphas of resamples `range`, `None` where α was undefined.
fn alphas(
    patterns: &UnitPatterns,
    sampler: &PatternSampler,
    metric: &Metric,
    seed: u64,
    range: std::ops::Range<usize>,
) -> Vec<Option<f64>> {
    let mut weights = vec![0u64; patterns.len()];
    range
        .map(|b| {
            weights.iter_mut().for_each(|w| *w = 0);
            let mut rng = SplitMix64::new(resample_seed(seed, b));
            for _ in 0..sampler.n {
                weights[sampler.draw(&mut rng)] += 1;
            }
            alpha_from_coincidence(&Coincidence::weighted(patterns, &weights), metric).ok()
        })
        .collect()
}

/// Percentile-bootstrap interval of α over the items counted in `patterns`.
pub fn alpha_interval(
    patterns: &UnitPatterns,
    metric: &Metric,
    resamples: usize,
    seed: u64,
) -> Result<BootstrapInterval, Undefined> {
    let sampler = PatternSampler::new(&patterns.multiplicity);
    if sampler.n == 0 || resamples == 0 {
        return Err(Undefined::NoValidResample);
    }
    // Two threads when there is enough work to pay for them; the result does not depend on it.
    let work = resamples as u64 * sampler.n;
    let mut values: Vec<Option<f64>> = if work >= 2_000_000 && resamples >= 2 {
        let half = resamples / 2;
        std::thread::scope(|s| {
            let first = s.spawn(|| alphas(patterns, &sampler, metric, seed, 0..half));
            let mut second = alphas(patterns, &sampler, metric, seed, half..resamples);
            let mut all = first.join().expect("bootstrap thread");
            all.append(&mut second);
            all
        })
    } else {
        alphas(patterns, &sampler, metric, seed, 0..resamples)
    };
    let mut valid: Vec<f64> = values.drain(..).flatten().collect();
    if valid.len() < 2 {
        return Err(Undefined::NoValidResample);
    }
    valid.sort_by(f64::total_cmp);
    let mean = valid.iter().sum::<f64>() / valid.len() as f64;
    let var = valid.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>() / (valid.len() - 1) as f64;
    Ok(BootstrapInterval {
        low: percentile(&valid, 2.5),
        high: percentile(&valid, 97.5),
        se: var.sqrt(),
        resamples,
        valid: valid.len(),
    })
}

/// Percentile of sorted data with linear interpolation between order statistics (numpy's
/// default "linear" method).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p / 100.0;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_draws_follow_the_multiplicities_exactly() {
        // Every x in 0..n maps to the pattern that holds item x.
        let mult = [3u64, 0, 1, 5, 2];
        let s = PatternSampler::new(&mult);
        let mut expected = Vec::new();
        for (p, &m) in mult.iter().enumerate() {
            expected.extend(std::iter::repeat_n(p, m as usize));
        }
        for (x, &want) in expected.iter().enumerate() {
            assert_eq!(s.pattern_of(x as u64), want, "item {x}");
        }
        // One item, one pattern; and many patterns over few items.
        assert_eq!(PatternSampler::new(&[1]).pattern_of(0), 0);
        let ones = vec![1u64; 50];
        let many = PatternSampler::new(&ones);
        for x in 0..50 {
            assert_eq!(many.pattern_of(x), x as usize);
        }
        let mut rng = SplitMix64::new(1);
        let mut counts = [0u64; 5];
        for _ in 0..110_000 {
            counts[s.draw(&mut rng)] += 1;
        }
        assert_eq!(counts[1], 0);
        for (c, m) in counts.iter().zip(mult) {
            assert!((*c as f64 / 10_000.0 - m as f64).abs() < 0.15, "{counts:?}");
        }
    }

    #[test]
    fn percentile_matches_numpy_linear() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 50.0), 2.5);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 100.0), 4.0);
        assert!((percentile(&v, 2.5) - 1.075).abs() < 1e-12);
    }
}
