//! `crossreview agreement` (on `--ratings` files and on sessions) and `crossreview report`,
//! through the binary.

use assert_cmd::Command;
use crossreview::model::{Item, Response, TaskRef};
use crossreview::rng::SplitMix64;
use crossreview::schema::Schema;
use crossreview::store::{NewEvent, Store};
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iaa-golden").join(name)
}

fn bin() -> Command {
    Command::cargo_bin("crossreview").unwrap()
}

fn json_out(args: &[&str]) -> Value {
    let out = bin().args(args).assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)))
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-9)
}

// ---------------------------------------------------------------------------------------------
// --ratings

#[test]
fn ratings_json_reference_file() {
    let f = fixture("krippendorff_2011_canonical.json");
    let out = json_out(&["agreement", "--ratings", f.to_str().unwrap(), "--json"]);
    assert_eq!(out["n_items"], 12);
    assert_eq!(out["n_raters"], 4);
    assert_eq!(out["n_ratings"], 41);
    assert_eq!(out["level"], "interval");
    assert_eq!(out["categories"], serde_json::json!([1, 2, 3, 4, 5]));
    assert!(close(&out["krippendorff_alpha_nominal"], 0.743421052631579));
    assert!(close(&out["krippendorff_alpha_ordinal"], 0.8153875037548814));
    assert!(close(&out["krippendorff_alpha_interval"], 0.8491071428571428));
    assert!(out.get("krippendorff_alpha_ratio").is_none(), "ratio does not apply at the interval level");
    assert!(close(&out["fleiss_kappa"], 0.761169275422411));
    assert!(close(&out["gwet_ac1"], 0.775444068126995));
    assert!(close(&out["pairwise"]["A|B"]["cohen_kappa"], 0.8448275862068966));
    assert_eq!(out["pairwise"]["A|B"]["n_items"], 9);
    assert!(out.get("cohen_kappa").is_none(), "Cohen's kappa is per pair with more than two raters");
    // --level overrides the file's level.
    let ratio = json_out(&["agreement", "--ratings", f.to_str().unwrap(), "--level", "ratio", "--json"]);
    assert!(close(&ratio["krippendorff_alpha_ratio"], 0.7974027747116121));
    let nominal = json_out(&["agreement", "--ratings", f.to_str().unwrap(), "--level", "nominal", "--json"]);
    assert!(nominal.get("krippendorff_alpha_ordinal").is_none());
    assert!(nominal.get("gwet_ac2_linear").is_none());
    assert!(nominal["pairwise"]["A|B"].get("cohen_kappa_linear").is_none());
}

#[test]
fn ratings_two_raters_have_cohen_and_confusion() {
    let f = fixture("sklearn_weighted_kappa_example.json");
    let out = json_out(&["agreement", "--ratings", f.to_str().unwrap(), "--json"]);
    assert!(close(&out["cohen_kappa"], 0.9315068493150684));
    assert!(close(&out["cohen_kappa_linear"], 0.9411764705882353));
    assert!(close(&out["cohen_kappa_quadratic"], 0.9541284403669725));
    assert!(close(&out["scott_pi"], 0.9314128943758573));
    assert_eq!(out["confusion_matrix"], serde_json::json!([[46, 0, 0], [4, 40, 0], [0, 0, 10]]));
    assert!(out.get("pairwise").is_none());
}

#[test]
fn negative_categories_are_values_not_flags() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.csv");
    std::fs::write(&p, "ann,bo\n-1,-1\n2,3\n3,3\n-1,2\n").unwrap();
    let path = p.to_str().unwrap();
    let out =
        json_out(&["agreement", "--ratings", path, "--categories", "-1,2,3", "--level", "ordinal", "--json"]);
    assert_eq!(out["categories"], serde_json::json!([-1, 2, 3]));
    assert_eq!(out["n_ratings"], 8);
    // A flag where the list belongs is not taken for a category.
    bin()
        .args(["agreement", "--ratings", path, "--categories", "--json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--categories: \"--json\" is not a category"));
}

