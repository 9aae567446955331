//! Unit tests of `update`: one or more per action, on a hand-built state.

mod adjudicate;
mod hub;
mod pairs;

use super::action::{Action, Command, Effect};
use super::keymap::Keymap;
use super::state::{Overlay, SKIP_REASONS, State, StateInit};
use super::update::update;
use crate::annotate::Mode;
use crate::model::{Item, Response, TaskRef};
use crate::schema::Schema;
use crate::store::{EventKind, LabelEvent, TaskInfo, TaskLabels, field};
use std::collections::HashMap;

fn info(item: &str, model: &str, judge: [i64; 4]) -> TaskInfo {
    TaskInfo {
        task: TaskRef::Response { item_id: item.into(), model: model.into() },
        item_id: item.into(),
        model: model.into(),
        country: Some("Japan".into()),
        language: Some("ja".into()),
        domain: None,
        judge: judge.iter().map(|v| Some(*v)).collect(),
    }
}

fn state_with(blind: bool, labels: HashMap<TaskRef, TaskLabels>) -> State {
    let tasks =
        vec![info("a", "m1", [1, 0, 1, 1]), info("a", "m2", [0, 0, 0, 0]), info("b", "m1", [1, 1, 1, 1])];
    let keymap = Keymap::default();
    State::new(StateInit {
        annotator: "ann".into(),
        mode: Mode::Responses,
        schema: Schema::cross_eval(),
        blind,
        order: (0..tasks.len()).collect(),
        tasks,
        labels,
        help: keymap.help_lines(),
        hints: String::new(),
        image_protocol: "none".into(),
    })
}

pub(super) fn state() -> State {
    state_with(false, HashMap::new())
}

fn cmd(s: &mut State, c: Command) -> Vec<Effect> {
    update(s, Action::Command(c))
}

fn records(fx: &[Effect]) -> Vec<(String, Option<i64>, Option<String>, bool)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Record(ev) => Some((ev.field.clone(), ev.value, ev.text.clone(), ev.judge_visible)),
            _ => None,
        })
        .collect()
}

fn item(id: &str) -> Item {
    Item {
        id: id.into(),
        query: "q".into(),
        image: Some("img.png".into()),
        responses: vec![Response { model: "m1".into(), text: "t".into(), ..Default::default() }],
        ..Default::default()
    }
}

#[test]
fn yes_and_no_record_and_move_focus() {
    let mut s = state();
    let fx = cmd(&mut s, Command::Yes);
    assert_eq!(records(&fx), vec![("awareness".into(), Some(1), None, true)]);
    assert_eq!(s.open.focus, 1);
    let fx = cmd(&mut s, Command::No);
    assert_eq!(records(&fx), vec![("education".into(), Some(0), None, true)]);
    assert_eq!(s.queue.labels[0].values.get("education"), Some(&0));
    assert_eq!(s.open.focus, 2);
}

#[test]
fn last_dimension_opens_the_next_task_with_a_confirmation() {
    let mut s = state();
    s.open.item = Some(item("a"));
    for _ in 0..3 {
        cmd(&mut s, Command::Yes);
    }
    assert_eq!(s.queue.cursor, 0);
    let fx = cmd(&mut s, Command::Yes);
    assert_eq!(s.queue.cursor, 1);
    assert_eq!(s.open.focus, 0);
    assert_eq!(s.queue.done, 1);
    assert!(s.flash.as_deref().unwrap().contains("✓ saved a"));
    // Same item: no reload needed.
    assert!(!fx.iter().any(|e| matches!(e, Effect::LoadItem(_))));
    for _ in 0..4 {
        cmd(&mut s, Command::No);
    }
    assert_eq!(s.queue.cursor, 2);
    // The last task stays open after its last dimension.
    s.open.item = Some(item("b"));
    let fx: Vec<Effect> = (0..4).flat_map(|_| cmd(&mut s, Command::Yes)).collect();
    assert_eq!(s.queue.cursor, 2);
    assert_eq!(records(&fx).len(), 4);
    assert!(s.flash.as_deref().unwrap().contains("last task"));
    assert_eq!(s.queue.done, 3);
}

#[test]
fn set_value_checks_the_scale() {
    let mut s = state();
    let fx = update(&mut s, Action::SetValue(7));
    assert!(fx.is_empty());
    assert!(s.flash.as_deref().unwrap().contains("not a value"));
    let fx = update(&mut s, Action::SetValue(0));
    assert_eq!(records(&fx)[0].1, Some(0));
}

