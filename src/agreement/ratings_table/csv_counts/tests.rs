//! The counted CSV against the general reader and the matrix: the same statistics, byte for
//! byte, or declined.

use super::super::{CountedRatings, RatingsError, count_ratings, count_ratings_file, parse_ratings};
use super::*;
use crate::agreement::{Level, Options, Scale, analyze, analyze_counts};
use crate::rng::SplitMix64;

/// Every statistic (with a bootstrap interval) as JSON text.
fn report(raters: &[String], labels: &[Value], values: &Option<Vec<f64>>, counts: &TableCounts) -> String {
    let level = if values.is_some() { Level::Interval } else { Level::Ordinal };
    let scale = Scale { labels: labels.to_vec(), values: values.clone(), level };
    let opts = Options { bootstrap: Some(50), seed: 3 };
    analyze_counts(counts, raters, &scale, &opts).to_json().to_string()
}

/// The general reader's table, through its matrix.
fn general(bytes: &[u8], flag: Option<&[String]>) -> String {
    let t = parse_ratings(bytes, "r.csv", flag).expect("a valid table");
    let level = if t.values.is_some() { Level::Interval } else { Level::Ordinal };
    let scale = Scale { labels: t.labels.clone(), values: t.values.clone(), level };
    let opts = Options { bootstrap: Some(50), seed: 3 };
    analyze(&t.matrix, &t.raters, &scale, &opts).to_json().to_string()
}

fn counted(bytes: &[u8], flag: Option<&[String]>, plan: Plan) -> Result<String, Declined> {
    let c = count_csv(bytes, "r.csv", flag, plan)?;
    Ok(report(&c.raters, &c.labels, &c.values, &c.counts))
}

const PLANS: [Plan; 3] = [
    Plan { chunk: 5, split_from: 0 },
    Plan { chunk: 64, split_from: 1 << 20 },
    Plan { chunk: 300, split_from: 100 },
];

/// A random common table: `raters` columns, values from `values` (padded with spaces now and
/// then), 20 % empty cells, some empty rows and blank lines, CRLF or LF, with or without a
/// final line break or a byte-order mark, comma or tab.
fn table(rng: &mut SplitMix64, raters: usize, items: usize, values: &[&str]) -> Vec<u8> {
    let delim = if rng.below(4) == 0 { "\t" } else { "," };
    let eol = if rng.below(3) == 0 { "\r\n" } else { "\n" };
    let mut s = String::new();
    if rng.below(5) == 0 {
        s.push('\u{feff}');
    }
    let names: Vec<String> = (0..raters).map(|r| format!("rater {r}")).collect();
    s.push_str(&names.join(delim));
    for i in 0..items {
        s.push_str(eol);
        if rng.below(40) == 0 {
            s.push_str(if rng.below(2) == 0 { "" } else { "  " });
            s.push_str(eol);
        }
        let empty_row = rng.below(30) == 0;
        let cells: Vec<String> = (0..raters)
            .map(|_| match rng.below(5) {
                _ if empty_row => String::new(),
                0 => String::new(),
                _ => {
                    let v = values[rng.below(values.len() as u64) as usize];
                    if rng.below(25) == 0 { format!(" {v} ") } else { v.to_string() }
                }
            })
            .collect();
        s.push_str(&cells.join(delim));
        if i + 1 == items && rng.below(2) == 0 {
            s.push_str(eol);
        }
    }
    s.into_bytes()
}

