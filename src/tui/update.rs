//! The state machine: `update(state, action) -> effects`. Pure: it changes the state and says
//! what the outside world must do (record a label, load an item, search); `app.rs` does it.
//!
//! Labels are applied to the state optimistically and recorded with `Effect::Record`; the app
//! runs that effect (a durable write) before drawing the next frame, so whatever the screen
//! shows as saved is on disk.

use super::action::{Action, Command, Effect};
use super::adjudicate::{self, Pick};
use super::pairs;
use super::state::{FLASH_SECONDS, Overlay, SKIP_REASONS, State};
use crate::annotate::Mode;
use crate::model::{TaskRef, Value, Verdict};
use crate::store::{NewEvent, field};

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    match action {
        Action::Command(cmd) => command(state, cmd, &mut fx),
        Action::SetValue(v) => set_value(state, v, &mut fx),
        Action::Char(c) => match &mut state.overlay {
            Overlay::Skip { text, .. } | Overlay::Note { text } | Overlay::Reason { text, .. } => {
                text.push(c)
            }
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
        },
        Action::Backspace => match &mut state.overlay {
            Overlay::Skip { text, .. } | Overlay::Note { text } | Overlay::Reason { text, .. } => {
                text.pop();
            }
            Overlay::Search => {
                state.search.query.pop();
                fx.push(Effect::Search(state.search.query.clone()));
            }
            _ => {}
        },
        Action::SelectPrev => match &mut state.overlay {
            Overlay::Skip { selected, .. } | Overlay::Tags { selected, .. } => {
                *selected = selected.saturating_sub(1)
            }
            Overlay::Search => state.search.selected = state.search.selected.saturating_sub(1),
            _ => {}
        },
        Action::SelectNext => match &mut state.overlay {
            Overlay::Skip { selected, .. } => *selected = (*selected + 1).min(SKIP_REASONS.len() - 1),
            Overlay::Tags { selected, .. } => *selected = (*selected + 1).min(pairs::REASON_TAGS.len() - 1),
            Overlay::Search => {
                let n = visible_hits(state).len();
                state.search.selected = (state.search.selected + 1).min(n.saturating_sub(1));
            }
            _ => {}
        },
        Action::Enter => enter(state, &mut fx),
        Action::Escape => {
            if matches!(std::mem::replace(&mut state.overlay, Overlay::None), Overlay::Reason { .. }) {
                flash(state, "pick cancelled: nothing saved");
            }
        }
        Action::Tick { dt, active } => {
            if active && state.overlay != Overlay::Stats {
                state.task_seconds += dt;
            }
            // Open stats follow the labels coming in (from other annotators too).
            if state.overlay == Overlay::Stats {
                state.stats_age += dt;
                if state.stats_age >= super::stats::REFRESH_SECONDS {
                    state.stats_age = 0.0;
                    fx.push(Effect::ComputeStats);
                }
            }
            if state.flash.is_some() {
                state.flash_age += dt;
                if state.flash_age > FLASH_SECONDS {
                    state.flash = None;
                }
            }
        }
        Action::ItemLoaded(item) => {
            state.item = Some(*item);
        }
        Action::Applied { event, redo } => applied(state, event.map(|e| *e), redo, &mut fx),
        Action::SearchResults { query, hits } => {
            if query == state.search.query {
                state.search.hits = hits;
                state.search.hits_for = query;
                state.search.selected = 0;
            }
        }
        Action::ResponseViewport { max_scroll, page } => {
            state.max_scroll = max_scroll;
            state.page = page.max(1);
            state.scroll = state.scroll.min(max_scroll);
        }
        Action::Failed(msg) => flash(state, msg),
        Action::NotSaved { task, stored, message } => {
            if let (Some(i), Some(stored)) = (find_task(state, &task), stored) {
                let was_complete = state.is_complete(i);
                state.labels[i] = *stored;
                let now_complete = state.is_complete(i);
                count_done(state, i, was_complete, now_complete);
            }
            flash(state, message);
        }
        Action::StatsReady(r) => match r {
            Ok(v) => state.stats = Some(*v),
            Err(e) => flash(state, format!("stats: {e}")),
        },
        Action::OpenTask(pos) => {
            if matches!(state.overlay, Overlay::None) {
                go_to(state, pos, &mut fx);
            }
        }
        Action::Start => {
            state.item = None;
            state.pair = None;
            go_to(state, state.cursor, &mut fx);
        }
        Action::PairLoaded { pair, item } => {
            state.pair = Some(*pair);
            if let Some(item) = item {
                state.item = Some(*item);
            }
        }
    }
    fx
}

