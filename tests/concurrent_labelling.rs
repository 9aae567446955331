//! Several processes labelling one session at once lose nothing and never see "database is
//! locked". The test re-runs its own binary as the worker processes (the `worker` test below
//! does the work only when the environment asks it to).

use crossreview::model::{Item, Response, TaskRef};
use crossreview::schema::Schema;
use crossreview::store::{NewEvent, Store};
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const ITEMS: usize = 40;
const MODELS: [&str; 3] = ["gpt-4o", "qwen2-vl-7b", "llava-1.6-34b"];

#[test]
fn worker() {
    let (Ok(session), Ok(name), Ok(secs), Ok(log)) = (
        std::env::var("CR_WORKER_SESSION"),
        std::env::var("CR_WORKER_NAME"),
        std::env::var("CR_WORKER_SECONDS"),
        std::env::var("CR_WORKER_LOG"),
    ) else {
        return; // run directly by `cargo test`: nothing to do
    };
    let mut store = Store::open(&PathBuf::from(session)).expect("open");
    let dims = store.schema().dimension_names();
    let mut rng = crossreview::rng::SplitMix64::new(crossreview::rng::stable_hash(&[&name]));
    let mut out = std::io::BufWriter::new(std::fs::File::create(log).unwrap());
    let deadline = Instant::now() + Duration::from_secs_f64(secs.parse().unwrap());
    while Instant::now() < deadline {
        let item = rng.below(ITEMS as u64);
        let model = MODELS[rng.below(3) as usize];
        let dim = &dims[rng.below(dims.len() as u64) as usize];
        let value = rng.below(2) as i64;
        let ev = NewEvent {
            annotator: name.clone(),
            task: TaskRef::Response { item_id: format!("item-{item}"), model: model.into() },
            field: dim.clone(),
            value: Some(value),
            text: None,
            seconds: 1.0,
            judge_visible: true,
        };
        // Every error fails the worker, and with it the test.
        let stored = store.record(&ev).expect("record must not fail under contention");
        // Logged only after `record` returned: the label was shown as saved.
        writeln!(out, "{}\t{}\t{}\t{}\t{}", stored.uid, item, model, dim, value).unwrap();
    }
    out.flush().unwrap();
}

fn run_workers(n: usize, seconds: f64) {
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("shared.db");
    let mut store = Store::create(&session, &Schema::cross_eval(), false).unwrap();
    store
        .import(|imp| {
            for i in 0..ITEMS {
                imp.upsert_item(&Item {
                    id: format!("item-{i}"),
                    query: "q".into(),
                    responses: MODELS
                        .iter()
                        .map(|m| Response { model: m.to_string(), text: "t".into(), ..Default::default() })
                        .collect(),
                    ..Default::default()
                })?;
            }
            Ok(())
        })
        .unwrap();
    drop(store);
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..n)
        .map(|w| {
            Command::new(&exe)
                .args(["--exact", "worker", "--nocapture", "--test-threads=1"])
                .env("CR_WORKER_SESSION", &session)
                .env("CR_WORKER_NAME", format!("annotator-{w}"))
                .env("CR_WORKER_SECONDS", seconds.to_string())
                .env("CR_WORKER_LOG", dir.path().join(format!("w{w}.log")))
                // The child's own test summary would read like ours; its panics go to stderr.
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a worker failed");
    }
    let store = Store::open(&session).unwrap();
    let events = store.events().unwrap();
    let current = store.current_labels().unwrap();
    let mut logged = 0;
    for w in 0..n {
        let name = format!("annotator-{w}");
        let text = std::fs::read_to_string(dir.path().join(format!("w{w}.log"))).unwrap();
        let mut last: HashMap<(String, String, String), i64> = HashMap::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            assert!(
                events.iter().any(|e| e.uid == f[0]),
                "label {} shown as saved but not in the session",
                f[0]
            );
            last.insert(
                (format!("item-{}", f[1]), f[2].to_string(), f[3].to_string()),
                f[4].parse().unwrap(),
            );
            logged += 1;
        }
        assert!(!last.is_empty(), "worker {w} labelled nothing");
        for ((item, model, dim), v) in last {
            let task = TaskRef::Response { item_id: item, model };
            let got = current
                .iter()
                .find(|c| c.annotator == name && c.task == task && c.field == dim)
                .and_then(|c| c.value);
            assert_eq!(got, Some(v), "current label differs from the last one given");
        }
    }
    assert_eq!(events.len(), logged, "event count matches what the workers saved");
    let ok: String = store.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
}

/// Issue 6: two processes for ten seconds; issue 7: four processes for thirty seconds.
#[test]
fn four_processes_label_one_session_for_thirty_seconds() {
    run_workers(4, 30.0);
}

#[test]
fn two_processes_label_one_session_for_ten_seconds() {
    run_workers(2, 10.0);
}
