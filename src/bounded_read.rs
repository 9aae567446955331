//! Reading a file that a user or an input file names, without trusting the name. The path may
//! be a folder, a device that never ends (`/dev/zero`), a FIFO nobody writes to, or a file far
//! larger than anything sensible; each of those gives a reason at once instead of a hang or an
//! unbounded allocation.
//!
//! Every path is opened with `O_NONBLOCK` (opening a FIFO for reading would otherwise wait for a
//! writer), then its type is checked on the open descriptor (no race with a rename), then at most
//! `max_bytes` are read. Where a stream makes sense (`validate /dev/stdin`, `import <(cat f)`)
//! a pipe is accepted and read in blocking mode up to the same cap; devices never are.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The most read from a ratings table (`agreement --ratings`): far above any real study.
pub const MAX_TABLE_BYTES: u64 = 512 << 20;
/// The most read from a configuration file (a keymap, a label schema).
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Whether a pipe (an anonymous pipe or a FIFO) is an acceptable source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pipes {
    Accept,
    Refuse,
}

/// Why a file was not read: a short reason, to follow `PATH: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(pub String);

/// An opened source: a regular file (its size known) or a pipe.
pub struct Opened {
    pub file: File,
    /// `Some(size)` for a regular file, `None` for a pipe.
    pub size: Option<u64>,
}

fn mib(n: u64) -> String {
    if n >= 1 << 20 { format!("{} MiB", n >> 20) } else { format!("{n} bytes") }
}

fn open_error(e: &io::Error) -> ReadError {
    ReadError(match e.kind() {
        io::ErrorKind::NotFound => "file not found".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => format!("cannot open: {e}"),
    })
}

/// Opens `path` for reading without blocking, and checks what it is: a regular file of at most
/// `max_bytes`, or (with `Pipes::Accept`) a pipe. The descriptor is switched back to blocking
/// reads before it is returned.
pub fn open(path: &Path, max_bytes: u64, pipes: Pipes) -> Result<Opened, ReadError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| open_error(&e))?;
    let meta = file.metadata().map_err(|e| ReadError(format!("cannot read: {e}")))?;
    let kind = meta.file_type();
    let size = if kind.is_file() {
        if meta.len() > max_bytes {
            return Err(ReadError(format!(
                "the file is too large ({}; at most {} is read)",
                mib(meta.len()),
                mib(max_bytes)
            )));
        }
        Some(meta.len())
    } else if kind.is_dir() {
        return Err(ReadError("is a folder, not a file".into()));
    } else if kind.is_fifo() && pipes == Pipes::Accept {
        None
    } else {
        let what = if kind.is_fifo() {
            "a pipe (FIFO)"
        } else if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else {
            "a socket or other special file"
        };
        return Err(ReadError(format!("is not a regular file but {what}; give a regular file")));
    };
    set_blocking(&file).map_err(|e| ReadError(format!("cannot read: {e}")))?;
    Ok(Opened { file, size })
}

fn set_blocking(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own, with integer arguments only.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Reads the whole of `path` (see [`open`]), at most `max_bytes`. A file that grows past the cap
/// while it is read, or a pipe that brings more, is refused too.
pub fn read(path: &Path, max_bytes: u64, pipes: Pipes) -> Result<Vec<u8>, ReadError> {
    let opened = open(path, max_bytes, pipes)?;
    let mut bytes = Vec::with_capacity(opened.size.unwrap_or(0) as usize);
    opened
        .file
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > max_bytes {
        return Err(ReadError(format!(
            "more than {} to read; at most {} is read",
            mib(max_bytes),
            mib(max_bytes)
        )));
    }
    Ok(bytes)
}

/// [`read`], then UTF-8 text (a leading BOM removed).
pub fn read_text(path: &Path, max_bytes: u64, pipes: Pipes) -> Result<String, ReadError> {
    let bytes = read(path, max_bytes, pipes)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let (line, col) = locate(e.as_bytes(), e.utf8_error().valid_up_to());
        ReadError(format!("line {}, column {col}: invalid UTF-8; the file must be UTF-8 text", line + 1))
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// 0-based line offset and 1-based column (in characters) of byte `offset` in `bytes`.
pub fn locate(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before.iter().rposition(|&b| b == b'\n').map(|p| p + 1).unwrap_or(0);
    let lines = before.iter().filter(|&&b| b == b'\n').count();
    let col = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (lines, col)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn locate_counts_lines_and_characters() {
        assert_eq!(locate(b"ab\ncd\xC3\xA9f", 8), (1, 5));
        assert_eq!(locate(b"abc", 0), (0, 1));
    }

    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn devices_folders_and_missing_files_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let start = Instant::now();
        let e = read(Path::new("/dev/zero"), 1 << 20, Pipes::Accept).unwrap_err();
        assert!(e.0.contains("a device"), "{e}");
        assert!(read(dir.path(), 10, Pipes::Accept).unwrap_err().0.contains("folder"));
        assert_eq!(read(&dir.path().join("nope"), 10, Pipes::Accept).unwrap_err().0, "file not found");
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn a_fifo_without_a_writer_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f");
        mkfifo(&fifo);
        let start = Instant::now();
        let e = read(&fifo, 10, Pipes::Refuse).unwrap_err();
        assert!(e.0.contains("pipe"), "{e}");
        // Accepted as a stream: no writer means end of file, not a wait.
        assert_eq!(read(&fifo, 10, Pipes::Accept).unwrap(), b"");
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn sizes_are_capped_for_files_and_pipes() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        std::fs::write(&f, b"12345").unwrap();
        assert_eq!(read(&f, 5, Pipes::Refuse).unwrap(), b"12345");
        assert!(read(&f, 4, Pipes::Refuse).unwrap_err().0.contains("too large"));
        // An anonymous pipe, as `<(cat file)` gives, named through /dev/fd.
        let mut fds = [0; 2];
        // SAFETY: a two-element array for pipe(2).
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: both descriptors were just created and are owned here.
        let (r, mut w) = unsafe {
            use std::os::fd::FromRawFd;
            (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1]))
        };
        io::Write::write_all(&mut w, &[b'x'; 100]).unwrap();
        drop(w);
        use std::os::fd::AsRawFd;
        let named = format!("/dev/fd/{}", r.as_raw_fd());
        assert!(read(Path::new(&named), 50, Pipes::Accept).unwrap_err().0.contains("more than 50 bytes"));
        drop(r);
    }

    #[test]
    fn text_drops_a_bom_and_locates_bad_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        std::fs::write(&f, b"\xEF\xBB\xBFok").unwrap();
        assert_eq!(read_text(&f, 100, Pipes::Refuse).unwrap(), "ok");
        std::fs::write(&f, b"a\nb\xFF").unwrap();
        assert!(read_text(&f, 100, Pipes::Refuse).unwrap_err().0.starts_with("line 2, column 2"));
    }
}
