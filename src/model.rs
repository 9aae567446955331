//! The data the tool works on, independent of where it came from (ingest) or where it is kept
//! (store). Everything here is plain data: no I/O.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A label value on one dimension. Binary dimensions use 0/1, ordinal scales their numbers.
pub type Value = i64;

/// One evaluation item: an image plus a query that only breaks a cultural norm once the image is
/// understood, with the responses of the models under evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Item {
    pub id: String,
    /// As given in the input, resolved against the input file's folder (or `--images-dir` for
    /// URLs). A URL that could not be resolved stays a URL: it is shown as a placeholder.
    pub image: Option<String>,
    pub query: String,
    pub query_en: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
    pub domain: Option<String>,
    pub norm: Option<String>,
    /// Always a JSON object; kept and exported as is.
    pub meta: serde_json::Map<String, serde_json::Value>,
    pub responses: Vec<Response>,
}

/// One model's answer to an item, with the LLM judge's scores when there are any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Response {
    pub model: String,
    pub text: String,
    /// dimension name -> the judge's value (already in the session's schema: compliance, not
    /// Violation).
    pub judge: BTreeMap<String, Value>,
    /// dimension name -> the judge's reasoning (same names as `judge`).
    pub judge_rationale: BTreeMap<String, Rationale>,
    /// Further named judges' scores of this response, as an input file gives them (canonical
    /// `judges` and `judge_rationales`): judge name -> its scores.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub judges: BTreeMap<String, JudgeScores>,
}

/// One named judge's scores and rationales of a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct JudgeScores {
    pub scores: BTreeMap<String, Value>,
    pub rationale: BTreeMap<String, Rationale>,
}

/// The judge's reasoning on one dimension. The text was written about the judge's own
/// dimension and score; when those differ from the session's (CROSS's `Violation`, stored as
/// `compliance = 1 - Violation`), `judged_as` keeps them, so the text is never read against a
/// score that points the other way.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(from = "RationaleRepr")]
pub struct Rationale {
    pub text: String,
    pub judged_as: Option<JudgedAs>,
}

/// The dimension the judge actually scored, and its score there (none when it gave no score).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgedAs {
    pub dimension: String,
    pub score: Option<Value>,
}

/// Stored form: a plain string, or an object when the judge's dimension is kept.
#[derive(Deserialize)]
#[serde(untagged)]
enum RationaleRepr {
    Plain(String),
    JudgedAs { text: String, judge_dimension: String, judge_score: Option<Value> },
}

impl From<RationaleRepr> for Rationale {
    fn from(r: RationaleRepr) -> Rationale {
        match r {
            RationaleRepr::Plain(text) => Rationale { text, judged_as: None },
            RationaleRepr::JudgedAs { text, judge_dimension, judge_score } => Rationale {
                text,
                judged_as: Some(JudgedAs { dimension: judge_dimension, score: judge_score }),
            },
        }
    }
}

/// Writes the stored form ([`RationaleRepr`]) straight from the borrowed fields: going through
/// an owned `RationaleRepr` (serde's `into`) copied every rationale's text for each write, and
/// an import writes every rationale it reads.
impl Serialize for Rationale {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        match &self.judged_as {
            None => s.serialize_str(&self.text),
            Some(j) => {
                let mut st = s.serialize_struct("JudgedAs", 3)?;
                st.serialize_field("text", &self.text)?;
                st.serialize_field("judge_dimension", &j.dimension)?;
                st.serialize_field("judge_score", &j.score)?;
                st.end()
            }
        }
    }
}

impl From<String> for Rationale {
    fn from(text: String) -> Rationale {
        Rationale { text, judged_as: None }
    }
}

impl From<&str> for Rationale {
    fn from(text: &str) -> Rationale {
        Rationale::from(text.to_string())
    }
}

impl Rationale {
    /// What the text is about, for a heading such as `judge on {subject}: {text}`: the
    /// dimension `dim`, or the judge's own dimension with its score and the value stored from
    /// it (`stored`): `Violation (1 → compliance 0)`.
    pub fn subject(&self, dim: &str, stored: Option<Value>) -> String {
        match &self.judged_as {
            None => dim.to_string(),
            Some(JudgedAs { dimension, score: Some(s) }) => match stored {
                Some(v) => format!("{dimension} ({s} → {dim} {v})"),
                None => format!("{dimension} ({s}; not stored as {dim})"),
            },
            Some(JudgedAs { dimension, score: None }) => format!("{dimension} (no score; shown under {dim})"),
        }
    }
}

/// Marks a model's run in a response's model key: round 1 of a model is `gpt-4o` (so a session
/// made before rounds were read keeps its labels), round 2 `gpt-4o#r2`. Each run is a response
/// of its own, labelled and reported apart.
pub const RUN_MARK: &str = "#r";

/// The model key of a model's response in a given round.
pub fn run_model_key(model: &str, round: Option<u32>) -> String {
    match round {
        Some(r) if r != 1 => format!("{model}{RUN_MARK}{r}"),
        _ => model.to_string(),
    }
}

