//! Keys from raw terminal bytes, for the bytes typed while the terminal probe was reading
//! (crossterm never sees them, so they are turned into the same key events here). Covers what a
//! person types: characters, Enter, Tab, Backspace, Esc, Ctrl and Alt with a key, arrows,
//! Home/End, Page Up/Down, Insert/Delete and F1–F12.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

/// The key events in `bytes`, in order. A sequence this does not know is dropped whole (never
/// read as the letters it is made of).
pub fn events(bytes: &[u8]) -> Vec<Event> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let (key, len) = key_at(&bytes[at..]);
        if let Some((code, modifiers)) = key {
            out.push(Event::Key(KeyEvent::new(code, modifiers)));
        }
        at += len.max(1);
    }
    out
}

type Key = Option<(KeyCode, KeyModifiers)>;

fn plain(code: KeyCode) -> Key {
    Some((code, KeyModifiers::NONE))
}

/// The key at the start of `s` and how many bytes it takes.
fn key_at(s: &[u8]) -> (Key, usize) {
    match s[0] {
        0x1b => escape(s),
        b'\r' | b'\n' => (plain(KeyCode::Enter), 1),
        b'\t' => (plain(KeyCode::Tab), 1),
        0x7f | 0x08 => (plain(KeyCode::Backspace), 1),
        0 => (Some((KeyCode::Char(' '), KeyModifiers::CONTROL)), 1),
        c @ 0x01..=0x1a => (Some((KeyCode::Char((b'a' + c - 1) as char), KeyModifiers::CONTROL)), 1),
        0x1c..=0x1f => (None, 1),
        _ => {
            let (c, len) = utf8_char(s);
            (c.map(|c| (KeyCode::Char(c), KeyModifiers::NONE)), len)
        }
    }
}

fn utf8_char(s: &[u8]) -> (Option<char>, usize) {
    let len = match s[0] {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return (None, 1),
    };
    match s.get(..len).and_then(|b| std::str::from_utf8(b).ok()) {
        Some(text) => (text.chars().next(), len),
        None => (None, 1),
    }
}

fn escape(s: &[u8]) -> (Key, usize) {
    match s.get(1) {
        None | Some(0x1b) => (plain(KeyCode::Esc), 1),
        Some(b'[') => csi(s),
        Some(b'O') if s.len() > 2 => (ss3(s[2]), 3),
        Some(_) => {
            // Alt with a key.
            let (key, len) = key_at(&s[1..]);
            (key.map(|(code, m)| (code, m | KeyModifiers::ALT)), len + 1)
        }
    }
}

fn ss3(b: u8) -> Key {
    plain(match b {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'P'..=b'S' => KeyCode::F(b - b'P' + 1),
        _ => return None,
    })
}

fn csi(s: &[u8]) -> (Key, usize) {
    let Some(end) = s.iter().skip(2).position(|b| (0x40..=0x7e).contains(b)).map(|p| p + 2) else {
        return (None, s.len());
    };
    let params: Vec<u8> =
        std::str::from_utf8(&s[2..end]).unwrap_or("").split(';').map(|p| p.parse().unwrap_or(0)).collect();
    let modifiers = match params.get(1) {
        Some(&m) if m > 1 => {
            let bits = m - 1;
            let mut mods = KeyModifiers::NONE;
            for (bit, m) in [(1, KeyModifiers::SHIFT), (2, KeyModifiers::ALT), (4, KeyModifiers::CONTROL)] {
                if bits & bit != 0 {
                    mods |= m;
                }
            }
            mods
        }
        _ => KeyModifiers::NONE,
    };
    let code = match s[end] {
        b'Z' => Some(KeyCode::BackTab),
        b'~' => match params[0] {
            1 | 7 => Some(KeyCode::Home),
            2 => Some(KeyCode::Insert),
            3 => Some(KeyCode::Delete),
            4 | 8 => Some(KeyCode::End),
            5 => Some(KeyCode::PageUp),
            6 => Some(KeyCode::PageDown),
            n @ 11..=15 => Some(KeyCode::F(n - 10)),
            n @ 17..=21 => Some(KeyCode::F(n - 11)),
            n @ 23..=24 => Some(KeyCode::F(n - 12)),
            _ => None,
        },
        b => ss3(b).map(|(code, _)| code),
    };
    (code.map(|c| (c, modifiers)), end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(bytes: &[u8]) -> Vec<(KeyCode, KeyModifiers)> {
        events(bytes)
            .into_iter()
            .map(|e| match e {
                Event::Key(k) => (k.code, k.modifiers),
                other => panic!("not a key: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn characters_and_control_keys() {
        let none = KeyModifiers::NONE;
        assert_eq!(
            keys("1é中\r\t\x7f".as_bytes()),
            vec![
                (KeyCode::Char('1'), none),
                (KeyCode::Char('é'), none),
                (KeyCode::Char('中'), none),
                (KeyCode::Enter, none),
                (KeyCode::Tab, none),
                (KeyCode::Backspace, none)
            ]
        );
        assert_eq!(keys(b"\x03"), vec![(KeyCode::Char('c'), KeyModifiers::CONTROL)]);
        assert_eq!(keys(b"\x1b"), vec![(KeyCode::Esc, none)]);
        assert_eq!(keys(b"\x1bq"), vec![(KeyCode::Char('q'), KeyModifiers::ALT)]);
    }

    #[test]
    fn arrows_and_function_keys() {
        let none = KeyModifiers::NONE;
        assert_eq!(
            keys(b"\x1b[A\x1bOB\x1b[5~\x1b[6~\x1b[3~\x1b[H\x1bOF\x1bOP\x1b[15~\x1b[24~\x1b[Z"),
            vec![
                (KeyCode::Up, none),
                (KeyCode::Down, none),
                (KeyCode::PageUp, none),
                (KeyCode::PageDown, none),
                (KeyCode::Delete, none),
                (KeyCode::Home, none),
                (KeyCode::End, none),
                (KeyCode::F(1), none),
                (KeyCode::F(5), none),
                (KeyCode::F(12), none),
                (KeyCode::BackTab, none)
            ]
        );
        assert_eq!(keys(b"\x1b[1;5C"), vec![(KeyCode::Right, KeyModifiers::CONTROL)]);
        assert_eq!(keys(b"\x1b[1;2A"), vec![(KeyCode::Up, KeyModifiers::SHIFT)]);
    }

    #[test]
    fn unknown_sequences_are_dropped_whole() {
        // An unknown CSI is not read as `9` and `x`; the key after it still counts.
        assert_eq!(keys(b"\x1b[9x1"), vec![(KeyCode::Char('1'), KeyModifiers::NONE)]);
        assert_eq!(keys(b"\x1b[1;2"), vec![]);
    }
}
