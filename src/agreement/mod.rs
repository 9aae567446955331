//! Inter-annotator agreement statistics: a pure library (no I/O).
//!
//! The input is a [`RatingMatrix`] (raters × items, category indices on a declared scale, some
//! missing) and a [`Scale`] (category labels, numeric values when they are numbers, measurement
//! level). [`analyze`] computes every statistic that applies to the level and returns an
//! [`Agreement`], whose [`Agreement::to_json`] has exactly the keys documented in docs/agreement.md ("Agreement
//! output". Definitions follow docs/agreement.md ("Definitions"; reference data in `tests/fixtures/iaa-golden/`); a statistic that is undefined on
//! the data (one category only, no pairable item, one rater, …) is [`Undefined`] — `null` with a
//! sentence in `notes` — never NaN and never a panic.

pub mod bootstrap;
pub mod counts;
pub mod interval;
pub mod judge;
pub mod judges;
pub mod kappa;
pub mod krippendorff;
pub mod matrix;
pub mod mcnemar;
pub mod plan;
pub mod ratings_table;
pub mod session;
pub mod table_counts;

pub use crate::schema::Level;
pub use bootstrap::BootstrapInterval;
pub use counts::{Coincidence, CountSummary, UnitPatterns};
pub use krippendorff::Metric;
pub use matrix::{ConfusionMatrix, MISSING, RatingMatrix};
pub use table_counts::TableCounts;

use kappa::{Weighting, Weights};
use serde_json::{Map, Value, json};

/// Why a statistic has no value on this data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Undefined {
    NoPairableItem,
    NoCoRatedItem,
    OneCategoryOnly,
    FewerThanTwoCategories,
    FewerThanTwoRaters,
    NonNumericCategories,
    NegativeRatioValue,
    NoValidResample,
    NoDefinedPair,
    NoJudgedItem,
}

impl Undefined {
    /// Why, as the end of a sentence.
    pub fn reason(self) -> &'static str {
        match self {
            Undefined::NoPairableItem => {
                "no item has ratings from two or more raters, so there is nothing to compare"
            }
            Undefined::NoCoRatedItem => "the two raters have no item in common",
            Undefined::OneCategoryOnly => {
                "all the ratings compared fall in a single category, so chance agreement is total and the coefficient is 0/0"
            }
            Undefined::FewerThanTwoCategories => "the scale declares fewer than two categories",
            Undefined::FewerThanTwoRaters => "fewer than two raters gave any rating",
            Undefined::NonNumericCategories => "interval and ratio differences need numeric category values",
            Undefined::NegativeRatioValue => "a ratio scale needs non-negative values",
            Undefined::NoValidResample => "fewer than two bootstrap resamples had a defined alpha",
            Undefined::NoDefinedPair => "no pair of raters has a defined Cohen's kappa (see pairwise)",
            Undefined::NoJudgedItem => "no item has both the judge scores compared and a human decision",
        }
    }

    /// [`Undefined::reason`] for a statistic over `n_raters` raters: with more than two, a
    /// reason about one pair is said of every pair.
    pub fn reason_among(self, n_raters: usize) -> &'static str {
        match self {
            Undefined::NoCoRatedItem if n_raters > 2 => "no two raters have an item in common",
            other => other.reason(),
        }
    }
}

/// "1 item", "2 items".
pub fn count_of(n: u64, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// A statistic's value, or why it has none.
pub type Stat = Result<f64, Undefined>;

/// The category scale of the ratings.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    /// Category labels in scale order, as they appear in the output (numbers or strings).
    pub labels: Vec<Value>,
    /// The categories' numeric values (same order), when they are all numbers.
    pub values: Option<Vec<f64>>,
    pub level: Level,
}

impl Scale {
    pub fn q(&self) -> usize {
        self.labels.len()
    }

    /// The alpha metrics reported at this level: nominal → nominal; ordinal → + ordinal;
    /// interval → + interval; ratio → + ratio. A coarser metric is always meaningful on finer
    /// data, so it is reported alongside for comparison with other tools.
    pub fn alpha_metrics(&self) -> Vec<Result<Metric, (&'static str, Undefined)>> {
        let rank = level_rank(self.level);
        let mut out = vec![Ok(Metric::Nominal)];
        if rank >= 1 {
            out.push(Ok(Metric::Ordinal));
        }
        if rank >= 2 {
            out.push(match &self.values {
                Some(v) => Ok(Metric::Interval(v.clone())),
                None => Err(("interval", Undefined::NonNumericCategories)),
            });
        }
        if rank >= 3 {
            out.push(match &self.values {
                Some(v) => Ok(Metric::Ratio(v.clone())),
                None => Err(("ratio", Undefined::NonNumericCategories)),
            });
        }
        out
    }

