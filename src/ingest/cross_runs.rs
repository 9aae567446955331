//! The CROSS records of one item, from several files: which of them are one response and which
//! clash.
//!
//! The release gives an item in up to three kinds of file: the dataset record (no response), the
//! generation output (the record plus `model_response`) and the evaluation output (the generation
//! record plus the judge's `evaluation`). A generation and an evaluation record of the same model
//! and round are one response, the evaluation adding the judge's scores, provided their texts
//! are the same. Every other repeat of a (model, round) is a mistake.

use serde_json::{Map, Value};
use std::hash::{DefaultHasher, Hash, Hasher};

/// One CROSS record of an item, as far as merging needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossRun {
    /// The response's model key (see `model::run_model_key`); `None` for a dataset record.
    pub model: Option<String>,
    /// The round named by the results file (`results_<model>_r<round>.json`), when it has one.
    pub round: Option<u32>,
    /// Where the first record of this run is: (file index, line).
    pub at: (u32, u32),
    /// A digest of the response text (texts are compared, not kept: there may be millions).
    pub text: u64,
    /// Whether a record without / with the judge's `evaluation` has been seen.
    pub generation: bool,
    pub evaluation: bool,
}

impl CrossRun {
    pub fn new(
        model: Option<String>,
        round: Option<u32>,
        at: (u32, u32),
        text: &str,
        evaluated: bool,
    ) -> CrossRun {
        CrossRun { model, round, at, text: digest(text), generation: !evaluated, evaluation: evaluated }
    }
}

fn digest(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// What to do with a record, given the item's runs so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merge {
    /// A model (or the dataset record) not seen for this item: import the record as it is.
    New,
    /// The evaluation of a response already read without scores: import it (the scores are added).
    AddsScores,
    /// The generation record of a response already read with its scores: import the item only,
    /// so that the scores stay.
    AlreadyScored,
    /// The same record twice (two dataset records, two generation or two evaluation records of
    /// one model and round); `at` is the first one.
    Twice { at: (u32, u32) },
    /// A generation and an evaluation record of one model and round whose responses differ.
    TextDiffers { at: (u32, u32) },
}

/// Decides about `incoming` and records it in `runs`.
pub fn merge(runs: &mut Vec<CrossRun>, incoming: CrossRun) -> Merge {
    let Some(run) = runs.iter_mut().find(|r| r.model == incoming.model) else {
        runs.push(incoming);
        return Merge::New;
    };
    if run.model.is_none() {
        return Merge::Twice { at: run.at };
    }
    let adds_scores = incoming.evaluation && !run.evaluation;
    let adds_text = incoming.generation && !run.generation;
    if !adds_scores && !adds_text {
        return Merge::Twice { at: run.at };
    }
    if incoming.text != run.text {
        return Merge::TextDiffers { at: run.at };
    }
    run.generation |= incoming.generation;
    run.evaluation |= incoming.evaluation;
    if adds_scores { Merge::AddsScores } else { Merge::AlreadyScored }
}

/// `meta.round` of an item: model key -> round, for its runs read from files that name a round.
pub fn rounds(runs: &[CrossRun]) -> Option<Value> {
    let map: Map<String, Value> =
        runs.iter().filter_map(|r| Some((r.model.clone()?, Value::from(r.round?)))).collect();
    (!map.is_empty()).then_some(Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(model: Option<&str>, round: Option<u32>, line: u32, text: &str, evaluated: bool) -> CrossRun {
        CrossRun::new(model.map(str::to_string), round, (0, line), text, evaluated)
    }

    #[test]
    fn generation_and_evaluation_of_one_run_are_one_response() {
        let mut runs = vec![run(None, None, 1, "", false)];
        assert_eq!(merge(&mut runs, run(Some("m"), Some(1), 5, "hello", false)), Merge::New);
        assert_eq!(merge(&mut runs, run(Some("m"), Some(1), 9, "hello", true)), Merge::AddsScores);
        // A third record of that run is one too many.
        assert_eq!(merge(&mut runs, run(Some("m"), Some(1), 13, "hello", true)), Merge::Twice { at: (0, 5) });
        assert_eq!(
            merge(&mut runs, run(Some("m"), Some(1), 13, "hello", false)),
            Merge::Twice { at: (0, 5) }
        );
        // The evaluation file first: the generation record keeps the scores.
        let mut runs = Vec::new();
        assert_eq!(merge(&mut runs, run(Some("m"), Some(1), 2, "hi", true)), Merge::New);
        assert_eq!(merge(&mut runs, run(Some("m"), Some(1), 4, "hi", false)), Merge::AlreadyScored);
    }

    #[test]
    fn clashes() {
        let mut runs = Vec::new();
        merge(&mut runs, run(None, None, 3, "", false));
        assert_eq!(merge(&mut runs, run(None, None, 7, "", false)), Merge::Twice { at: (0, 3) });
        merge(&mut runs, run(Some("m"), Some(1), 5, "one text", false));
        assert_eq!(
            merge(&mut runs, run(Some("m"), Some(1), 8, "another text", true)),
            Merge::TextDiffers { at: (0, 5) }
        );
        // The failed merge changed nothing: the right evaluation still merges.
        assert_eq!(merge(&mut runs, run(Some("m"), Some(1), 9, "one text", true)), Merge::AddsScores);
    }

    #[test]
    fn rounds_of_an_item() {
        let mut runs = Vec::new();
        assert_eq!(rounds(&runs), None);
        merge(&mut runs, run(None, None, 1, "", false));
        merge(&mut runs, run(Some("m"), Some(1), 2, "a", false));
        merge(&mut runs, run(Some("m#r2"), Some(2), 3, "b", false));
        merge(&mut runs, run(Some("named"), None, 4, "c", false));
        assert_eq!(rounds(&runs), Some(serde_json::json!({"m": 1, "m#r2": 2})));
    }
}
