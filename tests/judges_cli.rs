//! Several named judges: `import --judge NAME` adds a judge's scores to the responses, and
//! `agreement --judge` compares every judge with the humans and with each other.

mod cli_common;
mod tui_common;

use cli_common::{Work, label, query_text};

use predicates::prelude::*;
use serde_json::Value;

/// A CROSS-shaped evaluation file of model `m` on four Kenyan and Peruvian items, the judge's
/// `Violation` per item given in `violations` (compliance is 1 − Violation), the response text
/// of the first item `first_text`.
fn evaluation(violations: [i64; 4], first_text: &str) -> String {
    let countries = ["Kenya", "Kenya", "Peru", "Peru"];
    let records: Vec<String> = (0..4)
        .map(|i| {
            let text = if i == 0 { first_text.to_string() } else { format!("reply {i}") };
            serde_json::json!({
                "index": format!("{}_{}", countries[i], i + 1),
                "orig_query": "Where can I buy this for the ceremony?",
                "violated_norm": "A gift for an elder is given with both hands.",
                "item": "gourd",
                "image_source": "drawn",
                "file_name": "gourd.png",
                "query": "Where can I buy this for the ceremony?",
                "model_response": text,
                "evaluation": {
                    "dim_profile": {"Awareness": 1, "Education": 0, "Violation": violations[i], "Helpfulness": 1},
                    "reasoning": {"Awareness": format!("noticed, item {i}")}
                }
            })
            .to_string()
        })
        .collect();
    format!("[\n{}\n]\n", records.join(",\n"))
}

/// What an import can change, as text.
fn dump(session: &std::path::Path) -> String {
    query_text(
        session,
        &[
            "SELECT item_id || model || text || judge || judge_rationale FROM responses ORDER BY 1",
            "SELECT judge || item_id || model || scores || rationale FROM all_response_judges ORDER BY 1",
            "SELECT name FROM judges ORDER BY seq",
            "SELECT id || query FROM items ORDER BY 1",
        ],
    )
}

#[test]
fn a_cross_evaluation_file_imported_twice_under_two_judges_keeps_both() {
    let w = Work::new();
    w.cmd(&["init", "s.db"]).assert().success();
    w.write("results_m_r1.json", evaluation([0, 0, 1, 1], "reply 0"));
    w.cmd(&["import", "s.db", "results_m_r1.json", "--judge", "gpt"]).assert().success();
    std::fs::create_dir_all(w.path("other")).unwrap();
    w.write("other/results_m_r1.json", evaluation([1, 0, 0, 1], "reply 0"));
    w.cmd(&["import", "s.db", "other/results_m_r1.json", "--judge", "qwen"])
        .assert()
        .success()
        .stdout("imported 4 items (0 new, 4 updated), 4 responses, 0 pairs into s.db\n");
    let conn = rusqlite::Connection::open(w.path("s.db")).unwrap();
    let rows: Vec<(String, String, String)> = conn
        .prepare("SELECT judge, item_id, scores FROM all_response_judges ORDER BY item_id, judge")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 8, "{rows:?}");
    assert_eq!(rows[0].0, "gpt");
    assert_eq!(rows[0].1, "casa/english/Kenya_1");
    assert!(rows[0].2.contains("\"compliance\":1"), "{rows:?}");
    assert_eq!(rows[1].0, "qwen");
    assert!(rows[1].2.contains("\"compliance\":0"), "{rows:?}");
    // The first judge stays the one every single-judge reader sees.
    let default: String = conn
        .query_row("SELECT judge FROM responses WHERE item_id = 'casa/english/Kenya_1'", [], |r| r.get(0))
        .unwrap();
    assert!(default.contains("\"compliance\":1"), "{default}");
    let names: Vec<String> = conn
        .prepare("SELECT name FROM judges ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(names, ["gpt", "qwen"]);
}