    /// The metric of the level itself (the one bootstrapped).
    pub fn level_metric(&self) -> Result<Metric, Undefined> {
        match self.level {
            Level::Nominal => Ok(Metric::Nominal),
            Level::Ordinal => Ok(Metric::Ordinal),
            Level::Interval => {
                self.values.clone().map(Metric::Interval).ok_or(Undefined::NonNumericCategories)
            }
            Level::Ratio => self.values.clone().map(Metric::Ratio).ok_or(Undefined::NonNumericCategories),
        }
    }

    /// Weighted kappas and AC2 apply from the ordinal level up.
    pub fn is_ordered(&self) -> bool {
        level_rank(self.level) >= 1
    }

    /// The weights of the weighted coefficients at this level: on the categories' values at the
    /// interval and ratio levels (when they are numbers), else on their ranks.
    pub fn weights(&self, kind: Weighting) -> Weights {
        match &self.values {
            Some(values) if level_rank(self.level) >= 2 => Weights::on_values(kind, values),
            _ => Weights::on_ranks(kind),
        }
    }
}

fn level_rank(l: Level) -> u8 {
    match l {
        Level::Nominal => 0,
        Level::Ordinal => 1,
        Level::Interval => 2,
        Level::Ratio => 3,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Percentile-bootstrap resamples for the alpha of the level (none when `None`).
    pub bootstrap: Option<usize>,
    pub seed: u64,
}

/// Two raters compared on the items both rated.
#[derive(Debug, Clone, PartialEq)]
pub struct PairStats {
    pub n_items: u64,
    pub percent_agreement: Stat,
    pub cohen_kappa: Stat,
    /// Present when the scale is ordered.
    pub cohen_kappa_linear: Option<Stat>,
    pub cohen_kappa_quadratic: Option<Stat>,
    pub scott_pi: Stat,
    /// Row = first rater, column = second rater, in scale order.
    pub confusion: ConfusionMatrix,
}

impl PairStats {
    pub fn from_confusion(confusion: ConfusionMatrix, scale: &Scale) -> PairStats {
        let ordered = scale.is_ordered();
        PairStats {
            n_items: confusion.n(),
            percent_agreement: kappa::observed_agreement(&confusion),
            cohen_kappa: kappa::cohen_kappa(&confusion),
            cohen_kappa_linear: ordered
                .then(|| kappa::cohen_kappa_weighted(&confusion, scale.weights(Weighting::Linear))),
            cohen_kappa_quadratic: ordered
                .then(|| kappa::cohen_kappa_weighted(&confusion, scale.weights(Weighting::Quadratic))),
            scott_pi: kappa::scott_pi(&confusion),
            confusion,
        }
    }

    fn stats(&self) -> Vec<(&'static str, Stat)> {
        let mut v = vec![("cohen_kappa", self.cohen_kappa)];
        if let Some(s) = self.cohen_kappa_linear {
            v.push(("cohen_kappa_linear", s));
        }
        if let Some(s) = self.cohen_kappa_quadratic {
            v.push(("cohen_kappa_quadratic", s));
        }
        v.push(("scott_pi", self.scott_pi));
        v
    }
}

/// Every statistic of the agreement output (docs/agreement.md), for one ratings matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    pub n_items: usize,
    pub n_raters: usize,
    pub n_ratings: u64,
    pub raters: Vec<String>,
    pub scale: Scale,
    /// Items with at least two ratings.
    pub pairable_items: u64,
    pub percent_agreement: Stat,
    /// (metric name, α) for the metrics of the level, coarsest first.
    pub alpha: Vec<(&'static str, Stat)>,
    pub fleiss_kappa: Stat,
    pub randolph_kappa: Stat,
    pub conger_kappa: Stat,
    pub light_kappa: Stat,
    pub gwet_ac1: Stat,
    /// (linear, quadratic), when the scale is ordered.
    pub gwet_ac2: Option<(Stat, Stat)>,
    /// Exactly two raters.
    pub pair: Option<PairStats>,
    /// More than two raters: "A|B" in rater order.
    pub pairwise: Vec<(String, PairStats)>,
    /// With `Options::bootstrap`: (metric name, interval).
    pub alpha_ci95: Option<(&'static str, Result<BootstrapInterval, Undefined>)>,
    pub coincidence: Coincidence,
    pub notes: Vec<String>,
}

/// Computes every statistic that applies. `raters` names the matrix rows.
pub fn analyze(m: &RatingMatrix, raters: &[String], scale: &Scale, opts: &Options) -> Agreement {
    analyze_counts(&TableCounts::from_matrix(m), raters, scale, opts)
}

/// [`analyze`] from the counts of a matrix (or of a ratings file read without one).
pub fn analyze_counts(counts: &TableCounts, raters: &[String], scale: &Scale, opts: &Options) -> Agreement {
    assert_eq!(counts.n_raters, raters.len(), "one name per rater");
    assert_eq!(counts.n_categories, scale.q(), "the matrix uses the scale's categories");
    let ordered = scale.is_ordered();
    let patterns = &counts.patterns;
    let coincidence = Coincidence::from_patterns(patterns);
    let summary = CountSummary::from_patterns(patterns);

    let alpha: Vec<(&'static str, Stat)> = scale
        .alpha_metrics()
        .into_iter()
        .map(|metric| match metric {
            Ok(metric) => (metric.name(), krippendorff::alpha_from_coincidence(&coincidence, &metric)),
            Err((name, why)) => (name, Err(why)),
        })
        .collect();

    let n = counts.n_raters;
    let pair_list: Vec<(usize, usize)> = (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b))).collect();
    let pair_stats: Vec<(String, PairStats)> = pair_list
        .iter()
        .zip(&counts.pairwise)
        .map(|(&(a, b), confusion)| {
            (format!("{}|{}", raters[a], raters[b]), PairStats::from_confusion(confusion.clone(), scale))
        })
        .collect();
    let pair_kappas: Vec<Stat> = pair_stats.iter().map(|(_, p)| p.cohen_kappa).collect();
    let (light_kappa, light_left_out) =
        if n < 2 { (Err(Undefined::FewerThanTwoRaters), 0) } else { kappa::light_kappa(&pair_kappas) };

    let alpha_ci95 = opts.bootstrap.map(|resamples| {
        let name = scale.level.as_str();
        let interval = scale
            .level_metric()
            .and_then(|metric| bootstrap::alpha_interval(patterns, &metric, resamples, opts.seed));
        (name, interval)
    });

    let (pair, pairwise) = if n == 2 {
        (pair_stats.into_iter().next().map(|(_, p)| p), Vec::new())
    } else if n > 2 {
        (None, pair_stats)
    } else {
        (None, Vec::new())
    };

    let mut out = Agreement {
        n_items: counts.n_items,
        n_raters: n,
        n_ratings: counts.n_ratings,
        raters: raters.to_vec(),
        scale: scale.clone(),
        pairable_items: summary.pairable_units,
        percent_agreement: kappa::percent_agreement(&summary),
        alpha,
        fleiss_kappa: kappa::fleiss_kappa(&summary),
        randolph_kappa: kappa::randolph_kappa(&summary),
        conger_kappa: kappa::conger_kappa(&summary, &counts.rater_category_counts),
        light_kappa,
        gwet_ac1: kappa::gwet_ac1(&summary),
        gwet_ac2: ordered.then(|| {
            (
                kappa::gwet_ac2(&summary, scale.weights(Weighting::Linear)),
                kappa::gwet_ac2(&summary, scale.weights(Weighting::Quadratic)),
            )
        }),
        pair,
        pairwise,
        alpha_ci95,
        coincidence,
        notes: Vec::new(),
    };
    out.notes = out.build_notes(&summary, light_left_out, opts);
    out
}

fn json_number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map(Value::Number).unwrap_or(Value::Null)
}

