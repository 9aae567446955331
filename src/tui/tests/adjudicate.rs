//! Unit tests of `update` in adjudicate mode: pair verdicts as adjudications, and the reason
//! asked for when a pick overrules the annotators' majority.

use crate::annotate::Mode;
use crate::model::{TaskRef, Verdict};
use crate::schema::Schema;
use crate::store::{TaskInfo, TaskLabels, field};
use crate::tui::action::{Action, Command};
use crate::tui::adjudicate::{Answers, Pick};
use crate::tui::keymap::Keymap;
use crate::tui::pairs;
use crate::tui::state::{Overlay, State, StateInit};
use crate::tui::tests::pairs::records;
use crate::tui::update::update;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;

fn info(task: TaskRef) -> TaskInfo {
    let (item_id, model) = match &task {
        TaskRef::Response { item_id, model } => (item_id.clone(), model.clone()),
        TaskRef::Pair { .. } => (String::new(), String::new()),
    };
    TaskInfo {
        task,
        item_id: item_id.as_str().into(),
        model: model.as_str().into(),
        country: None,
        language: None,
        domain: None,
        judge: vec![Some(1); 4],
    }
}

fn pair_ref(id: &str) -> TaskRef {
    TaskRef::Pair { pair_id: id.into() }
}

/// Three tasks: a response (0), pairs p1 (1) and p2 (2). The adjudicator sees p1 with the
/// chosen response on the left.
fn state() -> State {
    let tasks = vec![
        info(TaskRef::Response { item_id: "i1".into(), model: "m".into() }),
        info(pair_ref("p1")),
        info(pair_ref("p2")),
    ];
    let mut labels = HashMap::new();
    labels.insert(
        pair_ref("p1"),
        TaskLabels { order: Some(pairs::order_text(true).into()), ..Default::default() },
    );
    labels.insert(
        pair_ref("p2"),
        TaskLabels { order: Some(pairs::order_text(false).into()), ..Default::default() },
    );
    let keymap = Keymap::default();
    let mut s = State::new(StateInit {
        annotator: "lead".into(),
        mode: Mode::Adjudicate,
        schema: Schema::cross_eval(),
        blind: false,
        order: (0..tasks.len()).collect(),
        tasks,
        labels,
        help: keymap.help_lines_for(Mode::Adjudicate),
        hints: String::new(),
        image_protocol: "none".into(),
    });
    let said = |v: &[(&str, i64)]| TaskLabels {
        values: v.iter().map(|(f, x)| (f.to_string(), *x)).collect(),
        ..Default::default()
    };
    // On the response, two of three say awareness = 1.
    let response: Answers = vec![
        ("ana".into(), said(&[("awareness", 1)])),
        ("ben".into(), said(&[("awareness", 1)])),
        ("cai".into(), said(&[("awareness", 0)])),
    ];
    // On p1, two of three agree with the pair; on p2 they split one to one.
    let v = |x: Verdict| said(&[(field::VERDICT, x.code())]);
    let p1: Answers = vec![
        ("ana".into(), v(Verdict::Agree)),
        ("ben".into(), v(Verdict::Agree)),
        ("cai".into(), v(Verdict::Flip)),
    ];
    let p2: Answers = vec![("ana".into(), v(Verdict::Agree)), ("ben".into(), v(Verdict::BothBad))];
    s.mode.adjudication_mut().unwrap().answers = HashMap::from([(0, response), (1, p1), (2, p2)]);
    s
}

fn type_text(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, Action::Char(c));
    }
}

fn open_p1() -> State {
    let mut s = state();
    update(&mut s, Action::Command(Command::NextTask));
    assert_eq!(s.current(), Some(1));
    s
}

#[test]
fn a_verdict_with_the_majority_is_saved_at_once_with_the_note_as_reason() {
    let mut s = open_p1();
    update(&mut s, Action::Command(Command::Note));
    type_text(&mut s, "fine");
    update(&mut s, Action::Enter);
    // Chosen on the left: "left is better" is `agree`, what ana and ben said.
    let fx = update(&mut s, Action::Command(Command::LeftBetter));
    assert_eq!(
        records(&fx),
        vec![(field::VERDICT.to_string(), Some(Verdict::Agree.code()), Some("fine".into()))]
    );
    assert_eq!(s.overlay, Overlay::None);
    assert_eq!(s.queue.labels[1].values.get(field::VERDICT), Some(&Verdict::Agree.code()));
    assert_eq!(s.current(), Some(2), "the next task opens");
}

