//! The terminal probe: one batch of questions (kitty graphics, DA1 for sixel, the cell size in
//! pixels, XTVERSION), closed by a Device Status Report that every terminal answers, read on the
//! calling thread with a deadline.
//!
//! Why our own: ratatui-image's query reads standard input on a thread of its own through the
//! buffered `std::io::stdin()`. A terminal that never answers (tmux passes the questions on to
//! an outer terminal that may not be there) leaves that thread blocked in `read` after the
//! timeout, and it swallows the next key; bytes that arrive with the answers stay in the
//! buffer. Here nothing reads after the probe returns, and every byte that is not part of an
//! answer (a key typed while the terminal was asked) is handed back as typed input.

use std::time::Duration;

/// What the terminal answered.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Answers {
    /// The kitty graphics query was answered OK.
    pub kitty: bool,
    /// DA1 lists sixel graphics (attribute 4).
    pub sixel: bool,
    /// Cell width and height in pixels (`CSI 16 t`).
    pub cell: Option<(u16, u16)>,
    /// XTVERSION's text, e.g. `kitty(0.26.5)`.
    pub version: Option<String>,
    /// The closing status report arrived: every answer before it is in.
    pub complete: bool,
}

/// The questions, in the order the answers are expected; `tmux` wraps them for tmux to pass on to
/// the outer terminal (the one that draws the images).
pub fn questions(tmux: bool, ask_kitty: bool, ask_sixel: bool) -> Vec<u8> {
    let mut q = Vec::new();
    if ask_kitty {
        q.extend_from_slice(b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\");
    }
    if ask_sixel {
        q.extend_from_slice(b"\x1b[c");
    }
    q.extend_from_slice(b"\x1b[16t\x1b[>q\x1b[5n");
    if !tmux {
        return q;
    }
    let mut wrapped = b"\x1bPtmux;".to_vec();
    for b in q {
        if b == 0x1b {
            wrapped.push(0x1b);
        }
        wrapped.push(b);
    }
    wrapped.extend_from_slice(b"\x1b\\");
    wrapped
}

/// Splits what the terminal sends during the probe into answers and typed input (pure; fed in
/// whatever pieces `read` returns).
#[derive(Debug, Default)]
pub struct Replies {
    pending: Vec<u8>,
    typed: Vec<u8>,
    answers: Answers,
}

/// The longest answer kept waiting for its end; past this an unfinished escape is typed input.
const LONGEST_ANSWER: usize = 1024;

enum Piece {
    /// An answer of this many bytes.
    Answer(usize),
    /// Not an answer: the escape byte is typed input.
    Typed,
    /// Could still become an answer: wait for more.
    Unfinished,
}

impl Replies {
    pub fn feed(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        self.scan(false);
    }

    /// The closing status report arrived.
    pub fn complete(&self) -> bool {
        self.answers.complete
    }

    /// The answers, and every byte that was not part of one, in arrival order.
    pub fn finish(mut self) -> (Answers, Vec<u8>) {
        self.scan(true);
        (self.answers, self.typed)
    }

    fn scan(&mut self, last: bool) {
        let mut at = 0;
        while at < self.pending.len() {
            let rest = &self.pending[at..];
            // After the closing report nothing more is expected: all of it was typed.
            if self.answers.complete || rest[0] != 0x1b {
                self.typed.push(rest[0]);
                at += 1;
                continue;
            }
            match piece(rest) {
                Piece::Answer(len) => {
                    let answer = rest[..len].to_vec();
                    self.take(&answer);
                    at += len;
                }
                Piece::Unfinished if !last && rest.len() < LONGEST_ANSWER => break,
                Piece::Typed | Piece::Unfinished => {
                    self.typed.push(0x1b);
                    at += 1;
                }
            }
        }
        self.pending.drain(..at);
    }

    fn take(&mut self, answer: &[u8]) {
        let a = &mut self.answers;
        let body = &answer[2..];
        match answer[1] {
            b'_' => a.kitty |= body.starts_with(b"Gi=31;") && body.ends_with(b";OK\x1b\\"),
            b'P' => {
                if let Some(text) = body.strip_prefix(b">|") {
                    a.version = Some(String::from_utf8_lossy(&text[..text.len() - 2]).into_owned());
                }
            }
            b'[' => {
                let (params, last) = (&body[..body.len() - 1], body[body.len() - 1]);
                match (last, params) {
                    (b'n', b"0") => a.complete = true,
                    (b'c', p) => a.sixel |= p[1..].split(|b| *b == b';').any(|x| x == b"4"),
                    (b't', p) => {
                        let n: Vec<Option<u16>> = p
                            .split(|b| *b == b';')
                            .map(|x| std::str::from_utf8(x).ok()?.parse().ok())
                            .collect();
                        if let [Some(6), Some(h), Some(w)] = n[..]
                            && w > 0
                            && h > 0
                        {
                            a.cell = Some((w, h));
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

/// What the bytes from an escape on are: one of the answers asked for, typed input, or too
/// short to tell.
fn piece(s: &[u8]) -> Piece {
    let Some(&kind) = s.get(1) else { return Piece::Unfinished };
    match kind {
        // APC (kitty), DCS (XTVERSION), OSC: up to the string terminator; an escape inside
        // that does not end it means this was not an answer.
        b'_' | b'P' | b']' => {
            for (i, &b) in s.iter().enumerate().skip(2) {
                if b == 0x07 && kind == b']' {
                    return Piece::Answer(i + 1);
                }
                if b == 0x1b {
                    return match s.get(i + 1) {
                        Some(b'\\') => Piece::Answer(i + 2),
                        Some(_) => Piece::Typed,
                        None => Piece::Unfinished,
                    };
                }
            }
            Piece::Unfinished
        }
        b'[' => {
            for (i, &b) in s.iter().enumerate().skip(2) {
                match b {
                    0x20..=0x3f => continue,
                    0x40..=0x7e => {
                        let params = &s[2..i];
                        let answer = match b {
                            b'n' => params == b"0",
                            b'c' => params.starts_with(b"?"),
                            b't' => params.starts_with(b"6;"),
                            _ => false,
                        };
                        return if answer { Piece::Answer(i + 1) } else { Piece::Typed };
                    }
                    _ => return Piece::Typed,
                }
            }
            Piece::Unfinished
        }
        _ => Piece::Typed,
    }
}

/// Asks the terminal `questions` and reads the answers on this thread until the closing status
/// report or `timeout`. Nothing is left reading afterwards. Returns the answers and the bytes
/// typed meanwhile.
#[cfg(unix)]
pub fn ask(questions: &[u8], timeout: Duration) -> (Answers, Vec<u8>) {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    let mut replies = Replies::default();
    // The terminal crossterm reads keys from: standard input, or the controlling terminal.
    let tty_file;
    // SAFETY: isatty only inspects a descriptor number; any value is safe to ask about.
    let fd = if unsafe { libc::isatty(libc::STDIN_FILENO) } == 1 {
        libc::STDIN_FILENO
    } else {
        match std::fs::File::open("/dev/tty") {
            Ok(f) => {
                tty_file = f;
                tty_file.as_raw_fd()
            }
            Err(_) => return replies.finish(),
        }
    };
    let mut out = std::io::stdout();
    if out.write_all(questions).and_then(|_| out.flush()).is_err() {
        return replies.finish();
    }
    let deadline = std::time::Instant::now() + timeout;
    while !replies.complete() {
        let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) else { break };
        let mut fds = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd, for the duration of the call.
        let ready = unsafe { libc::poll(&mut fds, 1, left.as_millis().clamp(1, i32::MAX as u128) as i32) };
        if ready < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        if ready <= 0 {
            break;
        }
        let mut buf = [0u8; 512];
        // SAFETY: reads into a buffer of the length given; poll said it will not block.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            break;
        }
        replies.feed(&buf[..n as usize]);
    }
    replies.finish()
}

#[cfg(not(unix))]
pub fn ask(_questions: &[u8], _timeout: Duration) -> (Answers, Vec<u8>) {
    Replies::default().finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(pieces: &[&[u8]]) -> (Answers, Vec<u8>) {
        let mut r = Replies::default();
        for p in pieces {
            r.feed(p);
        }
        r.finish()
    }

    const KITTY_ANSWERS: &[u8] =
        b"\x1b_Gi=31;OK\x1b\\\x1b[?62;4;22c\x1b[6;20;10t\x1bP>|kitty(0.26.5)\x1b\\\x1b[0n";

    #[test]
    fn reads_every_answer() {
        let (a, typed) = split(&[KITTY_ANSWERS]);
        assert_eq!(
            a,
            Answers {
                kitty: true,
                sixel: true,
                cell: Some((10, 20)),
                version: Some("kitty(0.26.5)".into()),
                complete: true
            }
        );
        assert!(typed.is_empty(), "{typed:?}");
        // A terminal without kitty graphics or sixel, answering DA1 and the status only.
        let (a, typed) = split(&[b"\x1b[?1;2c\x1b[0n"]);
        assert_eq!(a, Answers { complete: true, ..Answers::default() });
        assert!(typed.is_empty());
    }

    #[test]
    fn keys_typed_between_the_answers_are_kept_in_order() {
        // `1` before the answers, an arrow key in the middle, `2` and Enter after the status.
        let mut bytes = b"1".to_vec();
        bytes.extend_from_slice(b"\x1b_Gi=31;OK\x1b\\\x1b[B\x1b[?62;c");
        bytes.extend_from_slice(b"\x1b[0n2\r");
        let (a, typed) = split(&[&bytes]);
        assert!(a.kitty && a.complete && !a.sixel);
        assert_eq!(typed, b"1\x1b[B2\r");
    }

    #[test]
    fn answers_cut_anywhere_between_reads_are_joined() {
        for cut in 1..KITTY_ANSWERS.len() {
            let (a, typed) = split(&[&KITTY_ANSWERS[..cut], &KITTY_ANSWERS[cut..]]);
            assert!(a.kitty && a.sixel && a.complete, "cut at {cut}");
            assert_eq!(a.version.as_deref(), Some("kitty(0.26.5)"), "cut at {cut}");
            assert!(typed.is_empty(), "cut at {cut}: {typed:?}");
        }
    }

    #[test]
    fn nothing_answered_gives_back_every_byte() {
        // A lone Esc key, then letters, when the terminal answers nothing.
        let (a, typed) = split(&[b"1", b"\x1b", b"q"]);
        assert_eq!(a, Answers::default());
        assert_eq!(typed, b"1\x1bq");
        let (_, typed) = split(&[b"\x1b"]);
        assert_eq!(typed, b"\x1b");
        // Alt+P is not the start of an answer once a key that cannot be one follows.
        let (_, typed) = split(&[b"\x1bPa\x1b[0n"]);
        assert_eq!(typed, b"\x1bPa");
    }

    #[test]
    fn questions_are_wrapped_for_tmux() {
        assert_eq!(questions(false, false, false), b"\x1b[16t\x1b[>q\x1b[5n");
        assert_eq!(
            questions(true, false, true),
            b"\x1bPtmux;\x1b\x1b[c\x1b\x1b[16t\x1b\x1b[>q\x1b\x1b[5n\x1b\\".to_vec()
        );
        assert!(questions(false, true, false).starts_with(b"\x1b_Gi=31,"));
    }
}