#[test]
fn ratings_csv_with_item_column_and_missing_cells() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.csv");
    std::fs::write(&p, "item,ann,bo,cy\ni1,low,low,\ni2,high,high,high\ni3,mid,low,mid\ni4,low,,low\n")
        .unwrap();
    let out = json_out(&[
        "agreement",
        "--ratings",
        p.to_str().unwrap(),
        "--categories",
        "low,mid,high",
        "--level",
        "ordinal",
        "--json",
    ]);
    assert_eq!(out["categories"], serde_json::json!(["low", "mid", "high"]));
    assert_eq!(out["n_items"], 4);
    assert_eq!(out["n_ratings"], 10);
    assert!(out["krippendorff_alpha_ordinal"].is_number());
    assert!(out["pairwise"]["bo|cy"]["n_items"] == 2);
    // Without --categories the order is that of first appearance, and weighted statistics
    // change with it.
    let plain = json_out(&["agreement", "--ratings", p.to_str().unwrap(), "--level", "ordinal", "--json"]);
    assert_eq!(plain["categories"], serde_json::json!(["low", "high", "mid"]));
    assert_ne!(plain["krippendorff_alpha_ordinal"], out["krippendorff_alpha_ordinal"]);
    assert_eq!(plain["krippendorff_alpha_nominal"], out["krippendorff_alpha_nominal"]);
}

#[test]
fn ratings_text_output_is_a_table() {
    let f = fixture("fleiss_1971_diagnoses.json");
    bin()
        .args(["agreement", "--ratings", f.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("Fleiss' kappa                   0.4302"))
        .stdout(predicate::str::contains("6 raters, 30 items"))
        .stdout(predicate::str::contains("rater1|rater2"));
}

#[test]
fn ratings_bootstrap_is_seeded() {
    let f = fixture("synthetic_binary_3x500_missing10.json");
    let run = |seed: &str| {
        json_out(&[
            "agreement",
            "--ratings",
            f.to_str().unwrap(),
            "--bootstrap",
            "500",
            "--seed",
            seed,
            "--json",
        ])
    };
    let a = run("7");
    let b = run("7");
    let c = run("8");
    let ci = &a["krippendorff_alpha_nominal_ci95"];
    assert_eq!(ci, &b["krippendorff_alpha_nominal_ci95"]);
    assert_ne!(ci, &c["krippendorff_alpha_nominal_ci95"]);
    let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
    assert!((lo - 0.4190).abs() < 0.02 && (hi - 0.5574).abs() < 0.02, "{ci}");
}

/// At the interval and ratio levels the weighted coefficients weigh disagreements by the
/// distance between the categories' values, at the ordinal level by the distance between their
/// ranks (Gwet). Reference values: irrCAC 0.4.4 (Python), `CAC(df, weights=…, categories=…)`,
/// `.gwet()` for AC2 and `.conger()` for two raters' weighted kappa, 12 digits.
#[test]
fn ratings_weights_follow_the_values_at_interval_level_and_the_ranks_at_ordinal() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("spaced.csv");
    std::fs::write(&p, "A,B\n1,2\n2,2\n5,1\n").unwrap();
    let at =
        |level: &str| json_out(&["agreement", "--ratings", p.to_str().unwrap(), "--level", level, "--json"]);
    let near = |v: &Value, want: f64| (v.as_f64().unwrap() - want).abs() < 1e-9;
    for level in ["interval", "ratio"] {
        let out = at(level);
        // irrCAC, categories [1, 2, 5]: weights 1 − |k − l| / 4 and 1 − (k − l)² / 16.
        assert!(near(&out["gwet_ac2_linear"], 0.150943396226), "{level}: {}", out["gwet_ac2_linear"]);
        assert!(near(&out["gwet_ac2_quadratic"], 0.145251396648), "{level}: {}", out["gwet_ac2_quadratic"]);
        assert!(near(&out["cohen_kappa_linear"], -0.153846153846), "{level}: {}", out["cohen_kappa_linear"]);
        assert!(near(&out["cohen_kappa_quadratic"], -0.378378378378), "{level}");
    }
    // Ordinal: ranks 1, 2, 3 (irrCAC with the categories recoded to ranks).
    let out = at("ordinal");
    assert!(near(&out["gwet_ac2_linear"], -0.018867924528), "{}", out["gwet_ac2_linear"]);
    assert!(near(&out["gwet_ac2_quadratic"], -0.071428571429));
    assert!(near(&out["cohen_kappa_linear"], -0.285714285714));
    assert!(near(&out["cohen_kappa_quadratic"], -0.666666666667));
}

