//! Format 3: preference pairs in TRL's format, standard or conversational, plus images
//! (docs/input-formats.md, "Preference pairs").
//!
//! `prompt`, `chosen` and `rejected` are each a string or a list of `{"role", "content"}`
//! messages, where `content` is a string or a list of parts (`{"type": "text", "text": …}`,
//! `{"type": "image", …}`). They are stored as given, apart from the text normalisation of
//! their strings. A pair without `id` gets `pair-` + the first 16 hex digits of the SHA-256 of
//! the record's canonical JSON (keys sorted, no spaces), so re-importing the same file gives the
//! same ids.

use super::{RecordError, json_kind, suggest};
use crate::ingest::normalize::normalize_in_place;
use crate::model::Pair;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub(crate) const PAIR_KEYS: &[&str] = &["id", "prompt", "chosen", "rejected", "images", "item_id", "meta"];

/// Writes `v` as JSON with object keys sorted at every level (the text the id hash is over).
pub fn canonical_json(v: &Value) -> String {
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String((*k).clone()).to_string());
                    out.push(':');
                    write(&m[k.as_str()], out);
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(x, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(v, &mut out);
    out
}

/// The id of a pair given without one.
pub fn hashed_id(record: &Value) -> String {
    let digest = Sha256::digest(canonical_json(record).as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("pair-{hex}")
}

/// Checks a prompt/chosen/rejected value: a string or a non-empty list of messages.
fn check_turns(key: &str, v: &Value, errors: &mut Vec<RecordError>) {
    match v {
        Value::String(_) => {}
        Value::Array(messages) if messages.is_empty() => errors.push(RecordError::new(format!(
            "{key}: an empty list of messages; give a string or at least one {{\"role\", \"content\"}} message"
        ))),
        Value::Array(messages) => {
            for (i, m) in messages.iter().enumerate() {
                let at = format!("{key}[{i}]");
                let Value::Object(m) = m else {
                    errors.push(RecordError::new(format!(
                        "{at}: expected a {{\"role\", \"content\"}} message, found {}",
                        json_kind(m)
                    )));
                    continue;
                };
                match m.get("role") {
                    Some(Value::String(r)) if !r.is_empty() => {}
                    Some(Value::String(_)) => errors.push(RecordError::new(format!("{at}.role: empty"))),
                    Some(v) => errors.push(RecordError::new(format!(
                        "{at}.role: expected a string (\"user\", \"assistant\", \"system\"), found {}",
                        json_kind(v)
                    ))),
                    None => errors.push(RecordError::new(format!("{at}: missing \"role\""))),
                }
                match m.get("content") {
                    Some(Value::String(_)) => {}
                    Some(Value::Array(parts)) => {
                        for (j, p) in parts.iter().enumerate() {
                            let pat = format!("{at}.content[{j}]");
                            match p {
                                Value::Object(p) => match p.get("type") {
                                    Some(Value::String(t)) if t == "text" => match p.get("text") {
                                        Some(Value::String(_)) => {}
                                        Some(v) => errors.push(RecordError::new(format!(
                                            "{pat}.text: expected a string, found {}",
                                            json_kind(v)
                                        ))),
                                        None => errors.push(RecordError::new(format!(
                                            "{pat}: a \"text\" part needs a \"text\" string"
                                        ))),
                                    },
                                    Some(Value::String(_)) => {}
                                    Some(v) => errors.push(RecordError::new(format!(
                                        "{pat}.type: expected a string, found {}",
                                        json_kind(v)
                                    ))),
                                    None => errors.push(RecordError::new(format!(
                                        "{pat}: missing \"type\" (\"text\" or \"image\")"
                                    ))),
                                },
                                v => errors.push(RecordError::new(format!(
                                    "{pat}: expected a content part object, found {}",
                                    json_kind(v)
                                ))),
                            }
                        }
                    }
                    Some(v) => errors.push(RecordError::new(format!(
                        "{at}.content: expected a string or a list of parts, found {}",
                        json_kind(v)
                    ))),
                    None => errors.push(RecordError::new(format!("{at}: missing \"content\""))),
                }
            }
        }
        v => errors.push(RecordError::new(format!(
            "{key}: expected a string or a list of {{\"role\", \"content\"}} messages, found {}",
            json_kind(v)
        ))),
    }
}

/// Normalises every displayed string of a checked prompt/chosen/rejected value.
fn normalize_turns(v: &mut Value) {
    match v {
        Value::String(s) => normalize_in_place(s),
        Value::Array(messages) => {
            for m in messages {
                match m.get_mut("content") {
                    Some(Value::String(s)) => normalize_in_place(s),
                    Some(Value::Array(parts)) => {
                        for p in parts {
                            if let Some(Value::String(s)) = p.get_mut("text") {
                                normalize_in_place(s);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// Parses and checks one pair record.
pub fn parse_pair(text: &str) -> Result<Pair, Vec<RecordError>> {
    let value: Value = serde_json::from_str(text).map_err(|e| vec![RecordError::from_serde(&e)])?;
    // The Value above kept the last of two equal keys; a pair's turns must not lose one silently.
    super::unique_keys::check(text).map_err(|e| vec![RecordError::from_serde(&e)])?;
    let Value::Object(obj) = &value else {
        return Err(vec![RecordError::new(format!(
            "expected a JSON object (one pair per line), found {}",
            json_kind(&value)
        ))]);
    };
    let mut errors = Vec::new();
    for k in obj.keys() {
        if !PAIR_KEYS.contains(&k.as_str()) {
            let did_you_mean =
                suggest(k, PAIR_KEYS).map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default();
            errors.push(RecordError::new(format!(
                "unknown key {k:?}{did_you_mean}; put extra fields under \"meta\" (typos must not vanish silently)"
            )));
        }
    }
    let id = match obj.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::String(_)) => {
            errors.push(RecordError::new("\"id\" is empty; leave it out to get a stable hashed id"));
            None
        }
        Some(v) => {
            errors.push(RecordError::new(format!("id: expected a string, found {}", json_kind(v))));
            None
        }
    };
    for key in ["prompt", "chosen", "rejected"] {
        match obj.get(key) {
            Some(v) => check_turns(key, v, &mut errors),
            None => errors.push(RecordError::new(format!(
                "missing {key:?} (a string or a list of {{\"role\", \"content\"}} messages)"
            ))),
        }
    }
    let images = match obj.get("images") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => {
            let mut images = Vec::new();
            for (i, v) in list.iter().enumerate() {
                match v {
                    Value::String(s) if !s.is_empty() => images.push(s.clone()),
                    v => errors.push(RecordError::new(format!(
                        "images[{i}]: expected a non-empty path or URL string, found {}",
                        json_kind(v)
                    ))),
                }
            }
            images
        }
        Some(v) => {
            errors.push(RecordError::new(format!(
                "images: expected a list of paths or URLs, found {}",
                json_kind(v)
            )));
            Vec::new()
        }
    };
    let item_id = match obj.get("item_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => {
            errors.push(RecordError::new(format!("item_id: expected a string, found {}", json_kind(v))));
            None
        }
    };
    let meta = match obj.get("meta") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(v) => {
            errors.push(RecordError::new(format!("meta: expected an object, found {}", json_kind(v))));
            Map::new()
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let id = id.unwrap_or_else(|| hashed_id(&value));
    let Value::Object(mut obj) = value else { unreachable!("checked to be an object above") };
    let mut take = |key: &str| {
        let mut v = obj.remove(key).expect("checked present above");
        normalize_turns(&mut v);
        v
    };
    Ok(Pair {
        id,
        prompt: take("prompt"),
        chosen: take("chosen"),
        rejected: take("rejected"),
        images,
        item_id,
        meta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(r: Result<Pair, Vec<RecordError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn standard_pair() {
        let p = parse_pair(
            r#"{"id": "p-0001", "prompt": "What time\tis it?", "chosen": "a", "rejected": "b", "images": ["images/clock.png"], "item_id": "casa/en/China_3", "meta": {"k": 1}}"#,
        )
        .unwrap();
        assert_eq!(p.id, "p-0001");
        assert_eq!(p.prompt, json!("What time   is it?"));
        assert_eq!(p.images, ["images/clock.png"]);
        assert_eq!(p.item_id.as_deref(), Some("casa/en/China_3"));
        assert_eq!(p.meta["k"], 1);
    }

    #[test]
    fn conversational_pair_with_image_parts() {
        let p = parse_pair(
            r#"{"prompt": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Is this a good gift?\r\n"}]}], "chosen": [{"role": "assistant", "content": "No."}], "rejected": [{"role": "assistant", "content": "Yes!"}]}"#,
        )
        .unwrap();
        assert!(p.id.starts_with("pair-") && p.id.len() == 21, "{}", p.id);
        assert_eq!(p.prompt[0]["content"][1]["text"], "Is this a good gift?\n");
        assert_eq!(p.chosen[0]["content"], "No.");
    }

    #[test]
    fn hashed_ids_are_stable_and_ignore_key_order() {
        let a = parse_pair(r#"{"prompt": "p", "chosen": "c", "rejected": "r"}"#).unwrap();
        let b = parse_pair(r#"{"rejected": "r", "chosen": "c", "prompt": "p"}"#).unwrap();
        let c = parse_pair(r#"{"prompt": "p", "chosen": "c", "rejected": "R"}"#).unwrap();
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, c.id);
        // Pinned: the id must not change between versions, or re-imports would duplicate pairs.
        let expected = {
            let d = Sha256::digest(br#"{"chosen":"c","prompt":"p","rejected":"r"}"#);
            format!("pair-{}", d.iter().take(8).map(|b| format!("{b:02x}")).collect::<String>())
        };
        assert_eq!(a.id, expected);
        assert_eq!(
            canonical_json(&json!({"b": [1, {"d": "é\"", "c": null}], "a": 1.5})),
            r#"{"a":1.5,"b":[1,{"c":null,"d":"é\""}]}"#
        );
    }

    #[test]
    fn bad_pairs() {
        let m = messages(parse_pair(r#"{"prompt": "p", "chosen": "c"}"#));
        assert_eq!(m, ["missing \"rejected\" (a string or a list of {\"role\", \"content\"} messages)"]);
        let m = messages(parse_pair(r#"{"prompt": "p", "chosen": 1, "rejected": [], "score": 3}"#));
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(m[0].contains("unknown key \"score\""), "{m:?}");
        assert!(m[1].starts_with("chosen: expected a string or a list"), "{m:?}");
        assert!(m[2].starts_with("rejected: an empty list"), "{m:?}");
        let m = messages(parse_pair(
            r#"{"prompt": [{"content": "x"}, "hi", {"role": "user", "content": [{"type": "text"}, {"text": "t"}]}], "chosen": "c", "rejected": "r"}"#,
        ));
        assert_eq!(
            m,
            [
                "prompt[0]: missing \"role\"",
                "prompt[1]: expected a {\"role\", \"content\"} message, found a string (\"hi\")",
                "prompt[2].content[0]: a \"text\" part needs a \"text\" string",
                "prompt[2].content[1]: missing \"type\" (\"text\" or \"image\")",
            ]
        );
        let m = messages(parse_pair(
            r#"{"id": 5, "prompt": "p", "chosen": "c", "rejected": "r", "images": "x.png"}"#,
        ));
        assert_eq!(
            m,
            [
                "id: expected a string, found a number (5)",
                "images: expected a list of paths or URLs, found a string (\"x.png\")"
            ]
        );
    }
}
