//! Criterion benchmarks for the agreement engine on the sizes of the Python anchors in
//! shared/iaa-golden/README.md ("Performance anchors"). Run: `cargo bench --bench agreement`.
//! Each measured call starts from the ratings matrix (as the Python calls start from their
//! arrays) and includes counting the per-item category patterns.

use criterion::{Criterion, criterion_group, criterion_main};
use crossreview::agreement::kappa::{self, Weighting};
use crossreview::agreement::{Coincidence, CountSummary, Metric, UnitPatterns, krippendorff};
use std::hint::black_box;

#[path = "support/agreement_data.rs"]
mod agreement_data;

fn alpha(c: &mut Criterion) {
    let m = agreement_data::alpha_case();
    let mut g = c.benchmark_group("krippendorff_alpha_10x1M_20pct_missing_5cat");
    g.sample_size(20);
    g.bench_function("nominal", |b| b.iter(|| krippendorff::alpha(black_box(&m), &Metric::Nominal).unwrap()));
    g.bench_function("ordinal", |b| b.iter(|| krippendorff::alpha(black_box(&m), &Metric::Ordinal).unwrap()));
    g.bench_function("interval", |b| {
        b.iter(|| {
            krippendorff::alpha(black_box(&m), &Metric::Interval(vec![1.0, 2.0, 3.0, 4.0, 5.0])).unwrap()
        })
    });
    g.finish();
}

fn fleiss(c: &mut Criterion) {
    let m = agreement_data::fleiss_case();
    let mut g = c.benchmark_group("fleiss_kappa_1Mx5_complete_5cat");
    g.sample_size(20);
    g.bench_function("fleiss", |b| {
        b.iter(|| {
            let p = UnitPatterns::from_matrix(black_box(&m), false);
            kappa::fleiss_kappa(&CountSummary::from_patterns(&p)).unwrap()
        })
    });
    g.bench_function("fleiss_alpha_ac1_together", |b| {
        b.iter(|| {
            let p = UnitPatterns::from_matrix(black_box(&m), false);
            let s = CountSummary::from_patterns(&p);
            let co = Coincidence::from_patterns(&p);
            (
                kappa::fleiss_kappa(&s).unwrap(),
                kappa::gwet_ac1(&s).unwrap(),
                krippendorff::alpha_from_coincidence(&co, &Metric::Nominal).unwrap(),
            )
        })
    });
    g.finish();
}

fn cohen(c: &mut Criterion) {
    let m = agreement_data::cohen_case();
    let mut g = c.benchmark_group("cohen_kappa_1M_pairs_5cat");
    g.sample_size(20);
    g.bench_function("unweighted", |b| {
        b.iter(|| kappa::cohen_kappa(&black_box(&m).confusion(0, 1)).unwrap())
    });
    g.bench_function("quadratic", |b| {
        b.iter(|| kappa::cohen_kappa_weighted(&black_box(&m).confusion(0, 1), Weighting::Quadratic).unwrap())
    });
    g.finish();
}

criterion_group!(benches, alpha, fleiss, cohen);
criterion_main!(benches);
