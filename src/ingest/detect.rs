//! `--format auto`: which format a file is in, from the keys of its first records.

use super::source::{ReadAhead, RecordReader};
use super::{Format, RecordError, cross, json_kind};
use serde_json::Value;
use std::io::BufRead;

/// Which format a record's keys say it is in.
pub(super) fn classify(obj: &serde_json::Map<String, Value>) -> Option<Format> {
    let has = |k: &str| obj.contains_key(k);
    let pair = has("chosen") && has("rejected");
    let cross = cross::CROSS_KEYS.iter().any(|k| has(k));
    // An item missing its id or its query is still an item (and gets that error).
    let item = has("id") || has("query");
    match (pair, cross, item) {
        // Pairs may have an id, never a query; CROSS records have a query, never an id.
        (true, false, _) if !has("query") => Some(Format::Pairs),
        (false, true, _) if !has("id") => Some(Format::Cross),
        (false, false, true) => Some(Format::Items),
        _ => None,
    }
}

/// Why `--format auto` could not tell a file's format; `shown` names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum DetectError {
    /// The first object's keys fit no format (`keys`: the first ones, escaped).
    #[error(
        "{shown}:{line}: cannot tell the format from this record's keys ({}): canonical items have \"id\" and \"query\", CROSS records \"index\", \"violated_norm\", \"file_name\"…, preference pairs \"prompt\", \"chosen\" and \"rejected\"; pass --format jsonl|cross|pairs",
        .keys.join(", ")
    )]
    UnknownKeys { shown: String, line: usize, keys: Vec<String> },
    /// None of the first records is an object: the first problem found, located.
    #[error(
        "{shown}:1: cannot tell the format: none of the first records is a JSON object ({first_problem}); fix the file or pass --format jsonl|cross|pairs"
    )]
    NoObject { shown: String, first_problem: String },
}

/// `--format auto`: looks at the first records that parse as JSON objects.
/// The records looked at are kept in `ahead`, for the main pass.
pub(super) fn detect<R: BufRead>(
    reader: &mut RecordReader<R>,
    shown: &str,
    ahead: &mut ReadAhead,
) -> Result<Format, DetectError> {
    const LOOK_AT: usize = 20;
    let mut first_problem = None;
    for _ in 0..LOOK_AT {
        let mut buf = Vec::new();
        let Some(next) = reader.next_record(&mut buf) else { break };
        ahead.push_back((next, buf));
        let (next, buf) = ahead.back().expect("just pushed");
        let line = match next {
            Ok(line) => *line,
            Err(e) => {
                first_problem.get_or_insert(format!("line {}: {}", e.line, e.message));
                continue;
            }
        };
        // Bad UTF-8 is reported by the main pass; the keys are still readable.
        let text = String::from_utf8_lossy(buf);
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(obj)) => {
                return classify(&obj).ok_or_else(|| {
                    // A key is the file's text: control characters are shown escaped.
                    let keys: Vec<String> =
                        obj.keys().take(12).map(|k| k.escape_debug().to_string()).collect();
                    DetectError::UnknownKeys { shown: shown.to_string(), line, keys }
                });
            }
            Ok(other) => {
                first_problem
                    .get_or_insert(format!("line {line}: a record is {}, not an object", json_kind(&other)));
            }
            Err(e) => {
                first_problem.get_or_insert(format!(
                    "line {}: {}",
                    line + e.line() - 1,
                    RecordError::from_serde(&e).message
                ));
            }
        }
    }
    Err(DetectError::NoObject {
        shown: shown.to_string(),
        first_problem: first_problem.unwrap_or_else(|| "no records".to_string()),
    })
}
