//! The ratings matrix every statistic reads: raters × items, each cell a category index or
//! missing. Category indices are positions on the declared scale, so "rank" distances for
//! weighted statistics are index differences.

/// The code of a missing rating.
pub const MISSING: u16 = u16::MAX;

/// The most categories a scale may have (one code is kept for "missing").
pub const MAX_CATEGORIES: usize = MISSING as usize;

/// Raters × items, rater-major (row r is rater r's rating of every item), as in the reference
/// files. Two bytes a cell keeps 10 raters × 1,000,000 items at 20 MB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingMatrix {
    n_raters: usize,
    n_items: usize,
    n_categories: usize,
    codes: Vec<u16>,
}

/// Why codes do not make a rating matrix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatrixError {
    #[error("{n_categories} categories: at most {} are supported", MAX_CATEGORIES)]
    TooManyCategories { n_categories: usize },
    #[error("{codes} codes for {n_raters} raters × {n_items} items (expected {})", n_raters * n_items)]
    WrongLength { codes: usize, n_raters: usize, n_items: usize },
    #[error("category code {code} is out of range for {n_categories} categories")]
    CodeOutOfRange { code: u16, n_categories: usize },
}

impl RatingMatrix {
    /// `codes` is rater-major, `n_raters * n_items` long; every code is below `n_categories`
    /// or [`MISSING`].
    pub fn new(
        n_raters: usize,
        n_items: usize,
        n_categories: usize,
        codes: Vec<u16>,
    ) -> Result<RatingMatrix, MatrixError> {
        if n_categories > MAX_CATEGORIES {
            return Err(MatrixError::TooManyCategories { n_categories });
        }
        if codes.len() != n_raters * n_items {
            return Err(MatrixError::WrongLength { codes: codes.len(), n_raters, n_items });
        }
        if let Some(&code) = codes.iter().find(|&&c| c != MISSING && c as usize >= n_categories) {
            return Err(MatrixError::CodeOutOfRange { code, n_categories });
        }
        Ok(RatingMatrix { n_raters, n_items, n_categories, codes })
    }

    /// Builds from one row per rater (`None` = missing). Panics on ragged rows or bad codes;
    /// meant for tests and small literal data.
    pub fn from_rows(n_categories: usize, rows: &[Vec<Option<u16>>]) -> RatingMatrix {
        let n_items = rows.first().map_or(0, |r| r.len());
        assert!(rows.iter().all(|r| r.len() == n_items), "ragged rows");
        let codes = rows.iter().flat_map(|r| r.iter().map(|c| c.unwrap_or(MISSING))).collect();
        RatingMatrix::new(rows.len(), n_items, n_categories, codes).expect("valid matrix")
    }

    pub fn n_raters(&self) -> usize {
        self.n_raters
    }
    pub fn n_items(&self) -> usize {
        self.n_items
    }
    pub fn n_categories(&self) -> usize {
        self.n_categories
    }

    /// Rater `r`'s codes, one per item.
    pub fn row(&self, r: usize) -> &[u16] {
        &self.codes[r * self.n_items..(r + 1) * self.n_items]
    }

    pub fn get(&self, rater: usize, item: usize) -> Option<u16> {
        let c = self.codes[rater * self.n_items + item];
        (c != MISSING).then_some(c)
    }

    pub fn n_ratings(&self) -> u64 {
        self.codes.iter().filter(|&&c| c != MISSING).count() as u64
    }

    /// The same data with the items in another order (`order[k]` = old index of new item k).
    pub fn permute_items(&self, order: &[usize]) -> RatingMatrix {
        assert_eq!(order.len(), self.n_items);
        let mut codes = Vec::with_capacity(self.codes.len());
        for r in 0..self.n_raters {
            let row = self.row(r);
            codes.extend(order.iter().map(|&i| row[i]));
        }
        RatingMatrix { codes, ..*self }
    }

    /// The same data with the raters in another order (`order[k]` = old index of new rater k).
    pub fn permute_raters(&self, order: &[usize]) -> RatingMatrix {
        assert_eq!(order.len(), self.n_raters);
        let mut codes = Vec::with_capacity(self.codes.len());
        for &r in order {
            codes.extend_from_slice(self.row(r));
        }
        RatingMatrix { codes, ..*self }
    }

