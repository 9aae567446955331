//! `init`, `validate` and `import` from the command line: every kind of bad input gives a
//! located message and exit 1, and a failed import leaves the session exactly as it was.

mod cli_common;

use cli_common::Work;
use predicates::prelude::*;
use std::path::Path;

impl Work {
    /// A session with two items and a pair already in it.
    fn session(&self) -> &'static str {
        self.cmd(&["init", "s.db"]).assert().success();
        self.write("seed.jsonl", GOOD_ITEMS);
        self.write("seed_pairs.jsonl", GOOD_PAIR);
        self.cmd(&["import", "s.db", "seed.jsonl", "seed_pairs.jsonl"]).assert().success();
        "s.db"
    }
}

const GOOD_ITEMS: &str = concat!(
    r#"{"id": "casa/en/Japan_1", "query": "Can you add these to my cart?", "country": "Japan", "responses": [{"model": "gpt-4o", "text": "Sure.", "judge": {"awareness": 0, "education": 0, "compliance": 0, "helpfulness": 1}}]}"#,
    "\n",
    r#"{"id": "casa/en/China_3", "query": "Is this a good gift?", "meta": {"source": "test"}}"#,
    "\n"
);
const GOOD_PAIR: &str = r#"{"id": "p-1", "prompt": "p", "chosen": "c", "rejected": "r"}"#;

/// Everything an import can change, as text.
fn dump(session: &Path) -> String {
    let conn = rusqlite::Connection::open(session).unwrap();
    let mut out = String::new();
    for sql in [
        "SELECT id, image, query, query_en, language, country, domain, norm, meta FROM items ORDER BY id",
        "SELECT item_id, model, text, judge, judge_rationale FROM responses ORDER BY item_id, model",
        "SELECT id, item_id, prompt, chosen, rejected, images, meta FROM pairs ORDER BY id",
    ] {
        let mut st = conn.prepare(sql).unwrap();
        let n = st.column_count();
        let rows = st
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| r.get::<_, Option<String>>(i).unwrap().unwrap_or_else(|| "NULL".into()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap();
        for row in rows {
            out.push_str(&row.unwrap());
            out.push('\n');
        }
    }
    out
}

/// Checks one bad file with `validate` and `import`: exit 1, the expected located message, and
/// the session unchanged.
fn rejects(name: &str, content: impl AsRef<[u8]>, expected: &str) {
    let w = Work::new();
    let session = w.session();
    let before = dump(&w.path(session));
    w.write(name, content);
    w.cmd(&["validate", name])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(expected))
        .stderr(predicate::str::contains("the input is not valid"));
    w.cmd(&["import", session, name])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(expected))
        .stderr(predicate::str::contains("; nothing was imported"));
    assert_eq!(dump(&w.path(session)), before, "the failed import changed the session");
}

#[test]
fn malformed_json() {
    rejects(
        "bad.jsonl",
        format!("{}\n{{\"id\": \"x\", \"query\": \"q\",}}\n", GOOD_ITEMS.lines().next().unwrap()),
        "bad.jsonl:2:26: invalid JSON: trailing comma",
    );
}

#[test]
fn non_object_line() {
    rejects(
        "bad.jsonl",
        format!("{}\n[\"casa/en/x\", \"q\"]\n", GOOD_ITEMS.lines().next().unwrap()),
        "bad.jsonl:2: expected a JSON object (one item per line), found an array",
    );
}

#[test]
fn missing_id() {
    rejects(
        "bad.jsonl",
        "{\"id\": \"a\", \"query\": \"q\"}\n{\"query\": \"no id\"}\n",
        "bad.jsonl:2: missing \"id\" (a non-empty string, unique in the session)",
    );
}

#[test]
fn missing_query() {
    rejects(
        "bad.jsonl",
        "{\"id\": \"a\"}\n",
        "bad.jsonl:1: missing \"query\" (the text the model was given)",
    );
}

#[test]
fn wrong_type() {
    rejects(
        "bad.jsonl",
        "{\"id\": \"a\", \"query\": \"q\", \"responses\": [{\"model\": \"m\", \"text\": 42}]}\n",
        "bad.jsonl:1: responses[0].text: expected a string, found a number (42)",
    );
}

#[test]
fn duplicate_id() {
    rejects(
        "bad.jsonl",
        "{\"id\": \"a\", \"query\": \"q\"}\n\n{\"id\": \"a\", \"query\": \"q2\"}\n",
        "bad.jsonl:3: duplicate id \"a\", already at bad.jsonl:1",
    );
}

#[test]
fn unknown_key() {
    rejects(
        "bad.jsonl",
        "{\"id\": \"a\", \"query\": \"q\", \"contry\": \"Japan\"}\n",
        "bad.jsonl:1: unknown key \"contry\" (did you mean \"country\"?); put extra fields under \"meta\"",
    );
}

