//! The exact McNemar test: do two judges, scored on the same items, have the same accuracy?
//!
//! Only the discordant items carry information: `b` items where the first judge alone is right,
//! `c` where the second alone is. Under the null hypothesis each discordant item is a fair coin,
//! so the two-sided p-value is `min(1, 2 · P(X ≤ min(b, c)))` with X ~ Bin(b + c, 1/2), and 1
//! when there is no discordant item (docs/agreement.md, "Several judges").
//!
//! The binomial probabilities are Loader's saddle-point form (the one R's `dbinom` uses), so a
//! single probability is accurate to a few ulps even for b + c in the millions, and the tail is
//! summed in log space: no overflow, no cancellation, no underflow until the p-value itself is
//! below the smallest double.

use std::f64::consts::{LN_2, PI};

/// Two-sided p-value of the exact McNemar test on `b` and `c` discordant items.
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    binomial_two_sided_half(b.min(c), b + c)
}

/// Two-sided exact binomial test of `k` successes in `n` trials against p = 1/2:
/// `min(1, 2 · P(X ≤ min(k, n − k)))`, and 1 when n = 0.
pub fn binomial_two_sided_half(k: u64, n: u64) -> f64 {
    assert!(k <= n, "{k} successes in {n} trials");
    if n == 0 {
        return 1.0;
    }
    let m = k.min(n - k);
    if 2 * m >= n {
        // The tail holds at least half the mass (m is the median or beyond).
        return 1.0;
    }
    (LN_2 + ln_cdf_half(m, n)).exp().min(1.0)
}

/// ln P(X ≤ m) for X ~ Bin(n, 1/2) and m < n/2.
fn ln_cdf_half(m: u64, n: u64) -> f64 {
    // P(X ≤ m) = P(X = m) · Σ_{i ≤ m} P(X = i)/P(X = m); below the mode the ratios fall
    // (r_{i−1} = r_i · i/(n − i + 1)), so the sum stops once a term no longer changes it.
    let mut sum = 1.0f64;
    let mut r = 1.0f64;
    let mut i = m;
    while i > 0 {
        r *= i as f64 / (n - i + 1) as f64;
        let next = sum + r;
        if next == sum {
            break;
        }
        sum = next;
        i -= 1;
    }
    ln_pmf_half(m, n) + sum.ln()
}

/// ln P(X = x) for X ~ Bin(n, 1/2) (Loader 2000, "Fast and accurate computation of binomial
/// probabilities").
pub fn ln_pmf_half(x: u64, n: u64) -> f64 {
    assert!(x <= n);
    if x == 0 || x == n {
        return -(n as f64) * LN_2;
    }
    let (nf, xf) = (n as f64, x as f64);
    let half = nf / 2.0;
    let lc = stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(xf, half) - bd0(nf - xf, half);
    let lf = (2.0 * PI).ln() + xf.ln() + (-xf / nf).ln_1p();
    lc - 0.5 * lf
}

/// ln(n!) − ln(√(2πn) (n/e)ⁿ), the error of Stirling's formula.
fn stirlerr(n: u64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 15 {
        // n! is exact in a double up to 18!, so ln(n!) is correctly rounded and the
        // difference loses only what the subtraction of ~30-sized terms loses (~1e-14).
        let fact: f64 = (1..=n).map(|k| k as f64).product();
        let nf = n as f64;
        if n == 0 {
            return 0.0;
        }
        return fact.ln() - (nf + 0.5) * nf.ln() + nf - 0.5 * (2.0 * PI).ln();
    }
    let nf = n as f64;
    let nn = nf * nf;
    if n > 500 {
        (S0 - S1 / nn) / nf
    } else if n > 80 {
        (S0 - (S1 - S2 / nn) / nn) / nf
    } else if n > 35 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / nf
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / nf
    }
}

/// x·ln(x/np) + np − x, the deviance term, without cancellation when x is close to np.
fn bd0(x: f64, np: f64) -> f64 {
    if (x - np).abs() < 0.1 * (x + np) {
        let v = (x - np) / (x + np);
        let mut s = (x - np) * v;
        let mut ej = 2.0 * x * v;
        let v2 = v * v;
        for j in 1..1000 {
            ej *= v2;
            let s1 = s + ej / (2 * j + 1) as f64;
            if s1 == s {
                return s1;
            }
            s = s1;
        }
        s
    } else {
        x * (x / np).ln() + np - x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact binomial probabilities by exact integer arithmetic (small n).
    fn exact_cdf_times_two(m: u64, n: u64) -> f64 {
        let mut c: u128 = 1;
        let mut total: u128 = 0;
        for i in 0..=m {
            if i > 0 {
                c = c * (n - i + 1) as u128 / i as u128;
            }
            total += c;
        }
        (2.0 * total as f64 / 2f64.powi(n as i32)).min(1.0)
    }

    #[test]
    fn small_tables_match_exact_integer_sums() {
        for n in 0..=100u64 {
            for k in 0..=n {
                let got = binomial_two_sided_half(k, n);
                let want = exact_cdf_times_two(k.min(n - k), n);
                assert!((got - want).abs() <= 1e-13 * want.max(1e-300), "k={k} n={n}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn stirling_error_matches_its_definition_across_the_switch() {
        // Known values (30-digit arithmetic): stirlerr(1) = 1 − ln√(2π), then 10, 15, 16.
        assert!((stirlerr(1) - (1.0 - 0.5 * (2.0 * PI).ln())).abs() < 1e-15);
        assert!((stirlerr(10) - 0.00833056343336287).abs() < 1e-14);
        assert!((stirlerr(15) - 0.005554733551962801).abs() < 1e-14);
        assert!((stirlerr(16) - 0.00520765591960964).abs() < 1e-15);
        // Continuity of the series with the direct form at 15/16: stirlerr(n) ≈ 1/(12n).
        let d15 = stirlerr(15) - 1.0 / 180.0;
        let d16 = stirlerr(16) - 1.0 / 192.0;
        assert!(d15.abs() < 2e-6 && d16.abs() < 2e-6, "{d15} {d16}");
    }

    #[test]
    fn pmf_sums_to_one_for_large_n() {
        let n = 1_000_000u64;
        let total: f64 = (0..=n).map(|x| ln_pmf_half(x, n).exp()).sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
    }

    #[test]
    fn symmetric_and_bounded() {
        assert_eq!(mcnemar_exact(0, 0), 1.0);
        assert_eq!(mcnemar_exact(7, 7), 1.0);
        assert_eq!(mcnemar_exact(3, 9), mcnemar_exact(9, 3));
        assert!((mcnemar_exact(0, 5) - 0.0625).abs() < 1e-15);
        // e^−20 000 is below the smallest double: 0, not NaN.
        assert_eq!(mcnemar_exact(400_000, 600_000), 0.0);
        let p = mcnemar_exact(499_000, 501_000);
        assert!(p.is_finite() && p > 0.0 && p < 0.1, "{p}");
    }
}
