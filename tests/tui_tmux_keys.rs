//! No key is lost to the terminal probe in tmux, with the default image protocol: tmux passes
//! the probe's questions on to an outer terminal, and a detached server has none, so nothing
//! answers; a reader left behind by the probe used to eat the first key.
//!
//! Needs tmux. Without it the tests pass with "skipped: tmux not installed", except under
//! CI=true, where they fail.

mod tmux_common;
mod tui_common;

use crossreview::model::TaskRef;
use crossreview::store::Store;
use std::path::Path;
use std::time::{Duration, Instant};
use tmux_common::Tmux;

/// `annotate` on `session` as `annotator`, in a 120x40 tmux session named `t`.
fn annotate(tmux: &Tmux, session: &Path, annotator: &str) {
    let dir = session.parent().expect("session folder");
    let args = ["annotate", session.to_str().expect("utf-8 path"), "--annotator", annotator];
    tmux.spawn("t", dir, 120, 40, env!("CARGO_BIN_EXE_crossreview"), &args);
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
    let Some(tmux) = Tmux::start() else { return };
    let started = Instant::now();
    annotate(&tmux, &path, "tim");
    tmux.wait_for("t", "0/18 done");
    // The probe has given up on its answers by now.
    std::thread::sleep(Duration::from_secs(3).saturating_sub(started.elapsed()));
    tmux.send_keys("t", &["1"]);
    tmux.wait_for("t", "[1 yes]");
    tmux.send_keys("t", &["0"]);
    tmux.wait_for("t", "[0 no]");
    tmux.send_keys("t", &["q"]);
    tmux.wait_exit("t");
    assert_eq!(values(&path, "tim"), vec![("awareness".into(), 1), ("education".into(), 0)]);
}

#[test]
fn a_key_typed_during_the_probe_is_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = tui_common::session(dir.path());
    let Some(tmux) = Tmux::start() else { return };
    annotate(&tmux, &path, "tia");
    tmux.send_keys("t", &["1"]);
    tmux.wait_for("t", "[1 yes]");
    tmux.send_keys("t", &["q"]);
    tmux.wait_exit("t");
    assert_eq!(values(&path, "tia"), vec![("awareness".into(), 1)]);
}