#[test]
fn ratings_three_raters_without_a_shared_item_say_so_for_every_pair() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("apart.csv");
    std::fs::write(&p, "a,b,c\n1,,\n,0,\n,,1\n").unwrap();
    let out = json_out(&["agreement", "--ratings", p.to_str().unwrap(), "--json"]);
    assert!(out["light_kappa"].is_null());
    let notes = out["notes"].to_string();
    assert!(notes.contains("no two raters have an item in common"), "{notes}");
    assert!(!notes.contains("light_kappa is null: the two raters"), "{notes}");
}

#[test]
fn ratings_degenerate_data_gives_null_with_notes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("same.csv");
    std::fs::write(&p, "a,b\nyes,yes\nyes,yes\nyes,\n").unwrap();
    let out = json_out(&["agreement", "--ratings", p.to_str().unwrap(), "--json"]);
    assert!(out["krippendorff_alpha_nominal"].is_null());
    assert!(out["cohen_kappa"].is_null());
    assert_eq!(out["percent_agreement"], 1.0);
    let notes = out["notes"].to_string();
    assert!(notes.contains("single category"), "{notes}");
    // One rater: nothing to compare, still exit 0.
    std::fs::write(&p, "a\n1\n2\n").unwrap();
    let out = json_out(&["agreement", "--ratings", p.to_str().unwrap(), "--json"]);
    assert!(out["fleiss_kappa"].is_null() && out["light_kappa"].is_null());
    assert!(out["notes"].to_string().contains("one rater"));
}

