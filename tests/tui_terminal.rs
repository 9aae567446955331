//! The terminal around the TUI, in a pseudo-terminal (`tui_common::pty`): the image probe with
//! the default `--image-protocol auto` loses no key, whether the terminal answers nothing (the
//! bare PTY: vt100 answers no query) or everything (the test answers like kitty); and the bidi
//! mode is explicit while the TUI runs and implicit again on every way out.

mod tui_common;

use crossreview::model::TaskRef;
use crossreview::store::Store;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tui_common::pty::Tui;

const ROWS: u16 = 30;
const COLS: u16 = 100;
const BIDI_EXPLICIT: &str = "\x1b[8l";
const BIDI_IMPLICIT: &str = "\x1b[8h";

fn session() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = tui_common::session(dir.path());
    (dir, path)
}

/// `annotate` with the default image protocol, outside tmux whatever runs the tests.
fn start_auto(session: &Path, annotator: &str, env: &[(&str, &str)]) -> Tui {
    let args = ["annotate", session.to_str().unwrap(), "--annotator", annotator];
    let mut env = env.to_vec();
    env.extend([("TERM_PROGRAM", ""), ("TMUX", "")]);
    Tui::spawn_env(&args, &env, ROWS, COLS)
}

fn values(session: &Path, annotator: &str) -> Vec<(String, i64)> {
    let task = TaskRef::Response { item_id: "casa/ja/1".into(), model: "gpt-4o".into() };
    let store = Store::open(session).unwrap();
    store.task_labels(annotator, &task).unwrap().values.into_iter().collect()
}

fn raw(tui: &Tui) -> String {
    String::from_utf8_lossy(&tui.raw.lock().unwrap()).into_owned()
}