fn stat_json(s: &Stat) -> Value {
    match s {
        Ok(x) => json_number(*x),
        Err(_) => Value::Null,
    }
}

impl Agreement {
    /// The scalar statistics in the documented output order, with their output keys (absent ones left out).
    pub fn statistics(&self) -> Vec<(String, Stat)> {
        let mut v: Vec<(String, Stat)> = vec![("percent_agreement".into(), self.percent_agreement)];
        for (name, a) in &self.alpha {
            v.push((format!("krippendorff_alpha_{name}"), *a));
        }
        v.push(("fleiss_kappa".into(), self.fleiss_kappa));
        v.push(("randolph_kappa".into(), self.randolph_kappa));
        v.push(("conger_kappa".into(), self.conger_kappa));
        v.push(("light_kappa".into(), self.light_kappa));
        v.push(("gwet_ac1".into(), self.gwet_ac1));
        if let Some((lin, quad)) = self.gwet_ac2 {
            v.push(("gwet_ac2_linear".into(), lin));
            v.push(("gwet_ac2_quadratic".into(), quad));
        }
        if let Some(p) = &self.pair {
            for (k, s) in p.stats() {
                v.push((k.into(), s));
            }
        }
        v
    }

    /// The agreement object of docs/agreement.md.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("n_items".into(), json!(self.n_items));
        o.insert("n_raters".into(), json!(self.n_raters));
        o.insert("n_ratings".into(), json!(self.n_ratings));
        o.insert("categories".into(), Value::Array(self.scale.labels.clone()));
        o.insert("level".into(), json!(self.scale.level.as_str()));
        for (k, s) in self.statistics() {
            o.insert(k, stat_json(&s));
        }
        if let Some(p) = &self.pair {
            o.insert("confusion_matrix".into(), json!(p.confusion.to_rows()));
        }
        if self.n_raters > 2 {
            let mut pw = Map::new();
            for (name, p) in &self.pairwise {
                let mut e = Map::new();
                for (k, s) in p.stats() {
                    e.insert(k.into(), stat_json(&s));
                }
                e.insert("n_items".into(), json!(p.n_items));
                pw.insert(name.clone(), Value::Object(e));
            }
            o.insert("pairwise".into(), Value::Object(pw));
        }
        if let Some((name, ci)) = &self.alpha_ci95 {
            let v = match ci {
                Ok(i) => json!([json_number(i.low), json_number(i.high)]),
                Err(_) => Value::Null,
            };
            o.insert(format!("krippendorff_alpha_{name}_ci95"), v);
        }
        o.insert("notes".into(), json!(self.notes));
        Value::Object(o)
    }

    fn build_notes(&self, summary: &CountSummary, light_left_out: usize, opts: &Options) -> Vec<String> {
        let mut notes = Vec::new();
        // Nulls, grouped by reason so that one cause gives one sentence.
        let mut nulls: Vec<(Undefined, String)> = Vec::new();
        for (k, s) in self.statistics() {
            if let Err(why) = s {
                nulls.push((why, k));
            }
        }
        if let Some((name, Err(why))) = &self.alpha_ci95 {
            nulls.push((*why, format!("krippendorff_alpha_{name}_ci95")));
        }
        nulls.sort();
        let mut i = 0;
        while i < nulls.len() {
            let why = nulls[i].0;
            let keys: Vec<&str> =
                nulls[i..].iter().take_while(|(w, _)| *w == why).map(|(_, k)| k.as_str()).collect();
            i += keys.len();
            let verb = if keys.len() == 1 { "is" } else { "are" };
            notes.push(format!("{} {verb} null: {}.", keys.join(", "), why.reason_among(self.n_raters)));
        }
        let mut pair_nulls: Vec<(Undefined, &str, &str)> = Vec::new();
        for (name, p) in &self.pairwise {
            for (k, s) in p.stats() {
                if let Err(why) = s {
                    pair_nulls.push((why, name.as_str(), k));
                }
            }
        }
        pair_nulls.sort();
        pair_nulls.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        let mut i = 0;
        while i < pair_nulls.len() {
            let why = pair_nulls[i].0;
            let pairs: Vec<&str> = pair_nulls[i..].iter().take_while(|p| p.0 == why).map(|p| p.1).collect();
            i += pairs.len();
            notes.push(format!("pairwise {}: some statistics are null: {}.", pairs.join(", "), why.reason()));
        }
        if self.n_raters < 2 && self.n_items > 0 {
            notes.push("Only one rater: agreement needs at least two.".to_string());
        }
        let rated = summary.rated_units;
        let single = rated - summary.pairable_units;
        if single > 0 && summary.pairable_units > 0 {
            notes.push(format!(
                "{} of {} items {} a single rating: alpha and percent agreement ignore them; Fleiss' kappa (Gwet's generalisation for missing data) and Gwet's AC1/AC2 count them in chance agreement.",
                single,
                self.n_items,
                if single == 1 { "has" } else { "have" }
            ));
        }
        let unrated = self.n_items as u64 - rated;
        if unrated > 0 {
            notes.push(format!(
                "{unrated} of {} items {} no rating at all.",
                self.n_items,
                if unrated == 1 { "has" } else { "have" }
            ));
        }
        if light_left_out > 0 && self.light_kappa.is_ok() {
            let total = self.n_raters * (self.n_raters - 1) / 2;
            notes.push(format!(
                "light_kappa is the mean of the {} of {total} rater pairs whose Cohen's kappa is defined.",
                total - light_left_out
            ));
        }
        if let Some((name, Ok(ci))) = &self.alpha_ci95 {
            notes.push(format!(
                "krippendorff_alpha_{name}_ci95: percentile bootstrap over items, {} resamples ({} with alpha defined), seed {}.",
                ci.resamples, ci.valid, opts.seed
            ));
        }
        notes
    }
}