#[test]
fn ratings_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.csv");
    std::fs::write(&p, "a,b\n1,2\n1\n").unwrap();
    bin()
        .args(["agreement", "--ratings", p.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.csv:3: 1 cells, but the header has 2 columns"));
    std::fs::write(&p, "a,b\n1,2\n3,4\n").unwrap();
    bin()
        .args(["agreement", "--ratings", p.to_str().unwrap(), "--categories", "1,2,3"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.csv:3:3: \"4\" is not one of the categories 1, 2, 3"));
    let text = dir.path().join("t.csv");
    std::fs::write(&text, "a,b\nx,y\n").unwrap();
    bin()
        .args(["agreement", "--ratings", text.to_str().unwrap(), "--level", "interval"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs numeric categories"));
    bin()
        .args(["agreement", "--ratings", dir.path().join("nope.csv").to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nope.csv: cannot read"));
    bin().args(["agreement", "--ratings", text.to_str().unwrap(), "--judge"]).assert().code(2);
    bin().args(["agreement", "--ratings", text.to_str().unwrap(), "--bootstrap", "0"]).assert().code(2);
    bin().args(["agreement"]).assert().code(2);
}

// ---------------------------------------------------------------------------------------------
// Sessions

const MODELS: [&str; 3] = ["gpt-4o", "llava", "qwen"];
const COUNTRIES: [&str; 2] = ["Japan", "Egypt"];

/// 12 items × 3 models; judge scores on every response; ann and bo label every response of the
/// first 8 items, cy the first 4; labels follow the judge with seeded noise.
fn make_session(dir: &Path) -> PathBuf {
    let path = dir.join("s.db");
    let mut store = Store::create(&path, &Schema::cross_eval(), false).unwrap();
    let mut rng = SplitMix64::new(5);
    let dims = ["awareness", "education", "compliance", "helpfulness"];
    let items: Vec<Item> = (0..12)
        .map(|i| Item {
            id: format!("casa/en/{i}"),
            query: format!("query {i}"),
            country: Some(COUNTRIES[i % 2].to_string()),
            language: Some("en".into()),
            responses: MODELS
                .iter()
                .map(|m| Response {
                    model: m.to_string(),
                    text: "…".into(),
                    judge: dims.iter().map(|d| (d.to_string(), (rng.below(3) > 0) as i64)).collect(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    store
        .import(|imp| {
            for it in &items {
                imp.upsert_item(it)?;
            }
            Ok(())
        })
        .unwrap();
    for (i, it) in items.iter().enumerate() {
        for r in &it.responses {
            for (ann, limit) in [("ann", 8), ("bo", 8), ("cy", 4)] {
                if i >= limit {
                    continue;
                }
                for d in dims {
                    let judge = r.judge[d];
                    let v = if rng.below(5) == 0 { 1 - judge } else { judge };
                    store
                        .record(&NewEvent {
                            annotator: ann.into(),
                            task: TaskRef::Response { item_id: it.id.clone(), model: r.model.clone() },
                            field: d.into(),
                            value: Some(v),
                            text: None,
                            seconds: 1.0,
                            judge_visible: false,
                        })
                        .unwrap();
                }
            }
        }
    }
    path
}

#[test]
fn session_agreement_per_dimension_with_judge_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let s = make_session(dir.path());
    let s = s.to_str().unwrap();
    let out = json_out(&["agreement", s, "--judge", "--by", "country", "--json"]);
    let dims = out["dimensions"].as_object().unwrap();
    assert_eq!(dims.keys().collect::<Vec<_>>(), ["awareness", "education", "compliance", "helpfulness"]);
    let aw = &out["dimensions"]["awareness"];
    let h = &aw["humans"];
    assert_eq!(h["n_items"], 24);
    assert_eq!(h["n_raters"], 3);
    assert_eq!(h["n_ratings"], 24 + 24 + 12);
    assert_eq!(h["categories"], serde_json::json!([0, 1]));
    assert_eq!(h["level"], "nominal");
    assert!(h["krippendorff_alpha_nominal"].is_number());
    assert!(h["pairwise"]["ann|bo"]["n_items"] == 24);
    assert!(h["pairwise"]["ann|cy"]["n_items"] == 12);
    let j = &aw["judge"];
    for k in ["n", "accuracy", "cohen_kappa", "confusion_matrix"] {
        assert!(j.get(k).is_some(), "judge.{k}");
    }
    let cm: Vec<Vec<u64>> = serde_json::from_value(j["confusion_matrix"].clone()).unwrap();
    let total: u64 = cm.iter().flatten().sum();
    assert_eq!(total, j["n"].as_u64().unwrap());
    let ties = j["ties_left_out"].as_u64().unwrap();
    assert_eq!(total + ties, 24, "every labelled response is compared or a tie");
    assert_eq!(j["as_rater"]["n_raters"], 4);
    let by = aw["by"]["country"].as_object().unwrap();
    assert_eq!(by.keys().collect::<Vec<_>>(), ["Egypt", "Japan"]);
    let groups_items: u64 = by.values().map(|g| g["humans"]["n_items"].as_u64().unwrap()).sum();
    assert_eq!(groups_items, 24);
    assert!(by["Japan"]["judge"]["n"].is_number());

    // --dimension restricts; an unknown one is a usage error.
    let one = json_out(&["agreement", s, "--dimension", "compliance", "--json"]);
    assert_eq!(one["dimensions"].as_object().unwrap().len(), 1);
    assert!(one["dimensions"]["compliance"].get("judge").is_none());
    bin()
        .args(["agreement", s, "--dimension", "fluency"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such dimension"));
    bin().args(["agreement", s, "--level", "ordinal"]).assert().code(2);

    // Text output.
    bin()
        .args(["agreement", s, "--judge", "--by", "model"])
        .assert()
        .success()
        .stdout(predicate::str::contains("== awareness (nominal) =="))
        .stdout(predicate::str::contains("judge vs human majority"))
        .stdout(predicate::str::contains("by model"));
}

#[test]
fn session_agreement_matches_the_same_table_through_ratings() {
    // The session path and the --ratings path give the same numbers for the same labels.
    let dir = tempfile::tempdir().unwrap();
    let s = make_session(dir.path());
    let out = json_out(&["agreement", s.to_str().unwrap(), "--dimension", "education", "--json"]);
    let store = Store::open(&s).unwrap();
    let responses = store.response_index().unwrap();
    let labels = store.current_labels().unwrap();
    let mut csv = String::from("item,ann,bo,cy\n");
    for r in &responses {
        let get = |a: &str| {
            labels
                .iter()
                .find(|l| {
                    l.annotator == a
                        && l.field == "education"
                        && l.task
                            == TaskRef::Response {
                                item_id: r.item_id.to_string(),
                                model: r.model.to_string(),
                            }
                })
                .and_then(|l| l.value)
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        let row = [get("ann"), get("bo"), get("cy")];
        if row.iter().any(|c| !c.is_empty()) {
            csv.push_str(&format!("{}|{},{}\n", r.item_id, r.model, row.join(",")));
        }
    }
    let p = dir.path().join("edu.csv");
    std::fs::write(&p, csv).unwrap();
    let table = json_out(&["agreement", "--ratings", p.to_str().unwrap(), "--json"]);
    let h = &out["dimensions"]["education"]["humans"];
    for k in [
        "n_items",
        "n_ratings",
        "percent_agreement",
        "krippendorff_alpha_nominal",
        "fleiss_kappa",
        "gwet_ac1",
        "light_kappa",
    ] {
        assert_eq!(h[k], table[k], "{k}");
    }
}

#[test]
fn report_shares_per_model() {
    let dir = tempfile::tempdir().unwrap();
    let s = make_session(dir.path());
    let s = s.to_str().unwrap();
    let out = json_out(&["report", s, "--json"]);
    assert_eq!(out["by"], "model");
    let groups = out["groups"].as_object().unwrap();
    assert_eq!(groups.keys().collect::<Vec<_>>(), MODELS);
    let g = &groups["gpt-4o"];
    assert_eq!(g["responses"], 12);
    let aw = &g["dimensions"]["awareness"];
    assert_eq!(aw["judge"]["n"], 12);
    assert_eq!(aw["humans"]["n"], 8);
    assert_eq!(aw["humans"]["labels"], 8 + 8 + 4);
    let share = aw["judge"]["share_1"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&share));
    assert!(aw["agreement"]["accuracy"].is_number());
    assert!(aw["agreement"].get("krippendorff_alpha_nominal").is_some());
    assert_eq!(out["overall"]["responses"], 36);
    // The judge's share over all responses is the mean of what the store holds.
    let store = Store::open(Path::new(s)).unwrap();
    let resp = store.response_index().unwrap();
    let ones = resp.iter().filter(|r| &*r.model == "gpt-4o" && r.judge_value("awareness") == Some(1)).count();
    assert!((share - ones as f64 / 12.0).abs() < 1e-12);

    let by_country = json_out(&["report", s, "--by", "country", "--json"]);
    assert_eq!(by_country["groups"].as_object().unwrap().keys().collect::<Vec<_>>(), ["Egypt", "Japan"]);
    bin()
        .args(["report", s])
        .assert()
        .success()
        .stdout(predicate::str::contains("CROSS results by model"))
        .stdout(predicate::str::contains("gpt-4o"))
        .stdout(predicate::str::contains("helpfulness"));
}

#[test]
fn session_without_labels_reports_nulls_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    Store::create(&path, &Schema::cross_eval(), false).unwrap();
    let out = json_out(&["agreement", path.to_str().unwrap(), "--judge", "--json"]);
    let h = &out["dimensions"]["awareness"]["humans"];
    assert_eq!(h["n_items"], 0);
    assert!(h["krippendorff_alpha_nominal"].is_null());
    assert!(out["dimensions"]["awareness"]["judge"]["accuracy"].is_null());
    bin().args(["report", path.to_str().unwrap()]).assert().success();
    bin().args(["agreement", dir.path().join("missing.db").to_str().unwrap()]).assert().code(1);
}

fn record(store: &mut Store, annotator: &str, task: TaskRef, field: &str, value: i64) {
    store
        .record(&NewEvent {
            annotator: annotator.into(),
            task,
            field: field.into(),
            value: Some(value),
            text: None,
            seconds: 1.0,
            judge_visible: true,
        })
        .unwrap();
}

#[test]
fn pair_verdicts_are_agreed_on_as_a_nominal_dimension() {
    use crossreview::model::{Pair, Verdict};
    let dir = tempfile::tempdir().unwrap();
    let path = make_session(dir.path());
    let mut store = Store::open(&path).unwrap();
    store
        .import(|imp| {
            for i in 0..4 {
                imp.upsert_pair(&Pair {
                    id: format!("p{i}"),
                    prompt: "q".into(),
                    chosen: "a".into(),
                    rejected: "b".into(),
                    images: vec![],
                    item_id: None,
                    meta: Default::default(),
                })?;
            }
            Ok(())
        })
        .unwrap();
    let verdicts = [
        [Verdict::Agree, Verdict::Agree],
        [Verdict::Flip, Verdict::Flip],
        [Verdict::Agree, Verdict::Tie],
        [Verdict::BothBad, Verdict::BothBad],
    ];
    for (i, [a, b]) in verdicts.iter().enumerate() {
        let task = || TaskRef::Pair { pair_id: format!("p{i}") };
        record(&mut store, "ann", task(), "verdict", a.code());
        record(&mut store, "bo", task(), "verdict", b.code());
    }
    drop(store);
    let s = path.to_str().unwrap();
    let out = json_out(&["agreement", s, "--json"]);
    let v = &out["dimensions"]["verdict"]["humans"];
    assert_eq!(v["categories"], serde_json::json!(["agree", "flip", "tie", "both_bad", "unsure"]));
    assert_eq!(v["n_items"], 4);
    assert_eq!(v["percent_agreement"], 0.75);
    assert_eq!(v["confusion_matrix"][0], serde_json::json!([1, 0, 1, 0, 0]));
    let only = json_out(&["agreement", s, "--dimension", "verdict", "--judge", "--by", "model", "--json"]);
    let dims = only["dimensions"].as_object().unwrap();
    assert_eq!(dims.keys().collect::<Vec<_>>(), ["verdict"]);
    assert!(dims["verdict"].get("judge").is_none() && dims["verdict"].get("by").is_none());
}

#[test]
fn ordinal_schema_gets_weighted_statistics_and_means_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let schema = Schema::from_toml(
        "name = \"fluency\"\n[[dimension]]\nname = \"fluency\"\nquestion = \"How fluent?\"\nlevel = \"ordinal\"\nvalues = [1, 2, 3, 4, 5]\n",
        "schema.toml",
    )
    .unwrap();
    let path = dir.path().join("o.db");
    let mut store = Store::create(&path, &schema, false).unwrap();
    store
        .import(|imp| {
            for i in 0..6 {
                imp.upsert_item(&Item {
                    id: format!("i{i}"),
                    query: "q".into(),
                    responses: vec![Response {
                        model: "m".into(),
                        text: "t".into(),
                        judge: [("fluency".to_string(), 1 + (i % 5) as i64)].into_iter().collect(),
                        ..Default::default()
                    }],
                    ..Default::default()
                })?;
            }
            Ok(())
        })
        .unwrap();
    let a = [1, 2, 3, 4, 5, 5];
    let b = [1, 3, 3, 4, 4, 5];
    for i in 0..6 {
        let task = || TaskRef::Response { item_id: format!("i{i}"), model: "m".into() };
        record(&mut store, "ann", task(), "fluency", a[i]);
        record(&mut store, "bo", task(), "fluency", b[i]);
    }
    drop(store);
    let s = path.to_str().unwrap();
    let out = json_out(&["agreement", s, "--judge", "--bootstrap", "200", "--json"]);
    let h = &out["dimensions"]["fluency"]["humans"];
    assert_eq!(h["level"], "ordinal");
    assert_eq!(h["categories"], serde_json::json!([1, 2, 3, 4, 5]));
    assert!(h["krippendorff_alpha_ordinal"].is_number());
    assert!(h["cohen_kappa_quadratic"].is_number());
    assert!(h["gwet_ac2_linear"].is_number());
    assert!(h["krippendorff_alpha_ordinal_ci95"].is_array());
    // The same table through --ratings gives the same statistics.
    let csv: String = std::iter::once("ann,bo\n".to_string())
        .chain((0..6).map(|i| format!("{},{}\n", a[i], b[i])))
        .collect();
    let p = dir.path().join("f.csv");
    std::fs::write(&p, csv).unwrap();
    let t = json_out(&[
        "agreement",
        "--ratings",
        p.to_str().unwrap(),
        "--categories",
        "1,2,3,4,5",
        "--level",
        "ordinal",
        "--json",
    ]);
    for k in [
        "krippendorff_alpha_ordinal",
        "cohen_kappa_linear",
        "cohen_kappa_quadratic",
        "gwet_ac2_quadratic",
        "confusion_matrix",
    ] {
        assert_eq!(h[k], t[k], "{k}");
    }
    let report = json_out(&["report", s, "--json"]);
    let f = &report["groups"]["m"]["dimensions"]["fluency"];
    assert!((f["humans"]["mean"].as_f64().unwrap() - (20.0 + 20.0) / 12.0).abs() < 1e-12);
    assert!((f["judge"]["mean"].as_f64().unwrap() - (1 + 2 + 3 + 4 + 5 + 1) as f64 / 6.0).abs() < 1e-12);
    assert!(f["judge"].get("share_1").is_none());
    assert!(f["agreement"]["krippendorff_alpha_ordinal"].is_number());
}
