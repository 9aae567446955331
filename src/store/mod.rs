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

pub mod hub_sync;
mod merge;
mod merge_rows;
mod merge_source;
mod read_only;
mod readable;
pub(crate) mod schema_sql;
mod search;
pub mod time;

use crate::error::CliError;
use crate::model::{Item, Pair, Response, TaskRef, Value};
use crate::schema::Schema;
use anyhow::Context;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use merge::{MergeConflict, MergeReport, UidClash};
pub use schema_sql::SCHEMA_VERSION;

/// Task-level fields share the event log with dimension labels; the `@` prefix cannot clash
/// with a dimension name (schema validation allows only letters, digits, `_` and `-`).
pub mod field {
    pub const VERDICT: &str = "verdict";
    pub const SKIP: &str = "@skip";
    pub const FLAG: &str = "@flag";
    pub const NOTE: &str = "@note";
    pub const REVEAL: &str = "@reveal";
    /// Pairs: which side the chosen response was shown on ("chosen_left" / "chosen_right").
    pub const ORDER: &str = "@order";
    /// Pairs: reason tags, comma-separated.
    pub const TAGS: &str = "@tags";
}

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

/// Everything one annotator has said about one task.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskLabels {
    /// dimension (or "verdict") -> value
    pub values: BTreeMap<String, Value>,
    pub skipped: Option<String>,
    pub flagged: bool,
    pub note: Option<String>,
    pub revealed: bool,
    /// Pairs: "chosen_left" or "chosen_right" once shown.
    pub order: Option<String>,
    pub tags: Option<String>,
    pub seconds: f64,
}