#[test]
fn counts_give_the_statistics_of_the_matrix_byte_for_byte() {
    let mut rng = SplitMix64::new(42);
    let numbers: &[&str] = &["1", "2", "3", "4", "5"];
    let numbers_and_spellings: &[&str] = &["1", "2", "3", "4", "5", "2.0"];
    let words: &[&str] = &["yes", "no", "maybe", "not sure"];
    let scale: Vec<String> = ["1", "2", "3", "4", "5", "6"].iter().map(|s| s.to_string()).collect();
    for case in 0..120 {
        let raters = [2, 3, 4, 5, 6, 7, 10][case % 7];
        let values = match case % 3 {
            0 => numbers,
            1 if raters <= 6 => numbers_and_spellings,
            1 => numbers,
            _ => words,
        };
        let items = [1, 2, 17, 150, 400][case % 4 + usize::from(case % 7 == 0)];
        let bytes = table(&mut rng, raters, items, values);
        // Ten raters have dense pattern keys up to five categories.
        let scale = if raters == 10 { &scale[..5] } else { &scale[..] };
        let flag = (values != words && case % 2 == 0).then_some(scale);
        let expected = general(&bytes, flag);
        for plan in PLANS {
            let got = counted(&bytes, flag, plan)
                .unwrap_or_else(|_| panic!("declined: {:?}", String::from_utf8_lossy(&bytes)));
            assert_eq!(got, expected, "case {case}, {plan:?}: {:?}", String::from_utf8_lossy(&bytes));
        }
    }
}

/// Tables the counting reader leaves to the general one: `count_ratings` still gives the same
/// statistics, or the same located errors.
#[test]
fn uncommon_tables_are_declined_and_read_as_before() {
    let cases: [(&[u8], Option<&[&str]>); 16] = [
        (b"a,b\n1,\"2\"\n2,1\n", None),
        (b"item,a,b\ni1,1,2\ni2,2,2\n", None),
        (b"a,b\n1,2\n1,2,3\n", None),
        (b"a,b\n1,2\n1\n", None),
        (b"a,b\n1,2\n1,x\xFFy\n", None),
        (b"a,b\n1,2\n3,4\n5,6\n7,8\n1,2\n3,4\n5,6\n7,8\n", None),
        (b"a,b\n1,7\n", Some(&["1", "2"])),
        (b"a,b\n1,2\r3\n", None),
        (b"\na,b\n1,2\n", None),
        (b"a,a\n1,2\n", None),
        (b"a\n1\n2\n", None),
        (b"a,b\n", None),
        (b"a,b\n,\n,\n", None),
        (b"{\"ratings\": [[1, 2], [2, 2]]}", None),
        (b"a,,b\n1,2,3\n", None),
        (b"a,b,c,d,e,f,g,h,i,j\n1,2,1,2,1,2,1,2,1,2\n\n", Some(&["1", "2", "3", "4", "5", "6"])),
    ];
    for (bytes, flag) in cases {
        let flag: Option<Vec<String>> = flag.map(|f| f.iter().map(|s| s.to_string()).collect());
        let flag = flag.as_deref();
        for plan in PLANS {
            assert!(count_csv(bytes, "r.csv", flag, plan).is_err(), "{:?}", String::from_utf8_lossy(bytes));
        }
        let text = |r: Result<CountedRatings, RatingsError>| {
            r.map(|c| {
                (c.raters.clone(), c.labels.clone(), report(&c.raters, &c.labels, &c.values, &c.counts))
            })
        };
        let through_matrix = parse_ratings(bytes, "r.csv", flag).map(CountedRatings::from_table);
        assert_eq!(text(count_ratings(bytes, "r.csv", flag)), text(through_matrix));
    }
}

#[test]
fn a_file_is_counted_like_its_bytes() {
    let mut rng = SplitMix64::new(5);
    let bytes = table(&mut rng, 4, 3000, &["a", "b", "c"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    std::fs::write(&path, &bytes).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let c = count_ratings_file(&file, bytes.len() as u64, "r.csv", None).unwrap();
    let plan = Plan { chunk: 1000, split_from: 0 };
    assert_eq!(
        Ok(report(&c.raters, &c.labels, &c.values, &c.counts)),
        counted(&bytes, None, plan).map_err(|_| ())
    );
    assert_eq!(report(&c.raters, &c.labels, &c.values, &c.counts), general(&bytes, None));
}
