//! Confidence intervals for a proportion (a judge's accuracy: k right of n): the Wilson score
//! interval, and the normal quantile it needs (docs/agreement.md, "Several judges").

use super::Undefined;

/// The standard normal quantile Φ⁻¹(p) for 0 < p < 1 (Wichura's AS241, accurate to about
/// 1e-16 relative).
pub fn normal_quantile(p: f64) -> f64 {
    assert!(p > 0.0 && p < 1.0, "normal quantile of {p}");
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        let num = (((((((2509.0809287301227 * r + 33430.57558358813) * r + 67265.7709270087) * r
            + 45921.95393154987)
            * r
            + 13731.69376550946)
            * r
            + 1971.5909503065513)
            * r
            + 133.14166789178438)
            * r
            + 3.3871328727963665)
            * q;
        let den = ((((((5226.495278852854 * r + 28729.085735721943) * r + 39307.89580009271) * r
            + 21213.794301586597)
            * r
            + 5394.196021424751)
            * r
            + 687.1870074920579)
            * r
            + 42.31333070160091)
            * r
            + 1.0;
        return num / den;
    }
    let tail = if q <= 0.0 { p } else { 1.0 - p };
    let mut r = (-tail.ln()).sqrt();
    let x = if r <= 5.0 {
        r -= 1.6;
        let num = ((((((0.0007745450142783414 * r + 0.022723844989269184) * r + 0.2417807251774506) * r
            + 1.2704582524523684)
            * r
            + 3.6478483247632045)
            * r
            + 5.769497221460691)
            * r
            + 4.630337846156546)
            * r
            + 1.4234371107496835;
        let den = ((((((1.0507500716444169e-09 * r + 0.0005475938084995345) * r + 0.015198666563616457)
            * r
            + 0.14810397642748008)
            * r
            + 0.6897673349851)
            * r
            + 1.6763848301838038)
            * r
            + 2.053191626637759)
            * r
            + 1.0;
        num / den
    } else {
        r -= 5.0;
        let num = ((((((2.0103343992922881e-07 * r + 2.7115555687434876e-05) * r + 0.0012426609473880784)
            * r
            + 0.026532189526576124)
            * r
            + 0.29656057182850487)
            * r
            + 1.7848265399172913)
            * r
            + 5.463784911164114)
            * r
            + 6.657904643501103;
        let den = ((((((2.0442631033899397e-15 * r + 1.421511758316446e-07) * r + 1.8463183175100548e-05)
            * r
            + 0.0007868691311456133)
            * r
            + 0.014875361290850615)
            * r
            + 0.1369298809227358)
            * r
            + 0.599832206555888)
            * r
            + 1.0;
        num / den
    };
    if q < 0.0 { -x } else { x }
}

/// The two-sided critical value z with P(|Z| ≤ z) = `confidence` (1.959964 for 0.95).
pub fn critical_value(confidence: f64) -> f64 {
    assert!(confidence > 0.0 && confidence < 1.0, "confidence {confidence} is not in (0, 1)");
    normal_quantile(1.0 - (1.0 - confidence) / 2.0)
}

/// A two-sided interval for a proportion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProportionInterval {
    pub low: f64,
    pub high: f64,
}

impl ProportionInterval {
    pub fn half_width(&self) -> f64 {
        (self.high - self.low) / 2.0
    }

    pub fn contains(&self, p: f64) -> bool {
        self.low <= p && p <= self.high
    }

    /// The value in the interval closest to 1/2 (where a proportion's variance is largest).
    pub fn closest_to_half(&self) -> f64 {
        0.5f64.clamp(self.low, self.high)
    }
}

/// Wilson's score interval for `k` successes in `n` trials at `confidence` (0 < c < 1):
/// center (p̂ + z²/2n)/(1 + z²/n), half-width z·√(p̂(1−p̂)/n + z²/4n²)/(1 + z²/n); the ends are
/// exactly 0 at k = 0 and 1 at k = n, and within [0, 1]. Undefined without a trial.
pub fn wilson(k: u64, n: u64, confidence: f64) -> Result<ProportionInterval, Undefined> {
    assert!(k <= n, "{k} successes in {n} trials");
    let z = critical_value(confidence);
    if n == 0 {
        return Err(Undefined::NoJudgedItem);
    }
    let (kf, nf) = (k as f64, n as f64);
    let p = kf / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let center = (p + z2 / (2.0 * nf)) / denom;
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    // At k = 0 (k = n) the lower (upper) end is exactly 0 (1); rounding would leave ±1e-17.
    let low = if k == 0 { 0.0 } else { (center - half).max(0.0) };
    let high = if k == n { 1.0 } else { (center + half).min(1.0) };
    Ok(ProportionInterval { low, high })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_the_usual_confidences() {
        assert!((critical_value(0.95) - 1.959_963_984_540_054).abs() < 1e-14);
        assert!((critical_value(0.99) - 2.575_829_303_548_900_4).abs() < 1e-14);
        assert!((critical_value(0.90) - 1.644_853_626_951_472_2).abs() < 1e-14);
        assert_eq!(normal_quantile(0.5), 0.0);
        assert!((normal_quantile(1e-10) + 6.361_340_902_404_056).abs() < 1e-12);
        assert_eq!(normal_quantile(0.3), -normal_quantile(0.7));
    }

    #[test]
    fn wilson_edges() {
        assert_eq!(wilson(0, 0, 0.95), Err(Undefined::NoJudgedItem));
        let all = wilson(10, 10, 0.95).unwrap();
        assert_eq!(all.high, 1.0);
        assert!(all.low > 0.69 && all.low < 0.73, "{all:?}");
        let none = wilson(0, 10, 0.95).unwrap();
        assert_eq!(none.low, 0.0);
        assert!((none.high - (1.0 - all.low)).abs() < 1e-12);
        assert_eq!(all.closest_to_half(), all.low);
        assert_eq!(wilson(5, 10, 0.95).unwrap().closest_to_half(), 0.5);
    }
}
