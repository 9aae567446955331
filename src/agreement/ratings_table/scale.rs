//! From the values as read to the category scale: `--categories`, else the JSON `categories`,
//! else numeric order when every value is a number, else order of first appearance. Then the
//! rater-major matrix of category codes.

use super::values::{Distinct, number_label, parse_number};
use super::{RatingsTable, RawTable, finish_errors};
use crate::agreement::matrix::{MAX_CATEGORIES, MISSING, RatingMatrix};
use serde_json::Value;

struct Declared {
    label: Value,
    text: String,
    num: Option<f64>,
}

fn declared_from_value(v: &Value) -> Declared {
    match v {
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            Declared { label: number_label(x), text: n.to_string(), num: Some(x) }
        }
        Value::String(s) => Declared { label: v.clone(), text: s.clone(), num: parse_number(s) },
        other => Declared { label: other.clone(), text: other.to_string(), num: None },
    }
}

fn matches(d: &Declared, v: &Distinct) -> bool {
    match (d.num, v.num) {
        (Some(a), Some(b)) => a == b,
        _ => d.text == v.text,
    }
}

/// How many cells hold value `id` (for an error message only).
fn occurrences(raw: &RawTable, id: u32) -> u64 {
    raw.columns.iter().map(|c| c.ids().filter(|&x| x == id).count() as u64).sum()
}

/// The category scale of a table's values.
pub(super) struct Categories {
    /// Each distinct value's category code, by value id.
    pub code_of: Vec<u16>,
    pub labels: Vec<Value>,
    pub values: Option<Vec<f64>>,
}

/// Maps the interned values onto the category scale and builds the matrix.
pub(super) fn resolve(
    raw: RawTable,
    origin: &str,
    flag: Option<&[String]>,
) -> Result<RatingsTable, Vec<String>> {
    let Categories { code_of, labels, values } =
        categories(&raw.interner.distinct, raw.categories.as_deref(), origin, flag, |id| {
            occurrences(&raw, id)
        })?;
    let RawTable { raters, items, n_items, columns, level, .. } = raw;
    // Rater by rater, each column freed once its codes are written: the ids and the matrix are
    // never both held in full.
    let mut codes: Vec<u16> = Vec::with_capacity(raters.len() * n_items);
    for column in columns {
        column.codes_into(&code_of, MISSING, &mut codes);
    }
    let matrix = RatingMatrix::new(raters.len(), n_items, labels.len(), codes)
        .map_err(|e| vec![format!("{origin}: {e}")])?;
    Ok(RatingsTable { raters, items, matrix, labels, values, level })
}

/// The scale of the distinct values (in order of first appearance): `--categories` (`flag`),
/// else the JSON `categories` (with their positions), else numeric or first-appearance order.
/// `occurrences(id)` counts a value's cells, for the message when it is not on the scale.
pub(super) fn categories(
    distinct: &[Distinct],
    json_categories: Option<&[(Value, usize, usize)]>,
    origin: &str,
    flag: Option<&[String]>,
    occurrences: impl Fn(u32) -> u64,
) -> Result<Categories, Vec<String>> {
    let mut errors = Vec::new();
    let declared: Option<(Vec<Declared>, &str)> = if let Some(list) = flag {
        let all_numeric = list.iter().all(|s| parse_number(s).is_some());
        let decl: Vec<Declared> = list
            .iter()
            .map(|s| {
                let s = s.trim();
                let num = parse_number(s);
                let label = match num {
                    Some(x) if all_numeric => number_label(x),
                    _ => Value::String(s.to_string()),
                };
                Declared { label, text: s.to_string(), num }
            })
            .collect();
        Some((decl, "--categories"))
    } else {
        json_categories
            .map(|list| (list.iter().map(|(v, _, _)| declared_from_value(v)).collect(), "\"categories\""))
    };

    // id of each distinct value -> category code
    let mut code_of = vec![MISSING; distinct.len()];
    let (labels, values) = match declared {
        Some((decl, source)) => {
            for (i, a) in decl.iter().enumerate() {
                if let Some(b) = decl[..i].iter().find(|b| match (a.num, b.num) {
                    (Some(x), Some(y)) => x == y,
                    _ => a.text == b.text,
                }) {
                    let where_ = match (source, json_categories) {
                        ("\"categories\"", Some(list)) => format!("{origin}:{}:{}", list[i].1, list[i].2),
                        _ => "--categories".to_string(),
                    };
                    errors.push(format!(
                        "{where_}: category {:?} is listed twice (as {:?} and {:?})",
                        a.text, b.text, a.text
                    ));
                }
            }
            if decl.is_empty() {
                errors.push(format!("{origin}: {source} is empty; list the categories in scale order"));
            }
            let shown: Vec<&str> = decl.iter().map(|d| d.text.as_str()).collect();
            let shown =
                if shown.len() > 12 { format!("{}, …", shown[..12].join(", ")) } else { shown.join(", ") };
            for (id, v) in distinct.iter().enumerate() {
                match decl.iter().position(|d| matches(d, v)) {
                    Some(c) => code_of[id] = c as u16,
                    None => {
                        let n = occurrences(id as u32);
                        let times = if n > 1 { format!(" ({n} times; first here)") } else { String::new() };
                        errors.push(format!(
                            "{origin}:{}:{}: {:?} is not one of the categories {shown} (from {source}){times}; add it to {source} or fix the rating",
                            v.line, v.col, v.text
                        ));
                    }
                }
            }
            let values: Option<Vec<f64>> = decl.iter().map(|d| d.num).collect();
            (decl.into_iter().map(|d| d.label).collect::<Vec<_>>(), values)
        }
        None => {
            if distinct.iter().all(|v| v.num.is_some()) {
                // Numeric order; "1" and "1.0" are one category.
                let mut nums: Vec<f64> = distinct.iter().map(|v| v.num.expect("numeric")).collect();
                nums.sort_by(f64::total_cmp);
                nums.dedup();
                for (id, v) in distinct.iter().enumerate() {
                    code_of[id] = nums
                        .binary_search_by(|x| x.total_cmp(&v.num.expect("numeric")))
                        .expect("present") as u16;
                }
                (nums.iter().map(|&x| number_label(x)).collect(), Some(nums))
            } else {
                for (id, _) in distinct.iter().enumerate() {
                    code_of[id] = id as u16;
                }
                (distinct.iter().map(|v| v.label.clone()).collect(), None)
            }
        }
    };
    if labels.len() > MAX_CATEGORIES {
        errors.push(format!("{origin}: {} categories; at most {MAX_CATEGORIES} are supported", labels.len()));
    }
    if !errors.is_empty() {
        return Err(finish_errors(errors, origin));
    }
    Ok(Categories { code_of, labels, values })
}
