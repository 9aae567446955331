//! Pairs mode: screens at 80x24 and 160x48 (TestBackend + insta), and the real binary in a
//! pseudo-terminal validating pairs with keys, then `export --format dpo-trl`.

mod tui_common;

use crossreview::cli::{AnnotateArgs, ImageProtocol, Mode};
use crossreview::model::{Pair, TaskRef, Verdict};
use crossreview::store::{Store, field};
use crossreview::tui::action::{Action, Command, Effect};
use crossreview::tui::app::{initial_state, run_effects};
use crossreview::tui::keymap::Keymap;
use crossreview::tui::pairs::drawn_chosen_on_left;
use crossreview::tui::state::State;
use crossreview::tui::theme::Theme;
use crossreview::tui::update::update;
use serde_json::json;
use std::path::{Path, PathBuf};
use tui_common::pty::Tui;

/// The multilingual session plus three pairs: plain strings, conversational messages, and one
/// on an item of the session (its norm is shown).
fn session_with_pairs(dir: &Path) -> PathBuf {
    let path = tui_common::session(dir);
    let img = tui_common::images_dir().join("gift04.png").to_string_lossy().into_owned();
    let pairs = vec![
        Pair {
            id: "p-clock".into(),
            prompt: json!("この時計を友達の結婚祝いに贈りたいです。"),
            chosen: json!("Clocks are associated with death in Japan and China; choose tableware instead."),
            rejected: json!("Great idea! Wrap it in white paper."),
            images: vec![img.clone()],
            item_id: Some("casa/ja/1".into()),
            meta: Default::default(),
        },
        Pair {
            id: "p-wine".into(),
            prompt: json!([{"role": "system", "content": "Answer briefly."},
                           {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Can I give this wine to my host in Riyadh?"}]}]),
            chosen: json!([{"role": "assistant", "content": "No: alcohol is prohibited in Saudi Arabia. Dates or perfume are better."}]),
            rejected: json!([{"role": "assistant", "content": "Yes, wine is always appreciated."}]),
            images: vec![],
            item_id: None,
            meta: Default::default(),
        },
        Pair {
            id: "p-flowers".into(),
            prompt: json!("Можно подарить жёлтые цветы в чётном количестве?"),
            chosen: json!("Лучше подарить нечётное количество цветов."),
            rejected: json!("Конечно, это прекрасный подарок."),
            images: vec![],
            item_id: Some("casa/ru/9".into()),
            meta: Default::default(),
        },
    ];
    let mut store = Store::open(&path).unwrap();
    store
        .import(|imp| {
            for p in &pairs {
                imp.upsert_pair(p)?;
            }
            Ok(())
        })
        .unwrap();
    path
}

fn args(session: PathBuf, annotator: &str) -> AnnotateArgs {
    AnnotateArgs {
        mode: Mode::Pairs,
        image_protocol: ImageProtocol::None,
        ..AnnotateArgs::new(session, annotator)
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    state: State,
}

fn fixture(annotator: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = session_with_pairs(dir.path());
    let mut store = Store::open(&path).unwrap();
    let mut state = initial_state(&store, &args(path, annotator), &Keymap::default(), "none").unwrap();
    let fx = update(&mut state, Action::Start);
    run_effects(&mut store, &mut state, fx, None, |_, _| {});
    Fixture { _dir: dir, store, state }
}

impl Fixture {
    fn cmd(&mut self, c: Command) {
        tui_common::act(&mut self.store, &mut self.state, Action::Command(c));
    }
    fn screen(&mut self, w: u16, h: u16, theme: &Theme) -> String {
        tui_common::screen(&mut self.state, w, h, theme)
    }
}

/// An annotator name for which the first pairs are shown in the wanted orders (the order is
/// drawn from the name and the pair id), so the tests know which side is which.
fn annotator_with(orders: &[(&str, bool)]) -> String {
    (0..1000)
        .map(|k| format!("ann{k}"))
        .find(|a| orders.iter().all(|(p, left)| drawn_chosen_on_left(a, p) == *left))
        .expect("some name draws these orders")
}

#[test]
fn pairs_screen_snapshots() {
    // Chosen on the right for the first pair: the screen must not give it away.
    let name = annotator_with(&[("p-clock", false), ("p-wine", true)]);
    let mut f = fixture(&name);
    let theme = Theme::default();
    let s = f.screen(160, 48, &theme);
    assert!(!s.to_lowercase().contains("chosen") && !s.contains("rejected"), "{s}");
    // Side by side: the rejected answer is on the left, on the same rows as the chosen one.
    let rejected_row = s.lines().position(|l| l.contains("Great idea!")).unwrap();
    assert!(s.lines().nth(rejected_row).unwrap().contains("Clocks are associated"), "{s}");
    insta::assert_snapshot!("pairs_clock_160x48", s);
    insta::assert_snapshot!("pairs_clock_80x24", f.screen(80, 24, &theme));
    // The conversational pair, after a verdict on the first one.
    f.cmd(Command::RightBetter);
    let s = f.screen(160, 48, &theme);
    assert!(s.contains("system:") && s.contains("assistant:"), "{s}");
    insta::assert_snapshot!("pairs_wine_160x48", s);
    insta::assert_snapshot!("pairs_wine_80x24", f.screen(80, 24, &theme));
    // Verdict stored relative to the pair: the right one (chosen) was better.
    let labels = f.store.task_labels(&name, &TaskRef::Pair { pair_id: "p-clock".into() }).unwrap();
    assert_eq!(labels.values.get(field::VERDICT), Some(&Verdict::Agree.code()));
    assert_eq!(labels.order.as_deref(), Some("chosen_right"));
}

#[test]
fn tags_dialog_snapshot() {
    let mut f = fixture("ann");
    f.cmd(Command::Tags);
    let fx = update(&mut f.state, Action::Char('2'));
    run_effects(&mut f.store, &mut f.state, fx, None, |_, _| {});
    insta::assert_snapshot!("pairs_tags_80x24", f.screen(80, 24, &Theme::default()));
}

#[test]
fn stacked_below_120_columns() {
    let name = annotator_with(&[("p-clock", true)]);
    let mut f = fixture(&name);
    let s = f.screen(119, 40, &Theme::default());
    let left = s.lines().position(|l| l.contains("left (1)")).unwrap();
    let right = s.lines().position(|l| l.contains("right (2)")).unwrap();
    assert!(right > left + 2, "stacked: {s}");
    let _ = Effect::Quit;
}

// ---- the real binary in a pseudo-terminal ----

const ROWS: u16 = 30;
const COLS: u16 = 100;

#[test]
fn validating_pairs_with_keys_reaches_the_dpo_export_flipped_where_the_rejected_was_better() {
    let dir = tempfile::tempdir().unwrap();
    let path = session_with_pairs(dir.path());
    // Both pairs show the chosen answer on the left for this annotator.
    let name = annotator_with(&[("p-clock", true), ("p-wine", true), ("p-flowers", false)]);
    let mut tui = Tui::annotate(&path, &name, &["--mode", "pairs"], ROWS, COLS);
    tui.wait_for("0/3 done");
    tui.wait_for("Clocks are associated");
    // p-clock: right (the rejected one) is better → flip.
    tui.keys("2");
    tui.wait_for("1/3 done");
    tui.wait_for("saved p-clock: right is better");
    // p-wine: left (the chosen one) is better → agree; then tags and a note on it.
    tui.wait_for("alcohol is prohibited");
    tui.keys("1");
    tui.wait_for("2/3 done");
    // p-flowers: both bad → left out of DPO.
    tui.keys("b");
    tui.wait_for("3/3 done");
    tui.keys("c13\r");
    tui.wait_for("tags saved");
    tui.quit();

    let store = Store::open(&path).unwrap();
    let flowers = store.task_labels(&name, &TaskRef::Pair { pair_id: "p-flowers".into() }).unwrap();
    assert_eq!(flowers.values.get(field::VERDICT), Some(&Verdict::BothBad.code()));
    assert_eq!(flowers.tags.as_deref(), Some("cultural misstep,wrong about the image"));
    assert_eq!(flowers.order.as_deref(), Some("chosen_right"));
    drop(store);

    let out = dir.path().join("dpo.jsonl");
    let rows = tui_common::export_rows(&path, "dpo-trl", &out);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let by_pair = |id: &str| {
        rows.iter().find(|r| r["meta"]["pair_id"] == id).unwrap_or_else(|| panic!("{id} not exported"))
    };
    let clock = by_pair("p-clock");
    let text = |v: &serde_json::Value| v.to_string();
    assert!(text(&clock["chosen"]).contains("Great idea!"), "flipped: {clock}");
    assert!(text(&clock["rejected"]).contains("Clocks are associated"), "flipped: {clock}");
    assert_eq!(clock["meta"]["verdict"], "flip");
    let wine = by_pair("p-wine");
    assert!(text(&wine["chosen"]).contains("alcohol is prohibited"), "{wine}");
    assert_eq!(wine["meta"]["verdict"], "agree");
}
