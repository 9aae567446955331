//! Where an export's bytes go: standard output, a stream, or a file written atomically.
//!
//! A target that exists and is not a regular file (`/dev/null`, a FIFO, `/dev/stdout`, the
//! `/dev/fd/N` of `>(gzip > x.gz)`) is written directly: renaming over it would replace a
//! device or a pipe with a regular file. A symbolic link is written through: the file it points
//! to is replaced atomically and the link stays. The files of the session being exported (the
//! database and its `-wal`, `-shm` and `-journal` files) are refused, however they are named
//! (another path, a symbolic link, a hard link).
//!
//! A regular file is
//! written under a temporary name in the same folder, flushed to disk, then renamed over the
//! target, so a reader never sees a half-written export, and a failed or interrupted export leaves
//! the previous file (if any) as it was. Interrupts (Ctrl-C, SIGTERM) are caught while writing so
//! that the temporary file is removed too.
//!
//! SIGKILL (or a power cut) cannot be caught: it leaves the temporary file `.NAME.partial-PID`
//! behind, hidden (a dot file) and never under the target's name. The writer holds an exclusive
//! lock (`flock`) on its temporary file while it writes, and the kernel drops that lock when the
//! process dies, so the next export to the same target recognises a temporary file nobody holds
//! as left over from a killed export and removes it; one that is still locked belongs to an
//! export running now and is left alone.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The output of one export.
pub enum ExportSink {
    Stdout(BufWriter<io::Stdout>),
    /// An existing device or pipe, written directly.
    Stream(BufWriter<File>),
    File(AtomicFile),
}

/// Why an export target was refused.
#[derive(Debug)]
pub enum TargetError {
    /// The target is one of the files the caller protects (the session being exported).
    Protected(PathBuf),
    Io(io::Error),
}

impl std::fmt::Display for TargetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetError::Protected(p) => write!(
                f,
                "is the session's own file {} (writing there would destroy the session); choose another file name",
                p.display()
            ),
            TargetError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<io::Error> for TargetError {
    fn from(e: io::Error) -> TargetError {
        TargetError::Io(e)
    }
}

impl ExportSink {
    /// `-` is standard output; an existing device or pipe is written directly; anything else
    /// a regular file replaced atomically (through a symbolic link). `protected` files are
    /// refused.
    pub fn open(out: &Path, protected: &[PathBuf]) -> Result<ExportSink, TargetError> {
        if out.as_os_str() == "-" {
            return Ok(ExportSink::Stdout(BufWriter::with_capacity(1 << 16, io::stdout())));
        }
        if let Some(p) = protected.iter().find(|p| crate::file_identity::same_file(out, p)) {
            return Err(TargetError::Protected(p.clone()));
        }
        match std::fs::metadata(out) {
            Ok(m) if m.is_dir() => {
                Err(io::Error::other(format!("{}: is a folder; give a file name", out.display())).into())
            }
            Ok(m) if !m.is_file() => {
                Ok(ExportSink::Stream(BufWriter::with_capacity(1 << 16, open_stream(out)?)))
            }
            Ok(_) => {
                let is_link = std::fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink());
                let target = if is_link { std::fs::canonicalize(out)? } else { out.to_path_buf() };
                Ok(ExportSink::File(AtomicFile::create(&target)?))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(out).is_ok() {
                    return Err(io::Error::other(format!(
                        "{}: is a symbolic link to a file that does not exist; remove the link or give another name",
                        out.display()
                    ))
                    .into());
                }
                Ok(ExportSink::File(AtomicFile::create(out)?))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Makes the export visible (renames the file into place) or flushes the stream.
    pub fn finish(self) -> io::Result<()> {
        match self {
            ExportSink::Stdout(mut w) => w.flush(),
            ExportSink::Stream(mut w) => w.flush(),
            ExportSink::File(f) => f.commit(),
        }
    }

    /// True once an interrupt arrived: the caller stops, and dropping the sink removes the
    /// temporary file.
    pub fn interrupted(&self) -> bool {
        match self {
            ExportSink::Stdout(_) | ExportSink::Stream(_) => false,
            ExportSink::File(f) => f.interrupted.load(Ordering::Relaxed),
        }
    }
}

/// Opens an existing device or FIFO for writing without waiting: a FIFO nobody reads is an
/// error at once (ENXIO), not a hang.
fn open_stream(out: &Path) -> io::Result<File> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(out)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ENXIO) => io::Error::other(format!(
                "{}: a pipe (FIFO) that no process is reading; start the reader first",
                out.display()
            )),
            _ => io::Error::new(e.kind(), format!("{}: {e}", out.display())),
        })?;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own, with integer arguments only. Writes block again
    // (a slow reader is waited for, not an error).
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(file)
}

impl Write for ExportSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            ExportSink::Stdout(w) => w.write(buf),
            ExportSink::Stream(w) => w.write(buf),
            ExportSink::File(f) => f.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            ExportSink::Stdout(w) => w.write_all(buf),
            ExportSink::Stream(w) => w.write_all(buf),
            ExportSink::File(f) => f.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            ExportSink::Stdout(w) => w.flush(),
            ExportSink::Stream(w) => w.flush(),
            ExportSink::File(f) => f.writer.as_mut().map_or(Ok(()), |w| w.flush()),
        }
    }
}

