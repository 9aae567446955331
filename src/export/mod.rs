//! Exports: labels as recorded, gold labels, and training data built from validated pairs.
//!
//! Split in three: [`ExportData`] is everything an export reads, loaded from the session once
//! (`ExportData::load`); the per-format modules turn it into rows with pure functions that hand
//! each row to a callback; [`writer`] puts the rows on standard output or into a file that
//! appears atomically. The order of rows is the session's (items and pairs in import order,
//! annotators by name, dimensions in schema order), so two exports of one session diff cleanly.

mod error;
pub mod gold;
pub mod images;
pub mod judges;
pub mod labels;
pub mod preference;
pub mod writer;

use crate::model::{Pair, TaskRef, Verdict};
use crate::schema::Schema;
use crate::store::{CurrentLabel, ResponseInfo, Store, field};
pub use error::ExportError;
use images::ImagePaths;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

// What an export writes.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    LabelsJsonl,
    LabelsCsv,
    GoldJsonl,
    DpoTrl,
    DpoOpenai,
    Kto,
}

/// Everything an export reads from a session.
#[derive(Debug, Clone)]
pub struct ExportData {
    pub schema: Schema,
    /// Responses in import order, with the judge's values.
    pub responses: Vec<ResponseInfo>,
    /// Pairs in import order.
    pub pairs: Vec<Pair>,
    /// Every current row (labels, verdicts and `@` task fields) of the selected annotators
    /// (`load`: ordered by annotator, then task, then field; `load_pairs`: verdicts only, unordered).
    pub current: Vec<CurrentLabel>,
    /// The session's adjudicators: their labels decide (gold) instead of counting as votes.
    pub adjudicators: Vec<String>,
    /// Every judge's scores, when the session has several (or a named) judge.
    pub judges: judges::JudgeScores,
}

impl ExportData {
    /// Loads a session, keeping only the labels of `annotators` (all when empty). Naming an
    /// annotator the session does not know is a data error, not an empty export.
    pub fn load(store: &Store, annotators: &[String]) -> Result<ExportData, ExportError> {
        check_annotators(store, annotators)?;
        let mut current = store.current()?;
        if !annotators.is_empty() {
            current.retain(|c| annotators.contains(&c.annotator));
        }
        let responses = store.response_index()?;
        let judges = judges::JudgeScores::load(store, &responses, store.schema())?;
        Ok(ExportData {
            schema: store.schema().clone(),
            responses,
            pairs: store.pairs()?,
            current,
            adjudicators: store.adjudicators()?,
            judges,
        })
    }

    /// What the pair formats (`dpo-trl`, `dpo-openai`, `kto`) read: the pairs and the current
    /// verdicts only, which keeps exporting 100,000 pairs well under a second.
    pub fn load_pairs(store: &Store, annotators: &[String]) -> Result<ExportData, ExportError> {
        check_annotators(store, annotators)?;
        // Only what the decision reads: the time, text and seconds of a verdict are not exported
        // by these formats, and skipping them halves the cost of the query.
        // The time only of adjudicators' verdicts: when two adjudicators decided one pair, the
        // latest decides.
        let mut st = store.conn().prepare(
            "SELECT annotator, pair_id, value,
                    CASE WHEN annotator IN (SELECT name FROM annotators WHERE role = 'adjudicator') THEN at END
             FROM readable_current
             WHERE task_kind = 'pair' AND field = ?1 AND value IS NOT NULL",
        )?;
        let mut current = Vec::new();
        let mut rows = st.query([field::VERDICT])?;
        while let Some(r) = rows.next()? {
            let annotator: String = r.get(0)?;
            if !annotators.is_empty() && !annotators.contains(&annotator) {
                continue;
            }
            current.push(CurrentLabel {
                annotator,
                task: TaskRef::Pair { pair_id: r.get(1)? },
                field: field::VERDICT.to_string(),
                value: r.get(2)?,
                text: None,
                blind_value: None,
                seconds: 0.0,
                at: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
            });
        }
        Ok(ExportData {
            schema: store.schema().clone(),
            responses: Vec::new(),
            pairs: store.pairs()?,
            current,
            adjudicators: store.adjudicators()?,
            judges: judges::JudgeScores::default(),
        })
    }