impl TaskLabels {
    fn apply(&mut self, field: &str, value: Option<Value>, text: Option<String>, seconds: f64) {
        self.seconds = self.seconds.max(seconds);
        match field {
            field::SKIP => self.skipped = text,
            field::FLAG => self.flagged = value == Some(1),
            field::NOTE => self.note = text.filter(|t| !t.is_empty()),
            field::REVEAL => self.revealed = value == Some(1),
            field::ORDER => self.order = text,
            field::TAGS => self.tags = text.filter(|t| !t.is_empty()),
            dim => match value {
                Some(v) => {
                    self.values.insert(dim.to_string(), v);
                }
                None => {
                    self.values.remove(dim);
                }
            },
        }
    }
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

/// How long a write waits for another process's write to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens the connection with the settings every session uses.
fn connect(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn looks_like_sqlite(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut head = [0u8; 16];
    let n = f.read(&mut head)?;
    Ok(n == 0 || (n == 16 && &head == b"SQLite format 3\0"))
}

/// `n_bytes` random bytes as hex, from the operating system's random source (falling back to
/// the clock, the process id and a stack address, whitened, where there is none): writer
/// origins must differ between annotators' machines and between processes on one machine.
fn random_hex(n_bytes: usize) -> String {
    use std::io::Read;
    let mut bytes = vec![0u8; n_bytes];
    let from_os = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).is_ok();
    if !from_os {
        let seed = (time::now_micros() as u64)
            ^ ((std::process::id() as u64) << 32)
            ^ (&n_bytes as *const usize as u64);
        let mut rng = crate::rng::SplitMix64::new(seed);
        for chunk in bytes.chunks_mut(8) {
            let r = rng.next_u64().to_le_bytes();
            chunk.copy_from_slice(&r[..chunk.len()]);
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new writer origin: 128 random bits as 32 hex digits.
pub fn new_origin() -> String {
    random_hex(16)
}

impl Store {
    /// Creates a new, empty session. Refuses to replace an existing file unless `force`.
    pub fn create(path: &Path, schema: &Schema, force: bool) -> Result<Store, CliError> {
        let shown = path.display();
        if path.exists() {
            if !force {
                return Err(CliError::data(format!(
                    "{shown}: a file already exists here; pass --force to replace it, or choose another name"
                )));
            }
            if path.is_dir() {
                return Err(CliError::data(format!("{shown}: is a folder, not a session file")));
            }
            for suffix in ["", "-wal", "-shm"] {
                let p = PathBuf::from(format!("{}{suffix}", path.display()));
                if p.exists() {
                    std::fs::remove_file(&p)
                        .map_err(|e| CliError::data(format!("{}: cannot replace it: {e}", p.display())))?;
                }
            }
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                CliError::data(format!("{}: cannot create the folder: {e}", parent.display()))
            })?;
        }
        // Build the session under a temporary name and rename it into place, so that a failed
        // or interrupted `init` leaves no half-made session behind.
        let tmp = path.with_file_name(format!(
            ".{}.init-{}",
            path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            std::process::id()
        ));
        let result = (|| -> anyhow::Result<()> {
            let conn = Connection::open(&tmp)?;
            conn.pragma_update(None, "journal_mode", "DELETE")?;
            let tx = conn.unchecked_transaction()?;
            schema_sql::migrate(&tx, 0)?;
            let schema_json = serde_json::to_string(schema)?;
            let now = time::format_micros(time::now_micros());
            for (k, v) in [
                ("format", "crossreview-session"),
                ("schema", schema_json.as_str()),
                ("session_id", random_hex(8).as_str()),
                ("created_at", now.as_str()),
                ("created_by", concat!("crossreview ", env!("CARGO_PKG_VERSION"))),
                ("overlap", "1"),
            ] {
                tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", params![k, v])?;
            }
            tx.commit()?;
            conn.close().map_err(|(_, e)| e)?;
            std::fs::rename(&tmp, path)?;
            Ok(())
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(CliError::data(format!("{shown}: cannot create the session: {e:#}")));
        }
        Store::open(path)
    }

    /// Opens an existing session, upgrading an older one in place. A session this process cannot
    /// write (its file or folder is read-only) is opened read-only, and a write then fails
    /// saying so.
    pub fn open(path: &Path) -> Result<Store, CliError> {
        Store::open_mode(path, false)
    }

    /// Opens an existing session only to read it (see `read_only`): for commands that never
    /// write. An older session is upgraded first when it can be written.
    pub fn open_read_only(path: &Path) -> Result<Store, CliError> {
        Store::open_mode(path, true)
    }

    fn open_mode(path: &Path, read_only: bool) -> Result<Store, CliError> {
        let shown = path.display();
        match std::fs::metadata(path) {
            Err(_) => {
                return Err(CliError::data(format!(
                    "{shown}: no such session; create it with `crossreview init {shown}`"
                )));
            }
            Ok(m) if !m.is_file() => {
                return Err(CliError::data(format!("{shown}: is not a file, so not a session")));
            }
            Ok(_) => {}
        }
        let not_a_session = || {
            CliError::data(format!(
                "{shown}: not a crossreview session (the file is not an SQLite database made by crossreview init)"
            ))
        };
        if !looks_like_sqlite(path).map_err(|e| CliError::data(format!("{shown}: {e}")))? {
            return Err(not_a_session());
        }
        let writable = read_only::writable(path);
        let conn = if read_only || !writable {
            read_only::connect_for(path)
        } else {
            connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        }
        .map_err(|e| CliError::data(format!("{shown}: cannot open the session: {e}")))?;
        let version: i64 =
            conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|_| not_a_session())?;
        let format: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| r.get(0))
            .optional()
            .unwrap_or(None);
        if format.as_deref() != Some("crossreview-session") {
            return Err(not_a_session());
        }
        if version > SCHEMA_VERSION {
            return Err(CliError::data(format!(
                "{shown}: this session was written by a newer crossreview (session format {version}, this program knows up to {SCHEMA_VERSION}); upgrade crossreview"
            )));
        }
        if version < SCHEMA_VERSION && (read_only || !writable) {
            if writable {
                drop(conn);
                return Store::open_mode(path, false);
            }
            return Err(CliError::data(format!(
                "{shown}: this session was made by an older crossreview and must be upgraded, which needs write access to the file and its folder; copy it to a folder you can write"
            )));
        }
        if version < SCHEMA_VERSION {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let r = schema_sql::migrate(&conn, version);
            match r {
                Ok(()) => conn.execute_batch("COMMIT")?,
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    return Err(CliError::data(format!("{shown}: cannot upgrade the session: {e}")));
                }
            }
        }
        let schema_json: String = conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| r.get(0))
            .map_err(|_| not_a_session())?;
        let schema: Schema = serde_json::from_str(&schema_json)
            .map_err(|e| CliError::data(format!("{shown}: the stored label schema is damaged: {e}")))?;
        readable::install(&conn, &schema)
            .map_err(|e| CliError::data(format!("{shown}: cannot open the session: {e}")))?;
        let mut clock = time::Clock::default();
        if let Some(last) = conn
            .query_row("SELECT max(at) FROM main.events", [], |r| {
                Ok(r.get_ref(0)?.as_str().ok().map(String::from))
            })
            .unwrap_or(None)
        {
            clock.not_before(&last);
        }
        Ok(Store { conn, path: path.to_path_buf(), schema, origin: new_origin(), clock, counter: 0 })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// This writer's origin (random per opened session): the prefix of every uid it writes.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The raw connection, for read-only queries that have no method here yet.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn meta(&self, key: &str) -> rusqlite::Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()
    }

    pub fn set_meta(&self, key: &str, value: &str) -> rusqlite::Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let r =
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", params![key, value]);
        match r {
            Ok(_) => self.conn.execute_batch("COMMIT"),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    pub fn counts(&self) -> rusqlite::Result<Counts> {
        let one = |sql: &str| self.conn.query_row(sql, [], |r| r.get::<_, i64>(0)).map(|n| n as u64);
        Ok(Counts {
            items: one("SELECT count(*) FROM items")?,
            responses: one("SELECT count(*) FROM responses")?,
            pairs: one("SELECT count(*) FROM pairs")?,
        })
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: everything it upserts lands together, or,
    /// if it returns an error, nothing does.
    pub fn import<T>(&mut self, f: impl FnOnce(&mut Importer<'_>) -> anyhow::Result<T>) -> anyhow::Result<T> {
        let rollback_journal = self.enter_rollback_journal();
        let result = (|| {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let now = time::format_micros(time::now_micros());
            let mut imp = Importer { tx: &tx, now, counts: ImportCounts::default() };
            let out = f(&mut imp)?;
            tx.commit().context("committing the import")?;
            Ok(out)
        })();
        if rollback_journal {
            self.leave_rollback_journal();
        }
        result
    }

    /// Why: in WAL mode every page of an import is written twice (to the WAL, then copied into
    /// the database by the checkpoint), and the WAL index is searched for every page read. A
    /// rollback journal only keeps the pages the import changes that existed before, so new
    /// rows are written once; the transaction is just as atomic (a crash leaves a hot journal
    /// that the next open rolls back). Leaving WAL needs the session to ourselves: when another
    /// process has it open (an annotator at work), this returns false at once and the import
    /// runs in WAL mode as usual.
    fn enter_rollback_journal(&self) -> bool {
        let _ = self.conn.busy_timeout(Duration::ZERO);
        let mode: rusqlite::Result<String> =
            self.conn.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0));
        let _ = self.conn.busy_timeout(BUSY_TIMEOUT);
        matches!(mode, Ok(m) if m.eq_ignore_ascii_case("delete"))
    }

    fn leave_rollback_journal(&self) {
        // Back to WAL, waiting for readers that opened the session meanwhile if need be; every
        // later open sets WAL again in any case (`connect`).
        let _ = self.conn.pragma_update(None, "journal_mode", "WAL");
    }

    /// One item with its responses.
    pub fn item(&self, id: &str) -> rusqlite::Result<Option<Item>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, image, query, query_en, language, country, domain, norm, meta FROM items WHERE id = ?1",
        )?;
        let item = st.query_row([id], row_to_item).optional()?;
        let Some(mut item) = item else { return Ok(None) };
        let mut st = self.conn.prepare_cached(
            "SELECT model, text, judge, judge_rationale FROM responses WHERE item_id = ?1 ORDER BY seq",
        )?;
        item.responses = st
            .query_map([id], |r| {
                Ok(Response {
                    model: r.get(0)?,
                    text: r.get(1)?,
                    judge: json_col(r.get::<_, String>(2)?),
                    judge_rationale: json_col(r.get::<_, String>(3)?),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(item))
    }

    /// Every item id in import order.
    pub fn item_ids(&self) -> rusqlite::Result<Vec<String>> {
        let mut st = self.conn.prepare_cached("SELECT id FROM items ORDER BY seq")?;
        st.query_map([], |r| r.get(0))?.collect()
    }

    /// Calls `f` for every item with its responses, in import order, without holding them all.
    pub fn for_each_item(&self, mut f: impl FnMut(Item) -> anyhow::Result<()>) -> anyhow::Result<()> {
        let mut st = self.conn.prepare(
            "SELECT i.id, i.image, i.query, i.query_en, i.language, i.country, i.domain, i.norm, i.meta,
                    r.model, r.text, r.judge, r.judge_rationale
             FROM items i LEFT JOIN responses r ON r.item_id = i.id ORDER BY i.seq, r.seq",
        )?;
        let mut rows = st.query([])?;
        let mut current: Option<Item> = None;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            if current.as_ref().is_some_and(|c| c.id != id) {
                f(current.take().expect("checked"))?;
            }
            if current.is_none() {
                current = Some(row_to_item(r)?);
            }
            if let Some(model) = r.get::<_, Option<String>>(9)? {
                current.as_mut().expect("set above").responses.push(Response {
                    model,
                    text: r.get(10)?,
                    judge: json_col(r.get::<_, String>(11)?),
                    judge_rationale: json_col(r.get::<_, String>(12)?),
                });
            }
        }
        if let Some(c) = current {
            f(c)?;
        }
        Ok(())
    }

    pub fn pair(&self, id: &str) -> rusqlite::Result<Option<Pair>> {
        self.conn
            .prepare_cached(
                "SELECT id, prompt, chosen, rejected, images, item_id, meta FROM pairs WHERE id = ?1",
            )?
            .query_row([id], row_to_pair)
            .optional()
    }

    /// Every pair in import order.
    pub fn pairs(&self) -> rusqlite::Result<Vec<Pair>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, prompt, chosen, rejected, images, item_id, meta FROM pairs ORDER BY seq",
        )?;
        st.query_map([], row_to_pair)?.collect()
    }

    /// Every task (responses in import order, then pairs), compactly.
    pub fn task_index(&self) -> rusqlite::Result<Vec<TaskInfo>> {
        let dims = self.schema.dimension_names();
        let mut out = Vec::new();
        let mut st = self.conn.prepare_cached(
            "SELECT r.item_id, r.model, i.country, i.language, i.domain, r.judge
             FROM responses r JOIN items i ON i.id = r.item_id ORDER BY i.seq, r.seq",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let item_id: String = r.get(0)?;
            let model: String = r.get(1)?;
            let judge_json: String = r.get(5)?;
            let judge = if judge_json == "{}" {
                vec![None; dims.len()]
            } else {
                let map: BTreeMap<String, Value> = json_col(judge_json);
                dims.iter().map(|d| map.get(d).copied()).collect()
            };
            out.push(TaskInfo {
                task: TaskRef::Response { item_id: item_id.clone(), model: model.clone() },
                item_id: item_id.into(),
                model: model.into(),
                country: r.get::<_, Option<String>>(2)?.map(Into::into),
                language: r.get::<_, Option<String>>(3)?.map(Into::into),
                domain: r.get::<_, Option<String>>(4)?.map(Into::into),
                judge,
            });
        }
        let mut st = self.conn.prepare_cached(
            "SELECT p.id, p.item_id, i.country, i.language, i.domain
             FROM pairs p LEFT JOIN items i ON i.id = p.item_id ORDER BY p.seq",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let pair_id: String = r.get(0)?;
            out.push(TaskInfo {
                task: TaskRef::Pair { pair_id },
                item_id: r.get::<_, Option<String>>(1)?.unwrap_or_default().into(),
                model: "".into(),
                country: r.get::<_, Option<String>>(2)?.map(Into::into),
                language: r.get::<_, Option<String>>(3)?.map(Into::into),
                domain: r.get::<_, Option<String>>(4)?.map(Into::into),
                judge: Vec::new(),
            });
        }
        Ok(out)
    }

    /// Every response with its grouping fields and judge scores, in import order.
    pub fn response_index(&self) -> rusqlite::Result<Vec<ResponseInfo>> {
        // The task index's fast read (narrow indexes, no response texts), reshaped.
        let dims: Vec<Shared> = self.schema.dimension_names().into_iter().map(Shared::from).collect();
        Ok(self
            .response_task_index()?
            .into_iter()
            .map(|t| ResponseInfo {
                item_id: t.item_id,
                model: t.model,
                country: t.country,
                language: t.language,
                domain: t.domain,
                judge: dims.iter().zip(t.judge).filter_map(|(d, v)| Some((d.clone(), v?))).collect(),
            })
            .collect())
    }

    /// Registers an annotator (idempotent).
    pub fn ensure_annotator(&self, name: &str) -> Result<(), CliError> {
        check_annotator_name(name)?;
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let r = self.conn.execute(
            "INSERT OR IGNORE INTO annotators(name, created_at) VALUES (?1, ?2)",
            params![name, time::format_micros(time::now_micros())],
        );
        match r {
            Ok(_) => Ok(self.conn.execute_batch("COMMIT")?),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e.into())
            }
        }
    }

    /// Marks `name` as an adjudicator (registering it if needed): from then on its labels are
    /// adjudications, which decide disagreements instead of counting as one more vote.
    pub fn set_adjudicator(&self, name: &str) -> Result<(), CliError> {
        self.ensure_annotator(name)?;
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let r = self.conn.execute("UPDATE annotators SET role = 'adjudicator' WHERE name = ?1", [name]);
        match r {
            Ok(_) => Ok(self.conn.execute_batch("COMMIT")?),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e.into())
            }
        }
    }

    /// The names of the adjudicators, sorted.
    pub fn adjudicators(&self) -> rusqlite::Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT name FROM annotators WHERE role = 'adjudicator' ORDER BY name")?;
        st.query_map([], |r| r.get(0))?.collect()
    }

    pub fn annotators(&self) -> rusqlite::Result<Vec<String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT name FROM annotators UNION SELECT DISTINCT annotator FROM readable_current ORDER BY 1",
        )?;
        st.query_map([], |r| r.get(0))?.collect()
    }

    /// Records one change durably and returns the stored event. When this returns, the label
    /// is on disk.
    pub fn record(&mut self, ev: &NewEvent) -> anyhow::Result<LabelEvent> {
        self.check_event(ev)?;
        self.write_event(ev, EventKind::Set, None)
    }

    fn check_event(&self, ev: &NewEvent) -> anyhow::Result<()> {
        if ev.field.starts_with('@') {
            return Ok(());
        }
        if ev.field == field::VERDICT {
            anyhow::ensure!(
                matches!(ev.task, TaskRef::Pair { .. }),
                "a verdict belongs to a pair, not a response"
            );
            if let Some(v) = ev.value {
                anyhow::ensure!(crate::model::Verdict::from_code(v).is_some(), "unknown verdict code {v}");
            }
            return Ok(());
        }
        let dim =
            self.schema.dimension(&ev.field).with_context(|| format!("unknown dimension {:?}", ev.field))?;
        if let Some(v) = ev.value {
            anyhow::ensure!(
                dim.is_valid(v),
                "{v} is not a value of {} (valid: {})",
                dim.name,
                dim.describe_values()
            );
        }
        Ok(())
    }

    fn write_event(
        &mut self,
        ev: &NewEvent,
        kind: EventKind,
        ref_uid: Option<&str>,
    ) -> anyhow::Result<LabelEvent> {
        let (kind_s, item_id, model, pair_id) = task_columns(&ev.task);
        // Fields are borrowed one by one: the transaction holds the connection.
        let Store { conn, clock, counter, origin, .. } = self;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have written since we last looked: keep our clock ahead of it.
        // Not `get::<String>`: a bad row may hold a number there; only a timestamp counts.
        let last: Option<String> = tx
            .prepare_cached("SELECT max(at) FROM main.events")?
            .query_row([], |r| Ok(r.get_ref(0)?.as_str().ok().map(String::from)))?;
        if let Some(last) = last {
            clock.not_before(&last);
        }
        let prev: Option<(Option<Value>, Option<String>)> = tx
            .prepare_cached(
                "SELECT value, text FROM readable_current WHERE annotator=?1 AND task_kind=?2 AND item_id=?3
                 AND model=?4 AND pair_id=?5 AND field=?6",
            )?
            .query_row(params![ev.annotator, kind_s, item_id, model, pair_id, ev.field], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let (prev_value, prev_text) = prev.unwrap_or((None, None));
        let at = clock.now();
        *counter += 1;
        // The origin alone makes the uid unique: `at` is only for display and ordering.
        let uid = format!("{origin}-{counter:06}");
        tx.prepare_cached(
            "INSERT INTO main.events(uid, at, annotator, task_kind, item_id, model, pair_id, field, kind,
                                value, text, prev_value, prev_text, ref_uid, seconds, judge_visible, origin)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
        )?
        .execute(params![
            uid,
            at,
            ev.annotator,
            kind_s,
            item_id,
            model,
            pair_id,
            ev.field,
            kind.as_str(),
            ev.value,
            ev.text,
            prev_value,
            prev_text,
            ref_uid,
            ev.seconds,
            ev.judge_visible as i64,
            origin.as_str()
        ])?;
        let seq = tx.last_insert_rowid();
        apply_to_current(
            &tx,
            &CurrentRow {
                annotator: &ev.annotator,
                task_kind: kind_s,
                item_id,
                model,
                pair_id,
                field: &ev.field,
                value: ev.value,
                text: ev.text.as_deref(),
                seconds: ev.seconds,
                at: &at,
                uid: &uid,
                judge_visible: ev.judge_visible,
            },
        )?;
        tx.commit()?;
        Ok(LabelEvent {
            seq,
            uid,
            at,
            annotator: ev.annotator.clone(),
            task: ev.task.clone(),
            field: ev.field.clone(),
            kind,
            value: ev.value,
            text: ev.text.clone(),
            prev_value,
            prev_text,
            ref_uid: ref_uid.map(str::to_string),
            seconds: ev.seconds,
            judge_visible: ev.judge_visible,
        })
    }

    /// The annotator's undo and redo stacks (uids, top last), replayed from the event log so that
    /// they survive a restart. Display-only fields (reveal, pair order) are not undoable.
    fn undo_redo_stacks(&self, annotator: &str) -> rusqlite::Result<(Vec<String>, Vec<String>)> {
        let mut st = self.conn.prepare_cached(
            "SELECT uid, kind, ref_uid FROM readable_events WHERE annotator = ?1
             AND field NOT IN ('@reveal', '@order') ORDER BY seq",
        )?;
        let mut undo: Vec<String> = Vec::new();
        let mut redo: Vec<String> = Vec::new();
        let mut rows = st.query([annotator])?;
        while let Some(r) = rows.next()? {
            let uid: String = r.get(0)?;
            let kind: String = r.get(1)?;
            let target: Option<String> = r.get(2)?;
            match (EventKind::parse(&kind), target) {
                (EventKind::Undo, Some(t)) => {
                    if let Some(pos) = undo.iter().rposition(|u| *u == t) {
                        undo.remove(pos);
                    }
                    redo.push(t);
                }
                (EventKind::Redo, Some(t)) => {
                    if let Some(pos) = redo.iter().rposition(|u| *u == t) {
                        redo.remove(pos);
                    }
                    undo.push(t);
                }
                _ => {
                    undo.push(uid);
                    redo.clear();
                }
            }
        }
        Ok((undo, redo))
    }

    pub fn event_by_uid(&self, uid: &str) -> rusqlite::Result<Option<LabelEvent>> {
        self.conn
            .prepare_cached(&format!("SELECT {EVENT_COLUMNS} FROM readable_events WHERE uid = ?1"))?
            .query_row([uid], row_to_event)
            .optional()
    }

    /// Undoes the annotator's latest change (also one made before a restart). Returns the new
    /// event, whose `task` and `field` say what changed, or `None` when there is nothing to undo.
    pub fn undo(&mut self, annotator: &str) -> anyhow::Result<Option<LabelEvent>> {
        let (undo, _) = self.undo_redo_stacks(annotator)?;
        let Some(target) = undo.last() else { return Ok(None) };
        let original = self.event_by_uid(target)?.context("undo target missing from the log")?;
        // The original's "before" state is restored.
        let ev = NewEvent {
            annotator: annotator.to_string(),
            task: original.task.clone(),
            field: original.field.clone(),
            value: original.prev_value,
            text: original.prev_text.clone(),
            seconds: original.seconds,
            judge_visible: original.judge_visible,
        };
        let original_uid = original.uid.clone();
        self.write_event(&ev, EventKind::Undo, Some(&original_uid)).map(Some)
    }

    /// Re-applies the change most recently undone.
    pub fn redo(&mut self, annotator: &str) -> anyhow::Result<Option<LabelEvent>> {
        let (_, redo) = self.undo_redo_stacks(annotator)?;
        let Some(target) = redo.last() else { return Ok(None) };
        let original = self.event_by_uid(target)?.context("redo target missing from the log")?;
        let ev = NewEvent {
            annotator: annotator.to_string(),
            task: original.task.clone(),
            field: original.field.clone(),
            value: original.value,
            text: original.text.clone(),
            seconds: original.seconds,
            judge_visible: original.judge_visible,
        };
        let original_uid = original.uid.clone();
        self.write_event(&ev, EventKind::Redo, Some(&original_uid)).map(Some)
    }

    /// What one annotator has said about one task.
    pub fn task_labels(&self, annotator: &str, task: &TaskRef) -> rusqlite::Result<TaskLabels> {
        let (kind, item_id, model, pair_id) = task_columns(task);
        let mut st = self.conn.prepare_cached(
            "SELECT field, value, text, seconds FROM readable_current WHERE annotator=?1 AND task_kind=?2
             AND item_id=?3 AND model=?4 AND pair_id=?5",
        )?;
        let mut labels = TaskLabels::default();
        let mut rows = st.query(params![annotator, kind, item_id, model, pair_id])?;
        while let Some(r) = rows.next()? {
            let f: String = r.get(0)?;
            labels.apply(&f, r.get(1)?, r.get(2)?, r.get(3)?);
        }
        Ok(labels)
    }

    /// Everything one annotator has said, per task (for the task list at start-up).
    pub fn labels_of(&self, annotator: &str) -> rusqlite::Result<HashMap<TaskRef, TaskLabels>> {
        let mut st = self.conn.prepare_cached(
            "SELECT task_kind, item_id, model, pair_id, field, value, text, seconds FROM readable_current
             WHERE annotator = ?1",
        )?;
        let mut out: HashMap<TaskRef, TaskLabels> = HashMap::new();
        let mut rows = st.query([annotator])?;
        while let Some(r) = rows.next()? {
            let task = task_from_columns(&r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            out.entry(task).or_default().apply(&r.get::<_, String>(4)?, r.get(5)?, r.get(6)?, r.get(7)?);
        }
        Ok(out)
    }

    /// Every current state row (labels, verdicts and task-level fields) of every annotator.
    pub fn current(&self) -> rusqlite::Result<Vec<CurrentLabel>> {
        let mut st = self.conn.prepare_cached(
            "SELECT annotator, task_kind, item_id, model, pair_id, field, value, text, blind_value,
                    seconds, at FROM readable_current ORDER BY annotator, task_kind, item_id, model, pair_id, field",
        )?;
        st.query_map([], |r| {
            Ok(CurrentLabel {
                annotator: r.get(0)?,
                task: task_from_columns(&r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                field: r.get(5)?,
                value: r.get(6)?,
                text: r.get(7)?,
                blind_value: r.get(8)?,
                seconds: r.get(9)?,
                at: r.get(10)?,
            })
        })?
        .collect()
    }

    /// The current human labels on dimensions and pair verdicts (no task-level fields, no
    /// cleared values).
    pub fn current_labels(&self) -> rusqlite::Result<Vec<CurrentLabel>> {
        Ok(self.current()?.into_iter().filter(|c| !c.field.starts_with('@') && c.value.is_some()).collect())
    }

    /// The whole event log in the order it was written here.
    pub fn events(&self) -> rusqlite::Result<Vec<LabelEvent>> {
        let mut st =
            self.conn.prepare_cached(&format!("SELECT {EVENT_COLUMNS} FROM readable_events ORDER BY seq"))?;
        st.query_map([], row_to_event)?.collect()
    }

    /// Warnings about rows that readers skip because no crossreview would have written them
    /// (a label value that is text, a BLOB or outside its dimension, seconds as text...) in the
    /// current labels: a line with the count, then the first few rows.
    pub fn unreadable_rows(&self) -> rusqlite::Result<Vec<String>> {
        let mut out = Vec::new();
        for (table, n, rows) in readable::unreadable_rows(&self.conn, 5)? {
            out.push(format!(
                "{}: skipped {n} unreadable row(s) of the {table} table (not written by crossreview; the rest of the session is read as usual):",
                self.path.display()
            ));
            out.extend(rows.into_iter().map(|r| format!("  {r}")));
        }
        Ok(out)
    }

    /// Recomputes `current` from the event log (after a merge; also a repair tool).
    pub fn rebuild_current(&self) -> rusqlite::Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let r = rebuild_current_in(&self.conn);
        match r {
            Ok(()) => self.conn.execute_batch("COMMIT"),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

/// Recomputes the `current` table from `events`: latest (at, uid) wins per key; `blind_value`
/// is the latest value among events given while the judge was hidden; `seconds` the largest.
pub(crate) fn rebuild_current_in(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "DELETE FROM main.current;
         INSERT INTO main.current(annotator, task_kind, item_id, model, pair_id, field, value, text,
                             blind_value, seconds, at, uid)
         SELECT e.annotator, e.task_kind, e.item_id, e.model, e.pair_id, e.field, e.value, e.text,
           (SELECT b.value FROM main.events b WHERE b.annotator=e.annotator AND b.task_kind=e.task_kind
              AND b.item_id=e.item_id AND b.model=e.model AND b.pair_id=e.pair_id AND b.field=e.field
              AND b.judge_visible=0 ORDER BY b.at DESC, b.uid DESC LIMIT 1),
           (SELECT max(s.seconds) FROM main.events s WHERE s.annotator=e.annotator AND s.task_kind=e.task_kind
              AND s.item_id=e.item_id AND s.model=e.model AND s.pair_id=e.pair_id),
           e.at, e.uid
         FROM main.events e
         WHERE NOT EXISTS (SELECT 1 FROM main.events l WHERE l.annotator=e.annotator AND l.task_kind=e.task_kind
              AND l.item_id=e.item_id AND l.model=e.model AND l.pair_id=e.pair_id AND l.field=e.field
              AND (l.at > e.at OR (l.at = e.at AND l.uid > e.uid)));",
    )
}

const EVENT_COLUMNS: &str = "seq, uid, at, annotator, task_kind, item_id, model, pair_id, field, kind, value, text, prev_value, prev_text, ref_uid, seconds, judge_visible";

fn row_to_event(r: &rusqlite::Row<'_>) -> rusqlite::Result<LabelEvent> {
    Ok(LabelEvent {
        seq: r.get(0)?,
        uid: r.get(1)?,
        at: r.get(2)?,
        annotator: r.get(3)?,
        task: task_from_columns(&r.get::<_, String>(4)?, r.get(5)?, r.get(6)?, r.get(7)?),
        field: r.get(8)?,
        kind: EventKind::parse(&r.get::<_, String>(9)?),
        value: r.get(10)?,
        text: r.get(11)?,
        prev_value: r.get(12)?,
        prev_text: r.get(13)?,
        ref_uid: r.get(14)?,
        seconds: r.get(15)?,
        judge_visible: r.get::<_, i64>(16)? != 0,
    })
}

struct CurrentRow<'a> {
    annotator: &'a str,
    task_kind: &'a str,
    item_id: &'a str,
    model: &'a str,
    pair_id: &'a str,
    field: &'a str,
    value: Option<Value>,
    text: Option<&'a str>,
    seconds: f64,
    at: &'a str,
    uid: &'a str,
    judge_visible: bool,
}

/// Folds one new event into `current` (the incremental form of `rebuild_current_in`).
fn apply_to_current(conn: &Connection, c: &CurrentRow<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO main.current AS cur(annotator, task_kind, item_id, model, pair_id, field, value, text,
                             blind_value, seconds, at, uid)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8, CASE WHEN ?12 THEN NULL ELSE ?7 END, ?9,?10,?11)
         ON CONFLICT(annotator, task_kind, item_id, model, pair_id, field) DO UPDATE SET
           value = excluded.value, text = excluded.text,
           blind_value = CASE WHEN ?12 THEN cur.blind_value ELSE excluded.value END,
           seconds = max(cur.seconds, excluded.seconds), at = excluded.at, uid = excluded.uid
         WHERE excluded.at > cur.at OR (excluded.at = cur.at AND excluded.uid > cur.uid)",
    )?
    .execute(params![
        c.annotator,
        c.task_kind,
        c.item_id,
        c.model,
        c.pair_id,
        c.field,
        c.value,
        c.text,
        c.seconds,
        c.at,
        c.uid,
        c.judge_visible
    ])?;
    // Active time is per task, not per field: keep every field's row at the task's total.
    conn.prepare_cached(
        "UPDATE main.current SET seconds = ?6 WHERE annotator=?1 AND task_kind=?2 AND item_id=?3
         AND model=?4 AND pair_id=?5 AND seconds < ?6",
    )?
    .execute(params![c.annotator, c.task_kind, c.item_id, c.model, c.pair_id, c.seconds])?;
    Ok(())
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
pub fn check_annotator_name(name: &str) -> Result<(), CliError> {
    let name_ok =
        !name.trim().is_empty() && name.len() <= 64 && !name.chars().any(|c| c.is_control() || c == '|');
    if name_ok {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "--annotator {name:?}: give a short name without control characters or '|'"
        )))
    }
}

