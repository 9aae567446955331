//! Format 1: canonical items, one JSON object per line (docs/input-formats.md, "Canonical items").
//!
//! The hot path deserialises straight into typed structs (`deny_unknown_fields`), which is what
//! makes a 330 MB file import in about a second. Only when that fails is the record parsed a
//! second time as a plain JSON value, to say precisely what is wrong (every unknown key with a
//! suggestion, every missing or mistyped field, named by its path); serde's own message is the
//! fallback.

use super::unique_keys::UniqueMap;
use super::{RecordError, check_judge_value, check_rationale_dimension, json_kind, suggest};
use crate::ingest::normalize::normalize_in_place;
use crate::model::{Item, JudgeScores, Rationale, Response};
use crate::schema::Schema;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub(crate) const ITEM_KEYS: &[&str] =
    &["id", "image", "query", "query_en", "language", "country", "domain", "norm", "meta", "responses"];
const RESPONSE_KEYS: &[&str] = &["model", "text", "judge", "judge_rationale", "judges", "judge_rationales"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: String,
    #[serde(default)]
    image: Option<String>,
    query: String,
    #[serde(default)]
    query_en: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    norm: Option<String>,
    #[serde(default)]
    meta: Option<Map<String, Value>>,
    #[serde(default)]
    responses: Option<Vec<RawResponse>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResponse {
    model: String,
    text: String,
    #[serde(default)]
    judge: Option<UniqueMap<i64, JudgeNumber>>,
    #[serde(default)]
    judge_rationale: Option<UniqueMap<Rationale, String>>,
    /// Further named judges: name -> dimension -> score.
    #[serde(default)]
    judges: Option<UniqueMap<UniqueMap<i64, JudgeNumber>>>,
    /// Their rationales: name -> dimension -> text.
    #[serde(default)]
    judge_rationales: Option<UniqueMap<UniqueMap<Rationale, String>>>,
}

/// A judge name is a key in JSON output and part of CSV column names (`judge.NAME`).
pub fn judge_name_ok(name: &str) -> bool {
    !name.trim().is_empty()
        && name.len() <= 64
        && !name.chars().any(|c| c.is_control() || c == '.' || c == '|' || c == ',')
}

/// A judge score: an integer, or a float with no fractional part (`1.0`, as Python tools
/// write). Anything else is refused rather than rounded.
struct JudgeNumber(i64);

impl From<JudgeNumber> for i64 {
    fn from(n: JudgeNumber) -> i64 {
        n.0
    }
}

impl<'de> Deserialize<'de> for JudgeNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = JudgeNumber;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an integer")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<JudgeNumber, E> {
                Ok(JudgeNumber(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<JudgeNumber, E> {
                i64::try_from(v).map(JudgeNumber).map_err(|_| E::custom("integer out of range"))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<JudgeNumber, E> {
                integral(v).map(JudgeNumber).ok_or_else(|| E::custom(format!("{v} is not an integer")))
            }
        }
        d.deserialize_any(V)
    }
}

/// The integer a JSON number stands for, when it is one.
pub(crate) fn integral(v: f64) -> Option<i64> {
    (v.fract() == 0.0 && v.abs() < 9.0e15).then_some(v as i64)
}

/// The integer value of a JSON number (integral floats included).
pub(crate) fn json_integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(integral)),
        _ => None,
    }
}

/// Parses and checks one item. `text` is one record (one line).
pub fn parse_item(text: &str, schema: &Schema) -> Result<Item, Vec<RecordError>> {
    match serde_json::from_str::<RawItem>(text) {
        Ok(raw) => finish(raw, schema),
        Err(e) => Err(explain(text, e)),
    }
}

