//! The benchmark data, generated identically for the criterion benches, the timing/peak-RSS
//! example and (through files the example writes) the Python reference: seeded SplitMix64, each
//! item has a true category, each rating copies it with probability 0.7 and is otherwise
//! uniform, and a share of cells is missing. Rater-major codes; `MISSING` marks a missing cell.

use crossreview::agreement::{MISSING, RatingMatrix};
use crossreview::rng::SplitMix64;

pub fn ratings(raters: usize, items: usize, categories: u16, missing: f64, seed: u64) -> RatingMatrix {
    let mut rng = SplitMix64::new(seed);
    let truth: Vec<u16> = (0..items).map(|_| rng.below(categories as u64) as u16).collect();
    let mut codes = Vec::with_capacity(raters * items);
    for _ in 0..raters {
        for &t in &truth {
            let c = if rng.next_f64() < missing {
                MISSING
            } else if rng.next_f64() < 0.7 {
                t
            } else {
                rng.below(categories as u64) as u16
            };
            codes.push(c);
        }
    }
    RatingMatrix::new(raters, items, categories as usize, codes).expect("valid codes")
}

/// 10 raters × 1,000,000 items, 20 % missing, 5 categories (the krippendorff anchor).
pub fn alpha_case() -> RatingMatrix {
    ratings(10, 1_000_000, 5, 0.2, 1)
}

/// 1,000,000 items × 5 raters, complete, 5 categories (the statsmodels Fleiss anchor).
pub fn fleiss_case() -> RatingMatrix {
    ratings(5, 1_000_000, 5, 0.0, 2)
}

/// 1,000,000 pairs, 5 categories (the scikit-learn Cohen anchor).
pub fn cohen_case() -> RatingMatrix {
    ratings(2, 1_000_000, 5, 0.0, 3)
}
