//! A 1 MB model response (every script of the fixture, lines of thousands of cells, escape
//! sequences sprinkled in): the task view draws it at 80x24 and 160x48 without panicking, every
//! row keeps its width and the pane borders stay in place, paging reaches the last line; and in
//! the real binary (pseudo-terminal) nothing escapes to the terminal and the next key is handled.
//! Frame times are measured in `benches/tui.rs` (`cargo bench --bench tui -- --long-response`).

mod tui_common;

#[path = "../benches/support/long_text.rs"]
mod long_text;

use crossreview::cli::{AnnotateArgs, ImageProtocol};
use crossreview::model::{Item, Response};
use crossreview::schema::Schema;
use crossreview::store::Store;
use crossreview::tui::action::{Action, Command, Effect};
use crossreview::tui::app::{initial_state, run_effects};
use crossreview::tui::draw::{FrameInfo, draw};
use crossreview::tui::image::NoImages;
use crossreview::tui::keymap::Keymap;
use crossreview::tui::state::State;
use crossreview::tui::theme::Theme;
use crossreview::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tui_common::pty::Tui;

/// A session with one item: the 1 MB response (first task) and a short one.
fn session(dir: &Path) -> (PathBuf, String) {
    let text = long_text::long_response(1 << 20);
    assert!(text.len() >= 1 << 20);
    let path = dir.join("long.db");
    let mut store = Store::create(&path, &Schema::cross_eval(), false).unwrap();
    let item = Item {
        id: "casa/ja/long".into(),
        query: "この時計を友達の結婚祝いに贈りたいです。".into(),
        country: Some("Japan".into()),
        language: Some("ja".into()),
        responses: vec![
            Response { model: "verbose".into(), text: text.clone(), ..Default::default() },
            Response {
                model: "brief".into(),
                text: "Choose tableware instead.".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    store.import(|imp| imp.upsert_item(&item)).unwrap();
    (path, text)
}

fn args(session: PathBuf) -> AnnotateArgs {
    AnnotateArgs { image_protocol: ImageProtocol::None, ..AnnotateArgs::new(session, "ana") }
}

/// Draws a frame and tells the state the viewport, as the app's loop does.
fn frame(term: &mut Terminal<TestBackend>, state: &mut State) {
    let mut info = FrameInfo::default();
    let mut images = NoImages("images off".into());
    term.draw(|f| info = draw(f, state, &Theme::default(), &mut images)).unwrap();
    update(state, Action::ResponseViewport { max_scroll: info.max_scroll, page: info.page });
}

/// Every row is exactly `width` cells (a wide character at the last column, or one cell too
/// many, would push it over), no cell holds a control character, and the response pane's
/// borders are where the layout put them on every row of the pane.
fn check_rows(buf: &Buffer, what: &str) {
    let area = buf.area;
    let mut rows = Vec::new();
    for y in 0..area.height {
        let (mut x, mut row) = (0u16, String::new());
        while x < area.width {
            let sym = buf[(x, y)].symbol();
            assert!(!sym.chars().any(|c| c.is_control()), "{what}: control character {sym:?} at ({x}, {y})");
            let w = crossreview::text::width(sym).max(1) as u16;
            assert!(x + w <= area.width, "{what}: row {y} overflows at column {x} ({sym:?})");
            row.push_str(sym);
            x += w;
        }
        rows.push(row);
    }
    // The response pane: from its title row to its bottom border, `│` at both edges.
    let top = rows
        .iter()
        .position(|r| r.contains("response · verbose"))
        .unwrap_or_else(|| panic!("{what}: no response pane"));
    let left = rows[top].chars().take_while(|&c| c != '┌').count() as u16;
    let right = left + rows[top].chars().skip(left as usize).take_while(|&c| c != '┐').count() as u16;
    let mut y = top as u16 + 1;
    while buf[(left, y)].symbol() == "│" {
        assert_eq!(
            buf[(right, y)].symbol(),
            "│",
            "{what}: right border moved on row {y}:\n{}",
            rows[y as usize]
        );
        y += 1;
    }
    assert!(y > top as u16 + 5, "{what}: the response pane has rows");
    assert_eq!(buf[(left, y)].symbol(), "└", "{what}: bottom border");
}

fn screen(buf: &Buffer) -> String {
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

#[test]
fn a_1_mb_response_draws_aligned_and_pages_to_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _text) = session(dir.path());
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut store = Store::open(&path).unwrap();
        let mut state = initial_state(&store, &args(path.clone()), &Keymap::default(), "none").unwrap();
        let id = state.current_task().unwrap().item_id.to_string();
        run_effects(&mut store, &mut state, vec![Effect::LoadItem(id)], None, |_, _| {});
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        frame(&mut term, &mut state);
        frame(&mut term, &mut state);
        check_rows(term.backend().buffer(), &format!("{w}x{h} top"));
        let lines = state.open.max_scroll + state.open.page;
        assert!(lines > 5_000, "{w}x{h}: {lines} lines");

        // Page through a stretch, checking every frame, then to the end.
        for k in 0..60 {
            update(&mut state, Action::Command(Command::PageDown));
            frame(&mut term, &mut state);
            check_rows(term.backend().buffer(), &format!("{w}x{h} page {k}"));
        }
        let mut presses = 0;
        while state.open.scroll < state.open.max_scroll {
            update(&mut state, Action::Command(Command::PageDown));
            presses += 1;
            assert!(presses < 100_000, "paging does not advance");
        }
        frame(&mut term, &mut state);
        let s = screen(term.backend().buffer());
        check_rows(term.backend().buffer(), &format!("{w}x{h} end"));
        assert!(s.contains(long_text::LAST_LINE), "{w}x{h}: the last line is not shown at the end:\n{s}");
        assert!(s.contains(&format!("of {lines} ")), "{w}x{h}: the title counts the lines:\n{s}");
        // One more page stays at the end; a line up leaves it.
        update(&mut state, Action::Command(Command::PageDown));
        assert_eq!(state.open.scroll, state.open.max_scroll);
        update(&mut state, Action::Command(Command::ScrollUp));
        frame(&mut term, &mut state);
        assert_eq!(state.open.scroll, state.open.max_scroll - 1);
    }
}

#[test]
fn a_1_mb_response_in_the_terminal_leaks_no_escape_and_keys_still_work() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _text) = session(dir.path());
    let mut tui = Tui::annotate(&path, "pty", &[], 30, 100);
    tui.wait_for("response · verbose");
    tui.wait_for("0/2 done");
    // Page down (Space) a few times, then label: every key must be handled.
    tui.type_keys("     ", Duration::from_millis(30));
    tui.wait_for("lines 51-"); // five pages of 10 lines (a page keeps one line of context)
    tui.type_keys("1", Duration::from_millis(30));
    tui.wait_for("[1 yes]");
    tui.type_keys("000", Duration::from_millis(30));
    tui.wait_for("1/2 done");
    tui.wait_for("response · brief");
    tui.type_keys("q", Duration::from_millis(30));
    let status = tui.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    let raw = tui.raw.lock().unwrap().clone();
    let find = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
    assert!(!find(b"\x1b]52"), "OSC 52 reached the terminal");
    assert!(!find(b"\x1b]0;pwned"), "a title change reached the terminal");
    assert!(!find(b"\x1b[2J\x1b[H"), "the response's clear-screen reached the terminal");
    assert!(!find("\u{9b}".as_bytes()), "a C1 control reached the terminal");
    assert!(!find("\u{202E}".as_bytes()), "a bidi override reached the terminal");
    assert!(find("␛]52;c;SGVsbG8=␇".as_bytes()), "the escaped sequence was not drawn");
    let store = Store::open(&path).unwrap();
    let labels = store
        .task_labels(
            "pty",
            &crossreview::model::TaskRef::Response {
                item_id: "casa/ja/long".into(),
                model: "verbose".into(),
            },
        )
        .unwrap();
    assert_eq!(labels.values.len(), 4, "{:?}", labels.values);
}
