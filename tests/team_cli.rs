//! Team workflow through the binary: pair statistics in `report`, gold items from
//! `import --gold`, and adjudicated pair verdicts in the exports.

use assert_cmd::Command;
use crossreview::model::{TaskRef, Verdict};
use crossreview::store::{NewEvent, Store, field};
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn cr() -> Command {
    Command::cargo_bin("crossreview").unwrap()
}

/// The demo session under `dir` (not a terminal: `demo` only prepares it).
fn demo_in(dir: &Path) -> PathBuf {
    cr().current_dir(dir).arg("demo").assert().success();
    dir.join("sessions/demo.db")
}

fn json_of(args: &[&str], session: &Path) -> Value {
    let out =
        cr().args(&args[..1]).arg(session).args(&args[1..]).assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)))
}

fn pair_event(
    who: &str,
    pair_id: &str,
    f: &str,
    value: Option<i64>,
    text: Option<&str>,
    seconds: f64,
) -> NewEvent {
    NewEvent {
        annotator: who.into(),
        task: TaskRef::Pair { pair_id: pair_id.into() },
        field: f.into(),
        value,
        text: text.map(str::to_string),
        seconds,
        judge_visible: true,
    }
}

/// amira and ben give a verdict on every demo pair: both agree on all but the third (ben
/// flips it), amira always sees the chosen response on the left, ben on the right.
fn verdicts_on_demo_pairs(path: &Path) {
    let mut store = Store::open(path).unwrap();
    let pairs = store.pairs().unwrap();
    for (who, order) in [("amira", "chosen_left"), ("ben", "chosen_right")] {
        for (k, p) in pairs.iter().enumerate() {
            store.record(&pair_event(who, &p.id, field::ORDER, None, Some(order), 3.0)).unwrap();
            let v = if k == 2 && who == "ben" { Verdict::Flip } else { Verdict::Agree };
            store.record(&pair_event(who, &p.id, field::VERDICT, Some(v.code()), None, 3.0)).unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// report: pair statistics

#[test]
fn report_shows_pair_statistics_in_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_in(dir.path());
    verdicts_on_demo_pairs(&path);

    let j = json_of(&["report", "--json"], &path);
    let p = &j["pairs"];
    assert_eq!(p["group_by"], "model", "{p}");
    assert_eq!(p["overall"]["pairs"], 6);
    assert_eq!(p["overall"]["verdicts"]["agree"], 11);
    assert_eq!(p["overall"]["verdicts"]["flip"], 1);
    assert!((p["overall"]["validity_rate"].as_f64().unwrap() - 11.0 / 12.0).abs() < 1e-12);
    assert!((p["overall"]["flip_rate"].as_f64().unwrap() - 1.0 / 12.0).abs() < 1e-12);
    assert_eq!(p["overall"]["no_majority"], 1, "p-demo-03 splits agree/flip");
    // Grouped by the pair's chosen model: gpt-4o chose in p-demo-01, 02 and 04.
    assert_eq!(p["by"]["gpt-4o"]["pairs"], 3, "{p}");
    assert_eq!(p["by"]["llava-1.6-34b"]["verdicts"]["flip"], 1);
    // amira always picked the left response (chosen on the left, agree); ben the left once (flip
    // with the chosen on the right) and the right five times.
    assert_eq!(p["side_bias"]["amira"]["left"], 6);
    assert!((p["side_bias"]["amira"]["p_value"].as_f64().unwrap() - 2.0 / 64.0).abs() < 1e-12);
    assert_eq!(p["side_bias"]["ben"]["left"], 1);
    assert_eq!(p["verdict_agreement"]["n_items"], 6);
    assert!((p["verdict_agreement"]["percent_agreement"].as_f64().unwrap() - 5.0 / 6.0).abs() < 1e-12);
    // The same fields as `status` shows.
    let s = json_of(&["status", "--json"], &path);
    assert_eq!(s["pair_stats"], *p);

    // `--by country` groups pairs by their item's country.
    let j = json_of(&["report", "--by", "country", "--json"], &path);
    assert_eq!(j["pairs"]["group_by"], "country");
    assert_eq!(j["pairs"]["by"]["Saudi Arabia"]["verdicts"]["flip"], 1, "{}", j["pairs"]);

    let out = cr().arg("report").arg(&path).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    let section = &text[text.find("\npairs: validity").expect(&text)..];
    assert!(section.contains("  model           pairs  verdicts  validity    flip\n  gpt-4o              3         6    100.0%    0.0%\n"), "{section}");
    assert!(section.contains("  llava-1.6-34b       2         4     75.0%   25.0%\n"), "{section}");
    assert!(section.contains("  all                 6        12     91.7%    8.3%\n"), "{section}");
    assert!(section.contains("agreement on verdicts: Krippendorff's alpha (nominal)"), "{section}");
    assert!(section.contains("amira  100.0% of 6     p = 0.031"), "{section}");
    assert!(section.contains("ben     16.7% of 6     p = 0.219"), "{section}");
    // After the responses table and its legend.
    assert!(text.find("judge/humans: n =").unwrap() < text.find("\npairs: validity").unwrap());
}

#[test]
fn report_without_pair_verdicts_has_no_pairs_section() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_in(dir.path());
    let j = json_of(&["report", "--json"], &path);
    assert!(j.get("pairs").is_none(), "{j}");
    cr().arg("report")
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("judge/humans"))
        .stdout(predicate::str::contains("pairs: validity").not())
        .stdout(predicate::str::contains("side bias").not());
}

