//! Line breaking and the lines drawn on screen.
//!
//! Where a line may break is decided by ICU4X's line segmenter (the Unicode line breaking
//! algorithm, UAX #14), which also carries the word dictionaries of Thai, Lao, Khmer and Burmese:
//! those scripts put no space between words, and breaking them anywhere else cuts a word in two.
//! How much fits on a line is measured with this crate's own cell widths ([`grapheme_width`]),
//! and a break is only taken between grapheme clusters.

use super::{grapheme_width, sanitize};
use icu_segmenter::options::LineBreakOptions;
use icu_segmenter::{LineSegmenter, LineSegmenterBorrowed};
use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;
use unicode_bidi::BidiInfo;
use unicode_segmentation::UnicodeSegmentation;

/// Built once: loading the dictionaries is far slower than segmenting a line.
static SEGMENTER: LazyLock<LineSegmenterBorrowed<'static>> =
    LazyLock::new(|| LineSegmenter::new_dictionary(LineBreakOptions::default()));

/// One line as it is drawn: already in visual order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayLine {
    pub text: String,
    /// The line belongs to a right-to-left paragraph, so it is drawn against the right edge.
    pub rtl: bool,
}

impl DisplayLine {
    /// The line as drawn in `width` cells: a right-to-left line is preceded by the spaces that
    /// bring its end to the last cell.
    pub fn aligned(&self, width: usize) -> Cow<'_, str> {
        if !self.rtl {
            return Cow::Borrowed(&self.text);
        }
        let blank = width.saturating_sub(super::width(&self.text));
        if blank == 0 {
            return Cow::Borrowed(&self.text);
        }
        let mut s = String::with_capacity(blank + self.text.len());
        s.extend(std::iter::repeat_n(' ', blank));
        s.push_str(&self.text);
        Cow::Owned(s)
    }
}

/// The paragraphs of sanitized text: newlines and the Unicode line and paragraph separators are
/// hard breaks.
fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\n', '\u{2028}', '\u{2029}'])
}

/// Wraps sanitized text into lines of at most `max_width` cells, in logical order. Paragraph
/// breaks are kept; lines break where the Unicode line breaking algorithm allows (after spaces,
/// between ideographs, between Thai words...), and a word longer than a line is split between
/// grapheme clusters (never inside one). Spaces at a break are dropped. An empty paragraph gives
/// an empty line.
pub fn wrap(text: &str, max_width: usize) -> Vec<String> {
    let max_width = max_width.max(1);
    let mut lines = Vec::new();
    let mut ranges = Vec::new();
    for para in paragraphs(text) {
        ranges.clear();
        wrap_paragraph(para, max_width, &mut ranges);
        lines.extend(ranges.iter().map(|r| para[r.clone()].to_string()));
    }
    lines
}

/// The whole pipeline for a block of model or dataset text: sanitize, wrap to `max_width`, put
/// right-to-left text in visual order. A paragraph whose base direction is right-to-left gives
/// lines marked [`DisplayLine::rtl`].
pub fn display_lines(text: &str, max_width: usize) -> Vec<DisplayLine> {
    let text = sanitize(text);
    let max_width = max_width.max(1);
    let mut lines = Vec::new();
    let mut ranges = Vec::new();
    for para in paragraphs(&text) {
        ranges.clear();
        wrap_paragraph(para, max_width, &mut ranges);
        if !super::has_rtl(para) {
            lines
                .extend(ranges.iter().map(|r| DisplayLine { text: para[r.clone()].to_string(), rtl: false }));
            continue;
        }
        // Levels are resolved over the whole paragraph, then each line is reordered on its own
        // (the bidi algorithm's rule L1-L2), so a line keeps the paragraph's direction even when
        // it starts with a word of the other direction.
        let info = BidiInfo::new(para, None);
        let rtl = info.paragraphs.first().is_some_and(|p| p.level.is_rtl());
        for r in &ranges {
            let mut text = String::with_capacity(r.len());
            for p in &info.paragraphs {
                let part = r.start.max(p.range.start)..r.end.min(p.range.end);
                if part.start < part.end {
                    text.push_str(&info.reorder_line(p, part));
                }
            }
            lines.push(DisplayLine { text, rtl });
        }
    }
    lines
}

