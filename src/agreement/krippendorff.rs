//! Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):
//! α = 1 − (n.. − 1) Σ o_ck δ_ck / Σ n_c n_k δ_ck, from the coincidence matrix. Any number of
//! raters per item; items with fewer than two ratings are not pairable and are ignored.

use super::Undefined;
use super::counts::{Coincidence, UnitPatterns};
use super::matrix::RatingMatrix;

/// The difference function δ, by measurement level.
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// δ = 1 when c ≠ k.
    Nominal,
    /// δ = (Σ_{g=c..k} n_g − (n_c + n_k)/2)², on the declared category order.
    Ordinal,
    /// δ = (v_c − v_k)², on the categories' numeric values.
    Interval(Vec<f64>),
    /// δ = ((v_c − v_k)/(v_c + v_k))², on non-negative numeric values.
    Ratio(Vec<f64>),
}

impl Metric {
    pub fn name(&self) -> &'static str {
        match self {
            Metric::Nominal => "nominal",
            Metric::Ordinal => "ordinal",
            Metric::Interval(_) => "interval",
            Metric::Ratio(_) => "ratio",
        }
    }

    /// The q × q matrix of δ_ck (row-major). The ordinal metric depends on the marginals n_c.
    pub fn deltas(&self, n_c: &[u64]) -> Result<Vec<f64>, Undefined> {
        let q = n_c.len();
        let mut d = vec![0.0; q * q];
        match self {
            Metric::Nominal => {
                for c in 0..q {
                    for k in 0..q {
                        d[c * q + k] = if c == k { 0.0 } else { 1.0 };
                    }
                }
            }
            Metric::Ordinal => {
                // prefix[i] = Σ_{g<i} n_g, so Σ_{g=c..k} n_g = prefix[k+1] − prefix[c] (c ≤ k).
                let mut prefix = vec![0u64; q + 1];
                for g in 0..q {
                    prefix[g + 1] = prefix[g] + n_c[g];
                }
                for c in 0..q {
                    for k in c + 1..q {
                        let span = (prefix[k + 1] - prefix[c]) as f64 - (n_c[c] + n_c[k]) as f64 / 2.0;
                        d[c * q + k] = span * span;
                        d[k * q + c] = span * span;
                    }
                }
            }
            Metric::Interval(v) => {
                assert_eq!(v.len(), q, "one numeric value per category");
                for c in 0..q {
                    for k in 0..q {
                        let x = v[c] - v[k];
                        d[c * q + k] = x * x;
                    }
                }
            }
            Metric::Ratio(v) => {
                assert_eq!(v.len(), q, "one numeric value per category");
                if v.iter().any(|&x| x < 0.0) {
                    return Err(Undefined::NegativeRatioValue);
                }
                for c in 0..q {
                    for k in 0..q {
                        let s = v[c] + v[k];
                        // Both zero: the same value, no difference.
                        let x = if s == 0.0 { 0.0 } else { (v[c] - v[k]) / s };
                        d[c * q + k] = x * x;
                    }
                }
            }
        }
        Ok(d)
    }
}

/// α from a coincidence matrix.
pub fn alpha_from_coincidence(co: &Coincidence, metric: &Metric) -> Result<f64, Undefined> {
    let n = co.n_total();
    if n == 0 {
        return Err(Undefined::NoPairableItem);
    }
    // With fewer than two distinct pairable values the expected disagreement is exactly zero
    // under every metric; decided on the exact integer marginals rather than on a float.
    if co.n_c.iter().filter(|&&x| x > 0).count() < 2 {
        return Err(Undefined::OneCategoryOnly);
    }
    let delta = metric.deltas(&co.n_c)?;
    let q = co.q;
    let mut observed = 0.0;
    let mut expected = 0.0;
    for c in 0..q {
        for k in 0..q {
            let d = delta[c * q + k];
            if d != 0.0 {
                observed += co.o[c * q + k] * d;
                expected += (co.n_c[c] as f64) * (co.n_c[k] as f64) * d;
            }
        }
    }
    if expected == 0.0 {
        // Distinct categories with equal numeric values (interval/ratio).
        return Err(Undefined::OneCategoryOnly);
    }
    let a = 1.0 - (n as f64 - 1.0) * observed / expected;
    if a.is_finite() { Ok(a) } else { Err(Undefined::OneCategoryOnly) }
}

/// α straight from a ratings matrix.
pub fn alpha(m: &RatingMatrix, metric: &Metric) -> Result<f64, Undefined> {
    let patterns = UnitPatterns::from_matrix(m, false);
    alpha_from_coincidence(&Coincidence::from_patterns(&patterns), metric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_gives_minus_a_half() {
        // edge_cases.json: two raters swapping [1,2]/[2,1] → −0.5 (small-sample correction).
        let m = RatingMatrix::from_rows(2, &[vec![Some(0), Some(1)], vec![Some(1), Some(0)]]);
        assert!((alpha(&m, &Metric::Nominal).unwrap() + 0.5).abs() < 1e-12);
    }

    #[test]
    fn degenerate_inputs_are_undefined_not_nan() {
        let one = RatingMatrix::from_rows(2, &[vec![Some(0); 4], vec![Some(0); 4]]);
        assert_eq!(alpha(&one, &Metric::Nominal), Err(Undefined::OneCategoryOnly));
        assert_eq!(alpha(&one, &Metric::Ordinal), Err(Undefined::OneCategoryOnly));
        let none = RatingMatrix::from_rows(3, &[vec![Some(0), None, Some(1)], vec![None, Some(1), None]]);
        assert_eq!(alpha(&none, &Metric::Nominal), Err(Undefined::NoPairableItem));
        let empty = RatingMatrix::from_rows(3, &[]);
        assert_eq!(alpha(&empty, &Metric::Nominal), Err(Undefined::NoPairableItem));
        let neg = RatingMatrix::from_rows(2, &[vec![Some(0), Some(1)], vec![Some(1), Some(1)]]);
        assert_eq!(alpha(&neg, &Metric::Ratio(vec![-1.0, 1.0])), Err(Undefined::NegativeRatioValue));
    }
}
