//! Any bytes, read as each input format: the importer must return records or located errors,
//! never panic or hang.
#![no_main]

use crossreview::ingest::{Format, IngestOptions, read_inputs};
use crossreview::schema::Schema;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let schema = Schema::cross_eval();
    for (name, format) in [
        ("a.jsonl", Some(Format::Auto)),
        ("b.jsonl", Some(Format::Items)),
        ("results_m_r1.json", Some(Format::Cross)),
        ("c.jsonl", Some(Format::Pairs)),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, data).unwrap();
        let opts = IngestOptions { format, model: None, images_dir: None, gold: false, progress: None };
        let _ = read_inputs(&[path], &opts, &schema, &mut |_| Ok::<(), std::convert::Infallible>(()));
    }
});
