//! Unit tests of `update` in pairs mode.

use crate::annotate::Mode;
use crate::model::{Pair, TaskRef, Verdict};
use crate::schema::Schema;
use crate::store::{TaskInfo, TaskLabels, field};
use crate::tui::action::{Action, Command, Effect};
use crate::tui::keymap::Keymap;
use crate::tui::pairs;
use crate::tui::state::{Overlay, State, StateInit};
use crate::tui::update::update;
use std::collections::HashMap;

fn pair_info(id: &str) -> TaskInfo {
    TaskInfo {
        task: TaskRef::Pair { pair_id: id.into() },
        item_id: "".into(),
        model: "".into(),
        country: None,
        language: None,
        domain: None,
        judge: Vec::new(),
    }
}

fn pair(id: &str) -> Pair {
    Pair {
        id: id.into(),
        prompt: serde_json::json!("Can I give this clock?"),
        chosen: serde_json::json!("Better not: clocks mean death."),
        rejected: serde_json::json!("Sure!"),
        images: vec![],
        item_id: None,
        meta: Default::default(),
    }
}

fn state(annotator: &str, labels: HashMap<TaskRef, TaskLabels>) -> State {
    let tasks = vec![pair_info("p1"), pair_info("p2"), pair_info("p3")];
    let keymap = Keymap::default();
    State::new(StateInit {
        annotator: annotator.into(),
        mode: Mode::Pairs,
        schema: Schema::cross_eval(),
        blind: false,
        order: (0..tasks.len()).collect(),
        tasks,
        labels,
        help: keymap.help_lines_for(Mode::Pairs),
        hints: String::new(),
        image_protocol: "none".into(),
    })
}

/// The label events among `fx`: field, value, text.
pub(super) fn records(fx: &[Effect]) -> Vec<(String, Option<i64>, Option<String>)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Record(ev) => Some((ev.field.clone(), ev.value, ev.text.clone())),
            _ => None,
        })
        .collect()
}

fn with_order(chosen_left: bool) -> HashMap<TaskRef, TaskLabels> {
    let mut labels = HashMap::new();
    let l = TaskLabels { order: Some(pairs::order_text(chosen_left).into()), ..Default::default() };
    labels.insert(TaskRef::Pair { pair_id: "p1".into() }, l);
    labels
}

#[test]
fn start_loads_the_pair_and_records_the_drawn_order_once() {
    let mut s = state("ann", HashMap::new());
    let fx = update(&mut s, Action::Start);
    assert!(fx.contains(&Effect::LoadPair("p1".into())));
    let drawn = pairs::order_text(pairs::drawn_chosen_on_left("ann", "p1")).to_string();
    assert_eq!(records(&fx), vec![(field::ORDER.to_string(), None, Some(drawn.clone()))]);
    assert_eq!(s.queue.labels[0].order.as_deref(), Some(drawn.as_str()));
    // Coming back does not record it again.
    update(&mut s, Action::PairLoaded { pair: Box::new(pair("p1")), item: None });
    update(&mut s, Action::Command(Command::NextTask));
    let fx = update(&mut s, Action::Command(Command::PrevTask));
    assert!(records(&fx).is_empty());
}

#[test]
fn a_stored_order_is_reused_not_redrawn() {
    for chosen_left in [true, false] {
        let mut s = state("ann", with_order(chosen_left));
        let fx = update(&mut s, Action::Start);
        assert!(records(&fx).is_empty(), "order already stored");
        assert_eq!(s.chosen_on_left(0), chosen_left);
    }
}

#[test]
fn verdict_keys_map_to_verdicts_under_both_display_orders() {
    for chosen_left in [true, false] {
        for (cmd, want) in [
            (Command::LeftBetter, if chosen_left { Verdict::Agree } else { Verdict::Flip }),
            (Command::RightBetter, if chosen_left { Verdict::Flip } else { Verdict::Agree }),
            (Command::Tie, Verdict::Tie),
            (Command::BothBad, Verdict::BothBad),
            (Command::Unsure, Verdict::Unsure),
        ] {
            let mut s = state("ann", with_order(chosen_left));
            let fx = update(&mut s, Action::Command(cmd));
            assert_eq!(
                records(&fx)[0],
                (field::VERDICT.to_string(), Some(want.code()), None),
                "{cmd:?} chosen_left={chosen_left}"
            );
            assert_eq!(s.queue.labels[0].values.get(field::VERDICT), Some(&want.code()));
            assert_eq!(s.queue.done, 1);
            // The next pair opens (and its order is recorded).
            assert_eq!(s.queue.cursor, 1);
            assert!(fx.contains(&Effect::LoadPair("p2".into())));
            assert!(s.flash.as_deref().unwrap().contains("saved p1"));
        }
    }
}

#[test]
fn dimension_keys_do_nothing_on_a_pair() {
    let mut s = state("ann", HashMap::new());
    let fx = update(&mut s, Action::SetValue(1));
    assert!(records(&fx).is_empty());
    assert!(s.flash.as_deref().unwrap().contains("verdict"));
}

#[test]
fn tags_dialog_toggles_and_saves() {
    let mut s = state("ann", with_order(true));
    update(&mut s, Action::Command(Command::Tags));
    assert!(matches!(s.overlay, Overlay::Tags { .. }));
    update(&mut s, Action::Char('1'));
    update(&mut s, Action::SelectNext);
    update(&mut s, Action::SelectNext);
    update(&mut s, Action::Char(' '));
    let fx = update(&mut s, Action::Enter);
    assert_eq!(
        records(&fx),
        vec![(field::TAGS.to_string(), None, Some("cultural misstep,wrong about the image".into()))]
    );
    assert_eq!(s.queue.labels[0].tags.as_deref(), Some("cultural misstep,wrong about the image"));
    // Untoggling everything clears them.
    update(&mut s, Action::Command(Command::Tags));
    update(&mut s, Action::Char('1'));
    update(&mut s, Action::Char('3'));
    let fx = update(&mut s, Action::Enter);
    assert_eq!(records(&fx), vec![(field::TAGS.to_string(), None, None)]);
    assert_eq!(s.queue.labels[0].tags, None);
}

#[test]
fn undoing_a_verdict_reopens_the_pair() {
    let mut s = state("ann", with_order(true));
    update(&mut s, Action::Command(Command::LeftBetter));
    assert_eq!(s.queue.done, 1);
    let ev = crate::store::LabelEvent {
        seq: 2,
        uid: "u".into(),
        at: "t".into(),
        annotator: "ann".into(),
        task: TaskRef::Pair { pair_id: "p1".into() },
        field: field::VERDICT.into(),
        kind: crate::store::EventKind::Undo,
        value: None,
        text: None,
        prev_value: Some(0),
        prev_text: None,
        ref_uid: None,
        seconds: 0.0,
        judge_visible: true,
    };
    let fx = update(&mut s, Action::Applied { event: Some(Box::new(ev)), redo: false });
    assert_eq!(s.queue.cursor, 0);
    assert_eq!(s.queue.done, 0);
    assert!(fx.contains(&Effect::LoadPair("p1".into())));
}
