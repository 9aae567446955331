//! The chance-corrected agreement coefficients of the kappa family, with the definitions of
//! docs/agreement.md ("Definitions"; reference data in `tests/fixtures/iaa-golden/`):
//!
//! - two raters (from the confusion matrix on co-rated items): Cohen's κ, Cohen's weighted κ
//!   (linear and quadratic disagreement weights, see [`Weights`]), Scott's π;
//! - any number of raters (from per-item counts): percent agreement, Fleiss' κ (Gwet's
//!   generalisation for missing data), Randolph's free-marginal κ, Conger's κ, Gwet's AC1 and
//!   AC2, and Light's κ (mean pairwise Cohen).
//!
//! The two-rater coefficients are computed in exact integer arithmetic up to one final division.

use super::Undefined;
use super::counts::{CountSummary, UnitPatterns};
use super::matrix::{ConfusionMatrix, RatingMatrix};

/// The shape of the disagreement weights: linear or quadratic in the distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weighting {
    /// |j − k|
    Linear,
    /// (j − k)²
    Quadratic,
}

impl Weighting {
    /// The disagreement for a distance `d` between two positions: `d` or `d²`.
    fn of<T: Copy + std::ops::Mul<Output = T>>(self, d: T) -> T {
        match self {
            Weighting::Linear => d,
            Weighting::Quadratic => d * d,
        }
    }

    fn distance(self, j: usize, k: usize) -> i128 {
        self.of(j.abs_diff(k) as i128)
    }
}

/// Disagreement weights for the weighted coefficients (weighted κ, AC2): linear or quadratic
/// distance between the positions of two categories. At the ordinal level the positions are the
/// ranks of the declared scale; at the interval and ratio levels they are the categories' numeric
/// values, so that the spacing counts (Gwet, Handbook of Inter-Rater Reliability, ch. 3; irrCAC
/// does the same whenever categories are numbers). Scaling cancels, so only relative distances
/// matter: with equally spaced values both give the same coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    kind: Weighting,
    /// The categories' numeric values in scale order; `None` = ranks.
    values: Option<Vec<f64>>,
}

impl Weights {
    /// Distances between the ranks of the categories (the ordinal level).
    pub fn on_ranks(kind: Weighting) -> Weights {
        Weights { kind, values: None }
    }

    /// Distances between the categories' values (the interval and ratio levels).
    pub fn on_values(kind: Weighting, values: &[f64]) -> Weights {
        Weights { kind, values: Some(values.to_vec()) }
    }

    fn distance(&self, j: usize, k: usize) -> f64 {
        match &self.values {
            None => self.kind.distance(j, k) as f64,
            Some(v) => self.kind.of((v[j] - v[k]).abs()),
        }
    }

    /// The largest distance on the scale (between its two ends).
    fn max_distance(&self, q: usize) -> f64 {
        match &self.values {
            None => self.kind.distance(0, q - 1) as f64,
            Some(v) => {
                let (lo, hi) =
                    v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
                self.kind.of(hi - lo)
            }
        }
    }

    /// Gwet's agreement weights 1 − distance / max distance, q × q row-major, for q ≥ 2.
    fn agreement_matrix(&self, q: usize) -> Vec<f64> {
        let max = self.max_distance(q);
        (0..q)
            .flat_map(|j| (0..q).map(move |k| (j, k)))
            .map(
                |(j, k)| {
                    if max == 0.0 { f64::from(u8::from(j == k)) } else { 1.0 - self.distance(j, k) / max }
                },
            )
            .collect()
    }
}

impl From<Weighting> for Weights {
    fn from(kind: Weighting) -> Weights {
        Weights::on_ranks(kind)
    }
}

fn ratio(num: i128, den: i128) -> Result<f64, Undefined> {
    if den == 0 {
        return Err(Undefined::OneCategoryOnly);
    }
    Ok(num as f64 / den as f64)
}

/// Share of co-rated items with equal labels.
pub fn observed_agreement(c: &ConfusionMatrix) -> Result<f64, Undefined> {
    let n = c.n();
    if n == 0 {
        return Err(Undefined::NoCoRatedItem);
    }
    Ok(c.diagonal_sum() as f64 / n as f64)
}