#[test]
fn judge_value_outside_the_schema() {
    rejects(
        "bad.jsonl",
        "{\"id\": \"a\", \"query\": \"q\", \"responses\": [{\"model\": \"m\", \"text\": \"t\", \"judge\": {\"compliance\": 5}}]}\n",
        "bad.jsonl:1: responses[0].judge.compliance: 5 is not a valid value of compliance (valid: 1, 0)",
    );
}

#[test]
fn unknown_judge_dimension() {
    rejects(
        "bad.jsonl",
        "{\"id\": \"a\", \"query\": \"q\", \"responses\": [{\"model\": \"m\", \"text\": \"t\", \"judge\": {\"fluency\": 1}}]}\n",
        "bad.jsonl:1: responses[0].judge.fluency: unknown dimension \"fluency\"",
    );
}

#[test]
fn empty_file() {
    rejects("empty.jsonl", "", "empty.jsonl:1: the file is empty: there are no records in it");
}

#[test]
fn non_utf8_bytes() {
    rejects(
        "latin1.jsonl",
        b"{\"id\": \"a\", \"query\": \"caf\xE9\"}\n".as_slice(),
        "latin1.jsonl:1:26: invalid UTF-8 (byte 0xE9)",
    );
}

#[test]
fn cross_violation_out_of_range() {
    rejects(
        "results_gpt-4o_r1.json",
        r#"[
  {"index": "Japan_1", "violated_norm": "n", "query": "q", "file_name": "https://x/images/casa/a.jpg",
   "model_response": "ok",
   "evaluation": {"dim_profile": {"Awareness": 1, "Education": 0, "Violation": 3, "Helpfulness": 1}, "reasoning": {}}}
]"#,
        "results_gpt-4o_r1.json:2: evaluation.dim_profile.Violation: 3 is out of range",
    );
}