/// Appends to `lines` the byte ranges of `para` (no newline in it) that make its lines. Every
/// line is a slice of the paragraph: the spaces where it was broken are left out.
fn wrap_paragraph(para: &str, max_width: usize, lines: &mut Vec<Range<usize>>) {
    // The break opportunities, in order; the first (the start of the text) is no opportunity.
    let mut breaks = SEGMENTER.segment_str(para).skip(1).peekable();
    let mut line = Line::default();
    // The segment being read (text between two opportunities): its first byte, and its content
    // without the spaces around it, with the content's width.
    let mut segment_start = 0;
    let mut content: Option<Range<usize>> = None;
    let mut content_w = 0;
    for (at, g) in para.grapheme_indices(true) {
        // An opportunity inside a cluster is never taken.
        while breaks.next_if(|&b| b < at).is_some() {}
        if at > segment_start && breaks.next_if_eq(&at).is_some() {
            if let Some(c) = content.take() {
                line.place(para, c, content_w, max_width, lines);
            }
            segment_start = at;
            content_w = 0;
        }
        if g == " " {
            continue;
        }
        let end = at + g.len();
        match &mut content {
            // Spaces inside a segment (before a `!` or a closing bracket) are one cell each.
            Some(c) => {
                content_w += (at - c.end) + grapheme_width(g);
                c.end = end;
            }
            None => {
                content = Some(at..end);
                content_w = grapheme_width(g);
            }
        }
    }
    if let Some(c) = content {
        line.place(para, c, content_w, max_width, lines);
    }
    lines.push(line.range.unwrap_or(0..0));
}

/// The line being filled: its range in the paragraph (`None` while empty) and its width.
#[derive(Default)]
struct Line {
    range: Option<Range<usize>>,
    width: usize,
}