fn json_col<T: serde::de::DeserializeOwned + Default>(s: String) -> T {
    serde_json::from_str(&s).unwrap_or_default()
}

fn row_to_item(r: &rusqlite::Row<'_>) -> rusqlite::Result<Item> {
    Ok(Item {
        id: r.get(0)?,
        image: r.get(1)?,
        query: r.get(2)?,
        query_en: r.get(3)?,
        language: r.get(4)?,
        country: r.get(5)?,
        domain: r.get(6)?,
        norm: r.get(7)?,
        meta: json_col(r.get::<_, String>(8)?),
        responses: Vec::new(),
    })
}

fn row_to_pair(r: &rusqlite::Row<'_>) -> rusqlite::Result<Pair> {
    let js = |i: usize| -> rusqlite::Result<serde_json::Value> {
        Ok(serde_json::from_str(&r.get::<_, String>(i)?).unwrap_or(serde_json::Value::Null))
    };
    Ok(Pair {
        id: r.get(0)?,
        prompt: js(1)?,
        chosen: js(2)?,
        rejected: js(3)?,
        images: json_col(r.get::<_, String>(4)?),
        item_id: r.get(5)?,
        meta: json_col(r.get::<_, String>(6)?),
    })
}

/// The JSON text columns of an item: its `meta`, and each response's judge scores and
/// rationales, in the order of `item.responses`.
#[derive(Debug, Clone, Default)]
pub struct ItemJson {
    meta: String,
    responses: Vec<(String, String)>,
}

