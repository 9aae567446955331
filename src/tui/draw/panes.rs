//! The task list, image, query, response and status panes.

use super::terminal_text::TermText;
use super::{FrameInfo, Scrolled, block, pane, text_line, wrap_cache};
use crate::text;
use crate::tui::image::{ImageSource, ImageView};
use crate::tui::state::State;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;
use std::rc::Rc;

/// A one-letter status per task: `✓` complete, `~` partly labelled, `s` skipped, `·` to do; `⚑`
/// is added for a flag.
fn status_mark(state: &State, task: usize) -> &'static str {
    let l = &state.queue.labels[task];
    let flagged = l.flagged;
    if l.skipped.is_some() {
        if flagged { "s⚑" } else { "s " }
    } else if state.is_complete(task) {
        if flagged { "✓⚑" } else { "✓ " }
    } else if !l.values.is_empty() {
        if flagged { "~⚑" } else { "~ " }
    } else if flagged {
        "·⚑"
    } else {
        "· "
    }
}

/// The language column (3 cells): a code as it is, a language name as its ISO 639-1 code
/// (sessions imported before names were mapped hold `Mandarin`, `Japanese`…), else its start.
fn language_cell(language: Option<&str>) -> String {
    let Some(l) = language else { return "-".into() };
    let l = text::sanitize_line(l);
    if text::width(&l) <= 3 {
        return l;
    }
    match crate::ingest::language::iso_code(&l) {
        Some(code) => code.to_string(),
        None => text::truncate(&l, 3),
    }
}

/// The task list: id, country, language, model and your status; the open task marked `▶`.
/// The rows of the task list inside its frame, and the list position shown on the first row
/// (the cursor is kept in the middle). Drawing and the mouse both use it.
pub fn task_rows(area: Rect, state: &State) -> (Rect, usize) {
    let inner = Block::bordered().inner(area);
    let h = inner.height as usize;
    let offset = state.queue.cursor.saturating_sub(h / 2).min(state.queue.order.len().saturating_sub(h));
    (inner, offset)
}

pub fn task_list(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let title = format!("tasks {}/{}", state.queue.cursor + 1, state.queue.order.len());
    frame.render_widget(block(title, theme), area);
    let (inner, offset) = task_rows(area, state);
    let h = inner.height as usize;
    let w = inner.width as usize;
    if h == 0 || state.queue.order.is_empty() {
        frame.render_widget(TermText::new("no task matches"), inner);
        return;
    }
    let n = state.queue.order.len();
    let wide = w >= 40;
    let mut lines = Vec::with_capacity(h);
    for pos in offset..(offset + h).min(n) {
        let i = state.queue.order[pos];
        let t = &state.queue.tasks[i];
        let here = pos == state.queue.cursor;
        let marker = if here { "▶" } else { " " };
        // A pair (adjudicate mode lists pairs among the responses): its id, and "pair".
        let (id, model) = match &t.task {
            crate::model::TaskRef::Pair { pair_id } => (pair_id.as_str(), "pair"),
            crate::model::TaskRef::Response { .. } => (&*t.item_id, &*t.model),
        };
        let body = if wide {
            let country = text::pad(&text::sanitize_line(t.country.as_deref().unwrap_or("-")), 10);
            let lang = text::pad(&language_cell(t.language.as_deref()), 3);
            let model = text::sanitize_line(model);
            let id_w = w.saturating_sub(3 + 1 + 10 + 1 + 3 + 1 + 12).max(8);
            format!(
                "{} {} {} {}",
                text::pad(&text::shorten_id(&text::sanitize_line(id), id_w), id_w),
                country,
                lang,
                model_cell(&model, 12)
            )
        } else {
            // Narrow: the model keeps up to 10 cells (its run mark too), the id the rest.
            let model = model_cell(&text::sanitize_line(model), 10);
            let id_w = w.saturating_sub(3 + 1 + text::width(&model)).max(6);
            format!("{} {model}", text::shorten_id(&text::sanitize_line(id), id_w))
        };
        let row = text::pad(&format!("{marker}{}{body}", status_mark(state, i)), w);
        let style = if here { theme.selected() } else { Style::default() };
        lines.push(Line::from(Span::styled(row, style)));
    }
    frame.render_widget(TermText::new(lines), inner);
}

/// A model key in at most `width` cells; when it must be cut, its run (`#r2`) is kept, since
/// runs of one model differ only there.
fn model_cell(key: &str, width: usize) -> String {
    match crate::model::split_run(key) {
        (model, Some(round)) if text::width(key) > width => {
            let mark = format!("{}{round}", crate::model::RUN_MARK);
            let room = width.saturating_sub(text::width(&mark));
            if room < 2 {
                text::truncate(key, width)
            } else {
                format!("{}{mark}", text::truncate(model, room))
            }
        }
        _ => text::truncate(key, width),
    }
}

