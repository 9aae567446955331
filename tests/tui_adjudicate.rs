//! Adjudicate mode: contested tasks first, every annotator's answer on screen, the adjudicator's
//! value (with its reason) becomes the gold value, and adjudicators are not counted as raters.

mod tui_common;

use crossreview::cli::{AnnotateArgs, ImageProtocol, Mode};
use crossreview::model::TaskRef;
use crossreview::store::{NewEvent, Store, field};
use crossreview::tui::action::{Action, Command};
use crossreview::tui::app::{initial_state, run_effects};
use crossreview::tui::keymap::Keymap;
use crossreview::tui::theme::Theme;
use crossreview::tui::update::update;

/// Records `f` for `(annotator, item, model)`.
fn put(
    store: &mut Store,
    (annotator, item, model): (&str, &str, &str),
    f: &str,
    value: Option<i64>,
    text: Option<&str>,
    seconds: f64,
) {
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
        put(&mut store, ("ana", "casa/ja/1", "gpt-4o"), dim, Some(1), None, 40.0);
        put(&mut store, ("ben", "casa/ja/1", "gpt-4o"), dim, Some(if d == 0 { 0 } else { 1 }), None, 1.2);
    }
    put(&mut store, ("ben", "casa/ja/1", "gpt-4o"), field::NOTE, None, Some("the clock is fine"), 1.2);
    // casa/zh/2 llava: they disagree on three dimensions: the most contested.
    for (d, dim) in dims.iter().enumerate() {
        put(&mut store, ("ana", "casa/zh/2", "llava"), dim, Some(0), None, 30.0);
        put(&mut store, ("ben", "casa/zh/2", "llava"), dim, Some(if d < 3 { 1 } else { 0 }), None, 25.0);
    }
    // casa/ko/3 gpt-4o: agreed, not flagged: not shown.
    for dim in dims {
        put(&mut store, ("ana", "casa/ko/3", "gpt-4o"), dim, Some(1), None, 10.0);
        put(&mut store, ("ben", "casa/ko/3", "gpt-4o"), dim, Some(1), None, 10.0);
    }
    // casa/ru/9 llava: flagged by ana.
    put(&mut store, ("ana", "casa/ru/9", "llava"), field::FLAG, Some(1), None, 5.0);

    store.set_adjudicator("lead").unwrap();
    let args = AnnotateArgs {
        mode: Mode::Adjudicate,
        image_protocol: ImageProtocol::None,
        ..AnnotateArgs::new(path.clone(), "lead")
    };
    let mut state = initial_state(&store, &args, &Keymap::default(), "none").unwrap();
    let shown: Vec<(String, String)> = state
        .queue
        .order
        .iter()
        .map(|&i| (state.queue.tasks[i].item_id.to_string(), state.queue.tasks[i].model.to_string()))
        .collect();
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

    let screen = tui_common::frame(&state, 160, 48, &Theme::default());
    assert!(screen.contains("⚠ under 2s"), "{screen}");
    assert!(screen.contains("note: the clock is fine"), "{screen}");
    insta::assert_snapshot!("adjudicate_160x48", screen);

    // The event carries the reason.
    let ev = store
        .events()
        .unwrap()
        .into_iter()
        .rfind(|e| e.annotator == "lead" && e.field == "awareness")
        .unwrap();
    assert_eq!((ev.value, ev.text.as_deref()), (Some(0), Some("ben answered in 1s; the norm is broken")));
    drop(store);

    let out = dir.path().join("gold.jsonl");
    let rows = tui_common::export_rows(&path, "gold-jsonl", &out);
    let row = rows
        .iter()
        .find(|r| r["item_id"] == "casa/ja/1" && r["model"] == "gpt-4o" && r["dimension"] == "awareness")
        .expect("adjudicated row");
    assert_eq!(
        (row["value"].as_i64(), row["decided_by"].as_str(), row["adjudicator"].as_str()),
        (Some(0), Some("adjudicated"), Some("lead"))
    );
    // The adjudicator is not one of the voters.
    assert_eq!(row["meta"]["annotators"], serde_json::json!(["ana", "ben"]));
    let unanimous = rows
        .iter()
        .find(|r| r["item_id"] == "casa/ja/1" && r["model"] == "gpt-4o" && r["dimension"] == "education")
        .unwrap();
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

fn pair_put(
    store: &mut Store,
    annotator: &str,
    pair: &str,
    f: &str,
    value: Option<i64>,
    text: Option<&str>,
    seconds: f64,
) {
    store
        .record(&NewEvent {
            annotator: annotator.into(),
            task: TaskRef::Pair { pair_id: pair.into() },
            field: f.into(),
            value,
            text: text.map(str::to_string),
            seconds,
            judge_visible: true,
        })
        .unwrap();
}

fn draw_at(state: &crossreview::tui::state::State, w: u16, h: u16) -> String {
    tui_common::frame(state, w, h, &Theme::default())
}