fn flash(state: &mut State, msg: impl Into<String>) {
    state.flash = Some(msg.into());
    state.flash_age = 0.0;
}

/// Search hits that are among the shown tasks, best first.
pub fn visible_hits(state: &State) -> Vec<usize> {
    state.search.hits.iter().copied().filter(|&i| state.pos.get(i).is_some_and(|&p| p != u32::MAX)).collect()
}

fn command(state: &mut State, cmd: Command, fx: &mut Vec<Effect>) {
    match cmd {
        Command::LeftBetter | Command::RightBetter | Command::Tie | Command::BothBad | Command::Unsure => {
            pair_verdict(state, cmd, fx)
        }
        Command::Tags => {
            let Some(i) = state.current() else { return };
            if !matches!(state.tasks[i].task, TaskRef::Pair { .. }) {
                flash(state, "reason tags belong to pair verdicts (--mode pairs)");
                return;
            }
            let on = pairs::parse_tags(state.labels[i].tags.as_deref());
            state.overlay = Overlay::Tags { selected: 0, on };
        }
        Command::Stats => {
            state.overlay = Overlay::Stats;
            state.help_scroll = 0;
            state.stats_age = 0.0;
            fx.push(Effect::ComputeStats);
        }
        Command::Yes => set_value(state, 1, fx),
        Command::No => set_value(state, 0, fx),
        Command::FocusNext => {
            let n = state.schema.dimensions.len();
            state.focus = (state.focus + 1) % n.max(1);
        }
        Command::FocusPrev => {
            let n = state.schema.dimensions.len().max(1);
            state.focus = (state.focus + n - 1) % n;
        }
        Command::NextTask => {
            if state.cursor + 1 < state.order.len() {
                go_to(state, state.cursor + 1, fx);
            } else {
                flash(state, "this is the last task");
            }
        }
        Command::PrevTask => {
            if state.cursor > 0 {
                go_to(state, state.cursor - 1, fx);
            } else {
                flash(state, "this is the first task");
            }
        }
        Command::FirstTask => go_to(state, 0, fx),
        Command::LastTask => go_to(state, state.order.len().saturating_sub(1), fx),
        Command::NextTodo => {
            let n = state.order.len();
            let next =
                (1..=n).map(|k| (state.cursor + k) % n.max(1)).find(|&p| !state.is_settled(state.order[p]));
            match next {
                Some(p) => go_to(state, p, fx),
                None => flash(state, "✓ every task here is labelled or skipped"),
            }
        }
        Command::Undo => fx.push(Effect::Undo),
        Command::Redo => fx.push(Effect::Redo),
        Command::Skip => {
            let Some(i) = state.current() else { return };
            if state.labels[i].skipped.is_some() {
                // Skipping a skipped task takes the skip back.
                record(state, field::SKIP, None, None, fx);
                flash(state, "skip taken back");
            } else {
                state.overlay = Overlay::Skip { selected: 0, text: String::new() };
            }
        }
        Command::Flag => {
            let Some(i) = state.current() else { return };
            let now = !state.labels[i].flagged;
            record(state, field::FLAG, Some(if now { 1 } else { 0 }), None, fx);
            flash(state, if now { "⚑ flagged for adjudication" } else { "flag removed" });
        }
        Command::Note => {
            let Some(i) = state.current() else { return };
            let text = state.labels[i].note.clone().unwrap_or_default();
            state.overlay = Overlay::Note { text };
        }
        Command::Reveal => {
            let Some(i) = state.current() else { return };
            if state.judge_visible(i) {
                flash(state, "the judge's scores are already shown");
            } else {
                record(state, field::REVEAL, Some(1), None, fx);
                flash(state, "judge's scores revealed");
            }
        }
        Command::Search => {
            state.overlay = Overlay::Search;
            state.search.selected = 0;
        }
        Command::Image => {
            let path = match state.current_pair() {
                Some(p) => p.images.first().cloned(),
                None => state.current_item().and_then(|i| i.image.clone()),
            };
            fx.push(Effect::ShowImage(path));
        }
        Command::Guidelines => {
            state.overlay = Overlay::Guidelines;
            state.help_scroll = 0;
        }
        Command::Help => {
            state.overlay = Overlay::Help;
            state.help_scroll = 0;
        }
        Command::Quit => {
            state.quit = true;
            fx.push(Effect::Quit);
        }
        Command::ScrollDown | Command::ScrollUp | Command::PageDown | Command::PageUp => {
            let step = match cmd {
                Command::ScrollDown | Command::ScrollUp => 1,
                _ => state.page.saturating_sub(1).max(1),
            };
            let down = matches!(cmd, Command::ScrollDown | Command::PageDown);
            if matches!(state.overlay, Overlay::Help | Overlay::Guidelines | Overlay::Stats) {
                let step = u16::try_from(step).unwrap_or(u16::MAX);
                state.help_scroll = if down {
                    state.help_scroll.saturating_add(step)
                } else {
                    state.help_scroll.saturating_sub(step)
                };
            } else {
                state.scroll = if down {
                    state.scroll.saturating_add(step).min(state.max_scroll)
                } else {
                    state.scroll.saturating_sub(step)
                };
            }
        }
    }
}

