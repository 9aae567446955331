//! `read_inputs` over real files: detection, locations, duplicates, merging, warnings.

use super::detect::classify;
use super::*;
use crate::schema::Schema;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    fn new() -> Dir {
        Dir { dir: tempfile::tempdir().unwrap() }
    }
    fn file(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, content).unwrap();
        p
    }
}

fn read(files: &[PathBuf], opts: &IngestOptions) -> (Result<IngestSummary, IngestError>, Vec<Record>) {
    let mut got = Vec::new();
    let r = read_inputs(files, opts, &Schema::cross_eval(), &mut |rec| {
        got.push(rec);
        Ok(())
    });
    (r, got)
}

fn errors(files: &[PathBuf], opts: &IngestOptions) -> Vec<String> {
    match read(files, opts).0 {
        Err(IngestError::Invalid(d)) => d.error_lines("nothing was imported"),
        Ok(_) => panic!("expected errors"),
        Err(IngestError::Aborted(e)) => panic!("aborted: {e}"),
    }
}

fn auto() -> IngestOptions {
    IngestOptions::default()
}

fn items(records: &[Record]) -> Vec<&Item> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Item(i) => Some(i),
            _ => None,
        })
        .collect()
}

#[test]
fn items_jsonl_with_bom_crlf_and_blank_lines() {
    let d = Dir::new();
    d.file("images/a.png", b"png");
    let f = d.file(
        "items.jsonl",
        "\u{feff}{\"id\":\"a\",\"query\":\"q1\",\"image\":\"images/a.png\"}\r\n\r\n{\"id\":\"b\",\"query\":\"q2\",\"responses\":[{\"model\":\"m\",\"text\":\"t\",\"judge\":{\"compliance\":0}}]}\r\n",
    );
    let (r, got) = read(std::slice::from_ref(&f), &auto());
    let s = r.unwrap();
    assert_eq!((s.items, s.responses, s.pairs), (2, 1, 0));
    assert_eq!(s.files, [(f.clone(), Format::Items)]);
    assert_eq!(s.diagnostics.warning_count, 0);
    let its = items(&got);
    let expected_image = images::absolute_dir(d.dir.path()).join("images/a.png");
    assert_eq!(its[0].image.as_deref(), Some(expected_image.to_str().unwrap()));
    assert_eq!(its[1].responses[0].judge["compliance"], 0);
}

#[test]
fn errors_name_file_line_and_column_and_nothing_reaches_the_sink_after_the_first() {
    let d = Dir::new();
    let f = d.file(
        "items.jsonl",
        concat!(
            "{\"id\":\"a\",\"query\":\"q\"}\n",
            "{\"id\":\"b\",\"query\": }\n",
            "[1,2]\n",
            "{\"query\":\"q\"}\n",
            "{\"id\":\"e\",\"query\":\"q\",\"lang\":\"ja\"}\n",
            "{\"id\":\"a\",\"query\":\"again\"}\n",
            "{\"id\":\"g\",\"query\":\"q\",\"responses\":[{\"model\":\"m\",\"text\":\"t\",\"judge\":{\"awareness\":3}}]}\n",
            "{\"id\":\"h\",\"query\":\"q\"}\n",
        ),
    );
    let (r, got) = read(std::slice::from_ref(&f), &IngestOptions { format: Some(Format::Items), ..auto() });
    let Err(IngestError::Invalid(diag)) = r else { panic!("expected errors") };
    let shown = f.display().to_string();
    let e = diag.error_lines("nothing was imported");
    assert_eq!(e[0], format!("{shown}:2:20: invalid JSON: expected value"));
    assert_eq!(e[1], format!("{shown}:3: expected a JSON object (one item per line), found an array"));
    assert_eq!(e[2], format!("{shown}:4: missing \"id\" (a non-empty string, unique in the session)"));
    assert!(e[3].starts_with(&format!("{shown}:5: unknown key \"lang\"")), "{}", e[3]);
    assert_eq!(
        e[4],
        format!("{shown}:6: duplicate id \"a\", already at {shown}:1; ids must be unique within an import")
    );
    assert_eq!(
        e[5],
        format!("{shown}:7: responses[0].judge.awareness: 3 is not a valid value of awareness (valid: 1, 0)")
    );
    assert_eq!(e[6], "6 errors; nothing was imported");
    // Only the record before the first error was handed on.
    assert_eq!(got.len(), 1);
}

