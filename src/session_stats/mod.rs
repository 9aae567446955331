//! Session-level statistics: what `status`, `report`, `agreement` and the TUI's stats screen
//! compute from a session. Each function reads the store (or an [`ExportData`] loaded from it)
//! and returns plain values; the agreement engine (`crate::agreement`) does the statistics, and
//! the callers print or draw the result.
//!
//! - [`labels`]: the current labels, cut per dimension for the agreement engine
//!   ([`SessionLabels`]).
//! - [`dimension_agreement`]: `crossreview agreement` on a session, per dimension and group.
//! - [`judge_table`]: `report --judges`: every judge's accuracy, interval and κ, and the plan.
//! - [`judges`]: several judges side by side: each against the humans, pairs of judges.
//! - [`progress`]: each annotator's progress and gold accuracy ([`progress()`]).
//! - [`pairs`]: verdict statistics of pairs (validity, flips, side bias, agreement on verdicts).
//! - [`pair_summary`]: those statistics as the pair section of `status` and `report`.
//! - [`labelling_plan`]: how many responses to label per stratum to know every judge's
//!   accuracy within a margin, and the seeded sample that serves it (`plan`, `annotate --plan`).
//! - [`named_judges`]: every named judge against the human majority (the stats screen).
//! - [`report_cells`]: one dimension on one group of responses, for `report`'s results table.
//!
//! [`ExportData`]: crate::export::ExportData

pub mod dimension_agreement;
pub mod judge_table;
pub mod judges;
pub mod labelling_plan;
pub mod labels;
pub mod named_judges;
pub mod pair_summary;
pub mod pairs;
pub mod progress;
pub mod report_cells;

pub use dimension_agreement::DimensionAgreement;
pub use labels::SessionLabels;
pub use pair_summary::{PairSummary, pair_summary};
pub use progress::{AnnotatorProgress, gold_answers, gold_item_count, progress, progress_with};
