//! The real binary in a pseudo-terminal (`tui_common::pty`), its screen read with vt100. Images
//! are off (`--image-protocol none`) so no terminal query is involved, except in the half-block
//! test.

mod tui_common;

use crossreview::model::TaskRef;
use crossreview::store::Store;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tui_common::pty::Tui;

const ROWS: u16 = 30;
const COLS: u16 = 100;

fn start(session: &Path, annotator: &str, extra: &[&str]) -> Tui {
    Tui::annotate(session, annotator, extra, ROWS, COLS)
}

fn session() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = tui_common::session(dir.path());
    (dir, path)
}

fn first_task() -> TaskRef {
    TaskRef::Response { item_id: "casa/ja/1".into(), model: "gpt-4o".into() }
}

#[test]
fn labelling_with_keys_reaches_the_store() {
    let (_dir, path) = session();
    let mut tui = start(&path, "eve", &[]);
    tui.wait_for("0/18 done");
    tui.keys("1101");
    tui.wait_for("1/18 done");
    tui.wait_for("saved casa/ja/1");
    tui.quit();
    let store = Store::open(&path).unwrap();
    let labels = store.task_labels("eve", &first_task()).unwrap();
    let got: Vec<(String, i64)> = labels.values.into_iter().collect();
    assert_eq!(
        got,
        vec![
            ("awareness".into(), 1),
            ("compliance".into(), 0),
            ("education".into(), 1),
            ("helpfulness".into(), 1)
        ]
    );
    // The same through the documented `labels` view.
    let n: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM labels WHERE annotator = 'eve' AND item_id = 'casa/ja/1' AND model = 'gpt-4o'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 4);
}

#[test]
fn undo_works_in_the_session_and_after_a_restart() {
    let (_dir, path) = session();
    let mut tui = start(&path, "uma", &[]);
    tui.wait_for("0/18 done");
    tui.keys("10");
    tui.wait_for("[0 no]");
    tui.keys("u");
    tui.wait_for("undone: education cleared");
    tui.quit();
    let store = Store::open(&path).unwrap();
    let labels = store.task_labels("uma", &first_task()).unwrap();
    assert_eq!(labels.values.into_iter().collect::<Vec<_>>(), vec![("awareness".to_string(), 1)]);
    drop(store);

    // A new run undoes what the previous one did.
    let mut tui = start(&path, "uma", &[]);
    tui.wait_for("0/18 done");
    tui.keys("u");
    tui.wait_for("undone: awareness cleared");
    tui.quit();
    let store = Store::open(&path).unwrap();
    assert!(store.task_labels("uma", &first_task()).unwrap().values.is_empty());
}

#[test]
fn quitting_restores_the_terminal() {
    let (_dir, path) = session();
    let mut tui = start(&path, "quinn", &[]);
    tui.wait_for("0/18 done");
    assert!(tui.alternate_screen(), "the TUI runs in the alternate screen");
    tui.quit();
    assert!(!tui.alternate_screen(), "still in the alternate screen after exit");
    let raw = tui.raw.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&raw);
    // Cursor shown again.
    assert!(text.rfind("\x1b[?25h") > text.rfind("\x1b[?25l"), "cursor left hidden");
}

#[test]
fn a_click_opens_a_task_and_the_mouse_is_given_back_on_quit() {
    let (_dir, path) = session();
    let mut tui = start(&path, "mo", &[]);
    tui.wait_for("0/18 done");
    assert!(tui.mouse_reporting(), "the TUI asks for mouse reports");
    assert!(!tui.cursor_shown(), "the TUI hides the cursor");
    // At 100x30 the task list's third row is screen row 3.
    tui.click(5, 3);
    tui.wait_for("tasks 3/18");
    tui.quit();
    assert!(!tui.mouse_reporting(), "mouse reporting left on after exit");

    // --no-mouse leaves the mouse to the terminal.
    let mut tui = start(&path, "mo", &["--no-mouse"]);
    tui.wait_for("0/18 done");
    assert!(!tui.mouse_reporting());
    tui.quit();
}