    /// Only the given raters, in the given order.
    pub fn select_raters(&self, raters: &[usize]) -> RatingMatrix {
        let mut codes = Vec::with_capacity(raters.len() * self.n_items);
        for &r in raters {
            codes.extend_from_slice(self.row(r));
        }
        RatingMatrix { n_raters: raters.len(), codes, ..*self }
    }

    /// How many ratings each rater gave in each category (raters × categories, row-major).
    pub fn rater_category_counts(&self) -> Vec<u64> {
        let q = self.n_categories;
        let mut out = vec![0u64; self.n_raters * q];
        let mut hist = vec![0u64; q + 1];
        for r in 0..self.n_raters {
            hist.iter_mut().for_each(|h| *h = 0);
            for &c in self.row(r) {
                hist[(c as usize).min(q)] += 1;
            }
            out[r * q..(r + 1) * q].copy_from_slice(&hist[..q]);
        }
        out
    }

    /// The q × q confusion matrix of two raters on the items both rated (row = rater `a`'s
    /// category, column = rater `b`'s), row-major.
    pub fn confusion(&self, a: usize, b: usize) -> ConfusionMatrix {
        confusion_of(self.row(a), self.row(b), self.n_categories)
    }

    /// The confusion matrix of every pair of raters, (0, 1), (0, 2), …, (1, 2), …: the same as
    /// [`RatingMatrix::confusion`] of each pair, in one pass over the items. With few categories
    /// the items go by blocks that stay in cache while every pair is counted (45 pairs of 10
    /// raters otherwise read the whole matrix 9 times), on two threads for a large matrix.
    pub fn pairwise_confusions(&self) -> Vec<ConfusionMatrix> {
        let (n, q) = (self.n_raters, self.n_categories);
        let w = q + 1;
        if w * w > 256 || n < 2 {
            return (0..n)
                .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
                .map(|(a, b)| self.confusion(a, b))
                .collect();
        }
        let items = self.n_items;
        let tables = if items >= 100_000 && n * items >= 1_000_000 {
            let mid = items / 2;
            std::thread::scope(|s| {
                let first = s.spawn(|| self.pair_tables(0..mid));
                let mut tables = self.pair_tables(mid..items);
                let other = first.join().expect("pair counting thread");
                tables.iter_mut().zip(other).for_each(|(t, o)| *t += o);
                tables
            })
        } else {
            self.pair_tables(0..items)
        };
        let pairs = n * (n - 1) / 2;
        (0..pairs)
            .map(|p| {
                let table = &tables[p * w * w..(p + 1) * w * w];
                let mut counts = Vec::with_capacity(q * q);
                for r in 0..q {
                    counts.extend_from_slice(&table[r * w..r * w + q]);
                }
                ConfusionMatrix { q, counts }
            })
            .collect()
    }

    /// Per pair, the (q+1)² table of (code, code) counts over `range`, missing folded onto q.
    fn pair_tables(&self, range: std::ops::Range<usize>) -> Vec<u64> {
        const BLOCK: usize = 1024;
        let (n, q) = (self.n_raters, self.n_categories);
        let w = q + 1;
        let mut tables = vec![0u32; n * (n - 1) / 2 * w * w];
        let mut totals = vec![0u64; tables.len()];
        let mut block = vec![0u8; n * BLOCK];
        let mut start = range.start;
        while start < range.end {
            let len = BLOCK.min(range.end - start);
            for r in 0..n {
                let row = &self.row(r)[start..start + len];
                for (x, &c) in block[r * BLOCK..r * BLOCK + len].iter_mut().zip(row) {
                    *x = (c as usize).min(q) as u8;
                }
            }
            let mut p = 0;
            for a in 0..n {
                let xa = &block[a * BLOCK..a * BLOCK + len];
                for b in a + 1..n {
                    let xb = &block[b * BLOCK..b * BLOCK + len];
                    let table = &mut tables[p * w * w..(p + 1) * w * w];
                    for (&x, &y) in xa.iter().zip(xb) {
                        table[x as usize * w + y as usize] += 1;
                    }
                    p += 1;
                }
            }
            start += len;
            // u32 counts cannot overflow within 2^31 items; folded into u64 every so often.
            if (start - range.start) % (1 << 30) < BLOCK {
                totals.iter_mut().zip(tables.iter_mut()).for_each(|(t, c)| {
                    *t += *c as u64;
                    *c = 0;
                });
            }
        }
        totals.iter_mut().zip(&tables).for_each(|(t, &c)| *t += c as u64);
        totals
    }
}