fn wait_for_raw(tui: &Tui, what: &str) {
    let start = Instant::now();
    while !raw(tui).contains(what) {
        assert!(start.elapsed() < Duration::from_secs(20), "the program never wrote {what:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_terminal_that_answers_nothing_loses_no_key() {
    // One key typed while the probe waits for answers that never come, one after it gave up.
    let (_dir, path) = session();
    let mut tui = start_auto(&path, "nora", &[]);
    wait_for_raw(&tui, "\x1b[5n");
    tui.keys("1");
    tui.wait_for("0/18 done");
    tui.keys("0");
    tui.wait_for("[0 no]");
    tui.quit();
    assert_eq!(values(&path, "nora"), vec![("awareness".into(), 1), ("education".into(), 0)]);
}

#[test]
fn a_terminal_that_answers_everything_loses_no_key() {
    // Answers like an old kitty, with keys typed before, among and right after the answers.
    let (_dir, path) = session();
    let mut tui = start_auto(&path, "abe", &[]);
    wait_for_raw(&tui, "\x1b[5n");
    let mut answers = b"1".to_vec();
    answers.extend_from_slice(b"\x1b_Gi=31;OK\x1b\\0\x1b[?62;4;22c\x1b[6;20;10t");
    answers.extend_from_slice(b"\x1bP>|kitty(0.26.5)\x1b\\\x1b[0n1");
    tui.send(&answers);
    tui.wait_for("0/18 done");
    // The version answer was read: this kitty is too old for the images as drawn here, so the
    // image is drawn with half-blocks.
    tui.wait_for("▄▄▄▄");
    tui.keys("1");
    tui.wait_for("1/18 done");
    tui.quit();
    let expected = [("awareness", 1), ("compliance", 1), ("education", 0), ("helpfulness", 1)];
    assert_eq!(values(&path, "abe"), expected.map(|(k, v)| (k.to_string(), v)).to_vec());
}

#[test]
fn answers_that_come_after_the_probe_gave_up_are_not_read_as_keys() {
    // A slow link: kitty's answers arrive once the TUI runs. `Gi=31;OK` and `kitty(0.26.5)`
    // hold label keys; none of them may count, the key typed after them must.
    let (_dir, path) = session();
    let mut tui = start_auto(&path, "lou", &[]);
    tui.wait_for("0/18 done");
    tui.send(b"\x1b_Gi=31;OK\x1b\\\x1b[?62;4;22c\x1b[6;20;10t\x1bP>|kitty(0.26.5)\x1b\\\x1b[0n");
    std::thread::sleep(Duration::from_millis(600));
    tui.keys("0");
    tui.wait_for("[0 no]");
    tui.quit();
    assert_eq!(values(&path, "lou"), vec![("awareness".into(), 0)]);
}

#[test]
fn sigterm_during_the_probe_restores_the_terminal() {
    let (_dir, path) = session();
    let mut tui = start_auto(&path, "sid", &[]);
    wait_for_raw(&tui, "\x1b[5n");
    let pid = tui.child.process_id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    tui.wait_exit();
    assert!(!tui.alternate_screen(), "still in the alternate screen");
    assert!(tui.cursor_shown(), "cursor left hidden");
}

/// The bidi mode switched to explicit once the terminal is set up, and back to implicit after.
fn assert_bidi_given_back(tui: &Tui, how: &str) {
    let text = raw(tui);
    let explicit = text.find(BIDI_EXPLICIT).unwrap_or_else(|| panic!("{how}: bidi never made explicit"));
    let implicit = text.rfind(BIDI_IMPLICIT).unwrap_or_else(|| panic!("{how}: bidi not given back"));
    assert!(implicit > explicit, "{how}: bidi made explicit again after it was given back");
    assert!(text.rfind(BIDI_EXPLICIT) < Some(implicit), "{how}: bidi left explicit");
}

#[test]
fn bidi_is_explicit_while_running_and_given_back_on_quit() {
    let (_dir, path) = session();
    let mut tui = Tui::annotate_with(&path, "bea", "halfblocks", &[], ROWS, COLS);
    tui.wait_for("0/18 done");
    assert!(raw(&tui).contains(BIDI_EXPLICIT), "bidi not explicit while the TUI runs");
    assert!(!raw(&tui).contains(BIDI_IMPLICIT), "bidi given back too early");
    // The full-screen image view keeps the modes.
    tui.keys("z");
    tui.wait_for("any key returns");
    tui.keys(" ");
    tui.wait_for("0/18 done");
    assert!(!raw(&tui).contains(BIDI_IMPLICIT), "the image view gave bidi back");
    assert!(tui.mouse_reporting(), "the image view gave the mouse back");
    tui.quit();
    assert_bidi_given_back(&tui, "quit");

    // --no-mouse changes nothing for bidi.
    let mut tui = Tui::annotate(&path, "bea", &["--no-mouse"], ROWS, COLS);
    tui.wait_for("0/18 done");
    tui.quit();
    assert_bidi_given_back(&tui, "quit with --no-mouse");
}

#[test]
fn bidi_is_given_back_after_signals_and_a_panic() {
    let (_dir, path) = session();
    for signal in ["TERM", "HUP"] {
        let mut tui = Tui::annotate(&path, "sig", &[], ROWS, COLS);
        tui.wait_for("0/18 done");
        let pid = tui.child.process_id().unwrap();
        let status =
            std::process::Command::new("kill").args([&format!("-{signal}"), &pid.to_string()]).status();
        assert!(status.unwrap().success());
        tui.wait_exit();
        assert_bidi_given_back(&tui, &format!("SIG{signal}"));
    }
    let p = path.to_str().unwrap();
    let args = ["annotate", p, "--annotator", "pan", "--image-protocol", "none"];
    let mut tui = Tui::spawn_env(&args, &[("CROSSREVIEW_TEST_PANIC_KEY", "!")], ROWS, COLS);
    tui.wait_for("0/18 done");
    tui.keys("!");
    assert!(!tui.wait_exit().success(), "a panic exits with failure");
    assert_bidi_given_back(&tui, "panic");
}

#[test]
fn show_finishes_in_a_terminal_that_answers_nothing() {
    // `show` draws the image with viuer, whose own kitty query waits for an answer forever.
    let (_dir, path) = session();
    let args = ["show", path.to_str().unwrap(), "casa/ja/1"];
    let mut tui = Tui::spawn_env(&args, &[("TERM_PROGRAM", ""), ("TMUX", "")], ROWS, COLS);
    assert!(tui.wait_exit().success(), "show failed:\n{}", tui.screen());
    assert!(raw(&tui).contains("norm"), "the item is printed");
    assert!(tui.screen().contains("▄▄▄▄"), "the image is drawn in half-blocks:\n{}", tui.screen());
}
