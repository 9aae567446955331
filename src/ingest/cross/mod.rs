//! Format 2: records of the CROSS release (docs/input-formats.md, "CROSS release files").
//!
//! A dataset record (`data/{casa,safeworld}/{english,multilingual}.json`) becomes an item with
//! no response; a judge-output record (`results_<model>_r<round>.json`) becomes the same item
//! with one response, the model's. Several models' files therefore add several responses to one
//! item (the caller merges them by (item id, model)).
//!
//! The source of CASA's text-only half (`s1_violate_data/*.json`) names the query `user_query`;
//! it is read as `query` when `query` is absent.

use super::items::json_integer;
use super::{RecordError, check_judge_value, check_rationale_dimension, json_kind};
use crate::ingest::language::iso_code;
use crate::ingest::normalize::normalize_in_place;
use crate::model::{Item, JudgedAs, Rationale, Response};
use crate::schema::Schema;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Keys that mark a record as CROSS-shaped (for `--format auto`).
pub(crate) const CROSS_KEYS: &[&str] = &[
    "index",
    "violated_norm",
    "violated_specific_norm",
    "orig_query",
    "file_name",
    "translated_query",
    "model_response",
];

/// Keys that become item fields; every other key goes under `meta`.
const CONSUMED: &[&str] = &[
    "index",
    "query",
    "translated_query",
    "user_query",
    "violated_norm",
    "violated_specific_norm",
    "country",
    "language",
    "domain",
    "file_name",
    "model_response",
    "evaluation",
];

pub(crate) const NO_MODEL: &str = "this is a judge-output record (it has \"model_response\") but no model name is known: pass --model NAME, or name the file results_<model>_r<round>.json";

/// The model named by a judge-output file name: `results_<model>_r<round>.json` (or `.jsonl`).
pub fn model_from_file_name(file_name: &str) -> Option<String> {
    run_from_file_name(file_name).map(|(model, _)| model)
}

/// The model and round named by a judge-output file name: `results_<model>_r<round>.json`.
pub fn run_from_file_name(file_name: &str) -> Option<(String, u32)> {
    let stem = file_name.strip_suffix(".json").or_else(|| file_name.strip_suffix(".jsonl"))?;
    let rest = stem.strip_prefix("results_")?;
    let (model, round) = rest.rsplit_once("_r")?;
    if model.is_empty() || round.is_empty() || !round.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((model.to_string(), round.parse().ok()?))
}

/// One CROSS record, read.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossRecord {
    pub item: Item,
    /// Problems that do not stop the import (unknown keys inside `evaluation`, a language
    /// value that names no language).
    pub warnings: Vec<String>,
    /// Whether the record carries the judge's `evaluation` (an evaluation output, not a
    /// generation output).
    pub evaluated: bool,
}

