//! Percentile bootstrap confidence intervals for Krippendorff's alpha: resample the N items with
//! replacement, recompute α on the same category scale, drop resamples where α is undefined,
//! and take the 2.5 and 97.5 percentiles (linear interpolation, numpy's default). This is the
//! procedure of `shared/iaa-golden/README.md`, not Krippendorff's own KALPHA bootstrap (which
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
fn resample_seed(seed: u64, b: usize) -> u64 {
    SplitMix64::new(seed ^ (b as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

/// The bootstrapped alphas of resamples `range`, `None` where α was undefined.
fn alphas(patterns: &UnitPatterns, metric: &Metric, seed: u64, range: std::ops::Range<usize>) -> Vec<Option<f64>> {
    let n = patterns.unit_pattern.len();
    let mut weights = vec![0u64; patterns.len()];
    range
        .map(|b| {
            weights.iter_mut().for_each(|w| *w = 0);
            let mut rng = SplitMix64::new(resample_seed(seed, b));
            for _ in 0..n {
                weights[patterns.unit_pattern[rng.below(n as u64) as usize] as usize] += 1;
            }
            alpha_from_coincidence(&Coincidence::weighted(patterns, &weights), metric).ok()
        })
        .collect()
}

/// `patterns` must have been built with `keep_units = true`.
pub fn alpha_interval(
    patterns: &UnitPatterns,
    metric: &Metric,
    resamples: usize,
    seed: u64,
) -> Result<BootstrapInterval, Undefined> {
    if patterns.unit_pattern.is_empty() || resamples == 0 {
        return Err(Undefined::NoValidResample);
    }
    // Two threads when there is enough work to pay for them; the result does not depend on it.
    let work = resamples as u64 * patterns.unit_pattern.len() as u64;
    let mut values: Vec<Option<f64>> = if work >= 2_000_000 && resamples >= 2 {
        let half = resamples / 2;
        std::thread::scope(|s| {
            let first = s.spawn(|| alphas(patterns, metric, seed, 0..half));
            let mut second = alphas(patterns, metric, seed, half..resamples);
            let mut all = first.join().expect("bootstrap thread");
            all.append(&mut second);
            all
        })
    } else {
        alphas(patterns, metric, seed, 0..resamples)
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
    fn percentile_matches_numpy_linear() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 50.0), 2.5);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 100.0), 4.0);
        assert!((percentile(&v, 2.5) - 1.075).abs() < 1e-12);
    }
}
