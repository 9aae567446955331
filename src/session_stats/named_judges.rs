//! Every named judge of a session against the human majority, per dimension: what the TUI's
//! stats screen shows as one row per judge. The comparison is the one `agreement --judge` makes
//! for the session's judge (`SessionLabels::dimension`, then `judge_report`), with each named
//! judge's values in the judge column.

use super::SessionLabels;
use crate::agreement::Options;
use crate::agreement::judge::JudgeComparison;
use crate::agreement::session::{DimensionRatings, HumanLabel};
use crate::model::Value;
use crate::schema::Dimension;
use crate::store::Store;
use std::collections::BTreeMap;

/// Each judge's scores per response of a [`SessionLabels`] (indexed like its `responses`).
pub struct NamedJudgeScores {
    pub judge: String,
    pub scores: Vec<Option<BTreeMap<String, Value>>>,
}

/// The session's named judges (in judge order) with their scores on `labels.responses`.
pub fn named_judge_scores(store: &Store, labels: &SessionLabels) -> rusqlite::Result<Vec<NamedJudgeScores>> {
    store
        .judge_names()?
        .into_iter()
        .map(|judge| {
            let mut values = store.judge_values(&judge)?;
            let scores = labels
                .responses
                .iter()
                .map(|r| values.remove(&(r.item_id.to_string(), r.model.to_string())))
                .collect();
            Ok(NamedJudgeScores { judge, scores })
        })
        .collect()
}

impl SessionLabels {
    /// `dim`'s labels with `judge[r]` (the value on response r) as the judge column.
    pub fn dimension_with_judge(&self, dim: &Dimension, judge: &[Option<Value>]) -> DimensionRatings {
        let labels: Vec<HumanLabel> = self
            .labels
            .get(&dim.name)
            .map(|v| {
                v.iter()
                    .map(|(a, r, value)| HumanLabel { annotator: a, response: *r, value: *value })
                    .collect()
            })
            .unwrap_or_default();
        DimensionRatings::build(dim, &labels, judge)
    }

    /// Each named judge against the human majority on `dim`, in `judges` order.
    pub fn named_judges_vs_majority(
        &self,
        dim: &Dimension,
        judges: &[NamedJudgeScores],
        opts: &Options,
    ) -> Vec<(String, JudgeComparison)> {
        judges
            .iter()
            .map(|j| {
                let column: Vec<Option<Value>> =
                    j.scores.iter().map(|s| s.as_ref().and_then(|s| s.get(&dim.name).copied())).collect();
                let report = self.dimension_with_judge(dim, &column).judge_report(opts);
                (j.judge.clone(), report.vs_majority)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Item, Response, TaskRef};
    use crate::schema::Schema;
    use crate::store::NewEvent;

    #[test]
    fn the_one_judge_by_name_matches_the_session_judge() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).unwrap();
        store
            .import(|imp| {
                for (id, judge) in [("a", 1), ("b", 0), ("c", 1)] {
                    imp.upsert_item(&Item {
                        id: id.into(),
                        query: "q".into(),
                        responses: vec![Response {
                            model: "m".into(),
                            text: "t".into(),
                            judge: [("compliance".to_string(), judge)].into(),
                            ..Default::default()
                        }],
                        ..Default::default()
                    })?;
                }
                Ok(())
            })
            .unwrap();
        for (id, v) in [("a", 1), ("b", 1), ("c", 1)] {
            store
                .record(&NewEvent {
                    annotator: "ann".into(),
                    task: TaskRef::Response { item_id: id.into(), model: "m".into() },
                    field: "compliance".into(),
                    value: Some(v),
                    text: None,
                    seconds: 1.0,
                    judge_visible: true,
                })
                .unwrap();
        }
        let labels = SessionLabels::load(&store).unwrap();
        let judges = named_judge_scores(&store, &labels).unwrap();
        assert_eq!(judges.len(), 1);
        let dim = store.schema().dimension("compliance").unwrap().clone();
        let opts = Options { bootstrap: None, seed: 0 };
        let rows = labels.named_judges_vs_majority(&dim, &judges, &opts);
        assert_eq!(rows[0].0, "judge");
        assert_eq!(rows[0].1, labels.dimension(&dim).judge_report(&opts).vs_majority);
        assert_eq!(rows[0].1.n, 3);
        assert_eq!(rows[0].1.accuracy, Ok(2.0 / 3.0));
    }
}
