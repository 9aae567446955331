//! `crossreview export`: every format against reviewed snapshots, the verdict mapping under both
//! display orders, the selection rules, image paths, determinism, atomic writing, exit codes.

mod export_fixture;

use assert_cmd::Command;
use export_fixture::{Fixture, build, redact_times};
use serde_json::Value;
use std::path::Path;

fn export(fx: &Fixture, args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("crossreview")
        .unwrap()
        .current_dir(fx.dir.path())
        .arg("export")
        .arg(&fx.session)
        .args(args)
        .assert()
}

fn export_to(fx: &Fixture, format: &str, extra: &[&str]) -> String {
    let out = fx.path("out/export.data");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let mut args = vec!["--format", format, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    export(fx, &args).success();
    std::fs::read_to_string(&out).unwrap()
}

fn rows(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).expect("every line is JSON")).collect()
}

/// The text of a completion, standard (a string) or conversational (one assistant message).
fn text_of(v: &Value) -> &str {
    v.as_str().or_else(|| v[0]["content"].as_str()).expect("a completion")
}

fn by_pair<'a>(rows: &'a [Value], id: &str) -> Vec<&'a Value> {
    rows.iter().filter(|r| r["meta"]["pair_id"] == id).collect()
}

#[test]
fn snapshots_of_every_format() {
    let fx = build();
    for format in ["labels-jsonl", "labels-csv", "gold-jsonl", "dpo-trl", "dpo-openai", "kto"] {
        let text = export_to(&fx, format, &[]);
        insta::assert_snapshot!(format!("export_{format}"), redact_times(&text));
    }
}

