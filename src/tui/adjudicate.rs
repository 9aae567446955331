//! Adjudicate mode, the pure part: which tasks are contested and in what order.
//!
//! A response is contested when two annotators (adjudicators not counted) gave different values
//! on some dimension, or when anyone flagged it. The most contested come first: more dimensions
//! in disagreement, then a wider spread of values (summed over dimensions), then more flags.

use crate::store::TaskLabels;

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

/// The contested tasks among `candidates`, most contested first (ties keep the given order).
pub fn order(candidates: &[usize], answers_of: impl Fn(usize) -> Option<Answers>, dimensions: &[String]) -> Vec<usize> {
    let mut scored: Vec<((usize, i64, usize), usize)> = candidates
        .iter()
        .filter_map(|&t| answers_of(t).and_then(|a| contest(&a, dimensions)).map(|s| (s, t)))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0));
    scored.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(vals: &[(&str, i64)], flagged: bool) -> TaskLabels {
        TaskLabels { values: vals.iter().map(|(d, v)| (d.to_string(), *v)).collect(), flagged, ..Default::default() }
    }

    #[test]
    fn contested_tasks_come_most_contested_first() {
        let dims: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        let answers = |t: usize| -> Option<Answers> {
            Some(match t {
                0 => vec![("x".into(), l(&[("a", 1), ("b", 1)], false)), ("y".into(), l(&[("a", 1), ("b", 1)], false))],
                1 => vec![("x".into(), l(&[("a", 1), ("b", 0)], false)), ("y".into(), l(&[("a", 0), ("b", 1)], false))],
                2 => vec![("x".into(), l(&[("a", 1)], false)), ("y".into(), l(&[("a", 0)], false))],
                3 => vec![("x".into(), l(&[("a", 1)], true))],
                _ => return None,
            })
        };
        assert_eq!(order(&[0, 1, 2, 3, 4], answers, &dims), vec![1, 2, 3]);
        assert_eq!(contest(&answers(0).unwrap(), &dims), None);
    }
}
