//! The shared ingest fixtures keep the shapes other tests rely on: a broken fixture would make
//! those tests pass or fail for the wrong reason.

use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest").join(name)
}

fn json_array(name: &str) -> Vec<Map<String, Value>> {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    match serde_json::from_str(&text).unwrap() {
        Value::Array(records) => records
            .into_iter()
            .map(|r| match r {
                Value::Object(o) => o,
                other => panic!("{name}: record is not an object: {other}"),
            })
            .collect(),
        other => panic!("{name}: not a JSON array: {other}"),
    }
}

fn jsonl(name: &str) -> Vec<Map<String, Value>> {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match serde_json::from_str(l.trim_end_matches('\r')).unwrap() {
            Value::Object(o) => o,
            other => panic!("{name}: line is not an object: {other}"),
        })
        .collect()
}

fn decodes(path: &Path) -> bool {
    image::open(path).is_ok()
}

#[test]
fn cross_image_urls_resolve_by_file_name_to_real_images() {
    for name in [
        "cross_casa_english.json",
        "cross_casa_multilingual.json",
        "cross_safeworld.json",
        "results_gpt-4o_r1.json",
        "results_qwen2-vl-7b_r1.json",
        "release_shape/results_gpt-4o_r1.json",
    ] {
        for record in json_array(name) {
            let url = record["file_name"].as_str().unwrap();
            assert!(url.starts_with("https://example.org/"), "{name}: {url}");
            let file = url.rsplit('/').next().unwrap();
            assert!(decodes(&fixture("images").join(file)), "{name}: {file} does not decode");
        }
    }
    // At least one of them really is a JPEG, not a PNG under another name.
    let jpeg = std::fs::read(fixture("images/knife.jpg")).unwrap();
    assert_eq!(image::guess_format(&jpeg).unwrap(), image::ImageFormat::Jpeg);
}

#[test]
fn cross_subsets_have_their_distinguishing_keys() {
    for record in json_array("cross_casa_english.json") {
        assert!(record.contains_key("violated_norm") && !record.contains_key("translated_query"));
    }
    for record in json_array("cross_casa_multilingual.json") {
        assert!(record.contains_key("translated_query") && record.contains_key("language"));
    }
    for record in json_array("cross_safeworld.json") {
        assert!(record.contains_key("violated_specific_norm") && !record.contains_key("violated_norm"));
        for key in ["country", "topic", "root_norm", "region_or_race", "violated_aug_norm", "scene"] {
            assert!(record[key].is_string(), "safeworld: {key}");
        }
    }
}

#[test]
fn judge_outputs_extend_the_multilingual_records() {
    let dataset = json_array("cross_casa_multilingual.json");
    for name in
        ["results_gpt-4o_r1.json", "results_qwen2-vl-7b_r1.json", "release_shape/results_gpt-4o_r1.json"]
    {
        let results = json_array(name);
        assert_eq!(results.len(), dataset.len(), "{name}");
        for (result, record) in results.iter().zip(&dataset) {
            for (k, v) in record {
                assert_eq!(&result[k], v, "{name}: {k} differs from the dataset record");
            }
            assert!(result["model_response"].is_string());
            let eval = result["evaluation"].as_object().unwrap();
            let profile = eval["dim_profile"].as_object().unwrap();
            let reasoning = eval["reasoning"].as_object().unwrap();
            let dims: Vec<&str> = profile.keys().map(String::as_str).collect();
            assert_eq!(dims, ["Awareness", "Education", "Violation", "Helpfulness"], "{name}");
            assert_eq!(reasoning.keys().collect::<Vec<_>>(), profile.keys().collect::<Vec<_>>());
            assert!(profile.values().all(|v| matches!(v.as_i64(), Some(0 | 1))));
        }
    }
}

#[test]
fn crlf_fixture_has_a_bom_and_only_crlf_line_ends() {
    let bytes = std::fs::read(fixture("items_crlf_bom.jsonl")).unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    let lf = bytes.iter().filter(|&&b| b == b'\n').count();
    let crlf = bytes.windows(2).filter(|w| w == b"\r\n").count();
    assert!(lf >= 3 && lf == crlf, "{lf} LF, {crlf} CRLF");
    assert_eq!(jsonl("items_crlf_bom.jsonl").len(), 3);
}

#[test]
fn canonical_fixtures_have_their_documented_counts() {
    let items = jsonl("items_ok.jsonl");
    assert_eq!(items.len(), 5);
    let raw = std::fs::read_to_string(fixture("items_ok.jsonl")).unwrap();
    assert!(raw.lines().any(|l| l.trim().is_empty()), "items_ok.jsonl keeps one blank line");
    let pairs = jsonl("pairs_ok.jsonl");
    assert_eq!(pairs.len(), 3);
    assert_eq!(pairs.iter().filter(|p| !p.contains_key("id")).count(), 1);
    assert_eq!(pairs.iter().filter(|p| p["prompt"].is_array()).count(), 1);
}

#[test]
fn multilingual_fixture_covers_nine_scripts_and_carries_hostile_text() {
    let items = jsonl("multilingual.jsonl");
    let languages: BTreeSet<&str> = items.iter().map(|i| i["language"].as_str().unwrap()).collect();
    let expected: BTreeSet<&str> =
        ["zh", "ja", "ko", "ar", "fa", "hi", "th", "am", "ru"].into_iter().collect();
    assert_eq!(languages, expected);
    for item in &items {
        let image = item["image"].as_str().unwrap();
        assert!(decodes(&fixture(image)), "{image}");
    }

    let texts: Vec<&str> = items
        .iter()
        .flat_map(|i| i["responses"].as_array().unwrap())
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    let hostile = texts.iter().find(|t| t.contains('\u{1b}')).expect("a response with escape sequences");
    for needle in [
        "\u{1b}]52;c;",
        "\u{1b}]0;pwned\u{7}",
        "\u{1b}[2J",
        "\u{9b}",
        "\u{202e}",
        "👨\u{200d}👩\u{200d}👧",
        "\t",
        "\u{301}",
    ] {
        assert!(hostile.contains(needle), "missing {needle:?}");
    }

    // The file itself stays safe to print: the dangerous characters are JSON escapes, not raw.
    let raw = std::fs::read_to_string(fixture("multilingual.jsonl")).unwrap();
    for c in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\t'] {
        assert!(!raw.contains(c), "raw {c:?} in the fixture file");
    }
}