    /// Loads what `format` reads.
    pub fn load_for(
        store: &Store,
        annotators: &[String],
        format: ExportFormat,
    ) -> Result<ExportData, ExportError> {
        match format {
            ExportFormat::DpoTrl | ExportFormat::DpoOpenai | ExportFormat::Kto => {
                ExportData::load_pairs(store, annotators)
            }
            _ => ExportData::load(store, annotators),
        }
    }
}

/// Naming an annotator the session does not know is a data error, not an empty export.
fn check_annotators(store: &Store, annotators: &[String]) -> Result<(), ExportError> {
    if annotators.is_empty() {
        return Ok(());
    }
    let known = store.annotators()?;
    let unknown: Vec<&str> = annotators.iter().filter(|a| !known.contains(a)).map(String::as_str).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let list = if known.is_empty() { "none yet".to_string() } else { known.join(", ") };
    Err(ExportError::UnknownAnnotators {
        unknown: unknown.join(", "),
        session: store.path().display().to_string(),
        known: list,
    })
}

/// How images are written in OpenAI's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenAiImages {
    /// The file itself, base64 in a `data:` URL (what OpenAI accepts for a local file).
    DataUrl,
    /// The path (relative or absolute, as for the other formats) or the stored URL.
    Reference,
}

/// What shapes an export besides its format.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// A pair (or a gold value) needs at least this many annotators.
    pub min_annotators: usize,
    pub images: ImagePaths,
    pub openai_images: OpenAiImages,
}

/// What an export wrote and what it left out (and why), for the message after it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportSummary {
    pub rows: u64,
    /// reason -> how many pairs, or (item, response, dimension) triples, were left out.
    pub left_out: BTreeMap<String, u64>,
}

impl ExportSummary {
    pub fn leave_out(&mut self, reason: impl Into<String>) {
        *self.left_out.entry(reason.into()).or_default() += 1;
    }
}

/// The strict majority among some values: the value more than half of them share.
#[derive(Debug, Clone, PartialEq)]
pub struct Majority<T> {
    pub value: Option<T>,
    /// How many values there were.
    pub n: usize,
    /// How many share the most frequent value (the majority's size when there is one).
    pub top: usize,
}

impl<T> Majority<T> {
    /// Share of the values equal to the most frequent one: 1 when all agree.
    pub fn agreement(&self) -> f64 {
        if self.n == 0 { 0.0 } else { self.top as f64 / self.n as f64 }
    }
}

/// The strict majority of `values`: the value more than half of them share (none on a tie, or
/// when the most frequent value has half or fewer). Compare `agreement::judge::plurality_value`,
/// which takes the most frequent value.
pub fn strict_majority_value<T: PartialEq + Copy>(values: impl IntoIterator<Item = T>) -> Majority<T> {
    // A handful of annotators per task: a linear scan beats a map.
    let mut counts: Vec<(T, usize)> = Vec::new();
    let mut n = 0;
    for v in values {
        match counts.iter_mut().find(|(x, _)| *x == v) {
            Some((_, c)) => *c += 1,
            None => counts.push((v, 1)),
        }
        n += 1;
    }
    let top = counts.iter().map(|(_, c)| *c).max().unwrap_or(0);
    let value = counts.iter().find(|(_, c)| 2 * *c > n).map(|(v, _)| *v);
    Majority { value, n, top }
}

/// The verdicts given on one pair, by annotator name (sorted).
pub type PairVerdicts<'a> = Vec<(&'a str, Verdict)>;

/// Every pair's verdicts, from the current rows. Values that are no verdict code are ignored
/// (the store refuses them; a hand-edited file could still hold one).
pub fn pair_verdicts(current: &[CurrentLabel]) -> HashMap<&str, PairVerdicts<'_>, FastHash> {
    let mut out: HashMap<&str, PairVerdicts, FastHash> = HashMap::default();
    for c in current {
        if c.field != field::VERDICT {
            continue;
        }
        if let (TaskRef::Pair { pair_id }, Some(v)) = (&c.task, c.value.and_then(Verdict::from_code)) {
            out.entry(pair_id.as_str()).or_default().push((c.annotator.as_str(), v));
        }
    }
    for v in out.values_mut() {
        v.sort_unstable();
    }
    out
}