/// Opens the task at `pos` in `order`, asking for its item (or pair) when it is not loaded. A
/// pair shown for the first time has its display order recorded.
fn go_to(state: &mut State, pos: usize, fx: &mut Vec<Effect>) {
    if pos >= state.order.len() {
        return;
    }
    state.cursor = pos;
    state.enter_task();
    let i = state.order[pos];
    if let TaskRef::Pair { pair_id } = &state.tasks[i].task {
        let pair_id = pair_id.clone();
        if state.pair.as_ref().is_none_or(|p| p.id != pair_id) {
            fx.push(Effect::LoadPair(pair_id));
        }
        if state.labels[i].order.is_none() {
            let text = pairs::order_text(state.chosen_on_left(i)).to_string();
            record(state, field::ORDER, None, Some(text), fx);
        }
        return;
    }
    let item_id = state.tasks[i].item_id.clone();
    if state.item.as_ref().is_none_or(|i| *i.id != *item_id) {
        fx.push(Effect::LoadItem(item_id.to_string()));
    }
}

/// Pairs mode: a verdict key. The verdict is stored relative to the pair (agree / flip / …),
/// from the side picked and the side the chosen response was shown on; then the next pair opens.
fn pair_verdict(state: &mut State, cmd: Command, fx: &mut Vec<Effect>) {
    let Some(i) = state.current() else { return };
    if !matches!(state.tasks[i].task, TaskRef::Pair { .. }) {
        flash(state, "pair verdicts need --mode pairs");
        return;
    }
    let chosen_left = state.chosen_on_left(i);
    if state.labels[i].order.is_none() {
        // Shown before its order was stored (it is stored on opening; this keeps the two in step).
        record(state, field::ORDER, None, Some(pairs::order_text(chosen_left).to_string()), fx);
    }
    let verdict = match cmd {
        Command::LeftBetter => Verdict::from_side(true, chosen_left),
        Command::RightBetter => Verdict::from_side(false, chosen_left),
        Command::Tie => Verdict::Tie,
        Command::BothBad => Verdict::BothBad,
        _ => Verdict::Unsure,
    };
    if state.mode == Mode::Adjudicate
        && let Some((m, top, n)) =
            state.answers.get(&i).and_then(|a| adjudicate::overruled(a, field::VERDICT, verdict.code()))
    {
        let shown = Verdict::from_code(m).map_or("?", |v| pairs::on_screen(v, chosen_left));
        let majority = format!("{top} of {n} annotators said: {shown}");
        ask_reason(state, i, Pick::Verdict(verdict), majority);
        return;
    }
    apply_verdict(state, verdict, fx);
}

