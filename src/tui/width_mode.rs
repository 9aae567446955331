//! Keeps grapheme-clustering terminals in the width model the TUI draws with.
//!
//! The TUI measures text code point by code point, like `wcwidth` (see `text::char_width`):
//! what tmux, xterm and VTE do. Terminals that cluster graphemes when mode 2027 is set
//! (Ghostty by default, foot, Contour, WezTerm when asked) draw `र्मी` in one cell instead of
//! three. Resetting the mode while the TUI runs puts them in the same model; the mode is saved
//! first (XTSAVE) and restored on exit (XTRESTORE), so the shell gets back the setting it had.
//! Terminals that do not know the mode ignore all three sequences. kitty always clusters and
//! has no switch: there a cluster leaves blank cells after it, and nothing moves or is
//! overwritten, because the TUI sends each cluster whole and then moves the cursor.
//! `terminal_setup` writes these with the other terminal modes, so every exit path restores it.

/// Save mode 2027, then reset it (grapheme clustering off).
pub const ENTER: &[u8] = b"\x1b[?2027s\x1b[?2027l";
/// Restore mode 2027 as it was saved.
pub const LEAVE: &[u8] = b"\x1b[?2027r";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_is_saved_before_it_is_reset_and_restored_on_leave() {
        let s = String::from_utf8([ENTER, LEAVE].concat()).unwrap();
        let save = s.find("\x1b[?2027s").unwrap();
        let reset = s.find("\x1b[?2027l").unwrap();
        let restore = s.find("\x1b[?2027r").unwrap();
        assert!(save < reset && reset < restore, "{s:?}");
        // Never set it: that would turn clustering on in a terminal that had it off.
        assert!(!s.contains("\x1b[?2027h"));
    }
}
