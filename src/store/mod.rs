//! The session: one SQLite file holding items, responses, pairs, the label schema, annotators,
//! the append-only label event log and the current labels derived from it.
//!
//! Durability is the point of this module: every label is committed (WAL, `synchronous=FULL`)
//! before `record` returns, so killing the program loses nothing that was shown as saved. Writes
//! take `BEGIN IMMEDIATE` so that several processes on one file queue on the busy timeout instead
//! of failing with "database is locked" half-way through a transaction.
//!
//! Current labels are a pure function of the event log: for each (annotator, task, field) the
//! event with the greatest (`at`, `uid`) wins. That makes merging sessions idempotent and
//! order-independent (insert the events you lack, rebuild), and makes undo/redo plain events.
//!
//! Every `Store` is one writer with its own random origin; its events' uids are
//! `{origin}-{counter}`, so uids never depend on clocks and copies of a session never share one.
//!
//! The parts: `open` (create, open, upgrade, connection settings), `tables_sql` (the tables and
//! their migrations), `events` (recording, undo/redo, the `current` table), `import` (writing
//! imported records), `judges` (several named judges per response), `reads` (items, pairs, annotators, labels, the log), `task_index` (every
//! task compactly), `readable` (the views readers trust), `read_only`, `merge*`, and `error`
//! (what can go wrong, [`StoreError`]).

pub mod error;
mod events;
mod hub_judges;
mod hub_outgoing;
mod hub_rows;
pub mod hub_sync;
mod import;
pub mod imports_version;
mod judges;
mod merge;
mod merge_events;
mod merge_judges;
mod merge_report;
mod merge_rows;
mod merge_source;
mod open;
mod read_only;
mod readable;
mod reads;
pub(crate) mod tables_sql;
mod task_index;
pub mod time;
mod writeback;

use crate::model::{TaskRef, Value};
use crate::schema::Schema;
use rusqlite::Connection;
use std::path::PathBuf;

pub use error::StoreError;
pub(crate) use events::{rebuild_current_in, rebuild_current_key_in};
pub use import::{Importer, ItemJson};
pub use judges::{DEFAULT_JUDGE, JudgeView, ResponseTextDiffers};
pub use merge::{JudgeCounts, MergeConflict, MergeReport, UidClash};
pub use open::new_origin;
pub use tables_sql::SCHEMA_VERSION;

pub use crate::labels::{TaskLabels, field};

/// How long a write waits for another process's write to finish before giving up (every
/// connection: read-write, read-only, the importer's).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// What an event does. Every event carries the field's resulting state (`value`, `text`), so
/// "latest event wins" gives the current state whatever the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Set,
    Undo,
    Redo,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Set => "set",
            EventKind::Undo => "undo",
            EventKind::Redo => "redo",
        }
    }
    fn parse(s: &str) -> EventKind {
        match s {
            "undo" => EventKind::Undo,
            "redo" => EventKind::Redo,
            _ => EventKind::Set,
        }
    }
}

/// A label (or task-level change) to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub annotator: String,
    pub task: TaskRef,
    /// A dimension name, `field::VERDICT`, or one of the `@` task-level fields.
    pub field: String,
    /// The new value (`None` clears it).
    pub value: Option<Value>,
    /// Free text: a note, a skip reason, reason tags, a pair's display order.
    pub text: Option<String>,
    /// Active seconds spent on this task so far.
    pub seconds: f64,
    /// Whether the judge's scores were visible when this was given (false in blind mode before
    /// the reveal), so the anchoring effect can be measured.
    pub judge_visible: bool,
}

#[cfg(test)]
impl NewEvent {
    /// For the unit tests' fixtures: `annotator`'s value `value` on `field` of model `model`'s
    /// response to `item_id`, given with the judge's scores in view, after a second.
    pub(crate) fn response_label(
        annotator: &str,
        item_id: &str,
        model: &str,
        field: &str,
        value: Value,
    ) -> NewEvent {
        NewEvent {
            annotator: annotator.into(),
            task: TaskRef::Response { item_id: item_id.into(), model: model.into() },
            field: field.into(),
            value: Some(value),
            text: None,
            seconds: 1.0,
            judge_visible: true,
        }
    }
}