/// Asks why the adjudicator overrules the majority before the pick is saved (the text starts
/// from their note, which the reason replaces).
fn ask_reason(state: &mut State, task: usize, pick: Pick, majority: String) {
    let text = state.labels[task].note.clone().unwrap_or_default();
    state.overlay = Overlay::Reason { pick, majority, text };
}

/// Records a pair verdict on the open pair, then opens the next one. In adjudicate mode the
/// adjudicator's note (their reason) goes with the verdict event, as with dimension labels.
fn apply_verdict(state: &mut State, verdict: Verdict, fx: &mut Vec<Effect>) {
    let Some(i) = state.current() else { return };
    let TaskRef::Pair { pair_id } = &state.tasks[i].task else { return };
    let pair_id = pair_id.clone();
    let chosen_left = state.chosen_on_left(i);
    let reason = if state.mode == Mode::Adjudicate { state.labels[i].note.clone() } else { None };
    record(state, field::VERDICT, Some(verdict.code()), reason, fx);
    let saved = format!("✓ saved {pair_id}: {}", pairs::on_screen(verdict, chosen_left));
    let pos = state.cursor;
    if pos + 1 < state.order.len() {
        go_to(state, pos + 1, fx);
        flash(state, format!("{saved} — next pair"));
    } else {
        flash(state, format!("{saved} — that was the last pair"));
    }
}

/// Records a change to the open task and applies it to the state.
fn record(
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
        annotator: state.annotator.clone(),
        task: state.tasks[i].task.clone(),
        field: field_name.to_string(),
        value,
        text: text.clone(),
        seconds: state.task_seconds,
        judge_visible,
    }));
    apply_field(state, i, field_name, value, text);
    state.labels[i].seconds = state.labels[i].seconds.max(state.task_seconds);
    let now_complete = state.is_complete(i);
    count_done(state, i, was_complete, now_complete);
}

/// Keeps the "n of N done" count in step when task `i` became complete or stopped being so
/// (tasks outside this session's queue do not count).
fn count_done(state: &mut State, i: usize, was_complete: bool, now_complete: bool) {
    if state.pos[i] != u32::MAX {
        match (was_complete, now_complete) {
            (false, true) => state.done += 1,
            (true, false) => state.done -= 1,
            _ => {}
        }
    }
}

fn apply_field(state: &mut State, i: usize, field_name: &str, value: Option<Value>, text: Option<String>) {
    let l = &mut state.labels[i];
    match field_name {
        field::SKIP => l.skipped = text,
        field::FLAG => l.flagged = value == Some(1),
        field::NOTE => l.note = text.filter(|t| !t.is_empty()),
        field::REVEAL => l.revealed = value == Some(1),
        field::ORDER => l.order = text,
        field::TAGS => l.tags = text.filter(|t| !t.is_empty()),
        dim => match value {
            Some(v) => {
                l.values.insert(dim.to_string(), v);
            }
            None => {
                l.values.remove(dim);
            }
        },
    }
}

