//! Right-to-left text is drawn against the right edge of its pane, in visual order, on every
//! screen that shows model or dataset text: the query and norm, the response, the judge's
//! rationale (its own pane on wide screens, under the labels on narrow ones), the pairs screen
//! (prompt, norm, both responses), and adjudicate mode. Left-to-right text stays at the left.

mod tui_common;

use crossreview::cli::{AnnotateArgs, ImageProtocol, Mode};
use crossreview::model::{Item, Pair, Response, TaskRef, Verdict};
use crossreview::schema::Schema;
use crossreview::store::{NewEvent, Store, field};
use crossreview::tui::action::{Action, Command};
use crossreview::tui::app::{initial_state, run_effects};
use crossreview::tui::keymap::Keymap;
use crossreview::tui::state::State;
use crossreview::tui::theme::Theme;
use crossreview::tui::update::update;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;

// Arabic and Hebrew written for this test. The query: "Can I give this bottle to my host in
// Riyadh during my next visit?"; the norm: "Alcohol is prohibited in Saudi Arabia and giving it
// offends the host."
const QUERY: &str = "هل يمكنني أن أهدي هذه الزجاجة إلى مضيفي في الرياض أثناء زيارتي القادمة؟";
const QUERY_EN: &str = "Can I give this bottle to my host in Riyadh during my next visit?";
const NORM: &str = "الكحول ممنوع في السعودية وتقديمه هدية يسيء إلى المضيف.";
const RESPONSE: &str =
    "لا تقدم الكحول هدية في السعودية. التمر الفاخر أو العطر أو الحلويات خيارات مناسبة ومحترمة للمضيف.";
const RATIONALE: &str = "الرد يذكر أن الكحول ممنوع ويقترح بديلا مناسبا.";
const HEBREW: &str = "אפשר לתת יין למארח בכל מקום.";
const PROMPT: &str = "هل يمكنني أن أهدي هذه الزجاجة إلى مضيفي؟";
const CHOSEN: &str = "لا، الكحول ممنوع في السعودية؛ اختر التمر أو العطر.";
const REJECTED: &str = "نعم، النبيذ هدية رائعة دائما.";