#[test]
fn a_cross_file_read_as_canonical_jsonl_is_one_error_that_names_the_flag() {
    let w = Work::new();
    let session = w.session();
    let record = |i: usize| {
        format!(
            r#"  {{"index": "Egypt_{i}", "violated_norm": "n", "query": "q", "file_name": "https://x/images/casa/a.jpg"}}"#
        )
    };
    let records: Vec<String> = (1..=4).map(record).collect();
    w.write("english.json", format!("[\n{}\n]\n", records.join(",\n")));
    let before = dump(&w.path(session));
    w.cmd(&["import", session, "--format", "jsonl", "english.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "english.json:2: this looks like a CROSS release file (records with \"index\", \"violated_norm\", \"file_name\"…), not --format jsonl: use --format cross (or auto)",
        ))
        .stderr(predicate::str::contains("unknown key").not())
        .stderr(predicate::str::contains("english.json:3").not());
    assert_eq!(dump(&w.path(session)), before);
    w.cmd(&["import", session, "--format", "cross", "english.json"]).assert().success();
}

#[test]
fn cross_results_without_a_model() {
    rejects(
        "judged.json",
        r#"[{"index": "Japan_1", "violated_norm": "n", "query": "q", "model_response": "ok"}]"#,
        "judged.json:1: this is a judge-output record (it has \"model_response\") but no model name is known",
    );
}

#[test]
fn broken_json_array() {
    rejects(
        "english.json",
        "[\n  {\"index\": \"Japan_1\", \"violated_norm\": \"n\", \"query\": \"q\"}\n  {\"index\": \"Japan_2\"}\n]\n",
        "english.json:3: expected ',' or ']' after the previous record",
    );
}

#[test]
fn bad_pair_messages() {
    rejects(
        "pairs.jsonl",
        "{\"prompt\": [{\"role\": \"user\"}], \"chosen\": \"c\", \"rejected\": \"r\"}\n",
        "pairs.jsonl:1: prompt[0]: missing \"content\"",
    );
}

#[test]
fn format_cannot_be_told() {
    rejects(
        "odd.jsonl",
        "{\"name\": \"x\"}\n",
        "odd.jsonl:1: cannot tell the format from this record's keys (name)",
    );
}

#[test]
fn a_ten_megabyte_line_imports() {
    let w = Work::new();
    let session = w.session();
    let long = "長".repeat((10 << 20) / 3);
    w.write("long.jsonl", format!("{{\"id\": \"long\", \"query\": \"{long}\"}}\n"));
    w.cmd(&["validate", "long.jsonl"]).assert().success().stdout("ok: 1 item, 0 responses, 0 pairs\n");
    w.cmd(&["import", session, "long.jsonl"])
        .assert()
        .success()
        .stdout("imported 1 items (1 new, 0 updated), 0 responses, 0 pairs into s.db\n");
    let conn = rusqlite::Connection::open(w.path(session)).unwrap();
    let n: i64 =
        conn.query_row("SELECT length(query) FROM items WHERE id = 'long'", [], |r| r.get(0)).unwrap();
    assert_eq!(n as usize, long.chars().count());
    // A broken 10 MB line gives a clean message.
    w.write("long_bad.jsonl", format!("{{\"id\": \"long\", \"query\": \"{long}}}\n"));
    w.cmd(&["validate", "long_bad.jsonl"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("long_bad.jsonl:1:"))
        .stderr(predicate::str::contains("invalid JSON"));
}

#[test]
fn a_session_file_that_is_not_sqlite() {
    let w = Work::new();
    w.write("items.jsonl", GOOD_ITEMS);
    w.write("notes.db", "these are my notes, not a database\n");
    w.cmd(&["import", "notes.db", "items.jsonl"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("notes.db: not a crossreview session"));
    assert_eq!(std::fs::read_to_string(w.path("notes.db")).unwrap(), "these are my notes, not a database\n");
    w.cmd(&["import", "missing.db", "items.jsonl"]).assert().code(1).stderr(predicate::str::contains(
        "missing.db: no such session; create it with `crossreview init missing.db`",
    ));
}

#[test]
fn init_with_a_bad_schema() {
    let w = Work::new();
    w.write("bad.toml", "name = \"study\"\n[[dimension]]\nname = \"fluency\"\nvalues = [1, 2, 3\n");
    w.cmd(&["init", "s.db", "--schema", "bad.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("bad.toml:4:"))
        .stderr(predicate::str::contains("nothing was created"));
    assert!(!w.path("s.db").exists());
    w.write("semantic.toml", "[[dimension]]\nname = \"fluency\"\nvalues = [1, 1]\nvalus = 3\n");
    w.cmd(&["init", "s.db", "--schema", "semantic.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("semantic.toml:"))
        .stderr(predicate::str::contains("valus"));
    w.cmd(&["init", "s.db", "--schema", "nowhere.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nowhere.toml: cannot read the schema"));
    assert!(!w.path("s.db").exists());
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let w = Work::new();
    let session = w.session();
    let before = dump(&w.path(session));
    w.cmd(&["init", session]).assert().code(1).stderr(predicate::str::contains("pass --force to replace it"));
    assert_eq!(dump(&w.path(session)), before);
    w.cmd(&["init", session, "--force"]).assert().success();
    assert_eq!(dump(&w.path(session)), "");
}

#[test]
fn custom_schema_checks_judge_values() {
    let w = Work::new();
    w.write("fluency.toml", "name = \"fluency\"\n[[dimension]]\nname = \"fluency\"\nlevel = \"ordinal\"\nvalues = [1, 2, 3, 4, 5]\n");
    w.write(
        "items.jsonl",
        "{\"id\": \"a\", \"query\": \"q\", \"responses\": [{\"model\": \"m\", \"text\": \"t\", \"judge\": {\"fluency\": 4}}]}\n",
    );
    w.write(
        "bad.jsonl",
        "{\"id\": \"a\", \"query\": \"q\", \"responses\": [{\"model\": \"m\", \"text\": \"t\", \"judge\": {\"fluency\": 6}}]}\n",
    );
    w.cmd(&["validate", "items.jsonl", "--schema", "fluency.toml"]).assert().success();
    w.cmd(&["validate", "bad.jsonl", "--schema", "fluency.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("6 is not a valid value of fluency (valid: 1, 2, 3, 4, 5)"));
    // The default schema has no such dimension.
    w.cmd(&["validate", "items.jsonl"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unknown dimension \"fluency\""));
    // A session keeps its schema: import checks against it.
    w.cmd(&["init", "f.db", "--schema", "fluency.toml"]).assert().success();
    w.cmd(&["import", "f.db", "items.jsonl"]).assert().success();
    w.cmd(&["import", "f.db", "bad.jsonl"]).assert().code(1);
}

#[test]
fn validate_reports_counts_and_warnings() {
    let w = Work::new();
    w.write("images/a.png", b"\x89PNG");
    w.write(
        "items.jsonl",
        "{\"id\": \"a\", \"query\": \"q\", \"image\": \"images/a.png\"}\r\n{\"id\": \"b\", \"query\": \"q\", \"image\": \"images/missing.png\", \"responses\": [{\"model\": \"m\", \"text\": \"t\"}, {\"model\": \"n\", \"text\": \"u\"}]}\r\n",
    );
    w.write("pairs.jsonl", GOOD_PAIR);
    w.cmd(&["validate", "items.jsonl", "pairs.jsonl"])
        .assert()
        .success()
        .stdout("ok: 2 items, 2 responses, 1 pair (1 warning)\n")
        .stderr(predicate::str::starts_with(
            "warning: items.jsonl:2: image \"images/missing.png\" not found",
        ));
}

#[test]
fn reimport_updates_and_merges_models() {
    let w = Work::new();
    let session = w.session();
    w.cmd(&["import", session, "seed.jsonl"])
        .assert()
        .success()
        .stdout("imported 2 items (0 new, 2 updated), 1 responses, 0 pairs into s.db\n");
    let record = |model_violation: i64| {
        format!(
            "[\n  {{\"index\": \"Japan_1\", \"orig_query\": \"o\", \"violated_norm\": \"n\", \"item\": \"slippers\", \"image_source\": \"s\",\n   \"file_name\": \"https://example.org/images/casa/slippers.png\", \"query\": \"q\",\n   \"model_response\": \"r\", \"evaluation\": {{\"dim_profile\": {{\"Awareness\": 1, \"Education\": 1, \"Violation\": {model_violation}, \"Helpfulness\": 1}}, \"reasoning\": {{\"Violation\": \"why\"}}}}}}\n]\n"
        )
    };
    w.write("results_gpt-4o_r1.json", record(1));
    w.write("results_qwen-vl_r1.json", record(0));
    w.write("imgs/slippers.png", b"\x89PNG");
    w.cmd(&["import", session, "results_gpt-4o_r1.json", "results_qwen-vl_r1.json", "--images-dir", "imgs"])
        .assert()
        .success()
        .stdout("imported 1 items (1 new, 0 updated), 2 responses, 0 pairs into s.db\n");
    let conn = rusqlite::Connection::open(w.path(session)).unwrap();
    let rows: Vec<(String, String, String)> = conn
        .prepare("SELECT model, judge, judge_rationale FROM responses WHERE item_id = 'casa/english/Japan_1' ORDER BY model")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].0, "gpt-4o");
    assert!(rows[0].1.contains("\"compliance\":0"), "{rows:?}");
    assert!(rows[1].1.contains("\"compliance\":1"), "{rows:?}");
    // The rationale was written about Violation 1: that stays with it, and `show` says so.
    assert_eq!(rows[0].2, r#"{"compliance":{"text":"why","judge_dimension":"Violation","judge_score":1}}"#);
    w.cmd(&["show", session, "casa/english/Japan_1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("judge on Violation (1 → compliance 0): why\n"))
        .stdout(predicate::str::contains("judge on Violation (0 → compliance 1): why\n"))
        .stdout(predicate::str::contains("judge on compliance").not());
    let image: String = conn
        .query_row("SELECT image FROM items WHERE id = 'casa/english/Japan_1'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(Path::new(&image), std::fs::canonicalize(w.path("imgs/slippers.png")).unwrap());
    // The same model's results file twice is refused; another round is a run of its own.
    w.write("copy/results_gpt-4o_r1.json", record(0));
    w.cmd(&["validate", "results_gpt-4o_r1.json", "copy/results_gpt-4o_r1.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "copy/results_gpt-4o_r1.json:2: the record \"casa/english/Japan_1\" with a response from model \"gpt-4o\" is already at results_gpt-4o_r1.json:2",
        ));
    w.write("results_gpt-4o_r2.json", record(0));
    w.cmd(&["validate", "results_gpt-4o_r1.json", "results_gpt-4o_r2.json"]).assert().success();
}

#[test]
fn explicit_format_and_model_flags() {
    let w = Work::new();
    w.write(
        "judged.json",
        r#"[{"index": "Korea_2", "violated_norm": "n", "query": "q", "model_response": "ok"}]"#,
    );
    w.cmd(&["validate", "judged.json", "--model", "llava"])
        .assert()
        .success()
        .stdout("ok: 1 item, 1 response, 0 pairs\n");
    // Read as canonical items, the same file is wrong, and the error says which flag fits.
    w.cmd(&["validate", "judged.json", "--format", "jsonl", "--model", "llava"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("judged.json:1: this looks like a CROSS release file"))
        .stderr(predicate::str::contains("use --format cross (or auto)"));
    w.cmd(&["validate", "judged.json", "--format", "xml"]).assert().code(2);
}

#[test]
fn many_errors_are_capped() {
    let w = Work::new();
    let lines: String = (0..80).map(|i| format!("{{\"id\": \"{i}\", \"query\": {i}}}\n")).collect();
    w.write("bad.jsonl", lines);
    let out = w.cmd(&["validate", "bad.jsonl"]).assert().code(1).get_output().stderr.clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 52, "{text}");
    assert_eq!(lines[0], "bad.jsonl:1: query: expected a string, found a number (0)");
    assert_eq!(lines[50], "… and 30 more errors");
    assert_eq!(lines[51], "80 errors; the input is not valid");
}
