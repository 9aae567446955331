//! Per-item category counts, the one thing every exchangeable statistic (percent agreement,
//! Fleiss, Randolph, Gwet, Krippendorff) needs.
//!
//! Items are reduced to their *pattern* — how many ratings fell in each category — and identical
//! patterns are counted once with a multiplicity. With 10 raters and 5 categories there are at
//! most 3,003 patterns however many items there are, so everything after this pass costs
//! O(patterns × q²) instead of O(items × q²), and a bootstrap resample is a new set of
//! multiplicities over the same patterns.

use super::matrix::RatingMatrix;
use std::collections::HashMap;

/// Distinct per-item count vectors with their multiplicities.
#[derive(Debug, Clone)]
pub struct UnitPatterns {
    pub q: usize,
    /// Pattern p's non-zero (category, count) entries are `entries[offsets[p]..offsets[p+1]]`,
    /// in increasing category order.
    offsets: Vec<usize>,
    entries: Vec<(u32, u32)>,
    /// How many items have pattern p.
    pub multiplicity: Vec<u64>,
    /// Pattern index of each item, when requested (the bootstrap resamples items).
    pub unit_pattern: Vec<u32>,
}

/// Items processed per block: the block's keys stay in L1 while each rater's row streams by.
const BLOCK: usize = 2048;

/// Largest dense key space ((raters + 1)^q) counted in a flat table; beyond it a hash map.
pub(crate) const DENSE_LIMIT: u64 = 1 << 20;

/// Inputs at least this large are counted on two threads.
const PARALLEL_ITEMS: usize = 100_000;
const PARALLEL_CELLS: usize = 1_000_000;

/// The dense-key histogram of the items in `range`; each item's key is also written to
/// `unit_keys` (one slot per item of the range) unless it is empty.
fn count_keys(
    m: &RatingMatrix,
    range: std::ops::Range<usize>,
    pow: &[u32],
    size: usize,
    unit_keys: &mut [u32],
) -> Vec<u32> {
    let q = pow.len() - 1;
    let mut hist = vec![0u32; size];
    let mut block = vec![0u32; BLOCK];
    let mut start = range.start;
    while start < range.end {
        let len = BLOCK.min(range.end - start);
        let keys = &mut block[..len];
        keys.fill(0);
        for r in 0..m.n_raters() {
            let row = &m.row(r)[start..start + len];
            for (k, &c) in keys.iter_mut().zip(row) {
                *k += pow[(c as usize).min(q)];
            }
        }
        for &k in keys.iter() {
            hist[k as usize] += 1;
        }
        if !unit_keys.is_empty() {
            let at = start - range.start;
            unit_keys[at..at + len].copy_from_slice(keys);
        }
        start += len;
    }
    hist
}

impl UnitPatterns {
    /// Counts the patterns of `m`. `keep_units` also records each item's pattern index.
    pub fn from_matrix(m: &RatingMatrix, keep_units: bool) -> UnitPatterns {
        if Self::dense_keys(m.n_raters(), m.n_categories()) {
            Self::dense(m, keep_units)
        } else {
            Self::hashed(m, keep_units)
        }
    }

    pub fn len(&self) -> usize {
        self.multiplicity.len()
    }

    pub fn is_empty(&self) -> bool {
        self.multiplicity.is_empty()
    }

    /// Pattern p's non-zero (category, count) entries.
    pub fn entries(&self, p: usize) -> &[(u32, u32)] {
        &self.entries[self.offsets[p]..self.offsets[p + 1]]
    }

    /// Number of ratings in pattern p.
    pub fn ratings(&self, p: usize) -> u64 {
        self.entries(p).iter().map(|&(_, n)| n as u64).sum()
    }

