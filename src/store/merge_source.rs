//! Opening another annotator's session to merge it: the file is untrusted. It is opened
//! read-only (so merging never changes it, not even to upgrade its format), it must be a
//! different file than the target (also through a hard link), its tables must be tables (a view
//! could run an endless query), and reading it stops after a time limit.

use super::SCHEMA_VERSION;
use crate::schema::Schema;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// How long reading one source may take before the merge gives up on it.
pub const READ_TIME_LIMIT: Duration = Duration::from_secs(600);

/// The tables a merge reads; each must be a plain table in the source.
const TABLES: [&str; 6] = ["meta", "items", "responses", "pairs", "annotators", "events"];
/// The named judges' tables (session format 7): both or neither.
const JUDGE_TABLES: [&str; 2] = ["judges", "response_judges"];
/// The session format from which the default judge's scores are in `responses` only.
const DEFAULT_JUDGE_IN_RESPONSES_FORMAT: i64 = 8;

/// A source session opened read-only, with what its format lacks or has.
pub struct Source {
    pub conn: Connection,
    /// Whether `annotators` has the `role` column (session format 2 and later).
    pub has_role: bool,
    /// Whether `events` has the `origin` column (session format 6 and later).
    pub has_origin: bool,
    /// Whether it has the `judges` and `response_judges` tables (session format 7 and later).
    pub has_judges: bool,
    /// Whether its default judge's scores are in `responses` only (session format 8 and later);
    /// before, `response_judges` held them too.
    pub default_judge_in_responses: bool,
    /// Interrupts reads still running when the time limit passes; dropping it stops the timer.
    _watchdog: mpsc::Sender<()>,
}

/// A source this process built itself (rows pulled from a team hub, laid out as a session in a
/// private temporary database): it has every column of the current format, and no time limit.
/// `has_judges`: whether it has the judges' tables (rows pulled from a hub that carries judges),
/// which then hold every judge's rows, the default judge's included.
pub fn built_here(conn: Connection, has_judges: bool) -> Source {
    let (tx, _) = mpsc::channel();
    Source {
        conn,
        has_role: true,
        has_origin: true,
        has_judges,
        default_judge_in_responses: false,
        _watchdog: tx,
    }
}

/// Percent-encodes a path for an SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Opens `path` read-only as a session to merge into `target` (whose label schema it must
/// share). Errors are sentences about the file, without SQL.
pub fn open(path: &Path, target: &Path, target_schema: &Schema) -> Result<Source, String> {
    open_with_limit(path, target, target_schema, READ_TIME_LIMIT)
}

/// [`open`] with reads stopped after `limit` (tests use a short one).
fn open_with_limit(
    path: &Path,
    target: &Path,
    target_schema: &Schema,
    limit: Duration,
) -> Result<Source, String> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        _ => format!("cannot read it: {e}"),
    })?;
    if !meta.is_file() {
        return Err("is not a file, so not a session".into());
    }
    if crate::file_identity::same_file(path, target) {
        return Err("is the target itself; name other sessions to merge".into());
    }
    let not_a_session =
        "not a crossreview session (the file is not an SQLite database made by crossreview init)";
    if meta.len() == 0 {
        return Err(format!("is empty: {not_a_session}"));
    }
    let head = {
        use std::io::Read;
        let mut head = [0u8; 16];
        std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .map_err(|_| not_a_session.to_string())?;
        head
    };
    if &head != b"SQLite format 3\0" {
        return Err(not_a_session.into());
    }
    // Without a write-ahead log beside it, the file is read as immutable: no lock, no journal,
    // no side file. With one, read-only mode still sees the labels in the log.
    let wal = Path::new(&format!("{}-wal", path.display())).exists();
    let uri = format!("file:{}?mode=ro{}", uri_path(path), if wal { "" } else { "&immutable=1" });
    let flags =
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(&uri, flags).map_err(|e| format!("cannot open it: {e}"))?;
    let _ = conn.busy_timeout(Duration::from_secs(30));
    let (tx, rx) = mpsc::channel::<()>();
    let interrupt = conn.get_interrupt_handle();
    std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
            interrupt.interrupt();
        }
    });
    let damaged = |e: rusqlite::Error| format!("{not_a_session}, or it is damaged ({e})");
    let mut judge_tables = 0;
    for table in TABLES.iter().chain(&JUDGE_TABLES) {
        let kind: Option<String> = conn
            .query_row("SELECT type FROM sqlite_master WHERE name = ?1 COLLATE NOCASE", [table], |r| r.get(0))
            .optional()
            .map_err(damaged)?;
        match kind.as_deref() {
            Some("table") if JUDGE_TABLES.contains(table) => judge_tables += 1,
            Some("table") => {}
            None if JUDGE_TABLES.contains(table) => {}
            None => return Err(format!("{not_a_session}: it has no {table} table")),
            Some(other) => {
                return Err(format!(
                    "its {table} is a {other}, not a table; a session made by crossreview has plain tables, so this file was altered and is not merged"
                ));
            }
        }
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(damaged)?;
    if version > SCHEMA_VERSION {
        return Err(format!(
            "was written by a newer crossreview (session format {version}, this program knows up to {SCHEMA_VERSION}); upgrade crossreview"
        ));
    }
    let meta_value = |key: &str| -> Result<Option<String>, String> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1 AND typeof(value) = 'text'", [key], |r| {
            r.get(0)
        })
        .optional()
        .map_err(damaged)
    };
    if meta_value("format")?.as_deref() != Some("crossreview-session") {
        return Err(not_a_session.into());
    }
    let schema_json =
        meta_value("schema")?.ok_or_else(|| format!("{not_a_session}: it has no label schema"))?;
    let schema: Schema =
        serde_json::from_str(&schema_json).map_err(|e| format!("its stored label schema is damaged: {e}"))?;
    if schema.dimensions != target_schema.dimensions {
        return Err(format!(
            "its label schema ({}) differs from the target's ({}); only sessions with the same dimensions and values can be merged",
            schema.dimension_names().join(", "),
            target_schema.dimension_names().join(", ")
        ));
    }
    let has_column = |table: &str, column: &str| -> Result<bool, String> {
        let n: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM pragma_table_info('{table}') WHERE name = ?1"),
                [column],
                |r| r.get(0),
            )
            .map_err(damaged)?;
        Ok(n > 0)
    };
    let has_role = has_column("annotators", "role")?;
    let has_origin = has_column("events", "origin")?;
    if judge_tables == 1 {
        return Err(format!(
            "{not_a_session}: it has one of the tables {} without the other",
            JUDGE_TABLES.join(" and ")
        ));
    }
    Ok(Source {
        conn,
        has_role,
        has_origin,
        has_judges: judge_tables == 2,
        default_judge_in_responses: version >= DEFAULT_JUDGE_IN_RESPONSES_FORMAT,
        _watchdog: tx,
    })
}

