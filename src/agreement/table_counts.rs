//! The counts every statistic of [`super::analyze`] is computed from: the item patterns, every
//! pair's confusion table and each rater's ratings per category. They are counted from a
//! [`RatingMatrix`], or straight from a ratings file without one (`ratings_table`).

use super::counts::UnitPatterns;
use super::matrix::{ConfusionMatrix, RatingMatrix};

#[derive(Debug, Clone)]
pub struct TableCounts {
    pub n_raters: usize,
    pub n_items: usize,
    pub n_categories: usize,
    /// Ratings given (cells not missing).
    pub n_ratings: u64,
    pub patterns: UnitPatterns,
    /// The confusion table of every pair of raters, (0, 1), (0, 2), …, (1, 2), …
    pub pairwise: Vec<ConfusionMatrix>,
    /// Ratings of each rater in each category (raters × categories, row-major).
    pub rater_category_counts: Vec<u64>,
}

impl TableCounts {
    pub fn from_matrix(m: &RatingMatrix) -> TableCounts {
        TableCounts {
            n_raters: m.n_raters(),
            n_items: m.n_items(),
            n_categories: m.n_categories(),
            n_ratings: m.n_ratings(),
            patterns: UnitPatterns::from_matrix(m, false),
            pairwise: m.pairwise_confusions(),
            rater_category_counts: m.rater_category_counts(),
        }
    }
}
