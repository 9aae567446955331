//! Text made safe and measurable for the terminal.
//!
//! Model output is untrusted: an escape sequence in a response must never reach the terminal
//! (it could set the clipboard with OSC 52, clear the screen or retitle the window), and a bidi
//! override must not silently reverse what the annotator reads. Everything shown in the TUI
//! goes through [`display_lines`]: [`sanitize`] first, then line breaking (the Unicode line
//! breaking algorithm with dictionaries for Thai, Lao, Khmer and Burmese; widths measured here),
//! then visual order for right-to-left paragraphs, which are aligned to the right edge. All
//! functions here are pure.

mod wrap;

pub use wrap::{DisplayLine, display_lines, wrap};

use unicode_bidi::BidiInfo;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Spaces a tab expands to. Tab stops depend on where the text lands on screen, which the
/// wrapping step decides, so a fixed expansion is the only one that stays stable.
pub const TAB_WIDTH: usize = 4;

/// The visible stand-in for a control character: the Unicode "control pictures" block for C0
/// (ESC becomes `␛`), `␡` for DEL and `�` for C1 controls.
fn control_picture(c: char) -> char {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
        '\u{7f}' => '\u{2421}',
        _ => '\u{FFFD}',
    }
}

/// The visible mark for an invisible bidi formatting character, so that an override in model
/// output shows up instead of reordering the text around it.
fn bidi_mark(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{202A}' => "⟦LRE⟧",
        '\u{202B}' => "⟦RLE⟧",
        '\u{202C}' => "⟦PDF⟧",
        '\u{202D}' => "⟦LRO⟧",
        '\u{202E}' => "⟦RLO⟧",
        '\u{2066}' => "⟦LRI⟧",
        '\u{2067}' => "⟦RLI⟧",
        '\u{2068}' => "⟦FSI⟧",
        '\u{2069}' => "⟦PDI⟧",
        _ => return None,
    })
}

/// Makes text safe to print: control characters (C0 other than newline, DEL, C1) become
/// visible placeholders, bidi overrides and isolates become visible marks, tabs become spaces,
/// `\r\n` becomes `\n` and a lone `\r` becomes `␍`. Newlines are kept.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Emoji sequences are drawn as their separate emoji: a terminal with grapheme
            // clustering (kitty, WezTerm) draws 👨‍👩‍👧 in two cells, one without it (xterm, tmux)
            // in six, and no width the TUI could compute fits both. Without the joiner (and
            // the presentation selector and skin-tone modifiers) every terminal agrees.
            '\u{200D}'
                if out.chars().next_back().is_some_and(is_pictograph)
                    && chars.peek().is_some_and(|&n| is_pictograph(n)) => {}
            '\u{FE0F}' => {}
            '\u{1F3FB}'..='\u{1F3FF}' if out.chars().next_back().is_some_and(is_pictograph) => {}
            '\n' => out.push('\n'),
            '\t' => out.extend(std::iter::repeat_n(' ', TAB_WIDTH)),
            '\r' if chars.peek() == Some(&'\n') => {}
            c if c.is_control() => out.push(control_picture(c)),
            c => match bidi_mark(c) {
                Some(mark) => out.push_str(mark),
                None => out.push(c),
            },
        }
    }
    out
}

/// Characters drawn as emoji pictures (the Extended_Pictographic blocks, roughly).
fn is_pictograph(c: char) -> bool {
    matches!(c as u32, 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2300..=0x23FF | 0x2B00..=0x2BFF)
        && !matches!(c as u32, 0x1F3FB..=0x1F3FF)
}

/// [`sanitize`] for a single-line field (a task-list cell, a title): newlines become `⏎`.
pub fn sanitize_line(s: &str) -> String {
    sanitize(s).replace('\n', "⏎")
}

/// Display width of one grapheme cluster, as the terminal draws it. A cluster joined with ZWJ
/// or forced to emoji presentation (U+FE0F) is one emoji glyph, two cells wide.
pub fn grapheme_width(g: &str) -> usize {
    if g.chars().count() > 1 && (g.contains('\u{200D}') || g.contains('\u{FE0F}')) {
        return 2;
    }
    g.width().min(2)
}

/// Display width of a (sanitized, single-line) string.
pub fn width(s: &str) -> usize {
    s.graphemes(true).map(grapheme_width).sum()
}

/// Cuts `s` to at most `max` cells, ending with `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = fitting(s.graphemes(true), max).concat();
    if max > 0 {
        out.push('…');
    }
    out
}

/// Cuts `s` to at most `max` cells, keeping its end: `…h/China_1`. For ids, whose distinct part
/// is the end (`casa/ja/1`, `casa/ja/2`, …).
pub fn truncate_start(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut kept = fitting(s.graphemes(true).rev(), max);
    kept.reverse();
    let ellipsis = if max > 0 { "…" } else { "" };
    std::iter::once(ellipsis).chain(kept).collect()
}

/// The first graphemes of `graphemes` that fit in `max - 1` cells (one is left for `…`).
fn fitting<'a>(graphemes: impl Iterator<Item = &'a str>, max: usize) -> Vec<&'a str> {
    let mut w = 0;
    graphemes
        .take_while(|g| {
            w += grapheme_width(g);
            w < max
        })
        .collect()
}