impl Line {
    /// Puts a segment's content (a word, with no space at either end) on this line, or starts a
    /// new line for it when it does not fit; the spaces between the line and the content go with
    /// it, and are dropped at a break.
    fn place(
        &mut self,
        para: &str,
        content: Range<usize>,
        content_w: usize,
        max_width: usize,
        lines: &mut Vec<Range<usize>>,
    ) {
        if let Some(r) = &mut self.range {
            // Only spaces lie between the line and the content: one cell per byte.
            let gap = content.start - r.end;
            if self.width + gap + content_w <= max_width {
                r.end = content.end;
                self.width += gap + content_w;
                return;
            }
            lines.push(r.clone());
            self.range = None;
        }
        if content_w <= max_width {
            self.range = Some(content);
            self.width = content_w;
            return;
        }
        // A word wider than the whole line is split between clusters.
        let mut start = content.start;
        let mut w = 0;
        for (at, g) in para[content.clone()].grapheme_indices(true) {
            let at = content.start + at;
            let gw = grapheme_width(g);
            if w + gw > max_width && w > 0 {
                lines.push(start..at);
                start = at;
                w = 0;
            }
            w += gw;
        }
        self.range = Some(start..content.end);
        self.width = w;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::width;

    /// The break opportunities the segmenter gives in `s`, as byte offsets (the start excluded).
    fn opportunities(s: &str) -> Vec<usize> {
        SEGMENTER.segment_str(s).skip(1).collect()
    }

    /// Where `wrap` broke a single paragraph, as byte offsets into it: the start of every line
    /// but the first. Lines are slices of the paragraph, found in order.
    fn breaks_taken(para: &str, lines: &[String]) -> Vec<usize> {
        let mut at = 0;
        let mut starts = Vec::new();
        for l in lines {
            let found = para[at..].find(l.as_str()).expect("a line is a slice of its paragraph") + at;
            starts.push(found);
            at = found + l.len();
        }
        starts.into_iter().skip(1).collect()
    }

    /// The segments of `s` between break opportunities, and the width of the widest (no line
    /// narrower than that can avoid splitting a word).
    fn segments(s: &str) -> (Vec<&str>, usize) {
        let b: Vec<usize> = std::iter::once(0).chain(opportunities(s)).collect();
        let segs: Vec<&str> = b.windows(2).map(|w| &s[w[0]..w[1]]).collect();
        let widest = segs.iter().map(|s| width(s.trim_end())).max().unwrap_or(0);
        (segs, widest)
    }

    /// Every break `wrap` takes at width `w` is one of the segmenter's opportunities (a line
    /// starts after the spaces it drops, which is where the opportunity lies).
    fn assert_breaks_are_opportunities(para: &str, w: usize) {
        let lines = wrap(para, w);
        let allowed = opportunities(para);
        for b in breaks_taken(para, &lines) {
            assert!(
                allowed.contains(&b),
                "width {w}: break at byte {b} of {para:?} is no opportunity: {lines:?}"
            );
        }
        for l in &lines {
            assert!(width(l) <= w, "{l:?} is wider than {w}");
        }
        assert_eq!(lines.concat().replace(' ', ""), para.replace(' ', ""));
    }

    // Thai written for these tests: "The company wants to choose a suitable place for the new
    // office" and "Students want a suitable book".
    const THAI: &str = "บริษัทต้องการเลือกสถานที่ที่เหมาะสมสำหรับสำนักงานใหม่ นักเรียนต้องการหนังสือที่เหมาะสม";

    #[test]
    fn thai_breaks_between_words_only() {
        let (segs, widest) = segments(THAI);
        // The dictionary keeps these words whole (the old rules broke ต้อ|งการ and เหมาะส|ม;
        // ICU's dictionary allows เหมาะ|สม, between its two parts).
        for word in ["ต้องการ", "สำนักงาน", "นักเรียน", "หนังสือ"]
        {
            assert!(segs.iter().any(|s| s.trim_end() == word), "{word} not a segment: {segs:?}");
        }
        for w in widest..=width(THAI) + 1 {
            assert_breaks_are_opportunities(THAI, w);
            for l in wrap(THAI, w) {
                assert!(!l.ends_with("ต้อ") && !l.starts_with("งการ"), "width {w}: {l:?}");
                assert!(!l.ends_with("เหมาะส"), "width {w}: {l:?}");
            }
        }
        assert_eq!(wrap("ต้องการเหมาะสม", 8), vec!["ต้องการ", "เหมาะสม"]);
        // Narrower than a word: the word is split between clusters, never inside one.
        for l in wrap("ต้องการ", 2) {
            assert!(width(&l) <= 2 && !l.starts_with(['\u{E49}', '\u{E31}']), "{l:?}");
        }
    }

    #[test]
    fn lao_khmer_burmese_break_between_words() {
        // Lao "I want to go to school", Khmer "I want to eat rice", Burmese "I go to school".
        for (text, word) in
            [("ຂ້ອຍຕ້ອງການໄປໂຮງຮຽນ", "ຕ້ອງການ"), ("ខ្ញុំចង់ញ៉ាំបាយ", "ខ្ញុំ"), ("ကျွန်တော်ကျောင်းသွားတယ်", "ကျောင်း")]
        {
            let (segs, widest) = segments(text);
            assert!(segs.len() > 2, "{text}: the dictionary finds words ({segs:?})");
            assert!(segs.contains(&word), "{word} is cut: {segs:?}");
            for w in widest..=width(text) {
                assert_breaks_are_opportunities(text, w);
            }
        }
    }

    #[test]
    fn latin_cjk_and_long_words() {
        assert_eq!(wrap("a well-known  word", 8), vec!["a well-", "known", "word"]);
        assert_eq!(wrap("  indented", 20), vec!["indented"]);
        // No break before `!`, even after a space: the space stays inside the line.
        assert_eq!(wrap("go wait !", 7), vec!["go", "wait !"]);
        // A line never starts with a closing punctuation mark: 。 stays with its word.
        for l in wrap("日本では靴を脱いでください。", 6) {
            assert!(!l.starts_with('。'), "{l:?}");
        }
        assert_eq!(wrap("a\u{2028}b", 5), vec!["a", "b"]);
        assert_eq!(wrap("", 5), vec![""]);
        assert_eq!(wrap("   ", 5), vec![""]);
    }

    #[test]
    fn rtl_paragraphs_are_marked_and_aligned() {
        let lines = display_lines("مرحبا بكم في الرياض\nhello\nשלום עולם", 12);
        assert!(lines.len() >= 4, "{lines:?}");
        let (ar, rest) = lines.split_at(lines.len() - 2);
        assert!(ar.iter().all(|l| l.rtl), "{ar:?}");
        assert!(!rest[0].rtl && rest[1].rtl, "{rest:?}");
        // The first logical words come first on the first line, read right to left.
        assert!(ar[0].text.ends_with(&"مرحبا".chars().rev().collect::<String>()), "{ar:?}");
        assert_eq!(rest[0].aligned(12), "hello");
        let he = rest[1].aligned(12);
        assert_eq!(width(&he), 12);
        assert!(he.starts_with("   ") && !he.ends_with(' '), "{he:?}");
        // An Arabic paragraph whose second line starts with a Latin word stays right-to-left.
        let lines = display_lines("هذا النص طويل GPT قال ذلك", 14);
        assert!(lines.iter().all(|l| l.rtl), "{lines:?}");
    }
}
