//! Your labels (focused dimension marked) and the judge's scores with rationale.

use super::pane;
use super::terminal_text::TermText;
use crate::model::Value;
use crate::store::JudgeView;
use crate::text;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

const HIDDEN: &str = "hidden";

/// One row per dimension: `▶ awareness   [1 yes]  judge 0 ≠`; then skip, flag and note. When
/// `with_rationale` (narrow screens, no judge pane) the judge's rationale for the focused
/// dimension follows.
pub fn labels(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, with_rationale: bool) {
    let inner = pane(frame, area, "your labels (1 yes / 0 no, Tab: next)".into(), theme);
    let Some(i) = state.current() else { return };
    let l = &state.queue.labels[i];
    let visible = state.judge_visible(i);
    let name_w = state.session.schema.dimensions.iter().map(|d| text::width(&d.name)).max().unwrap_or(8);
    let mut lines = Vec::new();
    for (k, d) in state.session.schema.dimensions.iter().enumerate() {
        let focused = k == state.open.focus;
        let marker = if focused { "▶" } else { " " };
        let (value, vstyle) = match l.values.get(&d.name) {
            Some(v) => {
                let label = d.label_of(*v).unwrap_or("?");
                let style = if *v == 1 && d.is_binary() {
                    theme.fg(theme.yes)
                } else if *v == 0 && d.is_binary() {
                    theme.fg(theme.no)
                } else {
                    Style::default()
                };
                (format!("[{v} {label}]"), style)
            }
            None => ("[ · ]".to_string(), theme.fg(theme.muted)),
        };
        let name_style = if focused { theme.focused() } else { Style::default() };
        let judge = state.judge_value(i, k);
        let several = state.open_judges();
        let (judge_txt, judge_style) = if visible && several.len() > 1 {
            several_judges_cell(several, &d.name, l.values.get(&d.name).copied(), theme)
        } else {
            (single_judge_cell(visible, judge, l.values.get(&d.name).copied()), theme.fg(theme.judge))
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{marker} {} ", text::pad(&d.name, name_w)), name_style),
            Span::styled(format!("{} ", text::pad(&value, 9)), vstyle),
            Span::styled(judge_txt, judge_style),
        ]));
    }
    let mut extra = Vec::new();
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
        lines.push(Line::from(text::truncate(&extra.join(" · "), inner.width as usize)));
    }
    if with_rationale {
        let dim = state.session.schema.dimensions.get(state.open.focus);
        let w = inner.width as usize;
        let shown = match (visible, dim) {
            (false, _) => {
                text::display_lines("judge's scores hidden (--blind): label every dimension or press r", w)
            }
            (true, Some(d)) if state.open_judges().len() > 1 => state
                .open_judges()
                .iter()
                .flat_map(|j| {
                    let v = j.scores.get(&d.name).map_or("-".to_string(), |v| v.to_string());
                    let body = j.rationale.get(&d.name).map_or("no rationale".to_string(), |why| match &why
                        .judged_as
                    {
                        None => why.text.clone(),
                        Some(_) => format!(
                            "on {}: {}",
                            why.subject(&d.name, j.scores.get(&d.name).copied()),
                            why.text
                        ),
                    });
                    let head = text::sanitize_line(&format!("{} on {} {v}", j.judge, d.name));
                    text::display_lines(&format!("{head}: {}", text::sanitize_line(&body)), w)
                })
                .collect(),
            (true, Some(d)) => match state
                .current_item()
                .and_then(|it| it.responses.iter().find(|r| *r.model == *state.queue.tasks[i].model))
            {
                Some(r) => match r.judge_rationale.get(&d.name) {
                    Some(why) => {
                        let subject =
                            text::sanitize_line(&why.subject(&d.name, r.judge.get(&d.name).copied()));
                        let body = text::sanitize_line(&why.text);
                        // A right-to-left rationale is a paragraph of its own, under its heading.
                        if text::is_rtl_paragraph(&body) {
                            let mut shown = text::display_lines(&format!("judge on {subject}:"), w);
                            shown.extend(text::display_lines(&body, w));
                            shown
                        } else {
                            text::display_lines(&format!("judge on {subject}: {body}"), w)
                        }
                    }
                    None => text::display_lines(&format!("judge on {}: no rationale", d.name), w),
                },
                None => Vec::new(),
            },
            (true, None) => Vec::new(),
        };
        let room = (inner.height as usize).saturating_sub(lines.len());
        for l in shown.iter().take(room) {
            lines.push(Line::from(Span::styled(l.aligned(w).into_owned(), theme.fg(theme.muted))));
        }
    }
    frame.render_widget(TermText::new(lines), inner);
}

