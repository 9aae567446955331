//! Reading the rows of a session being merged, which is untrusted: every cell is checked by the
//! rules imports and labelling follow (types, JSON, the schema's values, the timestamp range,
//! the 64 MiB record limit) before anything is written. A failed check is a sentence naming
//! the column and what is wrong with it.

use super::{field, time};
use crate::ingest::source::MAX_RECORD_BYTES;
use crate::model::{Rationale, Value, Verdict};
use crate::schema::Schema;
use rusqlite::Row;
use rusqlite::types::ValueRef;
use std::collections::BTreeMap;

pub const ITEM_SQL: &str = "SELECT seq, id, image, query, query_en, language, country, domain, norm, meta, imported_at FROM main.items ORDER BY seq";
pub const RESPONSE_SQL: &str =
    "SELECT seq, item_id, model, text, judge, judge_rationale FROM main.responses ORDER BY seq";
pub const JUDGE_SQL: &str = "SELECT seq, name FROM main.judges ORDER BY seq";
pub const PAIR_SQL: &str = "SELECT seq, id, item_id, prompt, chosen, rejected, images, meta, imported_at FROM main.pairs ORDER BY seq";
/// `annotators` and `events`: the last column (`role`, `origin`) only exists in later formats.
pub fn annotator_sql(has_role: bool) -> String {
    format!(
        "SELECT name, created_at, languages, {} FROM main.annotators ORDER BY name",
        if has_role { "role" } else { "'annotator'" }
    )
}
pub fn event_sql(has_origin: bool) -> String {
    format!(
        "SELECT seq, uid, at, annotator, task_kind, item_id, model, pair_id, field, kind, value, text,
                prev_value, prev_text, ref_uid, seconds, judge_visible, {} FROM main.events ORDER BY at, uid",
        if has_origin { "origin" } else { "''" }
    )
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemRow {
    pub id: String,
    pub image: Option<String>,
    pub query: String,
    pub query_en: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
    pub domain: Option<String>,
    pub norm: Option<String>,
    pub meta: String,
    pub imported_at: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResponseRow {
    pub item_id: String,
    pub model: String,
    pub text: String,
    pub judge: String,
    pub judge_rationale: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PairRow {
    pub id: String,
    pub item_id: Option<String>,
    pub prompt: String,
    pub chosen: String,
    pub rejected: String,
    pub images: String,
    pub meta: String,
    pub imported_at: String,
}

/// A named judge of the source (`judges`), in the source's order.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeRow {
    pub seq: i64,
    pub name: String,
}

/// One judge's scores and rationales of one response (`response_judges`).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseJudgeRow {
    pub judge: String,
    pub item_id: String,
    pub model: String,
    pub scores: String,
    pub rationale: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnnotatorRow {
    pub name: String,
    pub created_at: String,
    pub languages: String,
    pub role: String,
}

/// An event as stored, checked. Its content (everything but `seq`) is what two copies of one
/// uid are compared on.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub uid: String,
    pub at: String,
    pub annotator: String,
    pub task_kind: String,
    pub item_id: String,
    pub model: String,
    pub pair_id: String,
    pub field: String,
    pub kind: String,
    pub value: Option<Value>,
    pub text: Option<String>,
    pub prev_value: Option<Value>,
    pub prev_text: Option<String>,
    pub ref_uid: Option<String>,
    pub seconds: f64,
    pub judge_visible: i64,
    pub origin: String,
}

/// How a cell is shown in a message: its type and the start of its content.
pub fn describe(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "empty (NULL)".into(),
        ValueRef::Integer(i) => format!("the whole number {i}"),
        ValueRef::Real(f) => format!("the number {f}"),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            let short: String = s.chars().take(40).collect();
            let more = if short.len() < s.len() { "…" } else { "" };
            format!("the text {short:?}{more}")
        }
        ValueRef::Blob(b) => format!("binary data (a BLOB of {} bytes)", b.len()),
    }
}

/// The cells of one row, read by column index; counts the text read so that a row over the
/// record limit is refused.
struct Cells<'a, 'r> {
    row: &'a Row<'r>,
    names: &'static [&'static str],
    bytes: usize,
}

