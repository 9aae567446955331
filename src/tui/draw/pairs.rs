//! Pairs mode's screen: the prompt and image on top, the two responses side by side (stacked
//! below 120 columns) in the order drawn for this annotator, your verdict at the bottom. Which
//! response is "chosen" is never shown. Adjudicate mode shows a pair on the same screen, with
//! the annotators' verdicts (as sides of this screen) above the adjudicator's own.

use super::terminal_text::TermText;
use super::{FrameInfo, Scrolled, block, pane, text_line};
use crate::model::{TaskRef, Verdict};
use crate::store::field;
use crate::text;
use crate::tui::image::{ImageSource, ImageView};
use crate::tui::pairs;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

/// Side by side from this width; stacked below.
pub const SIDE_BY_SIDE_WIDTH: u16 = 120;

/// The pairs screen without the status line and overlays.
pub fn draw(
    frame: &mut Frame,
    body: Rect,
    state: &State,
    theme: &Theme,
    images: &mut dyn ImageSource,
) -> FrameInfo {
    let wide = body.width >= SIDE_BY_SIDE_WIDTH;
    let tall = body.height >= 40;
    let main = if wide {
        let [list, main] = Layout::horizontal([Constraint::Length(30), Constraint::Min(0)]).areas(body);
        pair_list(frame, list, state, theme);
        main
    } else {
        body
    };
    let adjudicating = state.mode == crate::annotate::Mode::Adjudicate;
    let top_h = match (tall, adjudicating) {
        (true, _) => 14,
        (false, false) => 7,
        (false, true) => 6,
    };
    let answers_h = if adjudicating { super::adjudicate::pair_height(state, tall) } else { 0 };
    let [top, responses, answers, verdict] = Layout::vertical([
        Constraint::Length(top_h),
        Constraint::Min(0),
        Constraint::Length(answers_h),
        Constraint::Length(4),
    ])
    .areas(main);
    if adjudicating {
        super::adjudicate::pair_answers(frame, answers, state, theme);
    }
    let image_w = if wide { (top.width / 3).min(50) } else { 18 };
    let [image_area, prompt_area] =
        Layout::horizontal([Constraint::Length(image_w), Constraint::Min(0)]).areas(top);
    image(frame, image_area, state, theme, images);
    prompt(frame, prompt_area, state, theme);
    let [left, right] = if wide {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(responses)
    } else {
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(responses)
    };
    let a = response(frame, left, state, theme, true);
    let b = response(frame, right, state, theme, false);
    verdict_pane(frame, verdict, state, theme);
    FrameInfo { max_scroll: a.max_scroll.max(b.max_scroll), page: a.page.min(b.page) }
}

/// `✓` verdict given, `s` skipped, `·` to do; `⚑` flagged.
fn mark(state: &State, task: usize) -> String {
    let l = &state.queue.labels[task];
    let m = if l.skipped.is_some() {
        "s"
    } else if state.is_complete(task) {
        "✓"
    } else {
        "·"
    };
    format!("{m}{}", if l.flagged { "⚑" } else { " " })
}

fn pair_list(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let what = if state.mode == crate::annotate::Mode::Adjudicate { "tasks" } else { "pairs" };
    let inner =
        pane(frame, area, format!("{what} {}/{}", state.queue.cursor + 1, state.queue.order.len()), theme);
    let h = inner.height as usize;
    let w = inner.width as usize;
    if h == 0 || state.queue.order.is_empty() {
        frame.render_widget(TermText::new("no pair matches"), inner);
        return;
    }
    let n = state.queue.order.len();
    let offset = state.queue.cursor.saturating_sub(h / 2).min(n.saturating_sub(h));
    let lines: Vec<Line> = (offset..(offset + h).min(n))
        .map(|pos| {
            let i = state.queue.order[pos];
            let id = match &state.queue.tasks[i].task {
                TaskRef::Pair { pair_id } => pair_id.as_str(),
                TaskRef::Response { item_id, .. } => item_id.as_str(),
            };
            let here = pos == state.queue.cursor;
            let row = text::pad(
                &format!("{}{} {}", if here { "▶" } else { " " }, mark(state, i), text::sanitize_line(id)),
                w,
            );
            Line::from(Span::styled(row, if here { theme.selected() } else { Style::default() }))
        })
        .collect();
    frame.render_widget(TermText::new(lines), inner);
}

fn image(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, images: &mut dyn ImageSource) {
    let inner = pane(frame, area, "image (z)".into(), theme);
    let Some(pair) = state.current_pair() else {
        frame.render_widget(TermText::new("loading…"), inner);
        return;
    };
    let path = pair.images.first().map(String::as_str);
    match images.view(path, inner) {
        ImageView::Ready(p) => frame.render_widget(ratatui_image::Image::new(p), inner),
        ImageView::Loading => frame.render_widget(TermText::new("decoding…"), inner),
        ImageView::Placeholder(reason) => {
            let lines: Vec<Line> = std::iter::once(Line::from("[no image]"))
                .chain(
                    text::display_lines(&reason, inner.width as usize)
                        .iter()
                        .map(|l| text_line(l, inner.width as usize)),
                )
                .collect();
            frame.render_widget(TermText::new(lines).style(theme.fg(theme.muted)), inner);
        }
    }
}