#[test]
fn a_panic_restores_the_terminal_and_keeps_labels() {
    let (_dir, path) = session();
    let p = path.to_str().unwrap();
    let args = ["annotate", p, "--annotator", "pat", "--image-protocol", "none"];
    let mut tui = Tui::spawn_env(&args, &[("CROSSREVIEW_TEST_PANIC_KEY", "!")], ROWS, COLS);
    tui.wait_for("0/18 done");
    tui.keys("1101");
    tui.wait_for("1/18 done");
    tui.keys("!");
    let status = tui.wait_exit();
    assert!(!status.success(), "a panic exits with failure");
    assert!(!tui.alternate_screen(), "still in the alternate screen after the panic");
    assert!(!tui.mouse_reporting(), "mouse reporting left on after the panic");
    assert!(tui.cursor_shown(), "cursor left hidden after the panic");
    assert!(tui.screen().contains("test panic"), "the panic message is shown:\n{}", tui.screen());
    let store = Store::open(&path).unwrap();
    assert_eq!(store.task_labels("pat", &first_task()).unwrap().values.len(), 4, "labels lost in the crash");
}

#[test]
fn sigterm_and_sighup_restore_the_terminal_and_keep_labels() {
    for signal in ["TERM", "HUP"] {
        let (_dir, path) = session();
        let mut tui = start(&path, "tess", &[]);
        tui.wait_for("0/18 done");
        tui.keys("1");
        tui.wait_for("[1 yes]");
        let pid = tui.child.process_id().unwrap();
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        tui.wait_exit();
        assert!(!tui.alternate_screen(), "SIG{signal}: still in the alternate screen");
        assert!(!tui.mouse_reporting(), "SIG{signal}: mouse reporting left on");
        assert!(tui.cursor_shown(), "SIG{signal}: cursor left hidden");
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.task_labels("tess", &first_task()).unwrap().values.get("awareness"),
            Some(&1),
            "SIG{signal}"
        );
    }
}

#[test]
fn escape_sequences_in_a_response_do_not_reach_the_terminal() {
    let (_dir, path) = session();
    let mut tui = start(&path, "esc", &[]);
    tui.wait_for("0/18 done");
    tui.keys("j");
    tui.wait_for("SGVsbG8");
    tui.wait_for("pwned");
    tui.quit();
    let raw = tui.raw.lock().unwrap().clone();
    let find = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
    assert!(!find(b"\x1b]52"), "OSC 52 reached the terminal");
    assert!(!find(b"\x1b]0;pwned"), "a title change reached the terminal");
    assert!(find("␛]52;c;SGVsbG8=␇".as_bytes()), "the placeholder was not drawn");
}

#[test]
fn filters_and_bad_filters() {
    let (_dir, path) = session();
    let mut tui = start(&path, "fil", &["--filter", "country=Japan", "--filter", "judge.compliance=0"]);
    tui.wait_for("0/1 done");
    tui.wait_for("llava");
    tui.quit();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crossreview"))
        .args(["annotate", path.to_str().unwrap(), "--annotator", "x", "--filter", "colour=red"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field"));
}

#[test]
fn halfblock_images_are_drawn_and_broken_ones_say_why() {
    let (_dir, path) = session();
    let mut tui = Tui::annotate_with(&path, "img", "halfblocks", &[], ROWS, COLS);
    tui.wait_for("0/18 done");
    // The fixture image is decoded on the worker thread and drawn with half-block characters.
    let start = Instant::now();
    loop {
        let s = tui.screen();
        if s.contains('▀') || s.contains('▄') {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no half-block image drawn:\n{s}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // casa/ar/4 points at a file that does not exist: a placeholder with the reason.
    tui.keys("jjjjjj");
    tui.wait_for("casa/ar/4");
    tui.wait_for("cannot open");
    tui.quit();
    assert!(!tui.alternate_screen());
}

#[test]
fn search_answers_from_its_worker_and_interrupt_quits_from_a_dialog() {
    let (dir, path) = session();
    let mut tui = start(&path, "sam", &[]);
    tui.wait_for("0/18 done");
    tui.keys("/lovely");
    tui.wait_for("1 match");
    // Ctrl-C inside the search dialog quits.
    tui.send(b"\x03");
    assert!(tui.wait_exit().success());
    assert!(!tui.alternate_screen());

    // Rebound in the keymap: F10 quits, Ctrl-C no longer does.
    let keymap = dir.path().join("keys.toml");
    std::fs::write(&keymap, "interrupt = \"F10\"\n").unwrap();
    let mut tui = start(&path, "sam", &["--keymap", keymap.to_str().unwrap()]);
    tui.wait_for("0/18 done");
    tui.keys("m");
    tui.wait_for("note");
    tui.send(b"\x03");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(tui.alternate_screen(), "Ctrl-C was rebound away");
    tui.send(b"\x1b[21~");
    assert!(tui.wait_exit().success());
}
