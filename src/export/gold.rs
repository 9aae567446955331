//! `gold-jsonl`: one final value per (item, response, dimension) and how it was decided.
//!
//! The rule ([`decide`]): an adjudicator's value, when there is one, is final (`adjudicated`);
//! otherwise the annotators' values decide when at least `min_annotators` gave one: all equal is
//! `unanimous`, more than half equal is `majority`. A tie (or any split without a strict
//! majority) is left out of the export and counted in the summary, to be adjudicated.
//!
//! Adjudication itself (recording the adjudicator's value) comes with the adjudication mode;
//! until then the export passes an empty [`Adjudications`] map.

use super::{ExportData, ExportSummary, round4, strict_majority_value};
use crate::model::{TaskRef, Value};
use crate::store::field;
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashMap};

/// An adjudicator's final value on one dimension of one response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjudication {
    pub value: Value,
    pub adjudicator: String,
}

/// (task, dimension) -> the adjudicated value.
pub type Adjudications = HashMap<(TaskRef, String), Adjudication>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedBy {
    Unanimous,
    Majority,
    Adjudicated,
}

impl DecidedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            DecidedBy::Unanimous => "unanimous",
            DecidedBy::Majority => "majority",
            DecidedBy::Adjudicated => "adjudicated",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GoldDecision {
    pub value: Value,
    pub decided_by: DecidedBy,
    pub adjudicator: Option<String>,
    /// Share of the annotators who gave the final value (0 when nobody did, e.g. an adjudicator
    /// overruling everyone, or deciding with no labels).
    pub agreement: f64,
}

/// Why a (response, dimension) has no gold value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoGold {
    NoLabels,
    TooFewAnnotators,
    NoMajority,
}

impl NoGold {
    pub fn reason(self, min_annotators: usize) -> String {
        match self {
            NoGold::NoLabels => "no labels".to_string(),
            NoGold::TooFewAnnotators => format!("fewer than {min_annotators} annotators"),
            NoGold::NoMajority => "no majority (adjudicate it)".to_string(),
        }
    }
}

/// The final value of one (response, dimension) from the annotators' `values`.
pub fn decide(
    values: &[Value],
    adjudication: Option<&Adjudication>,
    min_annotators: usize,
) -> Result<GoldDecision, NoGold> {
    let m = strict_majority_value(values.iter().copied());
    let share = |v: Value| {
        if values.is_empty() {
            0.0
        } else {
            values.iter().filter(|x| **x == v).count() as f64 / values.len() as f64
        }
    };
    if let Some(a) = adjudication {
        return Ok(GoldDecision {
            value: a.value,
            decided_by: DecidedBy::Adjudicated,
            adjudicator: Some(a.adjudicator.clone()),
            agreement: share(a.value),
        });
    }
    if values.is_empty() {
        return Err(NoGold::NoLabels);
    }
    if values.len() < min_annotators {
        return Err(NoGold::TooFewAnnotators);
    }
    let value = m.value.ok_or(NoGold::NoMajority)?;
    let decided_by = if m.top == m.n { DecidedBy::Unanimous } else { DecidedBy::Majority };
    Ok(GoldDecision { value, decided_by, adjudicator: None, agreement: share(value) })
}

/// Splits the adjudicators' current labels off: the rest are the votes, theirs the
/// adjudications (when several adjudicators decided the same label, the latest wins).
pub fn split_adjudications(data: &ExportData) -> (ExportData, Adjudications) {
    let mut votes = data.clone();
    let mut adjudications = Adjudications::new();
    let mut at: HashMap<(TaskRef, String), &str> = HashMap::new();
    votes.current.retain(|c| !data.adjudicators.contains(&c.annotator));
    for c in data.current.iter().filter(|c| data.adjudicators.contains(&c.annotator)) {
        let (TaskRef::Response { .. }, Some(v)) = (&c.task, c.value) else { continue };
        if c.field.starts_with('@') || c.field == field::VERDICT {
            continue;
        }
        let key = (c.task.clone(), c.field.clone());
        if at.get(&key).is_some_and(|prev| *prev > c.at.as_str()) {
            continue;
        }
        at.insert(key.clone(), &c.at);
        adjudications.insert(key, Adjudication { value: v, adjudicator: c.annotator.clone() });
    }
    (votes, adjudications)
}