    /// Each item's count vector is a number in base (raters + 1) with one digit per category;
    /// summing `base^code` over the raters builds it without a per-item count array, and a flat
    /// histogram over the key space then counts the patterns.
    ///
    /// Large inputs are split in two halves of items counted on two threads into separate
    /// histograms that are then added: the result does not depend on the split.
    fn dense(m: &RatingMatrix, keep_units: bool) -> UnitPatterns {
        let q = m.n_categories();
        let n = m.n_items();
        let base = m.n_raters() as u32 + 1;
        let size = (base as usize).pow(q as u32);
        // Index q (where MISSING is folded by `min`) adds nothing to the key.
        let pow: Vec<u32> = (0..=q).map(|c| if c == q { 0 } else { base.pow(c as u32) }).collect();
        let mut unit_keys = if keep_units { vec![0u32; n] } else { Vec::new() };
        let parallel = n >= PARALLEL_ITEMS && m.n_raters() * n >= PARALLEL_CELLS;
        let mut hist = if parallel {
            let mid = n / 2;
            let (first_keys, second_keys) =
                if keep_units { unit_keys.split_at_mut(mid) } else { (&mut [][..], &mut [][..]) };
            std::thread::scope(|s| {
                let first = s.spawn(|| count_keys(m, 0..mid, &pow, size, first_keys));
                let mut hist = count_keys(m, mid..n, &pow, size, second_keys);
                let other = first.join().expect("pattern counting thread");
                for (h, o) in hist.iter_mut().zip(other) {
                    *h += o;
                }
                hist
            })
        } else {
            count_keys(m, 0..n, &pow, size, &mut unit_keys)
        };
        let mut out = Self::from_dense_histogram(q, base, &mut hist);
        if keep_units {
            out.unit_pattern = unit_keys.iter().map(|&k| hist[k as usize]).collect();
        }
        out
    }

    /// The patterns of a histogram over dense keys (see [`UnitPatterns::dense`]: one digit in
    /// base `base` = raters + 1 per category), in key order. Each non-empty slot of `hist` is
    /// left holding its pattern's index.
    pub fn from_dense_histogram(q: usize, base: u32, hist: &mut [u32]) -> UnitPatterns {
        let mut out = UnitPatterns {
            q,
            offsets: vec![0],
            entries: Vec::new(),
            multiplicity: Vec::new(),
            unit_pattern: Vec::new(),
        };
        for (key, h) in hist.iter_mut().enumerate() {
            if *h == 0 {
                continue;
            }
            let mut rest = key as u32;
            for c in 0..q as u32 {
                let digit = rest % base;
                rest /= base;
                if digit > 0 {
                    out.entries.push((c, digit));
                }
            }
            out.offsets.push(out.entries.len());
            out.multiplicity.push(*h as u64);
            // The histogram slot now holds the pattern index, for the per-item map below.
            *h = (out.multiplicity.len() - 1) as u32;
        }
        out
    }

    /// Whether the patterns of `n_raters` raters on `q` categories are counted over dense keys
    /// (else in a hash map, in item order).
    pub fn dense_keys(n_raters: usize, q: usize) -> bool {
        let base = n_raters as u64 + 1;
        q > 0 && (q as u32) < 64 && base.checked_pow(q as u32).is_some_and(|s| s <= DENSE_LIMIT)
    }

    /// General case (many raters or categories): each item's sorted, run-length-encoded codes
    /// are the key of a hash map.
    fn hashed(m: &RatingMatrix, keep_units: bool) -> UnitPatterns {
        let q = m.n_categories();
        let n = m.n_items();
        let mut ids: HashMap<Box<[(u32, u32)]>, u32> = HashMap::new();
        let mut out = UnitPatterns {
            q,
            offsets: vec![0],
            entries: Vec::new(),
            multiplicity: Vec::new(),
            unit_pattern: if keep_units { Vec::with_capacity(n) } else { Vec::new() },
        };
        let rows: Vec<&[u16]> = (0..m.n_raters()).map(|r| m.row(r)).collect();
        let mut codes: Vec<u16> = Vec::with_capacity(rows.len());
        let mut key: Vec<(u32, u32)> = Vec::with_capacity(rows.len());
        for i in 0..n {
            codes.clear();
            codes.extend(rows.iter().map(|row| row[i]).filter(|&c| (c as usize) < q));
            codes.sort_unstable();
            key.clear();
            for &c in &codes {
                match key.last_mut() {
                    Some((last, count)) if *last == c as u32 => *count += 1,
                    _ => key.push((c as u32, 1)),
                }
            }
            let id = match ids.get(&key[..]) {
                Some(&id) => id,
                None => {
                    let id = out.multiplicity.len() as u32;
                    ids.insert(key.clone().into_boxed_slice(), id);
                    out.entries.extend_from_slice(&key);
                    out.offsets.push(out.entries.len());
                    out.multiplicity.push(0);
                    id
                }
            };
            out.multiplicity[id as usize] += 1;
            if keep_units {
                out.unit_pattern.push(id);
            }
        }
        out
    }
}

