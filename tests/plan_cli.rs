//! `crossreview plan`, through the binary, on a session built here: ten responses in Japanese
//! and five in Thai, every one scored 1 by the judge; two annotators decided four Japanese ones.

use assert_cmd::Command;
use crossreview::agreement::plan::Precision;
use crossreview::annotate::AnnotateArgs;
use crossreview::imaging::ImageProtocol;
use crossreview::model::{GroupBy, Item, Response, TaskRef};
use crossreview::schema::Schema;
use crossreview::session_stats::labelling_plan::LabellingPlan;
use crossreview::store::{NewEvent, Store};
use crossreview::tui::app::initial_state;
use crossreview::tui::keymap::Keymap;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const DIMENSIONS: [&str; 4] = ["awareness", "education", "compliance", "helpfulness"];

fn bin() -> Command {
    Command::cargo_bin("crossreview").unwrap()
}

fn session(dir: &Path) -> PathBuf {
    let path = dir.join("plan.db");
    let mut store = Store::create(&path, &Schema::cross_eval(), false).unwrap();
    store
        .import(|imp| {
            for i in 0..15 {
                let language = if i < 10 { "ja" } else { "th" };
                imp.upsert_item(&Item {
                    id: format!("q{i:02}"),
                    query: format!("A question about custom number {i}"),
                    language: Some(language.into()),
                    responses: vec![Response {
                        model: "m1".into(),
                        text: format!("An answer to question {i}"),
                        judge: DIMENSIONS.iter().map(|d| (d.to_string(), 1)).collect(),
                        ..Default::default()
                    }],
                    ..Default::default()
                })?;
            }
            Ok(())
        })
        .unwrap();
    // The judge (always 1) is right on three of the four decided responses.
    for (i, value) in [1, 1, 1, 0].into_iter().enumerate() {
        for annotator in ["aiko", "ken"] {
            for dim in DIMENSIONS {
                store
                    .record(&NewEvent {
                        annotator: annotator.into(),
                        task: TaskRef::Response { item_id: format!("q{i:02}"), model: "m1".into() },
                        field: dim.into(),
                        value: Some(value),
                        text: None,
                        seconds: 2.0,
                        judge_visible: true,
                    })
                    .unwrap();
            }
        }
    }
    // A tie on q04 (undecided), which aiko has labelled completely.
    for (annotator, value) in [("aiko", 1), ("ken", 0)] {
        for dim in DIMENSIONS {
            store
                .record(&NewEvent {
                    annotator: annotator.into(),
                    task: TaskRef::Response { item_id: "q04".into(), model: "m1".into() },
                    field: dim.into(),
                    value: Some(value),
                    text: None,
                    seconds: 2.0,
                    judge_visible: true,
                })
                .unwrap();
        }
    }
    path
}

fn json_out(args: &[&str]) -> Value {
    let out = bin().args(args).assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)))
}

#[test]
fn plan_json_per_dimension_and_stratum() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    let out = json_out(&["plan", s.to_str().unwrap(), "--margin", "0.2", "--by", "language", "--json"]);
    assert_eq!(out["margin"], 0.2);
    assert_eq!(out["confidence"], 0.95);
    assert_eq!(out["by"], "language");
    assert_eq!(out["judges"], serde_json::json!(["judge"]));
    // n₀ = 1.96²·¼/0.2² = 24.01; 10 responses: 24.01·10/33.01 = 7.3 → 8; 5: 4.3 → 5.
    let ja = &out["dimensions"]["compliance"]["ja"];
    assert_eq!(ja["population"], 10);
    assert_eq!(ja["decided"], 4);
    assert_eq!(ja["needed"], 8);
    assert_eq!(ja["to_label"], 4);
    assert_eq!(ja["enough"], false);
    // 3 of 4 right: the Wilson interval (0.30, 0.95) holds 1/2, so 1/2 is still assumed.
    let judge = &ja["judges"]["judge"];
    assert_eq!(judge["basis"], "observed");
    assert_eq!(judge["compared"], 4);
    assert_eq!(judge["assumed_accuracy"], 0.5);
    let ci = judge["accuracy_ci"].as_array().unwrap();
    assert!((ci[0].as_f64().unwrap() - 0.3006).abs() < 1e-3, "{ci:?}");
    let th = &out["dimensions"]["awareness"]["th"];
    assert_eq!(
        (th["population"].as_u64(), th["needed"].as_u64(), th["to_label"].as_u64()),
        (Some(5), Some(5), Some(5))
    );
    assert_eq!(th["judges"]["judge"]["basis"], "worst_case");
    assert!(th["judges"]["judge"].get("accuracy_ci").is_none());
    assert_eq!(out["strata"]["ja"], serde_json::json!({"population": 10, "undecided": 6, "to_label": 4}));
    assert_eq!(out["strata"]["th"]["to_label"], 5);
    assert_eq!(out["to_label"], 9);
    // Without --by: one stratum, `all`, of fifteen (24.01·15/38.01 = 9.5 → 10; 4 decided).
    let all = json_out(&["plan", s.to_str().unwrap(), "--margin", "0.2", "--json"]);
    assert_eq!(all["by"], Value::Null);
    assert_eq!(all["dimensions"]["education"]["all"]["needed"], 10);
    assert_eq!(all["to_label"], 6);
}

