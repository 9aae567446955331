//! Shaping a session's labels for the statistics (still pure: the caller reads the store).
//!
//! Per dimension, each response (item, model) is one item of the ratings matrix; the raters are
//! the annotators who labelled that dimension; the judge's value is kept apart as its own
//! column, so it can be compared with the humans (against their majority, against each one) or
//! added as one more rater.

use super::judge::{self, JudgeComparison};
use super::matrix::{MISSING, RatingMatrix};
use super::{Agreement, Options, Scale, analyze};
use crate::model::Verdict;
use crate::schema::Dimension;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// One current human label on a response.
#[derive(Debug, Clone, PartialEq)]
pub struct HumanLabel<'a> {
    pub annotator: &'a str,
    /// Index of the response in the caller's response list.
    pub response: usize,
    pub value: i64,
}

/// The values of a dimension in the order the statistics use: the schema's scale order for an
/// ordered level; ascending for a nominal one (the order does not change a nominal statistic,
/// and 0 before 1 reads naturally in a confusion matrix).
pub fn scale_values(dim: &Dimension) -> Vec<i64> {
    let mut v: Vec<i64> = dim.values.iter().map(|s| s.value).collect();
    if dim.level == crate::schema::Level::Nominal {
        v.sort_unstable();
    }
    v
}

/// The scale of a schema dimension (numeric values, see [`scale_values`] for the order).
pub fn scale_of(dim: &Dimension) -> Scale {
    let v = scale_values(dim);
    Scale {
        labels: v.iter().map(|&x| Value::from(x)).collect(),
        values: Some(v.iter().map(|&x| x as f64).collect()),
        level: dim.level,
    }
}

/// One dimension's labels as a ratings matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct DimensionRatings {
    pub dimension: String,
    pub scale: Scale,
    /// Raters, sorted by name.
    pub annotators: Vec<String>,
    /// The response index of each item (matrix column), in response order.
    pub responses: Vec<usize>,
    pub matrix: RatingMatrix,
    /// The judge's code per item ([`MISSING`] when the judge gave none).
    pub judge: Vec<u16>,
    /// Labels whose value is not on the dimension's scale (left out).
    pub off_scale_labels: u64,
}

impl DimensionRatings {
    /// `labels` are this dimension's labels; `judge[r]` is the judge's value on response r.
    /// Items are the responses with at least one human label.
    pub fn build(dim: &Dimension, labels: &[HumanLabel], judge: &[Option<i64>]) -> DimensionRatings {
        let scale = scale_of(dim);
        let order = scale_values(dim);
        let code = |v: i64| order.iter().position(|&s| s == v).map(|p| p as u16);
        let mut by_annotator: BTreeMap<&str, Vec<(usize, u16)>> = BTreeMap::new();
        let mut off_scale = 0;
        let mut labelled: Vec<usize> = Vec::new();
        for l in labels {
            match code(l.value) {
                Some(c) => {
                    by_annotator.entry(l.annotator).or_default().push((l.response, c));
                    labelled.push(l.response);
                }
                None => off_scale += 1,
            }
        }
        labelled.sort_unstable();
        labelled.dedup();
        let column = |r: usize| labelled.binary_search(&r).expect("labelled response");
        let n = labelled.len();
        let annotators: Vec<String> = by_annotator.keys().map(|a| a.to_string()).collect();
        let mut codes = vec![MISSING; annotators.len() * n];
        for (row, (_, list)) in by_annotator.iter().enumerate() {
            for &(r, c) in list {
                codes[row * n + column(r)] = c;
            }
        }
        let judge_codes = labelled
            .iter()
            .map(|&r| judge.get(r).copied().flatten().and_then(code).unwrap_or(MISSING))
            .collect();
        DimensionRatings {
            dimension: dim.name.clone(),
            matrix: RatingMatrix::new(annotators.len(), n, scale.q(), codes).expect("codes are on the scale"),
            scale,
            annotators,
            responses: labelled,
            judge: judge_codes,
            off_scale_labels: off_scale,
        }
    }

    /// Only the items whose response satisfies `keep`; annotators left without a label there
    /// are dropped.
    pub fn subset(&self, keep: impl Fn(usize) -> bool) -> DimensionRatings {
        let cols: Vec<usize> = (0..self.responses.len()).filter(|&i| keep(self.responses[i])).collect();
        let rows: Vec<usize> = (0..self.annotators.len())
            .filter(|&r| cols.iter().any(|&i| self.matrix.row(r)[i] != MISSING))
            .collect();
        let mut codes = Vec::with_capacity(rows.len() * cols.len());
        for &r in &rows {
            let row = self.matrix.row(r);
            codes.extend(cols.iter().map(|&i| row[i]));
        }
        DimensionRatings {
            dimension: self.dimension.clone(),
            scale: self.scale.clone(),
            annotators: rows.iter().map(|&r| self.annotators[r].clone()).collect(),
            responses: cols.iter().map(|&i| self.responses[i]).collect(),
            matrix: RatingMatrix::new(rows.len(), cols.len(), self.scale.q(), codes)
                .expect("subset of a valid matrix"),
            judge: cols.iter().map(|&i| self.judge[i]).collect(),
            off_scale_labels: 0,
        }
    }