fn finish(raw: RawItem, schema: &Schema) -> Result<Item, Vec<RecordError>> {
    let mut errors = Vec::new();
    if raw.id.trim().is_empty() {
        errors.push(RecordError::new(
            "\"id\" is empty; every item needs a non-empty id, unique in the session",
        ));
    }
    let mut responses = Vec::with_capacity(raw.responses.as_ref().map_or(0, Vec::len));
    for (i, r) in raw.responses.into_iter().flatten().enumerate() {
        // Only formatted when there is an error to report: this runs for every response.
        let at = || format!("responses[{i}]");
        if r.model.trim().is_empty() {
            errors.push(RecordError::new(format!(
                "{}.model is empty; name the model that wrote the response",
                at()
            )));
        } else if responses.iter().any(|p: &Response| p.model == r.model) {
            errors.push(RecordError::new(format!(
                "{}: a second response from model {:?}; an item has at most one response per model",
                at(),
                r.model
            )));
        }
        // The maps are checked where they are and kept as read: a bad entry rejects the whole
        // record, so none is ever kept.
        let judge = r.judge.map(|m| m.0).unwrap_or_default();
        for (dim, &v) in &judge {
            if let Err(msg) = check_judge_value(schema, dim, v) {
                errors.push(RecordError::new(format!("{}.judge.{dim}: {msg}", at())));
            }
        }
        let mut judge_rationale = r.judge_rationale.map(|m| m.0).unwrap_or_default();
        for (dim, rationale) in &mut judge_rationale {
            match check_rationale_dimension(schema, dim) {
                Ok(()) => normalize_in_place(&mut rationale.text),
                Err(msg) => errors.push(RecordError::new(format!("{}.judge_rationale.{dim}: {msg}", at()))),
            }
        }
        let mut judges: BTreeMap<String, JudgeScores> = BTreeMap::new();
        for (name, scores) in r.judges.into_iter().flat_map(|m| m.0) {
            for (dim, &v) in &scores.0 {
                if let Err(msg) = check_judge_value(schema, dim, v) {
                    errors.push(RecordError::new(format!("{}.judges.{name}.{dim}: {msg}", at())));
                }
            }
            judges.entry(name).or_default().scores = scores.0;
        }
        for (name, texts) in r.judge_rationales.into_iter().flat_map(|m| m.0) {
            let mut texts = texts.0;
            for (dim, rationale) in &mut texts {
                match check_rationale_dimension(schema, dim) {
                    Ok(()) => normalize_in_place(&mut rationale.text),
                    Err(msg) => errors
                        .push(RecordError::new(format!("{}.judge_rationales.{name}.{dim}: {msg}", at()))),
                }
            }
            judges.entry(name).or_default().rationale = texts;
        }
        for name in judges.keys() {
            if !judge_name_ok(name) {
                errors.push(RecordError::new(format!(
                    "{}.judges: judge name {name:?}: give a short name without control characters, '.', ',' or '|'",
                    at()
                )));
            }
        }
        let mut text = r.text;
        normalize_in_place(&mut text);
        responses.push(Response { model: r.model, text, judge, judge_rationale, judges });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut query = raw.query;
    normalize_in_place(&mut query);
    let mut query_en = raw.query_en;
    let mut norm = raw.norm;
    for s in [&mut query_en, &mut norm].into_iter().flatten() {
        normalize_in_place(s);
    }
    Ok(Item {
        id: raw.id,
        image: raw.image,
        query,
        query_en,
        language: raw.language,
        country: raw.country,
        domain: raw.domain,
        norm,
        meta: raw.meta.unwrap_or_default(),
        responses,
    })
}

/// Says what is wrong with a record the typed parse refused.
fn explain(text: &str, serde_error: serde_json::Error) -> Vec<RecordError> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        // Not JSON at all: serde's syntax error, with its column.
        Err(e) => return vec![RecordError::from_serde(&e)],
    };
    let Value::Object(obj) = &value else {
        return vec![RecordError::new(format!(
            "expected a JSON object (one item per line), found {}",
            json_kind(&value)
        ))];
    };
    let mut errors = Vec::new();
    check_item_object(obj, &mut errors);
    if errors.is_empty() {
        // The explanation found nothing the typed parse did: report serde's own words.
        errors.push(RecordError::from_serde(&serde_error));
    }
    errors
}

fn expect_string(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
    nullable: bool,
    errors: &mut Vec<RecordError>,
) {
    match obj.get(key) {
        None | Some(Value::String(_)) => {}
        Some(Value::Null) if nullable => {}
        Some(v) => {
            errors.push(RecordError::new(format!("{path}{key}: expected a string, found {}", json_kind(v))))
        }
    }
}

fn unknown_keys(
    obj: &Map<String, Value>,
    known: &[&str],
    path: &str,
    hint: &str,
    errors: &mut Vec<RecordError>,
) {
    for k in obj.keys() {
        if !known.contains(&k.as_str()) {
            let did_you_mean =
                suggest(k, known).map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default();
            errors.push(RecordError::new(format!("{path}unknown key {k:?}{did_you_mean}; {hint}")));
        }
    }
}