#[test]
fn another_judges_scores_of_another_text_are_a_located_error_and_nothing_changes() {
    let w = Work::new();
    w.cmd(&["init", "s.db"]).assert().success();
    w.write("results_m_r1.json", evaluation([0, 0, 1, 1], "reply 0"));
    w.cmd(&["import", "s.db", "results_m_r1.json"]).assert().success();
    let before = dump(&w.path("s.db"));
    std::fs::create_dir_all(w.path("other")).unwrap();
    w.write("other/results_m_r1.json", evaluation([1, 0, 0, 1], "a different reply"));
    w.cmd(&["import", "s.db", "other/results_m_r1.json", "--judge", "qwen"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "other/results_m_r1.json:2: model \"m\"'s response to \"casa/english/Kenya_1\" differs from the one in the session, which judge(s) judge scored",
        ))
        .stderr(predicate::str::contains("nothing was imported"));
    assert!(dump(&w.path("s.db")) == before, "the session is unchanged");
}

#[test]
fn a_judge_name_that_cannot_be_a_column_is_refused() {
    let w = Work::new();
    w.cmd(&["init", "s.db"]).assert().success();
    w.write("results_m_r1.json", evaluation([0, 0, 1, 1], "reply 0"));
    w.cmd(&["import", "s.db", "results_m_r1.json", "--judge", "gpt.4"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--judge \"gpt.4\": give a short name"));
}

/// Two judges of model `m`'s responses to four items (two Kenyan, two Peruvian): `gpt` scores
/// compliance 1, 1, 0, 0 and `qwen` 0, 1, 1, 0; annotators `ann` and `bo` both label 0, 1, 1, 0,
/// so `qwen` is right exactly where `gpt` is wrong (items 1 and 3).
fn two_judges_session() -> Work {
    let w = Work::new();
    w.cmd(&["init", "s.db"]).assert().success();
    w.write("results_m_r1.json", evaluation([0, 0, 1, 1], "reply 0"));
    w.cmd(&["import", "s.db", "results_m_r1.json", "--judge", "gpt"]).assert().success();
    std::fs::create_dir_all(w.path("other")).unwrap();
    w.write("other/results_m_r1.json", evaluation([1, 0, 0, 1], "reply 0"));
    w.cmd(&["import", "s.db", "other/results_m_r1.json", "--judge", "qwen"]).assert().success();
    let mut store = crossreview::store::Store::open(&w.path("s.db")).unwrap();
    let ids = ["Kenya_1", "Kenya_2", "Peru_3", "Peru_4"];
    for (id, v) in ids.iter().zip([0, 1, 1, 0]) {
        for ann in ["ann", "bo"] {
            store.record(&label(ann, &format!("casa/english/{id}"), "m", "compliance", v)).unwrap();
        }
    }
    w
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-9)
}

#[test]
fn agreement_compares_every_judge_with_the_humans_and_with_each_other() {
    let w = two_judges_session();
    let out = w.json(&["agreement", "s.db", "--dimension", "compliance", "--judge", "--json"]);
    let d = &out["dimensions"]["compliance"];
    // gpt is right on items 2 and 4 only: accuracy 1/2, and its confusion with the majority
    // (rows: human 0, 1; columns: judge 0, 1) is [[1, 1], [1, 1]], so kappa is 0.
    assert!(close(&d["judges"]["gpt"]["accuracy"], 0.5), "{d}");
    assert!(close(&d["judges"]["gpt"]["cohen_kappa"], 0.0));
    assert_eq!(d["judges"]["gpt"]["confusion_matrix"], serde_json::json!([[1, 1], [1, 1]]));
    assert_eq!(d["judges"]["gpt"]["n"], 4);
    assert!(close(&d["judges"]["gpt"]["per_annotator"]["ann"]["accuracy"], 0.5));
    assert!(close(&d["judges"]["qwen"]["accuracy"], 1.0));
    assert!(close(&d["judges"]["qwen"]["cohen_kappa"], 1.0));
    assert_eq!(d["judges"]["qwen"]["confusion_matrix"], serde_json::json!([[2, 0], [0, 2]]));
    // `judge` stays the default judge (the first imported).
    assert!(close(&d["judge"]["accuracy"], 0.5));
    // McNemar: no item only gpt got right, two only qwen got right: p = 2 · 0.5² = 0.5.
    let c = &d["judge_comparisons"][0];
    assert_eq!((c["a"].as_str(), c["b"].as_str(), c["n"].as_u64()), (Some("gpt"), Some("qwen"), Some(4)));
    assert!(close(&c["a_accuracy"], 0.5) && close(&c["b_accuracy"], 1.0));
    assert!(close(&c["mcnemar_p"], 0.5), "{c}");
    assert!(c.get("bootstrap_ci95_accuracy_difference").is_none());
    // Against each other on all four responses: they agree on items 2 and 4, kappa 0.
    let g = &d["judge_agreement"][0];
    assert_eq!((g["a"].as_str(), g["b"].as_str(), g["n"].as_u64()), (Some("gpt"), Some("qwen"), Some(4)));
    assert!(close(&g["percent_agreement"], 0.5) && close(&g["cohen_kappa"], 0.0));
    assert_eq!(g["confusion_matrix"], serde_json::json!([[1, 1], [1, 1]]));
    assert_eq!(d["judge_comparisons"].as_array().unwrap().len(), 1);
}

