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
use unicode_width::UnicodeWidthChar;

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
/// `\r\n` becomes `\n` and a lone `\r` becomes `␍`; zero-width joiners are dropped and a
/// combining mark that starts a line is put on a no-break space. Newlines are kept.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Emoji sequences are drawn as their separate emoji: a terminal with grapheme
            // clustering (kitty, WezTerm) draws 👨‍👩‍👧 in two cells, one without it (xterm) in
            // six, and no width the TUI could compute fits both. Without the joiner (and the
            // presentation selector and skin-tone modifiers) every terminal agrees. The same
            // goes for a joiner between letters (Sinhala ශ්‍රී, Devanagari क्‍ष): tmux puts the
            // next non-ASCII character it receives after a joiner, even after a cursor move
            // (a pane border), into the cell before it, where xterm and VTE give it its own;
            // terminals that do not shape text draw the same without the joiner.
            '\u{200D}' => {}
            '\u{FE0F}' => {}
            '\u{1F3FB}'..='\u{1F3FF}' if out.chars().next_back().is_some_and(is_pictograph) => {}
            '\n' => out.push('\n'),
            '\t' => out.extend(std::iter::repeat_n(' ', TAB_WIDTH)),
            '\r' if chars.peek() == Some(&'\n') => {}
            c if c.is_control() => out.push(control_picture(c)),
            c => match bidi_mark(c) {
                Some(mark) => out.push_str(mark),
                None => {
                    // A mark with no character before it would join whatever the terminal drew
                    // last (a border); it is shown on a no-break space, as Unicode suggests.
                    if char_width(c) == 0 && matches!(out.chars().next_back(), None | Some('\n')) {
                        out.push('\u{A0}');
                    }
                    out.push(c)
                }
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

/// Where terminals measure a code point differently from `unicode-width`: the C library's
/// `wcwidth` (glibc 2.36, Unicode 15), which tmux, xterm and VTE-based terminals follow, gives
/// spacing vowel signs that extend a cluster (Bengali া, Tamil ா, Malayalam ാ...) one cell
/// where `unicode-width` gives none, and differs on a few symbols. Ranges, inclusive, sorted.
const TERMINAL_WIDTH_EXCEPTIONS: [(u32, u32, u8); 65] = [
    (0x00AD, 0x00AD, 1),
    (0x0605, 0x0605, 1),
    (0x070F, 0x070F, 1),
    (0x0890, 0x0891, 1),
    (0x08E2, 0x08E2, 1),
    (0x09BE, 0x09BE, 1),
    (0x09D7, 0x09D7, 1),
    (0x0B3E, 0x0B3E, 1),
    (0x0B57, 0x0B57, 1),
    (0x0BBE, 0x0BBE, 1),
    (0x0BD7, 0x0BD7, 1),
    (0x0CC0, 0x0CC0, 1),
    (0x0CC2, 0x0CC2, 1),
    (0x0CC7, 0x0CC8, 1),
    (0x0CCA, 0x0CCB, 1),
    (0x0CD5, 0x0CD6, 1),
    (0x0D3E, 0x0D3E, 1),
    (0x0D4E, 0x0D4E, 1),
    (0x0D57, 0x0D57, 1),
    (0x0DCF, 0x0DCF, 1),
    (0x0DDF, 0x0DDF, 1),
    (0x1715, 0x1715, 1),
    (0x1734, 0x1734, 1),
    (0x17A4, 0x17A4, 1),
    (0x17D8, 0x17D8, 1),
    (0x1B35, 0x1B35, 1),
    (0x1B3B, 0x1B3B, 1),
    (0x1B3D, 0x1B3D, 1),
    (0x1B43, 0x1B44, 1),
    (0x1BAA, 0x1BAA, 1),
    (0x1BF2, 0x1BF3, 1),
    (0x2630, 0x2637, 1),
    (0x268A, 0x268F, 1),
    (0x2D7F, 0x2D7F, 0),
    (0x302E, 0x302F, 2),
    (0x3164, 0x3164, 2),
    (0x3248, 0x324F, 2),
    (0xA8FA, 0xA8FA, 1),
    (0xA953, 0xA953, 1),
    (0xA9C0, 0xA9C0, 1),
    (0xFFA0, 0xFFA0, 1),
    (0xFFF9, 0xFFFB, 0),
    (0x111C0, 0x111C0, 1),
    (0x111C2, 0x111C3, 1),
    (0x11235, 0x11235, 1),
    (0x1133E, 0x1133E, 1),
    (0x1134D, 0x1134D, 1),
    (0x11357, 0x11357, 1),
    (0x114B0, 0x114B0, 1),
    (0x114BD, 0x114BD, 1),
    (0x115AF, 0x115AF, 1),
    (0x116B6, 0x116B6, 1),
    (0x1171E, 0x1171E, 0),
    (0x11930, 0x11930, 1),
    (0x1193D, 0x1193D, 1),
    (0x1193F, 0x1193F, 1),
    (0x11941, 0x11941, 1),
    (0x11A84, 0x11A89, 1),
    (0x11D46, 0x11D46, 1),
    (0x13430, 0x13438, 0),
    (0x16FF0, 0x16FF1, 2),
    (0x1D165, 0x1D166, 1),
    (0x1D16D, 0x1D172, 1),
    (0x1D300, 0x1D356, 1),
    (0x1D360, 0x1D376, 1),
];

/// Cells one code point takes on a terminal that places text code point by code point (tmux,
/// xterm, VTE, and grapheme-clustering terminals once mode 2027 is off): `wcwidth`. Combining
/// and format characters (virama, nukta, ZWNJ...) take none and join the cell before them,
/// spacing marks take one, East Asian wide characters two. Control characters (already
/// replaced by [`sanitize`]) count as none.
pub fn char_width(c: char) -> usize {
    let cp = c as u32;
    match TERMINAL_WIDTH_EXCEPTIONS.binary_search_by(|&(lo, hi, _)| {
        if hi < cp {
            std::cmp::Ordering::Less
        } else if lo > cp {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    }) {
        Ok(i) => TERMINAL_WIDTH_EXCEPTIONS[i].2 as usize,
        Err(_) => c.width().unwrap_or(0),
    }
}

/// Display width of one grapheme cluster, as a terminal draws it: the sum of its code points'
/// widths. `र्मी` (र ् म ी) is three cells; a cluster is never capped, since terminals do not.
pub fn grapheme_width(g: &str) -> usize {
    g.chars().map(char_width).sum()
}

/// Splits `s` into what a terminal puts in each cell: a code point with width and the
/// zero-width ones after it, with that width (zero-width code points at the very start come as
/// one cell of width 0). `र्मी` is `र्`, `म`, `ी`.
pub fn terminal_cells(s: &str) -> impl Iterator<Item = (&str, usize)> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let mut chars = rest.char_indices();
        let (_, first) = chars.next()?;
        let end = chars.find(|&(_, c)| char_width(c) > 0).map_or(rest.len(), |(i, _)| i);
        let (cell, tail) = rest.split_at(end);
        rest = tail;
        Some((cell, char_width(first)))
    })
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