// ---------------------------------------------------------------------------------------------
// import --gold

fn response_event(who: &str, item: &str, model: &str, dim: &str, value: i64) -> NewEvent {
    NewEvent {
        annotator: who.into(),
        task: TaskRef::Response { item_id: item.into(), model: model.into() },
        field: dim.into(),
        value: Some(value),
        text: None,
        seconds: 5.0,
        judge_visible: false,
    }
}

const REGULAR: &str = r#"{"id": "r/1", "query": "q1", "responses": [{"model": "m", "text": "t", "judge": {"awareness": 1, "education": 1, "compliance": 1, "helpfulness": 1}}]}
"#;

const GOLD: &str = r#"{"id": "g/judge", "query": "q2", "responses": [{"model": "m", "text": "t", "judge": {"awareness": 1, "education": 0, "compliance": 1, "helpfulness": 0}}, {"model": "n", "text": "u"}]}
{"id": "g/meta", "query": "q3", "meta": {"gold": {"m": {"awareness": 0, "compliance": 0}}}, "responses": [{"model": "m", "text": "t", "judge": {"awareness": 1, "education": 1, "compliance": 1, "helpfulness": 1}}]}
"#;

#[test]
fn import_gold_makes_known_answers_from_judge_scores_or_meta_gold() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s.db");
    std::fs::write(dir.path().join("regular.jsonl"), REGULAR).unwrap();
    std::fs::write(dir.path().join("gold.jsonl"), GOLD).unwrap();
    cr().arg("init").arg(&s).assert().success();
    cr().arg("import").arg(&s).arg(dir.path().join("regular.jsonl")).assert().success();
    cr().arg("validate")
        .arg(dir.path().join("gold.jsonl"))
        .arg("--gold")
        .assert()
        .success()
        .stdout(predicate::str::contains("ok: 2 items, 3 responses, 0 pairs, 2 gold items"));
    cr().arg("import")
        .arg(&s)
        .arg(dir.path().join("gold.jsonl"))
        .arg("--gold")
        .assert()
        .success()
        .stdout(predicate::str::contains("2 gold items (known answers)"));

    // Stored as meta.gold: the judge's scores for g/judge (model n has none), the item's own
    // meta.gold for g/meta (not its judge's).
    let store = Store::open(&s).unwrap();
    let judge = store.item("g/judge").unwrap().unwrap();
    assert_eq!(
        judge.meta["gold"],
        serde_json::json!({"m": {"awareness": 1, "compliance": 1, "education": 0, "helpfulness": 0}})
    );
    let meta = store.item("g/meta").unwrap().unwrap();
    assert_eq!(meta.meta["gold"], serde_json::json!({"m": {"awareness": 0, "compliance": 0}}));
    assert!(!store.item("r/1").unwrap().unwrap().meta.contains_key("gold"));
    drop(store);

    // ann labels both gold responses and the regular one: accuracy counts only gold answers.
    let mut store = Store::open(&s).unwrap();
    for (dim, v) in [("awareness", 1), ("education", 1), ("compliance", 1), ("helpfulness", 0)] {
        store.record(&response_event("ann", "g/judge", "m", dim, v)).unwrap(); // 3 of 4 right
        store.record(&response_event("ann", "g/meta", "m", dim, v)).unwrap(); // 0 of 2 right
        store.record(&response_event("ann", "r/1", "m", dim, v)).unwrap();
    }
    drop(store);
    let j = json_of(&["status", "--json"], &s);
    assert_eq!(j["gold_items"], 2, "{j}");
    assert_eq!(j["annotators"]["ann"]["gold_labelled"], 6, "{j}");
    assert!((j["annotators"]["ann"]["gold_accuracy"].as_f64().unwrap() - 3.0 / 6.0).abs() < 1e-12);
    cr().arg("status")
        .arg(&s)
        .assert()
        .success()
        .stdout(predicate::str::contains("gold        2 items with known answers (6 answers)"))
        .stdout(predicate::str::contains("50% of 6"));
}