/// Pads `s` with spaces to exactly `cells` wide (cutting it first if needed).
pub fn pad(s: &str, cells: usize) -> String {
    let t = truncate(s, cells);
    let w = width(&t);
    let mut out = t;
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

/// Whether a line holds right-to-left characters (Hebrew, Arabic, Persian, Syriac, Thaana, NKo
/// and their presentation forms), so it needs visual reordering.
pub fn has_rtl(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c as u32,
            0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF)
    })
}

/// Whether a paragraph is written right to left: its first letter with a strong direction is
/// right-to-left (how the Unicode bidi algorithm picks a paragraph's base direction). Such a
/// paragraph is drawn against the right edge.
pub fn is_rtl_paragraph(s: &str) -> bool {
    has_rtl(s) && unicode_bidi::get_base_direction(s) == unicode_bidi::Direction::Rtl
}

/// Reorders one display line (already wrapped, no newline) from logical to visual order with the
/// Unicode bidi algorithm, so that Arabic and Persian read correctly on terminals that draw cells
/// left to right. A line without right-to-left characters is returned as is.
pub fn visual_order(line: &str) -> String {
    if !has_rtl(line) {
        return line.to_string();
    }
    let info = BidiInfo::new(line, None);
    let mut out = String::with_capacity(line.len());
    for para in &info.paragraphs {
        out.push_str(&info.reorder_line(para, para.range.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible() {
        let s = sanitize("a\x1b]52;c;SGVsbG8=\x07b\x1b[2Jc");
        assert!(!s.chars().any(|c| c.is_control()), "{s:?}");
        assert_eq!(s, "a␛]52;c;SGVsbG8=␇b␛[2Jc");
    }

    #[test]
    fn c1_and_del_are_replaced() {
        assert_eq!(sanitize("x\u{9b}31m\u{7f}"), "x\u{FFFD}31m␡");
    }

    #[test]
    fn newlines_kept_tabs_expanded_cr_handled() {
        assert_eq!(sanitize("a\tb\r\nc\rd"), "a    b\nc␍d");
        assert_eq!(sanitize_line("a\nb"), "a⏎b");
    }

    #[test]
    fn bidi_overrides_are_marked() {
        let s = sanitize("abc\u{202E}def\u{2066}g");
        assert_eq!(s, "abc⟦RLO⟧def⟦LRI⟧g");
    }

    #[test]
    fn emoji_sequences_are_shown_as_their_emoji() {
        assert_eq!(sanitize("👨\u{200D}👩\u{200D}👧 ok"), "👨👩👧 ok");
        assert_eq!(width(&sanitize("👨\u{200D}👩\u{200D}👧")), 6);
        assert_eq!(sanitize("❤\u{FE0F} 👍\u{1F3FD}"), "❤ 👍");
        // A joiner between letters (Indic conjuncts) is kept.
        assert_eq!(sanitize("क्\u{200D}ष"), "क्\u{200D}ष");
    }

    #[test]
    fn widths_of_scripts() {
        assert_eq!(width("日本語"), 6);
        assert_eq!(width("한국어"), 6);
        assert_eq!(width("abc"), 3);
        // e + combining acute is one cell.
        assert_eq!(width("e\u{301}"), 1);
        // family emoji joined with ZWJ is one 2-cell cluster.
        assert_eq!(width("👨\u{200D}👩\u{200D}👧"), 2);
        assert_eq!(width("Привет"), 6);
    }

    #[test]
    fn wrap_respects_width_for_cjk() {
        let lines = wrap("日本では靴を脱いでください", 10);
        for l in &lines {
            assert!(width(l) <= 10, "{l:?}");
        }
        assert_eq!(lines.concat(), "日本では靴を脱いでください");
    }

    #[test]
    fn wrap_words_and_long_words() {
        assert_eq!(wrap("hello world foo", 11), vec!["hello world", "foo"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\n\nb", 5), vec!["a", "", "b"]);
    }

    #[test]
    fn wrap_never_splits_a_cluster() {
        let text = "👨\u{200D}👩\u{200D}👧👨\u{200D}👩\u{200D}👧 नमस्ते";
        for w in 1..12 {
            for l in wrap(text, w.max(2)) {
                assert!(width(&l) <= w.max(2));
            }
        }
        let joined: String = wrap(text, 3).concat();
        assert!(joined.contains("👨\u{200D}👩\u{200D}👧"));
    }

    #[test]
    fn thai_and_amharic_wrap_within_width() {
        for text in ["สวัสดีครับ ยินดีต้อนรับ", "ሰላም ነው እንዴት ነህ ዛሬ"]
        {
            for l in wrap(text, 6) {
                assert!(width(&l) <= 6, "{l:?}");
            }
        }
    }

    #[test]
    fn arabic_is_reordered_visually() {
        let logical = "مرحبا";
        let visual = visual_order(logical);
        assert_eq!(visual.chars().rev().collect::<String>(), logical);
        assert_eq!(visual_order("hello"), "hello");
        // Mixed: the Latin word keeps its order inside the right-to-left line.
        let mixed = visual_order("سلام abc");
        assert!(mixed.contains("abc"));
    }

    #[test]
    fn truncate_and_pad() {
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(width(&pad("日本", 7)), 7);
        assert_eq!(pad("abcdef", 3), "ab…");
        assert_eq!(truncate_start("demo/zh/China_1", 9), "…/China_1");
        assert_eq!(truncate_start("casa/日本/1", 6), "…本/1");
        assert_eq!(truncate_start("short", 9), "short");
        assert_eq!(truncate_start("abc", 0), "");
    }
}
