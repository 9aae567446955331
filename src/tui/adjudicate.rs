//! Adjudicate mode, the pure part: which tasks are contested and in what order, and when the
//! adjudicator's pick overrules the annotators' majority (then a reason is asked for).
//!
//! A response is contested when two annotators (adjudicators not counted) gave different values
//! on some dimension, or when anyone flagged it; a pair when their verdicts differ, or anyone
//! flagged it. The most contested come first: more dimensions in disagreement (a pair counts as
//! one), then a wider spread of values (summed over dimensions; for a pair, the number of
//! distinct verdicts beyond the first, verdicts being nominal), then more flags.

use crate::model::{Value, Verdict};
use crate::store::{TaskLabels, field};

/// What the other annotators said about one task.
pub type Answers = Vec<(String, TaskLabels)>;

/// Answers given faster than this (active seconds) are marked on the screen.
pub const FAST_SECONDS: f64 = 2.0;

/// `(disagreeing dimensions, spread, flags)`, or `None` when the task is not contested.
pub fn contest(answers: &Answers, dimensions: &[String]) -> Option<(usize, i64, usize)> {
    let mut disagreeing = 0;
    let mut spread = 0;
    for d in dimensions {
        let values: Vec<i64> = answers.iter().filter_map(|(_, l)| l.values.get(d).copied()).collect();
        if let (Some(min), Some(max)) = (values.iter().min(), values.iter().max())
            && min != max
        {
            disagreeing += 1;
            spread += max - min;
        }
    }
    let flags = answers.iter().filter(|(_, l)| l.flagged).count();
    (disagreeing > 0 || flags > 0).then_some((disagreeing, spread, flags))
}

/// A pair's `(1 when the verdicts differ, distinct verdicts - 1, flags)`, or `None` when it is
/// not contested.
pub fn contest_pair(answers: &Answers) -> Option<(usize, i64, usize)> {
    let mut verdicts: Vec<Value> =
        answers.iter().filter_map(|(_, l)| l.values.get(field::VERDICT).copied()).collect();
    verdicts.sort_unstable();
    verdicts.dedup();
    let spread = verdicts.len().saturating_sub(1);
    let flags = answers.iter().filter(|(_, l)| l.flagged).count();
    (spread > 0 || flags > 0).then_some((usize::from(spread > 0), spread as i64, flags))
}

/// The contested tasks among `candidates` (pairs where `is_pair`), most contested first (ties
/// keep the given order).
pub fn order(
    candidates: &[usize],
    answers_of: impl Fn(usize) -> Option<Answers>,
    dimensions: &[String],
    is_pair: impl Fn(usize) -> bool,
) -> Vec<usize> {
    let mut scored: Vec<((usize, i64, usize), usize)> = candidates
        .iter()
        .filter_map(|&t| {
            let a = answers_of(t)?;
            let score = if is_pair(t) { contest_pair(&a) } else { contest(&a, dimensions) };
            score.map(|s| (s, t))
        })
        .collect();
    scored.sort_by_key(|&(score, _)| std::cmp::Reverse(score));
    scored.into_iter().map(|(_, t)| t).collect()
}

/// What the adjudicator picked, held while they give the reason for overruling the majority.
#[derive(Debug, Clone, PartialEq)]
pub enum Pick {
    /// A value on a dimension (index into the schema).
    Value {
        dim: usize,
        value: Value,
    },
    Verdict(Verdict),
}

/// The annotators' strict majority on `field` when `value` differs from it: `(majority value,
/// how many gave it, how many answered)`. `None` when the pick agrees with the majority, or
/// there is no strict majority (a tie is what adjudication is for, not an override).
pub fn overruled(answers: &Answers, field_name: &str, value: Value) -> Option<(Value, usize, usize)> {
    let m = crate::export::strict_majority_value(
        answers.iter().filter_map(|(_, l)| l.values.get(field_name).copied()),
    );
    match m.value {
        Some(v) if v != value => Some((v, m.top, m.n)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(vals: &[(&str, i64)], flagged: bool) -> TaskLabels {
        TaskLabels {
            values: vals.iter().map(|(d, v)| (d.to_string(), *v)).collect(),
            flagged,
            ..Default::default()
        }
    }

    #[test]
    fn contested_tasks_come_most_contested_first() {
        let dims: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        let answers = |t: usize| -> Option<Answers> {
            Some(match t {
                0 => vec![
                    ("x".into(), l(&[("a", 1), ("b", 1)], false)),
                    ("y".into(), l(&[("a", 1), ("b", 1)], false)),
                ],
                1 => vec![
                    ("x".into(), l(&[("a", 1), ("b", 0)], false)),
                    ("y".into(), l(&[("a", 0), ("b", 1)], false)),
                ],
                2 => vec![("x".into(), l(&[("a", 1)], false)), ("y".into(), l(&[("a", 0)], false))],
                3 => vec![("x".into(), l(&[("a", 1)], true))],
                _ => return None,
            })
        };
        assert_eq!(order(&[0, 1, 2, 3, 4], answers, &dims, |_| false), vec![1, 2, 3]);
        assert_eq!(contest(&answers(0).unwrap(), &dims), None);
    }

    fn verdict(v: Verdict, flagged: bool) -> TaskLabels {
        l(&[(field::VERDICT, v.code())], flagged)
    }

    #[test]
    fn pairs_are_contested_by_differing_verdicts_or_a_flag() {
        use Verdict::*;
        let dims: Vec<String> = vec!["a".into()];
        let answers = |t: usize| -> Option<Answers> {
            Some(match t {
                // responses
                0 => vec![("x".into(), l(&[("a", 1)], false)), ("y".into(), l(&[("a", 0)], false))],
                // pairs
                1 => vec![("x".into(), verdict(Agree, false)), ("y".into(), verdict(Agree, false))],
                2 => vec![("x".into(), verdict(Agree, false)), ("y".into(), verdict(Flip, false))],
                3 => vec![
                    ("x".into(), verdict(Agree, false)),
                    ("y".into(), verdict(Flip, false)),
                    ("z".into(), verdict(BothBad, false)),
                ],
                4 => vec![("x".into(), verdict(Tie, true))],
                _ => return None,
            })
        };
        assert_eq!(contest_pair(&answers(1).unwrap()), None);
        assert_eq!(contest_pair(&answers(3).unwrap()), Some((1, 2, 0)));
        // Verdict codes are nominal: agree/flip (0, 1) and agree/both_bad (0, 3) differ alike.
        let far = vec![("x".into(), verdict(Agree, false)), ("y".into(), verdict(BothBad, false))];
        assert_eq!(contest_pair(&far), contest_pair(&answers(2).unwrap()));
        assert_eq!(order(&[0, 1, 2, 3, 4], answers, &dims, |t| t > 0), vec![3, 0, 2, 4]);
    }

    #[test]
    fn an_override_is_a_pick_against_a_strict_majority() {
        let answers: Answers = vec![
            ("x".into(), l(&[("a", 1)], false)),
            ("y".into(), l(&[("a", 1)], false)),
            ("z".into(), l(&[("a", 0)], false)),
        ];
        assert_eq!(overruled(&answers, "a", 0), Some((1, 2, 3)));
        assert_eq!(overruled(&answers, "a", 1), None);
        assert_eq!(overruled(&answers, "b", 0), None, "nobody answered b");
        let tie: Answers = vec![("x".into(), l(&[("a", 1)], false)), ("y".into(), l(&[("a", 0)], false))];
        assert_eq!(overruled(&tie, "a", 0), None, "no majority to overrule");
    }
}
