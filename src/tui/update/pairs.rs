//! Pairs: a verdict key (stored relative to the pair, from the side picked), and the reason an
//! adjudicator gives for overruling the majority.

use super::labels::record;
use super::{ask_reason, flash, go_to};
use crate::annotate::Mode;
use crate::model::{TaskRef, Verdict};
use crate::store::field;
use crate::tui::action::{Command, Effect};
use crate::tui::adjudicate::{self, Pick};
use crate::tui::pairs;
use crate::tui::state::State;

/// Pairs mode: a verdict key. The verdict is stored relative to the pair (agree / flip / …),
/// from the side picked and the side the chosen response was shown on; then the next pair opens.
pub(super) fn verdict_key(state: &mut State, cmd: Command, fx: &mut Vec<Effect>) {
    let Some(i) = state.current() else { return };
    if !matches!(state.queue.tasks[i].task, TaskRef::Pair { .. }) {
        flash(state, "pair verdicts need --mode pairs");
        return;
    }
    let chosen_left = state.chosen_on_left(i);
    if state.queue.labels[i].order.is_none() {
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
    // Only adjudicate mode has the others' answers.
    if let Some((m, top, n)) =
        state.answers(i).and_then(|a| adjudicate::overruled(a, field::VERDICT, verdict.code()))
    {
        let shown = Verdict::from_code(m).map_or("?", |v| pairs::on_screen(v, chosen_left));
        let majority = format!("{top} of {n} annotators said: {shown}");
        ask_reason(state, i, Pick::Verdict(verdict), majority);
        return;
    }
    apply_verdict(state, verdict, fx);
}

/// Records a pair verdict on the open pair, then opens the next one. In adjudicate mode the
/// adjudicator's note (their reason) goes with the verdict event, as with dimension labels.
pub(super) fn apply_verdict(state: &mut State, verdict: Verdict, fx: &mut Vec<Effect>) {
    let Some(i) = state.current() else { return };
    let TaskRef::Pair { pair_id } = &state.queue.tasks[i].task else { return };
    let pair_id = pair_id.clone();
    let chosen_left = state.chosen_on_left(i);
    let reason = if state.mode == Mode::Adjudicate { state.queue.labels[i].note.clone() } else { None };
    record(state, field::VERDICT, Some(verdict.code()), reason, fx);
    let saved = format!("✓ saved {pair_id}: {}", pairs::on_screen(verdict, chosen_left));
    let pos = state.queue.cursor;
    if pos + 1 < state.queue.order.len() {
        go_to(state, pos + 1, fx);
        flash(state, format!("{saved} — next pair"));
    } else {
        flash(state, format!("{saved} — that was the last pair"));
    }
}
