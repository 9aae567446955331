//! Adjudicate mode's pane: every annotator's answer on the open response (values per
//! dimension, note, active time, a warning on answers given in under 2 seconds) and the judge.

use super::pane;
use super::panes::clock;
use super::terminal_text::TermText;
use crate::store::TaskLabels;
use crate::text;
use crate::tui::adjudicate::FAST_SECONDS;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Rows this pane wants for the open task.
pub fn height(state: &State) -> u16 {
    let n = state.current().and_then(|i| state.answers(i)).map_or(0, Vec::len);
    (n as u16 * 2 + 4).min(16)
}

pub fn answers(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let inner = pane(frame, area, "annotators' answers (your value decides; m: reason)".into(), theme);
    let Some(i) = state.current() else { return };
    let w = inner.width as usize;
    let dims = &state.session.schema.dimensions;
    let name_w =
        state.answers(i).into_iter().flatten().map(|(a, _)| text::width(a)).max().unwrap_or(5).clamp(5, 16);
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
    for (name, l) in state.answers(i).into_iter().flatten() {
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
        lines.extend(details(l, false, name_w, w, theme));
    }
    frame.render_widget(TermText::new(lines), inner);
}

/// Rows the pair answers pane wants: a line per annotator, one more for a note or tags.
pub fn pair_height(state: &State, tall: bool) -> u16 {
    let answers = state.current().and_then(|i| state.answers(i));
    let rows: usize = answers
        .into_iter()
        .flatten()
        .map(|(_, l)| 1 + usize::from(l.note.is_some() || l.skipped.is_some() || l.tags.is_some()))
        .sum();
    (rows.max(1) as u16 + 2).min(if tall { 12 } else { 6 })
}

/// Every annotator's verdict on the open pair, as the side of this screen they mean (so the
/// words match what the adjudicator sees; which response is "chosen" stays hidden), with their
/// active time, a warning under 2 seconds, flags, reason tags, notes and skip reasons.
pub fn pair_answers(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    use crate::model::Verdict;
    use crate::store::field;
    let inner = pane(frame, area, "annotators' verdicts (your verdict decides; m: reason)".into(), theme);
    let Some(i) = state.current() else { return };
    let w = inner.width as usize;
    let chosen_left = state.chosen_on_left(i);
    let answers = state.answers(i).map(Vec::as_slice).unwrap_or(&[]);
    if answers.is_empty() {
        frame.render_widget(
            TermText::new(Span::styled("no verdict from an annotator", theme.fg(theme.muted))),
            inner,
        );
        return;
    }
    let name_w = answers.iter().map(|(a, _)| text::width(a)).max().unwrap_or(5).clamp(5, 16);
    let mut lines = Vec::new();
    for (name, l) in answers {
        let verdict = l.values.get(field::VERDICT).and_then(|v| Verdict::from_code(*v));
        let said = verdict.map_or("·  no verdict", |v| crate::tui::pairs::on_screen(v, chosen_left));
        let mut spans = vec![
            Span::raw(format!("{} ", text::pad(&text::sanitize_line(name), name_w))),
            Span::raw(text::pad(said, 17)),
            Span::raw(format!("{} ", clock(l.seconds))),
        ];
        if verdict.is_some() && l.seconds < FAST_SECONDS {
            spans.push(Span::styled(format!("⚠ under {FAST_SECONDS:.0}s "), theme.fg(theme.warning)));
        }
        if l.flagged {
            spans.push(Span::raw("⚑ "));
        }
        lines.push(Line::from(spans));
        lines.extend(details(l, true, name_w, w, theme));
    }
    frame.render_widget(TermText::new(lines), inner);
}

/// The muted line under an annotator's answer: their reason tags (when `with_tags`), note and
/// skip reason, indented past the name column; `None` when there is none of these.
fn details(l: &TaskLabels, with_tags: bool, name_w: usize, w: usize, theme: &Theme) -> Option<Line<'static>> {
    let mut extra = Vec::new();
    if let Some(t) = l.tags.as_ref().filter(|_| with_tags) {
        extra.push(format!("tags: {}", text::sanitize_line(&t.replace(',', ", "))));
    }
    if let Some(n) = &l.note {
        extra.push(format!("note: {}", text::sanitize_line(n)));
    }
    if let Some(s) = &l.skipped {
        extra.push(format!("skipped: {}", text::sanitize_line(s)));
    }
    (!extra.is_empty()).then(|| {
        Line::from(Span::styled(
            format!(
                "{}  {}",
                " ".repeat(name_w),
                text::truncate(&extra.join(" · "), w.saturating_sub(name_w + 2))
            ),
            theme.fg(theme.muted),
        ))
    })
}