/// Cohen (1960): (p_o − p_e)/(1 − p_e), p_e = Σ_k p_Ak p_Bk. Multiplying through by n² gives
/// (n·T − Σ r_k c_k)/(n² − Σ r_k c_k) in integers.
pub fn cohen_kappa(c: &ConfusionMatrix) -> Result<f64, Undefined> {
    let n = c.n() as i128;
    if n == 0 {
        return Err(Undefined::NoCoRatedItem);
    }
    let rows = c.row_sums();
    let cols = c.col_sums();
    let chance: i128 = rows.iter().zip(&cols).map(|(&r, &k)| r as i128 * k as i128).sum();
    ratio(n * c.diagonal_sum() as i128 - chance, n * n - chance)
}

/// Cohen (1968): κ_w = 1 − Σ v_jk o_jk / Σ v_jk e_jk with e_jk = r_j c_k / n, i.e.
/// 1 − n Σ v o / Σ v r c.
/// On ranks this is exact integer arithmetic up to the last division; on values, floating point.
pub fn cohen_kappa_weighted(c: &ConfusionMatrix, w: impl Into<Weights>) -> Result<f64, Undefined> {
    let w = w.into();
    let n = c.n() as i128;
    if n == 0 {
        return Err(Undefined::NoCoRatedItem);
    }
    let rows = c.row_sums();
    let cols = c.col_sums();
    if w.values.is_some() {
        let (mut observed, mut expected) = (0.0, 0.0);
        for (j, &row) in rows.iter().enumerate() {
            for (k, &col) in cols.iter().enumerate() {
                let v = w.distance(j, k);
                observed += v * c.get(j, k) as f64;
                expected += v * row as f64 * col as f64;
            }
        }
        if expected == 0.0 {
            return Err(Undefined::OneCategoryOnly);
        }
        return Ok(1.0 - n as f64 * observed / expected);
    }
    let w = w.kind;
    let mut observed: i128 = 0;
    let mut expected: i128 = 0;
    for (j, &row) in rows.iter().enumerate() {
        for (k, &col) in cols.iter().enumerate() {
            let v = w.distance(j, k);
            if v != 0 {
                observed += v * c.get(j, k) as i128;
                expected += v * row as i128 * col as i128;
            }
        }
    }
    Ok(1.0 - ratio(n * observed, expected)?)
}

/// Scott (1955): p_e = Σ_k ((p_Ak + p_Bk)/2)², i.e. (4nT − Σ(r+c)²)/(4n² − Σ(r+c)²).
pub fn scott_pi(c: &ConfusionMatrix) -> Result<f64, Undefined> {
    let n = c.n() as i128;
    if n == 0 {
        return Err(Undefined::NoCoRatedItem);
    }
    let rows = c.row_sums();
    let cols = c.col_sums();
    let chance: i128 = rows.iter().zip(&cols).map(|(&r, &k)| (r + k) as i128 * (r + k) as i128).sum();
    ratio(4 * n * c.diagonal_sum() as i128 - chance, 4 * n * n - chance)
}

/// Gwet's contingency-table AC1 for two raters (co-rated items only):
/// p_e = Σ_k π_k(1 − π_k)/(q − 1), π_k = (p_Ak + p_Bk)/2.
pub fn gwet_ac1_table(c: &ConfusionMatrix) -> Result<f64, Undefined> {
    let n = c.n();
    if n == 0 {
        return Err(Undefined::NoCoRatedItem);
    }
    let q = c.q;
    if q < 2 {
        return Err(Undefined::FewerThanTwoCategories);
    }
    let rows = c.row_sums();
    let cols = c.col_sums();
    let pe: f64 = rows
        .iter()
        .zip(&cols)
        .map(|(&r, &k)| {
            let pi = (r + k) as f64 / (2 * n) as f64;
            pi * (1.0 - pi)
        })
        .sum::<f64>()
        / (q - 1) as f64;
    chance_corrected(c.diagonal_sum() as f64 / n as f64, pe)
}