fn check_item_object(obj: &Map<String, Value>, errors: &mut Vec<RecordError>) {
    unknown_keys(
        obj,
        ITEM_KEYS,
        "",
        "put extra fields under \"meta\" (typos must not vanish silently)",
        errors,
    );
    match obj.get("id") {
        None => errors.push(RecordError::new("missing \"id\" (a non-empty string, unique in the session)")),
        Some(Value::String(_)) => {}
        Some(v) => errors.push(RecordError::new(format!("id: expected a string, found {}", json_kind(v)))),
    }
    match obj.get("query") {
        None => errors.push(RecordError::new("missing \"query\" (the text the model was given)")),
        Some(Value::String(_)) => {}
        Some(v) => errors.push(RecordError::new(format!("query: expected a string, found {}", json_kind(v)))),
    }
    for key in ["image", "query_en", "language", "country", "domain", "norm"] {
        expect_string(obj, key, "", true, errors);
    }
    match obj.get("meta") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(v) => errors.push(RecordError::new(format!("meta: expected an object, found {}", json_kind(v)))),
    }
    match obj.get("responses") {
        None | Some(Value::Null) => {}
        Some(Value::Array(rs)) => {
            for (i, r) in rs.iter().enumerate() {
                let path = format!("responses[{i}].");
                let Value::Object(r) = r else {
                    errors.push(RecordError::new(format!(
                        "responses[{i}]: expected an object with \"model\" and \"text\", found {}",
                        json_kind(r)
                    )));
                    continue;
                };
                unknown_keys(
                    r,
                    RESPONSE_KEYS,
                    &path,
                    "a response has model, text, judge, judge_rationale, judges and judge_rationales",
                    errors,
                );
                for key in ["model", "text"] {
                    if !r.contains_key(key) {
                        errors.push(RecordError::new(format!("{path}{key}: missing")));
                    }
                    expect_string(r, key, &path, false, errors);
                }
                match r.get("judge") {
                    None | Some(Value::Null) => {}
                    Some(Value::Object(j)) => {
                        for (dim, v) in j {
                            if json_integer(v).is_none() {
                                errors.push(RecordError::new(format!(
                                    "{path}judge.{dim}: expected an integer score, found {}",
                                    json_kind(v)
                                )));
                            }
                        }
                    }
                    Some(v) => errors.push(RecordError::new(format!(
                        "{path}judge: expected an object of dimension: score, found {}",
                        json_kind(v)
                    ))),
                }
                match r.get("judge_rationale") {
                    None | Some(Value::Null) => {}
                    Some(Value::Object(j)) => {
                        for (dim, v) in j {
                            if !v.is_string() {
                                errors.push(RecordError::new(format!(
                                    "{path}judge_rationale.{dim}: expected a string, found {}",
                                    json_kind(v)
                                )));
                            }
                        }
                    }
                    Some(v) => errors.push(RecordError::new(format!(
                        "{path}judge_rationale: expected an object of dimension: text, found {}",
                        json_kind(v)
                    ))),
                }
            }
        }
        Some(v) => {
            errors.push(RecordError::new(format!("responses: expected an array, found {}", json_kind(v))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema::cross_eval()
    }

    fn messages(r: Result<Item, Vec<RecordError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.message).collect()
    }

    const FULL: &str = r#"{"id": "casa/en/Japan_1", "image": "images/slippers.png", "query": "Can you add\tthem to my cart?\r\nThanks", "query_en": "Add them", "language": "ja", "country": "Japan", "domain": "shopping", "norm": "Separate slippers", "meta": {"source": "x", "n": [1, 2]}, "responses": [{"model": "gpt-4o", "text": "Sure.", "judge": {"awareness": 1, "education": 0, "compliance": 1.0, "helpfulness": 1}, "judge_rationale": {"awareness": "It notices."}}, {"model": "qwen", "text": "No."}]}"#;

    #[test]
    fn full_item_parses_and_normalises_text() {
        let item = parse_item(FULL, &schema()).unwrap();
        assert_eq!(item.id, "casa/en/Japan_1");
        assert_eq!(item.image.as_deref(), Some("images/slippers.png"));
        // "Can you add" is 11 columns: the tab goes to column 12.
        assert_eq!(item.query, "Can you add them to my cart?\nThanks");
        assert_eq!(item.country.as_deref(), Some("Japan"));
        assert_eq!(item.meta["n"], serde_json::json!([1, 2]));
        assert_eq!(item.responses.len(), 2);
        let r = &item.responses[0];
        assert_eq!(r.judge["compliance"], 1);
        assert_eq!(r.judge_rationale["awareness"], Rationale::from("It notices."));
        assert!(item.responses[1].judge.is_empty());
    }

    #[test]
    fn minimal_item_and_nulls() {
        let item =
            parse_item(r#"{"id":"a","query":"q","image":null,"meta":null,"responses":null}"#, &schema())
                .unwrap();
        assert_eq!(item.image, None);
        assert!(item.meta.is_empty());
        assert!(item.responses.is_empty());
    }

    #[test]
    fn missing_id_and_query_are_named() {
        let m = messages(parse_item(r#"{"query":"q"}"#, &schema()));
        assert_eq!(m, ["missing \"id\" (a non-empty string, unique in the session)"]);
        let m = messages(parse_item(r#"{"id":"x"}"#, &schema()));
        assert!(m[0].contains("missing \"query\""), "{m:?}");
        let m = messages(parse_item(r#"{"id":"  ","query":"q"}"#, &schema()));
        assert!(m[0].contains("\"id\" is empty"), "{m:?}");
    }

    #[test]
    fn unknown_keys_are_errors_with_a_suggestion() {
        let m = messages(parse_item(r#"{"id":"a","qeury":"q","query":"q","extra":1}"#, &schema()));
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].contains("unknown key \"qeury\" (did you mean \"query\"?)"), "{m:?}");
        assert!(m[1].contains("unknown key \"extra\"; put extra fields under \"meta\""), "{m:?}");
        let m = messages(parse_item(
            r#"{"id":"a","query":"q","responses":[{"model":"m","text":"t","score":1}]}"#,
            &schema(),
        ));
        assert!(m[0].starts_with("responses[0].unknown key \"score\""), "{m:?}");
    }

    #[test]
    fn wrong_types_name_the_field() {
        let m = messages(parse_item(r#"{"id":7,"query":"q","country":["JP"]}"#, &schema()));
        assert_eq!(
            m,
            ["id: expected a string, found a number (7)", "country: expected a string, found an array"]
        );
        let m = messages(parse_item(
            r#"{"id":"a","query":"q","responses":[{"model":"m","text":"t","judge":{"awareness":"yes"}}]}"#,
            &schema(),
        ));
        assert_eq!(m, ["responses[0].judge.awareness: expected an integer score, found a string (\"yes\")"]);
        let m = messages(parse_item(r#"{"id":"a","query":"q","responses":{"model":"m"}}"#, &schema()));
        assert_eq!(m, ["responses: expected an array, found an object"]);
        let m = messages(parse_item(r#"{"id":"a","query":"q","responses":[{"text":"t"}]}"#, &schema()));
        assert_eq!(m, ["responses[0].model: missing"]);
    }

    #[test]
    fn judge_values_outside_the_schema_and_unknown_dimensions() {
        let m = messages(parse_item(
            r#"{"id":"a","query":"q","responses":[{"model":"m","text":"t","judge":{"awareness":2,"fluency":1,"education":0.5},"judge_rationale":{"tone":"x"}}]}"#,
            &schema(),
        ));
        // 0.5 is refused by the typed parse first, and explained.
        assert_eq!(m, ["responses[0].judge.education: expected an integer score, found a number (0.5)"]);
        let m = messages(parse_item(
            r#"{"id":"a","query":"q","responses":[{"model":"m","text":"t","judge":{"awareness":2,"fluency":1},"judge_rationale":{"tone":"x"}}]}"#,
            &schema(),
        ));
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(m[0].contains("judge.awareness: 2 is not a valid value of awareness (valid: 1, 0)"), "{m:?}");
        assert!(m[1].contains("judge.fluency: unknown dimension \"fluency\""), "{m:?}");
        assert!(m[2].contains("judge_rationale.tone: unknown dimension"), "{m:?}");
    }

    #[test]
    fn duplicate_models_in_one_item() {
        let m = messages(parse_item(
            r#"{"id":"a","query":"q","responses":[{"model":"m","text":"t"},{"model":"m","text":"u"}]}"#,
            &schema(),
        ));
        assert!(m[0].contains("a second response from model \"m\""), "{m:?}");
    }

    #[test]
    fn syntax_errors_and_non_objects() {
        let e = parse_item(r#"{"id": "a", "query": }"#, &schema()).unwrap_err();
        assert_eq!(e[0].column, Some(22));
        assert!(e[0].message.starts_with("invalid JSON: expected value"), "{:?}", e[0]);
        let m = messages(parse_item("[1, 2]", &schema()));
        assert_eq!(m, ["expected a JSON object (one item per line), found an array"]);
        let m = messages(parse_item("\"text\"", &schema()));
        assert_eq!(m, ["expected a JSON object (one item per line), found a string (\"text\")"]);
        let e = parse_item(r#"{"id": "a", "query": "q""#, &schema()).unwrap_err();
        assert!(e[0].message.contains("ends before"), "{:?}", e[0]);
    }
}