/// One row of the event log.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelEvent {
    pub seq: i64,
    pub uid: String,
    pub at: String,
    pub annotator: String,
    pub task: TaskRef,
    pub field: String,
    pub kind: EventKind,
    pub value: Option<Value>,
    pub text: Option<String>,
    pub prev_value: Option<Value>,
    pub prev_text: Option<String>,
    pub ref_uid: Option<String>,
    pub seconds: f64,
    pub judge_visible: bool,
}

/// The current state of one (annotator, task, field).
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentLabel {
    pub annotator: String,
    pub task: TaskRef,
    pub field: String,
    pub value: Option<Value>,
    pub text: Option<String>,
    /// The last value given while the judge was hidden, if any.
    pub blind_value: Option<Value>,
    pub seconds: f64,
    pub at: String,
}

/// A shared, immutable string: the task index holds one copy of each item id, model, country,
/// language and domain, however many tasks name it.
pub type Shared = std::sync::Arc<str>;

/// A compact row per task, for the task list, filters and sampling (300,000 of these must load
/// fast and stay small).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInfo {
    pub task: TaskRef,
    pub item_id: Shared,
    /// The model for a response; empty for a pair.
    pub model: Shared,
    pub country: Option<Shared>,
    pub language: Option<Shared>,
    pub domain: Option<Shared>,
    /// The judge's value per schema dimension, in schema order (responses only).
    pub judge: Vec<Option<Value>>,
}

/// A response with what agreement and reports group by. The strings are shared with every
/// other response that names them (a million of these must fit in memory).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseInfo {
    pub item_id: Shared,
    pub model: Shared,
    pub country: Option<Shared>,
    pub language: Option<Shared>,
    pub domain: Option<Shared>,
    /// The judge's values: (dimension, value), in schema order, only where the judge gave one.
    pub judge: Vec<(Shared, Value)>,
}

impl ResponseInfo {
    /// The judge's value on dimension `name`, if any.
    pub fn judge_value(&self, name: &str) -> Option<Value> {
        self.judge.iter().find(|(d, _)| &**d == name).map(|(_, v)| *v)
    }

    /// The value of a grouping field (`--by`) for this response ("(none)" when its item has
    /// none).
    pub fn group_value(&self, by: crate::model::GroupBy) -> String {
        use crate::model::GroupBy;
        let v = match by {
            GroupBy::Model => Some(&self.model),
            GroupBy::Country => self.country.as_ref(),
            GroupBy::Language => self.language.as_ref(),
            GroupBy::Domain => self.domain.as_ref(),
        };
        v.filter(|s| !s.is_empty()).map_or_else(|| "(none)".to_string(), |s| s.to_string())
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub items: u64,
    pub responses: u64,
    pub pairs: u64,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub items_new: u64,
    pub items_updated: u64,
    pub responses: u64,
    pub pairs_new: u64,
    pub pairs_updated: u64,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    schema: Schema,
    /// This writer's origin: every event written through this `Store` carries it, and its uid
    /// is `{origin}-{counter}`.
    origin: String,
    clock: time::Clock,
    counter: u64,
}

pub(crate) fn task_columns(task: &TaskRef) -> (&'static str, &str, &str, &str) {
    match task {
        TaskRef::Response { item_id, model } => ("response", item_id, model, ""),
        TaskRef::Pair { pair_id } => ("pair", "", "", pair_id),
    }
}

pub(crate) fn task_from_columns(kind: &str, item_id: String, model: String, pair_id: String) -> TaskRef {
    if kind == "pair" { TaskRef::Pair { pair_id } } else { TaskRef::Response { item_id, model } }
}

/// An annotator name must be short and printable (it is shown in lists and used as a key).
pub fn check_annotator_name(name: &str) -> Result<(), StoreError> {
    let name_ok =
        !name.trim().is_empty() && name.len() <= 64 && !name.chars().any(|c| c.is_control() || c == '|');
    if name_ok { Ok(()) } else { Err(StoreError::AnnotatorName { name: name.to_string() }) }
}

#[cfg(test)]
mod tests;