/// The judge's score and rationale on every dimension (hidden in blind mode until revealed).
pub fn judge(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let inner = pane(frame, area, "judge".into(), theme);
    let Some(i) = state.current() else { return };
    let w = inner.width as usize;
    if !state.judge_visible(i) {
        let msg = "hidden (--blind): label every dimension or press r to reveal";
        let lines: Vec<Line> = text::wrap(msg, w).into_iter().map(Line::from).collect();
        frame.render_widget(TermText::new(lines).style(theme.fg(theme.muted)), inner);
        return;
    }
    let several = state.open_judges();
    if several.len() > 1 {
        frame.render_widget(TermText::new(several_judges(state, several, w, theme)), inner);
        return;
    }
    let response = state
        .current_item()
        .and_then(|it| it.responses.iter().find(|r| *r.model == *state.queue.tasks[i].model));
    let mut lines = Vec::new();
    for (k, d) in state.session.schema.dimensions.iter().enumerate() {
        let focused = k == state.open.focus;
        let v = state.judge_value(i, k);
        let head = format!(
            "{}{} {}",
            if focused { "▶" } else { " " },
            d.name,
            v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
        );
        lines.push(Line::from(Span::styled(
            head,
            if focused { theme.focused() } else { theme.fg(theme.judge) },
        )));
        if let Some(why) = response.and_then(|r| r.judge_rationale.get(&d.name)) {
            // Written about the judge's own dimension (Violation, not compliance): say so first.
            let body = match &why.judged_as {
                None => why.text.clone(),
                Some(_) => format!("on {}: {}", why.subject(&d.name, v), why.text),
            };
            let text_w = w.saturating_sub(2);
            for l in text::display_lines(&body, text_w) {
                lines.push(Line::from(format!("  {}", l.aligned(text_w))));
            }
        }
    }
    frame.render_widget(TermText::new(lines), inner);
}

/// One judge in the labels pane: `judge 0`, `judge 0 ≠` (your label differs), `judge -`.
fn single_judge_cell(visible: bool, judge: Option<Value>, yours: Option<Value>) -> String {
    match (visible, judge) {
        (false, _) => format!("judge {HIDDEN}"),
        (true, Some(j)) => {
            let differs = yours.is_some_and(|v| v != j);
            format!("judge {j}{}", if differs { " ≠" } else { "" })
        }
        (true, None) => "judge -".to_string(),
    }
}

/// Several judges in the labels pane: `judges 1 0` in judge order (`-` where one gave none),
/// `differ` and the warning colour when they differ, `≠` when your label differs from any of them.
fn several_judges_cell(
    judges: &[JudgeView],
    dim: &str,
    yours: Option<Value>,
    theme: &Theme,
) -> (String, Style) {
    let values: Vec<Option<Value>> = judges.iter().map(|j| j.scores.get(dim).copied()).collect();
    let shown: Vec<String> = values.iter().map(|v| v.map_or("-".to_string(), |v| v.to_string())).collect();
    let yours_differs = yours.is_some_and(|y| values.iter().flatten().any(|&v| v != y));
    let differ = judges_differ(judges, dim);
    let text = format!(
        "judges {}{}{}",
        shown.join(" "),
        if differ { " differ" } else { "" },
        if yours_differs { " ≠" } else { "" }
    );
    let style = if differ { theme.fg(theme.warning) } else { theme.fg(theme.judge) };
    (text, style)
}

/// Whether two of the judges that scored `dim` gave different values.
pub fn judges_differ(judges: &[JudgeView], dim: &str) -> bool {
    let mut values = judges.iter().filter_map(|j| j.scores.get(dim));
    let first = values.next();
    values.any(|v| Some(v) != first)
}

/// The judge pane with several judges: per dimension, a heading (`≠ judges differ`, in the
/// warning colour, where they do), then each judge's name, score and rationale.
fn several_judges(state: &State, judges: &[JudgeView], w: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (k, d) in state.session.schema.dimensions.iter().enumerate() {
        let focused = k == state.open.focus;
        let differ = judges_differ(judges, &d.name);
        let head = format!(
            "{}{}{}",
            if focused { "▶" } else { " " },
            d.name,
            if differ { " ≠ judges differ" } else { "" }
        );
        let head_style = match (focused, differ) {
            (true, _) => theme.focused(),
            (false, true) => theme.fg(theme.warning),
            (false, false) => theme.fg(theme.judge),
        };
        lines.push(Line::from(Span::styled(head, head_style)));
        for j in judges {
            let v = j.scores.get(&d.name).copied();
            let score = v.map_or("-".to_string(), |v| v.to_string());
            let style = if differ { theme.fg(theme.warning) } else { theme.fg(theme.judge) };
            let name = text::sanitize_line(&j.judge);
            lines.push(Line::from(Span::styled(text::truncate(&format!("  {name} {score}"), w), style)));
            if let Some(why) = j.rationale.get(&d.name) {
                let body = match &why.judged_as {
                    None => why.text.clone(),
                    Some(_) => format!("on {}: {}", why.subject(&d.name, v), why.text),
                };
                let text_w = w.saturating_sub(4);
                for l in text::display_lines(&body, text_w) {
                    lines.push(Line::from(format!("    {}", l.aligned(text_w))));
                }
            }
        }
    }
    lines
}
