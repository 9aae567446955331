//! The stats screen (`a`), drawn over the whole screen: agreement per dimension, the humans'
//! label distribution as bar charts, the judge-vs-human confusion matrix of the focused
//! dimension as a heat map, and each annotator's progress.

use super::terminal_text::TermText;
use super::{block, pane};
use crate::agreement::Stat;
use crate::text;
use crate::tui::state::State;
use crate::tui::stats::{DimensionStats, StatsView};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Clear};

fn stat(s: &Stat) -> String {
    match s {
        Ok(v) => format!("{v:.3}"),
        Err(_) => "n/a".into(),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    frame.render_widget(Clear, area);
    let outer = block(
        "stats — agreement, labels, judge vs humans, progress (Tab: dimension, any key closes)".into(),
        theme,
    )
    .border_style(theme.fg(theme.accent));
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(view) = &state.stats.view else {
        frame.render_widget(TermText::new("computing…"), inner);
        return;
    };
    let n_dims = view.dimensions.len() as u16;
    let judge_rows: u16 = view.dimensions.iter().map(|d| d.judges.len() as u16).sum();
    let table_h = n_dims + judge_rows + 3;
    let tall = inner.height >= 34;
    let chart_h = if tall { 10 } else { 7 };
    let [table, middle, progress] =
        Layout::vertical([Constraint::Length(table_h), Constraint::Length(chart_h), Constraint::Min(3)])
            .areas(inner);
    agreement_table(frame, table, state, view, theme);
    let [charts, heat] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(middle);
    distributions(frame, charts, view, theme);
    let focus = state.open.focus.min(view.dimensions.len().saturating_sub(1));
    if let Some(d) = view.dimensions.get(focus) {
        heat_map(frame, heat, d, theme);
    }
    annotators(frame, progress, view, theme);
}

fn agreement_table(frame: &mut Frame, area: Rect, state: &State, view: &StatsView, theme: &Theme) {
    let inner = pane(
        frame,
        area,
        "agreement (humans: Krippendorff's α; judge vs human majority: Cohen's κ)".into(),
        theme,
    );
    let name_w = view.dimensions.iter().map(|d| text::width(&d.name)).max().unwrap_or(9).max(9);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "  {}  {:>7} {:>6} {:>6}   {:>7} {:>8} {:>6}",
            text::pad("dimension", name_w),
            "α",
            "items",
            "raters",
            "κ judge",
            "accuracy",
            "n"
        ),
        theme.title(),
    ))];
    for (k, d) in view.dimensions.iter().enumerate() {
        let alpha = d.alpha.as_ref().map(|(_, s)| stat(s)).unwrap_or_else(|| "n/a".into());
        let row = format!(
            "{} {}  {:>7} {:>6} {:>6}   {:>7} {:>8} {:>6}",
            if k == state.open.focus { "▶" } else { " " },
            text::pad(&d.name, name_w),
            alpha,
            d.n_items,
            d.n_raters,
            stat(&d.judge_kappa),
            stat(&d.judge_accuracy),
            d.judge_n
        );
        lines.push(Line::from(Span::styled(
            row,
            if k == state.open.focus { theme.focused() } else { Style::default() },
        )));
        // Several named judges: one row each, under the dimension.
        for j in &d.judges {
            let name = text::truncate(&format!("  {}", text::sanitize_line(&j.judge)), name_w);
            let row = format!(
                "  {}  {:>7} {:>6} {:>6}   {:>7} {:>8} {:>6}",
                text::pad(&name, name_w),
                "",
                "",
                "",
                stat(&j.kappa),
                stat(&j.accuracy),
                j.n
            );
            lines.push(Line::from(Span::styled(row, theme.fg(theme.judge))));
        }
    }
    frame.render_widget(TermText::new(lines), inner);
}

