//! The mouse, for those who reach for it (the keyboard does everything): the wheel scrolls what
//! is under the pointer (the response, the task list, a scrolling overlay, a dialog's list) and
//! a click on the task list opens that task. Pure: the screen size, the state and an event in,
//! actions out; what is where comes from the layout the drawing uses ([`draw::spot_at`]).

use super::action::{Action, Command};
use super::draw::{self, Spot};
use super::state::{Overlay, State};
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

/// Lines the response moves per wheel notch.
pub const WHEEL_LINES: usize = 3;

/// What a mouse event means on a screen of size `screen`.
pub fn actions(state: &State, screen: Rect, ev: &MouseEvent) -> Vec<Action> {
    let down = match ev.kind {
        MouseEventKind::ScrollDown => true,
        MouseEventKind::ScrollUp => false,
        MouseEventKind::Down(MouseButton::Left) => {
            return match (&state.overlay, draw::spot_at(screen, state, ev.column, ev.row)) {
                (Overlay::None, Spot::Task(pos)) if pos != state.queue.cursor => vec![Action::OpenTask(pos)],
                _ => Vec::new(),
            };
        }
        _ => return Vec::new(),
    };
    let scroll = |n: usize| {
        let cmd = if down { Command::ScrollDown } else { Command::ScrollUp };
        vec![Action::Command(cmd); n]
    };
    match &state.overlay {
        Overlay::Help | Overlay::Guidelines | Overlay::Stats => scroll(WHEEL_LINES),
        Overlay::Search | Overlay::Skip { .. } | Overlay::Tags { .. } => {
            vec![if down { Action::SelectNext } else { Action::SelectPrev }]
        }
        Overlay::Note { .. } | Overlay::Reason { .. } => Vec::new(),
        Overlay::None => match draw::spot_at(screen, state, ev.column, ev.row) {
            Spot::Task(_) | Spot::TaskList => {
                vec![Action::Command(if down { Command::NextTask } else { Command::PrevTask })]
            }
            Spot::Response => scroll(WHEEL_LINES),
            Spot::Other => Vec::new(),
        },
    }
}
