//! Adjudicate mode's pane: every annotator's answer on the open response (values per
//! dimension, note, active time, a warning on answers given in under 2 seconds) and the judge.

use crate::text;
use crate::tui::adjudicate::FAST_SECONDS;
use super::panes::clock;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

/// Rows this pane wants for the open task.
pub fn height(state: &State) -> u16 {
    let n = state.current().and_then(|i| state.answers.get(&i)).map_or(0, Vec::len);
    (n as u16 * 2 + 4).min(16)
}

pub fn answers(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let b = Block::bordered()
        .title(Span::styled("annotators' answers (your value decides; m: reason)", theme.title()))
        .border_style(theme.fg(theme.border));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let Some(i) = state.current() else { return };
    let w = inner.width as usize;
    let dims = &state.schema.dimensions;
    let name_w = state.answers.get(&i).into_iter().flatten().map(|(a, _)| text::width(a)).max().unwrap_or(5).clamp(5, 16);
    let mut head = format!("{} ", text::pad("", name_w));
    for d in dims {
        head.push_str(&text::pad(&text::truncate(&d.name, 11), 12));
    }
    let mut lines = vec![Line::from(Span::styled(head, theme.title()))];
    let mut judge = format!("{} ", text::pad("judge", name_w));
    for k in 0..dims.len() {
        judge.push_str(&text::pad(&state.judge_value(i, k).map_or("-".to_string(), |v| v.to_string()), 12));
    }
    lines.push(Line::from(Span::styled(judge, theme.fg(theme.judge))));
    for (name, l) in state.answers.get(&i).into_iter().flatten() {
        let mut row = format!("{} ", text::pad(&text::sanitize_line(name), name_w));
        for d in dims {
            row.push_str(&text::pad(&l.values.get(&d.name).map_or("·".to_string(), |v| v.to_string()), 12));
        }
        let fast = l.seconds < FAST_SECONDS && !l.values.is_empty();
        let mut spans = vec![Span::raw(row), Span::raw(format!("{} ", clock(l.seconds)))];
        if fast {
            spans.push(Span::styled(format!("⚠ under {FAST_SECONDS:.0}s "), theme.fg(theme.warning)));
        }
        if l.flagged {
            spans.push(Span::raw("⚑ "));
        }
        lines.push(Line::from(spans));
        let mut extra = Vec::new();
        if let Some(n) = &l.note {
            extra.push(format!("note: {}", text::sanitize_line(n)));
        }
        if let Some(s) = &l.skipped {
            extra.push(format!("skipped: {}", text::sanitize_line(s)));
        }
        if !extra.is_empty() {
            lines.push(Line::from(Span::styled(
                format!("{}  {}", " ".repeat(name_w), text::truncate(&extra.join(" · "), w.saturating_sub(name_w + 2))),
                theme.fg(theme.muted),
            )));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