#[test]
fn verdicts_map_to_chosen_and_rejected_under_both_display_orders() {
    let fx = build();
    let dpo = rows(&export_to(&fx, "dpo-trl", &[]));
    // p-agree: ann saw chosen left and picked left, bob saw it right and picked right.
    let agree = by_pair(&dpo, "p-agree");
    assert_eq!(agree.len(), 1);
    assert_eq!(text_of(&agree[0]["chosen"]), "good answer to p-agree");
    assert_eq!(text_of(&agree[0]["rejected"]), "bad answer to p-agree");
    assert_eq!(agree[0]["meta"]["verdicts"], serde_json::json!(["agree", "agree"]));
    // p-flip: both picked the rejected response (ann: shown left, bob: shown right): swapped.
    let flip = by_pair(&dpo, "p-flip");
    assert_eq!(flip.len(), 1);
    assert_eq!(flip[0]["meta"]["verdicts"], serde_json::json!(["flip", "flip"]));
    assert_eq!(flip[0]["meta"]["swapped"], true);
    assert_eq!(
        flip[0]["chosen"],
        serde_json::json!([{"role": "assistant", "content": "bad answer to p-flip"}])
    );
    assert_eq!(
        flip[0]["rejected"],
        serde_json::json!([{"role": "assistant", "content": "good answer to p-flip"}])
    );
    // tie, both_bad, unsure, the split and the unjudged pair are left out; the single verdict kept.
    let ids: Vec<&str> = dpo.iter().map(|r| r["meta"]["pair_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["p-agree", "p-flip", "p-single"]);

    let kto = rows(&export_to(&fx, "kto", &[]));
    let labels = |id: &str| -> Vec<(String, bool)> {
        by_pair(&kto, id)
            .iter()
            .map(|r| (text_of(&r["completion"]).to_string(), r["label"].as_bool().unwrap()))
            .collect()
    };
    assert_eq!(
        labels("p-agree"),
        [("good answer to p-agree".into(), true), ("bad answer to p-agree".into(), false)]
    );
    assert_eq!(labels("p-flip").iter().map(|x| x.1).collect::<Vec<_>>(), [false, true]);
    assert_eq!(labels("p-bothbad").iter().map(|x| x.1).collect::<Vec<_>>(), [false, false]);
    assert_eq!(labels("p-tie").iter().map(|x| x.1).collect::<Vec<_>>(), [true, true]);
    assert!(labels("p-unsure").is_empty() && labels("p-split").is_empty());

    let openai = rows(&export_to(&fx, "dpo-openai", &[]));
    let f = openai.iter().find(|r| r["meta"]["pair_id"] == "p-flip").unwrap();
    assert_eq!(f["preferred_output"][0]["content"], "bad answer to p-flip");
    assert_eq!(f["non_preferred_output"][0]["content"], "good answer to p-flip");
}

#[test]
fn min_annotators_and_annotator_filter() {
    let fx = build();
    let two = rows(&export_to(&fx, "dpo-trl", &["--min-annotators", "2"]));
    let ids: Vec<&str> = two.iter().map(|r| r["meta"]["pair_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["p-agree", "p-flip"], "p-single has one annotator");

    let bob = rows(&export_to(&fx, "dpo-trl", &["--annotator", "bob"]));
    let ids: Vec<&str> = bob.iter().map(|r| r["meta"]["pair_id"].as_str().unwrap()).collect();
    // bob alone: p-split becomes a flip (he picked the rejected one), p-single has no verdict.
    assert_eq!(ids, ["p-agree", "p-flip", "p-split"]);
    assert!(bob.iter().all(|r| r["meta"]["annotators"] == serde_json::json!(["bob"])));

    let labels = rows(&export_to(&fx, "labels-jsonl", &["--annotator", "ann"]));
    assert!(!labels.is_empty() && labels.iter().all(|r| r["annotator"] == "ann"));

    let gold = rows(&export_to(&fx, "gold-jsonl", &["--min-annotators", "2"]));
    assert!(gold.iter().all(|r| r["meta"]["annotators"].as_array().unwrap().len() >= 2));
    let decided: Vec<(&str, &str)> =
        gold.iter().map(|r| (r["dimension"].as_str().unwrap(), r["decided_by"].as_str().unwrap())).collect();
    // Japan_1/gpt-4o: ann 1,1,1,0 vs bob 1,0,1,0 -> education is a tie, left out.
    assert_eq!(
        decided,
        [("awareness", "unanimous"), ("compliance", "unanimous"), ("helpfulness", "unanimous")]
    );
}

#[test]
fn unknown_annotator_and_bad_min_annotators_are_refused() {
    let fx = build();
    let out = fx.path("x.jsonl");
    export(&fx, &["--format", "dpo-trl", "--out", out.to_str().unwrap(), "--annotator", "carol"])
        .code(1)
        .stderr(predicates::str::contains("carol").and(predicates::str::contains("ann, bob")));
    export(&fx, &["--format", "dpo-trl", "--out", out.to_str().unwrap(), "--min-annotators", "0"]).code(2);
    assert!(!out.exists());
    Command::cargo_bin("crossreview")
        .unwrap()
        .args(["export", "missing.db", "--format", "kto", "--out", "-"])
        .current_dir(fx.dir.path())
        .assert()
        .code(1)
        .stderr(predicates::str::contains("no such session"));
}

use predicates::prelude::PredicateBooleanExt;

#[test]
fn image_paths_relative_absolute_and_urls() {
    let fx = build();
    let rel = rows(&export_to(&fx, "dpo-trl", &[]));
    let images: Vec<&Value> = rel.iter().map(|r| &r["images"]).collect();
    // The output is in out/: images/ and sessions/local/ are one folder up.
    assert_eq!(images[0], &serde_json::json!(["../images/slippers.png"]));
    assert_eq!(images[1], &serde_json::json!(["../sessions/local/clock.png"]));
    assert_eq!(images[2], &serde_json::json!(["https://example.org/fan.png"]));
    for r in &rel {
        for i in r["images"].as_array().unwrap() {
            let i = i.as_str().unwrap();
            if !i.starts_with("https://") {
                assert!(fx.path("out").join(i).is_file(), "{i} resolves from the output's folder");
            }
        }
    }
    let abs = rows(&export_to(&fx, "dpo-trl", &["--absolute-paths"]));
    let first = abs[0]["images"][0].as_str().unwrap();
    assert!(Path::new(first).is_absolute() && Path::new(first).is_file(), "{first}");
    assert_eq!(abs[2]["images"][0], "https://example.org/fan.png");

    // OpenAI: local files embedded as data URLs, URLs kept; --image-paths writes references.
    let openai = rows(&export_to(&fx, "dpo-openai", &[]));
    let url = |r: &Value| -> String {
        let content = r["input"]["messages"][0]["content"].as_array().unwrap().clone();
        content.iter().find(|p| p["type"] == "image_url").unwrap()["image_url"]["url"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(url(&openai[0]).starts_with("data:image/png;base64,iVBORw0KGgo"));
    assert_eq!(url(&openai[2]), "https://example.org/fan.png");
    let paths = rows(&export_to(&fx, "dpo-openai", &["--image-paths"]));
    assert_eq!(url(&paths[0]), "../images/slippers.png");
}

#[test]
fn stdout_matches_the_file_and_exports_are_deterministic() {
    let fx = build();
    for format in ["labels-csv", "gold-jsonl", "kto"] {
        let a = export_to(&fx, format, &[]);
        let b = export_to(&fx, format, &[]);
        assert_eq!(a, b, "{format}: two exports of one session are identical");
        // Standard output: image paths relative to the current folder (the fixture's root).
        let out = export(&fx, &["--format", format, "--out", "-", "--absolute-paths"]).success();
        let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        let file = export_to(&fx, format, &["--absolute-paths"]);
        assert_eq!(stdout, file, "{format}");
    }
    let out = export(&fx, &["--format", "dpo-trl", "--out", "-"]).success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("\"images\":[\"images/slippers.png\"]"), "{stdout}");
}

#[test]
fn a_failed_export_leaves_the_previous_file_and_no_partial_file() {
    let fx = build();
    let out = fx.path("out/openai.jsonl");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::write(&out, "previous export\n").unwrap();
    // The first pair's image disappears: embedding it fails half-way through the export.
    std::fs::remove_file(fx.path("images/slippers.png")).unwrap();
    export(&fx, &["--format", "dpo-openai", "--out", out.to_str().unwrap()])
        .code(1)
        .stderr(predicates::str::contains("slippers.png").and(predicates::str::contains("--image-paths")));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous export\n");
    let names: Vec<String> = std::fs::read_dir(fx.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["openai.jsonl"], "no temporary file left behind");
}

#[test]
fn summary_says_what_was_left_out() {
    let fx = build();
    let out = fx.path("dpo.jsonl");
    export(&fx, &["--format", "dpo-trl", "--out", out.to_str().unwrap()]).success().stderr(
        predicates::str::contains("3 rows written")
            .and(predicates::str::contains("5 pairs left out"))
            .and(predicates::str::contains("majority verdict both_bad: 1"))
            .and(predicates::str::contains("no majority verdict: 1"))
            .and(predicates::str::contains("no verdict yet: 1")),
    );
}
