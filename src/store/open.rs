//! Opening a session: creating a new one, opening (read-write or read-only) and upgrading an
//! older one in place (the format number is `PRAGMA user_version`, the steps are in
//! `tables_sql`), the connection settings every session uses, and the `meta` table.

use super::StoreError;
use super::{SCHEMA_VERSION, Store, read_only, readable, tables_sql, time};
use crate::schema::Schema;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::{Path, PathBuf};

/// The page size of a new session, in bytes. Why 8 KiB rather than SQLite's 4: a response
/// (often 2-3 KB of UTF-8 in non-Latin scripts) and its judge scores fit one page with others,
/// so a bulk import splits and writes half as many pages (−10 to −20 % import time,
/// docs/performance.md), while a label's commit still writes only a few pages to the WAL.
pub(super) const PAGE_SIZE: i64 = 8192;

/// Opens the connection with the settings every session uses.
fn connect(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open_with_flags(path, flags)?;
    wait_when_busy(&mut conn)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// A write that finds another connection's (a background sync's) under way tries again every
/// millisecond, for up to `BUSY_TIMEOUT`. SQLite's own busy timeout sleeps longer and longer
/// between tries (up to 100 ms), so a key's write could wait tens of milliseconds after a
/// transaction of two ended.
fn wait_when_busy(conn: &mut Connection) -> rusqlite::Result<()> {
    let mut since = std::time::Instant::now();
    conn.busy_handler(Some(move |tries: i32| {
        if tries == 0 {
            since = std::time::Instant::now();
        }
        let waiting = since.elapsed();
        if waiting >= super::BUSY_TIMEOUT {
            return false;
        }
        // After a second, no one is typing behind it: try less often.
        let pause = if waiting < std::time::Duration::from_secs(1) { 1 } else { 10 };
        std::thread::sleep(std::time::Duration::from_millis(pause));
        true
    }))
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
    pub fn create(path: &Path, schema: &Schema, force: bool) -> Result<Store, StoreError> {
        if path.exists() {
            if !force {
                return Err(StoreError::Exists { path: path.to_path_buf() });
            }
            if path.is_dir() {
                return Err(StoreError::IsFolder { path: path.to_path_buf() });
            }
            for suffix in ["", "-wal", "-shm"] {
                let p = PathBuf::from(format!("{}{suffix}", path.display()));
                if p.exists() {
                    std::fs::remove_file(&p).map_err(|e| StoreError::file(&p, "cannot replace it: ", e))?;
                }
            }
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::file(parent, "cannot create the folder: ", e))?;
        }
        // Build the session under a temporary name and rename it into place, so that a failed
        // or interrupted `init` leaves no half-made session behind.
        let tmp = path.with_file_name(format!(
            ".{}.init-{}",
            path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            std::process::id()
        ));
        let result = (|| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
            let conn = Connection::open(&tmp)?;
            // Set before the first table; a session keeps its page size for life.
            conn.pragma_update(None, "page_size", PAGE_SIZE)?;
            conn.pragma_update(None, "journal_mode", "DELETE")?;
            let tx = conn.unchecked_transaction()?;
            tables_sql::migrate(&tx, 0)?;
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
            return Err(StoreError::session(
                path,
                "cannot create the session",
                super::error::with_sources(&*e),
            ));
        }
        Store::open(path)
    }

    /// Opens an existing session, upgrading an older one in place. A session this process cannot
    /// write (its file or folder is read-only) is opened read-only, and a write then fails
    /// saying so.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_mode(path, false)
    }

    /// Opens an existing session only to read it (see `read_only`): for commands that never
    /// write. An older session is upgraded first when it can be written.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        Store::open_mode(path, true)
    }

    fn open_mode(path: &Path, read_only: bool) -> Result<Store, StoreError> {
        match std::fs::metadata(path) {
            Err(_) => return Err(StoreError::Missing { path: path.to_path_buf() }),
            Ok(m) if !m.is_file() => return Err(StoreError::NotAFile { path: path.to_path_buf() }),
            Ok(_) => {}
        }
        let not_a_session = || StoreError::NotASession { path: path.to_path_buf() };
        if !looks_like_sqlite(path).map_err(|e| StoreError::file(path, "", e))? {
            return Err(not_a_session());
        }
        let writable = read_only::writable(path);
        let conn = if read_only || !writable {
            read_only::connect_for(path)
        } else {
            connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        }
        .map_err(|e| StoreError::session(path, "cannot open the session", e))?;
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
            return Err(StoreError::Newer { path: path.to_path_buf(), version, known: SCHEMA_VERSION });
        }
        if version < SCHEMA_VERSION && (read_only || !writable) {
            if writable {
                drop(conn);
                return Store::open_mode(path, false);
            }
            return Err(StoreError::NeedsUpgrade { path: path.to_path_buf() });
        }
        if version < SCHEMA_VERSION {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            // An upgrade may rewrite imported rows (the judges' tables were filled so).
            let r = tables_sql::migrate(&conn, version).and_then(|()| super::imports_version::bump(&conn));
            match r {
                Ok(()) => conn.execute_batch("COMMIT")?,
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    return Err(StoreError::session(path, "cannot upgrade the session", e));
                }
            }
        }
        let schema_json: String = conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| r.get(0))
            .map_err(|_| not_a_session())?;
        let schema: Schema = serde_json::from_str(&schema_json)
            .map_err(|e| StoreError::session(path, "the stored label schema is damaged", e))?;
        readable::install(&conn, &schema)
            .map_err(|e| StoreError::session(path, "cannot open the session", e))?;
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
}

#[cfg(test)]
mod tests {
    use super::PAGE_SIZE;
    use crate::schema::Schema;
    use crate::store::Store;

    /// The page size must be set before the first table is made, or SQLite keeps its default.
    #[test]
    fn a_new_session_has_the_chosen_page_size() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).unwrap();
        let size: i64 = s.conn().query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        assert_eq!(size, PAGE_SIZE);
        let mode: String = s.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }
}