#[test]
fn errors_are_capped_at_fifty_and_all_counted() {
    let d = Dir::new();
    let f = d.file("bad.jsonl", "{\"nope\": 1}\n".repeat(120));
    let e = errors(&[f], &IngestOptions { format: Some(Format::Items), ..auto() });
    // Each line has three errors (unknown key, missing id, missing query): 360 in all, 50 shown.
    assert_eq!(e.len(), 52);
    assert_eq!(e[50], "… and 310 more errors");
    assert_eq!(e[51], "360 errors; nothing was imported");
}

#[test]
fn empty_files_unreadable_files_and_non_utf8() {
    let d = Dir::new();
    let empty = d.file("empty.jsonl", "");
    let blank = d.file("blank.jsonl", "\n \r\n");
    let missing = d.dir.path().join("missing.jsonl");
    let latin1 = d.file("latin1.jsonl", b"{\"id\":\"a\",\"query\":\"caf\xE9\"}\n");
    let e = errors(&[empty.clone(), blank.clone(), missing.clone(), latin1.clone()], &auto());
    assert_eq!(e[0], format!("{}:1: the file is empty: there are no records in it", empty.display()));
    assert_eq!(e[1], format!("{}:1: the file is empty: there are no records in it", blank.display()));
    assert!(e[2].starts_with(&format!("{}: cannot open the file:", missing.display())), "{}", e[2]);
    assert_eq!(
        e[3],
        format!(
            "{}:1:23: invalid UTF-8 (byte 0xE9); input files must be UTF-8: re-save the file as UTF-8",
            latin1.display()
        )
    );
    let folder = errors(&[d.dir.path().to_path_buf()], &auto());
    assert!(folder[0].ends_with("is a folder; give the files inside it"), "{folder:?}");
}

#[test]
fn auto_detection_per_file_and_when_unsure() {
    let d = Dir::new();
    let items_f = d.file("i.jsonl", "{\"id\":\"x\",\"query\":\"q\"}\n");
    let pairs_f = d.file("p.jsonl", "{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\"}\n");
    let cross_f = d.file("c.json", "[{\"index\":\"Japan_1\",\"violated_norm\":\"n\",\"query\":\"q\"}]");
    let (r, got) = read(&[items_f.clone(), pairs_f.clone(), cross_f.clone()], &auto());
    let s = r.unwrap();
    assert_eq!(
        s.files.iter().map(|(_, f)| *f).collect::<Vec<_>>(),
        [Format::Items, Format::Pairs, Format::Cross]
    );
    assert_eq!((s.items, s.pairs), (2, 1));
    assert_eq!(got.len(), 3);

    let unsure = d.file("u.jsonl", "{\"name\":\"x\",\"text\":\"y\"}\n");
    let e = errors(std::slice::from_ref(&unsure), &auto());
    assert!(
        e[0].starts_with(&format!(
            "{}:1: cannot tell the format from this record's keys (name, text)",
            unsure.display()
        )),
        "{e:?}"
    );
    assert!(e[0].ends_with("pass --format jsonl|cross|pairs"));
    // A bad first line does not prevent detection from the next one; it is reported as such.
    let first_bad = d.file("fb.jsonl", "{oops\n{\"id\":\"x\",\"query\":\"q\"}\n");
    let e = errors(std::slice::from_ref(&first_bad), &auto());
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].starts_with(&format!("{}:1:2: invalid JSON", first_bad.display())), "{e:?}");
    let all_bad = d.file("ab.jsonl", "nope\n");
    let e = errors(std::slice::from_ref(&all_bad), &auto());
    assert!(e[0].contains("cannot tell the format: none of the first records is a JSON object"), "{e:?}");
}

fn cross_record(index: &str, with_response: bool) -> serde_json::Value {
    let mut v = json!({
        "index": index,
        "orig_query": "o",
        "violated_norm": "n",
        "item": "slippers",
        "image_source": "s",
        "file_name": "https://example.org/images/casa/slippers.png",
        "query": "q"
    });
    if with_response {
        v["model_response"] = json!("answer");
        v["evaluation"] = json!({"dim_profile": {"Awareness": 1, "Education": 1, "Violation": 1, "Helpfulness": 0}, "reasoning": {}});
    }
    v
}