/// A file that appears under its name only when `commit` succeeds. Dropped without a commit,
/// it removes its temporary file.
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    writer: Option<BufWriter<File>>,
    interrupted: Arc<AtomicBool>,
    signal_ids: Vec<signal_hook::SigId>,
}

impl AtomicFile {
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        if target.is_dir() {
            return Err(io::Error::other(format!("{}: is a folder; give a file name", target.display())));
        }
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::other(format!("{}: give a file name", target.display())))?;
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty())
            && !parent.is_dir()
        {
            return Err(io::Error::other(format!(
                "the folder {} does not exist; create it first",
                parent.display()
            )));
        }
        let prefix = format!(".{}.partial-", name.to_string_lossy());
        remove_abandoned(target.parent().unwrap_or(Path::new("")), &prefix);
        let tmp = target.with_file_name(format!("{prefix}{}", std::process::id()));
        let interrupted = Arc::new(AtomicBool::new(false));
        let mut signal_ids = Vec::new();
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // Without the handler the default action would kill the process with the
            // temporary file still on disk.
            if let Ok(id) = signal_hook::flag::register(sig, Arc::clone(&interrupted)) {
                signal_ids.push(id);
            }
        }
        let file =
            create_locked(&tmp).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", tmp.display())))?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            tmp,
            writer: Some(BufWriter::with_capacity(1 << 16, file)),
            interrupted,
            signal_ids,
        })
    }

    fn writer(&mut self) -> io::Result<&mut BufWriter<File>> {
        if self.interrupted.load(Ordering::Relaxed) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted; nothing was written"));
        }
        self.writer.as_mut().ok_or_else(|| io::Error::other("the export file is already closed"))
    }

    pub fn commit(mut self) -> io::Result<()> {
        let writer =
            self.writer.take().ok_or_else(|| io::Error::other("the export file is already closed"))?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        if self.interrupted.load(Ordering::Relaxed) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted; nothing was written"));
        }
        std::fs::rename(&self.tmp, &self.target)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.target.display())))?;
        // The file is in place: nothing to remove on drop.
        self.tmp = PathBuf::new();
        Ok(())
    }
}

/// Creates `tmp` and takes an exclusive lock on it, the mark of an export in progress. Another
/// export may have removed the file between its creation and the lock (it looked abandoned);
/// then it is created again.
fn create_locked(tmp: &Path) -> io::Result<File> {
    use std::os::unix::fs::MetadataExt;
    for _ in 0..8 {
        let file = File::create(tmp)?;
        file.lock()?;
        let (ours, named) = (file.metadata()?, std::fs::metadata(tmp));
        if named.is_ok_and(|m| m.dev() == ours.dev() && m.ino() == ours.ino()) {
            return Ok(file);
        }
    }
    Err(io::Error::other("the temporary file keeps disappearing (another process removes it)"))
}

/// Removes the temporary files named `PREFIX…` in `dir` that no process holds locked: exports
/// killed before they could clean up (see the module comment). Best effort: a file that cannot
/// be opened or removed is left.
fn remove_abandoned(dir: &Path, prefix: &str) {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(prefix) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = File::open(&path) else { continue };
        if file.try_lock().is_ok() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer()?.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer()?.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.writer()?.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        drop(self.writer.take());
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        for id in self.signal_ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn commit_replaces_and_drop_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jsonl");
        std::fs::write(&target, "old\n").unwrap();
        {
            let mut f = AtomicFile::create(&target).unwrap();
            f.write_all(b"half").unwrap();
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "old\n", "target untouched while writing");
            // dropped without commit: an interrupted export
        }
        assert_eq!(entries(dir.path()), vec!["out.jsonl"]);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old\n");
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"new\n").unwrap();
        f.commit().unwrap();
        assert_eq!(entries(dir.path()), vec!["out.jsonl"]);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new\n");
    }

    #[test]
    fn a_temporary_file_left_by_a_killed_export_is_removed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jsonl");
        // What SIGKILL leaves: a temporary file nobody holds (the PID is of no matter).
        std::fs::write(dir.path().join(".out.jsonl.partial-999999"), "half").unwrap();
        // Another target's temporary file is not ours to remove.
        std::fs::write(dir.path().join(".other.jsonl.partial-999999"), "half").unwrap();
        // An export in progress holds its lock: left alone.
        let live = dir.path().join(".out.jsonl.partial-1");
        let held = create_locked(&live).unwrap();
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"new\n").unwrap();
        f.commit().unwrap();
        assert_eq!(
            entries(dir.path()),
            vec![".other.jsonl.partial-999999", ".out.jsonl.partial-1", "out.jsonl"]
        );
        drop(held);
    }

    #[test]
    fn refuses_a_folder_and_a_missing_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert!(AtomicFile::create(dir.path()).is_err());
        let err = AtomicFile::create(&dir.path().join("nope").join("x.jsonl")).err().unwrap();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }
}
