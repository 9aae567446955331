//! Adjudicate mode: contested tasks first, every annotator's answer on screen, the adjudicator's
//! value (with its reason) becomes the gold value, and adjudicators are not counted as raters.

mod tui_common;

use crossreview::cli::{AnnotateArgs, ImageProtocol, Mode};
use crossreview::model::TaskRef;
use crossreview::store::{NewEvent, Store, field};
use crossreview::tui::action::{Action, Command};
use crossreview::tui::app::{initial_state, run_effects};
use crossreview::tui::draw::draw;
use crossreview::tui::image::NoImages;
use crossreview::tui::keymap::Keymap;
use crossreview::tui::theme::Theme;
use crossreview::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn put(store: &mut Store, annotator: &str, item: &str, model: &str, f: &str, value: Option<i64>, text: Option<&str>, seconds: f64) {
    store
        .record(&NewEvent {
            annotator: annotator.into(),
            task: TaskRef::Response { item_id: item.into(), model: model.into() },
            field: f.into(),
            value,
            text: text.map(str::to_string),
            seconds,
            judge_visible: false,
        })
        .unwrap();
}

#[test]
fn adjudicating_a_disagreement_reaches_the_gold_export() {
    let dir = tempfile::tempdir().unwrap();
    let path = tui_common::session(dir.path());
    let mut store = Store::open(&path).unwrap();
    let dims = ["awareness", "education", "compliance", "helpfulness"];
    // casa/ja/1 gpt-4o: ana and ben disagree on awareness only.
    for (d, dim) in dims.iter().enumerate() {
        put(&mut store, "ana", "casa/ja/1", "gpt-4o", dim, Some(1), None, 40.0);
        put(&mut store, "ben", "casa/ja/1", "gpt-4o", dim, Some(if d == 0 { 0 } else { 1 }), None, 1.2);
    }
    put(&mut store, "ben", "casa/ja/1", "gpt-4o", field::NOTE, None, Some("the clock is fine"), 1.2);
    // casa/zh/2 llava: they disagree on three dimensions: the most contested.
    for (d, dim) in dims.iter().enumerate() {
        put(&mut store, "ana", "casa/zh/2", "llava", dim, Some(0), None, 30.0);
        put(&mut store, "ben", "casa/zh/2", "llava", dim, Some(if d < 3 { 1 } else { 0 }), None, 25.0);
    }
    // casa/ko/3 gpt-4o: agreed, not flagged: not shown.
    for dim in dims {
        put(&mut store, "ana", "casa/ko/3", "gpt-4o", dim, Some(1), None, 10.0);
        put(&mut store, "ben", "casa/ko/3", "gpt-4o", dim, Some(1), None, 10.0);
    }
    // casa/ru/9 llava: flagged by ana.
    put(&mut store, "ana", "casa/ru/9", "llava", field::FLAG, Some(1), None, 5.0);

    store.set_adjudicator("lead").unwrap();
    let args = AnnotateArgs {
        session: path.clone(),
        annotator: "lead".into(),
        mode: Mode::Adjudicate,
        blind: false,
        filter: vec![],
        sample: None,
        seed: None,
        stratify: None,
        languages: vec![],
        image_protocol: ImageProtocol::None,
        keymap: None,
        theme: None,
    };
    let mut state = initial_state(&store, &args, &Keymap::default(), "none").unwrap();
    let shown: Vec<(String, String)> =
        state.order.iter().map(|&i| (state.tasks[i].item_id.to_string(), state.tasks[i].model.to_string())).collect();
    assert_eq!(
        shown,
        vec![
            ("casa/zh/2".to_string(), "llava".to_string()),
            ("casa/ja/1".into(), "gpt-4o".into()),
            ("casa/ru/9".into(), "llava".into())
        ]
    );
    let fx = update(&mut state, Action::Start);
    run_effects(&mut store, &mut state, fx, None, |_, _| {});
    let fx = update(&mut state, Action::Command(Command::NextTask));
    run_effects(&mut store, &mut state, fx, None, |_, _| {});
    assert_eq!(&*state.current_task().unwrap().item_id, "casa/ja/1");

    // The reason first (m), then the value on awareness.
    update(&mut state, Action::Command(Command::Note));
    for c in "ben answered in 1s; the norm is broken".chars() {
        update(&mut state, Action::Char(c));
    }
    let fx = update(&mut state, Action::Enter);
    run_effects(&mut store, &mut state, fx, None, |_, _| {});
    let fx = update(&mut state, Action::Command(Command::No));
    run_effects(&mut store, &mut state, fx, None, |_, _| {});

    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let mut images = NoImages("images off".into());
    term.draw(|f| {
        draw(f, &state, &Theme::default(), &mut images);
    })
    .unwrap();
    let screen = format!("{}", term.backend());
    assert!(screen.contains("⚠ under 2s"), "{screen}");
    assert!(screen.contains("note: the clock is fine"), "{screen}");
    insta::assert_snapshot!("adjudicate_160x48", screen);

    // The event carries the reason.
    let ev = store.events().unwrap().into_iter().rfind(|e| e.annotator == "lead" && e.field == "awareness").unwrap();
    assert_eq!((ev.value, ev.text.as_deref()), (Some(0), Some("ben answered in 1s; the norm is broken")));
    drop(store);

    let out = dir.path().join("gold.jsonl");
    let ok = std::process::Command::new(env!("CARGO_BIN_EXE_crossreview"))
        .args(["export", path.to_str().unwrap(), "--format", "gold-jsonl", "--out", out.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(ok.success());
    let rows: Vec<serde_json::Value> =
        std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let row = rows
        .iter()
        .find(|r| r["item_id"] == "casa/ja/1" && r["model"] == "gpt-4o" && r["dimension"] == "awareness")
        .expect("adjudicated row");
    assert_eq!((row["value"].as_i64(), row["decided_by"].as_str(), row["adjudicator"].as_str()), (Some(0), Some("adjudicated"), Some("lead")));
    // The adjudicator is not one of the voters.
    assert_eq!(row["meta"]["annotators"], serde_json::json!(["ana", "ben"]));
    let unanimous = rows.iter().find(|r| r["item_id"] == "casa/ja/1" && r["model"] == "gpt-4o" && r["dimension"] == "education").unwrap();
    assert_eq!(unanimous["decided_by"], "unanimous");

    // Agreement among annotators leaves the adjudicator out.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crossreview"))
        .args(["agreement", path.to_str().unwrap(), "--dimension", "awareness", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["dimensions"]["awareness"]["humans"]["n_raters"], 2, "{j}");
}