fn chance_corrected(pa: f64, pe: f64) -> Result<f64, Undefined> {
    if pe == 1.0 {
        return Err(Undefined::OneCategoryOnly);
    }
    let k = (pa - pe) / (1.0 - pe);
    if k.is_finite() { Ok(k) } else { Err(Undefined::OneCategoryOnly) }
}

/// Fleiss' p_a: mean over items with ≥ 2 ratings of the share of agreeing rater pairs.
pub fn percent_agreement(s: &CountSummary) -> Result<f64, Undefined> {
    weighted_percent_agreement(s, None)
}

/// p_a with agreement weights w_kl (Gwet): mean over pairable items of
/// Σ_k r_ik (r*_ik − 1)/(r_i(r_i − 1)), r*_ik = Σ_l w_kl r_il.
/// `w` is q × q row-major ([`Weights::agreement_matrix`]); `None` = identity (unweighted).
fn weighted_percent_agreement(s: &CountSummary, w: Option<&[f64]>) -> Result<f64, Undefined> {
    if s.pairable_units == 0 {
        return Err(Undefined::NoPairableItem);
    }
    let q = s.q;
    let mut agree = 0.0;
    for c in 0..q {
        for k in 0..q {
            let weight = match w {
                None => {
                    if c == k {
                        1.0
                    } else {
                        0.0
                    }
                }
                Some(w) => w[c * q + k],
            };
            if weight != 0.0 {
                agree += weight * s.pair_share_products[c * q + k];
            }
        }
    }
    Ok((agree - s.pair_share_correction) / s.pairable_units as f64)
}

/// Fleiss (1971), with Gwet's generalisation for missing data: p_e = Σ π_k², π_k averaged over
/// every item with at least one rating.
pub fn fleiss_kappa(s: &CountSummary) -> Result<f64, Undefined> {
    let pa = percent_agreement(s)?;
    let pe: f64 = s.category_shares().iter().map(|p| p * p).sum();
    chance_corrected(pa, pe)
}

/// Randolph (2005) free-marginal κ (= Brennan–Prediger, Bennett's S): p_e = 1/q, q declared.
pub fn randolph_kappa(s: &CountSummary) -> Result<f64, Undefined> {
    if s.q < 2 {
        return Err(Undefined::FewerThanTwoCategories);
    }
    let pa = percent_agreement(s)?;
    chance_corrected(pa, 1.0 / s.q as f64)
}

/// Gwet (2008) AC1: p_e = Σ_k π_k(1 − π_k)/(q − 1), q declared.
pub fn gwet_ac1(s: &CountSummary) -> Result<f64, Undefined> {
    if s.q < 2 {
        return Err(Undefined::FewerThanTwoCategories);
    }
    let pa = percent_agreement(s)?;
    let pe = s.category_shares().iter().map(|p| p * (1.0 - p)).sum::<f64>() / (s.q - 1) as f64;
    chance_corrected(pa, pe)
}

/// Gwet's AC2: weighted p_a; p_e = T_w/(q(q − 1)) Σ_k π_k(1 − π_k), T_w = Σ_kl w_kl.
pub fn gwet_ac2(s: &CountSummary, w: impl Into<Weights>) -> Result<f64, Undefined> {
    let w = w.into();
    let q = s.q;
    if q < 2 {
        return Err(Undefined::FewerThanTwoCategories);
    }
    let weights = w.agreement_matrix(q);
    let pa = weighted_percent_agreement(s, Some(&weights))?;
    let total_weight: f64 = weights.iter().sum();
    let spread: f64 = s.category_shares().iter().map(|p| p * (1.0 - p)).sum();
    chance_corrected(pa, total_weight / (q * (q - 1)) as f64 * spread)
}