fn session(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("rtl.db");
    let mut store = Store::create(&path, &Schema::cross_eval(), false).unwrap();
    let judge: BTreeMap<String, i64> =
        ["awareness", "education", "compliance", "helpfulness"].iter().map(|d| (d.to_string(), 1)).collect();
    let item = Item {
        id: "rtl/ar/1".into(),
        query: QUERY.into(),
        query_en: Some(QUERY_EN.into()),
        country: Some("Saudi Arabia".into()),
        language: Some("ar".into()),
        norm: Some(NORM.into()),
        responses: vec![
            Response {
                model: "gpt-4o".into(),
                text: RESPONSE.into(),
                judge: judge.clone(),
                judge_rationale: [("awareness".to_string(), RATIONALE.into())].into(),
                ..Default::default()
            },
            Response {
                model: "llava".into(),
                text: HEBREW.into(),
                judge,
                judge_rationale: [("awareness".to_string(), "Ignores the norm.".into())].into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let pair = Pair {
        id: "p-ar".into(),
        prompt: json!(PROMPT),
        chosen: json!(CHOSEN),
        rejected: json!(REJECTED),
        images: vec![],
        item_id: Some("rtl/ar/1".into()),
        meta: Default::default(),
    };
    store
        .import(|imp| {
            imp.upsert_item(&item)?;
            imp.upsert_pair(&pair)
        })
        .unwrap();
    path
}

fn record(store: &mut Store, who: &str, task: TaskRef, f: &str, value: i64) {
    store
        .record(&NewEvent {
            annotator: who.into(),
            task,
            field: f.into(),
            value: Some(value),
            text: None,
            seconds: 20.0,
            judge_visible: false,
        })
        .unwrap();
}

/// Opens the session in `mode` as `who` and goes to `task`.
fn open(path: &Path, mode: Mode, who: &str, task: &TaskRef) -> (Store, State) {
    let mut store = Store::open(path).unwrap();
    let args =
        AnnotateArgs { mode, image_protocol: ImageProtocol::None, ..AnnotateArgs::new(path.into(), who) };
    let mut state = initial_state(&store, &args, &Keymap::default(), "none").unwrap();
    let fx = update(&mut state, Action::Start);
    run_effects(&mut store, &mut state, fx, None, |_, _| {});
    let pos =
        state.queue.order.iter().position(|&i| &state.queue.tasks[i].task == task).expect("task listed");
    tui_common::act(&mut store, &mut state, Action::Command(Command::FirstTask));
    for _ in 0..pos {
        tui_common::act(&mut store, &mut state, Action::Command(Command::NextTask));
    }
    (store, state)
}

/// The text of each pane on each row: what lies between two `│` borders.
fn pane_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| l.strip_prefix('"').and_then(|l| l.split('"').next()))
        .flat_map(|row| row.split('│').map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// A word as it appears on screen in a right-to-left line: its letters reversed.
fn visual(word: &str) -> String {
    word.chars().rev().collect()
}

/// The pane row showing `needle` ends at the pane's right border (no blank cell before it).
fn assert_flush_right(screen: &str, needle: &str, what: &str) {
    let rows = pane_rows(screen);
    let row = rows
        .iter()
        .find(|r| r.contains(needle))
        .unwrap_or_else(|| panic!("{what}: {needle:?} not on\n{screen}"));
    assert!(!row.ends_with(' '), "{what}: not against the right border: {row:?}\n{screen}");
}

/// The pane row showing `needle` has it within its first cells (after a label or an indent)
/// and ends in blank cells: left-aligned.
fn assert_flush_left(screen: &str, needle: &str, what: &str) {
    let rows = pane_rows(screen);
    let row = rows
        .iter()
        .find(|r| r.contains(needle))
        .unwrap_or_else(|| panic!("{what}: {needle:?} not on\n{screen}"));
    assert!(row.ends_with(' ') && row.find(needle) < Some(8), "{what}: {row:?}");
}

fn response_task(model: &str) -> TaskRef {
    TaskRef::Response { item_id: "rtl/ar/1".into(), model: model.into() }
}

#[test]
fn right_to_left_paragraphs_end_at_the_right_border() {
    let dir = tempfile::tempdir().unwrap();
    let path = session(dir.path());
    let theme = Theme::default();
    let (_store, mut state) = open(&path, Mode::Responses, "ana", &response_task("gpt-4o"));
    for (w, h) in [(160, 48), (80, 24)] {
        let screen = tui_common::screen(&mut state, w, h, &theme);
        let at = format!("responses {w}x{h}");
        assert_flush_right(&screen, &visual("أهدي"), &format!("{at}: query"));
        if h == 48 {
            // Below the three lines of the query, the English query takes the rest at 80x24.
            assert_flush_right(&screen, &visual("يسيء"), &format!("{at}: norm"));
        }
        assert_flush_right(&screen, &visual("الحلويات"), &format!("{at}: response"));
        // The rationale: the judge pane on a wide screen, under the labels on a narrow one.
        assert_flush_right(&screen, &visual("يذكر"), &format!("{at}: rationale"));
        assert_flush_left(&screen, "en: Can I give", &format!("{at}: English query"));
    }
    let (_store, mut state) = open(&path, Mode::Responses, "ana", &response_task("llava"));
    let screen = tui_common::screen(&mut state, 160, 48, &theme);
    assert_flush_right(&screen, &visual("למארח"), "Hebrew response");
    assert_flush_left(&screen, "Ignores the norm.", "English rationale");
}

#[test]
fn pairs_and_adjudicate_screens_align_right_to_left_text_right() {
    let dir = tempfile::tempdir().unwrap();
    let path = session(dir.path());
    let theme = Theme::default();
    let pair = TaskRef::Pair { pair_id: "p-ar".into() };
    let (_store, mut state) = open(&path, Mode::Pairs, "ana", &pair);
    for (w, h) in [(160, 48), (80, 24)] {
        let screen = tui_common::screen(&mut state, w, h, &theme);
        let at = format!("pairs {w}x{h}");
        assert_flush_right(&screen, &visual("مضيفي؟"), &format!("{at}: prompt"));
        assert_flush_right(&screen, &visual("يسيء"), &format!("{at}: norm"));
        assert_flush_right(&screen, &visual("اختر"), &format!("{at}: chosen"));
        assert_flush_right(&screen, &visual("رائعة"), &format!("{at}: rejected"));
    }

    // Two annotators disagree on the response and on the pair: both come up for adjudication.
    let mut store = Store::open(&path).unwrap();
    for (who, v) in [("ana", 1), ("ben", 0)] {
        record(&mut store, who, response_task("gpt-4o"), "awareness", v);
    }
    for (who, v) in [("ana", Verdict::Agree), ("ben", Verdict::Flip)] {
        record(&mut store, who, pair.clone(), field::VERDICT, v.code());
    }
    store.set_adjudicator("lead").unwrap();
    drop(store);
    let (_store, mut state) = open(&path, Mode::Adjudicate, "lead", &response_task("gpt-4o"));
    let screen = tui_common::screen(&mut state, 160, 48, &theme);
    assert_flush_right(&screen, &visual("الحلويات"), "adjudicate: response");
    assert_flush_right(&screen, &visual("يسيء"), "adjudicate: norm");
    let (_store, mut state) = open(&path, Mode::Adjudicate, "lead", &pair);
    let screen = tui_common::screen(&mut state, 160, 48, &theme);
    assert_flush_right(&screen, &visual("اختر"), "adjudicate: pair");
    insta::assert_snapshot!("rtl_adjudicate_pair_160x48", screen);
}
