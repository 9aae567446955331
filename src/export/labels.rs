//! `labels-jsonl` and `labels-csv`: every current label as recorded, one row each.
//!
//! A row is one annotator's value on one dimension of a response, or one annotator's verdict on a
//! pair. The task's note and skip reason are repeated on each of its rows; a task that was
//! skipped without any label gives one row with an empty `dimension` and `value`, so that skips
//! are exported too.

use super::{ExportData, FastHash};
use crate::model::{TaskRef, Value, Verdict};
use crate::store::{CurrentLabel, field};
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use std::io::Write;

pub const COLUMNS: [&str; 11] = [
    "item_id",
    "model",
    "pair_id",
    "annotator",
    "dimension",
    "value",
    "judge",
    "note",
    "skipped_reason",
    "seconds",
    "labelled_at",
];

#[derive(Debug, Clone, PartialEq)]
pub struct LabelRow<'a> {
    pub item_id: Option<&'a str>,
    pub model: Option<&'a str>,
    pub pair_id: Option<&'a str>,
    pub annotator: &'a str,
    /// A dimension, `verdict`, or `None` on the row of a task skipped without labels.
    pub dimension: Option<&'a str>,
    /// The value (a verdict as its name).
    pub value: Option<LabelValue>,
    pub judge: Option<Value>,
    /// Every judge's value, when the session has several judges (else empty).
    pub judges: Vec<(&'a str, Option<Value>)>,
    pub note: Option<&'a str>,
    pub skipped_reason: Option<&'a str>,
    pub seconds: f64,
    pub labelled_at: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LabelValue {
    Number(Value),
    Verdict(Verdict),
}

impl LabelValue {
    fn to_json(self) -> Json {
        match self {
            LabelValue::Number(n) => json!(n),
            LabelValue::Verdict(v) => json!(v.as_str()),
        }
    }
    fn to_text(self) -> String {
        match self {
            LabelValue::Number(n) => n.to_string(),
            LabelValue::Verdict(v) => v.as_str().to_string(),
        }
    }
}

/// Active seconds with a tenth of a second's precision: finer is noise, and it keeps rows short.
fn tenths(s: f64) -> f64 {
    (s * 10.0).round() / 10.0
}

impl LabelRow<'_> {
    pub fn to_json(&self) -> Json {
        let mut row = json!({
            "item_id": self.item_id,
            "model": self.model,
            "pair_id": self.pair_id,
            "annotator": self.annotator,
            "dimension": self.dimension,
            "value": self.value.map(LabelValue::to_json),
            "judge": self.judge,
            "note": self.note,
            "skipped_reason": self.skipped_reason,
            "seconds": tenths(self.seconds),
            "labelled_at": self.labelled_at,
        });
        if !self.judges.is_empty() {
            row["judges"] = super::judges::to_json(&self.judges);
        }
        row
    }

    /// The CSV cells, in `COLUMNS` order; a missing value is an empty cell. Text cells (ids,
    /// names, notes) are made spreadsheet-safe (see [`spreadsheet_safe`]); the value, judge,
    /// seconds and time columns are numbers, verdict names or timestamps written by crossreview
    /// and are kept as they are, so that a negative score stays a number.
    /// The `judge.NAME` cells of several judges come last.
    pub fn to_cells(&self) -> Vec<String> {
        let s = |o: Option<&str>| spreadsheet_safe(o.unwrap_or("")).into_owned();
        let mut cells = vec![
            s(self.item_id),
            s(self.model),
            s(self.pair_id),
            s(Some(self.annotator)),
            s(self.dimension),
            self.value.map(LabelValue::to_text).unwrap_or_default(),
            self.judge.map(|j| j.to_string()).unwrap_or_default(),
            s(self.note),
            s(self.skipped_reason),
            tenths(self.seconds).to_string(),
            self.labelled_at.to_string(),
        ];
        cells.extend(self.judges.iter().map(|(_, v)| v.map(|v| v.to_string()).unwrap_or_default()));
        cells
    }
}

/// One annotator's rows on one task, gathered before they are ordered.
#[derive(Default)]
struct TaskRows<'a> {
    labels: Vec<&'a CurrentLabel>,
    skip: Option<&'a CurrentLabel>,
    note: Option<&'a str>,
    seconds: f64,
}

