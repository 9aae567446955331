//! A session's responses and current labels, read once and cut per dimension for the agreement
//! engine (`crossreview agreement`, `report` and the TUI's stats screen read them this way).

use crate::agreement::session::{DimensionRatings, HumanLabel, verdict_ratings};
use crate::schema::Dimension;
use crate::store::{ResponseInfo, Shared, Store, StoreError, field};
use std::collections::HashMap;

/// A session's responses and current labels, ready to be cut per dimension.
pub struct SessionLabels {
    pub responses: Vec<ResponseInfo>,
    /// dimension -> (annotator, response index, value)
    pub labels: HashMap<String, Vec<(Shared, usize, i64)>>,
    /// Pair verdicts: (annotator, pair index, verdict code).
    pub verdicts: Vec<(Shared, usize, i64)>,
}

impl SessionLabels {
    /// Why not `Store::current_labels`: a large session has millions of current rows, and
    /// this keeps one copy of each annotator's name and no other string per row.
    pub fn load(store: &Store) -> Result<SessionLabels, StoreError> {
        let responses = store.response_index()?;
        let index: HashMap<(&str, &str), usize> =
            responses.iter().enumerate().map(|(i, r)| ((&*r.item_id, &*r.model), i)).collect();
        let pair_ids: HashMap<String, usize> =
            store.pairs()?.into_iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let mut labels: HashMap<String, Vec<(Shared, usize, i64)>> = HashMap::new();
        let mut verdicts = Vec::new();
        // Adjudicators decide disagreements; their labels are not one more rater's.
        let adjudicators = store.adjudicators()?;
        let mut names: HashMap<String, Shared> = HashMap::new();
        let mut read = || -> rusqlite::Result<()> {
            let mut st = store.conn().prepare(
                "SELECT annotator, task_kind, item_id, model, pair_id, field, value FROM readable_current
             WHERE field NOT LIKE '@%' AND value IS NOT NULL",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let annotator = r.get_ref(0)?.as_str()?;
                if adjudicators.iter().any(|a| a == annotator) {
                    continue;
                }
                let (kind, f, value) =
                    (r.get_ref(1)?.as_str()?, r.get_ref(5)?.as_str()?, r.get::<_, i64>(6)?);
                let mut name = || -> Shared {
                    if let Some(n) = names.get(annotator) {
                        return n.clone();
                    }
                    let n: Shared = annotator.into();
                    names.insert(annotator.to_string(), n.clone());
                    n
                };
                if kind == "response" {
                    if let Some(&i) = index.get(&(r.get_ref(2)?.as_str()?, r.get_ref(3)?.as_str()?)) {
                        let name = name();
                        match labels.get_mut(f) {
                            Some(v) => v.push((name, i, value)),
                            None => {
                                labels.insert(f.to_string(), vec![(name, i, value)]);
                            }
                        }
                    }
                } else if f == field::VERDICT
                    && let Some(&p) = pair_ids.get(r.get_ref(4)?.as_str()?)
                {
                    verdicts.push((name(), p, value));
                }
            }
            Ok(())
        };
        read()?;
        Ok(SessionLabels { responses, labels, verdicts })
    }

    /// `dim`'s labels with the session's (default) judge as the judge column.
    pub fn dimension(&self, dim: &Dimension) -> DimensionRatings {
        let judge: Vec<Option<i64>> = self.responses.iter().map(|r| r.judge_value(&dim.name)).collect();
        self.dimension_with_judge(dim, &judge)
    }

    /// `dim`'s labels with `judge[r]` (the value on response r) as the judge column.
    pub fn dimension_with_judge(&self, dim: &Dimension, judge: &[Option<i64>]) -> DimensionRatings {
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

    pub fn verdicts(&self) -> DimensionRatings {
        let labels: Vec<HumanLabel> = self
            .verdicts
            .iter()
            .map(|(a, p, v)| HumanLabel { annotator: a, response: *p, value: *v })
            .collect();
        verdict_ratings(&labels)
    }
}