#[test]
fn plan_text_names_the_strata_still_short() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    bin()
        .args(["plan", s.to_str().unwrap(), "--margin", "0.2", "--by", "language"])
        .assert()
        .success()
        .stdout(predicate::str::contains("within ±0.2 at 95% confidence"))
        .stdout(predicate::str::contains("judges: judge"))
        .stdout(predicate::str::contains("To label: 9 responses (ja 4, th 5)"))
        .stdout(predicate::str::contains("judge 0.50 (3/4 right)"));
    // A margin wide enough for the four decided responses: enough.
    bin()
        .args(["plan", s.to_str().unwrap(), "--margin", "0.9"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Enough labels"));
}

#[test]
fn bad_margin_or_confidence_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    let s = s.to_str().unwrap();
    for (args, says) in [
        (vec!["--margin", "0"], "--margin: margin 0 must be between 0 and 1"),
        (vec!["--margin", "5"], "--margin: margin 5 must be between 0 and 1"),
        (vec!["--margin", "-0.1"], "--margin: margin -0.1 must be between 0 and 1"),
        (vec!["--confidence", "95"], "--confidence: confidence 95 must be between 0 and 1"),
        (vec!["--margin", "five"], "invalid value 'five'"),
    ] {
        let mut cmd = bin();
        cmd.arg("plan").arg(s).args(&args);
        cmd.assert().code(2).stderr(predicate::str::contains(says));
    }
    bin()
        .args(["plan", &format!("{s}.missing")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing"));
}

// ---------------------------------------------------------------------------------------------
// annotate --plan

fn queue_of(session: &Path, annotator: &str, margin: f64, seed: u64) -> Vec<(String, String)> {
    let store = Store::open(session).unwrap();
    let args = AnnotateArgs {
        plan: true,
        margin,
        by: Some(GroupBy::Language),
        seed: Some(seed),
        image_protocol: ImageProtocol::None,
        ..AnnotateArgs::new(session.to_path_buf(), annotator)
    };
    let state = initial_state(&store, &args, &Keymap::default(), "none").unwrap();
    let q = &state.queue;
    q.order.iter().map(|&i| (q.tasks[i].item_id.to_string(), q.tasks[i].model.to_string())).collect()
}

#[test]
fn annotate_plan_serves_exactly_the_planned_sample() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    let store = Store::open_read_only(&s).unwrap();
    let plan = LabellingPlan::of_session(&store, Precision::new(0.2, 0.95).unwrap(), Some(GroupBy::Language))
        .unwrap();
    let queue = queue_of(&s, "miwa", 0.2, 11);
    assert_eq!(queue, plan.sample(11));
    assert_eq!(queue.len(), 9, "ja 4 and th 5");
    let ja = queue.iter().filter(|(id, _)| id.as_str() < "q10").count();
    assert_eq!(ja, 4);
    assert!(
        queue.iter().all(|(id, _)| !["q00", "q01", "q02", "q03"].contains(&id.as_str())),
        "only undecided"
    );
    assert_eq!(queue_of(&s, "miwa", 0.2, 11), queue, "one seed, one queue");
    assert!((0..20).any(|seed| queue_of(&s, "miwa", 0.2, seed) != queue), "the seed chooses");
}

#[test]
fn annotate_plan_serves_what_the_annotator_has_not_labelled_first() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    // A margin this narrow takes every undecided response, q04 (the tie) among them.
    let plan = LabellingPlan::of_session(
        &Store::open_read_only(&s).unwrap(),
        Precision::new(0.05, 0.95).unwrap(),
        Some(GroupBy::Language),
    )
    .unwrap();
    let sample = plan.sample(3);
    assert_eq!(sample.len(), 11);
    let q04 = ("q04".to_string(), "m1".to_string());
    // Miwa has labelled nothing: the sample as it is. Aiko and Ken finished q04 (their tie):
    // it comes last for them, the rest in the sample's order.
    assert_eq!(queue_of(&s, "miwa", 0.05, 3), sample);
    assert_ne!(sample.last(), Some(&q04), "seed 3 does not put q04 last by itself");
    let aiko = queue_of(&s, "aiko", 0.05, 3);
    assert_eq!(aiko, queue_of(&s, "ken", 0.05, 3));
    assert_eq!(aiko.last(), Some(&q04));
    let mut rest = sample.clone();
    rest.retain(|k| k != &q04);
    assert_eq!(aiko[..10], rest[..]);
}

#[test]
fn annotate_plan_arguments_are_checked_before_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    let s = s.to_str().unwrap();
    for (args, says) in [
        (vec!["--plan", "--margin", "1.5"], "--margin: margin 1.5 must be between 0 and 1"),
        (vec!["--plan", "--confidence", "0"], "--confidence: confidence 0 must be between 0 and 1"),
        (vec!["--margin", "0.1"], "--plan"),
        (vec!["--plan", "--filter", "unlabelled"], "cannot be used with"),
        (vec!["--plan", "--sample", "3", "--seed", "1"], "cannot be used with"),
        (vec!["--plan", "--mode", "pairs"], "--plan serves responses"),
    ] {
        let mut cmd = bin();
        cmd.args(["annotate", s, "--annotator", "ken"]).args(&args);
        cmd.assert().code(2).stderr(predicate::str::contains(says));
    }
}
