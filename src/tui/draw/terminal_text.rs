//! Text put into the screen buffer with the widths terminals give it.
//!
//! ratatui measures a grapheme cluster with `unicode-width`; terminals without grapheme
//! clustering (tmux, xterm, VTE) advance by the sum of its code points' `wcwidth`. The two
//! disagree on some clusters (Bengali `বা` is one cell for `unicode-width`, two on screen), and
//! then our wrapping, ratatui's buffer and the screen no longer line up: a character is cut or
//! a pane's border moves. [`TermText`] puts each cluster in one buffer cell that covers the
//! cells the terminal will use ([`text::grapheme_width`]).
//!
//! One cluster per cell, rather than one code point per cell, because of terminals that always
//! cluster (kitty): they draw `र्मी` in one cell where tmux draws three. Sent whole, followed
//! by an explicit cursor move to the next cell (which ratatui emits after any wide cell), the
//! cluster then leaves a gap there instead of pulling the rest of the row, borders included,
//! to the left.

use crate::text;
use ratatui::buffer::{Buffer, CellDiffOption, CellWidth};
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Text};
use ratatui::widgets::Widget;
use std::num::NonZeroU16;
use unicode_segmentation::UnicodeSegmentation;

/// Lines drawn as they are (already wrapped by [`text::wrap`]), cut at the area's right edge:
/// what `Paragraph::new(lines)` draws, with the terminal's widths.
pub struct TermText<'a> {
    text: Text<'a>,
    style: Style,
}

impl<'a> TermText<'a> {
    pub fn new<T: Into<Text<'a>>>(text: T) -> Self {
        TermText { text: text.into(), style: Style::default() }
    }

    /// The style of the whole area (as `Paragraph::style`).
    pub fn style<S: Into<Style>>(mut self, style: S) -> Self {
        self.style = style.into();
        self
    }
}

impl Widget for TermText<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        buf.set_style(area, self.style);
        for (line, y) in self.text.lines.iter().zip(area.top()..area.bottom()) {
            let alignment = line.alignment.or(self.text.alignment).unwrap_or(Alignment::Left);
            draw_line(line, self.text.style, alignment, area, y, buf);
        }
    }
}

fn draw_line(line: &Line, base: Style, alignment: Alignment, area: Rect, y: u16, buf: &mut Buffer) {
    let width = area.width as usize;
    let line_width: usize = line.spans.iter().map(|s| text::width(&s.content)).sum();
    let mut x = match alignment {
        Alignment::Left => 0,
        Alignment::Center => (width / 2).saturating_sub(line_width / 2),
        Alignment::Right => width.saturating_sub(line_width),
    };
    let mut previous: Option<u16> = None;
    for span in &line.spans {
        let style = base.patch(line.style).patch(span.style);
        for symbol in span.content.graphemes(true) {
            if symbol.contains(char::is_control) {
                continue;
            }
            let w = text::grapheme_width(symbol);
            let Some(forced) = NonZeroU16::new(w as u16) else {
                // Marks with nothing before them on this line (sanitized text never has them):
                // the terminal would put them on whatever cell precedes, so they go on ours.
                if let Some(px) = previous {
                    let joined = format!("{}{symbol}", buf[(px, y)].symbol());
                    buf[(px, y)].set_symbol(&joined);
                }
                continue;
            };
            if x + w > width {
                return;
            }
            let cx = area.x + x as u16;
            let cell = &mut buf[(cx, y)];
            cell.set_symbol(symbol).set_style(style);
            // ratatui's diff skips the cells a symbol covers by its own measure; give it ours.
            let option = if symbol.cell_width() as usize == w {
                CellDiffOption::None
            } else {
                CellDiffOption::ForcedWidth(forced)
            };
            cell.set_diff_option(option);
            mark_covered_cells(buf, symbol, cx, y);
            previous = Some(cx);
            x += w;
        }
    }
}