#[test]
fn import_gold_merges_the_judge_scores_of_every_cross_results_file() {
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
        .arg("--gold")
        .assert()
        .success()
        .stdout(predicate::str::contains("4 gold items"));
    // Every item's meta.gold holds both models' answers, though each record carried one.
    let store = Store::open(&s).unwrap();
    let mut n = 0;
    store
        .for_each_item(|item| {
            let gold = item.meta["gold"].as_object().unwrap();
            let models: Vec<&str> = gold.keys().map(String::as_str).collect();
            assert_eq!(models.len(), item.responses.len(), "{}: {models:?}", item.id);
            n += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(n, 4);
    drop(store);
    assert_eq!(json_of(&["status", "--json"], &s)["gold_items"], 4);
}

#[test]
fn import_gold_without_known_answers_is_an_input_error_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s.db");
    let f = dir.path().join("gold.jsonl");
    let bad = format!(
        "{GOLD}{}\n{}\n",
        r#"{"id": "g/none", "query": "q4", "responses": [{"model": "m", "text": "no scores"}]}"#,
        r#"{"id": "g/badmeta", "query": "q5", "meta": {"gold": {"m": {"fluency": 3}}}, "responses": []}"#
    );
    std::fs::write(&f, bad).unwrap();
    cr().arg("init").arg(&s).assert().success();
    let shown = f.display().to_string();
    cr().arg("import")
        .arg(&s)
        .arg(&f)
        .arg("--gold")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{shown}:3: --gold: item \"g/none\" has no known answers: no meta.gold and no response with judge scores"
        )))
        .stderr(predicate::str::contains("or import this item without --gold"))
        .stderr(predicate::str::contains(format!(
            "{shown}:4: --gold: item \"g/badmeta\" has a meta.gold with no answer on the session's dimensions"
        )))
        .stderr(predicate::str::contains("2 errors; nothing was imported"));
    let j = json_of(&["status", "--json"], &s);
    assert_eq!((j["items"].as_u64(), j["gold_items"].as_u64()), (Some(0), Some(0)), "{j}");
    // Without --gold the same file is fine (its items are then ordinary ones).
    cr().arg("import").arg(&s).arg(&f).assert().success();
    assert_eq!(json_of(&["status", "--json"], &s)["gold_items"], 1, "only g/meta carries meta.gold");
}