fn pretty_array(records: &[serde_json::Value]) -> String {
    serde_json::to_string_pretty(&serde_json::Value::Array(records.to_vec())).unwrap()
}

#[test]
fn cross_results_of_several_models_merge_into_one_item() {
    let d = Dir::new();
    let data = d.file(
        "english.json",
        pretty_array(&[cross_record("Japan_1", false), cross_record("China_2", false)]),
    );
    let a = d.file("results_gpt-4o_r1.json", pretty_array(&[cross_record("Japan_1", true)]));
    let b = d.file("results_qwen_r1.json", pretty_array(&[cross_record("Japan_1", true)]));
    let (r, got) = read(&[data, a, b], &auto());
    let s = r.unwrap();
    assert_eq!((s.items, s.responses), (2, 2));
    let its = items(&got);
    assert_eq!(its.len(), 4);
    assert!(its.iter().all(|i| i.id.starts_with("casa/english/")));
    assert_eq!(its[2].responses[0].model, "gpt-4o");
    assert_eq!(its[3].responses[0].model, "qwen");
    assert_eq!(its[3].responses[0].judge["compliance"], 0);
    // The URLs are kept (no --images-dir) with one warning per file.
    assert_eq!(s.diagnostics.warning_count, 3);
    assert!(s.diagnostics.warnings[0].contains("2 image URLs kept as URLs"), "{:?}", s.diagnostics.warnings);
}

#[test]
fn same_record_and_model_twice_is_an_error() {
    let d = Dir::new();
    let a = d.file("results_gpt-4o_r1.json", pretty_array(&[cross_record("Japan_1", true)]));
    let b = d.file("again/results_gpt-4o_r1.json", pretty_array(&[cross_record("Japan_1", true)]));
    let e = errors(&[a.clone(), b.clone()], &auto());
    assert_eq!(
        e[0],
        format!(
            "{}:2: the record \"casa/english/Japan_1\" with a response from model \"gpt-4o\" is already at {}:2 (the same record twice, or two generation or two evaluation files of one model and round; --model gives every file that name)",
            b.display(),
            a.display()
        )
    );
    // --model names every file's model the same.
    let c = d.file("results_qwen_r1.json", pretty_array(&[cross_record("Japan_1", true)]));
    let opts = IngestOptions { model: Some("m".into()), ..auto() };
    assert_eq!(errors(&[a.clone(), c], &opts).len(), 2);
}

#[test]
fn rounds_of_one_model_are_separate_runs() {
    let d = Dir::new();
    let a = d.file("results_gpt-4o_r1.json", pretty_array(&[cross_record("Japan_1", true)]));
    let b = d.file("results_gpt-4o_r2.json", pretty_array(&[cross_record("Japan_1", true)]));
    let (r, got) = read(&[a, b], &auto());
    assert_eq!(r.unwrap().responses, 2);
    let models: Vec<&str> = items(&got).iter().flat_map(|i| &i.responses).map(|r| r.model.as_str()).collect();
    assert_eq!(models, ["gpt-4o", "gpt-4o#r2"]);
    // The last record written carries every run's round.
    assert_eq!(items(&got)[1].meta["round"], json!({"gpt-4o": 1, "gpt-4o#r2": 2}));
}

#[test]
fn results_without_a_model_name_report_once_per_file() {
    let d = Dir::new();
    let f =
        d.file("judged.json", pretty_array(&[cross_record("Japan_1", true), cross_record("Japan_2", true)]));
    let e = errors(std::slice::from_ref(&f), &auto());
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(e[0], format!("{}:2: {}", f.display(), cross::NO_MODEL));
    let (r, _) = read(&[f], &IngestOptions { model: Some("llava".into()), ..auto() });
    assert_eq!(r.unwrap().responses, 2);
}

