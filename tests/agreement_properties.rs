//! Properties of the agreement statistics on random data (proptest).

use crossreview::agreement::kappa::{self, Weighting};
use crossreview::agreement::{
    self, Coincidence, CountSummary, Level, Metric, Options, RatingMatrix, Scale, Stat, UnitPatterns,
    krippendorff,
};
use proptest::prelude::*;

/// Raters × items with `q` categories and some missing cells.
fn matrix(max_raters: usize, max_items: usize) -> impl Strategy<Value = RatingMatrix> {
    (2usize..=5, 1usize..=max_raters, 1usize..=max_items).prop_flat_map(|(q, r, n)| {
        proptest::collection::vec(proptest::option::weighted(0.8, 0u16..q as u16), r * n).prop_map(
            move |cells| {
                let codes = cells.into_iter().map(|c| c.unwrap_or(agreement::MISSING)).collect();
                RatingMatrix::new(r, n, q, codes).unwrap()
            },
        )
    })
}

/// Exactly `raters` raters, some cells missing.
fn matrix_of(raters: usize, max_items: usize) -> impl Strategy<Value = RatingMatrix> {
    (2usize..=5, 1usize..=max_items).prop_flat_map(move |(q, n)| {
        proptest::collection::vec(proptest::option::weighted(0.8, 0u16..q as u16), raters * n).prop_map(
            move |cells| {
                let codes = cells.into_iter().map(|c| c.unwrap_or(agreement::MISSING)).collect();
                RatingMatrix::new(raters, n, q, codes).unwrap()
            },
        )
    })
}

fn complete_matrix(raters: usize, max_items: usize) -> impl Strategy<Value = RatingMatrix> {
    (2usize..=5, 2usize..=max_items).prop_flat_map(move |(q, n)| {
        proptest::collection::vec(0u16..q as u16, raters * n)
            .prop_map(move |codes| RatingMatrix::new(raters, n, q, codes).unwrap())
    })
}

fn values(q: usize) -> Vec<f64> {
    // Unevenly spaced, positive: interval and ratio differ from ordinal ranks.
    (0..q).map(|i| 1.0 + (i * i) as f64 * 0.5).collect()
}

/// Every exchangeable statistic of a matrix, in a fixed order.
fn exchangeable(m: &RatingMatrix) -> Vec<Stat> {
    let p = UnitPatterns::from_matrix(m, false);
    let co = Coincidence::from_patterns(&p);
    let s = CountSummary::from_patterns(&p);
    let q = m.n_categories();
    vec![
        krippendorff::alpha_from_coincidence(&co, &Metric::Nominal),
        krippendorff::alpha_from_coincidence(&co, &Metric::Ordinal),
        krippendorff::alpha_from_coincidence(&co, &Metric::Interval(values(q))),
        krippendorff::alpha_from_coincidence(&co, &Metric::Ratio(values(q))),
        kappa::percent_agreement(&s),
        kappa::fleiss_kappa(&s),
        kappa::randolph_kappa(&s),
        kappa::gwet_ac1(&s),
        kappa::gwet_ac2(&s, Weighting::Linear),
        kappa::gwet_ac2(&s, Weighting::Quadratic),
        kappa::conger_kappa(&s, &m.rater_category_counts()),
    ]
}

fn light(m: &RatingMatrix) -> Stat {
    let n = m.n_raters();
    let ks: Vec<Stat> = (0..n)
        .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
        .map(|(a, b)| kappa::cohen_kappa(&m.confusion(a, b)))
        .collect();
    kappa::light_kappa(&ks).0
}

fn same(a: &[Stat], b: &[Stat]) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        match (x, y) {
            (Ok(x), Ok(y)) => prop_assert!((x - y).abs() <= 1e-9, "statistic {i}: {x} vs {y}"),
            _ => prop_assert_eq!(x, y, "statistic {}", i),
        }
    }
    Ok(())
}

fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    crossreview::rng::SplitMix64::new(seed).shuffle(&mut order);
    order
}

