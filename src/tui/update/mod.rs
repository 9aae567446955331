//! The state machine: `update(state, action) -> effects`. Pure: it changes the state and says
//! what the outside world must do (record a label, load an item, search); `effects.rs` does it.
//!
//! Labels are applied to the state optimistically and recorded with `Effect::Record`; the app
//! runs that effect (a durable write) before drawing the next frame, so whatever the screen
//! shows as saved is on disk.
//!
//! By job: `labels` (record, set a value, undo/redo), `pairs` (verdicts), `dialogs` (typing,
//! choosing, confirming).

mod dialogs;
mod labels;
mod pairs;

use super::action::{Action, Command, Effect};
use super::pairs::order_text;
use super::state::{FLASH_SECONDS, Overlay, State};
use crate::model::TaskRef;
use crate::store::field;

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    match action {
        Action::Command(cmd) => command(state, cmd, &mut fx),
        Action::SetValue(v) => labels::set_value(state, v, &mut fx),
        Action::Char(c) => dialogs::typed(state, c, &mut fx),
        Action::Backspace => dialogs::backspace(state, &mut fx),
        Action::SelectPrev => dialogs::select(state, false),
        Action::SelectNext => dialogs::select(state, true),
        Action::Enter => dialogs::enter(state, &mut fx),
        Action::Escape => {
            if matches!(std::mem::replace(&mut state.overlay, Overlay::None), Overlay::Reason { .. }) {
                flash(state, "pick cancelled: nothing saved");
            }
        }
        Action::Tick { dt, active } => {
            if active && state.overlay != Overlay::Stats {
                state.open.task_seconds += dt;
            }
            // Open stats follow the labels coming in (from other annotators too).
            if state.overlay == Overlay::Stats {
                state.stats.age += dt;
                if state.stats.age >= super::stats::REFRESH_SECONDS {
                    state.stats.age = 0.0;
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
            state.open.item = Some(*item);
        }
        Action::JudgesLoaded(judges) => {
            state.open.judges = Some(*judges);
        }
        Action::Applied { event, redo } => labels::applied(state, event.map(|e| *e), redo, &mut fx),
        Action::SearchResults { query, hits } => {
            if query == state.search.query {
                state.search.hits = hits;
                state.search.hits_for = query;
                state.search.selected = 0;
            }
        }
        Action::ResponseViewport { max_scroll, page } => {
            state.open.max_scroll = max_scroll;
            state.open.page = page.max(1);
            state.open.scroll = state.open.scroll.min(max_scroll);
        }
        Action::Failed(msg) => flash(state, msg),
        Action::NotSaved { task, stored, message } => {
            if let (Some(i), Some(stored)) = (find_task(state, &task), stored) {
                let was_complete = state.is_complete(i);
                state.queue.labels[i] = *stored;
                let now_complete = state.is_complete(i);
                labels::count_done(state, i, was_complete, now_complete);
            }
            flash(state, message);
        }
        Action::StatsReady(r) => match r {
            Ok(v) => state.stats.view = Some(*v),
            Err(e) => flash(state, format!("stats: {e}")),
        },
        Action::OpenTask(pos) => {
            if matches!(state.overlay, Overlay::None) {
                go_to(state, pos, &mut fx);
            }
        }
        Action::HubClaims(view) => hub_claims(state, &view),
        Action::Start => {
            state.open.item = None;
            state.open.pair = None;
            go_to(state, state.queue.cursor, &mut fx);
        }
        Action::PairLoaded { pair, item } => {
            state.open.pair = Some(*pair);
            if let Some(item) = item {
                state.open.item = Some(*item);
            }
        }
    }
    fx
}

/// Asks why the adjudicator overrules the majority before the pick is saved (the text starts
/// from their note, which the reason replaces).
pub(super) fn ask_reason(
    state: &mut State,
    task: usize,
    pick: crate::tui::adjudicate::Pick,
    majority: String,
) {
    let text = state.queue.labels[task].note.clone().unwrap_or_default();
    state.overlay = Overlay::Reason { pick, majority, text };
}

pub(super) fn flash(state: &mut State, msg: impl Into<String>) {
    state.flash = Some(msg.into());
    state.flash_age = 0.0;
}

/// Search hits that are among the shown tasks, best first.
pub fn visible_hits(state: &State) -> Vec<usize> {
    state
        .search
        .hits
        .iter()
        .copied()
        .filter(|&i| state.queue.pos.get(i).is_some_and(|&p| p != u32::MAX))
        .collect()
}

fn command(state: &mut State, cmd: Command, fx: &mut Vec<Effect>) {
    match cmd {
        Command::LeftBetter | Command::RightBetter | Command::Tie | Command::BothBad | Command::Unsure => {
            pairs::verdict_key(state, cmd, fx)
        }
        Command::Tags => {
            let Some(i) = state.current() else { return };
            if !matches!(state.queue.tasks[i].task, TaskRef::Pair { .. }) {
                flash(state, "reason tags belong to pair verdicts (--mode pairs)");
                return;
            }
            let on = crate::tui::pairs::parse_tags(state.queue.labels[i].tags.as_deref());
            state.overlay = Overlay::Tags { selected: 0, on };
        }
        Command::Stats => {
            state.overlay = Overlay::Stats;
            state.help_scroll = 0;
            state.stats.age = 0.0;
            fx.push(Effect::ComputeStats);
        }
        Command::Yes => labels::set_value(state, 1, fx),
        Command::No => labels::set_value(state, 0, fx),
        Command::FocusNext => {
            let n = state.session.schema.dimensions.len();
            state.open.focus = (state.open.focus + 1) % n.max(1);
        }
        Command::FocusPrev => {
            let n = state.session.schema.dimensions.len().max(1);
            state.open.focus = (state.open.focus + n - 1) % n;
        }
        Command::NextTask => {
            if state.queue.cursor + 1 < state.queue.order.len() {
                go_to(state, state.queue.cursor + 1, fx);
            } else {
                flash(state, "this is the last task");
            }
        }
        Command::PrevTask => {
            if state.queue.cursor > 0 {
                go_to(state, state.queue.cursor - 1, fx);
            } else {
                flash(state, "this is the first task");
            }
        }
        Command::FirstTask => go_to(state, 0, fx),
        Command::LastTask => go_to(state, state.queue.order.len().saturating_sub(1), fx),
        Command::NextTodo => {
            let n = state.queue.order.len();
            let next = (1..=n)
                .map(|k| (state.queue.cursor + k) % n.max(1))
                .find(|&p| !state.is_settled(state.queue.order[p]));
            match next {
                Some(p) => go_to(state, p, fx),
                None => flash(state, "✓ every task here is labelled or skipped"),
            }
        }
        Command::Undo => fx.push(Effect::Undo),
        Command::Redo => fx.push(Effect::Redo),
        Command::Skip => {
            let Some(i) = state.current() else { return };
            if state.queue.labels[i].skipped.is_some() {
                // Skipping a skipped task takes the skip back.
                labels::record(state, field::SKIP, None, None, fx);
                flash(state, "skip taken back");
            } else {
                state.overlay = Overlay::Skip { selected: 0, text: String::new() };
            }
        }
        Command::Flag => {
            let Some(i) = state.current() else { return };
            let now = !state.queue.labels[i].flagged;
            labels::record(state, field::FLAG, Some(if now { 1 } else { 0 }), None, fx);
            flash(state, if now { "⚑ flagged for adjudication" } else { "flag removed" });
        }
        Command::Note => {
            let Some(i) = state.current() else { return };
            let text = state.queue.labels[i].note.clone().unwrap_or_default();
            state.overlay = Overlay::Note { text };
        }
        Command::Reveal => {
            let Some(i) = state.current() else { return };
            if state.judge_visible(i) {
                flash(state, "the judge's scores are already shown");
            } else {
                labels::record(state, field::REVEAL, Some(1), None, fx);
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
        Command::Quit | Command::Interrupt => {
            state.quit = true;
            fx.push(Effect::Quit);
        }
        // The keymap sends dialog keys as the actions dialogs understand; the same here.
        Command::Confirm
        | Command::Cancel
        | Command::SelectPrev
        | Command::SelectNext
        | Command::DeleteChar => fx.extend(update(state, cmd.action())),
        Command::ScrollDown | Command::ScrollUp | Command::PageDown | Command::PageUp => {
            let step = match cmd {
                Command::ScrollDown | Command::ScrollUp => 1,
                _ => state.open.page.saturating_sub(1).max(1),
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
                state.open.scroll = if down {
                    state.open.scroll.saturating_add(step).min(state.open.max_scroll)
                } else {
                    state.open.scroll.saturating_sub(step)
                };
            }
        }
    }
}

/// Opens the task at `pos` in `order`, asking for its item (or pair) when it is not loaded. A
/// pair shown for the first time has its display order recorded.
pub(super) fn go_to(state: &mut State, pos: usize, fx: &mut Vec<Effect>) {
    if pos >= state.queue.order.len() {
        return;
    }
    state.queue.cursor = pos;
    state.enter_task();
    let i = state.queue.order[pos];
    if let TaskRef::Pair { pair_id } = &state.queue.tasks[i].task {
        let pair_id = pair_id.clone();
        if state.open.pair.as_ref().is_none_or(|p| p.id != pair_id) {
            fx.push(Effect::LoadPair(pair_id));
        }
        if state.queue.labels[i].order.is_none() {
            let text = order_text(state.chosen_on_left(i)).to_string();
            labels::record(state, field::ORDER, None, Some(text), fx);
        }
        return;
    }
    let item_id = state.queue.tasks[i].item_id.clone();
    if state.open.item.as_ref().is_none_or(|i| *i.id != *item_id) {
        fx.push(Effect::LoadItem(item_id.to_string()));
    }
}

pub(super) fn find_task(state: &State, task: &TaskRef) -> Option<usize> {
    if let Some(i) = state.current()
        && &state.queue.tasks[i].task == task
    {
        return Some(i);
    }
    state.queue.tasks.iter().position(|t| &t.task == task)
}

/// The hub's claims reorder the tasks after the open one (held ones first, those taken by K
/// others left out); the open task and those already passed stay where they are.
fn hub_claims(state: &mut State, view: &crate::hub::claims::ClaimView) {
    let q = &mut state.queue;
    let from = (q.cursor + 1).min(q.order.len());
    let unlabelled = crate::store::TaskLabels::default();
    let rest = crate::hub::claims::reorder(
        &q.order[from..],
        |i| crate::assign::task_key(&q.tasks[i].task),
        |i| q.labels[i] != unlabelled,
        view,
    );
    q.order.truncate(from);
    q.order.extend(rest);
    q.pos.fill(u32::MAX);
    for (p, &i) in q.order.iter().enumerate() {
        q.pos[i] = p as u32;
    }
}