impl<'a> Cells<'a, '_> {
    fn cell(&self, i: usize) -> Result<ValueRef<'a>, String> {
        self.row.get_ref(i).map_err(|e| format!("{}: cannot be read ({e})", self.names[i]))
    }

    fn wrong(&self, i: usize, v: ValueRef<'_>, expected: &str) -> String {
        format!("{} is {}, expected {expected}", self.names[i], describe(v))
    }

    fn opt_text(&mut self, i: usize) -> Result<Option<String>, String> {
        let v = self.cell(i)?;
        match v {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) => {
                self.bytes += t.len();
                if t.len() > MAX_RECORD_BYTES || self.bytes > MAX_RECORD_BYTES {
                    return Err(format!(
                        "{} holds more than {} MiB of text, the limit for any record entering a session",
                        self.names[i],
                        MAX_RECORD_BYTES >> 20
                    ));
                }
                let s = std::str::from_utf8(t)
                    .map_err(|_| format!("{} is text that is not valid UTF-8", self.names[i]))?;
                Ok(Some(s.to_string()))
            }
            other => Err(self.wrong(i, other, "text")),
        }
    }

    fn text(&mut self, i: usize) -> Result<String, String> {
        let v = self.cell(i)?;
        if matches!(v, ValueRef::Null) {
            return Err(self.wrong(i, v, "text"));
        }
        Ok(self.opt_text(i)?.expect("not null"))
    }

    fn name(&mut self, i: usize) -> Result<String, String> {
        let s = self.text(i)?;
        if s.trim().is_empty() || s.len() > 256 || s.chars().any(char::is_control) {
            return Err(format!(
                "{} is {s:?}, expected a short name without control characters",
                self.names[i]
            ));
        }
        Ok(s)
    }

    /// An item id, model name or pair id: any non-empty text, as imports accept (they are
    /// sanitized when shown).
    fn key(&mut self, i: usize) -> Result<String, String> {
        let s = self.text(i)?;
        if s.is_empty() {
            return Err(format!("{} is empty, expected an id", self.names[i]));
        }
        Ok(s)
    }

    fn opt_int(&self, i: usize) -> Result<Option<i64>, String> {
        match self.cell(i)? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(n) => Ok(Some(n)),
            other => Err(self.wrong(i, other, "a whole number or nothing")),
        }
    }

    fn timestamp(&mut self, i: usize) -> Result<String, String> {
        let s = self.text(i)?;
        time::check_sane(&s).map_err(|e| format!("{}: {e}", self.names[i]))?;
        Ok(s)
    }

    /// Text holding JSON that deserializes as `T`.
    fn json<T: serde::de::DeserializeOwned>(&mut self, i: usize, what: &str) -> Result<(String, T), String> {
        let s = self.text(i)?;
        let parsed = serde_json::from_str::<T>(&s).map_err(|e| {
            format!("{} is not {what} ({e}): {}", self.names[i], describe(ValueRef::Text(s.as_bytes())))
        })?;
        Ok((s, parsed))
    }
}

type JsonMap = serde_json::Map<String, serde_json::Value>;

pub fn item(row: &Row<'_>) -> Result<ItemRow, String> {
    const N: &[&str] = &[
        "seq",
        "id",
        "image",
        "query",
        "query_en",
        "language",
        "country",
        "domain",
        "norm",
        "meta",
        "imported_at",
    ];
    let mut c = Cells { row, names: N, bytes: 0 };
    Ok(ItemRow {
        id: c.key(1)?,
        image: c.opt_text(2)?,
        query: c.text(3)?,
        query_en: c.opt_text(4)?,
        language: c.opt_text(5)?,
        country: c.opt_text(6)?,
        domain: c.opt_text(7)?,
        norm: c.opt_text(8)?,
        meta: c.json::<JsonMap>(9, "a JSON object")?.0,
        imported_at: c.timestamp(10)?,
    })
}

