//! The judge statistics against independent implementations: statsmodels' exact McNemar test
//! and Wilson interval, scikit-learn's Cohen's κ. The reference values are in
//! tests/fixtures/judges-golden/golden.json, written by generate.py next to it (the way to
//! regenerate them is at the top of that script). Every entry of the file is checked.

use crossreview::agreement::interval::wilson;
use crossreview::agreement::judges::{compare_judges, judge_agreement};
use crossreview::agreement::matrix::MISSING;
use crossreview::agreement::mcnemar::mcnemar_exact;
use serde_json::Value;

fn golden() -> Value {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/judges-golden/golden.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

#[test]
fn mcnemar_matches_statsmodels() {
    let g = golden();
    let cases = g["mcnemar"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let (b, c) = (u(&case["b"]), u(&case["c"]));
        let want = case["pvalue"].as_f64().unwrap();
        let got = mcnemar_exact(b, c);
        // Relative 1e-12 holds down to the 1e-89 case (b + c = 1,000,000).
        assert!((got - want).abs() <= 1e-12 * want, "b={b} c={c}: {got:e}, statsmodels {want:e}");
        assert_eq!(mcnemar_exact(c, b), got, "symmetric in b and c");
    }
}

/// The same tables through the judge comparison: item rows built from the counts give the
/// same p-value and the accuracies of the table.
#[test]
fn judge_comparison_reproduces_the_tables() {
    let g = golden();
    for case in g["mcnemar"].as_array().unwrap() {
        let (b, c) = (u(&case["b"]), u(&case["c"]));
        if b + c > 20_000 {
            continue;
        }
        let (both_right, both_wrong) = (3u64, 2u64);
        let mut rows: (Vec<u16>, Vec<u16>, Vec<u16>) = (Vec::new(), Vec::new(), Vec::new());
        let mut push = |k: u64, a: u16, bj: u16| {
            for _ in 0..k {
                rows.0.push(1);
                rows.1.push(a);
                rows.2.push(bj);
            }
        };
        push(both_right, 1, 1);
        push(b, 1, 0);
        push(c, 0, 1);
        push(both_wrong, 0, 0);
        // An item only one judge scored is left out.
        rows.0.push(1);
        rows.1.push(1);
        rows.2.push(MISSING);
        let cmp = compare_judges(&rows.0, &rows.1, &rows.2, None, 0);
        let n = both_right + b + c + both_wrong;
        assert_eq!(cmp.n, n);
        assert_eq!(cmp.a_accuracy, Ok((both_right + b) as f64 / n as f64));
        assert_eq!(cmp.b_accuracy, Ok((both_right + c) as f64 / n as f64));
        let want = case["pvalue"].as_f64().unwrap();
        assert!((cmp.mcnemar_p.unwrap() - want).abs() <= 1e-9 * want, "b={b} c={c}");
    }
}

#[test]
fn wilson_matches_statsmodels() {
    let g = golden();
    let cases = g["wilson"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let (k, n) = (u(&case["k"]), u(&case["n"]));
        let conf = case["confidence"].as_f64().unwrap();
        let got = wilson(k, n, conf).unwrap();
        let (lo, hi) = (case["low"].as_f64().unwrap(), case["high"].as_f64().unwrap());
        assert!(
            (got.low - lo).abs() < 1e-12 && (got.high - hi).abs() < 1e-12,
            "{k}/{n} at {conf}: {got:?}, statsmodels [{lo}, {hi}]"
        );
    }
}

#[test]
fn judge_kappa_matches_scikit_learn() {
    let g = golden();
    let cases = g["cohen_kappa"].as_array().unwrap();
    assert!(cases.len() >= 5);
    let codes = |v: &Value| -> Vec<u16> {
        v.as_array().unwrap().iter().map(|x| x.as_u64().map_or(MISSING, |c| c as u16)).collect()
    };
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let q = u(&case["q"]) as usize;
        let agreement = judge_agreement(&codes(&case["a"]), &codes(&case["b"]), q);
        assert_eq!(agreement.n, u(&case["n"]), "{name}");
        let want = case["kappa"].as_f64().unwrap();
        let got = agreement.cohen_kappa.unwrap();
        assert!((got - want).abs() < 1e-12, "{name}: {got}, scikit-learn {want}");
    }
}