/// Conger (1980) = Davies & Fleiss (1982): Fleiss' p_a; p_e = Σ_k (p̄_k² − s_k²/R) with p_rk the
/// share of rater r's ratings in k and s_k² their sample variance over the R raters. Raters who
/// gave no rating are left out of R. `rater_counts` is raters × q, row-major.
pub fn conger_kappa(s: &CountSummary, rater_counts: &[u64]) -> Result<f64, Undefined> {
    let q = s.q;
    let pa = percent_agreement(s)?;
    let shares: Vec<Vec<f64>> = rater_counts
        .chunks(q.max(1))
        .filter_map(|row| {
            let total: u64 = row.iter().sum();
            (total > 0).then(|| row.iter().map(|&x| x as f64 / total as f64).collect())
        })
        .collect();
    let r = shares.len();
    if r < 2 {
        return Err(Undefined::FewerThanTwoRaters);
    }
    let mut pe = 0.0;
    for k in 0..q {
        let mean = shares.iter().map(|p| p[k]).sum::<f64>() / r as f64;
        let var = shares.iter().map(|p| (p[k] - mean) * (p[k] - mean)).sum::<f64>() / (r - 1) as f64;
        pe += mean * mean - var / r as f64;
    }
    chance_corrected(pa, pe)
}

/// Fleiss' κ with the chance term taken over pairable items only (the `agreement` package's
/// `scotts_pi`; coincides with [`fleiss_kappa`] when no item has a single rating).
pub fn fleiss_kappa_pairable_items(s: &CountSummary) -> Result<f64, Undefined> {
    let pa = percent_agreement(s)?;
    let d = s.pairable_units as f64;
    let pe: f64 = s.pairable_share_sum.iter().map(|x| (x / d) * (x / d)).sum();
    chance_corrected(pa, pe)
}

/// Classical Fleiss (1971) on the items every rater rated (listwise deletion, R irr
/// `kappam.fleiss`).
pub fn fleiss_kappa_listwise(m: &RatingMatrix) -> Result<f64, Undefined> {
    if m.n_raters() < 2 {
        return Err(Undefined::FewerThanTwoRaters);
    }
    let complete = complete_items(m);
    let sub = subset_items(m, &complete);
    fleiss_kappa(&CountSummary::from_patterns(&UnitPatterns::from_matrix(&sub, false)))
}

/// Share of fully rated items on which all raters agree (R irr `agree()`); stricter than
/// [`percent_agreement`].
pub fn percent_agreement_unanimous(m: &RatingMatrix) -> Result<f64, Undefined> {
    if m.n_raters() < 2 {
        return Err(Undefined::FewerThanTwoRaters);
    }
    let complete = complete_items(m);
    if complete.is_empty() {
        return Err(Undefined::NoPairableItem);
    }
    let first = m.row(0);
    let unanimous = complete.iter().filter(|&&i| (1..m.n_raters()).all(|r| m.row(r)[i] == first[i])).count();
    Ok(unanimous as f64 / complete.len() as f64)
}

/// Gwet's AC1 with another category count than the declared one (e.g. the categories that
/// occur: irrCAC on data whose declared scale has unused categories).
pub fn gwet_ac1_with_q(s: &CountSummary, q: usize) -> Result<f64, Undefined> {
    if q < 2 {
        return Err(Undefined::FewerThanTwoCategories);
    }
    let pa = percent_agreement(s)?;
    let pe = s.category_shares().iter().map(|p| p * (1.0 - p)).sum::<f64>() / (q - 1) as f64;
    chance_corrected(pa, pe)
}

fn complete_items(m: &RatingMatrix) -> Vec<usize> {
    (0..m.n_items())
        .filter(|&i| (0..m.n_raters()).all(|r| m.row(r)[i] != crate::agreement::MISSING))
        .collect()
}

fn subset_items(m: &RatingMatrix, items: &[usize]) -> RatingMatrix {
    let mut codes = Vec::with_capacity(items.len() * m.n_raters());
    for r in 0..m.n_raters() {
        let row = m.row(r);
        codes.extend(items.iter().map(|&i| row[i]));
    }
    RatingMatrix::new(m.n_raters(), items.len(), m.n_categories(), codes)
        .expect("codes come from a valid matrix")
}