    pub fn humans(&self, opts: &Options) -> Agreement {
        let mut a = analyze(&self.matrix, &self.annotators, &self.scale, opts);
        if self.off_scale_labels > 0 {
            a.notes.push(format!(
                "{} labels with a value outside the scale of {} were left out.",
                self.off_scale_labels, self.dimension
            ));
        }
        a
    }

    /// The human majority per item: `Ok(Some(code))`, `Ok(None)` without labels, `Err(Tie)` on a tie.
    pub fn majority(&self) -> Vec<Result<Option<u16>, judge::Tie>> {
        let q = self.scale.q();
        (0..self.matrix.n_items())
            .map(|i| judge::plurality_value((0..self.matrix.n_raters()).map(|r| self.matrix.row(r)[i]), q))
            .collect()
    }

    /// The judge against the humans.
    pub fn judge_report(&self, opts: &Options) -> JudgeReport {
        let q = self.scale.q();
        let majority = self.majority();
        let ties = majority.iter().filter(|m| m.is_err()).count() as u64;
        let reference: Vec<u16> = majority.iter().map(|m| m.ok().flatten().unwrap_or(MISSING)).collect();
        let without_judge = self.judge.iter().filter(|&&c| c == MISSING).count() as u64;
        let vs_majority = judge::compare(&reference, &self.judge, q);
        let per_annotator = self
            .annotators
            .iter()
            .enumerate()
            .map(|(r, name)| (name.clone(), judge::compare(self.matrix.row(r), &self.judge, q)))
            .collect();
        // The judge as one more rater: its row appended under a name no annotator has.
        let mut judge_name = "judge".to_string();
        while self.annotators.contains(&judge_name) {
            judge_name.insert(0, '_');
        }
        let mut raters = self.annotators.clone();
        raters.push(judge_name.clone());
        let mut codes: Vec<u16> =
            (0..self.matrix.n_raters()).flat_map(|r| self.matrix.row(r).to_vec()).collect();
        codes.extend_from_slice(&self.judge);
        let with_judge =
            RatingMatrix::new(raters.len(), self.matrix.n_items(), q, codes).expect("valid codes");
        let as_rater = analyze(&with_judge, &raters, &self.scale, opts);
        JudgeReport {
            vs_majority,
            ties,
            without_judge,
            per_annotator,
            judge_name,
            as_rater,
            categories: self.scale.labels.clone(),
        }
    }
}

/// Pair verdicts as a nominal "dimension" (items = pairs, categories = the verdict names in
/// `Verdict::ALL` order); `labels[i].response` is a pair index and `value` a `Verdict::code`.
pub fn verdict_ratings(labels: &[HumanLabel]) -> DimensionRatings {
    let dim = Dimension {
        name: "verdict".to_string(),
        question: String::new(),
        guideline: String::new(),
        level: crate::schema::Level::Nominal,
        values: Verdict::ALL
            .iter()
            .map(|v| crate::schema::ScaleValue { value: v.code(), label: v.as_str().to_string(), key: ' ' })
            .collect(),
    };
    let mut d = DimensionRatings::build(&dim, labels, &[]);
    // Codes are 0..5 in ALL order, so the ascending nominal order is ALL's.
    d.scale.labels = Verdict::ALL.iter().map(|v| Value::from(v.as_str())).collect();
    d.scale.values = None;
    d
}

/// The judge compared with the humans on one dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeReport {
    /// Against the human majority (rows of the confusion matrix = majority, columns = judge).
    pub vs_majority: JudgeComparison,
    /// Items left out because the humans tie.
    pub ties: u64,
    /// Labelled items the judge gave no value for.
    pub without_judge: u64,
    pub per_annotator: Vec<(String, JudgeComparison)>,
    pub judge_name: String,
    /// Agreement with the judge as one more rater.
    pub as_rater: Agreement,
    pub categories: Vec<Value>,
}