impl ItemJson {
    pub fn of(item: &Item) -> serde_json::Result<ItemJson> {
        Ok(ItemJson {
            meta: serde_json::to_string(&item.meta)?,
            responses: item
                .responses
                .iter()
                .map(|r| Ok((serde_json::to_string(&r.judge)?, serde_json::to_string(&r.judge_rationale)?)))
                .collect::<serde_json::Result<_>>()?,
        })
    }
}

/// Writes items and pairs inside `Store::import`'s transaction.
pub struct Importer<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    now: String,
    counts: ImportCounts,
}

impl Importer<'_> {
    /// Inserts or updates an item. Its responses are upserted by (item, model): responses of
    /// other models already in the session stay, and no label is touched.
    pub fn upsert_item(&mut self, item: &Item) -> anyhow::Result<()> {
        self.upsert_item_with(item, &ItemJson::of(item)?)
    }

    /// As `upsert_item`, with the item's JSON columns already written out (`ItemJson::of`), so
    /// that a parsing thread can do that part.
    pub fn upsert_item_with(&mut self, item: &Item, json: &ItemJson) -> anyhow::Result<()> {
        anyhow::ensure!(
            json.responses.len() == item.responses.len(),
            "internal error: the JSON columns were written out for another item than {}",
            item.id
        );
        let existed: bool = self
            .tx
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM items WHERE id = ?1)")?
            .query_row([&item.id], |r| r.get(0))?;
        self.tx
            .prepare_cached(
                "INSERT INTO items(id, image, query, query_en, language, country, domain, norm, meta, imported_at)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)
                 ON CONFLICT(id) DO UPDATE SET image=excluded.image, query=excluded.query,
                   query_en=excluded.query_en, language=excluded.language, country=excluded.country,
                   domain=excluded.domain, norm=excluded.norm, meta=excluded.meta,
                   imported_at=excluded.imported_at",
            )?
            .execute(params![
                item.id,
                item.image,
                item.query,
                item.query_en,
                item.language,
                item.country,
                item.domain,
                item.norm,
                json.meta,
                self.now
            ])?;
        if existed {
            self.counts.items_updated += 1;
        } else {
            self.counts.items_new += 1;
        }
        let mut st = self.tx.prepare_cached(
            "INSERT INTO responses(item_id, model, text, judge, judge_rationale) VALUES (?1,?2,?3,?4,?5)
             ON CONFLICT(item_id, model) DO UPDATE SET text=excluded.text, judge=excluded.judge,
               judge_rationale=excluded.judge_rationale",
        )?;
        for (r, (judge, rationale)) in item.responses.iter().zip(&json.responses) {
            st.execute(params![item.id, r.model, r.text, judge, rationale])?;
            self.counts.responses += 1;
        }
        Ok(())
    }

    pub fn upsert_pair(&mut self, pair: &Pair) -> anyhow::Result<()> {
        let existed: bool = self
            .tx
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM pairs WHERE id = ?1)")?
            .query_row([&pair.id], |r| r.get(0))?;
        self.tx
            .prepare_cached(
                "INSERT INTO pairs(id, item_id, prompt, chosen, rejected, images, meta, imported_at)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8)
                 ON CONFLICT(id) DO UPDATE SET item_id=excluded.item_id, prompt=excluded.prompt,
                   chosen=excluded.chosen, rejected=excluded.rejected, images=excluded.images,
                   meta=excluded.meta, imported_at=excluded.imported_at",
            )?
            .execute(params![
                pair.id,
                pair.item_id,
                serde_json::to_string(&pair.prompt)?,
                serde_json::to_string(&pair.chosen)?,
                serde_json::to_string(&pair.rejected)?,
                serde_json::to_string(&pair.images)?,
                serde_json::to_string(&pair.meta)?,
                self.now
            ])?;
        if existed {
            self.counts.pairs_updated += 1;
        } else {
            self.counts.pairs_new += 1;
        }
        Ok(())
    }

    /// What has been written so far in this import.
    pub fn counts(&self) -> ImportCounts {
        self.counts
    }
}

#[cfg(test)]
mod tests;