/// A model key's model and round (`gpt-4o#r2` -> (`gpt-4o`, 2)); `None` for a key without a
/// run mark (round 1, or a model read without rounds).
pub fn split_run(key: &str) -> (&str, Option<u32>) {
    if let Some((model, round)) = key.rsplit_once(RUN_MARK)
        && !model.is_empty()
        && !round.is_empty()
        && round.bytes().all(|b| b.is_ascii_digit())
        && let Ok(r) = round.parse()
    {
        return (model, Some(r));
    }
    (key, None)
}

/// A contrastive preference pair (TRL's format plus images). `prompt`, `chosen` and `rejected`
/// are kept as given: a string or a list of `{"role", "content"}` messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub id: String,
    pub prompt: serde_json::Value,
    pub chosen: serde_json::Value,
    pub rejected: serde_json::Value,
    pub images: Vec<String>,
    pub item_id: Option<String>,
    pub meta: serde_json::Map<String, serde_json::Value>,
}

/// What one annotator can be asked to label: a response on every dimension, or a pair verdict.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TaskRef {
    Response { item_id: String, model: String },
    Pair { pair_id: String },
}

/// A verdict on a preference pair, stored relative to the pair (not to the screen order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The chosen response is the better one.
    Agree,
    /// The rejected response is the better one.
    Flip,
    Tie,
    BothBad,
    Unsure,
}

impl Verdict {
    pub const ALL: [Verdict; 5] =
        [Verdict::Agree, Verdict::Flip, Verdict::Tie, Verdict::BothBad, Verdict::Unsure];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Agree => "agree",
            Verdict::Flip => "flip",
            Verdict::Tie => "tie",
            Verdict::BothBad => "both_bad",
            Verdict::Unsure => "unsure",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Stable small integer code, used where verdicts are stored as label values and fed to the
    /// agreement engine as nominal categories.
    pub fn code(self) -> Value {
        match self {
            Verdict::Agree => 0,
            Verdict::Flip => 1,
            Verdict::Tie => 2,
            Verdict::BothBad => 3,
            Verdict::Unsure => 4,
        }
    }

    pub fn from_code(code: Value) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.code() == code)
    }

    /// The verdict for "the response shown on the left/right is better", given whether the
    /// chosen response was shown on the left.
    pub fn from_side(left_is_better: bool, chosen_on_left: bool) -> Verdict {
        if left_is_better == chosen_on_left { Verdict::Agree } else { Verdict::Flip }
    }
}

// An item field that results are grouped, or a sample stratified, by.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Country,
    Language,
    Model,
    Domain,
}

impl GroupBy {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Country => "country",
            GroupBy::Language => "language",
            GroupBy::Model => "model",
            GroupBy::Domain => "domain",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rationales_keep_the_judges_dimension_through_storage() {
        let plain: BTreeMap<String, Rationale> =
            serde_json::from_str(r#"{"awareness": "Sees it."}"#).unwrap();
        assert_eq!(plain["awareness"], Rationale::from("Sees it."));
        // A plain rationale is stored as the string it was, so older sessions read unchanged.
        assert_eq!(serde_json::to_string(&plain).unwrap(), r#"{"awareness":"Sees it."}"#);
        let judged = Rationale {
            text: "Breaks the norm. Score: 1".into(),
            judged_as: Some(JudgedAs { dimension: "Violation".into(), score: Some(1) }),
        };
        let stored = serde_json::to_string(&judged).unwrap();
        assert_eq!(
            stored,
            r#"{"text":"Breaks the norm. Score: 1","judge_dimension":"Violation","judge_score":1}"#
        );
        assert_eq!(serde_json::from_str::<Rationale>(&stored).unwrap(), judged);
        let unscored =
            Rationale { text: "x".into(), judged_as: Some(JudgedAs { dimension: "V".into(), score: None }) };
        let stored = serde_json::to_string(&unscored).unwrap();
        assert_eq!(stored, r#"{"text":"x","judge_dimension":"V","judge_score":null}"#);
        assert_eq!(serde_json::from_str::<Rationale>(&stored).unwrap(), unscored);
    }

    #[test]
    fn the_subject_says_which_way_the_score_points() {
        let plain = Rationale::from("Avoids the taboo.");
        assert_eq!(plain.subject("compliance", Some(1)), "compliance");
        let mut r = Rationale {
            text: "No breach. Score: 0".into(),
            judged_as: Some(JudgedAs { dimension: "Violation".into(), score: Some(0) }),
        };
        assert_eq!(r.subject("compliance", Some(1)), "Violation (0 → compliance 1)");
        r.judged_as = Some(JudgedAs { dimension: "Violation".into(), score: None });
        assert_eq!(r.subject("compliance", None), "Violation (no score; shown under compliance)");
    }

    #[test]
    fn run_keys() {
        assert_eq!(run_model_key("gpt-4o", Some(1)), "gpt-4o");
        assert_eq!(run_model_key("gpt-4o", None), "gpt-4o");
        assert_eq!(run_model_key("gpt-4o", Some(2)), "gpt-4o#r2");
        assert_eq!(split_run("gpt-4o#r2"), ("gpt-4o", Some(2)));
        assert_eq!(split_run("gpt-4o"), ("gpt-4o", None));
        assert_eq!(split_run("#r2"), ("#r2", None));
        assert_eq!(split_run("a#rx"), ("a#rx", None));
        assert_eq!(split_run("a#r"), ("a#r", None));
    }
}