/// dimension -> [(annotator, value)] for one response.
type VotesByDimension<'a> = BTreeMap<&'a str, Vec<(&'a str, Value)>>;

/// Calls `emit` with one gold row per (response, dimension) that has a final value, responses
/// in import order and dimensions in schema order.
pub fn gold_rows(
    data: &ExportData,
    min_annotators: usize,
    adjudications: &Adjudications,
    emit: &mut dyn FnMut(Json) -> Result<(), super::ExportError>,
) -> Result<ExportSummary, super::ExportError> {
    // (item, model) -> dimension -> [(annotator, value)], annotators in name order because the
    // current rows come ordered by annotator.
    let mut given: HashMap<(&str, &str), VotesByDimension> = HashMap::new();
    for c in &data.current {
        let (TaskRef::Response { item_id, model }, Some(v)) = (&c.task, c.value) else { continue };
        if c.field.starts_with('@') || c.field == field::VERDICT {
            continue;
        }
        given.entry((item_id, model)).or_default().entry(&c.field).or_default().push((&c.annotator, v));
    }
    let mut summary = ExportSummary::default();
    let empty = BTreeMap::new();
    for (position, r) in data.responses.iter().enumerate() {
        let per_dim = given.get(&(&*r.item_id, &*r.model)).unwrap_or(&empty);
        let task = TaskRef::Response { item_id: r.item_id.to_string(), model: r.model.to_string() };
        for dim in &data.schema.dimensions {
            let labels: &[(&str, Value)] = per_dim.get(dim.name.as_str()).map(Vec::as_slice).unwrap_or(&[]);
            let values: Vec<Value> = labels.iter().map(|(_, v)| *v).collect();
            let adjudication = if adjudications.is_empty() {
                None
            } else {
                adjudications.get(&(task.clone(), dim.name.clone()))
            };
            match decide(&values, adjudication, min_annotators) {
                Ok(d) => {
                    let mut row = json!({
                        "item_id": &*r.item_id,
                        "model": &*r.model,
                        "dimension": dim.name,
                        "value": d.value,
                        "decided_by": d.decided_by.as_str(),
                        "adjudicator": d.adjudicator,
                        "judge": r.judge_value(&dim.name),
                        "meta": {
                            "annotators": labels.iter().map(|(a, _)| *a).collect::<Vec<_>>(),
                            "values": values,
                            "agreement": round4(d.agreement),
                        },
                    });
                    if !data.judges.names.is_empty() {
                        let values = data.judges.of(Some(position), Some(&dim.name));
                        row["judges"] = super::judges::to_json(&values);
                    }
                    emit(row)?;
                    summary.rows += 1;
                }
                // A response nobody labelled is not worth a line in the summary.
                Err(NoGold::NoLabels) => {}
                Err(why) => summary.leave_out(why.reason(min_annotators)),
            }
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions() {
        let d = decide(&[1, 1, 1], None, 1).unwrap();
        assert_eq!((d.value, d.decided_by, d.agreement), (1, DecidedBy::Unanimous, 1.0));
        let d = decide(&[1, 0, 1], None, 1).unwrap();
        assert_eq!((d.value, d.decided_by), (1, DecidedBy::Majority));
        assert!((d.agreement - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(decide(&[1, 0], None, 1), Err(NoGold::NoMajority));
        assert_eq!(decide(&[1], None, 2), Err(NoGold::TooFewAnnotators));
        assert_eq!(decide(&[], None, 1), Err(NoGold::NoLabels));
        let adj = Adjudication { value: 0, adjudicator: "lead".into() };
        let d = decide(&[1, 0], Some(&adj), 3).unwrap();
        assert_eq!(
            (d.value, d.decided_by, d.adjudicator.as_deref()),
            (0, DecidedBy::Adjudicated, Some("lead"))
        );
        assert_eq!(d.agreement, 0.5);
        let d = decide(&[1, 1], Some(&adj), 1).unwrap();
        assert_eq!((d.value, d.agreement), (0, 0.0), "the adjudicator overrules a unanimous pair");
    }
}
