//! Answers that come after the probe gave up. crossterm reads kitty's answer (`APC G … ST`) and
//! XTVERSION's (`DCS > | … ST`) as Alt+`_` or Alt+`P`, then their characters as keys (`Gi=31;OK`
//! holds a `1`, which labels), then Alt+`\`. When the probe went unanswered, such a burst is
//! recognised and ignored. Other late answers (DA1, the cell size, the status report) are
//! control sequences crossterm drops by itself.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};

/// An answer arrives in one piece: its keys come this close together, a person's do not.
const BURST: Duration = Duration::from_millis(200);

#[derive(Debug)]
pub struct LateAnswers {
    watching: bool,
    /// Inside an answer: when its last key came.
    inside: Option<Instant>,
}

fn alt(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::ALT) && key.code == KeyCode::Char(c)
}

impl LateAnswers {
    /// `watching` when the probe gave up before every answer was in.
    pub fn new(watching: bool) -> LateAnswers {
        LateAnswers { watching, inside: None }
    }

    /// Whether `key`, arriving at `now`, belongs to a late answer (and is to be ignored).
    pub fn swallow(&mut self, key: &KeyEvent, now: Instant) -> bool {
        if !self.watching {
            return false;
        }
        if let Some(last) = self.inside.take()
            && now.duration_since(last) <= BURST
        {
            if !alt(key, '\\') {
                self.inside = Some(now);
            }
            return true;
        }
        if alt(key, '_') || alt(key, 'P') {
            self.inside = Some(now);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<KeyEvent> {
        crate::tui::typed_keys::events(text.as_bytes())
            .into_iter()
            .map(|e| match e {
                crossterm::event::Event::Key(k) => k,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    fn kept(late: &mut LateAnswers, text: &str, t0: Instant, gap: Duration) -> String {
        let mut out = String::new();
        for (i, k) in keys(text).iter().enumerate() {
            if !late.swallow(k, t0 + gap * i as u32) {
                out.push_str(&format!("{:?};", k.code));
            }
        }
        out
    }

    #[test]
    fn a_late_kitty_or_version_answer_is_ignored_and_the_keys_around_it_are_not() {
        let t0 = Instant::now();
        let fast = Duration::from_millis(1);
        let mut late = LateAnswers::new(true);
        let got = kept(&mut late, "1\x1b_Gi=31;OK\x1b\\\x1bP>|kitty(0.26.5)\x1b\\", t0, fast);
        assert_eq!(got, "Char('1');");
        // The next key, a while later, counts.
        assert_eq!(kept(&mut late, "0", t0 + Duration::from_secs(1), fast), "Char('0');");
    }

    #[test]
    fn only_a_burst_is_an_answer() {
        let t0 = Instant::now();
        let slow = Duration::from_millis(300);
        // A person's Alt+_ then keys: only the Alt key itself is dropped.
        assert_eq!(kept(&mut LateAnswers::new(true), "\x1b_10", t0, slow), "Char('1');Char('0');");
        // Not watching (every answer came in time): nothing is dropped.
        let all = kept(&mut LateAnswers::new(false), "\x1b_1", t0, Duration::from_millis(1));
        assert_eq!(all, "Char('_');Char('1');");
    }
}
