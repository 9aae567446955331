//! Drawing: one function per pane, all reading the state and writing the frame. Nothing here
//! changes the state; what the next update needs to know about the layout (how far the
//! response can scroll) is returned in [`FrameInfo`].

mod adjudicate;
mod labels;
mod overlay;
mod pairs;
mod panes;
mod stats;
mod terminal_text;
mod wrap_cache;

use super::image::ImageSource;
use super::state::{Overlay, State};
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;
use terminal_text::TermText;

/// A line of model or dataset text in a pane `width` cells wide: the lines of a right-to-left
/// paragraph end at the right edge, as their reader expects.
fn text_line(l: &crate::text::DisplayLine, width: usize) -> Line<'static> {
    Line::from(l.aligned(width).into_owned())
}

/// The smallest terminal the layout is designed for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// What the last frame measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameInfo {
    pub max_scroll: u32,
    pub page: u32,
}

/// A pane's frame with its title, in the theme's colours.
fn block<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::bordered().title(Span::styled(title, theme.title())).border_style(theme.fg(theme.border))
}

/// Draws a pane's frame with its title and returns the area inside it.
fn pane(frame: &mut Frame, area: Rect, title: String, theme: &Theme) -> Rect {
    let b = block(title, theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    inner
}

/// Where a scrolling pane of `height` rows stands on `total` lines when `wanted` lines are
/// scrolled past (the state may ask for more than there is, e.g. after a resize).
struct Scrolled {
    scroll: u32,
    max_scroll: u32,
    total: u32,
    height: u32,
}

impl Scrolled {
    fn new(total: usize, height: u32, wanted: u32) -> Scrolled {
        let total = u32::try_from(total).unwrap_or(u32::MAX);
        let max_scroll = total.saturating_sub(height);
        Scrolled { scroll: wanted.min(max_scroll), max_scroll, total, height }
    }

    /// `first-last of total` for the title, when the lines do not all fit.
    fn range(&self) -> Option<String> {
        (self.max_scroll > 0).then(|| {
            format!("{}-{} of {}", self.scroll + 1, (self.scroll + self.height).min(self.total), self.total)
        })
    }

    /// The visible part of `lines`.
    fn visible<T>(&self, lines: impl IntoIterator<Item = T>) -> impl Iterator<Item = T> {
        lines.into_iter().skip(self.scroll as usize).take(self.height as usize)
    }

    fn info(&self) -> FrameInfo {
        FrameInfo { max_scroll: self.max_scroll, page: self.height }
    }
}

/// The rectangles of the main screen.
struct Areas {
    list: Rect,
    image: Rect,
    query: Rect,
    response: Rect,
    labels: Rect,
    judge: Option<Rect>,
    status: Rect,
}

fn layout(area: Rect) -> Areas {
    let [body, status] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let wide = area.width >= 140;
    let tall = area.height >= 40;
    let list_w = if wide { 44 } else { 24 };
    let [list, main] = Layout::horizontal([Constraint::Length(list_w), Constraint::Min(0)]).areas(body);
    let top_h = if tall { 16 } else { 8 };
    let [top, rest] = Layout::vertical([Constraint::Length(top_h), Constraint::Min(0)]).areas(main);
    let image_w = if wide { (top.width * 2 / 5).min(60) } else { 18 };
    let [image, query] = Layout::horizontal([Constraint::Length(image_w), Constraint::Min(0)]).areas(top);
    if wide {
        let [response, side] = Layout::horizontal([Constraint::Min(0), Constraint::Length(44)]).areas(rest);
        let [labels, judge] = Layout::vertical([Constraint::Length(12), Constraint::Min(0)]).areas(side);
        Areas { list, image, query, response, labels, judge: Some(judge), status }
    } else {
        let [response, labels] = Layout::vertical([Constraint::Min(0), Constraint::Length(8)]).areas(rest);
        Areas { list, image, query, response, labels, judge: None, status }
    }
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, state: &State, theme: &Theme, images: &mut dyn ImageSource) -> FrameInfo {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return FrameInfo::default();
    }
    let info = if state.pairs_screen() {
        let [body, status] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
        let info = pairs::draw(frame, body, state, theme, images);
        panes::status(frame, status, state, theme);
        info
    } else {
        let a = layout(area);
        panes::task_list(frame, a.list, state, theme);
        panes::image(frame, a.image, state, theme, images);
        panes::query(frame, a.query, state, theme);
        let response = if state.mode == crate::annotate::Mode::Adjudicate {
            let [response, answers] =
                Layout::vertical([Constraint::Min(3), Constraint::Length(adjudicate::height(state))])
                    .areas(a.response);
            adjudicate::answers(frame, answers, state, theme);
            response
        } else {
            a.response
        };
        let info = panes::response(frame, response, state, theme);
        labels::labels(frame, a.labels, state, theme, a.judge.is_none());
        if let Some(j) = a.judge {
            labels::judge(frame, j, state, theme);
        }
        panes::status(frame, a.status, state, theme);
        info
    };
    match &state.overlay {
        Overlay::None => {}
        Overlay::Help => overlay::help(frame, area, state, theme),
        Overlay::Guidelines => overlay::guidelines(frame, area, state, theme),
        Overlay::Skip { selected, text } => overlay::skip(frame, area, *selected, text, theme),
        Overlay::Note { text } => overlay::note(frame, area, text, theme),
        Overlay::Search => overlay::search(frame, area, state, theme),
        Overlay::Stats => {
            let [body, _] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
            stats::draw(frame, body, state, theme)
        }
        Overlay::Tags { selected, on } => pairs::tags_overlay(frame, area, *selected, on, theme),
        Overlay::Reason { majority, text, .. } => overlay::reason(frame, area, majority, text, theme),
    }
    info
}

/// What is drawn at a cell of the screen, as far as the mouse cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spot {
    /// A row of the task list: this position in the list.
    Task(usize),
    /// The task list, below its last task or on its frame.
    TaskList,
    /// The response (both responses on the pairs screen).
    Response,
    Other,
}

/// Which part of the screen `area` is at column `x`, row `y`: the same layout as [`draw`].
pub fn spot_at(area: Rect, state: &State, x: u16, y: u16) -> Spot {
    let at = ratatui::layout::Position { x, y };
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT || !area.contains(at) {
        return Spot::Other;
    }
    let [body, _status] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    if state.pairs_screen() {
        return if body.contains(at) { Spot::Response } else { Spot::Other };
    }
    let a = layout(area);
    if a.list.contains(at) {
        let (rows, offset) = panes::task_rows(a.list, state);
        let pos = offset + usize::from(y.saturating_sub(rows.y));
        return if rows.contains(at) && pos < state.queue.order.len() {
            Spot::Task(pos)
        } else {
            Spot::TaskList
        };
    }
    if a.response.contains(at) { Spot::Response } else { Spot::Other }
}

/// A terminal below 80x24 gets a plain message instead of a squeezed, garbled screen.
fn too_small(frame: &mut Frame, area: Rect) {
    let msg = vec![
        Line::from("Terminal too small"),
        Line::from(format!("{}x{}, need at least {MIN_WIDTH}x{MIN_HEIGHT}", area.width, area.height)),
        Line::from("enlarge the window, or q to quit"),
    ];
    frame.render_widget(TermText::new(msg), area);
}