fn stat(s: &super::Stat) -> Value {
    match s {
        Ok(x) => serde_json::Number::from_f64(*x).map(Value::Number).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

impl JudgeReport {
    /// `{n, accuracy, cohen_kappa, confusion_matrix}` (docs/agreement.md), then more detail.
    pub fn to_json(&self) -> Value {
        let m = &self.vs_majority;
        let mut o = Map::new();
        o.insert("n".into(), json!(m.n));
        o.insert("accuracy".into(), stat(&m.accuracy));
        o.insert("cohen_kappa".into(), stat(&m.cohen_kappa));
        o.insert("confusion_matrix".into(), json!(m.confusion.to_rows()));
        o.insert("confusion_matrix_rows".into(), json!("human majority"));
        o.insert("confusion_matrix_columns".into(), json!("judge"));
        o.insert("categories".into(), Value::Array(self.categories.clone()));
        o.insert("ties_left_out".into(), json!(self.ties));
        o.insert("items_without_judge".into(), json!(self.without_judge));
        let mut per = Map::new();
        for (name, c) in &self.per_annotator {
            per.insert(
                name.clone(),
                json!({"n": c.n, "accuracy": stat(&c.accuracy), "cohen_kappa": stat(&c.cohen_kappa)}),
            );
        }
        o.insert("per_annotator".into(), Value::Object(per));
        o.insert("as_rater".into(), self.as_rater.to_json());
        o.insert("notes".into(), json!(self.notes()));
        Value::Object(o)
    }

    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.ties > 0 {
            notes.push(format!(
                "{} where the annotators tie {} no human majority and {} left out.",
                super::count_of(self.ties, "item", "items"),
                if self.ties == 1 { "has" } else { "have" },
                if self.ties == 1 { "is" } else { "are" }
            ));
        }
        if self.without_judge > 0 {
            notes.push(format!(
                "{} no judge score on this dimension.",
                super::count_of(self.without_judge, "labelled item has", "labelled items have")
            ));
        }
        let m = &self.vs_majority;
        if let Err(why) = m.accuracy {
            notes.push(format!("accuracy is null: {}.", judge_reason(why)));
        }
        if let (Err(why), true) = (m.cohen_kappa, m.accuracy.is_ok()) {
            notes.push(format!("cohen_kappa is null: {}.", why.reason()));
        }
        if self.as_rater.n_raters > 1 && self.judge_name != "judge" {
            notes.push(format!(
                "an annotator is called \"judge\", so the judge is the rater {:?} in as_rater.",
                self.judge_name
            ));
        }
        notes
    }
}

fn judge_reason(why: super::Undefined) -> &'static str {
    match why {
        super::Undefined::NoCoRatedItem => "no item has both a judge score and a human majority",
        other => other.reason(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schema;

    fn labels() -> Vec<HumanLabel<'static>> {
        vec![
            HumanLabel { annotator: "bo", response: 0, value: 1 },
            HumanLabel { annotator: "ann", response: 0, value: 1 },
            HumanLabel { annotator: "ann", response: 2, value: 0 },
            HumanLabel { annotator: "bo", response: 2, value: 1 },
            HumanLabel { annotator: "ann", response: 3, value: 0 },
            HumanLabel { annotator: "ann", response: 4, value: 7 },
        ]
    }

    #[test]
    fn verdicts_are_a_nominal_scale_of_names() {
        let l = [
            HumanLabel { annotator: "a", response: 0, value: Verdict::Flip.code() },
            HumanLabel { annotator: "b", response: 0, value: Verdict::Flip.code() },
            HumanLabel { annotator: "a", response: 1, value: Verdict::Agree.code() },
            HumanLabel { annotator: "b", response: 1, value: Verdict::Tie.code() },
        ];
        let d = verdict_ratings(&l);
        assert_eq!(d.scale.labels[1], json!("flip"));
        assert_eq!(d.matrix.row(0), &[1, 0]);
        assert_eq!(d.matrix.row(1), &[1, 2]);
        let a = d.humans(&Options::default());
        assert_eq!(a.percent_agreement, Ok(0.5));
        assert_eq!(a.to_json()["categories"], json!(["agree", "flip", "tie", "both_bad", "unsure"]));
    }

    #[test]
    fn builds_the_matrix_per_dimension() {
        let schema = Schema::cross_eval();
        let dim = schema.dimension("awareness").unwrap();
        let d = DimensionRatings::build(dim, &labels(), &[Some(1), Some(0), Some(0), None, Some(1)]);
        assert_eq!(d.annotators, vec!["ann", "bo"]);
        assert_eq!(d.responses, vec![0, 2, 3]);
        // Nominal: ascending values, so code 0 = value 0.
        assert_eq!(d.scale.labels, vec![json!(0), json!(1)]);
        assert_eq!(d.matrix.row(0), &[1, 0, 0]);
        assert_eq!(d.matrix.row(1), &[1, 1, MISSING]);
        assert_eq!(d.judge, vec![1, 0, MISSING]);
        assert_eq!(d.off_scale_labels, 1);
        assert_eq!(d.majority(), vec![Ok(Some(1)), Err(judge::Tie), Ok(Some(0))]);
        let j = d.judge_report(&Options::default());
        assert_eq!(j.ties, 1);
        assert_eq!(j.without_judge, 1);
        assert_eq!(j.vs_majority.n, 1);
        assert_eq!(j.vs_majority.accuracy, Ok(1.0));
        assert_eq!(j.as_rater.n_raters, 3);
        let sub = d.subset(|r| r == 3);
        assert_eq!(sub.annotators, vec!["ann"]);
        assert_eq!(sub.responses, vec![3]);
    }
}