pub fn response(row: &Row<'_>, schema: &Schema) -> Result<ResponseRow, String> {
    const N: &[&str] = &["seq", "item_id", "model", "text", "judge", "judge_rationale"];
    let mut c = Cells { row, names: N, bytes: 0 };
    let item_id = c.key(1)?;
    let model = c.key(2)?;
    let text = c.text(3)?;
    let (judge, scores) = c.json::<BTreeMap<String, Value>>(4, "a JSON object of whole-number scores")?;
    check_scores("judge", &scores, schema)?;
    let judge_rationale = c.json::<BTreeMap<String, Rationale>>(5, RATIONALES)?.0;
    Ok(ResponseRow { item_id, model, text, judge, judge_rationale })
}

pub fn pair(row: &Row<'_>) -> Result<PairRow, String> {
    const N: &[&str] =
        &["seq", "id", "item_id", "prompt", "chosen", "rejected", "images", "meta", "imported_at"];
    let mut c = Cells { row, names: N, bytes: 0 };
    Ok(PairRow {
        id: c.key(1)?,
        item_id: c.opt_text(2)?,
        prompt: c.json::<serde_json::Value>(3, "JSON")?.0,
        chosen: c.json::<serde_json::Value>(4, "JSON")?.0,
        rejected: c.json::<serde_json::Value>(5, "JSON")?.0,
        images: c.json::<Vec<String>>(6, "a JSON list of texts")?.0,
        meta: c.json::<JsonMap>(7, "a JSON object")?.0,
        imported_at: c.timestamp(8)?,
    })
}

pub fn annotator(row: &Row<'_>) -> Result<AnnotatorRow, String> {
    const N: &[&str] = &["name", "created_at", "languages", "role"];
    let mut c = Cells { row, names: N, bytes: 0 };
    let name = c.name(0)?;
    if name.len() > 64 || name.contains('|') {
        return Err(format!("name is {name:?}, expected a short name without '|'"));
    }
    let created_at = c.text(1)?;
    let languages = c.text(2)?;
    let role = c.text(3)?;
    if role != "annotator" && role != "adjudicator" {
        return Err(format!("role is {role:?}, expected \"annotator\" or \"adjudicator\""));
    }
    Ok(AnnotatorRow { name, created_at, languages, role })
}

/// Checks that `v` is a value the field can hold.
fn check_value(schema: &Schema, field_name: &str, column: &str, v: Option<Value>) -> Result<(), String> {
    let Some(v) = v else { return Ok(()) };
    let ok = match field_name {
        field::VERDICT => Verdict::from_code(v).is_some(),
        f if f.starts_with('@') => v == 0 || v == 1,
        dim => schema.dimension(dim).is_some_and(|d| d.is_valid(v)),
    };
    if ok {
        return Ok(());
    }
    let valid = match schema.dimension(field_name) {
        Some(d) => d.describe_values(),
        None if field_name == field::VERDICT => "a verdict code".into(),
        None => "0, 1".into(),
    };
    Err(format!("{column} is {v}, not a value of {field_name} ({valid})"))
}