#[test]
fn focus_wraps_both_ways() {
    let mut s = state();
    cmd(&mut s, Command::FocusPrev);
    assert_eq!(s.open.focus, 3);
    cmd(&mut s, Command::FocusNext);
    assert_eq!(s.open.focus, 0);
}

#[test]
fn task_navigation_loads_other_items() {
    let mut s = state();
    s.open.item = Some(item("a"));
    assert!(cmd(&mut s, Command::NextTask).is_empty());
    assert_eq!(cmd(&mut s, Command::NextTask), vec![Effect::LoadItem("b".into())]);
    cmd(&mut s, Command::NextTask);
    assert!(s.flash.as_deref().unwrap().contains("last task"));
    cmd(&mut s, Command::PrevTask);
    assert_eq!(s.queue.cursor, 1);
    cmd(&mut s, Command::FirstTask);
    assert_eq!(s.queue.cursor, 0);
    cmd(&mut s, Command::PrevTask);
    assert!(s.flash.as_deref().unwrap().contains("first task"));
    cmd(&mut s, Command::LastTask);
    assert_eq!(s.queue.cursor, 2);
}

#[test]
fn next_todo_skips_done_and_skipped_tasks_and_start_opens_the_first_todo() {
    let mut labels = HashMap::new();
    let mut done = TaskLabels::default();
    for d in ["awareness", "education", "compliance", "helpfulness"] {
        done.values.insert(d.into(), 1);
    }
    labels.insert(TaskRef::Response { item_id: "a".into(), model: "m1".into() }, done);
    labels.insert(
        TaskRef::Response { item_id: "a".into(), model: "m2".into() },
        TaskLabels { skipped: Some("x".into()), ..Default::default() },
    );
    let mut s = state_with(false, labels);
    assert_eq!(s.queue.cursor, 2, "opens on the first task to do");
    assert_eq!(s.queue.done, 1);
    cmd(&mut s, Command::NextTodo);
    assert_eq!(s.queue.cursor, 2);
    for _ in 0..4 {
        cmd(&mut s, Command::Yes);
    }
    cmd(&mut s, Command::NextTodo);
    assert!(s.flash.as_deref().unwrap().contains("every task"));
}

#[test]
fn undo_and_redo_ask_the_store_and_apply_its_answer() {
    let mut s = state();
    assert_eq!(cmd(&mut s, Command::Undo), vec![Effect::Undo]);
    assert_eq!(cmd(&mut s, Command::Redo), vec![Effect::Redo]);
    cmd(&mut s, Command::Yes);
    cmd(&mut s, Command::NextTask);
    cmd(&mut s, Command::NextTask);
    let ev = LabelEvent {
        seq: 2,
        uid: "u".into(),
        at: "t".into(),
        annotator: "ann".into(),
        task: TaskRef::Response { item_id: "a".into(), model: "m1".into() },
        field: "awareness".into(),
        kind: EventKind::Undo,
        value: None,
        text: None,
        prev_value: Some(1),
        prev_text: None,
        ref_uid: None,
        seconds: 0.0,
        judge_visible: true,
    };
    let fx = update(&mut s, Action::Applied { event: Some(Box::new(ev.clone())), redo: false });
    assert_eq!(s.queue.cursor, 0, "undo shows where it happened");
    assert_eq!(s.open.focus, 0);
    assert!(s.queue.labels[0].values.is_empty());
    assert!(fx.contains(&Effect::LoadItem("a".into())));
    assert!(s.flash.as_deref().unwrap().starts_with("undone: awareness cleared"));
    let redo = LabelEvent { value: Some(1), kind: EventKind::Redo, ..ev };
    update(&mut s, Action::Applied { event: Some(Box::new(redo)), redo: true });
    assert_eq!(s.queue.labels[0].values.get("awareness"), Some(&1));
    update(&mut s, Action::Applied { event: None, redo: false });
    assert_eq!(s.flash.as_deref(), Some("nothing to undo"));
}

