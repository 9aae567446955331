//! Early writeback during a long write transaction (Linux).
//!
//! Why: a bulk import dirties hundreds of megabytes of the session file in the kernel's page
//! cache, and with `synchronous=FULL` the commit's `fsync` then waits for all of it to reach the
//! disk at once (about 0.3 s for 100,000 items, a sixth of the import). A helper thread asks the
//! kernel every tick to start writing the dirty pages (`sync_file_range(SYNC_FILE_RANGE_WRITE)`,
//! which neither waits nor promises durability), so the disk works while the import computes
//! and the commit's `fsync` finds little left. Durability is unchanged: SQLite's own syncs still
//! decide what a crash keeps; an earlier write is one the kernel could have made anyway.
//!
//! The thread uses SQLite's own descriptors of the files (found in `/proc/self/fd`) and never
//! opens or closes one of its own: closing any descriptor of a database file would drop every
//! POSIX lock the process holds on it, the import transaction's included.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the kernel is asked to start writing.
const TICK: Duration = Duration::from_millis(100);

/// Runs the helper thread until dropped.
pub(super) struct Writeback {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Writeback {
    /// Starts writing back `db` and its WAL early. On systems without `sync_file_range`, or if
    /// the thread cannot start, nothing is done (the commit then writes everything, as before).
    pub(super) fn start(db: &Path) -> Writeback {
        let (stop, ticks) = mpsc::channel::<()>();
        let files = [db.to_path_buf(), PathBuf::from(format!("{}-wal", db.display()))];
        let thread = if cfg!(target_os = "linux") {
            std::thread::Builder::new()
                .name("import-writeback".into())
                .spawn(move || {
                    // Returns at once when the sender is dropped.
                    while let Err(mpsc::RecvTimeoutError::Timeout) = ticks.recv_timeout(TICK) {
                        start_writing(&files);
                    }
                })
                .ok()
        } else {
            None
        };
        Writeback { stop: Some(stop), thread }
    }
}

impl Drop for Writeback {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Asks the kernel to start writing the dirty pages of each of `files` that this process has
/// open.
#[cfg(target_os = "linux")]
fn start_writing(files: &[PathBuf]) {
    use std::os::unix::fs::MetadataExt;
    let wanted: Vec<(u64, u64)> =
        files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| (m.dev(), m.ino())).collect();
    if wanted.is_empty() {
        return;
    }
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else { return };
    for entry in fds.flatten() {
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        // `metadata` follows the link to the open file itself.
        let Ok(m) = std::fs::metadata(entry.path()) else { continue };
        if m.is_file() && wanted.contains(&(m.dev(), m.ino())) {
            // SAFETY: the descriptor is only read from, never closed. Should SQLite close it and
            // the number be reused meanwhile, another file's writeback starts early: harmless.
            unsafe {
                libc::sync_file_range(fd, 0, 0, libc::SYNC_FILE_RANGE_WRITE);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writing(_files: &[PathBuf]) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    /// Whether this process holds a POSIX lock on the file with inode `ino` (`/proc/locks`:
    /// "1: POSIX ADVISORY WRITE PID MAJ:MIN:INODE START END").
    fn holds_a_lock(ino: u64) -> bool {
        let pid = std::process::id().to_string();
        std::fs::read_to_string("/proc/locks").expect("/proc/locks").lines().any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.get(1) == Some(&"POSIX")
                && f.get(4) == Some(&pid.as_str())
                && f.get(5).and_then(|d| d.rsplit(':').next()) == Some(ino.to_string().as_str())
        })
    }

    /// The descriptors the thread finds stay open: the lock the transaction holds through
    /// them stays held (closing any descriptor of the file, even a copy, would drop it, and
    /// another process could then write during the import).
    #[test]
    fn leaves_the_transaction_lock_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES (zeroblob(100000));")
            .unwrap();
        let ino = std::fs::metadata(&path).unwrap().ino();
        assert!(holds_a_lock(ino));
        let w = Writeback::start(&path);
        start_writing(std::slice::from_ref(&path));
        std::thread::sleep(TICK + TICK / 2);
        drop(w);
        assert!(holds_a_lock(ino), "the import's lock was dropped");
        conn.execute_batch("COMMIT").unwrap();
    }
}