/// Calls `emit` with every label row, in session order.
pub fn label_rows<'a>(
    data: &'a ExportData,
    emit: &mut dyn FnMut(LabelRow<'a>) -> Result<(), super::ExportError>,
) -> Result<super::ExportSummary, super::ExportError> {
    // Session order of tasks: responses in import order, then pairs.
    let mut rank: HashMap<TaskRef, usize, FastHash> =
        HashMap::with_capacity_and_hasher(data.responses.len() + data.pairs.len(), FastHash::default());
    let mut judge: HashMap<(&str, &str), (usize, &crate::store::ResponseInfo)> = HashMap::new();
    for (i, r) in data.responses.iter().enumerate() {
        rank.insert(TaskRef::Response { item_id: r.item_id.to_string(), model: r.model.to_string() }, i);
        judge.insert((&*r.item_id, &*r.model), (i, r));
    }
    let mut pair_item: HashMap<&str, Option<&str>> = HashMap::new();
    for (j, p) in data.pairs.iter().enumerate() {
        rank.insert(TaskRef::Pair { pair_id: p.id.clone() }, data.responses.len() + j);
        pair_item.insert(&p.id, p.item_id.as_deref());
    }
    let dim_rank: HashMap<&str, usize> =
        data.schema.dimensions.iter().enumerate().map(|(i, d)| (d.name.as_str(), i)).collect();

    let mut tasks: HashMap<(&TaskRef, &str), TaskRows, FastHash> = HashMap::default();
    for c in &data.current {
        let t = tasks.entry((&c.task, &c.annotator)).or_default();
        t.seconds = t.seconds.max(c.seconds);
        match c.field.as_str() {
            field::SKIP => t.skip = c.text.as_deref().filter(|s| !s.is_empty()).map(|_| c),
            field::NOTE => t.note = c.text.as_deref().filter(|s| !s.is_empty()),
            f if f.starts_with('@') => {}
            _ if c.value.is_some() => t.labels.push(c),
            _ => {}
        }
    }
    // Tasks no longer in the session (labels kept after a re-import dropped them) come last.
    // The rank is looked up once per task, not in every comparison.
    let mut keyed: Vec<(usize, &TaskRef, &str)> =
        tasks.keys().map(|(t, a)| (rank.get(*t).copied().unwrap_or(usize::MAX), *t, *a)).collect();
    keyed.sort_unstable();
    let keys = keyed.into_iter().map(|(_, t, a)| (t, a));
    let field_rank = |f: &str| -> (usize, String) {
        match dim_rank.get(f) {
            Some(i) => (*i, String::new()),
            None if f == field::VERDICT => (usize::MAX - 1, String::new()),
            None => (usize::MAX, f.to_string()),
        }
    };
    let mut summary = super::ExportSummary::default();
    for key in keys {
        let t = tasks.remove(&key).expect("key from the map");
        let (task, annotator) = key;
        let (item_id, model, pair_id) = match task {
            TaskRef::Response { item_id, model } => (Some(item_id.as_str()), Some(model.as_str()), None),
            TaskRef::Pair { pair_id } => {
                (pair_item.get(pair_id.as_str()).copied().flatten(), None, Some(pair_id.as_str()))
            }
        };
        let skipped_reason = t.skip.and_then(|s| s.text.as_deref());
        let mut labels = t.labels;
        labels.sort_by_cached_key(|c| field_rank(&c.field));
        for c in &labels {
            let value = c.value.expect("labels have values");
            let value = if c.field == field::VERDICT {
                match Verdict::from_code(value) {
                    Some(v) => LabelValue::Verdict(v),
                    None => LabelValue::Number(value),
                }
            } else {
                LabelValue::Number(value)
            };
            let response = item_id.zip(model).and_then(|key| judge.get(&key));
            let judge_value = response.and_then(|(_, r)| r.judge_value(&c.field));
            emit(LabelRow {
                item_id,
                model,
                pair_id,
                annotator,
                dimension: Some(&c.field),
                value: Some(value),
                judge: judge_value,
                judges: data.judges.of(response.map(|(p, _)| *p), Some(&c.field)),
                note: t.note,
                skipped_reason,
                seconds: t.seconds,
                labelled_at: &c.at,
            })?;
            summary.rows += 1;
        }
        if labels.is_empty()
            && let Some(skip) = t.skip
        {
            emit(LabelRow {
                item_id,
                model,
                pair_id,
                annotator,
                dimension: None,
                value: None,
                judge: None,
                judges: data.judges.of(None, None),
                note: t.note,
                skipped_reason,
                seconds: t.seconds,
                labelled_at: &skip.at,
            })?;
            summary.rows += 1;
        }
    }
    Ok(summary)
}

/// A text cell that a spreadsheet program would run as a formula (`=`, `+`, `-`, `@`, a tab or
/// a carriage return first: "CSV injection") gets a `'` in front, as OWASP recommends; the
/// spreadsheet then shows it as text. Anything else is unchanged.
pub fn spreadsheet_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break.
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

fn write_csv_line(out: &mut dyn Write, cells: &[String]) -> std::io::Result<()> {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(csv_cell(c).as_bytes())?;
    }
    // CRLF, as RFC 4180 says and spreadsheet programs expect.
    out.write_all(b"\r\n")
}

/// `labels-csv`: a header row, then every label row.
pub fn write_csv(data: &ExportData, out: &mut dyn Write) -> Result<super::ExportSummary, super::ExportError> {
    let mut header: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    header.extend(data.judges.names.iter().map(|n| format!("judge.{n}")));
    write_csv_line(out, &header)?;
    label_rows(data, &mut |row| Ok(write_csv_line(out, &row.to_cells())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn formula_cells_are_neutralised_in_text_columns_only() {
        for f in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_safe(f), format!("'{f}"));
        }
        assert_eq!(spreadsheet_safe("plain = text"), "plain = text");
        let row = LabelRow {
            item_id: Some("=1+1"),
            model: Some("-m"),
            pair_id: None,
            annotator: "@ann",
            dimension: Some("awareness"),
            value: Some(LabelValue::Number(-1)),
            judge: Some(-2),
            judges: Vec::new(),
            note: Some("+note"),
            skipped_reason: Some("=cmd"),
            seconds: 1.0,
            labelled_at: "2026-01-01T00:00:00Z",
        };
        let cells = row.to_cells();
        assert_eq!(&cells[..5], ["'=1+1", "'-m", "", "'@ann", "awareness"]);
        assert_eq!((cells[5].as_str(), cells[6].as_str()), ("-1", "-2"), "numbers stay numbers");
        assert_eq!((cells[7].as_str(), cells[8].as_str()), ("'+note", "'=cmd"));
    }
}