/// What a failed read of the source means, in words.
pub(super) fn read_error(table: &str, e: rusqlite::Error) -> String {
    if matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OperationInterrupted)
    {
        return format!(
            "reading its {table} took longer than {} seconds; the file is not a session as crossreview writes it",
            READ_TIME_LIMIT.as_secs()
        );
    }
    format!("its {table} table is not as crossreview writes it, or the file is damaged ({e})")
}

pub(super) fn write_error(e: rusqlite::Error) -> String {
    format!("writing into the target failed ({e})")
}

/// Reads every row of `sql` from the source, checks it with `check` and hands it to `each`.
/// Errors name the table and the row (by its `seq`, or the first column).
pub(super) fn for_each_row<T, P: rusqlite::Params>(
    src: &Source,
    table: &str,
    sql: &str,
    params: P,
    check: impl Fn(&rusqlite::Row<'_>) -> Result<T, String>,
    mut each: impl FnMut(T) -> Result<(), String>,
) -> Result<(), String> {
    let mut st = src.conn.prepare(sql).map_err(|e| read_error(table, e))?;
    let mut rows = st.query(params).map_err(|e| read_error(table, e))?;
    while let Some(row) = rows.next().map_err(|e| read_error(table, e))? {
        let at = match row.get_ref(0) {
            Ok(rusqlite::types::ValueRef::Integer(n)) => n.to_string(),
            Ok(rusqlite::types::ValueRef::Text(t)) => format!("{:?}", String::from_utf8_lossy(t)),
            Ok(v) => super::merge_rows::describe(v),
            Err(_) => String::new(),
        };
        let checked = check(row).map_err(|p| format!("{table} row {at}: {p}"))?;
        each(checked).map_err(|p| format!("{table} row {at}: {p}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A read of a source still running when the time limit passes is interrupted (the error
    /// `merge` turns into "reading its … took longer than …"), so no file can hold a merge forever.
    #[test]
    fn a_read_past_the_time_limit_is_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        let schema = Schema::cross_eval();
        let (source, target) = (dir.path().join("source.db"), dir.path().join("target.db"));
        crate::store::Store::create(&source, &schema, false).unwrap();
        crate::store::Store::create(&target, &schema, false).unwrap();
        let src = open_with_limit(&source, &target, &schema, Duration::from_millis(200)).unwrap();
        let started = std::time::Instant::now();
        let endless = src.conn.query_row(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
            [],
            |r| r.get::<_, i64>(0),
        );
        let e = endless.expect_err("an endless query cannot finish");
        assert!(
            matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OperationInterrupted),
            "{e}"
        );
        assert!(started.elapsed() < Duration::from_secs(30), "interrupted after {:?}", started.elapsed());
    }
}
