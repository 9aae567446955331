//! Errors and warnings of an import, and the messages the record parsers share: what was found
//! (`json_kind`), what was probably meant (`suggest`), and checks against the session's schema.

use crate::schema::Schema;
use serde_json::Value;

/// At most this many errors (and warnings) are kept for display; all are counted.
pub const MAX_SHOWN: usize = 50;

/// Errors and warnings, each already formatted with its location.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics {
    pub errors: Vec<String>,
    pub error_count: usize,
    pub warnings: Vec<String>,
    pub warning_count: usize,
}

impl Diagnostics {
    pub fn error(&mut self, msg: String) {
        self.error_count += 1;
        if self.errors.len() < MAX_SHOWN {
            self.errors.push(msg);
        }
    }

    /// Counts a warning; `msg` is only formatted while it would still be shown (a file whose
    /// 100,000 images are all missing must not format 100,000 messages).
    pub(super) fn warning(&mut self, msg: impl FnOnce() -> String) {
        self.warning_count += 1;
        if self.warnings.len() < MAX_SHOWN {
            self.warnings.push(msg());
        }
    }

    /// The warnings to print, each prefixed `warning: `, then how many were left out.
    pub fn warning_lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self.warnings.iter().map(|w| format!("warning: {w}")).collect();
        if self.warning_count > self.warnings.len() {
            out.push(format!("warning: … and {} more warnings", self.warning_count - self.warnings.len()));
        }
        out
    }

    /// The errors kept, then how many were left out, one per line.
    pub fn errors_text(&self) -> String {
        let mut out = self.errors.join("\n");
        if self.error_count > self.errors.len() {
            out.push_str(&format!("\n… and {} more errors", self.error_count - self.errors.len()));
        }
        out
    }

    /// The errors to print, then how many were left out, then `N errors; <outcome>`.
    pub fn error_lines(&self, outcome: &str) -> Vec<String> {
        let mut out = self.errors.clone();
        if self.error_count > self.errors.len() {
            out.push(format!("… and {} more errors", self.error_count - self.errors.len()));
        }
        let noun = if self.error_count == 1 { "error" } else { "errors" };
        out.push(format!("{} {noun}; {outcome}", self.error_count));
        out
    }
}

/// One problem in one record, located relative to the record's first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub message: String,
    /// Lines after the record's first line (multi-line records in a JSON array).
    pub line_offset: usize,
    pub column: Option<usize>,
    /// Reported once per file (a missing model name would otherwise repeat on every record).
    pub once_per_file: bool,
}

impl RecordError {
    pub fn new(message: impl Into<String>) -> RecordError {
        RecordError { message: message.into(), line_offset: 0, column: None, once_per_file: false }
    }

    pub fn once_per_file(message: impl Into<String>) -> RecordError {
        RecordError { once_per_file: true, ..RecordError::new(message) }
    }

    /// serde_json's error, with its position turned into our location fields.
    pub fn from_serde(e: &serde_json::Error) -> RecordError {
        let full = e.to_string();
        let bare = match full.rfind(" at line ") {
            Some(i) => &full[..i],
            None => full.as_str(),
        };
        let message = match e.classify() {
            serde_json::error::Category::Eof => {
                "invalid JSON: the record ends before it is complete (a missing '}', ']' or '\"'?)"
                    .to_string()
            }
            serde_json::error::Category::Syntax => format!("invalid JSON: {bare}"),
            _ => bare.to_string(),
        };
        RecordError {
            message,
            line_offset: e.line().saturating_sub(1),
            column: (e.column() > 0).then_some(e.column()),
            once_per_file: false,
        }
    }
}

/// "a string (\"yes\")", "a number (7)", "an array": what an error message says was found.
pub fn json_kind(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            let ellipsis = if short.len() < s.len() { "…" } else { "" };
            format!("a string ({short:?}{ellipsis})")
        }
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The known key closest to a misspelt one, when it is close enough to be a typo.
pub fn suggest(key: &str, known: &[&str]) -> Option<String> {
    let lower = key.to_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&lower, k), *k))
        .filter(|(d, k)| *d <= if k.len() <= 4 { 1 } else { 2 })
        .min()
        .map(|(_, k)| k.to_string())
}

/// Why a judge's score or rationale does not fit the session's schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("unknown dimension {dimension:?}; the session's dimensions are {}", .known.join(", "))]
    UnknownDimension { dimension: String, known: Vec<String> },
    /// `valid` describes the dimension's values.
    #[error("{value} is not a valid value of {dimension} (valid: {valid})")]
    InvalidValue { dimension: String, value: i64, valid: String },
}

/// A judge score must be a valid value of one of the session's dimensions.
pub fn check_judge_value(schema: &Schema, dimension: &str, value: i64) -> Result<(), ScoreError> {
    let Some(d) = schema.dimension(dimension) else {
        return Err(unknown_dimension(schema, dimension));
    };
    if d.is_valid(value) {
        Ok(())
    } else {
        Err(ScoreError::InvalidValue { dimension: dimension.to_string(), value, valid: d.describe_values() })
    }
}

/// A rationale must belong to one of the session's dimensions.
pub fn check_rationale_dimension(schema: &Schema, dimension: &str) -> Result<(), ScoreError> {
    match schema.dimension(dimension) {
        Some(_) => Ok(()),
        None => Err(unknown_dimension(schema, dimension)),
    }
}

fn unknown_dimension(schema: &Schema, dimension: &str) -> ScoreError {
    ScoreError::UnknownDimension { dimension: dimension.to_string(), known: schema.dimension_names() }
}
