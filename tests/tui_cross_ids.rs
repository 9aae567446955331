//! A session shaped like the CROSS release: the same index in two subsets, languages stored as
//! names, and the judge's Violation rationale stored under compliance. The task list must keep
//! the two items apart, and the rationale must say which way its score points.

mod tui_common;

use crossreview::cli::{AnnotateArgs, ImageProtocol};
use crossreview::model::{Item, JudgedAs, Rationale, Response};
use crossreview::schema::Schema;
use crossreview::store::Store;
use crossreview::tui::action::{Action, Command, Effect};
use crossreview::tui::app::{initial_state, run_effects};
use crossreview::tui::keymap::Keymap;
use crossreview::tui::state::State;
use crossreview::tui::theme::Theme;
use std::collections::BTreeMap;

fn item(id: &str, language: &str) -> Item {
    let judge: BTreeMap<String, i64> =
        [("awareness", 0), ("education", 0), ("compliance", 0), ("helpfulness", 1)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
    let mut judge_rationale = BTreeMap::new();
    judge_rationale.insert("awareness".to_string(), Rationale::from("Misses the custom."));
    judge_rationale.insert(
        "compliance".to_string(),
        Rationale {
            text: "It helps with the taboo request. Score: 1".into(),
            judged_as: Some(JudgedAs { dimension: "Violation".into(), score: Some(1) }),
        },
    );
    Item {
        id: id.into(),
        query: "Can I give this to my host?".into(),
        language: Some(language.into()),
        country: Some("Nigeria".into()),
        norm: Some("Gifts are given with the right hand.".into()),
        responses: vec![Response {
            model: "gpt-4o".into(),
            text: "Sure, here it is.".into(),
            judge,
            judge_rationale,
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn state(dir: &std::path::Path) -> (Store, State) {
    let path = dir.join("s.db");
    let mut store = Store::create(&path, &Schema::cross_eval(), false).unwrap();
    let items = [
        item("casa/multilingual/Nigeria_1", "Hausa"),
        item("safeworld/multilingual/Nigeria_1", "ha"),
        item("safeworld/multilingual/Nigeria_12", "ha"),
    ];
    store
        .import(|imp| {
            for it in &items {
                imp.upsert_item(it)?;
            }
            Ok(())
        })
        .unwrap();
    let args = AnnotateArgs { image_protocol: ImageProtocol::None, ..AnnotateArgs::new(path, "ana") };
    let mut state = initial_state(&store, &args, &Keymap::default(), "none").unwrap();
    let id = state.current_task().unwrap().item_id.to_string();
    run_effects(&mut store, &mut state, vec![Effect::LoadItem(id)], None, |_, _| {});
    (store, state)
}

/// The task list's rows (the left pane) of a screen.
fn task_rows(screen: &str, list_width: usize) -> Vec<String> {
    screen.lines().map(|l| l.trim_start_matches('"').chars().take(list_width).collect()).collect()
}

#[test]
fn task_list_keeps_subsets_apart_and_shows_language_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, mut state) = state(dir.path());
    let theme = Theme::default();
    for (w, h, list) in [(160, 48, 44), (80, 24, 24)] {
        let screen = tui_common::screen(&mut state, w, h, &theme);
        let rows = task_rows(&screen, list).join("\n");
        // Subset and setting by their initials, then the end of the index: no two rows alike.
        let (casa, safe1, safe12) = if w == 160 {
            ("c/m/…eria_1 Nigeria    ha  gpt-4o", "s/m/…eria_1 Nigeria    ha  gpt-4o", "s/m/…ria_12 Nigeria")
        } else {
            ("c/m/…geria_1 gpt-4o", "s/m/…geria_1 gpt-4o", "s/m/…eria_12 gpt-4o")
        };
        for want in [casa, safe1, safe12] {
            assert!(rows.contains(want), "{w}x{h}: no {want:?} in\n{rows}");
        }
        // "Hausa" was stored as a name: the column shows its code, not "Ha…".
        assert!(!rows.contains("Ha"), "{rows}");
    }
}

#[test]
fn the_violation_rationale_is_headed_with_the_judges_own_score() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, mut state) = state(dir.path());
    let theme = Theme::default();
    // Wide: the judge pane.
    let wide = tui_common::screen(&mut state, 160, 48, &theme);
    assert!(wide.contains("│ compliance 0 "), "{wide}");
    assert!(wide.contains("│  on Violation (1 → compliance 0): "), "{wide}");
    assert!(wide.contains("Misses the custom."), "{wide}");
    // Narrow: the focused dimension's rationale under the labels.
    for _ in 0..2 {
        tui_common::act(&mut store, &mut state, Action::Command(Command::FocusNext));
    }
    let narrow = tui_common::screen(&mut state, 80, 24, &theme);
    assert!(narrow.contains("judge on Violation (1 → compliance 0):"), "{narrow}");
    assert!(!narrow.contains("judge on compliance"), "{narrow}");
}