/// The item's image (or a placeholder saying why there is none).
pub fn image(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, images: &mut dyn ImageSource) {
    let inner = pane(frame, area, "image (z: full screen)".into(), theme);
    let Some(item) = state.current_item() else {
        frame.render_widget(TermText::new("loading…"), inner);
        return;
    };
    match images.view(item.image.as_deref(), inner) {
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

pub(super) fn labelled_block(
    lines: &mut Vec<Line<'static>>,
    label: &str,
    body: &str,
    width: usize,
    style: Style,
) {
    let indent = label.chars().count() + 1;
    let body_w = width.saturating_sub(indent).max(1);
    for (k, l) in text::display_lines(body, body_w).iter().enumerate() {
        let head = if k == 0 { format!("{label} ") } else { " ".repeat(indent) };
        lines.push(Line::from(vec![Span::styled(head, style), Span::raw(l.aligned(body_w).into_owned())]));
    }
}

/// The query as given to the model, its English version and the norm at stake.
pub fn query(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let title = match state.current_task() {
        Some(t) => text::sanitize_line(&format!(
            "{} · {} · {} · {}",
            t.item_id,
            t.country.as_deref().unwrap_or("-"),
            t.language.as_deref().unwrap_or("-"),
            t.domain.as_deref().unwrap_or("-")
        )),
        None => "no task".into(),
    };
    let inner = pane(frame, area, title, theme);
    let Some(item) = state.current_item() else {
        frame.render_widget(TermText::new(if state.queue.order.is_empty() { "" } else { "loading…" }), inner);
        return;
    };
    let w = inner.width as usize;
    let head = theme.title();
    let mut lines = Vec::new();
    labelled_block(&mut lines, "query:", &item.query, w, head);
    if let Some(en) = item.query_en.as_deref().filter(|e| !e.is_empty() && *e != item.query) {
        labelled_block(&mut lines, "   en:", en, w, head);
    }
    if let Some(norm) = item.norm.as_deref() {
        labelled_block(&mut lines, " norm:", norm, w, theme.fg(theme.warning));
    }
    frame.render_widget(TermText::new(lines), inner);
}

/// The response being labelled, scrollable.
pub fn response(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) -> FrameInfo {
    let model = state.current_task().map(|t| t.model.clone()).unwrap_or_default();
    let inner_w = area.width.saturating_sub(2) as usize;
    let inner_h = area.height.saturating_sub(2) as u32;
    // Wrapped once per response and width (a response may be a megabyte); each frame only
    // copies the visible lines.
    let text_lines: Rc<Vec<text::DisplayLine>> = match state.current_item() {
        Some(item) => match item.responses.iter().find(|r| *r.model == *model) {
            Some(r) => wrap_cache::display_lines(&r.text, inner_w),
            None => Rc::new(text::display_lines("(this response is no longer in the session)", inner_w)),
        },
        None if state.queue.order.is_empty() => Rc::new(text::display_lines(
            "No task matches --filter/--sample. Quit with q and widen the selection.",
            inner_w,
        )),
        None => Rc::new(text::display_lines("loading…", inner_w)),
    };
    let at = Scrolled::new(text_lines.len(), inner_h, state.open.scroll);
    let more = at.range().map(|r| format!(" lines {r} (Space/b, J/K) ")).unwrap_or_default();
    let inner = pane(frame, area, format!("response · {}{more}", text::sanitize_line(&model)), theme);
    let lines: Vec<Line> = at.visible(text_lines.iter()).map(|l| text_line(l, inner_w)).collect();
    frame.render_widget(TermText::new(lines), inner);
    at.info()
}

/// Formats active seconds as m:ss (or h:mm:ss).
pub fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Annotator, progress, time on this task, mode, and key hints (or the latest confirmation).
pub fn status(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mode = format!(
        "{}{}",
        match state.mode.mode() {
            crate::annotate::Mode::Responses => "responses",
            crate::annotate::Mode::Pairs => "pairs",
            crate::annotate::Mode::Adjudicate => "adjudicate",
        },
        if state.session.blind { " · blind" } else { "" }
    );
    let left = format!(
        " {} │ {}/{} done │ {} on task │ {} │ {}",
        text::sanitize_line(&state.session.annotator),
        state.queue.done,
        state.queue.order.len(),
        clock(state.open.task_seconds),
        mode,
        state.hub.as_deref().map(|h| format!("{} │ ", text::sanitize_line(h))).unwrap_or_default()
    );
    let right = match &state.flash {
        Some(f) => Span::styled(text::sanitize_line(f), theme.focused()),
        None => {
            let pair_hints = state.mode.adjudication().map(|a| &a.pair_hints);
            let hints = if let Some(pair_hints) = pair_hints.filter(|h| state.pairs_screen() && !h.is_empty())
            {
                pair_hints
            } else {
                &state.keys.hints
            };
            Span::styled(hints.clone(), theme.fg(theme.muted))
        }
    };
    let line = Line::from(vec![Span::styled(left, theme.title()), right]);
    frame.render_widget(TermText::new(line), area);
}

#[cfg(test)]
mod tests {
    use super::{language_cell, model_cell};

    #[test]
    fn the_language_column_shows_codes() {
        assert_eq!(language_cell(Some("ha")), "ha");
        assert_eq!(language_cell(Some("Japanese")), "ja");
        assert_eq!(language_cell(Some("Chinese (Simplified)")), "zh");
        assert_eq!(language_cell(Some("Klingon")), "tlh");
        assert_eq!(language_cell(Some("not a language")), "no…");
        assert_eq!(language_cell(None), "-");
    }

    #[test]
    fn a_cut_model_keeps_its_run() {
        assert_eq!(model_cell("qwen2-vl-7b-instruct#r2", 12), "qwen2-vl…#r2");
        assert_eq!(model_cell("qwen2-vl-7b-instruct", 12), "qwen2-vl-7b…");
        assert_eq!(model_cell("gpt-4o#r2", 12), "gpt-4o#r2");
        assert_eq!(model_cell("gpt-4o#r12", 10), "gpt-4o#r12");
        assert_eq!(model_cell("gpt-4o-mini#r12", 10), "gpt-4…#r12");
        // Too narrow for the run mark and a name: cut as any other text.
        assert_eq!(model_cell("gpt-4o#r2", 4), "gpt…");
    }
}
