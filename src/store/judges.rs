//! The judges whose scores a session holds, by name. This session format keeps one judge per
//! response (the `judge` and `judge_rationale` columns of `responses`), named `judge`; it is
//! present when any response has a score.

use super::Store;
use super::reads::json_col;
use crate::model::{Rationale, Value};
use std::collections::{BTreeMap, HashMap};

/// The name of the one judge a session of this format holds.
const ONLY_JUDGE: &str = "judge";

/// One judge's scores and rationales on one response.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeView {
    pub judge: String,
    pub scores: BTreeMap<String, Value>,
    pub rationale: BTreeMap<String, Rationale>,
}

impl Store {
    /// The judges' names, in the order they were first imported.
    pub fn judge_names(&self) -> rusqlite::Result<Vec<String>> {
        let any: bool =
            self.conn
                .query_row("SELECT EXISTS (SELECT 1 FROM responses WHERE judge <> '{}')", [], |r| r.get(0))?;
        Ok(if any { vec![ONLY_JUDGE.to_string()] } else { Vec::new() })
    }

    /// The judges that scored the response of `model` to `item_id`, in [`Store::judge_names`]
    /// order.
    pub fn judges_of(&self, item_id: &str, model: &str) -> rusqlite::Result<Vec<JudgeView>> {
        let mut st = self.conn.prepare_cached(
            "SELECT judge, judge_rationale FROM responses WHERE item_id = ?1 AND model = ?2",
        )?;
        let mut rows = st.query([item_id, model])?;
        let mut out = Vec::new();
        if let Some(r) = rows.next()? {
            let scores: BTreeMap<String, Value> = json_col(r.get::<_, String>(0)?);
            if !scores.is_empty() {
                let rationale = json_col(r.get::<_, String>(1)?);
                out.push(JudgeView { judge: ONLY_JUDGE.to_string(), scores, rationale });
            }
        }
        Ok(out)
    }

    /// One judge's scores: (item id, model) -> dimension -> value, for the responses it scored.
    pub fn judge_values(
        &self,
        judge: &str,
    ) -> rusqlite::Result<HashMap<(String, String), BTreeMap<String, Value>>> {
        let mut out = HashMap::new();
        if judge != ONLY_JUDGE {
            return Ok(out);
        }
        let mut st = self.conn.prepare("SELECT item_id, model, judge FROM responses WHERE judge <> '{}'")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let scores: BTreeMap<String, Value> = json_col(r.get::<_, String>(2)?);
            if !scores.is_empty() {
                out.insert((r.get(0)?, r.get(1)?), scores);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Item, Response};
    use crate::schema::Schema;

    fn item(id: &str, judged: bool) -> Item {
        let mut judge = BTreeMap::new();
        let mut judge_rationale = BTreeMap::new();
        if judged {
            judge.insert("awareness".to_string(), 1);
            judge_rationale.insert("awareness".to_string(), Rationale::from("Sees it."));
        }
        Item {
            id: id.into(),
            query: "q".into(),
            responses: vec![Response { model: "m".into(), text: "t".into(), judge, judge_rationale }],
            ..Default::default()
        }
    }

    #[test]
    fn one_judge_named_judge_when_any_response_is_scored() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).unwrap();
        store.import(|imp| imp.upsert_item(&item("a", false))).unwrap();
        assert!(store.judge_names().unwrap().is_empty());
        store.import(|imp| imp.upsert_item(&item("b", true))).unwrap();
        assert_eq!(store.judge_names().unwrap(), vec!["judge".to_string()]);
        assert!(store.judges_of("a", "m").unwrap().is_empty());
        let views = store.judges_of("b", "m").unwrap();
        assert_eq!(views.len(), 1);
        assert_eq!(views[0].scores["awareness"], 1);
        assert_eq!(views[0].rationale["awareness"].text, "Sees it.");
        let values = store.judge_values("judge").unwrap();
        assert_eq!(values.len(), 1);
        assert_eq!(values[&("b".to_string(), "m".to_string())]["awareness"], 1);
        assert!(store.judge_values("other").unwrap().is_empty());
    }
}
