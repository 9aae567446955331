//! The stats screen (`a`) on the multilingual session with two annotators' labels.

mod tui_common;

use crossreview::cli::{AnnotateArgs, ImageProtocol};
use crossreview::model::TaskRef;
use crossreview::store::{NewEvent, Store};
use crossreview::tui::action::{Action, Command};
use crossreview::tui::app::{initial_state, run_effects};
use crossreview::tui::keymap::Keymap;
use crossreview::tui::theme::Theme;
use crossreview::tui::update::update;

fn label(store: &mut Store, annotator: &str, item: &str, model: &str, dim: &str, v: i64) {
    store
        .record(&NewEvent {
            annotator: annotator.into(),
            task: TaskRef::Response { item_id: item.into(), model: model.into() },
            field: dim.into(),
            value: Some(v),
            text: None,
            seconds: 3.0,
            judge_visible: false,
        })
        .unwrap();
}

#[test]
fn stats_screen_shows_agreement_distributions_heat_map_and_progress() {
    let dir = tempfile::tempdir().unwrap();
    let path = tui_common::session(dir.path());
    let mut store = Store::open(&path).unwrap();
    let items = ["casa/ja/1", "casa/zh/2", "casa/ko/3", "casa/ar/4", "casa/fa/5", "casa/hi/6"];
    let dims = ["awareness", "education", "compliance", "helpfulness"];
    // ana follows the judge on gpt-4o's answers; ben disagrees with her on some.
    for (k, item) in items.iter().enumerate() {
        for (d, dim) in dims.iter().enumerate() {
            let judge_good = if *dim == "education" { (k % 2) as i64 } else { 1 };
            label(&mut store, "ana", item, "gpt-4o", dim, judge_good);
            label(
                &mut store,
                "ben",
                item,
                "gpt-4o",
                dim,
                if (k + d) % 3 == 0 { 1 - judge_good } else { judge_good },
            );
            label(&mut store, "ana", item, "llava", dim, if *dim == "helpfulness" { 1 } else { 0 });
        }
    }
    let args = AnnotateArgs { image_protocol: ImageProtocol::None, ..AnnotateArgs::new(path, "ana") };
    let mut state = initial_state(&store, &args, &Keymap::default(), "none").unwrap();
    let fx = update(&mut state, Action::Start);
    run_effects(&mut store, &mut state, fx, None, |_, _| {});
    let fx = update(&mut state, Action::Command(Command::Stats));
    run_effects(&mut store, &mut state, fx, None, |_, _| {});
    let view = state.stats.view.clone().expect("computed");
    // Every gpt-4o answer of the 6 items has 2 raters; llava's have ana only.
    let aw = &view.dimensions[0];
    assert_eq!((aw.name.as_str(), aw.n_items, aw.n_raters), ("awareness", 12, 2));
    assert_eq!(aw.distribution.iter().sum::<u64>(), 18);
    assert!(view.annotators.iter().any(|a| a.name == "ana" && a.tasks_done == 12));

    let shot = |w: u16, h: u16, theme: &Theme| tui_common::frame(&state, w, h, theme);
    insta::assert_snapshot!("stats_160x48", shot(160, 48, &Theme::default()));
    insta::assert_snapshot!("stats_80x24", shot(80, 24, &Theme::default()));
    let mono = shot(100, 30, &Theme::monochrome());
    assert!(mono.contains('█') || mono.contains('▓'), "heat map readable without colour:\n{mono}");
    insta::assert_snapshot!("stats_monochrome_100x30", mono);

    // Tab moves the heat map to the next dimension; any other key closes.
    update(&mut state, Action::Command(Command::FocusNext));
    assert_eq!(state.open.focus, 1);
    update(&mut state, Action::Escape);
    assert!(state.overlay == crossreview::tui::state::Overlay::None);
    // While open, the numbers are asked for again every few seconds.
    update(&mut state, Action::Command(Command::Stats));
    let fx = update(&mut state, Action::Tick { dt: 3.5, active: true });
    assert!(fx.contains(&crossreview::tui::action::Effect::ComputeStats));
}