/// Cuts a `/`-separated id to at most `max` cells, keeping what tells ids apart: its last part
/// whole (`Nigeria_1`) and every part before it, each shortened to the same number of leading
/// cells (`casa/multilingual/Nigeria_1` -> `casa/mult/Nigeria_1` -> `c/m/Nigeria_1`), so
/// `casa/…` and `safeworld/…` still differ; when even that does not fit, the last part loses
/// its start (`c/m/…ria_1`).
pub fn shorten_id(id: &str, max: usize) -> String {
    if width(id) <= max {
        return id.to_string();
    }
    let Some((head, last)) = id.rsplit_once('/') else { return truncate_start(id, max) };
    let parts: Vec<&str> = head.split('/').collect();
    let capped =
        |cap: usize| -> String { parts.iter().map(|p| leading_cells(p, cap)).collect::<Vec<_>>().join("/") };
    let longest = parts.iter().map(|p| width(p)).max().unwrap_or(0);
    for cap in (1..longest).rev() {
        let candidate = format!("{}/{last}", capped(cap));
        if width(&candidate) <= max {
            return candidate;
        }
    }
    let head = capped(1);
    // Fewer cells than this for the last part and it no longer says which item it is.
    const LAST_MIN: usize = 4;
    match max.checked_sub(width(&head) + 1) {
        Some(room) if room >= LAST_MIN => format!("{head}/{}", truncate_start(last, room)),
        _ => truncate_start(id, max),
    }
}

