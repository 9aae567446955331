//! `crossreview agreement` on a session: per dimension, the humans' agreement, optionally the
//! judge against them, and both again per group of responses; pair verdicts as one more nominal
//! "dimension".

use super::SessionLabels;
use crate::agreement::session::JudgeReport;
use crate::agreement::{Agreement, Options};
use crate::schema::Dimension;
use crate::store::field;

/// The agreement on one dimension (or on pair verdicts, named `verdict`).
pub struct DimensionAgreement {
    pub name: String,
    pub humans: Agreement,
    pub judge: Option<JudgeReport>,
    /// group value -> (humans, judge), groups in sorted order.
    pub by: Vec<(String, Agreement, Option<JudgeReport>)>,
}

impl SessionLabels {
    /// The humans' agreement on `dim`, the judge's report when `with_judge`, and both per group
    /// when `groups` gives each response's group (indexed like `self.responses`).
    pub fn dimension_agreement(
        &self,
        dim: &Dimension,
        opts: &Options,
        with_judge: bool,
        groups: Option<&[String]>,
    ) -> DimensionAgreement {
        let ratings = self.dimension(dim);
        let humans = ratings.humans(opts);
        let judge = with_judge.then(|| ratings.judge_report(opts));
        let mut by = Vec::new();
        if let Some(groups) = groups {
            let mut values: Vec<&String> = ratings.responses.iter().map(|&r| &groups[r]).collect();
            values.sort();
            values.dedup();
            for v in values {
                let sub = ratings.subset(|r| &groups[r] == v);
                let h = sub.humans(opts);
                let j = with_judge.then(|| sub.judge_report(opts));
                by.push((v.clone(), h, j));
            }
        }
        DimensionAgreement { name: dim.name.clone(), humans, judge, by }
    }

    /// The annotators' agreement on pair verdicts. No judge and no groups: the judge scores
    /// responses, and pairs carry no model.
    pub fn verdict_agreement(&self, opts: &Options) -> DimensionAgreement {
        DimensionAgreement {
            name: field::VERDICT.to_string(),
            humans: self.verdicts().humans(opts),
            judge: None,
            by: Vec::new(),
        }
    }
}
