//! Labels: recording a change (applied to the state at once), a dimension's value, and undo
//! or redo coming back from the session.

use super::{find_task, flash, go_to};
use crate::annotate::Mode;
use crate::model::{TaskRef, Value, Verdict};
use crate::store::{NewEvent, field};
use crate::tui::action::Effect;
use crate::tui::adjudicate::{self, Pick};
use crate::tui::state::State;

/// Records a change to the open task and applies it to the state.
pub(super) fn record(
    state: &mut State,
    field_name: &str,
    value: Option<Value>,
    text: Option<String>,
    fx: &mut Vec<Effect>,
) {
    let Some(i) = state.current() else { return };
    let judge_visible = state.judge_visible(i);
    let was_complete = state.is_complete(i);
    fx.push(Effect::Record(NewEvent {
        annotator: state.session.annotator.clone(),
        task: state.queue.tasks[i].task.clone(),
        field: field_name.to_string(),
        value,
        text: text.clone(),
        seconds: state.open.task_seconds,
        judge_visible,
    }));
    state.queue.labels[i].apply(field_name, value, text, state.open.task_seconds);
    let now_complete = state.is_complete(i);
    count_done(state, i, was_complete, now_complete);
}

/// Keeps the "n of N done" count in step when task `i` became complete or stopped being so
/// (tasks outside this session's queue do not count).
pub(super) fn count_done(state: &mut State, i: usize, was_complete: bool, now_complete: bool) {
    if state.queue.pos[i] != u32::MAX {
        match (was_complete, now_complete) {
            (false, true) => state.queue.done += 1,
            (true, false) => state.queue.done -= 1,
            _ => {}
        }
    }
}

pub(super) fn set_value(state: &mut State, v: Value, fx: &mut Vec<Effect>) {
    let Some(i) = state.current() else { return };
    if matches!(state.queue.tasks[i].task, TaskRef::Pair { .. }) {
        flash(state, "a pair takes a verdict: 1 left better, 2 right better, t tie, b both bad, x unsure");
        return;
    }
    let Some(dim) = state.session.schema.dimensions.get(state.open.focus) else { return };
    if !dim.is_valid(v) {
        let msg = format!("{v} is not a value of {} ({})", dim.name, dim.describe_values());
        flash(state, msg);
        return;
    }
    let name = dim.name.clone();
    // Only adjudicate mode has the others' answers.
    if let Some((m, top, n)) = state.answers(i).and_then(|a| adjudicate::overruled(a, &name, v)) {
        let majority = format!("{top} of {n} annotators gave {name} = {m}");
        super::ask_reason(state, i, Pick::Value { dim: state.open.focus, value: v }, majority);
        return;
    }
    apply_value(state, state.open.focus, v, fx);
}

/// Records value `v` on dimension `dim` of the open task, then focuses the next dimension, or
/// after the last one opens the next task.
pub(super) fn apply_value(state: &mut State, dim: usize, v: Value, fx: &mut Vec<Effect>) {
    let Some(i) = state.current() else { return };
    let Some(name) = state.session.schema.dimensions.get(dim).map(|d| d.name.clone()) else { return };
    // An adjudication carries its reason (the note, `m`) as the label event's text.
    let reason = if state.mode == Mode::Adjudicate { state.queue.labels[i].note.clone() } else { None };
    record(state, &name, Some(v), reason, fx);
    state.open.focus = dim;
    let n = state.session.schema.dimensions.len();
    if state.open.focus + 1 < n {
        state.open.focus += 1;
        return;
    }
    // After the last dimension, the next task opens on its own.
    let missing: Vec<String> = state
        .session
        .schema
        .dimensions
        .iter()
        .filter(|d| !state.queue.labels[i].values.contains_key(&d.name))
        .map(|d| d.name.clone())
        .collect();
    let pos = state.queue.cursor;
    let saved = if missing.is_empty() {
        format!("✓ saved {} ({})", state.queue.tasks[i].item_id, state.queue.tasks[i].model)
    } else {
        format!("saved; {} still lacks {}", state.queue.tasks[i].item_id, missing.join(", "))
    };
    if pos + 1 < state.queue.order.len() {
        go_to(state, pos + 1, fx);
        flash(state, format!("{saved} — next task"));
    } else {
        state.open.focus = 0;
        flash(state, format!("{saved} — that was the last task"));
    }
}

pub(super) fn applied(
    state: &mut State,
    event: Option<crate::store::LabelEvent>,
    redo: bool,
    fx: &mut Vec<Effect>,
) {
    let verb = if redo { "redo" } else { "undo" };
    let Some(ev) = event else {
        flash(state, format!("nothing to {verb}"));
        return;
    };
    let Some(i) = find_task(state, &ev.task) else {
        flash(state, format!("{verb}: a task no longer in this session"));
        return;
    };
    let was_complete = state.is_complete(i);
    // The event's time was already counted in the labels when it was first recorded.
    state.queue.labels[i].apply(&ev.field, ev.value, ev.text.clone(), 0.0);
    let now_complete = state.is_complete(i);
    count_done(state, i, was_complete, now_complete);
    if state.queue.pos[i] != u32::MAX {
        // Show where the change happened, with the changed dimension focused.
        let p = state.queue.pos[i] as usize;
        if p != state.queue.cursor {
            go_to(state, p, fx);
        }
        if let Some(d) = state.session.schema.dimensions.iter().position(|d| d.name == ev.field) {
            state.open.focus = d;
        }
    }
    let what = match ev.value {
        Some(v) if ev.field == field::VERDICT => {
            format!("verdict {}", Verdict::from_code(v).map(Verdict::as_str).unwrap_or("?"))
        }
        Some(v) if !ev.field.starts_with('@') => format!("{} = {v}", ev.field),
        None if !ev.field.starts_with('@') => format!("{} cleared", ev.field),
        _ => ev.field.trim_start_matches('@').to_string(),
    };
    let done = if redo { "redone" } else { "undone" };
    flash(state, format!("{done}: {what} on {}", state.queue.tasks[i].item_id));
}