/// Light (1971): the mean of the pairwise Cohen kappas that are defined. Returns the mean and how
/// many pairs were left out as undefined. When no pair is defined and every pair fails for the
/// same reason, that reason is given (with two raters Light's kappa is Cohen's, error included);
/// mixed reasons are summed up as `NoDefinedPair`.
pub fn light_kappa(pairwise: &[Result<f64, Undefined>]) -> (Result<f64, Undefined>, usize) {
    let defined: Vec<f64> = pairwise.iter().filter_map(|k| k.as_ref().ok().copied()).collect();
    let left_out = pairwise.len() - defined.len();
    if defined.is_empty() {
        let why = match pairwise.split_first() {
            None => Undefined::FewerThanTwoRaters,
            Some((Err(first), rest)) if rest.iter().all(|k| k == &Err(*first)) => *first,
            Some(_) => Undefined::NoDefinedPair,
        };
        return (Err(why), left_out);
    }
    (Ok(defined.iter().sum::<f64>() / defined.len() as f64), left_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(m: &RatingMatrix) -> CountSummary {
        CountSummary::from_patterns(&UnitPatterns::from_matrix(m, false))
    }

    #[test]
    fn edge_cases_from_the_reference_file() {
        // one_rater_constant: Cohen 0, Fleiss −1/3, AC1 0.2, percent agreement 0.5.
        let m = RatingMatrix::from_rows(2, &[vec![Some(0); 4], vec![Some(0), Some(1), Some(0), Some(1)]]);
        let s = summary(&m);
        assert!((cohen_kappa(&m.confusion(0, 1)).unwrap()).abs() < 1e-12);
        assert!((fleiss_kappa(&s).unwrap() + 1.0 / 3.0).abs() < 1e-12);
        assert!((gwet_ac1(&s).unwrap() - 0.2).abs() < 1e-12);
        assert!((percent_agreement(&s).unwrap() - 0.5).abs() < 1e-12);
        // single category everywhere: kappa undefined, percent agreement 1.
        let one = RatingMatrix::from_rows(2, &[vec![Some(0); 4], vec![Some(0); 4]]);
        let s = summary(&one);
        assert_eq!(cohen_kappa(&one.confusion(0, 1)), Err(Undefined::OneCategoryOnly));
        assert_eq!(fleiss_kappa(&s), Err(Undefined::OneCategoryOnly));
        assert_eq!(percent_agreement(&s), Ok(1.0));
        // swap: −1 everywhere.
        let swap = RatingMatrix::from_rows(2, &[vec![Some(0), Some(1)], vec![Some(1), Some(0)]]);
        assert_eq!(cohen_kappa(&swap.confusion(0, 1)), Ok(-1.0));
        assert_eq!(fleiss_kappa(&summary(&swap)), Ok(-1.0));
    }

    #[test]
    fn no_pairable_item() {
        let m = RatingMatrix::from_rows(3, &[vec![Some(0), None, Some(1)], vec![None, Some(1), None]]);
        let s = summary(&m);
        assert_eq!(percent_agreement(&s), Err(Undefined::NoPairableItem));
        assert_eq!(fleiss_kappa(&s), Err(Undefined::NoPairableItem));
        assert_eq!(gwet_ac1(&s), Err(Undefined::NoPairableItem));
        assert_eq!(cohen_kappa(&m.confusion(0, 1)), Err(Undefined::NoCoRatedItem));
    }

    #[test]
    fn light_skips_undefined_pairs() {
        let (k, left) = light_kappa(&[Ok(0.5), Err(Undefined::NoCoRatedItem), Ok(0.7)]);
        assert!((k.unwrap() - 0.6).abs() < 1e-12);
        assert_eq!(left, 1);
        assert_eq!(light_kappa(&[Err(Undefined::NoCoRatedItem)]).0, Err(Undefined::NoCoRatedItem));
        let same = [Err(Undefined::OneCategoryOnly), Err(Undefined::OneCategoryOnly)];
        assert_eq!(light_kappa(&same).0, Err(Undefined::OneCategoryOnly));
        let mixed = [Err(Undefined::OneCategoryOnly), Err(Undefined::NoCoRatedItem)];
        assert_eq!(light_kappa(&mixed), (Err(Undefined::NoDefinedPair), 2));
        assert_eq!(light_kappa(&[]).0, Err(Undefined::FewerThanTwoRaters));
    }
}
