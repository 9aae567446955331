//! The commands around the session: demo, status, show, merge.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

fn cr() -> Command {
    Command::cargo_bin("crossreview").unwrap()
}

/// Runs `demo` (not a terminal: it prepares the session and prints its status) in `dir`.
fn demo_in(dir: &Path) {
    cr().current_dir(dir).arg("demo").assert().success().stdout(predicate::str::contains("items       12"));
}

#[test]
fn demo_creates_the_session_from_any_folder() {
    let dir = tempfile::tempdir().unwrap();
    demo_in(dir.path());
    assert!(dir.path().join("sessions/demo.db").is_file());
    assert!(dir.path().join("sessions/demo/images/alarm_clock.png").is_file());
    // A second run reuses the session.
    demo_in(dir.path());
}

#[test]
fn status_json_has_the_spec_keys() {
    let dir = tempfile::tempdir().unwrap();
    demo_in(dir.path());
    let out = cr().current_dir(dir.path()).args(["status", "sessions/demo.db", "--json"]).output().unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["items"], 12);
    assert_eq!(v["responses"], 33);
    assert_eq!(v["pairs"], 6);
    assert_eq!(v["tasks"], 39);
    assert_eq!(v["dimensions"], serde_json::json!(["awareness", "education", "compliance", "helpfulness"]));
    assert!(v["annotators"].is_object());
}

#[test]
fn show_prints_the_item_and_says_where_the_image_is_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    demo_in(dir.path());
    cr().current_dir(dir.path())
        .args(["show", "sessions/demo.db", "demo/zh/China_1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("China"))
        .stdout(predicate::str::contains("gpt-4o"))
        .stdout(predicate::str::contains("alarm_clock.png (not shown: standard output is not a terminal)"));
    cr().current_dir(dir.path())
        .args(["show", "sessions/demo.db", "nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no item with id \"nope\""));
}

#[test]
fn annotate_that_cannot_start_registers_no_annotator() {
    let dir = tempfile::tempdir().unwrap();
    demo_in(dir.path());
    let annotators = || -> Vec<String> {
        let out =
            cr().current_dir(dir.path()).args(["status", "sessions/demo.db", "--json"]).output().unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["annotators"].as_object().unwrap().keys().cloned().collect()
    };
    let before = annotators();
    // No terminal here (output is captured): the UI cannot start.
    cr().current_dir(dir.path())
        .args(["annotate", "sessions/demo.db", "--annotator", "ghost"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot start the terminal UI"));
    cr().current_dir(dir.path())
        .args(["annotate", "sessions/demo.db", "--annotator", "judge-of-all", "--mode", "adjudicate"])
        .assert()
        .code(1);
    // Nor does a command line refused before the UI.
    cr().current_dir(dir.path())
        .args(["annotate", "sessions/demo.db", "--annotator", "typo", "--filter", "colour=red"])
        .assert()
        .code(2);
    assert_eq!(annotators(), before);
    assert!(!before.iter().any(|a| ["ghost", "judge-of-all", "typo"].contains(&a.as_str())), "{before:?}");
}

#[test]
fn status_on_a_file_that_is_not_a_session_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.db");
    std::fs::write(&f, "not sqlite").unwrap();
    cr().args(["status"])
        .arg(&f)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a crossreview session"));
    cr().args(["status"])
        .arg(dir.path().join("missing.db"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("crossreview init"));
    assert_eq!(std::fs::read(&f).unwrap(), b"not sqlite");
}

#[test]
fn merge_on_the_command_line_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    demo_in(dir.path());
    let a = dir.path().join("a.db");
    cr().args(["init"]).arg(&a).assert().success();
    let merge = || cr().arg("merge").arg(&a).arg(dir.path().join("sessions/demo.db")).assert().success();
    merge().stdout(predicate::str::contains("12 items added"));
    merge().stdout(predicate::str::contains("0 new label events, 0 items added"));
    cr().arg("merge").arg(&a).arg(&a).assert().code(1).stderr(predicate::str::contains("target itself"));
}

#[test]
fn bad_command_lines_exit_2() {
    cr().args(["status"]).assert().code(2);
    cr().args(["export", "x.db", "--format", "nope", "--out", "-"]).assert().code(2);
}

#[test]
fn cross_judge_output_in_the_release_shape_imports() {
    // The judge script of the CROSS release copies query, violated_norm and model_response into
    // `evaluation`; those copies must not make the file invalid.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest");
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s.db");
    cr().arg("init").arg(&s).assert().success();
    cr().arg("import")
        .arg(&s)
        .arg(fixtures.join("release_shape/results_gpt-4o_r1.json"))
        .arg(fixtures.join("results_qwen2-vl-7b_r1.json"))
        .arg("--images-dir")
        .arg(fixtures.join("images"))
        .assert()
        .success();
    let out = cr().args(["status", "--json"]).arg(&s).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["items"], 4, "both models' files merge into the same items");
    assert_eq!(v["responses"], 8);
}

#[test]
fn status_reports_pair_validity_flip_rate_and_side_bias() {
    use crossreview::model::{TaskRef, Verdict};
    use crossreview::store::{NewEvent, Store, field};
    let dir = tempfile::tempdir().unwrap();
    demo_in(dir.path());
    let path = dir.path().join("sessions/demo.db");
    let mut store = Store::open(&path).unwrap();
    let pairs = store.pairs().unwrap();
    for who in ["amira", "ben"] {
        for (k, p) in pairs.iter().enumerate() {
            let task = TaskRef::Pair { pair_id: p.id.clone() };
            let ev = |f: &str, value: Option<i64>, text: Option<&str>| NewEvent {
                annotator: who.into(),
                task: task.clone(),
                field: f.into(),
                value,
                text: text.map(str::to_string),
                seconds: 2.0,
                judge_visible: true,
            };
            store
                .record(&ev(
                    field::ORDER,
                    None,
                    Some(if k % 2 == 0 { "chosen_left" } else { "chosen_right" }),
                ))
                .unwrap();
            let v = if k == 2 { Verdict::Flip } else { Verdict::Agree };
            store.record(&ev(field::VERDICT, Some(v.code()), None)).unwrap();
        }
    }
    drop(store);
    let out = cr().args(["status", "--json"]).arg(&path).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ps = &v["pair_stats"];
    assert_eq!(ps["overall"]["verdicts"]["agree"], 10, "{ps}");
    assert_eq!(ps["overall"]["verdicts"]["flip"], 2);
    assert!((ps["overall"]["validity_rate"].as_f64().unwrap() - 10.0 / 12.0).abs() < 1e-12);
    assert_eq!(ps["side_bias"]["amira"]["decisive"], 6);
    assert!(ps["verdict_agreement"]["percent_agreement"].as_f64().unwrap() > 0.99);
    assert_eq!(v["annotators"]["amira"]["pairs_done"], 6);
    cr().arg("status").arg(&path).assert().success().stdout(predicate::str::contains("side bias"));
}