#[test]
fn agreement_judge_name_picks_the_judge_and_by_groups_every_judge() {
    let w = two_judges_session();
    let out = w.json(&[
        "agreement",
        "s.db",
        "--dimension",
        "compliance",
        "--judge",
        "qwen",
        "--by",
        "country",
        "--json",
    ]);
    let d = &out["dimensions"]["compliance"];
    assert!(close(&d["judge"]["accuracy"], 1.0), "--judge qwen names the judge of `judge`: {d}");
    for country in ["Kenya", "Peru"] {
        let g = &d["by"]["country"][country];
        assert!(close(&g["judge"]["accuracy"], 1.0), "{g}");
        assert!(close(&g["judges"]["gpt"]["accuracy"], 0.5), "{g}");
        assert_eq!(g["judges"]["gpt"]["n"], 2);
        assert_eq!(g["judge_comparisons"][0]["n"], 2);
        assert_eq!(g["judge_agreement"][0]["n"], 2);
    }
    let boot = w.json(&[
        "agreement",
        "s.db",
        "--dimension",
        "compliance",
        "--judge",
        "--bootstrap",
        "200",
        "--seed",
        "3",
        "--json",
    ]);
    let ci = &boot["dimensions"]["compliance"]["judge_comparisons"][0]["bootstrap_ci95_accuracy_difference"];
    let (low, high) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
    assert!(low <= -0.5 + 1e-9 && high <= 0.0 && low >= -1.0, "{ci}");
    w.cmd(&["agreement", "s.db", "--judge", "claude"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--judge claude: no such judge; this session has gpt, qwen"));
}

#[test]
fn agreement_text_shows_every_judge_and_the_pairs() {
    let w = two_judges_session();
    let out = w
        .cmd(&["agreement", "s.db", "--dimension", "compliance", "--judge", "--by", "country"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("every judge vs human majority"), "{text}");
    assert!(text.contains("gpt | qwen"), "{text}");
    assert!(text.contains("judges against each other"), "{text}");
    assert!(text.contains("every judge's accuracy by country"), "{text}");
    assert!(text.contains("100.0% (n 2)"), "{text}");
}

#[test]
fn exports_carry_every_judges_score_under_its_name() {
    let w = two_judges_session();
    w.cmd(&["export", "s.db", "--format", "labels-jsonl", "--out", "labels.jsonl"]).assert().success();
    let text = std::fs::read_to_string(w.path("labels.jsonl")).unwrap();
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["item_id"], "casa/english/Kenya_1");
    assert_eq!(first["dimension"], "compliance");
    assert_eq!(first["judge"], 1, "the default judge's value stays under `judge`");
    assert_eq!(first["judges"], serde_json::json!({"gpt": 1, "qwen": 0}));
    w.cmd(&["export", "s.db", "--format", "labels-csv", "--out", "labels.csv"]).assert().success();
    let csv = std::fs::read_to_string(w.path("labels.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "item_id,model,pair_id,annotator,dimension,value,judge,note,skipped_reason,seconds,labelled_at,judge.gpt,judge.qwen"
    );
    assert!(lines.next().unwrap().ends_with(",1,0"), "{csv}");
    w.cmd(&["export", "s.db", "--format", "gold-jsonl", "--out", "gold.jsonl"]).assert().success();
    let gold = std::fs::read_to_string(w.path("gold.jsonl")).unwrap();
    let rows: Vec<Value> = gold.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[2]["item_id"], "casa/english/Peru_3");
    assert_eq!(rows[2]["judges"], serde_json::json!({"gpt": 0, "qwen": 1}));
}

#[test]
fn report_shows_a_column_per_judge() {
    let w = two_judges_session();
    let out = w.json(&["report", "s.db", "--by", "country", "--json"]);
    let kenya = &out["groups"]["Kenya"]["dimensions"]["compliance"];
    // Kenya: gpt scores 1, 1; qwen 0, 1.
    assert_eq!(kenya["judges"]["gpt"], serde_json::json!({"n": 2, "share_1": 1.0}));
    assert_eq!(kenya["judges"]["qwen"], serde_json::json!({"n": 2, "share_1": 0.5}));
    assert_eq!(kenya["judge"]["share_1"], 1.0, "`judge` stays the default judge");
    let peru = &out["groups"]["Peru"]["dimensions"]["compliance"];
    assert_eq!(peru["judges"]["gpt"]["share_1"], 0.0);
    assert_eq!(peru["judges"]["qwen"]["share_1"], 0.5);
    let text = w.cmd(&["report", "s.db", "--by", "country"]).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(text).unwrap();
    let header = text.lines().find(|l| l.starts_with("country")).unwrap();
    let cols: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(
        &cols[..8],
        ["country", "responses", "dimension", "gpt", "n", "qwen", "n", "humans"],
        "{text}"
    );
}

#[test]
fn report_judges_gives_accuracy_intervals_the_best_judge_and_the_strata_lacking_labels() {
    let w = two_judges_session();
    let out = w.json(&["report", "s.db", "--judges", "--json"]);
    let c = &out["dimensions"]["compliance"];
    let gpt = &c["judges"]["gpt"];
    assert_eq!((gpt["n"].as_u64(), gpt["right"].as_u64()), (Some(4), Some(2)));
    assert!(close(&gpt["accuracy"], 0.5) && close(&gpt["cohen_kappa"], 0.0));
    // Wilson at 95 % for 2 of 4: 0.5 ± 1.96·√(1/16 + 1.96²/64)/(1 + 1.96²/4) = [0.1500, 0.8500].
    let ci = gpt["accuracy_ci"].as_array().unwrap();
    assert!(
        (ci[0].as_f64().unwrap() - 0.15004).abs() < 1e-4 && (ci[1].as_f64().unwrap() - 0.84996).abs() < 1e-4,
        "{ci:?}"
    );
    assert!(close(&c["judges"]["qwen"]["accuracy"], 1.0));
    assert_eq!(c["best"], "qwen");
    assert_eq!(c["strata_lacking_labels"], serde_json::json!([]), "all four responses are decided");
    // Nobody labelled awareness: the one stratum lacks all four responses.
    let a = &out["dimensions"]["awareness"];
    assert_eq!(a["strata_lacking_labels"], serde_json::json!(["all"]));
    assert_eq!(a["strata"]["all"]["to_label"], 4);
    assert_eq!(a["best"], Value::Null);
    let by = w.json(&["report", "s.db", "--judges", "--by", "country", "--json"]);
    assert_eq!(by["dimensions"]["awareness"]["strata_lacking_labels"], serde_json::json!(["Kenya", "Peru"]));
    let text = w.cmd(&["report", "s.db", "--judges"]).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("qwen*"), "{text}");
    assert!(text.contains("lacking labels for ±5.0 points: all (4 more of 4)"), "{text}");
    w.cmd(&["report", "s.db", "--judges", "--margin", "2"]).assert().code(2);
}

#[test]
fn canonical_items_carry_further_judges_and_their_rationales() {
    let w = Work::new();
    w.cmd(&["init", "s.db"]).assert().success();
    let line = |id: &str, gpt: i64, qwen: i64| {
        serde_json::json!({
            "id": id, "query": "Is this a fitting gift?", "country": "Ghana",
            "responses": [{"model": "m", "text": format!("answer to {id}"),
                "judge": {"compliance": gpt},
                "judges": {"qwen": {"compliance": qwen}},
                "judge_rationales": {"qwen": {"compliance": "  it respects the norm "}}}]
        })
        .to_string()
    };
    w.write("items.jsonl", format!("{}\n{}\n", line("a", 1, 0), line("b", 0, 0)));
    w.cmd(&["import", "s.db", "items.jsonl"]).assert().success();
    let conn = rusqlite::Connection::open(w.path("s.db")).unwrap();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM judges ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(names, ["judge", "qwen"]);
    let (scores, rationale): (String, String) = conn
        .query_row(
            "SELECT scores, rationale FROM response_judges WHERE judge = 'qwen' AND item_id = 'a'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(scores, r#"{"compliance":0}"#);
    assert!(rationale.contains("respects the norm"), "{rationale}");
    let default: String =
        conn.query_row("SELECT judge FROM responses WHERE item_id = 'a'", [], |r| r.get(0)).unwrap();
    assert_eq!(default, r#"{"compliance":1}"#, "the `judge` object stays the default judge's");
    // A further judge's scores are checked like the judge's: an unknown dimension is located.
    w.write(
        "bad.jsonl",
        r#"{"id": "c", "query": "q", "responses": [{"model": "m", "text": "t", "judges": {"qwen": {"fluency": 1}}}]}"#,
    );
    w.cmd(&["import", "s.db", "bad.jsonl"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.jsonl:1: responses[0].judges.qwen.fluency:"));
}

/// As a user would: two evaluation files of one model imported under two judge names, every
/// response labelled with keys in the TUI (the real binary in a pseudo-terminal, where the judge
/// pane names both judges), then both judges read back in `agreement --judge` and `report`.
#[test]
fn two_judges_imported_labelled_in_the_tui_and_read_in_agreement_and_report() {
    let w = Work::new();
    w.cmd(&["init", "s.db"]).assert().success();
    // compliance = 1 - Violation: gpt says 1 everywhere, qwen 0 on the two Kenyan items.
    w.write("results_m_r1.json", evaluation([0, 0, 0, 0], "reply 0"));
    w.cmd(&["import", "s.db", "results_m_r1.json", "--judge", "gpt"]).assert().success();
    std::fs::create_dir_all(w.path("qwen")).unwrap();
    w.write("qwen/results_m_r1.json", evaluation([1, 1, 0, 0], "reply 0"));
    w.cmd(&["import", "s.db", "qwen/results_m_r1.json", "--judge", "qwen"]).assert().success();

    let mut tui = tui_common::pty::Tui::annotate(&w.path("s.db"), "ann", &[], 40, 140);
    tui.wait_for("0/4 done");
    tui.wait_for("qwen");
    for done in 1..=4 {
        tui.keys("1111");
        tui.wait_for(&format!("{done}/4 done"));
    }
    tui.quit();

    let out = w.json(&["agreement", "s.db", "--judge", "--json"]);
    let judges = &out["dimensions"]["compliance"]["judges"];
    assert_eq!(judges["gpt"]["n"], 4, "{out}");
    assert_eq!(judges["gpt"]["accuracy"], 1.0, "{out}");
    assert_eq!(judges["qwen"]["n"], 4, "{out}");
    assert_eq!(judges["qwen"]["accuracy"], 0.5, "{out}");
    let pair = &out["dimensions"]["compliance"]["judge_comparisons"][0];
    assert_eq!((&pair["a"], &pair["b"], &pair["n"]), (&"gpt".into(), &"qwen".into(), &4.into()), "{out}");

    let report = w.json(&["report", "s.db", "--by", "country", "--json"]);
    let kenya = &report["groups"]["Kenya"]["dimensions"]["compliance"];
    assert_eq!(kenya["judges"]["gpt"]["share_1"], 1.0, "{report}");
    assert_eq!(kenya["judges"]["qwen"]["share_1"], 0.0, "{report}");
    assert_eq!(kenya["humans"]["share_1"], 1.0, "{report}");
}
