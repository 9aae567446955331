use super::*;
use crate::agreement::interval::wilson;

const P95: Precision = Precision { margin: 0.05, confidence: 0.95 };

#[test]
fn sizes_of_the_textbook_cases() {
    // 1.959964² · 0.25 / 0.05² = 384.15: the classic 385.
    assert_eq!(sample_size(0.5, P95, u64::MAX / 4), 385);
    assert_eq!(sample_size(0.8, P95, 10_000_000), 246);
    // Finite population: 385 · 600 / (385 + 599) = 234.8.
    assert_eq!(sample_size(0.5, P95, 600), 235);
    // A stratum smaller than the need is labelled in full; an empty one needs nothing.
    assert_eq!(sample_size(0.5, P95, 40), 37);
    assert_eq!(sample_size(0.5, P95, 3), 3);
    assert_eq!(sample_size(0.5, P95, 0), 0);
    assert_eq!(sample_size(0.5, Precision::new(0.1, 0.99).unwrap(), 1 << 40), 166);
    assert!(Precision::new(0.0, 0.95).is_err());
    assert!(Precision::new(0.05, 1.0).is_err());
    assert!(Precision::new(f64::NAN, 0.95).is_err());
}

#[test]
fn the_assumed_accuracy_is_the_pessimistic_end_of_what_is_known() {
    assert_eq!(planning_accuracy(0, 0, 0.95), (0.5, Basis::WorstCase));
    // 45 of 50 right: Wilson [0.786, 0.957], plan on 0.786.
    let (p, basis) = planning_accuracy(45, 50, 0.95);
    assert!((p - 0.785_9).abs() < 1e-3, "{p}");
    assert_eq!(basis.as_str(), "observed");
    // An interval that straddles 1/2 keeps the worst case.
    assert_eq!(planning_accuracy(6, 10, 0.95).0, 0.5);
    // A judge that is mostly wrong is as informative as one mostly right.
    assert!((planning_accuracy(5, 50, 0.95).0 - (1.0 - planning_accuracy(45, 50, 0.95).0)).abs() < 1e-12);
}

#[test]
fn a_stratum_needs_what_its_neediest_judge_needs() {
    let strata = vec![
        StratumEvidence { name: "ko".into(), population: 5000, decided: 0, judges: vec![(0, 0), (0, 0)] },
        StratumEvidence {
            name: "sw".into(),
            population: 5000,
            decided: 200,
            judges: vec![(190, 200), (150, 180)],
        },
        StratumEvidence { name: "tiny".into(), population: 12, decided: 12, judges: vec![(10, 12)] },
        StratumEvidence { name: "none".into(), population: 100, decided: 0, judges: vec![] },
    ];
    let plans = plan(&strata, P95);
    assert_eq!(plans[0].needed, sample_size(0.5, P95, 5000));
    assert_eq!(plans[0].to_label, plans[0].needed);
    // Judge 1 (150 of 180) needs more than judge 0 (190 of 200), and has compared fewer.
    let sw = &plans[1];
    assert!(sw.judges[1].needed > sw.judges[0].needed);
    assert_eq!(sw.needed, sw.judges[1].needed);
    assert_eq!(sw.to_label, sw.judges[1].needed - 180);
    assert!(!sw.is_enough());
    // Everything in the stratum is decided: nothing left to label.
    assert!(plans[2].is_enough());
    assert_eq!(plans[3].needed, sample_size(0.5, P95, 100));
    let j = plans[1].to_json(&["gpt-4o".into(), "qwen".into()]);
    assert_eq!(j["judges"]["qwen"]["basis"], "observed");
    assert_eq!(j["enough"], false);
    assert_eq!(plans[0].to_json(&["a".into(), "b".into()])["judges"]["a"]["basis"], "worst_case");
}

#[test]
fn evidence_from_code_rows() {
    const M: u16 = MISSING;
    let human = [1, 0, M, 1, 0];
    let a = [1, 1, 1, M, 0];
    let b = [0, 0, 0, 1, 1];
    let e = StratumEvidence::from_codes("ko", &human, &[&a, &b]);
    assert_eq!(
        e,
        StratumEvidence { name: "ko".into(), population: 5, decided: 4, judges: vec![(2, 3), (2, 4)] }
    );
}

#[test]
fn the_sample_is_exact_seeded_and_order_free() {
    let items: Vec<u32> = (0..1000).collect();
    let s = sample_stratum(&items, 37, 9, "ko");
    assert_eq!(s.len(), 37);
    let mut uniq = s.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), 37);
    assert_eq!(s, sample_stratum(&items, 37, 9, "ko"));
    let mut reversed = items.clone();
    reversed.reverse();
    assert_eq!(s, sample_stratum(&reversed, 37, 9, "ko"));
    assert_ne!(s, sample_stratum(&items, 37, 10, "ko"));
    assert_ne!(s, sample_stratum(&items, 37, 9, "sw"));
    assert_eq!(sample_stratum(&items[..5], 37, 9, "ko").len(), 5);
    assert!(sample_stratum(&items, 0, 9, "ko").is_empty());
    let out =
        stratified_sample(&[("a".to_string(), items.clone(), 3), ("b".to_string(), items.clone(), 8)], 1);
    assert_eq!((out[0].1.len(), out[1].1.len()), (3, 8));
    // Uniform: over many seeds every item is drawn about equally often.
    let mut hits = [0u32; 20];
    for seed in 0..20_000 {
        for x in sample_stratum(&items[..20], 5, seed, "u") {
            hits[x as usize] += 1;
        }
    }
    assert!(hits.iter().all(|&h| (4_600..5_400).contains(&h)), "{hits:?}");
}

