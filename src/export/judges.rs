//! Every judge's scores for the exports of a session with several judges (`judges` in JSONL,
//! `judge.NAME` columns in CSV). A session whose only judge is the unnamed default (`judge`)
//! exports as before, without them.
//!
//! Held compactly: one byte per (judge, response, dimension), the value's place on the
//! dimension's scale. A map per response (as `Store::judge_values` returns) would take about
//! 700 bytes per response and judge, over 2 GB for three judges of a million responses.

use crate::model::Value;
use crate::schema::Schema;
use crate::store::{DEFAULT_JUDGE, ResponseInfo, Store};
use serde_json::{Map, Value as Json};
use std::collections::HashMap;

/// No value from this judge for this response and dimension.
const NONE: u8 = u8::MAX;
/// A value off the dimension's scale (an older session's): looked up in `off_scale`.
const OFF_SCALE: u8 = u8::MAX - 1;

/// Each judge's values of the session's responses, by response position (the order of
/// `ExportData::responses`) and schema dimension.
#[derive(Debug, Clone, Default)]
pub struct JudgeScores {
    /// In first-import order; empty when the session has no judge but the unnamed default.
    pub names: Vec<String>,
    /// Each dimension's name and scale, in schema order.
    scales: Vec<(String, Vec<Value>)>,
    /// Per judge: `codes[response * scales.len() + dimension]`, the value's place on the scale,
    /// or `NONE` / `OFF_SCALE`.
    codes: Vec<Vec<u8>>,
    /// (judge, response, dimension) → value, for the rare values off the scale.
    off_scale: HashMap<(usize, usize, usize), Value>,
}

impl JudgeScores {
    /// Reads every judge's values of `responses`, one scan per judge, when there is more than the
    /// default judge.
    pub fn load(store: &Store, responses: &[ResponseInfo], schema: &Schema) -> rusqlite::Result<JudgeScores> {
        let names = store.judge_names()?;
        if names.is_empty() || names == [DEFAULT_JUDGE] {
            return Ok(JudgeScores::default());
        }
        let scales: Vec<(String, Vec<Value>)> = schema
            .dimensions
            .iter()
            .map(|d| (d.name.clone(), d.values.iter().map(|s| s.value).collect()))
            .collect();
        let position: HashMap<(&str, &str), usize> =
            responses.iter().enumerate().map(|(i, r)| ((&*r.item_id, &*r.model), i)).collect();
        let dims = scales.len();
        let mut codes = Vec::with_capacity(names.len());
        let mut off_scale = HashMap::new();
        for (j, name) in names.iter().enumerate() {
            let mut judge = vec![NONE; responses.len() * dims];
            store.for_each_judge_value(name, |item, model, scores| {
                let Some(&p) = position.get(&(item, model)) else { return };
                for (d, (dim, scale)) in scales.iter().enumerate() {
                    let Some(&v) = scores.get(dim) else { continue };
                    judge[p * dims + d] = match scale.iter().position(|s| *s == v) {
                        Some(code) if code < usize::from(OFF_SCALE) => code as u8,
                        _ => {
                            off_scale.insert((j, p, d), v);
                            OFF_SCALE
                        }
                    };
                }
            })?;
            codes.push(judge);
        }
        Ok(JudgeScores { names, scales, codes, off_scale })
    }

    /// Each judge's value of the response at `response` (its position in the export's
    /// responses) on `dimension` (none without a response or a schema dimension), in judge order.
    pub fn of(&self, response: Option<usize>, dimension: Option<&str>) -> Vec<(&str, Option<Value>)> {
        let dims = self.scales.len();
        let d = dimension.and_then(|name| self.scales.iter().position(|(n, _)| n == name));
        self.names
            .iter()
            .enumerate()
            .map(|(j, name)| {
                let v = match (response, d) {
                    (Some(p), Some(d)) => match self.codes[j].get(p * dims + d).copied() {
                        None | Some(NONE) => None,
                        Some(OFF_SCALE) => self.off_scale.get(&(j, p, d)).copied(),
                        Some(code) => Some(self.scales[d].1[usize::from(code)]),
                    },
                    _ => None,
                };
                (name.as_str(), v)
            })
            .collect()
    }
}

/// `{NAME: value or null}`.
pub fn to_json(values: &[(&str, Option<Value>)]) -> Json {
    let mut o = Map::new();
    for (name, v) in values {
        o.insert(name.to_string(), v.map(Json::from).unwrap_or(Json::Null));
    }
    Json::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Item, JudgeScores as InputJudge, Response};

    fn response(model: &str, default: Value, other: Option<Value>) -> Response {
        Response {
            model: model.into(),
            text: format!("{model} says"),
            judge: [("compliance".to_string(), default)].into_iter().collect(),
            judges: other
                .map(|v| {
                    let scores = [("compliance".to_string(), v)].into_iter().collect();
                    ("other".to_string(), InputJudge { scores, ..Default::default() })
                })
                .into_iter()
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn each_judges_value_by_response_position_with_missing_and_off_scale_values() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).unwrap();
        let item = Item {
            id: "a".into(),
            query: "q".into(),
            responses: vec![response("m1", 1, Some(0)), response("m2", 0, None)],
            ..Default::default()
        };
        store.import(|imp| imp.upsert_item(&item)).unwrap();
        // A value off the scale, as an older session might hold: kept exactly.
        store
            .conn()
            .execute("UPDATE responses SET judge = '{\"compliance\": 7}' WHERE model = 'm2'", [])
            .unwrap();
        let responses = store.response_index().unwrap();
        let scores = JudgeScores::load(&store, &responses, store.schema()).unwrap();
        assert_eq!(scores.names, ["judge", "other"]);
        let m1 = responses.iter().position(|r| &*r.model == "m1");
        let m2 = responses.iter().position(|r| &*r.model == "m2");
        assert_eq!(scores.of(m1, Some("compliance")), [("judge", Some(1)), ("other", Some(0))]);
        assert_eq!(scores.of(m2, Some("compliance")), [("judge", Some(7)), ("other", None)]);
        assert_eq!(scores.of(m1, Some("awareness")), [("judge", None), ("other", None)]);
        assert_eq!(scores.of(None, Some("compliance")), [("judge", None), ("other", None)]);
        assert_eq!(scores.of(m1, Some("no such dimension")), [("judge", None), ("other", None)]);
    }
}
