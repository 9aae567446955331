//! A file read with the wrong `--format`: every record would fail with the same kind of error
//! ("unknown key \"index\"" on each line of a CROSS file read as canonical JSONL), so a record
//! whose keys plainly belong to another format is reported once, with the flag to use.

use super::Format;
use super::detect::classify;
use serde_json::Value;

/// What a file whose records look like `format` is called, and the keys that tell it.
fn describe(format: Format) -> &'static str {
    match format {
        Format::Items => "a canonical items file (records with \"id\" and \"query\")",
        Format::Cross => "a CROSS release file (records with \"index\", \"violated_norm\", \"file_name\"…)",
        Format::Pairs => "a preference-pairs file (records with \"chosen\" and \"rejected\")",
        Format::Auto => "another format",
    }
}

/// When a record that failed to parse as `given` (a format the user chose) has the keys of
/// another format: the message saying which, and what to pass instead.
pub(super) fn other_format(text: &str, given: Format) -> Option<String> {
    let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(text) else { return None };
    let looks = classify(&obj)?;
    (looks != given && given != Format::Auto).then(|| {
        format!(
            "this looks like {}, not --format {}: use --format {} (or auto); records like this one are not reported again",
            describe(looks),
            given.name(),
            looks.name()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_format_the_keys_belong_to() {
        let cross = r#"{"index": "Egypt_1", "violated_norm": "n", "query": "q"}"#;
        let m = other_format(cross, Format::Items).unwrap();
        assert!(m.starts_with("this looks like a CROSS release file"), "{m}");
        assert!(m.contains("not --format jsonl: use --format cross (or auto)"), "{m}");
        let pair = r#"{"prompt": "p", "chosen": "c", "rejected": "r"}"#;
        assert!(other_format(pair, Format::Items).unwrap().contains("use --format pairs"));
        let item = r#"{"id": "a", "query": "q", "qeury": "x"}"#;
        assert!(other_format(item, Format::Cross).unwrap().contains("use --format jsonl"));
        // The record's own format, an unclear one, or not JSON: the record's own errors stand.
        assert_eq!(other_format(item, Format::Items), None);
        assert_eq!(other_format(r#"{"colour": "red"}"#, Format::Items), None);
        assert_eq!(other_format("{not json", Format::Items), None);
    }
}