#[test]
fn adjudicating_a_pair_verdict_decides_the_dpo_export() {
    use crossreview::model::{Pair, Verdict};
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let path = tui_common::session(dir.path());
    let mut store = Store::open(&path).unwrap();
    let img = tui_common::images_dir().join("gift04.png").to_string_lossy().into_owned();
    let pairs = vec![
        Pair {
            id: "p-clock".into(),
            prompt: json!("この時計を友達の結婚祝いに贈りたいです。"),
            chosen: json!("Clocks are associated with death in Japan and China; choose tableware instead."),
            rejected: json!("Great idea! Wrap it in white paper."),
            images: vec![img],
            item_id: Some("casa/ja/1".into()),
            meta: Default::default(),
        },
        Pair {
            id: "p-wine".into(),
            prompt: json!("Can I give this wine to my host in Riyadh?"),
            chosen: json!("No: alcohol is prohibited in Saudi Arabia. Dates or perfume are better."),
            rejected: json!("Yes, wine is always appreciated."),
            images: vec![],
            item_id: None,
            meta: Default::default(),
        },
    ];
    store
        .import(|imp| {
            for p in &pairs {
                imp.upsert_pair(p)?;
            }
            Ok(())
        })
        .unwrap();
    // p-clock: ana agrees in a second (with tags and a note), ben and cai flip it: contested,
    // majority flip. p-wine: everyone agrees: not shown.
    pair_put(&mut store, "ana", "p-clock", field::ORDER, None, Some("chosen_left"), 1.1);
    pair_put(&mut store, "ana", "p-clock", field::VERDICT, Some(Verdict::Agree.code()), None, 1.1);
    pair_put(&mut store, "ana", "p-clock", field::TAGS, None, Some("cultural misstep"), 1.1);
    pair_put(&mut store, "ana", "p-clock", field::NOTE, None, Some("obvious"), 1.1);
    pair_put(&mut store, "ben", "p-clock", field::ORDER, None, Some("chosen_right"), 30.0);
    pair_put(&mut store, "ben", "p-clock", field::VERDICT, Some(Verdict::Flip.code()), None, 30.0);
    pair_put(&mut store, "cai", "p-clock", field::VERDICT, Some(Verdict::Flip.code()), None, 12.0);
    for who in ["ana", "ben"] {
        pair_put(&mut store, who, "p-wine", field::VERDICT, Some(Verdict::Agree.code()), None, 9.0);
    }
    store.set_adjudicator("lead").unwrap();
    let args = AnnotateArgs {
        mode: Mode::Adjudicate,
        image_protocol: ImageProtocol::None,
        ..AnnotateArgs::new(path.clone(), "lead")
    };
    let mut state = initial_state(&store, &args, &Keymap::default(), "none").unwrap();
    let shown: Vec<&TaskRef> = state.queue.order.iter().map(|&i| &state.queue.tasks[i].task).collect();
    assert_eq!(shown, vec![&TaskRef::Pair { pair_id: "p-clock".into() }]);

    // `/` finds pairs in this mode too: the search covers the responses, then the pairs, in the
    // order of the tasks.
    use crossreview::search::{Corpus, Searcher};
    let corpus = Corpus::build_with_pairs(&store).unwrap();
    assert_eq!(corpus.len(), state.queue.tasks.len());
    let mut searcher = Searcher::new(corpus);
    let wine = TaskRef::Pair { pair_id: "p-wine".into() };
    let found = |searcher: &mut Searcher, q: &str| -> Vec<TaskRef> {
        searcher.search(q).into_iter().map(|t| state.queue.tasks[t].task.clone()).collect()
    };
    // In the pair's chosen response only.
    assert_eq!(found(&mut searcher, "perfume"), vec![wine.clone()]);
    // In a response's item (the Saudi norm) and in the pair.
    let prohibited = found(&mut searcher, "prohibited");
    assert!(
        prohibited.contains(&wine) && prohibited.iter().any(|t| matches!(t, TaskRef::Response { .. })),
        "{prohibited:?}"
    );
    assert_eq!(found(&mut searcher, "p-wine"), vec![wine]);
    let fx = update(&mut state, Action::Start);
    run_effects(&mut store, &mut state, fx, None, |_, _| {});
    assert!(state.pairs_screen());
    let i = state.current().unwrap();
    let chosen_left = state.chosen_on_left(i);

    // Every annotator's verdict as a side of the adjudicator's screen; which is "chosen" stays
    // hidden.
    let (agree_side, flip_side) = if chosen_left { ("left", "right") } else { ("right", "left") };
    for (w, h) in [(80, 24), (160, 48)] {
        let screen = draw_at(&state, w, h);
        assert!(screen.contains(&format!("ana   {agree_side} is better")), "{screen}");
        assert!(screen.contains(&format!("ben   {flip_side} is better")), "{screen}");
        assert!(screen.contains("⚠ under 2s"), "{screen}");
        assert!(
            !screen.to_lowercase().contains("chosen")
                && !screen.contains("agree")
                && !screen.contains("flip"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("adjudicate_pair_{w}x{h}"), screen);
    }
    let screen = draw_at(&state, 160, 48);
    assert!(screen.contains("tags: cultural misstep · note: obvious"), "{screen}");

    // The adjudicator sides with ana against the majority: a reason is asked for first.
    let side = if chosen_left { Command::LeftBetter } else { Command::RightBetter };
    let fx = update(&mut state, Action::Command(side));
    run_effects(&mut store, &mut state, fx, None, |_, _| {});
    let screen = draw_at(&state, 80, 24);
    assert!(screen.contains(&format!("2 of 3 annotators said: {flip_side} is better")), "{screen}");
    insta::assert_snapshot!("adjudicate_pair_reason_80x24", screen);
    for c in "the clock is the taboo; ben and cai misread".chars() {
        update(&mut state, Action::Char(c));
    }
    let fx = update(&mut state, Action::Enter);
    run_effects(&mut store, &mut state, fx, None, |_, _| {});
    let ev = store
        .events()
        .unwrap()
        .into_iter()
        .rfind(|e| e.annotator == "lead" && e.field == field::VERDICT)
        .unwrap();
    assert_eq!(
        (ev.value, ev.text.as_deref()),
        (Some(Verdict::Agree.code()), Some("the clock is the taboo; ben and cai misread"))
    );
    drop(store);

    // dpo-trl: the adjudicated verdict (agree) decides, not the majority (flip).
    let out = dir.path().join("dpo.jsonl");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_crossreview"))
        .args([
            "export",
            path.to_str().unwrap(),
            "--format",
            "dpo-trl",
            "--out",
            out.to_str().unwrap(),
            "--min-annotators",
            "4",
        ])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let rows: Vec<serde_json::Value> =
        std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 1, "p-wine has 2 annotators of the 4 needed; p-clock is adjudicated: {rows:?}");
    let row = &rows[0];
    assert_eq!(row["chosen"], pairs[0].chosen);
    assert_eq!(row["rejected"], pairs[0].rejected);
    assert_eq!(row["meta"]["pair_id"], "p-clock");
    assert_eq!(row["meta"]["verdict"], "agree");
    assert_eq!(row["meta"]["swapped"], false);
    assert_eq!(row["meta"]["adjudicator"], "lead");
    // The adjudicator is not one of the voters.
    assert_eq!(row["meta"]["annotators"], json!(["ana", "ben", "cai"]));
    assert_eq!(row["meta"]["verdicts"], json!(["agree", "flip", "flip"]));
    assert_eq!(row["meta"]["agreement"], json!(0.3333));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("fewer than 4 annotators: 1"), "{stderr}");

    // The adjudicated verdict also decides kto (both sides), and status/report leave the
    // adjudicator out of the pair statistics.
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_crossreview"))
        .args(["export", path.to_str().unwrap(), "--format", "kto", "--out", "-"])
        .output()
        .unwrap();
    let kto: Vec<serde_json::Value> =
        String::from_utf8_lossy(&run.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let clock: Vec<(&str, bool)> = kto
        .iter()
        .filter(|r| r["meta"]["pair_id"] == "p-clock")
        .map(|r| (r["meta"]["side"].as_str().unwrap(), r["label"].as_bool().unwrap()))
        .collect();
    assert_eq!(clock, vec![("chosen", true), ("rejected", false)]);
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_crossreview"))
        .args(["status", path.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert!(status["pair_stats"]["side_bias"].get("lead").is_none(), "{status}");
    assert_eq!(status["pair_stats"]["overall"]["verdicts"]["agree"], 3, "{status}");
}

/// The adjudicator sees each other annotator's labels exactly as the session holds them: the
/// answers are read with the same rule as `Store::task_labels` (they once had their own copy of
/// it, which dropped the reveal and the pair order).
#[test]
fn the_others_answers_are_what_the_session_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = tui_common::session(dir.path());
    let mut store = Store::open(&path).unwrap();
    let task = ("ana", "casa/ja/1", "gpt-4o");
    put(&mut store, task, "awareness", Some(1), None, 12.0);
    put(&mut store, task, "education", Some(0), None, 13.0);
    put(&mut store, task, "education", None, None, 14.0);
    put(&mut store, task, field::REVEAL, Some(1), None, 15.0);
    put(&mut store, task, field::NOTE, None, Some(""), 15.0);
    put(&mut store, task, field::FLAG, Some(1), None, 16.0);
    put(&mut store, ("ben", "casa/ja/1", "gpt-4o"), "awareness", Some(0), None, 3.0);
    store.set_adjudicator("lead").unwrap();
    let args = AnnotateArgs {
        mode: Mode::Adjudicate,
        image_protocol: ImageProtocol::None,
        ..AnnotateArgs::new(path.clone(), "lead")
    };
    let state = initial_state(&store, &args, &Keymap::default(), "none").unwrap();
    let t = TaskRef::Response { item_id: "casa/ja/1".into(), model: "gpt-4o".into() };
    let i = state.queue.tasks.iter().position(|x| x.task == t).unwrap();
    let answers = state.answers(i).expect("a contested, flagged task");
    assert_eq!(answers.len(), 2);
    for (name, labels) in answers {
        assert_eq!(labels, &store.task_labels(name, &t).unwrap(), "{name}");
    }
    assert!(answers[0].1.revealed, "ana revealed the judge");
}