#[test]
fn skip_with_a_listed_reason_and_with_free_text() {
    let mut s = state();
    cmd(&mut s, Command::Skip);
    assert!(matches!(s.overlay, Overlay::Skip { .. }));
    update(&mut s, Action::SelectNext);
    for c in "blurry".chars() {
        update(&mut s, Action::Char(c));
    }
    update(&mut s, Action::Backspace);
    let fx = update(&mut s, Action::Enter);
    let r = records(&fx);
    assert_eq!(r[0].0, field::SKIP);
    assert_eq!(r[0].2.as_deref(), Some(format!("{}: blurr", SKIP_REASONS[1]).as_str()));
    assert_eq!(s.queue.cursor, 1);
    assert_eq!(s.overlay, Overlay::None);
    // The last reason takes the free text alone.
    cmd(&mut s, Command::Skip);
    for _ in 0..10 {
        update(&mut s, Action::SelectNext);
    }
    update(&mut s, Action::SelectPrev);
    update(&mut s, Action::SelectNext);
    for c in "dup".chars() {
        update(&mut s, Action::Char(c));
    }
    let fx = update(&mut s, Action::Enter);
    assert_eq!(records(&fx)[0].2.as_deref(), Some("dup"));
    // Skipping a skipped task takes the skip back.
    cmd(&mut s, Command::PrevTask);
    let fx = cmd(&mut s, Command::Skip);
    assert_eq!(records(&fx), vec![(field::SKIP.to_string(), None, None, true)]);
    assert!(s.queue.labels[1].skipped.is_none());
    assert!(s.queue.labels[0].skipped.is_some());
}

#[test]
fn escape_cancels_dialogs() {
    let mut s = state();
    cmd(&mut s, Command::Skip);
    assert!(update(&mut s, Action::Escape).is_empty());
    assert_eq!(s.overlay, Overlay::None);
    assert!(s.queue.labels[0].skipped.is_none());
}

#[test]
fn flag_toggles() {
    let mut s = state();
    let fx = cmd(&mut s, Command::Flag);
    assert_eq!(records(&fx), vec![(field::FLAG.to_string(), Some(1), None, true)]);
    assert!(s.queue.labels[0].flagged);
    let fx = cmd(&mut s, Command::Flag);
    assert_eq!(records(&fx)[0].1, Some(0));
    assert!(!s.queue.labels[0].flagged);
}

#[test]
fn note_is_prefilled_saved_and_cleared() {
    let mut s = state();
    cmd(&mut s, Command::Note);
    for c in "odd image".chars() {
        update(&mut s, Action::Char(c));
    }
    let fx = update(&mut s, Action::Enter);
    assert_eq!(records(&fx)[0].2.as_deref(), Some("odd image"));
    cmd(&mut s, Command::Note);
    assert_eq!(s.overlay, Overlay::Note { text: "odd image".into() });
    for _ in 0..20 {
        update(&mut s, Action::Backspace);
    }
    let fx = update(&mut s, Action::Enter);
    assert_eq!(records(&fx)[0], (field::NOTE.to_string(), None, None, true));
    assert!(s.queue.labels[0].note.is_none());
}

#[test]
fn blind_labels_are_marked_and_reveal_records() {
    let mut s = state_with(true, HashMap::new());
    assert!(!s.judge_visible(0));
    let fx = cmd(&mut s, Command::Yes);
    assert!(!records(&fx)[0].3, "given blind");
    let fx = cmd(&mut s, Command::Reveal);
    assert_eq!(records(&fx), vec![(field::REVEAL.to_string(), Some(1), None, false)]);
    assert!(s.judge_visible(0));
    let fx = cmd(&mut s, Command::No);
    assert!(records(&fx)[0].3, "given after the reveal");
    let fx = cmd(&mut s, Command::Reveal);
    assert!(fx.is_empty());
    // Completing a task reveals it too.
    cmd(&mut s, Command::NextTask);
    assert!(!s.judge_visible(1));
    for _ in 0..4 {
        cmd(&mut s, Command::Yes);
    }
    assert!(s.judge_visible(1));
}