/// One simulated study: label `n` responses and estimate the accuracy.
struct Study {
    /// Share of studies whose estimate is within the margin of the truth.
    within_margin: f64,
    /// Share of studies whose Wilson interval holds the truth.
    wilson_covers: f64,
    mean_wilson_half_width: f64,
}

/// `studies` studies of `n` labels each. Infinite population: each label is right with
/// probability `p`. Finite (`population = Some(N)`): the stratum has round(pN) responses the
/// judge gets right, and the planned sampler draws `n` of them without replacement.
fn simulate(p: f64, n: u64, population: Option<u64>, precision: Precision, studies: u64, seed: u64) -> Study {
    let mut rng = SplitMix64::new(seed);
    let (mut within, mut covers, mut width) = (0u64, 0u64, 0.0f64);
    let (truth, frame): (f64, Vec<u64>) = match population {
        Some(big_n) => ((p * big_n as f64).round() / big_n as f64, (0..big_n).collect()),
        None => (p, Vec::new()),
    };
    let right_below = (truth * frame.len() as f64).round() as u64;
    for s in 0..studies {
        let right = match population {
            None => (0..n).filter(|_| rng.next_f64() < p).count() as u64,
            Some(_) => {
                sample_stratum(&frame, n, seed ^ s, "sim").iter().filter(|&&i| i < right_below).count() as u64
            }
        };
        let estimate = right as f64 / n as f64;
        within += u64::from((estimate - truth).abs() <= precision.margin + 1e-12);
        let w = wilson(right, n, precision.confidence).unwrap();
        covers += u64::from(w.contains(truth));
        width += w.half_width();
    }
    let k = studies as f64;
    Study {
        within_margin: within as f64 / k,
        wilson_covers: covers as f64 / k,
        mean_wilson_half_width: width / k,
    }
}

/// The plan keeps its promise: with the planned n the estimate lands within the margin in about
/// C of the studies (discreteness of the binomial moves the exact value by up to ~0.02), the
/// Wilson interval covers at about C, and its mean half-width is the margin. Half the plan breaks
/// all three.
#[test]
fn planned_sizes_give_the_promised_coverage() {
    let studies = 2000;
    let cases = [
        (0.5, Precision { margin: 0.05, confidence: 0.95 }, None),
        (0.8, Precision { margin: 0.05, confidence: 0.95 }, None),
        (0.9, Precision { margin: 0.03, confidence: 0.90 }, None),
        (0.5, Precision { margin: 0.05, confidence: 0.95 }, Some(600)),
        (0.7, Precision { margin: 0.05, confidence: 0.95 }, Some(300)),
    ];
    for (i, &(p, precision, population)) in cases.iter().enumerate() {
        let c = precision.confidence;
        let n = sample_size(p, precision, population.unwrap_or(u64::MAX / 4));
        let sim = simulate(p, n, population, precision, studies, 100 + i as u64);
        let label = format!("p={p} {precision:?} N={population:?} n={n}");
        assert!(
            sim.within_margin >= c - 0.02 && sim.within_margin <= c + 0.03,
            "{label}: within margin in {}",
            sim.within_margin
        );
        let half = simulate(p, n / 2, population, precision, studies, 100 + i as u64);
        assert!(
            half.within_margin < c - 0.05,
            "{label}: half the plan still within margin in {}",
            half.within_margin
        );
        if population.is_none() {
            assert!((sim.wilson_covers - c).abs() <= 0.025, "{label}: Wilson covers {}", sim.wilson_covers);
            assert!(
                sim.mean_wilson_half_width <= precision.margin * 1.02,
                "{label}: {}",
                sim.mean_wilson_half_width
            );
            assert!(
                half.mean_wilson_half_width > precision.margin * 1.3,
                "{label}: {}",
                half.mean_wilson_half_width
            );
        }
    }
}

/// Planning from a pilot's labels (the pessimistic end of the pilot's interval) keeps at least
/// the promised coverage for the study that follows, whatever the pilot drew.
#[test]
fn planning_from_a_pilot_is_conservative() {
    let precision = P95;
    let p = 0.85;
    let mut rng = SplitMix64::new(77);
    let mut worst: f64 = 1.0;
    for pilot_round in 0..5 {
        let right = (0..60).filter(|_| rng.next_f64() < p).count() as u64;
        let (assumed, _) = planning_accuracy(right, 60, precision.confidence);
        let n = sample_size(assumed, precision, u64::MAX / 4);
        let sim = simulate(p, n, None, precision, 2000, 500 + pilot_round);
        worst = worst.min(sim.within_margin);
    }
    assert!(worst >= precision.confidence - 0.02, "{worst}");
}