/// An adjudicator's verdict on a pair: final, whatever the annotators said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairAdjudication<'a> {
    pub adjudicator: &'a str,
    pub verdict: Verdict,
}

/// The annotators' verdicts per pair (as [`pair_verdicts`]) without the adjudicators', and the
/// adjudicators' verdicts apart: they decide instead of voting, as for gold labels (when two
/// adjudicators decided one pair, the latest verdict wins).
pub fn split_pair_verdicts<'a>(
    current: &'a [CurrentLabel],
    adjudicators: &[String],
) -> (HashMap<&'a str, PairVerdicts<'a>, FastHash>, HashMap<&'a str, PairAdjudication<'a>, FastHash>) {
    if adjudicators.is_empty() {
        return (pair_verdicts(current), HashMap::default());
    }
    let mut votes: HashMap<&str, PairVerdicts, FastHash> = HashMap::default();
    let mut decided: HashMap<&str, (PairAdjudication, &str), FastHash> = HashMap::default();
    for c in current {
        if c.field != field::VERDICT {
            continue;
        }
        let (TaskRef::Pair { pair_id }, Some(v)) = (&c.task, c.value.and_then(Verdict::from_code)) else {
            continue;
        };
        if adjudicators.contains(&c.annotator) {
            let later = decided.get(pair_id.as_str()).is_none_or(|(_, at)| *at <= c.at.as_str());
            if later {
                decided.insert(pair_id, (PairAdjudication { adjudicator: &c.annotator, verdict: v }, &c.at));
            }
        } else {
            votes.entry(pair_id.as_str()).or_default().push((c.annotator.as_str(), v));
        }
    }
    for v in votes.values_mut() {
        v.sort_unstable();
    }
    (votes, decided.into_iter().map(|(k, (a, _))| (k, a)).collect())
}

/// FNV-1a: the maps here are keyed by ids from the user's own session, so the flooding
/// resistance of the default hasher buys nothing, and FNV is several times faster on short ids.
#[derive(Default, Clone, Copy)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub type FastHash = std::hash::BuildHasherDefault<Fnv>;

/// What the humans decided about one pair, before a format decides what to do with it.
#[derive(Debug, Clone, PartialEq)]
pub enum PairDecision {
    /// At least `min_annotators` verdicts and a strict majority for this one; or an
    /// adjudicator's verdict (`adjudicator`), which is final whatever the annotators said.
    Decided {
        verdict: Verdict,
        majority: Majority<Verdict>,
        adjudicator: Option<String>,
    },
    /// Nobody gave a verdict.
    NoVerdict,
    TooFewAnnotators {
        n: usize,
    },
    NoMajority {
        majority: Majority<Verdict>,
    },
}

/// The decision rule for pairs: an adjudicator's verdict when there is one (final, as for gold
/// labels); otherwise kept when at least `min_annotators` annotators gave a verdict (`unsure`
/// counts as a verdict given) and more than half of them gave the same one.
pub fn decide_pair(
    verdicts: &[(&str, Verdict)],
    min_annotators: usize,
    adjudication: Option<&PairAdjudication>,
) -> PairDecision {
    if let Some(a) = adjudication {
        return PairDecision::Decided {
            verdict: a.verdict,
            majority: strict_majority_value(verdicts.iter().map(|(_, v)| *v)),
            adjudicator: Some(a.adjudicator.to_string()),
        };
    }
    if verdicts.is_empty() {
        return PairDecision::NoVerdict;
    }
    if verdicts.len() < min_annotators {
        return PairDecision::TooFewAnnotators { n: verdicts.len() };
    }
    let m = strict_majority_value(verdicts.iter().map(|(_, v)| *v));
    match m.value {
        Some(verdict) => PairDecision::Decided { verdict, majority: m, adjudicator: None },
        None => PairDecision::NoMajority { majority: m },
    }
}