#[test]
fn search_types_asks_and_opens_the_hit() {
    let mut s = state();
    cmd(&mut s, Command::Search);
    assert_eq!(s.overlay, Overlay::Search);
    assert_eq!(update(&mut s, Action::Char('b')), vec![Effect::Search("b".into())]);
    // Stale results are ignored.
    update(&mut s, Action::SearchResults { query: "x".into(), hits: vec![1] });
    assert!(s.search.hits.is_empty());
    update(&mut s, Action::SearchResults { query: "b".into(), hits: vec![2, 1] });
    update(&mut s, Action::SelectNext);
    update(&mut s, Action::SelectNext);
    assert_eq!(s.search.selected, 1);
    update(&mut s, Action::SelectPrev);
    let fx = update(&mut s, Action::Enter);
    assert_eq!(s.queue.cursor, 2);
    assert_eq!(fx, vec![Effect::LoadItem("b".into())]);
    cmd(&mut s, Command::Search);
    assert_eq!(update(&mut s, Action::Backspace), vec![Effect::Search(String::new())]);
}

#[test]
fn overlays_open_and_close() {
    let mut s = state();
    cmd(&mut s, Command::Help);
    assert_eq!(s.overlay, Overlay::Help);
    cmd(&mut s, Command::ScrollDown);
    assert_eq!(s.help_scroll, 1);
    update(&mut s, Action::Escape);
    cmd(&mut s, Command::Guidelines);
    assert_eq!(s.overlay, Overlay::Guidelines);
    update(&mut s, Action::Escape);
    assert_eq!(s.overlay, Overlay::None);
}

#[test]
fn image_and_quit_effects() {
    let mut s = state();
    assert_eq!(cmd(&mut s, Command::Image), vec![Effect::ShowImage(None)]);
    update(&mut s, Action::ItemLoaded(Box::new(item("a"))));
    assert_eq!(cmd(&mut s, Command::Image), vec![Effect::ShowImage(Some("img.png".into()))]);
    assert_eq!(cmd(&mut s, Command::Quit), vec![Effect::Quit]);
    assert!(s.quit);
}

#[test]
fn scrolling_is_clamped_by_the_measured_viewport() {
    let mut s = state();
    update(&mut s, Action::ResponseViewport { max_scroll: 5, page: 4 });
    cmd(&mut s, Command::PageDown);
    assert_eq!(s.open.scroll, 3);
    cmd(&mut s, Command::PageDown);
    assert_eq!(s.open.scroll, 5);
    cmd(&mut s, Command::ScrollUp);
    assert_eq!(s.open.scroll, 4);
    cmd(&mut s, Command::PageUp);
    assert_eq!(s.open.scroll, 1);
    cmd(&mut s, Command::ScrollDown);
    assert_eq!(s.open.scroll, 2);
    cmd(&mut s, Command::NextTask);
    assert_eq!(s.open.scroll, 0, "a new task starts at the top");
}

#[test]
fn ticks_count_active_time_and_expire_the_flash() {
    let mut s = state();
    update(&mut s, Action::Tick { dt: 2.0, active: true });
    update(&mut s, Action::Tick { dt: 100.0, active: false });
    assert_eq!(s.open.task_seconds, 2.0);
    let fx = cmd(&mut s, Command::Yes);
    match &fx[0] {
        Effect::Record(ev) => assert_eq!(ev.seconds, 2.0),
        other => panic!("{other:?}"),
    }
    cmd(&mut s, Command::NextTask);
    assert!(s.flash.is_none() || s.flash_age == 0.0);
    update(&mut s, Action::Failed("boom".into()));
    assert_eq!(s.flash.as_deref(), Some("boom"));
    update(&mut s, Action::Tick { dt: 3.0, active: false });
    assert!(s.flash.is_none());
}

#[test]
fn keymap_routes_keys_by_overlay() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let k = Keymap::default();
    let mut s = state();
    let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    assert_eq!(k.action_for(&s, &key('1')), Some(Action::Command(Command::Yes)));
    assert_eq!(k.action_for(&s, &key('x')), None);
    cmd(&mut s, Command::Note);
    assert_eq!(k.action_for(&s, &key('q')), Some(Action::Char('q')));
    update(&mut s, Action::Escape);
    cmd(&mut s, Command::Help);
    assert_eq!(k.action_for(&s, &key('j')), Some(Action::Escape));
}

