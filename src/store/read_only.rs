//! Opening a session only to read it: `status`, `agreement`, `report`, `export`, `show` and the
//! sources of a merge never write, so they work on a teammate's copy in a folder the user cannot
//! write (a read-only share) and never leave `-wal`/`-shm` files behind there.
//!
//! In a folder we can write, a read-only connection sees the labels another process is saving
//! (WAL). In a folder we cannot write, SQLite cannot create the `-shm` file that WAL readers
//! share, so the file is opened `immutable`: read as it is on disk, with no locking, which is
//! right for a copy nobody writes to from here.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Whether this process may write `path` (`access(W_OK)`, which accounts for read-only mounts).
fn can_write(path: &Path) -> bool {
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()) else { return false };
    // SAFETY: a valid C string; access() only reads it.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// The folder a session's side files (`-wal`, `-shm`) go in.
fn folder(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Whether a session can be opened for writing: the file and its folder are writable.
pub(super) fn writable(path: &Path) -> bool {
    can_write(path) && can_write(folder(path))
}

/// `file:` URI for `path`: `%`, `?` and `#` are escaped so that the path stays a path.
fn uri(path: &Path, query: &str) -> String {
    let abs = crate::ingest::images::absolute_lexical(
        &std::env::current_dir().unwrap_or_else(|_| "/".into()),
        path,
    );
    let mut out = String::from("file:");
    for b in abs.as_os_str().as_encoded_bytes() {
        match b {
            b'%' | b'?' | b'#' => out.push_str(&format!("%{b:02X}")),
            _ => out.push(*b as char),
        }
    }
    // Non-ASCII bytes were pushed as Latin-1 chars above; percent-encode them instead.
    let out: String = out
        .chars()
        .map(|c| if (c as u32) < 0x80 { c.to_string() } else { format!("%{:02X}", c as u32) })
        .collect();
    format!("{out}?{query}")
}

/// A read-only connection; `immutable` when the folder cannot be written (see the module
/// comment).
pub(super) fn connect(path: &Path, immutable: bool) -> rusqlite::Result<Connection> {
    let query = if immutable { "immutable=1" } else { "mode=ro" };
    let conn = Connection::open_with_flags(
        uri(path, query),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(super::BUSY_TIMEOUT)?;
    Ok(conn)
}

/// The connection for a session this process cannot or need not write.
pub(super) fn connect_for(path: &Path) -> rusqlite::Result<Connection> {
    connect(path, !can_write(folder(path)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schema;
    use crate::store::Store;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_read_only_store_reads_and_refuses_writes_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        drop(Store::create(&path, &Schema::cross_eval(), false).unwrap());
        let store = Store::open_read_only(&path).unwrap();
        assert_eq!(store.counts().unwrap().items, 0);
        // The reason is SQLite's read-only code, which the commands turn into their read-only
        // message (`error::tests`).
        let err = crate::store::StoreError::from(store.set_meta("x", "y").unwrap_err());
        assert!(err.is_read_only(), "{err}");
    }

    /// What a folder nobody may write gets (root cannot be kept out of a folder by its mode, so
    /// the connection is opened as that case would be): the session is read without any
    /// `-wal` or `-shm` file being created beside it.
    #[test]
    fn an_immutable_connection_needs_no_side_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        {
            let s = Store::create(&path, &Schema::cross_eval(), false).unwrap();
            s.set_meta("note", "kept").unwrap();
            s.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        }
        for side in ["s.db-wal", "s.db-shm"] {
            let _ = std::fs::remove_file(dir.path().join(side));
        }
        let conn = connect(&path, true).unwrap();
        let note: String =
            conn.query_row("SELECT value FROM meta WHERE key = 'note'", [], |r| r.get(0)).unwrap();
        assert_eq!(note, "kept");
        assert!(conn.execute_batch("INSERT INTO meta(key, value) VALUES ('a', 'b')").is_err());
        drop(conn);
        assert_eq!(names(dir.path()), ["s.db"]);
    }

    #[test]
    fn uris_escape_what_sqlite_would_read_as_query() {
        let u = uri(Path::new("/a b/s?x#1%.db"), "mode=ro");
        assert_eq!(u, "file:/a b/s%3Fx%231%25.db?mode=ro");
        assert_eq!(uri(Path::new("/é.db"), "immutable=1"), "file:/%C3%A9.db?immutable=1");
    }
}
