//! Every screen at 80x24 and 160x48 on the multilingual fixture (TestBackend + insta).

mod tui_common;

use crossreview::cli::{AnnotateArgs, ImageProtocol};
use crossreview::store::Store;
use crossreview::tui::action::{Action, Command};
use crossreview::tui::app::{initial_state, run_effects};
use crossreview::tui::keymap::Keymap;
use crossreview::tui::state::State;
use crossreview::tui::theme::Theme;

fn args(session: std::path::PathBuf, blind: bool) -> AnnotateArgs {
    AnnotateArgs { blind, image_protocol: ImageProtocol::None, ..AnnotateArgs::new(session, "ana") }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    state: State,
}

fn fixture(blind: bool) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = tui_common::session(dir.path());
    let mut store = Store::open(&path).unwrap();
    let a = args(path, blind);
    let mut state = initial_state(&store, &a, &Keymap::default(), "none").unwrap();
    let id = state.current_task().unwrap().item_id.to_string();
    run_effects(
        &mut store,
        &mut state,
        vec![crossreview::tui::action::Effect::LoadItem(id)],
        None,
        |_, _| {},
    );
    Fixture { _dir: dir, store, state }
}

impl Fixture {
    fn act(&mut self, a: Action) {
        tui_common::act(&mut self.store, &mut self.state, a);
    }
    fn cmd(&mut self, c: Command) {
        self.act(Action::Command(c));
    }
    /// Flashes carry no timing: they stay in the snapshot.
    fn screen(&mut self, w: u16, h: u16, theme: &Theme) -> String {
        tui_common::screen(&mut self.state, w, h, theme)
    }
}

fn both(name: &str, f: &mut Fixture) {
    let theme = Theme::default();
    insta::assert_snapshot!(format!("{name}_80x24"), f.screen(80, 24, &theme));
    insta::assert_snapshot!(format!("{name}_160x48"), f.screen(160, 48, &theme));
}

fn go_to(f: &mut Fixture, item: &str, model: &str) {
    let pos = f
        .state
        .queue
        .order
        .iter()
        .position(|&i| &*f.state.queue.tasks[i].item_id == item && &*f.state.queue.tasks[i].model == model)
        .unwrap();
    f.cmd(Command::FirstTask);
    for _ in 0..pos {
        f.cmd(Command::NextTask);
    }
}

#[test]
fn main_screen_japanese() {
    let mut f = fixture(false);
    both("main_ja", &mut f);
}

#[test]
fn labelled_and_focused() {
    let mut f = fixture(false);
    f.cmd(Command::Yes);
    f.cmd(Command::No);
    both("labelled", &mut f);
}

#[test]
fn escape_sequences_are_shown_as_placeholders() {
    let mut f = fixture(false);
    go_to(&mut f, "casa/ja/1", "llava");
    let s = f.screen(160, 48, &Theme::default());
    assert!(s.contains("␛]52;c;SGVsbG8=␇"), "{s}");
    assert!(!s.contains('\x1b'));
    both("escapes", &mut f);
}

#[test]
fn chinese_tab_and_zwj_emoji() {
    let mut f = fixture(false);
    go_to(&mut f, "casa/zh/2", "llava");
    both("zh_emoji", &mut f);
    go_to(&mut f, "casa/zh/2", "gpt-4o");
    both("zh_tab", &mut f);
}

#[test]
fn korean() {
    let mut f = fixture(false);
    go_to(&mut f, "casa/ko/3", "gpt-4o");
    both("ko", &mut f);
}

#[test]
fn arabic_visual_order_and_missing_image() {
    let mut f = fixture(false);
    go_to(&mut f, "casa/ar/4", "gpt-4o");
    both("ar", &mut f);
}

#[test]
fn persian_and_bidi_override() {
    let mut f = fixture(false);
    go_to(&mut f, "casa/fa/5", "llava");
    let s = f.screen(160, 48, &Theme::default());
    assert!(s.contains("⟦RLO⟧"), "{s}");
    both("fa_override", &mut f);
}

#[test]
fn hindi_combining_marks() {
    let mut f = fixture(false);
    go_to(&mut f, "casa/hi/6", "gpt-4o");
    both("hi", &mut f);
    go_to(&mut f, "casa/hi/6", "llava");
    both("combining", &mut f);
}

#[test]
fn thai_and_long_response_scrolled() {
    let mut f = fixture(false);
    go_to(&mut f, "casa/th/7", "gpt-4o");
    both("th", &mut f);
    go_to(&mut f, "casa/th/7", "llava");
    f.screen(80, 24, &Theme::default());
    f.cmd(Command::PageDown);
    f.cmd(Command::ScrollDown);
    insta::assert_snapshot!("long_scrolled_80x24", f.screen(80, 24, &Theme::default()));
}

#[test]
fn amharic_and_russian() {
    let mut f = fixture(false);
    go_to(&mut f, "casa/am/8", "gpt-4o");
    both("am", &mut f);
    go_to(&mut f, "casa/ru/9", "gpt-4o");
    both("ru", &mut f);
}

#[test]
fn blind_hides_the_judge_until_revealed() {
    let mut f = fixture(true);
    let s = f.screen(160, 48, &Theme::default());
    assert!(s.contains("hidden"), "{s}");
    assert!(!s.contains("The gpt-4o response recognises"));
    both("blind_hidden", &mut f);
    f.cmd(Command::Reveal);
    let s = f.screen(160, 48, &Theme::default());
    assert!(s.contains("The gpt-4o response recognises"), "{s}");
}

#[test]
fn overlays() {
    let mut f = fixture(false);
    f.cmd(Command::Help);
    both("help", &mut f);
    f.act(Action::Escape);
    f.cmd(Command::Guidelines);
    both("guidelines", &mut f);
    f.act(Action::Escape);
    f.cmd(Command::Skip);
    f.act(Action::SelectNext);
    for c in "blurry".chars() {
        f.act(Action::Char(c));
    }
    both("skip", &mut f);
    f.act(Action::Escape);
    f.cmd(Command::Note);
    for c in "check the norm".chars() {
        f.act(Action::Char(c));
    }
    both("note", &mut f);
    f.act(Action::Escape);
    f.cmd(Command::Search);
    for c in "wine".chars() {
        f.act(Action::Char(c));
    }
    let hits: Vec<usize> = f
        .state
        .queue
        .order
        .iter()
        .copied()
        .filter(|&i| {
            &*f.state.queue.tasks[i].item_id == "casa/fa/5"
                || &*f.state.queue.tasks[i].model == "llava"
                    && &*f.state.queue.tasks[i].item_id == "casa/ar/4"
        })
        .collect();
    f.act(Action::SearchResults { query: "wine".into(), hits });
    both("search", &mut f);
}

#[test]
fn too_small_says_so() {
    let mut f = fixture(false);
    let s = f.screen(60, 20, &Theme::default());
    assert!(s.contains("Terminal too small"));
    insta::assert_snapshot!("too_small_60x20", s);
}

#[test]
fn monochrome_still_marks_focus_and_selection() {
    let mut f = fixture(false);
    let s = f.screen(80, 24, &Theme::monochrome());
    assert!(s.contains("▶ awareness"), "{s}");
    assert!(s.contains("▶· casa/ja/1"), "{s}");
    insta::assert_snapshot!("monochrome_80x24", s);
}