#[test]
fn a_label_that_could_not_be_saved_is_taken_back() {
    let mut s = state();
    s.open.item = Some(item("a"));
    for _ in 0..4 {
        cmd(&mut s, Command::Yes);
    }
    assert_eq!(s.queue.done, 1);
    assert_eq!(s.queue.labels[0].values.len(), 4);
    // The last write failed; the session holds the first three labels.
    let mut stored = TaskLabels::default();
    for d in ["awareness", "education", "compliance"] {
        stored.values.insert(d.to_string(), 1);
    }
    update(
        &mut s,
        Action::NotSaved {
            task: TaskRef::Response { item_id: "a".into(), model: "m1".into() },
            stored: Some(Box::new(stored.clone())),
            message: "NOT SAVED: disk full".into(),
        },
    );
    assert_eq!(s.queue.labels[0], stored);
    assert_eq!(s.queue.done, 0);
    assert!(s.flash.as_deref().unwrap().starts_with("NOT SAVED"));
    // When even the stored labels cannot be read, the message still shows.
    update(
        &mut s,
        Action::NotSaved {
            task: TaskRef::Response { item_id: "a".into(), model: "m1".into() },
            stored: None,
            message: "NOT SAVED: the session is gone".into(),
        },
    );
    assert!(s.flash.as_deref().unwrap().contains("session is gone"));
}

/// The mouse: a click on a task row opens that task, the wheel scrolls what is under it.
#[test]
fn mouse_clicks_open_tasks_and_the_wheel_scrolls_what_is_under_it() {
    use super::draw::{Spot, spot_at};
    use super::mouse::{WHEEL_LINES, actions};
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    use ratatui::layout::Rect;
    let ev = |kind, column, row| MouseEvent { kind, column, row, modifiers: KeyModifiers::NONE };
    let click = |column, row| ev(MouseEventKind::Down(MouseButton::Left), column, row);
    let screen = Rect::new(0, 0, 100, 30);
    let mut s = state();
    s.open.max_scroll = 50;

    // At 100x30 the task list is the left 24 columns; its frame is row 0, tasks from row 1.
    assert_eq!(spot_at(screen, &s, 5, 0), Spot::TaskList);
    assert_eq!(spot_at(screen, &s, 5, 1), Spot::Task(0));
    assert_eq!(spot_at(screen, &s, 5, 3), Spot::Task(2));
    assert_eq!(spot_at(screen, &s, 5, 4), Spot::TaskList, "below the last task");
    assert_eq!(spot_at(screen, &s, 60, 20), Spot::Response);
    assert_eq!(spot_at(screen, &s, 60, 29), Spot::Other, "the status line");
    assert_eq!(spot_at(Rect::new(0, 0, 60, 20), &s, 5, 1), Spot::Other, "too small: nothing is drawn");

    // A click on the third row opens the third task (and asks for its item).
    let fx: Vec<Effect> =
        actions(&s, screen, &click(5, 3)).into_iter().flat_map(|a| update(&mut s, a)).collect();
    assert_eq!(s.queue.cursor, 2);
    assert_eq!(fx, vec![Effect::LoadItem("b".into())]);
    // A click on the open task, or outside the list, does nothing.
    assert!(actions(&s, screen, &click(5, 3)).is_empty());
    assert!(actions(&s, screen, &click(60, 20)).is_empty());

    // The wheel over the response scrolls it, over the list moves between tasks.
    for a in actions(&s, screen, &ev(MouseEventKind::ScrollDown, 60, 20)) {
        update(&mut s, a);
    }
    assert_eq!(s.open.scroll as usize, WHEEL_LINES);
    for a in actions(&s, screen, &ev(MouseEventKind::ScrollUp, 5, 10)) {
        update(&mut s, a);
    }
    assert_eq!(s.queue.cursor, 1);

    // With a dialog open, clicks do nothing and the wheel moves the dialog's selection.
    cmd(&mut s, Command::Skip);
    assert!(actions(&s, screen, &click(5, 1)).is_empty());
    for a in actions(&s, screen, &ev(MouseEventKind::ScrollDown, 60, 20)) {
        update(&mut s, a);
    }
    assert!(matches!(s.overlay, Overlay::Skip { selected: 1, .. }));
    // Help scrolls under the wheel; a click does not reach the list underneath.
    update(&mut s, Action::Escape);
    cmd(&mut s, Command::Help);
    for a in actions(&s, screen, &ev(MouseEventKind::ScrollDown, 5, 2)) {
        update(&mut s, a);
    }
    assert_eq!((s.help_scroll as usize, s.queue.cursor), (WHEEL_LINES, 1));
    update(&mut s, Action::OpenTask(0));
    assert_eq!(s.queue.cursor, 1, "OpenTask is ignored while an overlay is open");
}