/// The coincidence matrix of Krippendorff (2011): o_ck = Σ_u (ordered c–k pairs in unit u) /
/// (m_u − 1) over units with m_u ≥ 2 ratings.
#[derive(Debug, Clone, PartialEq)]
pub struct Coincidence {
    pub q: usize,
    /// q × q, row-major, symmetric.
    pub o: Vec<f64>,
    /// n_c = Σ_k o_ck: how many pairable values are in category c (an integer, kept exact).
    pub n_c: Vec<u64>,
    /// Units with at least two ratings.
    pub pairable_units: u64,
}

impl Coincidence {
    pub fn n_total(&self) -> u64 {
        self.n_c.iter().sum()
    }

    pub fn from_patterns(p: &UnitPatterns) -> Coincidence {
        Self::weighted(p, &p.multiplicity)
    }

    /// With other multiplicities over the same patterns (a bootstrap resample).
    pub fn weighted(p: &UnitPatterns, weights: &[u64]) -> Coincidence {
        let q = p.q;
        let mut o = vec![0.0f64; q * q];
        let mut n_c = vec![0u64; q];
        let mut pairable_units = 0;
        for (idx, &w) in weights.iter().enumerate() {
            if w == 0 {
                continue;
            }
            let e = p.entries(idx);
            let m: u64 = e.iter().map(|&(_, n)| n as u64).sum();
            if m < 2 {
                continue;
            }
            pairable_units += w;
            let factor = w as f64 / (m - 1) as f64;
            for (a, &(ca, na)) in e.iter().enumerate() {
                let (ca, na) = (ca as usize, na as u64);
                n_c[ca] += w * na;
                o[ca * q + ca] += (na * (na - 1)) as f64 * factor;
                for &(cb, nb) in &e[a + 1..] {
                    let v = (na * nb as u64) as f64 * factor;
                    o[ca * q + cb as usize] += v;
                    o[cb as usize * q + ca] += v;
                }
            }
        }
        Coincidence { q, o, n_c, pairable_units }
    }

    pub fn to_rows(&self) -> Vec<Vec<f64>> {
        self.o.chunks(self.q.max(1)).map(|r| r.to_vec()).collect()
    }
}

/// Everything the multi-rater kappa family needs, from one pass over the patterns.
#[derive(Debug, Clone, PartialEq)]
pub struct CountSummary {
    pub q: usize,
    /// Units with at least one rating.
    pub rated_units: u64,
    /// Units with at least two ratings.
    pub pairable_units: u64,
    /// Σ over pairable units of n_uc n_uk / (m_u (m_u − 1)), q × q row-major.
    pub pair_share_products: Vec<f64>,
    /// Σ over pairable units of 1 / (m_u − 1): subtracting it from Σ_c of the diagonal above
    /// leaves Σ_u Σ_c n_uc (n_uc − 1) / (m_u (m_u − 1)), the agreeing-pair shares.
    pub pair_share_correction: f64,
    /// Σ over rated units of n_uc / m_u (Gwet's π_k before dividing by `rated_units`).
    pub category_share_sum: Vec<f64>,
    /// The same over pairable units only.
    pub pairable_share_sum: Vec<f64>,
}