/// Counts of (row category, column category) over co-rated items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionMatrix {
    pub q: usize,
    /// q × q, row-major.
    pub counts: Vec<u64>,
}

impl ConfusionMatrix {
    pub fn n(&self) -> u64 {
        self.counts.iter().sum()
    }
    pub fn get(&self, row: usize, col: usize) -> u64 {
        self.counts[row * self.q + col]
    }
    pub fn row_sums(&self) -> Vec<u64> {
        (0..self.q).map(|r| self.counts[r * self.q..(r + 1) * self.q].iter().sum()).collect()
    }
    pub fn col_sums(&self) -> Vec<u64> {
        (0..self.q).map(|c| (0..self.q).map(|r| self.get(r, c)).sum()).collect()
    }
    pub fn diagonal_sum(&self) -> u64 {
        (0..self.q).map(|k| self.get(k, k)).sum()
    }
    pub fn to_rows(&self) -> Vec<Vec<u64>> {
        self.counts.chunks(self.q.max(1)).map(|r| r.to_vec()).collect()
    }
}

/// Confusion matrix of two code rows (pairwise deletion of missing cells).
pub fn confusion_of(a: &[u16], b: &[u16], q: usize) -> ConfusionMatrix {
    assert_eq!(a.len(), b.len());
    // A (q+1)² table with the missing code folded onto index q keeps the loop branch-free; the
    // last row and column are dropped at the end.
    let w = q + 1;
    let mut table = vec![0u64; w * w];
    for (&x, &y) in a.iter().zip(b) {
        table[(x as usize).min(q) * w + (y as usize).min(q)] += 1;
    }
    let mut counts = Vec::with_capacity(q * q);
    for r in 0..q {
        counts.extend_from_slice(&table[r * w..r * w + q]);
    }
    ConfusionMatrix { q, counts }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_skips_missing_cells() {
        let m = RatingMatrix::from_rows(
            2,
            &[vec![Some(0), Some(1), None, Some(1)], vec![Some(0), Some(0), Some(1), None]],
        );
        let c = m.confusion(0, 1);
        assert_eq!(c.to_rows(), vec![vec![1, 0], vec![1, 0]]);
        assert_eq!(c.n(), 2);
        assert_eq!(m.n_ratings(), 6);
        assert_eq!(m.rater_category_counts(), vec![1, 2, 2, 1]);
    }

    #[test]
    fn pairwise_confusions_equal_each_pair_counted_alone() {
        let mut rng = crate::rng::SplitMix64::new(7);
        for (raters, items, q) in
            [(4, 3000, 3), (3, 5000, 15), (3, 200, 16), (2, 0, 2), (1, 10, 2), (5, 120_000, 4)]
        {
            let rows: Vec<Vec<Option<u16>>> = (0..raters)
                .map(|_| (0..items).map(|_| (rng.below(5) > 0).then(|| rng.below(q as u64) as u16)).collect())
                .collect();
            let m = RatingMatrix::from_rows(q, &rows);
            let alone: Vec<ConfusionMatrix> = (0..raters)
                .flat_map(|a| (a + 1..raters).map(move |b| (a, b)))
                .map(|(a, b)| m.confusion(a, b))
                .collect();
            assert_eq!(m.pairwise_confusions(), alone, "{raters} raters, {items} items, {q} categories");
        }
    }

    #[test]
    fn rejects_bad_codes_and_shapes() {
        assert!(RatingMatrix::new(1, 2, 2, vec![0, 2]).is_err());
        assert!(RatingMatrix::new(1, 2, 2, vec![0]).is_err());
        assert!(RatingMatrix::new(1, 2, 2, vec![0, MISSING]).is_ok());
    }
}
