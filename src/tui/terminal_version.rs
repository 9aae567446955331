//! Which terminal, and which version: XTVERSION (`CSI > q`), answered by kitty, xterm, foot,
//! WezTerm, tmux and others as `DCS > | NAME(VERSION) ST` or `DCS > | NAME VERSION ST`.
//!
//! Why: ratatui-image draws kitty images with Unicode placeholders, which kitty only reads from
//! 0.28 on. The protocol probe sees that kitty speaks its graphics protocol but not which
//! version it is, and an older kitty (0.26 is Debian 12's) shows a grid of boxes where the
//! image should be. Asked after the probe, only when it chose kitty.

use std::io::Write;
use std::time::{Duration, Instant};

/// The first kitty that reads the Unicode placeholders ratatui-image draws with.
pub const KITTY_PLACEHOLDERS_FROM: (u32, u32) = (0, 28);

/// Asks the terminal (in raw mode) for its name and version. The question is followed by DA1
/// (`CSI c`), which every terminal answers, so the reply is complete when DA1's answer arrives;
/// a terminal that answers neither is waited for at most `timeout`.
#[cfg(unix)]
pub fn query(timeout: Duration) -> Option<String> {
    let mut out = std::io::stdout();
    out.write_all(b"\x1b[>q\x1b[c").ok()?;
    out.flush().ok()?;
    let start = Instant::now();
    let mut got = Vec::new();
    while !has_device_attributes(&got) {
        let left = timeout.checked_sub(start.elapsed())?;
        let mut fds = libc::pollfd { fd: libc::STDIN_FILENO, events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd, for the duration of the call.
        let ready = unsafe { libc::poll(&mut fds, 1, left.as_millis().min(i32::MAX as u128) as i32) };
        if ready <= 0 {
            return None;
        }
        let mut buf = [0u8; 256];
        // SAFETY: reads into a buffer of the length given.
        let n = unsafe { libc::read(libc::STDIN_FILENO, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return None;
        }
        got.extend_from_slice(&buf[..n as usize]);
    }
    parse(&got)
}

#[cfg(not(unix))]
pub fn query(_timeout: Duration) -> Option<String> {
    None
}

/// Whether `bytes` hold a DA1 answer (`CSI ? … c`).
fn has_device_attributes(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while let Some(at) = memchr::memmem::find(rest, b"\x1b[?") {
        let tail = &rest[at + 3..];
        match tail.iter().position(|b| !(b.is_ascii_digit() || *b == b';')) {
            Some(end) if tail[end] == b'c' => return true,
            _ => rest = tail,
        }
    }
    false
}

/// The text of an XTVERSION answer (`ESC P > | TEXT ESC \`), if `bytes` hold one.
pub fn parse(bytes: &[u8]) -> Option<String> {
    let start = memchr::memmem::find(bytes, b"\x1bP>|")? + 4;
    let len = memchr::memmem::find(&bytes[start..], b"\x1b\\")?;
    Some(String::from_utf8_lossy(&bytes[start..start + len]).into_owned())
}

/// For a kitty older than [`KITTY_PLACEHOLDERS_FROM`], its version (`kitty(0.26.5)` → `0.26.5`).
pub fn kitty_without_placeholders(version: &str) -> Option<&str> {
    let number = version.strip_prefix("kitty(")?.strip_suffix(')')?;
    let mut parts = number.split('.').map(|p| p.parse::<u32>().ok());
    let (major, minor) = (parts.next()??, parts.next()??);
    ((major, minor) < KITTY_PLACEHOLDERS_FROM).then_some(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_answer_between_other_replies() {
        let reply = b"\x1b_Gi=31;OK\x1b\\\x1bP>|kitty(0.26.5)\x1b\\\x1b[?62;c";
        assert!(has_device_attributes(reply));
        assert_eq!(parse(reply).as_deref(), Some("kitty(0.26.5)"));
        assert_eq!(parse(b"\x1bP>|XTerm(379)\x1b\\").as_deref(), Some("XTerm(379)"));
        // Not yet complete: no DA1 answer, or a cut-off one.
        assert!(!has_device_attributes(b"\x1bP>|kitty(0.26.5)\x1b\\"));
        assert!(!has_device_attributes(b"\x1b[?62;"));
        assert!(has_device_attributes(b"\x1b[?1;2c"));
        assert_eq!(parse(b"\x1b[?62;c"), None);
    }

    #[test]
    fn only_kitty_before_0_28_lacks_placeholders() {
        assert_eq!(kitty_without_placeholders("kitty(0.26.5)"), Some("0.26.5"));
        assert_eq!(kitty_without_placeholders("kitty(0.21.2)"), Some("0.21.2"));
        assert_eq!(kitty_without_placeholders("kitty(0.28.0)"), None);
        assert_eq!(kitty_without_placeholders("kitty(0.39.1)"), None);
        assert_eq!(kitty_without_placeholders("kitty(1.0)"), None);
        assert_eq!(kitty_without_placeholders("WezTerm 20240203"), None);
        assert_eq!(kitty_without_placeholders("kitty(garbage)"), None);
    }
}
