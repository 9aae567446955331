//! Every judge's scores for the exports of a session with several judges (`judges` in JSONL,
//! `judge.NAME` columns in CSV). A session whose only judge is the unnamed default (`judge`)
//! exports as before, without them.

use crate::model::Value;
use crate::store::{DEFAULT_JUDGE, Store};
use serde_json::{Map, Value as Json};
use std::collections::{BTreeMap, HashMap};

/// Each judge's values: (item id, model) → dimension → value.
#[derive(Debug, Clone, Default)]
pub struct JudgeScores {
    /// In first-import order; empty when the session has no judge but the unnamed default.
    pub names: Vec<String>,
    values: Vec<HashMap<(String, String), BTreeMap<String, Value>>>,
}

impl JudgeScores {
    /// Reads every judge's values, one scan per judge, when there is more than the default.
    pub fn load(store: &Store) -> rusqlite::Result<JudgeScores> {
        let names = store.judge_names()?;
        if names.is_empty() || names == [DEFAULT_JUDGE] {
            return Ok(JudgeScores::default());
        }
        let values = names.iter().map(|n| store.judge_values(n)).collect::<rusqlite::Result<_>>()?;
        Ok(JudgeScores { names, values })
    }

    /// Each judge's value of the response (`item_id`, `model`) on `dimension` (none without a
    /// response or a dimension), in judge order.
    pub fn of(&self, response: Option<(&str, &str)>, dimension: Option<&str>) -> Vec<(&str, Option<Value>)> {
        let key = response.map(|(i, m)| (i.to_string(), m.to_string()));
        self.names
            .iter()
            .zip(&self.values)
            .map(|(name, values)| {
                let v = match (&key, dimension) {
                    (Some(k), Some(d)) => values.get(k).and_then(|s| s.get(d)).copied(),
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
