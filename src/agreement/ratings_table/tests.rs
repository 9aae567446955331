//! Ratings tables read from bytes and from streams: layouts, category order, located errors.

use super::*;
use crate::agreement::matrix::MISSING;
use serde_json::json;
use std::io::Read;

fn csv(s: &str) -> Result<RatingsTable, Vec<String>> {
    parse_ratings(s.as_bytes(), "r.csv", None).map_err(|e| e.lines)
}

#[test]
fn csv_with_item_column_missing_cells_and_numeric_order() {
    let t = csv("item,ann1,ann2\r\na,2,1\nb,,10\n\"c\",1,\n").unwrap();
    assert_eq!(t.raters, vec!["ann1", "ann2"]);
    assert_eq!(t.items, Some(vec!["a".into(), "b".into(), "c".into()]));
    assert_eq!(t.labels, vec![json!(1), json!(2), json!(10)]);
    assert_eq!(t.values, Some(vec![1.0, 2.0, 10.0]));
    assert_eq!(t.matrix.row(0), &[1, MISSING, 0]);
    assert_eq!(t.matrix.row(1), &[0, 2, MISSING]);
}

#[test]
fn csv_text_categories_in_order_of_first_appearance() {
    let t = csv("a,b\nyes,no\nmaybe,yes\n").unwrap();
    assert_eq!(t.labels, vec![json!("yes"), json!("no"), json!("maybe")]);
    assert_eq!(t.values, None);
    assert_eq!(t.items, None);
}

#[test]
fn csv_quoted_cells_and_tabs() {
    let t = csv("x\ty\n\"a, b\"\t\"say \"\"hi\"\"\"\n").unwrap();
    assert_eq!(t.labels, vec![json!("a, b"), json!("say \"hi\"")]);
}

#[test]
fn csv_multiline_quoted_cells_keep_line_numbers() {
    let t = csv("a,b\r\n\"x\r\ny\",1\r\n\n2,\"3\"\r\n").unwrap();
    assert_eq!(t.labels, vec![json!("x\r\ny"), json!("1"), json!("2"), json!("3")]);
    let e = csv("a,b\n\"x\ny\",1\n1,2,3\n").unwrap_err();
    assert_eq!(e, vec!["r.csv:4: 3 cells, but the header has 2 columns"]);
    let e = csv("a,b\n\"x,1\n").unwrap_err();
    assert_eq!(e, vec!["r.csv:2: a quoted cell is not closed (missing '\"')"]);
}

#[test]
fn csv_errors_say_where() {
    let e = csv("a,b\n1,2\n1,2,3\n").unwrap_err();
    assert_eq!(e, vec!["r.csv:3: 3 cells, but the header has 2 columns"]);
    let e = csv("a,a\n1,2\n").unwrap_err();
    assert!(e[0].starts_with("r.csv:1:3: rater \"a\" is named twice"), "{e:?}");
    let e = parse_ratings(b"a,b\n1,7\n", "r.csv", Some(&["1".into(), "2".into()])).unwrap_err().lines;
    assert!(
        e[0].starts_with("r.csv:2:3: \"7\" is not one of the categories 1, 2 (from --categories)"),
        "{e:?}"
    );
}

#[test]
fn declared_categories_set_the_order_and_match_numerically() {
    let t =
        parse_ratings(b"a,b\n1.0,3\n2,1\n", "r.csv", Some(&["3".into(), "2".into(), "1".into()])).unwrap();
    assert_eq!(t.labels, vec![json!(3), json!(2), json!(1)]);
    assert_eq!(t.matrix.row(0), &[2, 1]);
    assert_eq!(t.matrix.row(1), &[0, 2]);
}

#[test]
fn json_layout_with_reference_keys() {
    let text = r#"{"name": "x", "level": "ordinal", "categories": ["lo", "mid", "hi"],
        "raters": ["A", "B"], "expected": {"k": {"value": 1}},
        "ratings": [["lo", null, "hi"], ["mid", "mid", null]]}"#;
    let t = parse_ratings(text.as_bytes(), "g.json", None).unwrap();
    assert_eq!(t.raters, vec!["A", "B"]);
    assert_eq!(t.level, Some(Level::Ordinal));
    assert_eq!(t.labels, vec![json!("lo"), json!("mid"), json!("hi")]);
    assert_eq!(t.matrix.row(0), &[0, MISSING, 2]);
    assert_eq!(t.matrix.row(1), &[1, 1, MISSING]);
}

#[test]
fn json_errors_have_lines() {
    let e = parse_ratings(b"{\"ratings\": [[1, 2],\n [1]]}", "g.json", None).unwrap_err().lines;
    assert!(e[0].starts_with("g.json:2: rater 2 has 1 ratings"), "{e:?}");
    let e = parse_ratings(b"{\"categories\": [1, 2],\n\"ratings\": [[1, 2],\n [1, 3]]}", "g.json", None)
        .unwrap_err()
        .lines;
    assert!(e[0].starts_with("g.json:3:6: \"3\" is not one of the categories 1, 2"), "{e:?}");
    let e = parse_ratings(b"{\"ratings\": [[1, 2,]]}", "g.json", None).unwrap_err().lines;
    assert!(e[0].starts_with("g.json:1:20: trailing comma"), "{e:?}");
    let e = parse_ratings(b"{\"ratings\": [[1, [2]]]}", "g.json", None).unwrap_err().lines;
    assert!(e[0].contains("not an array or object"), "{e:?}");
}

#[test]
fn many_errors_are_capped_with_a_count() {
    let mut s = String::from("a,b\n");
    for _ in 0..60 {
        s.push_str("1\n");
    }
    let e = csv(&s).unwrap_err();
    assert_eq!(e.len(), 51);
    assert_eq!(e[50], "r.csv: 60 errors in all (10 not shown)");
}

