//! Dialogs (skip reason, note, search, reason tags, an adjudicator's reason): typing, choosing
//! an entry, and what Enter does in each.

use super::labels::{apply_value, record};
use super::pairs::apply_verdict;
use super::{flash, go_to, visible_hits};
use crate::store::field;
use crate::tui::action::Effect;
use crate::tui::adjudicate::Pick;
use crate::tui::pairs;
use crate::tui::state::{Overlay, SKIP_REASONS, State};

/// A character typed into the open dialog.
pub(super) fn typed(state: &mut State, c: char, fx: &mut Vec<Effect>) {
    match &mut state.overlay {
        Overlay::Skip { text, .. } | Overlay::Note { text } | Overlay::Reason { text, .. } => text.push(c),
        Overlay::Tags { selected, on } => {
            // 1–5 toggle a tag directly; Space toggles the selected one.
            let k = match c {
                ' ' => Some(*selected),
                d => d.to_digit(10).and_then(|d| (d as usize).checked_sub(1)),
            };
            if let Some(t) = on.get_mut(k.unwrap_or(usize::MAX)) {
                *t = !*t;
            }
        }
        Overlay::Search => {
            state.search.query.push(c);
            fx.push(Effect::Search(state.search.query.clone()));
        }
        _ => {}
    }
}

/// Backspace in the open dialog.
pub(super) fn backspace(state: &mut State, fx: &mut Vec<Effect>) {
    match &mut state.overlay {
        Overlay::Skip { text, .. } | Overlay::Note { text } | Overlay::Reason { text, .. } => {
            text.pop();
        }
        Overlay::Search => {
            state.search.query.pop();
            fx.push(Effect::Search(state.search.query.clone()));
        }
        _ => {}
    }
}

/// Moves the selection of the open dialog's list (`down`: to the next entry).
pub(super) fn select(state: &mut State, down: bool) {
    if down {
        match &mut state.overlay {
            Overlay::Skip { selected, .. } => *selected = (*selected + 1).min(SKIP_REASONS.len() - 1),
            Overlay::Tags { selected, .. } => *selected = (*selected + 1).min(pairs::REASON_TAGS.len() - 1),
            Overlay::Search => {
                let n = visible_hits(state).len();
                state.search.selected = (state.search.selected + 1).min(n.saturating_sub(1));
            }
            _ => {}
        }
    } else {
        match &mut state.overlay {
            Overlay::Skip { selected, .. } | Overlay::Tags { selected, .. } => {
                *selected = selected.saturating_sub(1)
            }
            Overlay::Search => state.search.selected = state.search.selected.saturating_sub(1),
            _ => {}
        }
    }
}

pub(super) fn enter(state: &mut State, fx: &mut Vec<Effect>) {
    match std::mem::replace(&mut state.overlay, Overlay::None) {
        Overlay::Skip { selected, text } => {
            let reason = SKIP_REASONS[selected.min(SKIP_REASONS.len() - 1)];
            let text = text.trim();
            let full = if selected == SKIP_REASONS.len() - 1 {
                if text.is_empty() { "other".to_string() } else { text.to_string() }
            } else if text.is_empty() {
                reason.to_string()
            } else {
                format!("{reason}: {text}")
            };
            record(state, field::SKIP, None, Some(full), fx);
            let pos = state.queue.cursor;
            if pos + 1 < state.queue.order.len() {
                go_to(state, pos + 1, fx);
            }
            flash(state, "skipped — next task");
        }
        Overlay::Note { text } => {
            let t = text.trim().to_string();
            let cleared = t.is_empty();
            record(state, field::NOTE, None, if cleared { None } else { Some(t) }, fx);
            flash(state, if cleared { "note cleared" } else { "note saved" });
        }
        Overlay::Reason { pick, majority, text } => {
            let reason = text.trim().to_string();
            if reason.is_empty() {
                state.overlay = Overlay::Reason { pick, majority, text };
                flash(state, "write why you overrule the majority (Esc cancels the pick)");
                return;
            }
            // The reason is the adjudicator's note on the task, and the text of the label event.
            if state.current().is_some_and(|i| state.queue.labels[i].note.as_deref() != Some(reason.as_str()))
            {
                record(state, field::NOTE, None, Some(reason), fx);
            }
            match pick {
                Pick::Value { dim, value } => apply_value(state, dim, value, fx),
                Pick::Verdict(v) => apply_verdict(state, v, fx),
            }
        }
        Overlay::Tags { on, .. } => {
            let text = pairs::tags_text(&on);
            let cleared = text.is_none();
            record(state, field::TAGS, None, text, fx);
            flash(state, if cleared { "tags cleared" } else { "tags saved" });
        }
        Overlay::Search => {
            let hits = visible_hits(state);
            if let Some(&task) = hits.get(state.search.selected) {
                let p = state.queue.pos[task] as usize;
                go_to(state, p, fx);
            } else {
                flash(state, "no match among the tasks shown");
            }
        }
        other => state.overlay = other,
    }
}