impl PairDecision {
    /// Why a pair with this decision is left out of a format that keeps only `kept` verdicts.
    pub fn left_out_reason(&self, min_annotators: usize) -> String {
        match self {
            PairDecision::Decided { verdict, adjudicator: Some(_), .. } => {
                format!("adjudicated verdict {}", verdict.as_str())
            }
            PairDecision::Decided { verdict, .. } => format!("majority verdict {}", verdict.as_str()),
            PairDecision::NoVerdict => "no verdict yet".to_string(),
            PairDecision::TooFewAnnotators { .. } => format!("fewer than {min_annotators} annotators"),
            PairDecision::NoMajority { .. } => "no majority verdict".to_string(),
        }
    }
}

/// The provenance every pair-based row carries: who judged it, how, and how much they agreed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PairMeta<'a> {
    pub pair_id: &'a str,
    pub item_id: Option<&'a str>,
    /// The final verdict: the majority's, or the adjudicator's.
    pub verdict: &'static str,
    /// Whether chosen and rejected were swapped (a `flip`).
    pub swapped: bool,
    /// Annotators by name, and their verdicts in the same order.
    pub annotators: Vec<&'a str>,
    pub verdicts: Vec<&'static str>,
    /// Share of the annotators who gave the final verdict.
    pub agreement: f64,
    /// The adjudicator whose verdict decided (absent when the annotators' majority did).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjudicator: Option<&'a str>,
    /// KTO: which side of the pair the completion was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<&'static str>,
}

