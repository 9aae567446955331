//! The stats screen (`a`): per dimension, the agreement among the human annotators
//! (Krippendorff's α at the dimension's level) and the judge against the human majority
//! (Cohen's κ, accuracy, confusion matrix; with several named judges, κ, accuracy and n of
//! each), the distribution of the humans' labels, and each
//! annotator's progress.
//!
//! Nothing is computed here: the numbers come from the agreement engine through the same
//! session statistics `crossreview agreement` uses (`session_stats::SessionLabels`, which
//! leaves adjudicators out), and progress from `session_stats::progress`. The computation
//! reads the whole session, so it runs on a worker thread with its own connection.

use crate::agreement::matrix::ConfusionMatrix;
use crate::agreement::{Options, Stat};
use crate::store::Store;

/// Seconds between recomputations while the screen is open (other annotators label too).
pub const REFRESH_SECONDS: f64 = 3.0;

#[derive(Debug, Clone, PartialEq)]
pub struct DimensionStats {
    pub name: String,
    /// The scale's values, as shown.
    pub categories: Vec<String>,
    /// Items labelled by at least one human, and by at least two (pairable).
    pub n_items: usize,
    pub n_raters: usize,
    /// Krippendorff's α among the humans at the dimension's level, with the metric's name.
    pub alpha: Option<(&'static str, Stat)>,
    /// Human labels per category.
    pub distribution: Vec<u64>,
    /// Judge vs the human majority.
    pub judge_n: u64,
    pub judge_kappa: Stat,
    pub judge_accuracy: Stat,
    /// Rows: human majority; columns: judge.
    pub confusion: ConfusionMatrix,
    /// With several named judges, each against the human majority (judge order); empty with
    /// one.
    pub judges: Vec<JudgeRow>,
}

/// One named judge against the human majority on one dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeRow {
    pub judge: String,
    pub n: u64,
    pub kappa: Stat,
    pub accuracy: Stat,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnnotatorStats {
    pub name: String,
    pub labels: u64,
    pub tasks_done: u64,
    pub pairs_done: u64,
    pub adjudicator: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatsView {
    pub dimensions: Vec<DimensionStats>,
    pub annotators: Vec<AnnotatorStats>,
    pub responses: u64,
    pub pairs: u64,
}

/// Why the stats screen's numbers could not be computed: the session's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatsError {
    /// The labels or the judges' scores could not be gathered.
    #[error("{0}")]
    Labels(String),
    /// Reading the session failed: the message, then its causes.
    #[error("{0}")]
    Session(String),
}

/// An error and its causes, `message: cause: cause`.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(&format!(": {c}"));
        cause = c.source();
    }
    out
}

/// Computes the whole view from a session.
pub fn compute(store: &Store) -> Result<StatsView, StatsError> {
    use crate::session_stats::SessionLabels;
    let labels = SessionLabels::load(store).map_err(|e| StatsError::Labels(e.to_string()))?;
    let opts = Options { bootstrap: None, seed: 0 };
    let named = crate::session_stats::judges::SessionJudges::load(store, &labels)
        .map_err(|e| StatsError::Labels(e.to_string()))?;
    let several_judges = named.names.len() > 1;
    let mut dimensions = Vec::new();
    for dim in &store.schema().dimensions {
        let ratings = labels.dimension(dim);
        let humans = ratings.humans(&opts);
        let judge = ratings.judge_report(&opts);
        let q = ratings.scale.q();
        let mut distribution = vec![0u64; q];
        for r in 0..ratings.matrix.n_raters() {
            for &c in ratings.matrix.row(r) {
                if (c as usize) < q {
                    distribution[c as usize] += 1;
                }
            }
        }
        dimensions.push(DimensionStats {
            name: dim.name.clone(),
            categories: ratings
                .scale
                .labels
                .iter()
                .map(|v| v.to_string().trim_matches('"').to_string())
                .collect(),
            n_items: humans.n_items,
            n_raters: humans.n_raters,
            alpha: humans.alpha.last().cloned(),
            distribution,
            judge_n: judge.vs_majority.n,
            judge_kappa: judge.vs_majority.cohen_kappa,
            judge_accuracy: judge.vs_majority.accuracy,
            confusion: judge.vs_majority.confusion,
            judges: (if several_judges {
                labels.named_judges_vs_majority(dim, &named, &opts)
            } else {
                Vec::new()
            })
            .into_iter()
            .map(|(judge, c)| JudgeRow { judge, n: c.n, kappa: c.cohen_kappa, accuracy: c.accuracy })
            .collect(),
        });
    }
    let adjudicators = store.adjudicators().map_err(|e| StatsError::Session(with_causes(&e)))?;
    let annotators = crate::session_stats::progress(store)
        .map_err(|e| StatsError::Session(format!("{e:#}")))?
        .into_iter()
        .map(|(name, p)| AnnotatorStats {
            adjudicator: adjudicators.contains(&name),
            name,
            labels: p.labels,
            tasks_done: p.tasks_done,
            pairs_done: p.pairs_done,
        })
        .collect();
    let counts = store.counts().map_err(|e| StatsError::Session(with_causes(&e)))?;
    Ok(StatsView { dimensions, annotators, responses: counts.responses, pairs: counts.pairs })
}