/// Messages as lines: a role (when there is one) in the title style, then the wrapped text.
fn message_lines(v: &serde_json::Value, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for m in pairs::messages(v) {
        if let Some(role) = m.role {
            lines.push(Line::from(Span::styled(format!("{}:", text::sanitize_line(&role)), theme.title())));
        }
        lines.extend(super::wrap_cache::display_lines(&m.text, width).iter().map(|l| text_line(l, width)));
    }
    lines
}

fn prompt(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let title = match (state.current_task(), state.current_pair()) {
        (Some(t), Some(p)) => text::sanitize_line(&format!(
            "{} · {} · {}",
            p.id,
            p.item_id.as_deref().unwrap_or("-"),
            t.country.as_deref().unwrap_or("-")
        )),
        _ => "prompt".into(),
    };
    let inner = pane(frame, area, title, theme);
    let Some(pair) = state.current_pair() else {
        frame.render_widget(
            TermText::new(if state.queue.order.is_empty() { "no pair to show" } else { "loading…" }),
            inner,
        );
        return;
    };
    let w = inner.width as usize;
    let mut lines = message_lines(&pair.prompt, w, theme);
    if let Some(norm) = state.current_item().and_then(|i| i.norm.as_deref()) {
        super::panes::labelled_block(&mut lines, "norm:", norm, w, theme.fg(theme.warning));
    }
    frame.render_widget(TermText::new(lines), inner);
}

fn response(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, left: bool) -> FrameInfo {
    let inner_w = area.width.saturating_sub(2) as usize;
    let inner_h = area.height.saturating_sub(2) as u32;
    let (lines, picked) = match (state.current(), state.current_pair()) {
        (Some(i), Some(pair)) => {
            let chosen_left = state.chosen_on_left(i);
            let (l, r) = pairs::sides(pair, chosen_left);
            let verdict =
                state.queue.labels[i].values.get(field::VERDICT).and_then(|v| Verdict::from_code(*v));
            // Which side this annotator picked, to mark it (the stored verdict says nothing
            // about sides on its own).
            let picked = verdict.and_then(|v| match v {
                Verdict::Agree => Some(chosen_left == left),
                Verdict::Flip => Some(chosen_left != left),
                _ => None,
            });
            (message_lines(if left { l } else { r }, inner_w, theme), picked)
        }
        _ => (vec![Line::from("loading…")], None),
    };
    let at = Scrolled::new(lines.len(), inner_h, state.open.scroll);
    let more = at.range().map(|r| format!(" {r} ")).unwrap_or_default();
    let name = if left { "left (1)" } else { "right (2)" };
    let mark = match picked {
        Some(true) => " ★ better",
        _ => "",
    };
    let b = block(format!("{name}{mark}{more}"), theme);
    let b = if picked == Some(true) { b.border_style(theme.fg(theme.yes)) } else { b };
    let inner = b.inner(area);
    frame.render_widget(b, area);
    frame.render_widget(TermText::new(at.visible(lines).collect::<Vec<Line>>()), inner);
    at.info()
}

fn verdict_pane(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let title =
        if state.mode == crate::annotate::Mode::Adjudicate { "your verdict (final)" } else { "your verdict" };
    let inner = pane(frame, area, title.into(), theme);
    let Some(i) = state.current() else { return };
    let l = &state.queue.labels[i];
    let w = inner.width as usize;
    let verdict = l.values.get(field::VERDICT).and_then(|v| Verdict::from_code(*v));
    let v = match verdict {
        Some(v) => Span::styled(pairs::on_screen(v, state.chosen_on_left(i)).to_string(), theme.focused()),
        None => Span::styled("none yet".to_string(), theme.fg(theme.muted)),
    };
    let mut lines = vec![Line::from(vec![Span::raw("verdict: "), v])];
    let mut extra = Vec::new();
    if let Some(t) = &l.tags {
        extra.push(format!("tags: {}", text::sanitize_line(&t.replace(',', ", "))));
    }
    if let Some(r) = &l.skipped {
        extra.push(format!("skipped: {}", text::sanitize_line(r)));
    }
    if l.flagged {
        extra.push("⚑ flagged".into());
    }
    if let Some(n) = &l.note {
        extra.push(format!("note: {}", text::sanitize_line(n)));
    }
    if !extra.is_empty() {
        lines.push(Line::from(text::truncate(&extra.join(" · "), w)));
    }
    frame.render_widget(TermText::new(lines), inner);
}

/// The reason tags dialog (`c`): 1–5 or Space toggle, Enter saves.
pub fn tags_overlay(frame: &mut Frame, area: Rect, selected: usize, on: &[bool], theme: &Theme) {
    use ratatui::widgets::Clear;
    let w = 50.min(area.width);
    let h = (pairs::REASON_TAGS.len() as u16 + 4).min(area.height);
    let r = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
    frame.render_widget(Clear, r);
    let b = Block::bordered()
        .title(Span::styled("reason tags (1-5/Space toggle, Enter save, Esc)", theme.title()))
        .border_style(theme.fg(theme.accent));
    let inner = b.inner(r);
    frame.render_widget(b, r);
    let lines: Vec<Line> = pairs::REASON_TAGS
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let row = format!(
                "{} {} [{}] {t}",
                if k == selected { "▶" } else { " " },
                k + 1,
                if on[k] { "x" } else { " " }
            );
            Line::from(Span::styled(row, if k == selected { theme.selected() } else { Style::default() }))
        })
        .collect();
    frame.render_widget(TermText::new(lines), inner);
}