fn set_value(state: &mut State, v: Value, fx: &mut Vec<Effect>) {
    let Some(i) = state.current() else { return };
    if matches!(state.tasks[i].task, TaskRef::Pair { .. }) {
        flash(state, "a pair takes a verdict: 1 left better, 2 right better, t tie, b both bad, x unsure");
        return;
    }
    let Some(dim) = state.schema.dimensions.get(state.focus) else { return };
    if !dim.is_valid(v) {
        let msg = format!("{v} is not a value of {} ({})", dim.name, dim.describe_values());
        flash(state, msg);
        return;
    }
    let name = dim.name.clone();
    if state.mode == Mode::Adjudicate
        && let Some((m, top, n)) = state.answers.get(&i).and_then(|a| adjudicate::overruled(a, &name, v))
    {
        let majority = format!("{top} of {n} annotators gave {name} = {m}");
        ask_reason(state, i, Pick::Value { dim: state.focus, value: v }, majority);
        return;
    }
    apply_value(state, state.focus, v, fx);
}

/// Records value `v` on dimension `dim` of the open task, then focuses the next dimension, or
/// after the last one opens the next task.
fn apply_value(state: &mut State, dim: usize, v: Value, fx: &mut Vec<Effect>) {
    let Some(i) = state.current() else { return };
    let Some(name) = state.schema.dimensions.get(dim).map(|d| d.name.clone()) else { return };
    // An adjudication carries its reason (the note, `m`) as the label event's text.
    let reason = if state.mode == Mode::Adjudicate { state.labels[i].note.clone() } else { None };
    record(state, &name, Some(v), reason, fx);
    state.focus = dim;
    let n = state.schema.dimensions.len();
    if state.focus + 1 < n {
        state.focus += 1;
        return;
    }
    // After the last dimension, the next task opens on its own.
    let missing: Vec<String> = state
        .schema
        .dimensions
        .iter()
        .filter(|d| !state.labels[i].values.contains_key(&d.name))
        .map(|d| d.name.clone())
        .collect();
    let pos = state.cursor;
    let saved = if missing.is_empty() {
        format!("✓ saved {} ({})", state.tasks[i].item_id, state.tasks[i].model)
    } else {
        format!("saved; {} still lacks {}", state.tasks[i].item_id, missing.join(", "))
    };
    if pos + 1 < state.order.len() {
        go_to(state, pos + 1, fx);
        flash(state, format!("{saved} — next task"));
    } else {
        state.focus = 0;
        flash(state, format!("{saved} — that was the last task"));
    }
}

fn enter(state: &mut State, fx: &mut Vec<Effect>) {
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
            let pos = state.cursor;
            if pos + 1 < state.order.len() {
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
            if state.current().is_some_and(|i| state.labels[i].note.as_deref() != Some(reason.as_str())) {
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
                let p = state.pos[task] as usize;
                go_to(state, p, fx);
            } else {
                flash(state, "no match among the tasks shown");
            }
        }
        other => state.overlay = other,
    }
}

fn applied(state: &mut State, event: Option<crate::store::LabelEvent>, redo: bool, fx: &mut Vec<Effect>) {
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
    apply_field(state, i, &ev.field, ev.value, ev.text.clone());
    let now_complete = state.is_complete(i);
    count_done(state, i, was_complete, now_complete);
    if state.pos[i] != u32::MAX {
        // Show where the change happened, with the changed dimension focused.
        let p = state.pos[i] as usize;
        if p != state.cursor {
            go_to(state, p, fx);
        }
        if let Some(d) = state.schema.dimensions.iter().position(|d| d.name == ev.field) {
            state.focus = d;
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
    flash(state, format!("{done}: {what} on {}", state.tasks[i].item_id));
}

fn find_task(state: &State, task: &TaskRef) -> Option<usize> {
    if let Some(i) = state.current()
        && &state.tasks[i].task == task
    {
        return Some(i);
    }
    state.tasks.iter().position(|t| &t.task == task)
}