#[test]
fn array_errors_point_at_the_record_start() {
    let d = Dir::new();
    let mut bad = cross_record("Japan_2", false);
    bad["query"] = json!(5);
    let f = d.file("english.json", pretty_array(&[cross_record("Japan_1", false), bad]));
    let e = errors(std::slice::from_ref(&f), &IngestOptions { format: Some(Format::Cross), ..auto() });
    // The second record starts on line 11 of the pretty-printed array.
    assert_eq!(e[0], format!("{}:11: query: expected a string, found a number (5)", f.display()));
    let g = d.file(
        "broken.json",
        "[\n  {\"index\": \"Japan_1\",\n   \"query\": \"q\",,\n   \"violated_norm\": \"n\"}\n]\n",
    );
    let e = errors(std::slice::from_ref(&g), &IngestOptions { format: Some(Format::Cross), ..auto() });
    assert_eq!(e[0], format!("{}:2: invalid JSON: key must be a string (at line 3, column 17)", g.display()));
    let h = d.file("cut.json", "[\n  {\"index\": \"Japan_1\", \"query\": \"q\"},\n  {\"index\": \"Ja");
    let e = errors(std::slice::from_ref(&h), &auto());
    assert!(e[0].starts_with(&format!("{}:3: the file ends inside this record", h.display())), "{e:?}");
}

#[test]
fn images_dir_resolves_urls_and_missing_files_warn() {
    let d = Dir::new();
    d.file("imgs/slippers.png", b"png");
    let f = d.file("english.json", pretty_array(&[cross_record("Japan_1", false)]));
    let imgs = d.dir.path().join("imgs");
    let (r, got) =
        read(std::slice::from_ref(&f), &IngestOptions { images_dir: Some(imgs.clone()), ..auto() });
    let s = r.unwrap();
    assert_eq!(s.diagnostics.warning_count, 0, "{:?}", s.diagnostics);
    let expected = images::absolute_dir(&imgs).join("slippers.png");
    assert_eq!(items(&got)[0].image.as_deref(), Some(expected.to_str().unwrap()));

    let g = d.file("items.jsonl", "{\"id\":\"a\",\"query\":\"q\",\"image\":\"nope.png\"}\n");
    let (r, got) = read(std::slice::from_ref(&g), &auto());
    let s = r.unwrap();
    assert_eq!(s.diagnostics.warning_count, 1);
    assert!(
        s.diagnostics.warnings[0].starts_with(&format!("{}:1: image \"nope.png\" not found", g.display()))
    );
    // The path is still stored, absolute, so that the file can be added later.
    assert!(Path::new(items(&got)[0].image.as_deref().unwrap()).is_absolute());

    let e = errors(&[g], &IngestOptions { images_dir: Some(d.dir.path().join("nowhere")), ..auto() });
    assert!(e[0].ends_with("--images-dir is not a folder"), "{e:?}");
}

#[test]
fn pairs_duplicates_and_images() {
    let d = Dir::new();
    d.file("images/clock.png", b"png");
    let f = d.file(
        "pairs.jsonl",
        concat!(
            "{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\",\"images\":[\"images/clock.png\"]}\n",
            "{\"id\":\"p-2\",\"prompt\":\"p\",\"chosen\":\"c2\",\"rejected\":\"r\"}\n",
        ),
    );
    let (r, got) = read(std::slice::from_ref(&f), &auto());
    assert_eq!(r.unwrap().pairs, 2);
    let Record::Pair(p) = &got[0] else { panic!() };
    assert!(p.images[0].ends_with("images/clock.png") && Path::new(&p.images[0]).is_absolute());
    let dup = d.file("dup.jsonl", "{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\"}\n{\"rejected\":\"r\",\"prompt\":\"p\",\"chosen\":\"c\"}\n");
    let e = errors(std::slice::from_ref(&dup), &auto());
    assert!(e[0].starts_with(&format!("{}:2: duplicate pair id \"pair-", dup.display())), "{e:?}");
}

#[test]
fn a_sink_failure_aborts_reading() {
    let d = Dir::new();
    let f = d.file("items.jsonl", "{\"id\":\"a\",\"query\":\"q\"}\n{\"id\":\"b\",\"query\":\"q\"}\n");
    let mut calls = 0;
    let r = read_inputs(&[f], &auto(), &Schema::cross_eval(), &mut |_| {
        calls += 1;
        Err(std::io::Error::other("disk full"))
    });
    assert!(matches!(r, Err(IngestError::Aborted(e)) if e.to_string() == "disk full"));
    assert_eq!(calls, 1);
}

