//! Text normalisation applied at import to the fields an annotator reads (query, English query,
//! norm, response text, judge rationales, and the text of preference pairs).
//!
//! Only two things change, both because the terminal cannot show them faithfully:
//!
//! - a tab is expanded to spaces up to the next multiple of [`TAB_WIDTH`] display columns
//!   (counted with `unicode-width` from the start of its line; control characters count as
//!   zero): a terminal renderer measures a
//!   tab as one cell but the terminal moves the cursor further, which shifts everything after it;
//! - a CRLF line end becomes LF (so does the CRCRLF some tools write); a CR that does not end a
//!   line is kept: the TUI shows it escaped, like any other control character.
//!
//! Nothing else is touched: control and escape characters (including NUL) are kept exactly as
//! given, and the TUI escapes them when it draws; emoji ZWJ sequences and Arabic ligatures are
//! kept too (measuring them is the display's job, see `crate::text`). The function is pure and
//! idempotent, and returns the input unchanged (no allocation) when there is nothing to do.

use std::borrow::Cow;
use unicode_width::UnicodeWidthChar;

/// Tab stops every this many display columns.
pub const TAB_WIDTH: usize = 4;

/// True when `s` contains a tab or a carriage return. `memchr2` searches with the CPU's vector
/// instructions: this runs over every imported text byte.
fn needs_work(s: &str) -> bool {
    memchr::memchr2(b'\t', b'\r', s.as_bytes()).is_some()
}

/// Expands tabs and turns CRLF into LF (see the module documentation).
pub fn normalize_text(s: &str) -> Cow<'_, str> {
    if !needs_work(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut column = 0usize;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => {
                let spaces = TAB_WIDTH - column % TAB_WIDTH;
                out.extend(std::iter::repeat_n(' ', spaces));
                column += spaces;
            }
            '\r' => {
                // A run of CRs ending a line (CRLF, or the CRCRLF some tools write) is one line
                // end; a CR elsewhere is kept.
                let mut run = 1;
                while chars.peek() == Some(&'\r') {
                    chars.next();
                    run += 1;
                }
                if chars.peek() != Some(&'\n') {
                    out.extend(std::iter::repeat_n('\r', run));
                }
            }
            '\n' => {
                out.push('\n');
                column = 0;
            }
            c => {
                out.push(c);
                column += c.width().unwrap_or(0);
            }
        }
    }
    Cow::Owned(out)
}

/// [`normalize_text`] on an owned string, replacing it only when something changed.
pub fn normalize_in_place(s: &mut String) {
    if let Cow::Owned(n) = normalize_text(s) {
        *s = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        let s = "こんにちは, a plain line\nand another 👩‍👩‍👧 لا";
        assert!(matches!(normalize_text(s), Cow::Borrowed(_)));
        assert_eq!(normalize_text(s), s);
    }

    #[test]
    fn tabs_expand_to_the_next_stop() {
        assert_eq!(normalize_text("\tx"), "    x");
        assert_eq!(normalize_text("ab\tc"), "ab  c");
        assert_eq!(normalize_text("abcd\te"), "abcd    e");
        // Wide characters count two columns: 日本 takes 4, so the tab goes to column 8.
        assert_eq!(normalize_text("日本\tx"), "日本    x");
        assert_eq!(normalize_text("日\tx"), "日  x");
        // The column restarts after a line end.
        assert_eq!(normalize_text("abc\n\tx"), "abc\n    x");
    }

    #[test]
    fn crlf_becomes_lf_and_lone_cr_is_kept() {
        assert_eq!(normalize_text("a\r\nb\r\n"), "a\nb\n");
        assert_eq!(normalize_text("a\rb"), "a\rb");
        assert_eq!(normalize_text("a\r\r\nb"), "a\nb");
        assert_eq!(normalize_text("a\r\rb\r"), "a\r\rb\r");
    }

    #[test]
    fn control_characters_are_kept() {
        let s = "bell\u{7} nul\u{0} esc\u{1b}[31m";
        assert_eq!(normalize_text(s), s);
        // Control characters count as zero columns.
        assert_eq!(normalize_text("\u{0}\t"), "\u{0}    ");
    }

    #[test]
    fn long_text_with_a_late_tab_is_found() {
        let mut s = "x".repeat(100);
        s.push('\t');
        assert_eq!(normalize_text(&s).len(), 104);
        let mut owned = s.clone();
        normalize_in_place(&mut owned);
        assert_eq!(owned, format!("{}    ", "x".repeat(100)));
    }

    proptest::proptest! {
        #[test]
        fn idempotent_and_free_of_tabs_and_crlf(s in ".{0,80}") {
            let once = normalize_text(&s).into_owned();
            proptest::prop_assert!(!once.contains('\t'));
            proptest::prop_assert!(!once.contains("\r\n"));
            let twice = normalize_text(&once).into_owned();
            proptest::prop_assert_eq!(once, twice);
        }
    }
}