fn distributions(frame: &mut Frame, area: Rect, view: &StatsView, theme: &Theme) {
    let inner = pane(frame, area, "human labels per value".into(), theme);
    let groups: Vec<BarGroup> = view
        .dimensions
        .iter()
        .map(|d| {
            let bars: Vec<Bar> = d
                .categories
                .iter()
                .zip(&d.distribution)
                .map(|(c, n)| {
                    Bar::default().value(*n).label(Line::from(c.clone())).style(theme.fg(theme.accent))
                })
                .collect();
            BarGroup::default().label(Line::from(text::truncate(&d.name, 11))).bars(&bars)
        })
        .collect();
    let mut chart = BarChart::default().bar_width(3).bar_gap(1).group_gap(3).value_style(theme.focused());
    for g in groups {
        chart = chart.data(g);
    }
    frame.render_widget(chart, inner);
}

/// Shading of a cell: colours from dark to bright in colour themes; in the monochrome theme
/// a density character, so it stays readable without colour (the count is always written).
fn shade(count: u64, max: u64, theme: &Theme) -> (Style, char) {
    let level = if max == 0 || count == 0 { 0 } else { 1 + (count * 3).div_ceil(max).min(3) as usize };
    let chars = [' ', '░', '▒', '▓', '█'];
    if theme.monochrome {
        return (Style::default(), chars[level]);
    }
    let bg = [
        Color::Reset,
        Color::Rgb(40, 40, 90),
        Color::Rgb(60, 70, 150),
        Color::Rgb(80, 110, 200),
        Color::Rgb(110, 160, 240),
    ];
    (Style::default().bg(bg[level]).fg(if level >= 3 { Color::Black } else { Color::White }), ' ')
}

fn heat_map(frame: &mut Frame, area: Rect, d: &DimensionStats, theme: &Theme) {
    let inner = pane(frame, area, format!("{}: human majority (rows) × judge (columns)", d.name), theme);
    let q = d.confusion.q;
    let max = d.confusion.counts.iter().copied().max().unwrap_or(0);
    let cell_w = 9usize;
    let mut lines = Vec::new();
    let mut head = vec![Span::raw(" ".repeat(8))];
    for c in &d.categories {
        head.push(Span::styled(text::pad(&format!(" judge {c}"), cell_w), theme.title()));
    }
    lines.push(Line::from(head));
    for r in 0..q {
        let mut spans =
            vec![Span::styled(text::pad(&format!("human {}", d.categories[r]), 8), theme.title())];
        for c in 0..q {
            let n = d.confusion.get(r, c);
            let (style, ch) = shade(n, max, theme);
            let num = n.to_string();
            let fill = cell_w.saturating_sub(num.len() + 1);
            let body = format!("{}{num} ", ch.to_string().repeat(fill));
            spans.push(Span::styled(body, style));
        }
        lines.push(Line::from(spans));
    }
    if q == 0 || d.confusion.n() == 0 {
        lines.push(Line::from(Span::styled(
            "no response with both a human majority and a judge score yet",
            theme.fg(theme.muted),
        )));
    }
    frame.render_widget(TermText::new(lines), inner);
}

fn annotators(frame: &mut Frame, area: Rect, view: &StatsView, theme: &Theme) {
    let inner =
        pane(frame, area, format!("progress ({} responses, {} pairs)", view.responses, view.pairs), theme);
    let name_w = view.annotators.iter().map(|a| text::width(&a.name)).max().unwrap_or(8).clamp(8, 24);
    let bar_w = (inner.width as usize).saturating_sub(name_w + 40).clamp(5, 40);
    let lines: Vec<Line> = view
        .annotators
        .iter()
        .map(|a| {
            let share = if view.responses == 0 { 0.0 } else { a.tasks_done as f64 / view.responses as f64 };
            let filled = ((share * bar_w as f64).round() as usize).min(bar_w);
            Line::from(vec![
                Span::raw(format!("{} ", text::pad(&text::sanitize_line(&a.name), name_w))),
                Span::styled("█".repeat(filled), theme.fg(theme.yes)),
                Span::styled("·".repeat(bar_w - filled), theme.fg(theme.muted)),
                Span::raw(format!(
                    " {}/{} responses  {}/{} pairs  {} labels{}",
                    a.tasks_done,
                    view.responses,
                    a.pairs_done,
                    view.pairs,
                    a.labels,
                    if a.adjudicator { "  (adjudicator)" } else { "" }
                )),
            ])
        })
        .collect();
    frame.render_widget(TermText::new(lines), inner);
}
