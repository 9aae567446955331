//! A property-based fuzz run over the importers, cheap enough for every CI run (the coverage-
//! guided targets are in `fuzz/`): mutated versions of real-shaped inputs never panic or hang,
//! and every rejection names the file and a line.

use crossreview::ingest::{IngestError, IngestOptions, read_inputs};
use crossreview::schema::Schema;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest");
    let mut out = Vec::new();
    for name in [
        "items_ok.jsonl",
        "pairs_ok.jsonl",
        "multilingual.jsonl",
        "cross_casa_multilingual.json",
        "cross_safeworld.json",
        "results_gpt-4o_r1.json",
    ] {
        out.push((name.to_string(), std::fs::read(dir.join(name)).unwrap()));
    }
    out
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipByte(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    DeleteRange(usize, usize),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let nasty = prop_oneof![
        Just(b"\x1b]52;c;SGVsbG8=\x07".to_vec()),
        Just(b"\xff\xfe\x00".to_vec()),
        Just(b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[".to_vec()),
        Just(b"\"\\u".to_vec()),
        Just(b"\n\n\r\n".to_vec()),
        Just(b"{\"id\":1}".to_vec()),
        Just(b"null".to_vec()),
        Just(b"\"judge\": {\"awareness\": 7}".to_vec()),
        Just("\u{202e}\u{200d}\u{0301}".as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 0..16),
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::FlipByte(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), nasty).prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Mutation::DeleteRange(i, n)),
        (any::<usize>(), 0usize..200).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn apply(mut data: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let len = data.len().max(1);
        match m {
            Mutation::FlipByte(i, b) => {
                if !data.is_empty() {
                    let i = i % data.len();
                    data[i] ^= b;
                }
            }
            Mutation::Truncate(i) => data.truncate(i % len),
            Mutation::Insert(i, v) => {
                let i = (i % len).min(data.len());
                data.splice(i..i, v.iter().copied());
            }
            Mutation::DeleteRange(i, n) => {
                let i = (i % len).min(data.len());
                let j = (i + n).min(data.len());
                data.drain(i..j);
            }
            Mutation::Duplicate(i, n) => {
                let i = (i % len).min(data.len());
                let j = (i + n).min(data.len());
                let piece = data[i..j].to_vec();
                data.splice(j..j, piece);
            }
        }
    }
    data
}

fn check(name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let opts = IngestOptions {
        format: None,
        model: Some("m".into()),
        images_dir: None,
        gold: false,
        progress: None,
    };
    let mut n = 0usize;
    match read_inputs(std::slice::from_ref(&path), &opts, &Schema::cross_eval(), &mut |_| {
        n += 1;
        Ok::<(), std::convert::Infallible>(())
    }) {
        Ok(_) => {}
        Err(IngestError::Invalid(d)) => {
            prop_assert!(d.error_count > 0);
            let shown = path.display().to_string();
            for e in &d.errors {
                prop_assert!(e.starts_with(&shown), "error without its file: {e}");
                let rest = &e[shown.len()..];
                // FILE:LINE[:COLUMN]: message, or FILE: message for whole-file problems.
                let located = rest.starts_with(": ")
                    || rest.strip_prefix(':').is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
                prop_assert!(located, "badly located error: {e}");
                prop_assert!(
                    !e.chars().any(|c| c.is_control() && c != '\t'),
                    "control character in an error message: {e:?}"
                );
            }
        }
        Err(IngestError::Aborted(e)) => prop_assert!(false, "unexpected abort: {e}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn mutated_inputs_never_panic_and_errors_are_located(
        seed in 0usize..6, muts in proptest::collection::vec(mutation(), 1..6)
    ) {
        let (name, data) = seeds().swap_remove(seed);
        check(&name, &apply(data, &muts))?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000), jsonl in any::<bool>()) {
        check(if jsonl { "x.jsonl" } else { "x.json" }, &bytes)?;
    }
}