/// The cells a multi-character cluster covers hold, on the terminal, its later characters
/// (tmux puts `ी` of `मी` in a cell of its own), and writing the cluster's first cell does not
/// clear them the way it clears the second half of a wide character. So they hold those
/// characters here too, marked to be skipped: the next frame that puts something else there
/// then differs, and the diff writes it.
fn mark_covered_cells(buf: &mut Buffer, symbol: &str, cx: u16, y: u16) {
    let mut offset = 0u16;
    for (part, w) in text::terminal_cells(symbol) {
        if offset > 0 {
            buf[(cx + offset, y)].set_symbol(part).set_diff_option(CellDiffOption::Skip);
        }
        offset += w as u16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::text::Span;

    #[test]
    fn a_cluster_covers_the_cells_the_terminal_gives_it() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 9, 1));
        TermText::new("सहकर्मी|").render(buf.area, &mut buf);
        assert_eq!(buf[(3, 0)].symbol(), "र\u{94d}मी");
        assert_eq!(buf[(3, 0)].cell_width(), 3);
        assert_eq!(buf[(6, 0)].symbol(), "|");
    }

    #[test]
    fn replacing_a_cluster_rewrites_the_cells_it_covered() {
        let area = Rect::new(0, 0, 6, 1);
        let mut before = Buffer::empty(area);
        TermText::new("मी ab").render(area, &mut before);
        let mut after = Buffer::empty(area);
        TermText::new("x  ab").render(area, &mut after);
        // Cell 1 showed ी (tmux's own cell); the new blank there must be written.
        let written: Vec<u16> = before.diff(&after).iter().map(|(x, _, _)| *x).collect();
        assert_eq!(written, [0, 1]);
        // A wide character is cleared whole by the terminal: only its cell is written.
        let mut wide = Buffer::empty(area);
        TermText::new("日 ab").render(area, &mut wide);
        let mut narrow = Buffer::empty(area);
        TermText::new("x  ab").render(area, &mut narrow);
        assert_eq!(wide.diff(&narrow).iter().map(|(x, _, _)| *x).collect::<Vec<_>>(), [0]);
    }

    #[test]
    fn widths_where_unicode_width_disagrees_are_forced() {
        // Bengali বাং (ba, vowel sign AA, anusvara): three cells on terminals, two for
        // unicode-width, which gives the vowel sign none.
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        TermText::new("বাংলা|").render(buf.area, &mut buf);
        assert_eq!(buf[(0, 0)].symbol(), "বাং");
        assert_eq!(buf[(0, 0)].diff_option, CellDiffOption::ForcedWidth(NonZeroU16::new(3).unwrap()));
        assert_eq!(buf[(0, 0)].cell_width(), 3);
        assert_eq!(buf[(3, 0)].symbol(), "লা");
        assert_eq!(buf[(5, 0)].symbol(), "|");
        // Cut at the edge by the terminal's width: `বাংলা|` is 6 cells.
        let mut narrow = Buffer::empty(Rect::new(0, 0, 5, 1));
        TermText::new("বাংলা|").render(narrow.area, &mut narrow);
        assert_eq!(narrow[(3, 0)].symbol(), "লা");
        assert_eq!(narrow[(4, 0)].symbol(), "\u{9be}");
        assert_eq!(narrow[(4, 0)].diff_option, CellDiffOption::Skip);
        assert!((0..5).all(|x| narrow[(x, 0)].symbol() != "|"));
    }

    #[test]
    fn lines_are_cut_at_the_edge_and_styles_kept() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 5, 2));
        let bold = Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        let lines = vec![Line::from(vec![Span::styled("日本", bold), Span::raw("語x")]), Line::from("ab")];
        TermText::new(lines).render(buf.area, &mut buf);
        assert_eq!(buf[(0, 0)].symbol(), "日");
        assert_eq!(buf[(2, 0)].symbol(), "本");
        assert!(buf[(2, 0)].modifier.contains(ratatui::style::Modifier::BOLD));
        // 語 needs columns 4 and 5: it does not fit, and nothing after it is drawn.
        assert_eq!(buf[(4, 0)].symbol(), " ");
        assert_eq!(buf[(1, 1)].symbol(), "b");
    }

    #[test]
    fn right_aligned_lines_end_at_the_edge() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        TermText::new(Line::from("سلام").right_aligned()).render(buf.area, &mut buf);
        assert_eq!(buf[(2, 0)].symbol(), "س");
        assert_eq!(buf[(5, 0)].symbol(), "م");
    }

    #[test]
    fn the_area_style_is_applied_as_paragraph_does() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        let red = Style::default().fg(ratatui::style::Color::Red);
        TermText::new("ab").style(red).render(buf.area, &mut buf);
        assert_eq!(buf[(0, 0)].fg, ratatui::style::Color::Red);
        assert_eq!(buf[(3, 0)].fg, ratatui::style::Color::Red);
    }
}
