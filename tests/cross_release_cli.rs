//! `import` over the CROSS release's own layout (`tests/fixtures/ingest/release_layout`): the
//! dataset file, the generation and evaluation outputs of one model in two rounds, and the
//! `images/casa`, `images/safeworld` folders that share a file name.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const DATA: &str = "data/casa/multilingual.json";
const SAFEWORLD: &str = "data/safeworld/english.json";
const GEN_R1: &str = "generation_results/casa/multilingual/results_gpt-4o_r1.json";
const GEN_R2: &str = "generation_results/casa/multilingual/results_gpt-4o_r2.json";
const EVAL_R1: &str = "evaluation_results/casa/multilingual/results_gpt-4o_r1.json";

/// A copy of the release layout in a temporary folder (tests may change files in it).
struct Release {
    dir: tempfile::TempDir,
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

impl Release {
    fn new() -> Release {
        let dir = tempfile::tempdir().unwrap();
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest/release_layout");
        copy_tree(&fixture, dir.path());
        Release { dir }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("crossreview").unwrap();
        c.current_dir(self.dir.path()).args(args);
        c
    }
    /// `init s.db`, then `import s.db FILES…`; returns standard error.
    fn import(&self, files: &[&str]) -> String {
        self.cmd(&["init", "s.db"]).assert().success();
        let mut args = vec!["import", "s.db"];
        args.extend(files);
        let out = self.cmd(&args).assert().success().get_output().clone();
        String::from_utf8(out.stderr).unwrap()
    }
    fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        let conn = rusqlite::Connection::open(self.path("s.db")).unwrap();
        let mut st = conn.prepare(sql).unwrap();
        let n = st.column_count();
        let cell = |v: rusqlite::types::Value| match v {
            rusqlite::types::Value::Null => None,
            rusqlite::types::Value::Integer(n) => Some(n.to_string()),
            rusqlite::types::Value::Real(x) => Some(x.to_string()),
            rusqlite::types::Value::Text(t) => Some(t),
            rusqlite::types::Value::Blob(b) => Some(format!("{b:?}")),
        };
        st.query_map([], |r| (0..n).map(|i| r.get(i).map(cell)).collect())
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
    fn json(&self, args: &[&str]) -> Value {
        let out = self.cmd(args).assert().success().get_output().stdout.clone();
        serde_json::from_slice(&out).unwrap()
    }
    /// The line where the record with this `index` starts (its `{`).
    fn record_line(&self, file: &str, index: &str) -> usize {
        let text = std::fs::read_to_string(self.path(file)).unwrap();
        // The `{` is the line before the index's; counted from 1, that is the index's position.
        text.lines().position(|l| l.contains(&format!("\"index\": \"{index}\""))).unwrap()
    }
}

fn row(cells: &[&str]) -> Vec<Option<String>> {
    cells.iter().map(|c| Some(c.to_string())).collect()
}

#[test]
fn generation_and_evaluation_of_one_run_are_one_response() {
    let r = Release::new();
    r.import(&[DATA, GEN_R1, EVAL_R1]);
    let responses =
        r.query("SELECT item_id, model, json_extract(judge, '$.compliance') FROM responses ORDER BY item_id");
    assert_eq!(
        responses,
        [
            row(&["casa/multilingual/China_1", "gpt-4o", "1"]),
            row(&["casa/multilingual/China_2", "gpt-4o", "1"]),
            row(&["casa/multilingual/Japan_2", "gpt-4o", "1"]),
            row(&["casa/multilingual/Nigeria_1", "gpt-4o", "1"]),
        ]
    );
    // The evaluation file first: the generation record does not wipe the scores.
    let r = Release::new();
    r.import(&[EVAL_R1, GEN_R1, DATA]);
    let scored = r.query("SELECT count(*) FROM responses WHERE judge != '{}' AND judge_rationale != '{}'");
    assert_eq!(scored, [row(&["4"])]);
}

#[test]
fn responses_that_differ_between_generation_and_evaluation_are_refused() {
    let r = Release::new();
    let text = std::fs::read_to_string(r.path(EVAL_R1)).unwrap();
    let changed = text.replace("建议选择红色或金色的礼盒。", "建议选择蓝色的礼盒。");
    assert_ne!(text, changed);
    std::fs::write(r.path(EVAL_R1), changed).unwrap();
    r.cmd(&["init", "s.db"]).assert().success();
    let out = r.cmd(&["import", "s.db", DATA, GEN_R1, EVAL_R1]).assert().code(1).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let expected = format!(
        "{EVAL_R1}:{}: model \"gpt-4o\"'s response to \"casa/multilingual/China_2\" differs from the one at {GEN_R1}:{}",
        r.record_line(EVAL_R1, "China_2"),
        r.record_line(GEN_R1, "China_2"),
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains("1 error; nothing was imported"), "{stderr}");
    assert_eq!(r.query("SELECT count(*) FROM items"), [row(&["0"])]);
}

#[test]
fn rounds_of_one_model_are_separate_runs() {
    let r = Release::new();
    r.import(&[DATA, GEN_R1, GEN_R2, EVAL_R1]);
    let models =
        r.query("SELECT model, count(*), sum(judge != '{}') FROM responses GROUP BY model ORDER BY model");
    assert_eq!(models, [row(&["gpt-4o", "4", "4"]), row(&["gpt-4o#r2", "4", "0"])]);
    let rounds = r.query("SELECT DISTINCT json_extract(meta, '$.round') FROM items");
    assert_eq!(rounds, [row(&[r#"{"gpt-4o":1,"gpt-4o#r2":2}"#])]);
    let by_model = r.json(&["report", "s.db", "--by", "model", "--json"]);
    assert_eq!(by_model["groups"]["gpt-4o"]["responses"], 4);
    assert_eq!(by_model["groups"]["gpt-4o#r2"]["responses"], 4);
}

#[test]
fn language_names_become_iso_codes_and_a_sentence_is_warned() {
    let r = Release::new();
    let stderr = r.import(&[DATA, GEN_R1]);
    let languages =
        r.query("SELECT id, language, json_extract(meta, '$.language_name') FROM items ORDER BY id");
    let sentence = "The language spoken most widely in Kano is Hausa.";
    assert_eq!(
        languages,
        [
            row(&["casa/multilingual/China_1", "zh", "Mandarin"]),
            row(&["casa/multilingual/China_2", "zh", "Mandarin Chinese"]),
            row(&["casa/multilingual/Japan_2", "ja", "Japanese"]),
            vec![Some("casa/multilingual/Nigeria_1".into()), None, Some(sentence.into())],
        ]
    );
    let line = r.record_line(DATA, "Nigeria_1");
    assert!(
        stderr.contains(&format!(
            "warning: {DATA}:{line}: language: {sentence:?} is no language name or ISO 639 code"
        )),
        "{stderr}"
    );
    let by_language = r.json(&["report", "s.db", "--by", "language", "--json"]);
    assert_eq!(by_language["groups"]["zh"]["responses"], 2, "{by_language}");
    assert!(by_language["groups"].get("Mandarin").is_none(), "{by_language}");
}

#[test]
fn images_resolve_in_the_release_layout() {
    let r = Release::new();
    r.cmd(&["init", "s.db"]).assert().success();
    let out = r
        .cmd(&["import", "s.db", DATA, SAFEWORLD, "--images-dir", "images"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("kept as URL"), "{stderr}");
    let images: Vec<(String, String)> = r
        .query("SELECT id, image FROM items ORDER BY id")
        .into_iter()
        .map(|row| (row[0].clone().unwrap(), row[1].clone().unwrap()))
        .collect();
    let root = std::fs::canonicalize(r.dir.path()).unwrap();
    let expect = |rel: &str| root.join(rel).display().to_string();
    assert_eq!(
        images,
        [
            ("casa/multilingual/China_1".to_string(), expect("images/casa/clock.png")),
            ("casa/multilingual/China_2".to_string(), expect("images/casa/gift.png")),
            ("casa/multilingual/Japan_2".to_string(), expect("images/casa/steak.png")),
            ("casa/multilingual/Nigeria_1".to_string(), expect("images/casa/wine.png")),
            ("safeworld/english/Egypt_1".to_string(), expect("images/safeworld/gift.png")),
        ]
    );
}

#[test]
fn an_image_url_that_matches_two_files_equally_is_an_error() {
    let r = Release::new();
    let text = std::fs::read_to_string(r.path(SAFEWORLD)).unwrap();
    std::fs::write(r.path(SAFEWORLD), text.replace("images/safeworld/gift.png", "media/gift.png")).unwrap();
    r.cmd(&["init", "s.db"]).assert().success();
    let out =
        r.cmd(&["import", "s.db", SAFEWORLD, "--images-dir", "images"]).assert().code(1).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let root = std::fs::canonicalize(r.dir.path()).unwrap();
    let expected = format!(
        "{SAFEWORLD}:2: image \"https://example.org/CROSS/raw/main/media/gift.png\" matches 2 files under --images-dir equally well ({}, {})",
        root.join("images/casa/gift.png").display(),
        root.join("images/safeworld/gift.png").display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert_eq!(r.query("SELECT count(*) FROM items"), [row(&["0"])]);
}
