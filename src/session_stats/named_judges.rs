//! Every named judge of a session against the human majority, per dimension: what the TUI's
//! stats screen shows as one row per judge. The comparison is the one `agreement --judge` makes
//! for the session's judge (`SessionLabels::dimension`, then `judge_report`), with each named
//! judge's values (read once, by [`SessionJudges`]) in the judge column.

use super::SessionLabels;
use super::judges::SessionJudges;
use crate::agreement::Options;
use crate::agreement::judge::JudgeComparison;
use crate::schema::Dimension;

impl SessionLabels {
    /// Each named judge against the human majority on `dim`, in judge order.
    pub fn named_judges_vs_majority(
        &self,
        dim: &Dimension,
        judges: &SessionJudges,
        opts: &Options,
    ) -> Vec<(String, JudgeComparison)> {
        (judges.names.iter().enumerate())
            .map(|(j, name)| {
                let report = self.dimension_with_judge(dim, &judges.values(j, &dim.name)).judge_report(opts);
                (name.clone(), report.vs_majority)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Item, Response};
    use crate::schema::Schema;
    use crate::store::{NewEvent, Store};

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
            store.record(&NewEvent::response_label("ann", id, "m", "compliance", v)).unwrap();
        }
        let labels = SessionLabels::load(&store).unwrap();
        let judges = SessionJudges::load(&store, &labels).unwrap();
        assert_eq!(judges.names.len(), 1);
        let dim = store.schema().dimension("compliance").unwrap().clone();
        let opts = Options { bootstrap: None, seed: 0 };
        let rows = labels.named_judges_vs_majority(&dim, &judges, &opts);
        assert_eq!(rows[0].0, "judge");
        assert_eq!(rows[0].1, labels.dimension(&dim).judge_report(&opts).vs_majority);
        assert_eq!(rows[0].1.n, 3);
        assert_eq!(rows[0].1.accuracy, Ok(2.0 / 3.0));
    }
}