#[test]
fn a_long_line_is_read() {
    let d = Dir::new();
    let long = "x".repeat(10 << 20);
    let f = d.file("long.jsonl", format!("{{\"id\":\"a\",\"query\":\"{long}\"}}\n"));
    let (r, got) = read(&[f], &auto());
    assert_eq!(r.unwrap().items, 1);
    assert_eq!(items(&got)[0].query.len(), 10 << 20);
}

#[test]
fn progress_counts_bytes() {
    let d = Dir::new();
    let content = "{\"id\":\"a\",\"query\":\"q\"}\n";
    let f = d.file("items.jsonl", content);
    let counter = Arc::new(AtomicU64::new(0));
    let opts = IngestOptions { format: Some(Format::Items), progress: Some(counter.clone()), ..auto() };
    read(&[f], &opts).0.unwrap();
    assert_eq!(counter.load(Ordering::Relaxed), content.len() as u64);
}

#[test]
fn suggestions_and_kinds() {
    assert_eq!(suggest("qeury", items::ITEM_KEYS).as_deref(), Some("query"));
    assert_eq!(suggest("Image", items::ITEM_KEYS).as_deref(), Some("image"));
    assert_eq!(suggest("zzzzzz", items::ITEM_KEYS), None);
    assert_eq!(json_kind(&json!("a".repeat(50))), format!("a string (\"{}\"…)", "a".repeat(40)));
}

#[test]
fn classification_by_keys() {
    let c = |v: serde_json::Value| classify(v.as_object().unwrap());
    assert_eq!(c(json!({"id": "a", "query": "q"})), Some(Format::Items));
    assert_eq!(c(json!({"id": "a"})), Some(Format::Items));
    assert_eq!(c(json!({"query": "q"})), Some(Format::Items));
    assert_eq!(c(json!({"id": "p", "prompt": "p", "chosen": "c", "rejected": "r"})), Some(Format::Pairs));
    assert_eq!(c(json!({"chosen": "c", "rejected": "r"})), Some(Format::Pairs));
    assert_eq!(c(json!({"index": "Japan_1", "query": "q", "violated_norm": "n"})), Some(Format::Cross));
    assert_eq!(c(json!({"index": "Japan_1", "id": "x"})), None);
    assert_eq!(c(json!({"chosen": "c", "rejected": "r", "query": "q"})), None);
    assert_eq!(c(json!({"chosen": "c", "rejected": "r", "file_name": "f"})), None);
    assert_eq!(c(json!({"name": "x"})), None);
}

#[test]
fn any_format_in_either_container() {
    let d = Dir::new();
    let items_array = d.file(
        "items.json",
        "[\n {\"id\": \"a\", \"query\": \"q\"},\n {\"id\": \"b\", \"query\": \"q\"}\n]\n",
    );
    let pairs_array = d.file("pairs.json", "[{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\"}]");
    let cross_lines =
        d.file("cross.jsonl", "{\"index\": \"Japan_1\", \"query\": \"q\", \"violated_norm\": \"n\"}\n");
    let (r, got) = read(&[items_array, pairs_array, cross_lines], &auto());
    let s = r.unwrap();
    assert_eq!((s.items, s.pairs), (3, 1));
    assert_eq!(
        s.files.iter().map(|(_, f)| *f).collect::<Vec<_>>(),
        [Format::Items, Format::Pairs, Format::Cross]
    );
    assert_eq!(items(&got)[2].id, "casa/english/Japan_1");
    // A record given twice in one array is a duplicate at the line where the second starts.
    let dup = d.file(
        "dup.json",
        "[\n {\"id\": \"a\", \"query\": \"q\"},\n\n {\"id\": \"a\",\n  \"query\": \"q\"}\n]\n",
    );
    let e = errors(std::slice::from_ref(&dup), &auto());
    assert!(
        e[0].starts_with(&format!("{}:4: duplicate id \"a\", already at {}:2", dup.display(), dup.display())),
        "{e:?}"
    );
}

#[test]
fn keys_quoted_in_an_error_show_control_characters_escaped() {
    let d = Dir::new();
    let f = d.file("odd.jsonl", "{\"na\\u001bme\": 1, \"x\": 2}\n");
    let e = errors(&[f], &auto());
    assert!(e[0].contains("keys (na\\u{1b}me, x)"), "{e:?}");
    assert!(!e.iter().any(|m| m.chars().any(|c| c.is_control())), "{e:?}");
}
