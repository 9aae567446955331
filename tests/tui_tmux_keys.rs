//! No key is lost to the terminal probe in tmux, with the default image protocol: tmux passes
//! the probe's questions on to an outer terminal, and a detached server has none, so nothing
//! answers; a reader left behind by the probe used to eat the first key.
//!
//! Needs tmux. Without it the tests pass with "skipped: tmux not installed", except under
//! CI=true, where they fail.

mod tui_common;

use crossreview::model::TaskRef;
use crossreview::store::Store;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A private tmux server (own socket, no configuration) running one program; killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// `program` in a detached 120x40 session, or None (the test skipped) without tmux.
    fn start(program: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "tmux is needed in CI but not installed");
            println!("skipped: tmux not installed");
            return None;
        }
        let socket = format!("crossreview-keys-{}-{:?}", std::process::id(), std::thread::current().id())
            .replace(['(', ')'], "");
        let tmux = Tmux { socket };
        let out = tmux.run(&["new-session", "-d", "-x", "120", "-y", "40", program]);
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        tmux.run(&["set-option", "-g", "remain-on-exit", "on"]);
        Some(tmux)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8")
            .env_remove("TMUX")
            .output()
            .expect("running tmux")
    }

    /// Types `keys` literally.
    fn send(&self, keys: &str) {
        assert!(self.run(&["send-keys", "-l", keys]).status.success());
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p"]).stdout).into_owned()
    }

    fn wait_for(&self, what: &str) {
        let start = Instant::now();
        while !self.screen().contains(what) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what:?}; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the program has exited.
    fn wait_exit(&self) {
        let start = Instant::now();
        while self.run(&["display-message", "-p", "#{pane_dead}"]).stdout.trim_ascii() != b"1" {
            assert!(start.elapsed() < Duration::from_secs(20), "the TUI did not exit:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

fn annotate(session: &Path, annotator: &str) -> String {
    format!(
        "'{}' annotate '{}' --annotator {annotator}",
        env!("CARGO_BIN_EXE_crossreview"),
        session.display()
    )
}

fn values(session: &Path, annotator: &str) -> Vec<(String, i64)> {
    let task = TaskRef::Response { item_id: "casa/ja/1".into(), model: "gpt-4o".into() };
    let store = Store::open(session).unwrap();
    store.task_labels(annotator, &task).unwrap().values.into_iter().collect()
}

#[test]
fn the_first_key_after_start_is_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = tui_common::session(dir.path());
    let started = Instant::now();
    let Some(tmux) = Tmux::start(&annotate(&path, "tim")) else { return };
    tmux.wait_for("0/18 done");
    // The probe has given up on its answers by now.
    std::thread::sleep(Duration::from_secs(3).saturating_sub(started.elapsed()));
    tmux.send("1");
    tmux.wait_for("[1 yes]");
    tmux.send("0");
    tmux.wait_for("[0 no]");
    tmux.send("q");
    tmux.wait_exit();
    assert_eq!(values(&path, "tim"), vec![("awareness".into(), 1), ("education".into(), 0)]);
}

#[test]
fn a_key_typed_during_the_probe_is_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = tui_common::session(dir.path());
    let Some(tmux) = Tmux::start(&annotate(&path, "tia")) else { return };
    tmux.send("1");
    tmux.wait_for("[1 yes]");
    tmux.send("q");
    tmux.wait_exit();
    assert_eq!(values(&path, "tia"), vec![("awareness".into(), 1)]);
}