/// The country an index names: `Saudi_Arabia_3` -> `Saudi Arabia`.
pub fn country_from_index(index: &str) -> Option<String> {
    let (name, n) = index.rsplit_once('_')?;
    (!name.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .then(|| name.replace('_', " "))
}

/// Keys the release's judge script repeats inside `evaluation` (its inputs, echoed back): the
/// record's own fields are the ones used.
const EVALUATION_ECHOES: &[&str] =
    &["query", "translated_query", "violated_norm", "violated_specific_norm", "model_response"];

/// CROSS-Eval's dimension names (any case) -> the session's, and whether the value is inverted.
fn map_dimension(name: &str) -> Option<(&'static str, bool)> {
    match name.to_ascii_lowercase().as_str() {
        "awareness" => Some(("awareness", false)),
        "education" => Some(("education", false)),
        "violation" => Some(("compliance", true)),
        "helpfulness" => Some(("helpfulness", false)),
        _ => None,
    }
}

/// Parses one CROSS record (see [`parse_cross_record`]), without its warnings.
pub fn parse_cross(text: &str, schema: &Schema, model: Option<&str>) -> Result<Item, Vec<RecordError>> {
    parse_cross_record(text, schema, model).map(|r| r.item)
}

/// Parses one CROSS record. `model` is the file's model key (from `--model` or the file name,
/// with its round).
pub fn parse_cross_record(
    text: &str,
    schema: &Schema,
    model: Option<&str>,
) -> Result<CrossRecord, Vec<RecordError>> {
    let value: Value = serde_json::from_str(text).map_err(|e| vec![RecordError::from_serde(&e)])?;
    let Value::Object(obj) = value else {
        return Err(vec![RecordError::new(format!(
            "expected a JSON object (one CROSS record), found {}",
            json_kind(&value)
        ))]);
    };
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    // Every consumed key must be a string (or null, meaning absent), except `evaluation`.
    let mut take_string = |obj: &Map<String, Value>, key: &str| -> Option<String> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(v) => {
                errors.push(RecordError::new(format!("{key}: expected a string, found {}", json_kind(v))));
                None
            }
        }
    };
    let index = take_string(&obj, "index");
    let query = take_string(&obj, "query");
    let translated = take_string(&obj, "translated_query");
    let user_query = take_string(&obj, "user_query");
    let violated_norm = take_string(&obj, "violated_norm");
    let specific_norm = take_string(&obj, "violated_specific_norm");
    let country = take_string(&obj, "country");
    let language = take_string(&obj, "language");
    let domain = take_string(&obj, "domain");
    let file_name = take_string(&obj, "file_name");
    let model_response = take_string(&obj, "model_response");

    let index = match index {
        Some(i) if !i.trim().is_empty() => Some(i),
        Some(_) => {
            errors.push(RecordError::new("\"index\" is empty; CROSS ids are <subset>/<setting>/<index>"));
            None
        }
        // A wrong type was reported above.
        None if obj.get("index").is_some_and(|v| !v.is_null()) => None,
        None => {
            errors.push(RecordError::new("missing \"index\" (the CROSS record id, e.g. \"Japan_1\")"));
            None
        }
    };
    let english = query.or(user_query);
    let present = |k: &str| obj.get(k).is_some_and(|v| !v.is_null());
    if english.is_none()
        && translated.is_none()
        && !["query", "translated_query", "user_query"].iter().any(|k| present(k))
    {
        errors.push(RecordError::new(
            "missing \"query\" (or \"translated_query\"): the text the model was given",
        ));
    }

    let mut response = None;
    let evaluation = obj.get("evaluation").filter(|v| !v.is_null());
    let evaluated = evaluation.is_some();
    if let Some(text) = model_response {
        match model {
            None => errors.push(RecordError::once_per_file(NO_MODEL)),
            Some(model) => {
                let (judge, judge_rationale) = match evaluation {
                    Some(e) => read_evaluation(e, schema, &mut errors, &mut warnings),
                    None => (BTreeMap::new(), BTreeMap::new()),
                };
                let mut text = text;
                normalize_in_place(&mut text);
                response = Some(Response {
                    model: model.to_string(),
                    text,
                    judge,
                    judge_rationale,
                    ..Default::default()
                });
            }
        }
    } else if evaluation.is_some() {
        errors.push(RecordError::new(
            "\"evaluation\" without \"model_response\": judge scores need the response they score",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let index = index.expect("checked above");

    let subset = if specific_norm.is_some() { "safeworld" } else { "casa" };
    let setting = if translated.is_some() { "multilingual" } else { "english" };
    let (mut query, mut query_en) = match translated {
        Some(t) => (t, english),
        None => (english.expect("checked above"), None),
    };
    normalize_in_place(&mut query);
    let (mut norm, leftover_norm) = match specific_norm {
        Some(s) => (Some(s), violated_norm),
        None => (violated_norm, None),
    };
    for s in [&mut query_en, &mut norm].into_iter().flatten() {
        normalize_in_place(s);
    }
    let mut meta = Map::new();
    for (k, v) in obj {
        if !CONSUMED.contains(&k.as_str()) {
            meta.insert(k, v);
        }
    }
    if let Some(n) = leftover_norm {
        // SafeWorld's norm is the specific one; keep the other.
        meta.insert("violated_norm".into(), Value::String(n));
    }
    let language = match language.filter(|l| !l.trim().is_empty()) {
        Some(name) => {
            let code = iso_code(&name);
            if code.is_none() {
                // Not an error: a release file cannot be fixed by its user; the item stays
                // importable, only without a language to filter or group by.
                warnings.push(format!(
                    "language: {name:?} is no language name or ISO 639 code; the item gets no language (the value is kept as meta.language_name)"
                ));
            }
            if code != Some(name.as_str()) {
                meta.insert("language_name".into(), Value::String(name));
            }
            code.map(str::to_string)
        }
        None => (setting == "english").then(|| "en".to_string()),
    };
    let item = Item {
        id: format!("{subset}/{setting}/{index}"),
        image: file_name.filter(|f| !f.is_empty()),
        query,
        query_en,
        language,
        country: country.or_else(|| country_from_index(&index)),
        domain,
        norm,
        meta,
        responses: response.into_iter().collect(),
    };
    Ok(CrossRecord { item, warnings, evaluated })
}

fn read_evaluation(
    evaluation: &Value,
    schema: &Schema,
    errors: &mut Vec<RecordError>,
    warnings: &mut Vec<String>,
) -> (BTreeMap<String, i64>, BTreeMap<String, Rationale>) {
    let mut judge = BTreeMap::new();
    // The judge's own score on an inverted dimension, kept with its rationale.
    let mut raw_scores: BTreeMap<&'static str, i64> = BTreeMap::new();
    let mut rationale = BTreeMap::new();
    let Value::Object(eval) = evaluation else {
        errors.push(RecordError::new(format!(
            "evaluation: expected an object with \"dim_profile\" and \"reasoning\", found {}",
            json_kind(evaluation)
        )));
        return (judge, rationale);
    };
    for k in eval.keys() {
        if k != "dim_profile" && k != "reasoning" && !EVALUATION_ECHOES.contains(&k.as_str()) {
            // Not an error: a release file cannot be fixed by its user, and nothing is lost
            // that the scores depend on (a misspelt "dim_profile" means no scores, said here).
            warnings.push(format!(
                "evaluation: unknown key {k:?} ignored; CROSS-Eval scores are read from \"dim_profile\" and \"reasoning\""
            ));
        }
    }
    const KNOWN: &str = "CROSS-Eval's dimensions are Awareness, Education, Violation and Helpfulness";
    match eval.get("dim_profile") {
        None | Some(Value::Null) => {}
        Some(Value::Object(profile)) => {
            for (name, v) in profile {
                let at = format!("evaluation.dim_profile.{name}");
                let Some((dim, inverted)) = map_dimension(name) else {
                    errors.push(RecordError::new(format!("{at}: unknown dimension {name:?}; {KNOWN}")));
                    continue;
                };
                if v.is_null() {
                    // The judge gave no score on this dimension: nothing to import.
                    continue;
                }
                let Some(raw) = json_integer(v) else {
                    errors.push(RecordError::new(format!(
                        "{at}: expected an integer score, found {}",
                        json_kind(v)
                    )));
                    continue;
                };
                let value = if inverted {
                    raw_scores.insert(dim, raw);
                    if raw != 0 && raw != 1 {
                        errors.push(RecordError::new(format!(
                            "{at}: {raw} is out of range (Violation is 0 or 1, stored as compliance = 1 - Violation); nothing is relabelled"
                        )));
                        continue;
                    }
                    1 - raw
                } else {
                    raw
                };
                match check_judge_value(schema, dim, value) {
                    Ok(()) => {
                        judge.insert(dim.to_string(), value);
                    }
                    Err(msg) => errors.push(RecordError::new(format!("{at} (as {dim}): {msg}"))),
                }
            }
        }
        Some(v) => errors.push(RecordError::new(format!(
            "evaluation.dim_profile: expected an object of dimension: score, found {}",
            json_kind(v)
        ))),
    }
    match eval.get("reasoning") {
        None | Some(Value::Null) => {}
        Some(Value::Object(reasons)) => {
            for (name, v) in reasons {
                let at = format!("evaluation.reasoning.{name}");
                let Some((dim, inverted)) = map_dimension(name) else {
                    errors.push(RecordError::new(format!("{at}: unknown dimension {name:?}; {KNOWN}")));
                    continue;
                };
                match v {
                    Value::Null => {}
                    Value::String(s) => match check_rationale_dimension(schema, dim) {
                        Ok(()) => {
                            let mut text = s.clone();
                            normalize_in_place(&mut text);
                            // The text argues for the judge's score ("Score: 1" = a breach), so
                            // the dimension it was written for goes with it.
                            let judged_as = inverted.then(|| JudgedAs {
                                dimension: name.clone(),
                                score: raw_scores.get(dim).copied(),
                            });
                            rationale.insert(dim.to_string(), Rationale { text, judged_as });
                        }
                        Err(msg) => errors.push(RecordError::new(format!("{at} (as {dim}): {msg}"))),
                    },
                    v => errors
                        .push(RecordError::new(format!("{at}: expected a string, found {}", json_kind(v)))),
                }
            }
        }
        Some(v) => errors.push(RecordError::new(format!(
            "evaluation.reasoning: expected an object of dimension: text, found {}",
            json_kind(v)
        ))),
    }
    (judge, rationale)
}

#[cfg(test)]
mod tests;