/// Hands out its bytes a few at a time, so that every chunk boundary of a stream is crossed.
struct Trickle<'a> {
    bytes: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

#[test]
fn a_stream_in_small_pieces_reads_like_the_whole_file() {
    let files: [&[u8]; 6] = [
        b"\xEF\xBB\xBFitem,a,b\n1,\"x \"\"q\"\"\",2\n\n2,,\"y\"\n",
        b"a,b\n\"\"\"\",1\n2,\"\"\n",
        b"a,b\n\"x\ny\",1\n1,2,3\n",
        b"a,b\n\"x,1\n2,2\n",
        b"\n\n{\"level\": \"ordinal\", \"ratings\": [[1, null, 2.50],\n [\"2\", 1, 3]]}",
        b"{\"categories\": [\"a\\\"b\", \"c\"],\n \"ratings\": [[\"a\\\"b\", \"c\"], [\"c\", \"d\"]]}",
    ];
    for bytes in files {
        let whole = parse_ratings(bytes, "f", None);
        for step in [1, 2, 3, 7] {
            let piecewise = read_ratings(Trickle { bytes, step }, "f", None);
            assert_eq!(piecewise, whole, "{:?} in pieces of {step}", String::from_utf8_lossy(bytes));
        }
    }
}

#[test]
fn a_quoted_cell_left_open_is_found_whatever_the_pieces() {
    let bytes = b"a,b\n1,\"say \"\"hi\"\"\n2,3\n";
    for step in [1, 2, 5, 100] {
        let e = read_ratings(Trickle { bytes, step }, "r.csv", None).unwrap_err().lines;
        assert_eq!(e, vec!["r.csv:2: a quoted cell is not closed (missing '\"')"], "pieces of {step}");
    }
    // A quote inside an unquoted cell is a plain character, not an opening quote.
    let t = csv("a,b\nx\"y,1\n").unwrap();
    assert_eq!(t.labels, vec![json!("x\"y"), json!("1")]);
}

#[test]
fn json_values_are_located_where_they_start() {
    let text =
        "{\"categories\": [\"lo\", \"hi\"],\n  \"ratings\": [[\"lo\", \"h\\u00e9\"],\n [\"lo\", 2.0]]}";
    let e = parse_ratings(text.as_bytes(), "g.json", None).unwrap_err().lines;
    assert_eq!(
        e[0],
        "g.json:2:22: \"hé\" is not one of the categories lo, hi (from \"categories\"); add it to \"categories\" or fix the rating"
    );
    assert_eq!(
        e[1],
        "g.json:3:9: \"2.0\" is not one of the categories lo, hi (from \"categories\"); add it to \"categories\" or fix the rating"
    );
    let e = parse_ratings(b"{\"ratings\": [[1],\n   [\"  \"]]}", "g.json", None).unwrap_err().lines;
    assert_eq!(e, vec!["g.json:2:5: an empty string is not a rating; use null for a missing one"]);
    let e = parse_ratings(b"{\"level\": \"fine\", \"ratings\": [[1]]}", "g.json", None).unwrap_err().lines;
    assert_eq!(e, vec!["g.json:1:11: level \"fine\" is not one of nominal, ordinal, interval, ratio"]);
}

#[test]
fn more_than_254_distinct_values_widen_the_cells() {
    let mut s = String::from("a,b\n");
    for i in 0..300 {
        s.push_str(&format!("v{i},v{}\n", (i + 1) % 300));
    }
    let t = csv(&s).unwrap();
    assert_eq!(t.labels.len(), 300);
    assert_eq!(t.matrix.row(0)[299], 299);
    assert_eq!(t.matrix.row(1)[299], 0);
}

#[test]
fn invalid_utf8_is_located() {
    let e = parse_ratings(b"a,b\n1,2\n1,x\xFFy\n", "r.csv", None).unwrap_err().lines;
    assert_eq!(e, vec!["r.csv:3:4: the file is not valid UTF-8"]);
}

/// The same table through the plain-line path and, with its header's first cell quoted, through
/// the `csv` crate from the first line: the same table or the same located errors.
#[test]
fn plain_lines_and_the_csv_path_read_the_same() {
    let cases: [&[u8]; 9] = [
        b"a,b\n1,2\n\n  \n,3\r\n2,\n",
        b"a,b,c\n1,2\n1,2,3,4\n9,x,\n",
        b"item,a,b\ni1,1,2\ni2,,1\ni1,2,2\n,1,1\n",
        b"a,b\n1, 2\n 2,x\n",
        b"a\n1\n\n2\n \n",
        b"a\tb\n1\t2\n\t1\n",
        b"a,a,\n1,2,3\n",
        b"a,b\n1,2\n1,\xff\n",
        b"a,b\n1,2\n3,\"4\"\n5,6\n",
    ];
    for text in cases {
        let bytes = text;
        let plain = parse_ratings(bytes, "r.csv", None);
        let mut quoted = b"\"".to_vec();
        let k = bytes.iter().position(|&b| b == b',' || b == b'\t' || b == b'\n').unwrap();
        quoted.extend_from_slice(&bytes[..k]);
        quoted.push(b'"');
        quoted.extend_from_slice(&bytes[k..]);
        assert_eq!(plain, parse_ratings(&quoted[..], "r.csv", None), "{:?}", String::from_utf8_lossy(text));
    }
    let e = csv("a,b\n1,2\n1,2,3\n\"x\",1\n1\n").unwrap_err();
    assert_eq!(
        e[..2],
        ["r.csv:3: 3 cells, but the header has 2 columns", "r.csv:5: 1 cells, but the header has 2 columns"]
    );
    let t = csv("a\n1\n\n2\n").unwrap();
    assert_eq!(t.matrix.n_items(), 2);
}