impl<'a> PairMeta<'a> {
    pub fn new(
        pair: &'a Pair,
        verdicts: &[(&'a str, Verdict)],
        verdict: Verdict,
        adjudicator: Option<&'a str>,
    ) -> PairMeta<'a> {
        let gave = verdicts.iter().filter(|(_, v)| *v == verdict).count();
        let agreement = if verdicts.is_empty() { 0.0 } else { gave as f64 / verdicts.len() as f64 };
        PairMeta {
            pair_id: &pair.id,
            item_id: pair.item_id.as_deref(),
            verdict: verdict.as_str(),
            swapped: verdict == Verdict::Flip,
            annotators: verdicts.iter().map(|(a, _)| *a).collect(),
            verdicts: verdicts.iter().map(|(_, v)| v.as_str()).collect(),
            agreement: round4(agreement),
            adjudicator,
            side: None,
        }
    }
}

pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Writes the export in `format` to `out`, returning what was written and left out.
pub fn export(
    format: ExportFormat,
    data: &ExportData,
    opts: &ExportOptions,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    // Each row is serialised into one reused buffer and written with a single call: serde_json
    // writes many small fragments, each of which would otherwise go through the sink.
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut line = |out: &mut dyn Write, row: &dyn erased::Row| -> Result<(), ExportError> {
        buf.clear();
        row.write_json(&mut buf)?;
        buf.push(b'\n');
        out.write_all(&buf)?;
        Ok(())
    };
    match format {
        ExportFormat::LabelsJsonl => labels::label_rows(data, &mut |row| line(out, &row.to_json())),
        ExportFormat::LabelsCsv => labels::write_csv(data, out),
        ExportFormat::GoldJsonl => {
            let (votes, adjudications) = gold::split_adjudications(data);
            gold::gold_rows(&votes, opts.min_annotators, &adjudications, &mut |row| line(out, &row))
        }
        ExportFormat::DpoTrl => preference::dpo_trl_rows(data, opts, &mut |row| line(out, row)),
        ExportFormat::DpoOpenai => preference::dpo_openai_rows(data, opts, &mut |row| line(out, row)),
        ExportFormat::Kto => preference::kto_rows(data, opts, &mut |row| line(out, row)),
    }
}

/// A row type serialisable behind `dyn` (serde's `Serialize` is not object safe).
mod erased {
    pub trait Row {
        fn write_json(&self, buf: &mut Vec<u8>) -> serde_json::Result<()>;
    }
    impl<T: serde::Serialize> Row for T {
        fn write_json(&self, buf: &mut Vec<u8>) -> serde_json::Result<()> {
            serde_json::to_writer(buf, self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_majority_value_and_ties() {
        // Two of three.
        let m = strict_majority_value([1, 1, 0]);
        assert_eq!((m.value, m.n, m.top), (Some(1), 3, 2));
        // Ties, of two and of three values.
        assert_eq!(strict_majority_value([1, 0]).value, None);
        assert_eq!(strict_majority_value([2, 0, 1]).value, None);
        assert_eq!(
            strict_majority_value([2, 2, 1, 0]).value,
            None,
            "a plurality of 2 of 4 is not a majority"
        );
        assert_eq!(strict_majority_value(Vec::<i64>::new()).value, None);
        assert!((strict_majority_value([1, 1, 0]).agreement() - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn pair_rule() {
        let v = |xs: &[(&'static str, Verdict)]| -> PairVerdicts<'static> { xs.to_vec() };
        use Verdict::*;
        assert_eq!(decide_pair(&[], 1, None), PairDecision::NoVerdict);
        assert!(matches!(decide_pair(&v(&[("a", Agree)]), 2, None), PairDecision::TooFewAnnotators { n: 1 }));
        assert!(matches!(
            decide_pair(&v(&[("a", Agree)]), 1, None),
            PairDecision::Decided { verdict: Agree, .. }
        ));
        assert!(matches!(
            decide_pair(&v(&[("a", Flip), ("b", Flip), ("c", Agree)]), 2, None),
            PairDecision::Decided { verdict: Flip, adjudicator: None, .. }
        ));
        assert!(matches!(
            decide_pair(&v(&[("a", Agree), ("b", Unsure)]), 2, None),
            PairDecision::NoMajority { .. }
        ));
    }

    #[test]
    fn an_adjudicated_pair_verdict_is_final() {
        use Verdict::*;
        let lead = PairAdjudication { adjudicator: "lead", verdict: Flip };
        // A tie, too few annotators, no verdict, even a unanimous vote: the adjudicator decides.
        for given in
            [vec![("a", Agree), ("b", Flip)], vec![("a", Agree)], vec![], vec![("a", Agree), ("b", Agree)]]
        {
            let d = decide_pair(&given, 3, Some(&lead));
            assert!(
                matches!(&d, PairDecision::Decided { verdict: Flip, adjudicator: Some(a), .. } if a == "lead"),
                "{d:?}"
            );
        }
        let both_bad = PairAdjudication { adjudicator: "lead", verdict: BothBad };
        let d = decide_pair(&[("a", Agree), ("b", Agree)], 1, Some(&both_bad));
        assert_eq!(d.left_out_reason(1), "adjudicated verdict both_bad");
    }

    #[test]
    fn adjudicators_verdicts_are_split_off_the_votes_latest_first() {
        let row = |who: &str, pair: &str, v: Verdict, at: &str| CurrentLabel {
            annotator: who.into(),
            task: TaskRef::Pair { pair_id: pair.into() },
            field: field::VERDICT.into(),
            value: Some(v.code()),
            text: None,
            blind_value: None,
            seconds: 0.0,
            at: at.into(),
        };
        let current = vec![
            row("ann", "p1", Verdict::Agree, ""),
            row("lead", "p1", Verdict::Tie, "2026-01-02T00:00:00.000000Z"),
            row("boss", "p1", Verdict::Flip, "2026-01-01T00:00:00.000000Z"),
            row("bob", "p1", Verdict::Flip, ""),
            row("bob", "p2", Verdict::Agree, ""),
        ];
        let adjudicators = vec!["boss".to_string(), "lead".to_string()];
        let (votes, decided) = split_pair_verdicts(&current, &adjudicators);
        assert_eq!(votes["p1"], vec![("ann", Verdict::Agree), ("bob", Verdict::Flip)]);
        assert_eq!(decided["p1"], PairAdjudication { adjudicator: "lead", verdict: Verdict::Tie });
        assert!(!decided.contains_key("p2"));
        let (votes, decided) = split_pair_verdicts(&current, &[]);
        assert_eq!(votes["p1"].len(), 4);
        assert!(decided.is_empty());
    }
}
