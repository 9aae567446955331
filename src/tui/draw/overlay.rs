//! Dialogs and overlays drawn over the main screen: help, guidelines, skip, note, search.

use super::terminal_text::TermText;
use crate::text;
use crate::tui::state::{SKIP_REASONS, State};
use crate::tui::theme::Theme;
use crate::tui::update::visible_hits;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};

fn centered(area: Rect, w_pct: u16, h: u16) -> Rect {
    let w = (area.width * w_pct / 100).max(40).min(area.width);
    let h = h.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

fn frame_box(frame: &mut Frame, r: Rect, title: &str, theme: &Theme) -> Rect {
    frame.render_widget(Clear, r);
    let b = Block::bordered()
        .title(Span::styled(title.to_string(), theme.title()))
        .border_style(theme.fg(theme.accent));
    let inner = b.inner(r);
    frame.render_widget(b, r);
    inner
}

/// The live keymap (`?`).
pub fn help(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let r = centered(area, 80, area.height.saturating_sub(2));
    let inner = frame_box(frame, r, "keys (any key closes)", theme);
    let key_w = state.keys.help.iter().map(|(k, _)| text::width(k)).max().unwrap_or(6).min(20);
    let lines: Vec<Line> = state
        .keys
        .help
        .iter()
        .skip(state.help_scroll as usize)
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(format!("{} ", text::pad(k, key_w)), theme.focused()),
                Span::raw(d.clone()),
            ])
        })
        .collect();
    frame.render_widget(TermText::new(lines), inner);
}

/// Each dimension's question and guideline (`g`).
pub fn guidelines(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let r = centered(area, 90, area.height.saturating_sub(2));
    let inner = frame_box(frame, r, "guidelines (J/K scroll, any key closes)", theme);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    for (k, d) in state.session.schema.dimensions.iter().enumerate() {
        let marker = if k == state.open.focus { "▶ " } else { "  " };
        let values: Vec<String> =
            d.values.iter().map(|v| format!("{} = {} (key {})", v.value, v.label, v.key)).collect();
        lines.push(Line::from(Span::styled(
            format!("{marker}{} — {}", d.name, values.join(", ")),
            theme.title(),
        )));
        let text_w = w.saturating_sub(2);
        for l in text::display_lines(&d.question, text_w) {
            lines.push(Line::from(format!("  {}", l.aligned(text_w))));
        }
        for l in text::display_lines(&d.guideline, text_w) {
            lines.push(Line::from(Span::styled(format!("  {}", l.aligned(text_w)), theme.fg(theme.muted))));
        }
        lines.push(Line::from(""));
    }
    let lines: Vec<Line> = lines.into_iter().skip(state.help_scroll as usize).collect();
    frame.render_widget(TermText::new(lines), inner);
}

/// Choosing a skip reason.
pub fn skip(frame: &mut Frame, area: Rect, selected: usize, typed: &str, theme: &Theme) {
    let r = centered(area, 70, SKIP_REASONS.len() as u16 + 5);
    let inner =
        frame_box(frame, r, "skip this task: ↑/↓ reason, type details, Enter skips, Esc cancels", theme);
    let mut lines: Vec<Line> = SKIP_REASONS
        .iter()
        .enumerate()
        .map(|(k, reason)| {
            let here = k == selected;
            let s = format!("{} {reason}", if here { "▶" } else { " " });
            Line::from(Span::styled(s, if here { theme.selected() } else { Style::default() }))
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(format!("details: {}▏", text::sanitize_line(typed))));
    frame.render_widget(TermText::new(lines), inner);
}

/// Writing a note.
pub fn note(frame: &mut Frame, area: Rect, typed: &str, theme: &Theme) {
    let r = centered(area, 70, 5);
    let inner = frame_box(frame, r, "note: Enter saves (empty clears), Esc cancels", theme);
    let tail = typed_tail(typed, inner.width as usize);
    frame.render_widget(TermText::new(vec![Line::from(format!("{tail}▏"))]), inner);
}

/// The end of a typed text (where the cursor is) that fits `w` cells with the cursor.
fn typed_tail(typed: &str, w: usize) -> String {
    let mut t = text::sanitize_line(typed);
    while text::width(&t) + 1 > w && !t.is_empty() {
        t.remove(0);
    }
    t
}

/// Adjudicate mode: the reason for a pick that overrules the annotators' majority.
pub fn reason(frame: &mut Frame, area: Rect, majority: &str, typed: &str, theme: &Theme) {
    let r = centered(area, 90, 6);
    let inner = frame_box(frame, r, "why overrule the majority? Enter saves, Esc cancels the pick", theme);
    let w = inner.width as usize;
    let lines = vec![
        Line::from(Span::styled(text::truncate(&text::sanitize_line(majority), w), theme.fg(theme.muted))),
        Line::from(""),
        Line::from(format!("{}▏", typed_tail(typed, w))),
    ];
    frame.render_widget(TermText::new(lines), inner);
}

/// Fuzzy search: the query and the best hits among the tasks shown.
pub fn search(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let r = centered(area, 80, area.height.saturating_sub(4));
    let inner = frame_box(
        frame,
        r,
        "search ids, queries, norms, responses: ↑/↓ choose, Enter opens, Esc closes",
        theme,
    );
    let hits = visible_hits(state);
    let pending = state.search.hits_for != state.search.query;
    let mut lines = vec![Line::from(vec![
        Span::styled("/ ", theme.focused()),
        Span::raw(format!("{}▏", text::sanitize_line(&state.search.query))),
        Span::styled(
            format!(
                "  {} match{}{}",
                hits.len(),
                if hits.len() == 1 { "" } else { "es" },
                if pending { " …" } else { "" }
            ),
            theme.fg(theme.muted),
        ),
    ])];
    let room = (inner.height as usize).saturating_sub(1);
    let offset = state.search.selected.saturating_sub(room.saturating_sub(1));
    for (k, &t) in hits.iter().enumerate().skip(offset).take(room) {
        let task = &state.queue.tasks[t];
        let here = k == state.search.selected;
        let s = format!(
            "{} {} · {} · {} · {}",
            if here { "▶" } else { " " },
            task.item_id,
            task.model,
            task.country.as_deref().unwrap_or("-"),
            task.language.as_deref().unwrap_or("-")
        );
        let s = text::pad(&text::sanitize_line(&s), inner.width as usize);
        lines.push(Line::from(Span::styled(s, if here { theme.selected() } else { Style::default() })));
    }
    frame.render_widget(TermText::new(lines), inner);
}