#[test]
fn overruling_the_majority_on_a_pair_asks_for_a_reason_then_saves_both() {
    let mut s = open_p1();
    let fx = update(&mut s, Action::Command(Command::BothBad));
    assert!(records(&fx).is_empty(), "nothing saved before the reason");
    match &s.overlay {
        Overlay::Reason { pick, majority, text } => {
            assert_eq!(pick, &Pick::Verdict(Verdict::BothBad));
            // The majority in the adjudicator's screen terms, never "agree"/"chosen".
            assert_eq!(majority, "2 of 3 annotators said: left is better");
            assert!(text.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // Enter with nothing typed keeps asking.
    let fx = update(&mut s, Action::Enter);
    assert!(records(&fx).is_empty());
    assert!(matches!(s.overlay, Overlay::Reason { .. }));
    type_text(&mut s, "both ignore the norx");
    update(&mut s, Action::Backspace);
    type_text(&mut s, "m");
    let fx = update(&mut s, Action::Enter);
    let reason = Some("both ignore the norm".to_string());
    assert_eq!(
        records(&fx)[..2],
        [
            (field::NOTE.to_string(), None, reason.clone()),
            (field::VERDICT.to_string(), Some(Verdict::BothBad.code()), reason.clone()),
        ]
    );
    assert_eq!(s.queue.labels[1].note, reason);
    assert_eq!(s.queue.labels[1].values.get(field::VERDICT), Some(&Verdict::BothBad.code()));
    assert_eq!(s.overlay, Overlay::None);
    assert_eq!(s.current(), Some(2));
}

#[test]
fn escape_cancels_the_overruling_pick() {
    let mut s = open_p1();
    // Chosen on the left: "right is better" is a flip, against the majority's agree.
    update(&mut s, Action::Command(Command::RightBetter));
    assert!(matches!(&s.overlay, Overlay::Reason { pick: Pick::Verdict(Verdict::Flip), .. }));
    type_text(&mut s, "half a reason");
    let fx = update(&mut s, Action::Escape);
    assert!(records(&fx).is_empty());
    assert_eq!(s.overlay, Overlay::None);
    assert!(!s.queue.labels[1].values.contains_key(field::VERDICT));
    assert_eq!(s.queue.labels[1].note, None);
    assert_eq!(s.current(), Some(1), "still on the pair");
    assert!(s.flash.as_deref().unwrap().contains("cancelled"));
}

#[test]
fn the_reason_starts_from_the_note_and_an_unchanged_note_is_not_recorded_again() {
    let mut s = open_p1();
    update(&mut s, Action::Command(Command::Note));
    type_text(&mut s, "cai is right");
    update(&mut s, Action::Enter);
    update(&mut s, Action::Command(Command::RightBetter));
    assert!(matches!(&s.overlay, Overlay::Reason { text, .. } if text == "cai is right"));
    let fx = update(&mut s, Action::Enter);
    assert_eq!(
        records(&fx),
        vec![(field::VERDICT.to_string(), Some(Verdict::Flip.code()), Some("cai is right".into()))]
    );
}

#[test]
fn no_reason_is_asked_where_there_is_no_majority() {
    let mut s = state();
    update(&mut s, Action::Command(Command::LastTask));
    assert_eq!(s.current(), Some(2));
    // p2 split agree / both_bad: any pick decides a tie.
    let fx = update(&mut s, Action::Command(Command::Tie));
    assert_eq!(records(&fx), vec![(field::VERDICT.to_string(), Some(Verdict::Tie.code()), None)]);
    assert_eq!(s.overlay, Overlay::None);
}

#[test]
fn overruling_the_majority_on_a_response_asks_for_a_reason() {
    let mut s = state();
    assert_eq!((s.current(), s.open.focus), (Some(0), 0));
    let fx = update(&mut s, Action::Command(Command::No));
    assert!(records(&fx).is_empty());
    assert!(matches!(
        &s.overlay,
        Overlay::Reason { pick: Pick::Value { dim: 0, value: 0 }, majority, .. } if majority == "2 of 3 annotators gave awareness = 1"
    ));
    type_text(&mut s, "no norm named");
    let fx = update(&mut s, Action::Enter);
    let reason = Some("no norm named".to_string());
    assert_eq!(
        records(&fx),
        vec![
            (field::NOTE.to_string(), None, reason.clone()),
            ("awareness".to_string(), Some(0), reason.clone())
        ]
    );
    assert_eq!(s.open.focus, 1, "the next dimension is focused");
    // Siding with the majority needs no reason (and carries the note).
    let fx = update(&mut s, Action::Command(Command::Yes));
    assert_eq!(records(&fx), vec![("education".to_string(), Some(1), reason)]);
}

#[test]
fn keys_follow_the_open_task_in_adjudicate_mode() {
    let k = Keymap::default();
    let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    let mut s = state();
    // On a response `1` is yes and `b` pages up; on a pair they are pairs mode's keys.
    assert_eq!(k.action_for(&s, &key('1')), Some(Action::Command(Command::Yes)));
    assert!(!s.pairs_screen());
    update(&mut s, Action::Command(Command::NextTask));
    assert!(s.pairs_screen());
    assert_eq!(k.action_for(&s, &key('1')), Some(Action::Command(Command::LeftBetter)));
    assert_eq!(k.action_for(&s, &key('b')), Some(Action::Command(Command::BothBad)));
    // The reason prompt takes text.
    update(&mut s, Action::Command(Command::BothBad));
    assert_eq!(k.action_for(&s, &key('1')), Some(Action::Char('1')));
    assert_eq!(k.action_for(&s, &KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)), Some(Action::Escape));
    // Help lists both sets of keys.
    let help: Vec<&str> = s.keys.help.iter().map(|(_, d)| d.as_str()).collect();
    assert!(help.iter().any(|d| d.contains("left response is better")), "{help:?}");
    assert!(help.iter().any(|d| d.contains("set the focused dimension to yes")), "{help:?}");
}