/// An event row, checked on its own (whether its task exists is the caller's question).
pub fn event(row: &Row<'_>, schema: &Schema) -> Result<EventRow, String> {
    const N: &[&str] = &[
        "seq",
        "uid",
        "at",
        "annotator",
        "task_kind",
        "item_id",
        "model",
        "pair_id",
        "field",
        "kind",
        "value",
        "text",
        "prev_value",
        "prev_text",
        "ref_uid",
        "seconds",
        "judge_visible",
        "origin",
    ];
    let mut c = Cells { row, names: N, bytes: 0 };
    let uid = c.name(1)?;
    let at = c.timestamp(2)?;
    let annotator = c.name(3)?;
    let task_kind = c.text(4)?;
    let item_id = c.text(5)?;
    let model = c.text(6)?;
    let pair_id = c.text(7)?;
    match task_kind.as_str() {
        "response" if !item_id.is_empty() && !model.is_empty() && pair_id.is_empty() => {}
        "pair" if !pair_id.is_empty() && item_id.is_empty() && model.is_empty() => {}
        _ => {
            return Err(format!(
                "task_kind {task_kind:?} with item_id {item_id:?}, model {model:?}, pair_id {pair_id:?} names no task (a response has an item and a model, a pair a pair id)"
            ));
        }
    }
    let field_name = c.text(8)?;
    let known_field = match field_name.as_str() {
        field::VERDICT => task_kind == "pair",
        field::SKIP | field::FLAG | field::NOTE | field::REVEAL | field::ORDER | field::TAGS => true,
        dim => schema.dimension(dim).is_some(),
    };
    if !known_field {
        return Err(format!(
            "field {field_name:?} is not a dimension of the schema nor a field of a {task_kind}"
        ));
    }
    let kind = c.text(9)?;
    if !["set", "undo", "redo"].contains(&kind.as_str()) {
        return Err(format!("kind is {kind:?}, expected set, undo or redo"));
    }
    let value = c.opt_int(10)?;
    check_value(schema, &field_name, "value", value)?;
    let text = c.opt_text(11)?;
    let prev_value = c.opt_int(12)?;
    check_value(schema, &field_name, "prev_value", prev_value)?;
    let prev_text = c.opt_text(13)?;
    let ref_uid = c.opt_text(14)?;
    let seconds = match c.cell(15)? {
        ValueRef::Integer(n) => n as f64,
        ValueRef::Real(f) => f,
        other => return Err(c.wrong(15, other, "a number of seconds")),
    };
    if !(0.0..=1e9).contains(&seconds) {
        return Err(format!("seconds is {seconds}, expected a number of seconds from 0 to 1e9"));
    }
    let judge_visible = match c.opt_int(16)? {
        Some(v @ (0 | 1)) => v,
        _ => return Err(c.wrong(16, c.cell(16)?, "0 or 1")),
    };
    let origin = c.text(17)?;
    if origin.len() > 64 {
        return Err(format!("origin is {} bytes long, expected a short writer id", origin.len()));
    }
    Ok(EventRow {
        uid,
        at,
        annotator,
        task_kind,
        item_id,
        model,
        pair_id,
        field: field_name,
        kind,
        value,
        text,
        prev_value,
        prev_text,
        ref_uid,
        seconds,
        judge_visible,
        origin,
    })
}

/// What a rationale column holds: each dimension's text, or an object keeping the judge's own
/// dimension and score (docs/session-database.md).
const RATIONALES: &str =
    "a JSON object of rationales (texts, or {\"text\", \"judge_dimension\", \"judge_score\"} objects)";

/// Checks judge scores as stored (`responses.judge`, `response_judges.scores`): whole numbers of
/// the schema's dimensions, each one of its values.
fn check_scores(column: &str, scores: &BTreeMap<String, Value>, schema: &Schema) -> Result<(), String> {
    for (dim, v) in scores {
        let d =
            schema.dimension(dim).ok_or_else(|| format!("{column} scores the unknown dimension {dim:?}"))?;
        if !d.is_valid(*v) {
            return Err(format!("{column} gives {dim} the value {v}, not one of {}", d.describe_values()));
        }
    }
    Ok(())
}

pub fn judge(row: &Row<'_>) -> Result<JudgeRow, String> {
    const N: &[&str] = &["seq", "name"];
    let mut c = Cells { row, names: N, bytes: 0 };
    let seq = match c.cell(0)? {
        ValueRef::Integer(n) => n,
        other => return Err(c.wrong(0, other, "a whole number")),
    };
    let name = c.name(1)?;
    Ok(JudgeRow { seq, name })
}

/// A judge's scores of a response, checked on their own (whether the judge and the response
/// are in the source is the caller's question).
pub fn response_judge(row: &Row<'_>, schema: &Schema) -> Result<ResponseJudgeRow, String> {
    const N: &[&str] = &["judge", "item_id", "model", "scores", "rationale"];
    let mut c = Cells { row, names: N, bytes: 0 };
    let judge = c.name(0)?;
    let item_id = c.key(1)?;
    let model = c.key(2)?;
    let (scores, parsed) = c.json::<BTreeMap<String, Value>>(3, "a JSON object of whole-number scores")?;
    check_scores("scores", &parsed, schema)?;
    let rationale = c.json::<BTreeMap<String, Rationale>>(4, RATIONALES)?.0;
    Ok(ResponseJudgeRow { judge, item_id, model, scores, rationale })
}