impl CountSummary {
    pub fn from_patterns(p: &UnitPatterns) -> CountSummary {
        let q = p.q;
        let mut s = CountSummary {
            q,
            rated_units: 0,
            pairable_units: 0,
            pair_share_products: vec![0.0; q * q],
            pair_share_correction: 0.0,
            category_share_sum: vec![0.0; q],
            pairable_share_sum: vec![0.0; q],
        };
        for (idx, &w) in p.multiplicity.iter().enumerate() {
            let e = p.entries(idx);
            let m: u64 = e.iter().map(|&(_, n)| n as u64).sum();
            if m == 0 || w == 0 {
                continue;
            }
            s.rated_units += w;
            for &(c, n) in e {
                s.category_share_sum[c as usize] += (w * n as u64) as f64 / m as f64;
            }
            if m < 2 {
                continue;
            }
            s.pairable_units += w;
            for &(c, n) in e {
                s.pairable_share_sum[c as usize] += (w * n as u64) as f64 / m as f64;
            }
            let factor = w as f64 / (m * (m - 1)) as f64;
            s.pair_share_correction += w as f64 / (m - 1) as f64;
            for &(ca, na) in e {
                for &(cb, nb) in e {
                    s.pair_share_products[ca as usize * q + cb as usize] +=
                        (na as u64 * nb as u64) as f64 * factor;
                }
            }
        }
        s
    }

    /// π_k: mean over rated units of the share of the unit's ratings in k.
    pub fn category_shares(&self) -> Vec<f64> {
        let d = self.rated_units as f64;
        self.category_share_sum.iter().map(|&s| s / d).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical() -> RatingMatrix {
        // Krippendorff (2011), values 1..5 as codes 0..4.
        let raw: [[i8; 12]; 4] = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
            [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0],
        ];
        let rows: Vec<Vec<Option<u16>>> =
            raw.iter().map(|r| r.iter().map(|&v| (v > 0).then(|| v as u16 - 1)).collect()).collect();
        RatingMatrix::from_rows(5, &rows)
    }

    #[test]
    fn dense_and_hashed_patterns_agree() {
        let m = canonical();
        let a = UnitPatterns::dense(&m, true);
        let b = UnitPatterns::hashed(&m, true);
        let mut pa: Vec<(Vec<(u32, u32)>, u64)> =
            (0..a.len()).map(|p| (a.entries(p).to_vec(), a.multiplicity[p])).collect();
        let mut pb: Vec<(Vec<(u32, u32)>, u64)> =
            (0..b.len()).map(|p| (b.entries(p).to_vec(), b.multiplicity[p])).collect();
        pa.sort();
        pb.sort();
        assert_eq!(pa, pb);
        for i in 0..m.n_items() {
            assert_eq!(a.entries(a.unit_pattern[i] as usize), b.entries(b.unit_pattern[i] as usize));
        }
        assert_eq!(Coincidence::from_patterns(&a), Coincidence::from_patterns(&b));
    }

    #[test]
    fn two_thread_counting_matches_the_hash_map() {
        // Above the parallel thresholds: 3 raters x 400,000 items.
        let (r, n) = (3, 400_000);
        let mut rng = crate::rng::SplitMix64::new(11);
        let codes: Vec<u16> = (0..r * n)
            .map(|_| if rng.below(6) == 0 { crate::agreement::MISSING } else { rng.below(4) as u16 })
            .collect();
        let m = RatingMatrix::new(r, n, 4, codes).unwrap();
        let a = UnitPatterns::dense(&m, true);
        let b = UnitPatterns::hashed(&m, true);
        assert_eq!(Coincidence::from_patterns(&a), Coincidence::from_patterns(&b));
        assert_eq!(
            CountSummary::from_patterns(&a).pairable_units,
            CountSummary::from_patterns(&b).pairable_units
        );
        for i in (0..n).step_by(997) {
            assert_eq!(
                a.entries(a.unit_pattern[i] as usize),
                b.entries(b.unit_pattern[i] as usize),
                "item {i}"
            );
        }
    }

    #[test]
    fn coincidence_of_the_canonical_example() {
        let c = Coincidence::from_patterns(&UnitPatterns::from_matrix(&canonical(), false));
        assert_eq!(c.n_c, vec![9, 13, 10, 5, 3]);
        assert!((c.o[0] - 7.0).abs() < 1e-12);
        assert!((c.o[1] - 4.0 / 3.0).abs() < 1e-12);
        assert_eq!(c.pairable_units, 11);
    }
}