/// 200 cases per property in CI; `PROPTEST_CASES=20000` for a deep run (proptest's own reading of
/// that variable is overridden by an explicit case count, hence this).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn item_order_does_not_matter(m in matrix(6, 40), seed in any::<u64>()) {
        let p = m.permute_items(&shuffled(m.n_items(), seed));
        same(&exchangeable(&m), &exchangeable(&p))?;
        same(&[light(&m)], &[light(&p)])?;
        if m.n_raters() >= 2 {
            let (a, b) = (m.confusion(0, 1), p.confusion(0, 1));
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn rater_order_does_not_matter_for_exchangeable_statistics(m in matrix(6, 40), seed in any::<u64>()) {
        let p = m.permute_raters(&shuffled(m.n_raters(), seed));
        same(&exchangeable(&m), &exchangeable(&p))?;
        same(&[light(&m)], &[light(&p)])?;
    }

    #[test]
    fn cohen_family_is_symmetric_in_the_two_raters(m in matrix_of(2, 40)) {
        let (ab, ba) = (m.confusion(0, 1), m.confusion(1, 0));
        same(
            &[kappa::cohen_kappa(&ab), kappa::cohen_kappa_weighted(&ab, Weighting::Linear), kappa::cohen_kappa_weighted(&ab, Weighting::Quadratic), kappa::scott_pi(&ab)],
            &[kappa::cohen_kappa(&ba), kappa::cohen_kappa_weighted(&ba, Weighting::Linear), kappa::cohen_kappa_weighted(&ba, Weighting::Quadratic), kappa::scott_pi(&ba)],
        )?;
    }

    #[test]
    fn raters_without_ratings_change_nothing(m in matrix(5, 30), extra in 1usize..20) {
        // Adding empty raters also pushes pattern counting from the dense table to the hash
        // map (more than 2^20 possible count vectors), so both paths are compared.
        let r = m.n_raters();
        let n = m.n_items();
        let mut codes: Vec<u16> = (0..r).flat_map(|i| m.row(i).to_vec()).collect();
        codes.extend(std::iter::repeat_n(agreement::MISSING, extra * n));
        let wide = RatingMatrix::new(r + extra, n, m.n_categories(), codes).unwrap();
        same(&exchangeable(&m), &exchangeable(&wide))?;
    }

    #[test]
    fn perfect_agreement_gives_one(first in 0u16..4, step in 1u16..4, rest in proptest::collection::vec(0u16..4, 0..38), raters in 2usize..6) {
        // At least two categories in use (otherwise the coefficients are 0/0), built in rather
        // than filtered, so deep runs never run out of rejects.
        let base: Vec<u16> = [first, (first + step) % 4].into_iter().chain(rest).collect();
        let rows: Vec<Vec<Option<u16>>> = (0..raters).map(|_| base.iter().map(|&c| Some(c)).collect()).collect();
        let m = RatingMatrix::from_rows(4, &rows);
        for s in exchangeable(&m) {
            prop_assert!((s.unwrap() - 1.0).abs() < 1e-12);
        }
        prop_assert!((light(&m).unwrap() - 1.0).abs() < 1e-12);
        let c = m.confusion(0, 1);
        for s in [kappa::cohen_kappa(&c), kappa::cohen_kappa_weighted(&c, Weighting::Linear), kappa::cohen_kappa_weighted(&c, Weighting::Quadratic), kappa::scott_pi(&c)] {
            prop_assert!((s.unwrap() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn two_complete_raters_reduce_to_the_pair_coefficients(m in complete_matrix(2, 50)) {
        let p = UnitPatterns::from_matrix(&m, false);
        let s = CountSummary::from_patterns(&p);
        let c = m.confusion(0, 1);
        // Conger = Cohen, Light = Cohen, Fleiss = Scott, AC1 = its table form, p_a = p_o.
        same(&[kappa::conger_kappa(&s, &m.rater_category_counts())], &[kappa::cohen_kappa(&c)])?;
        same(&[light(&m)], &[kappa::cohen_kappa(&c)])?;
        same(&[kappa::fleiss_kappa(&s)], &[kappa::scott_pi(&c)])?;
        same(&[kappa::gwet_ac1(&s)], &[kappa::gwet_ac1_table(&c)])?;
        same(&[kappa::percent_agreement(&s)], &[kappa::observed_agreement(&c)])?;
    }

    #[test]
    fn alpha_is_bounded_and_never_nan(m in matrix(6, 40)) {
        let p = UnitPatterns::from_matrix(&m, false);
        let co = Coincidence::from_patterns(&p);
        let q = m.n_categories();
        for metric in [Metric::Nominal, Metric::Ordinal, Metric::Interval(values(q)), Metric::Ratio(values(q))] {
            if let Ok(a) = krippendorff::alpha_from_coincidence(&co, &metric) {
                prop_assert!(a.is_finite());
                prop_assert!(a <= 1.0 + 1e-12, "{} alpha {a}", metric.name());
                prop_assert!(a >= -1.0 - 1e-12, "{} alpha {a}", metric.name());
            }
        }
        for x in exchangeable(&m).into_iter().flatten() {
            prop_assert!(x.is_finite() && x <= 1.0 + 1e-12);
        }
    }

    #[test]
    fn the_agreement_object_is_valid_json_without_nan(m in matrix(5, 25), level in 0u8..4, boot in proptest::option::of(1usize..30)) {
        let q = m.n_categories();
        let level = [Level::Nominal, Level::Ordinal, Level::Interval, Level::Ratio][level as usize];
        let scale = Scale { labels: (0..q).map(|i| serde_json::Value::from(i as u64 + 1)).collect(), values: Some(values(q)), level };
        let raters: Vec<String> = (0..m.n_raters()).map(|r| format!("r{r}")).collect();
        let a = agreement::analyze(&m, &raters, &scale, &Options { bootstrap: boot, seed: 3 });
        let json = a.to_json();
        let obj = json.as_object().unwrap();
        // Every statistic key is a number or null, and every null is explained in notes.
        let notes = obj["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect::<Vec<_>>().join(" ");
        for (k, v) in obj {
            if v.is_null() {
                prop_assert!(notes.contains(k.as_str()), "{k} is null without a note: {notes}");
            }
        }
        prop_assert!(!json.to_string().contains("NaN"));
    }
}

#[test]
fn bootstrap_is_reproducible_for_a_seed() {
    let rows: Vec<Vec<Option<u16>>> = (0..3)
        .map(|r| {
            (0..60).map(|i| if (i + r) % 7 == 0 { None } else { Some(((i * (r + 2)) % 3) as u16) }).collect()
        })
        .collect();
    let m = RatingMatrix::from_rows(3, &rows);
    let p = UnitPatterns::from_matrix(&m, true);
    let a = agreement::bootstrap::alpha_interval(&p, &Metric::Nominal, 500, 9).unwrap();
    let b = agreement::bootstrap::alpha_interval(&p, &Metric::Nominal, 500, 9).unwrap();
    let c = agreement::bootstrap::alpha_interval(&p, &Metric::Nominal, 500, 10).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    let point = krippendorff::alpha(&m, &Metric::Nominal).unwrap();
    assert!(a.low <= point && point <= a.high, "{a:?} around {point}");
}
