//! The judge pane with several named judges (their scores and rationales, disagreements
//! highlighted), at 80x24 and 160x48. The state is built from values: the judges of the open
//! response arrive as the session would send them.

mod tui_common;

use crossreview::cli::{AnnotateArgs, ImageProtocol};
use crossreview::model::Rationale;
use crossreview::store::{JudgeView, Store};
use crossreview::tui::action::{Action, Effect};
use crossreview::tui::app::{initial_state, run_effects};
use crossreview::tui::keymap::Keymap;
use crossreview::tui::state::{ItemJudges, State};
use crossreview::tui::theme::Theme;
use crossreview::tui::update::update;
use std::collections::BTreeMap;

fn opened(dir: &std::path::Path) -> (Store, State) {
    let path = tui_common::session(dir);
    let mut store = Store::open(&path).unwrap();
    let args = AnnotateArgs { image_protocol: ImageProtocol::None, ..AnnotateArgs::new(path, "ana") };
    let mut state = initial_state(&store, &args, &Keymap::default(), "none").unwrap();
    let id = state.current_task().unwrap().item_id.to_string();
    run_effects(&mut store, &mut state, vec![Effect::LoadItem(id)], None, |_, _| {});
    (store, state)
}

fn view(judge: &str, scores: [i64; 4], why: &[(&str, &str)]) -> JudgeView {
    let dims = ["awareness", "education", "compliance", "helpfulness"];
    JudgeView {
        judge: judge.into(),
        scores: dims.iter().zip(scores).map(|(d, v)| (d.to_string(), v)).collect(),
        rationale: why.iter().map(|(d, t)| (d.to_string(), Rationale::from(*t))).collect::<BTreeMap<_, _>>(),
    }
}

/// Two judges on the open response: they agree on awareness and education, differ on
/// compliance and helpfulness.
fn two_judges(state: &State) -> ItemJudges {
    let t = state.current_task().unwrap();
    ItemJudges {
        item_id: t.item_id.to_string(),
        responses: vec![(
            t.model.to_string(),
            vec![
                view("gpt-4o", [1, 1, 1, 1], &[("compliance", "Advises against the clock as a gift.")]),
                view("qwen-vl", [1, 1, 0, 0], &[("compliance", "Helps wrap the clock, ignoring the norm.")]),
            ],
        )],
    }
}

#[test]
fn two_judges_side_by_side_with_their_disagreement_marked() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, mut state) = opened(dir.path());
    let one_judge = tui_common::screen(&mut state, 160, 48, &Theme::default());
    let judges = two_judges(&state);
    update(&mut state, Action::JudgesLoaded(Box::new(judges)));
    assert_eq!(state.open_judges().len(), 2);
    let theme = Theme::default();
    let wide = tui_common::screen(&mut state, 160, 48, &theme);
    assert_ne!(wide, one_judge);
    assert!(wide.contains("compliance ≠ judges differ"), "{wide}");
    assert!(wide.contains("qwen-vl 0"), "{wide}");
    assert!(wide.contains("Helps wrap the clock"), "{wide}");
    insta::assert_snapshot!("two_judges_160x48", wide);
    insta::assert_snapshot!("two_judges_80x24", tui_common::screen(&mut state, 80, 24, &theme));
}

#[test]
fn judges_of_another_item_are_not_shown() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, mut state) = opened(dir.path());
    let mut judges = two_judges(&state);
    judges.item_id = "some/other/item".into();
    update(&mut state, Action::JudgesLoaded(Box::new(judges)));
    assert!(state.open_judges().is_empty());
}

#[test]
fn loading_an_item_loads_its_judges_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, state) = opened(dir.path());
    // The fixture's responses carry one judge's scores: the session's one judge, named.
    let names: Vec<&str> = state.open_judges().iter().map(|j| j.judge.as_str()).collect();
    assert_eq!(names, ["judge"]);
}

fn queue_with(dir: &std::path::Path, filters: &[&str]) -> Result<Vec<(String, String)>, String> {
    let path = tui_common::session(dir);
    let store = Store::open(&path).unwrap();
    let args = AnnotateArgs {
        image_protocol: ImageProtocol::None,
        filter: filters.iter().map(|f| f.to_string()).collect(),
        ..AnnotateArgs::new(path, "ana")
    };
    let state = initial_state(&store, &args, &Keymap::default(), "none").map_err(|e| e.to_string())?;
    let q = &state.queue;
    Ok(q.order.iter().map(|&i| (q.tasks[i].item_id.to_string(), q.tasks[i].model.to_string())).collect())
}

#[test]
fn filters_on_named_judges() {
    let dir = tempfile::tempdir().unwrap();
    // The session's one judge, by name, keeps what `judge.DIM` keeps.
    let by_name = queue_with(&dir.path().join("a"), &["judge.judge.compliance=0"]).unwrap();
    let unnamed = queue_with(&dir.path().join("b"), &["judge.compliance=0"]).unwrap();
    assert!(!by_name.is_empty());
    assert_eq!(by_name, unnamed);
    let all = queue_with(&dir.path().join("c"), &[]).unwrap();
    assert!(by_name.len() < all.len());
    // One judge never disagrees with itself.
    assert!(queue_with(&dir.path().join("d"), &["judges=disagree"]).unwrap().is_empty());
    let err = queue_with(&dir.path().join("e"), &["judge.claude.compliance=0"]).unwrap_err();
    assert!(err.contains("no judge named \"claude\" (judges: judge)"), "{err}");
}

#[test]
fn stats_screen_has_a_row_per_judge() {
    use crossreview::tui::action::Command;
    use crossreview::tui::stats::JudgeRow;
    let dir = tempfile::tempdir().unwrap();
    let (mut store, mut state) = opened(dir.path());
    for c in [Command::Yes, Command::No, Command::Yes, Command::Yes] {
        tui_common::act(&mut store, &mut state, Action::Command(c));
    }
    tui_common::act(&mut store, &mut state, Action::Command(Command::Stats));
    let mut view = state.stats.view.clone().expect("computed");
    // The session's one judge: no per-judge rows, the screen as before.
    assert!(view.dimensions.iter().all(|d| d.judges.is_empty()));
    for (k, d) in view.dimensions.iter_mut().enumerate() {
        d.judges = vec![
            JudgeRow { judge: "gpt-4o".into(), n: 1, kappa: d.judge_kappa, accuracy: Ok(1.0) },
            JudgeRow { judge: "qwen-vl".into(), n: 1, kappa: d.judge_kappa, accuracy: Ok(k as f64 / 4.0) },
        ];
    }
    update(&mut state, Action::StatsReady(Ok(Box::new(view))));
    let shot = tui_common::frame(&state, 160, 48, &Theme::default());
    assert!(shot.contains("  qwen-vl"), "{shot}");
    insta::assert_snapshot!("stats_two_judges_160x48", shot);
}