/// The leading graphemes of `s` within `cells` cells (at least one).
fn leading_cells(s: &str, cells: usize) -> &str {
    let mut w = 0;
    let mut end = 0;
    for (i, g) in s.grapheme_indices(true) {
        w += grapheme_width(g);
        if w > cells && i > 0 {
            break;
        }
        end = i + g.len();
    }
    &s[..end]
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
        // A joiner between letters goes too (tmux joins the letter to the cell before).
        assert_eq!(sanitize("क्\u{200D}ष"), "क्ष");
        assert_eq!(sanitize("ශ්\u{200D}රී"), "ශ්රී");
        assert_eq!(sanitize("a\u{200D}"), "a");
    }

    #[test]
    fn widths_of_scripts() {
        assert_eq!(width("日本語"), 6);
        assert_eq!(width("한국어"), 6);
        assert_eq!(width("abc"), 3);
        // e + combining acute is one cell.
        assert_eq!(width("e\u{301}"), 1);
        // A family emoji joined with ZWJ is three emoji on terminals without grapheme
        // clustering (sanitize drops the joiners, so every terminal agrees).
        assert_eq!(width("👨\u{200D}👩\u{200D}👧"), 6);
        assert_eq!(width("Привет"), 6);
    }

    #[test]
    fn indic_clusters_are_as_wide_as_their_code_points() {
        // र्मी is र + virama + म + vowel sign II: three cells on tmux, xterm and VTE.
        assert_eq!(grapheme_width("र\u{94d}मी"), 3);
        assert_eq!(width("सहकर्मी"), 6);
        // Nukta and virama take no cell; a spacing vowel sign takes one.
        assert_eq!(width("ज़्यादा"), 5);
        // Bengali and Tamil vowel signs AA take a cell (unicode-width gives them none).
        assert_eq!(width("বাংলা"), 5);
        assert_eq!(width("தமிழா"), 5);
        // Thai above/below vowels and tone marks take none; Ethiopic syllables one each.
        assert_eq!(width("สวัสดี"), 4);
        assert_eq!(width("ሰላም"), 3);
        // Persian ZWNJ takes none.
        assert_eq!(width("می\u{200C}خواهم"), 7);
        let hindi = "मेरे ज़्यादातर सहकर्मी हिंदू हैं";
        for max in 1..=width(hindi) {
            for l in wrap(hindi, max.max(3)) {
                assert!(width(&l) <= max.max(3), "{l:?} at {max}");
            }
            assert!(width(&truncate(hindi, max)) <= max, "{max}");
            assert_eq!(width(&pad(hindi, max)), max);
            assert!(width(&truncate_start(hindi, max)) <= max);
        }
        assert_eq!(truncate("सहकर्मी", 5), "सहक…");
    }

    #[test]
    fn terminal_cells_are_a_character_and_its_marks() {
        let cells: Vec<(&str, usize)> = terminal_cells("र\u{94d}मी日").collect();
        assert_eq!(cells, [("र\u{94d}", 1), ("म", 1), ("ी", 1), ("日", 2)]);
        let lone: Vec<(&str, usize)> = terminal_cells("\u{301}\u{302}a").collect();
        assert_eq!(lone, [("\u{301}\u{302}", 0), ("a", 1)]);
    }

    #[test]
    fn a_mark_that_starts_a_line_sits_on_a_no_break_space() {
        assert_eq!(sanitize("\u{301}a\n\u{200C}b"), "\u{A0}\u{301}a\n\u{A0}\u{200C}b");
        assert_eq!(sanitize("a\u{301}"), "a\u{301}");
    }

    /// The C library's `wcwidth` is what tmux (without utf8proc), xterm and VTE measure with:
    /// compare every code point of the scripts we show.
    #[cfg(target_os = "linux")]
    #[test]
    fn code_point_widths_match_the_c_library() {
        unsafe extern "C" {
            fn wcwidth(c: libc::wchar_t) -> libc::c_int;
        }
        let utf8 = ["C.UTF-8", "C.utf8", "en_US.UTF-8"].iter().any(|name| {
            let name = std::ffi::CString::new(*name).unwrap();
            // SAFETY: a valid C string; this test only reads the locale afterwards.
            !unsafe { libc::setlocale(libc::LC_CTYPE, name.as_ptr()) }.is_null()
        });
        if !utf8 {
            eprintln!("skipped: no UTF-8 locale installed");
            return;
        }
        let blocks = [
            0x0020..0x0250, // Latin
            0x0300..0x0370, // combining diacritics
            0x0400..0x0530, // Cyrillic
            0x0590..0x0800, // Hebrew, Arabic, Syriac, Thaana
            0x0900..0x0E00, // Indic scripts, Sinhala
            0x0E00..0x0F00, // Thai, Lao
            0x1100..0x1200, // Hangul Jamo
            0x1200..0x13A0, // Ethiopic
            0x2000..0x2070, // punctuation, ZWJ, ZWNJ, bidi controls
            0x3000..0x3100, // CJK punctuation, kana
            0x4E00..0x9FB0, // CJK ideographs
            0xAC00..0xD7A4, // Hangul syllables
            0xFB50..0xFE00, // Arabic presentation forms
            0xFF00..0xFFF0, // full-width forms
        ];
        for cp in blocks.into_iter().flatten() {
            let c = char::from_u32(cp).unwrap();
            // SAFETY: wcwidth is a pure lookup.
            let libc_width = unsafe { wcwidth(cp as libc::wchar_t) };
            if libc_width < 0 {
                continue; // unassigned in the C library's Unicode version
            }
            assert_eq!(char_width(c), libc_width as usize, "U+{cp:04X} {c}");
        }
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
        for w in 6..12 {
            for l in wrap(text, w) {
                assert!(width(&l) <= w);
            }
        }
        let joined: String = wrap(text, 6).concat();
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

    #[test]
    fn shortened_ids_keep_subset_setting_and_index_apart() {
        let casa = "casa/multilingual/Nigeria_1";
        let safe = "safeworld/multilingual/Nigeria_1";
        assert_eq!(shorten_id(casa, 40), casa);
        assert_eq!(shorten_id(casa, 20), "casa/multi/Nigeria_1");
        assert_eq!(shorten_id(safe, 20), "safe/mult/Nigeria_1");
        assert_eq!(shorten_id(casa, 14), "c/m/Nigeria_1");
        assert_eq!(shorten_id(safe, 14), "s/m/Nigeria_1");
        assert_eq!(shorten_id("casa/english/Nigeria_1", 14), "c/e/Nigeria_1");
        assert_eq!(shorten_id(casa, 12), "c/m/…geria_1");
        assert_eq!(width(&shorten_id(casa, 12)), 12);
        // No room for the parts before the last: its end, as before.
        assert_eq!(shorten_id(casa, 7), "…eria_1");
        assert_eq!(shorten_id("Nigeria_123", 6), "…a_123");
        assert_eq!(shorten_id("日本語/テスト/1", 8), "日/テ/1");
        for max in 0..40 {
            assert!(width(&shorten_id(safe, max)) <= max, "{max}");
        }
    }
}
