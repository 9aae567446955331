//! A work folder for tests that run the real binary from the command line, and a label event
//! for tests that write labels straight into a session.
#![allow(dead_code)]

use assert_cmd::Command;
use crossreview::model::TaskRef;
use crossreview::store::NewEvent;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A temporary folder the binary runs in, so that messages show the short file names.
pub struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    pub fn new() -> Work {
        Work { dir: tempfile::tempdir().unwrap() }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    /// Writes `name` (its folders too) in the work folder.
    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, content).unwrap();
    }
    /// The binary, run in the work folder.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("crossreview").unwrap();
        c.current_dir(self.dir.path()).args(args);
        c
    }
    /// The JSON a successful run prints.
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.cmd(args).assert().success().get_output().stdout.clone();
        serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)))
    }
}

/// The rows of each query (one text column each) on `session`, a line per row and one after
/// each query: what a command changed, as text to compare.
pub fn query_text(session: &Path, queries: &[&str]) -> String {
    let conn = rusqlite::Connection::open(session).unwrap();
    let mut out = String::new();
    for sql in queries {
        let rows: Vec<String> =
            conn.prepare(sql).unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        out.push_str(&rows.join("\n"));
        out.push('\n');
    }
    out
}

/// `annotator`'s value `value` on `field` of model `model`'s response to `item_id`, seen with the
/// judge's scores, after a second.
pub fn label(annotator: &str, item_id: &str, model: &str, field: &str, value: i64) -> NewEvent {
    NewEvent {
        annotator: annotator.into(),
        task: TaskRef::Response { item_id: item_id.into(), model: model.into() },
        field: field.into(),
        value: Some(value),
        text: None,
        seconds: 1.0,
        judge_visible: true,
    }
}
