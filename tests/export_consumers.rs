//! Real consumers: a `dpo-trl` export loads with Python's `datasets`
//! (`load_dataset("json", data_files=…)`) into the columns TRL reads. Runs
//! `tests/consumers/check_dpo_trl.py`; when Python or `datasets` is missing the test says it was
//! skipped (on stderr) and passes, since the check cannot be made here.

mod export_fixture;

use assert_cmd::Command;
use crossreview::model::{Pair, Verdict};
use crossreview::schema::Schema;
use crossreview::store::Store;
use export_fixture::{Pick, give_verdict, write_png};
use serde_json::json;
use std::path::Path;

/// Runs the checker; `None` when it could not run here (reason printed).
fn check_with_datasets(export: &Path, expected_rows: usize) -> Option<()> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/consumers/check_dpo_trl.py");
    let out = match std::process::Command::new("python3")
        .arg(&script)
        .arg(export)
        .arg(expected_rows.to_string())
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("SKIPPED: the dpo-trl consumer check needs python3 ({e})");
            return None;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(77) {
        eprintln!("{}", stdout.trim());
        return None;
    }
    assert!(out.status.success(), "datasets could not load {}:\n{stdout}\n{stderr}", export.display());
    eprintln!("{}", stdout.trim());
    Some(())
}

fn export_dpo_trl(session: &Path, out: &Path) {
    Command::cargo_bin("crossreview")
        .unwrap()
        .args(["export", session.to_str().unwrap(), "--format", "dpo-trl", "--out", out.to_str().unwrap()])
        .assert()
        .success();
}

#[test]
fn dpo_trl_mixed_prompts_load_in_datasets() {
    // Standard and conversational prompts, images absolute, relative and URLs, a flipped pair.
    let fx = export_fixture::build();
    let out = fx.path("exports/dpo.jsonl");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    export_dpo_trl(&fx.session, &out);
    check_with_datasets(&out, 3);
}

#[test]
fn dpo_trl_standard_prompts_load_in_datasets() {
    // Only standard (string) prompts, one pair without images: the file stays standard.
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.db");
    let image = dir.path().join("img").join("a.png");
    write_png(&image);
    let mut store = Store::create(&session, &Schema::cross_eval(), false).unwrap();
    store
        .import(|imp| {
            for (id, images) in
                [("a", vec![image.to_string_lossy().into_owned()]), ("b", vec![]), ("c", vec![])]
            {
                imp.upsert_pair(&Pair {
                    id: id.into(),
                    prompt: json!(format!("prompt {id}")),
                    chosen: json!(format!("chosen {id}")),
                    rejected: json!(format!("rejected {id}")),
                    images,
                    item_id: None,
                    meta: Default::default(),
                })?;
            }
            Ok(())
        })
        .unwrap();
    give_verdict(&mut store, "ann", "a", true, Pick::Left);
    give_verdict(&mut store, "ann", "b", false, Pick::Left);
    give_verdict(&mut store, "ann", "c", true, Pick::Other(Verdict::BothBad));
    let out = dir.path().join("dpo.jsonl");
    export_dpo_trl(&session, &out);
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["prompt"], "prompt a");
    assert_eq!(rows[1]["chosen"], "rejected b", "flipped: the rejected response was picked");
    check_with_datasets(&out, 2);
}
