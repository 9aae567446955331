//! `annotate --hub URL --overlap K` across machines: tasks claimed in the hub with leases
//! (`crossreview::hub::claims`), against a real PostgreSQL server (`pg_common`).

mod pg_common;

use assert_cmd::Command;
use crossreview::hub::Hub;
use crossreview::hub::claims::{ClaimRequest, ClaimView};
use pg_common::Pg;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Barrier};

fn hub_with_tasks(pg: &Pg, db: &str, dir: &Path, items: usize) -> (String, Vec<String>) {
    let url = pg.create_db(db);
    let s = dir.join("lead.db");
    Command::cargo_bin("crossreview").unwrap().arg("init").arg(&s).assert().success();
    let f = dir.join("items.jsonl");
    let lines: String = (0..items)
        .map(|i| format!("{{\"id\": \"c/{i}\", \"query\": \"q {i}\", \"responses\": [{{\"model\": \"m\", \"text\": \"a {i}\"}}]}}\n"))
        .collect();
    std::fs::write(&f, lines).unwrap();
    Command::cargo_bin("crossreview").unwrap().arg("import").arg(&s).arg(&f).assert().success();
    Command::cargo_bin("crossreview").unwrap().args(["hub", "init"]).arg(&url).arg(&s).assert().success();
    (url, (0..items).map(|i| format!("r\u{1f}c/{i}\u{1f}m")).collect())
}

fn claim(hub: &mut Hub, who: &str, window: &[String], done: &[String], lease: u64) -> ClaimView {
    hub.claim(&ClaimRequest { annotator: who, overlap: 2, window, done, ahead: 2, lease_seconds: lease })
        .unwrap()
}

#[test]
fn three_sessions_claiming_at_once_never_put_more_than_two_annotators_on_a_task() {
    let Some(pg) = Pg::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (url, tasks) = hub_with_tasks(&pg, "claims", dir.path(), 30);
    let barrier = Arc::new(Barrier::new(3));
    let workers: Vec<_> = ["ana", "ben", "chen"]
        .into_iter()
        .map(|who| {
            let (url, tasks, barrier) = (url.clone(), tasks.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let mut hub = Hub::connect(&url).unwrap();
                let mut labelled: Vec<String> = Vec::new();
                // Every session has the same queue: the worst case for collisions.
                for _ in 0..40 {
                    barrier.wait();
                    let view = claim(&mut hub, who, &tasks, &labelled, 60);
                    // "Label" every task held, as the annotator would, for the next round.
                    for t in &tasks {
                        if view.mine.contains(t) && !labelled.contains(t) {
                            labelled.push(t.clone());
                        }
                    }
                }
                labelled
            })
        })
        .collect();
    let mut per_task: BTreeMap<String, usize> = BTreeMap::new();
    for w in workers {
        for t in w.join().unwrap() {
            *per_task.entry(t).or_default() += 1;
        }
    }
    assert!(per_task.values().all(|&n| n <= 2), "{per_task:?}");
    assert_eq!(per_task.len(), 30, "every task was served");
    assert!(per_task.values().all(|&n| n == 2), "every task reached K: {per_task:?}");
    let mut c = pg.client("claims");
    let rows = c
        .query("SELECT task, count(DISTINCT holder) FROM crossreview.leases WHERE done GROUP BY task", &[])
        .unwrap();
    assert_eq!(rows.len(), 30);
    assert!(rows.iter().all(|r| r.get::<_, i64>(1) == 2));
}

#[test]
fn leases_expire_and_offline_work_is_reconciled() {
    let Some(pg) = Pg::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (url, tasks) = hub_with_tasks(&pg, "leases", dir.path(), 3);
    let (mut a, mut b, mut c) =
        (Hub::connect(&url).unwrap(), Hub::connect(&url).unwrap(), Hub::connect(&url).unwrap());
    let first = &tasks[..1];
    // Ana and Ben hold the first task's two slots; Chen finds it full.
    assert!(claim(&mut a, "ana", first, &[], 1).mine.contains(&first[0]));
    assert!(claim(&mut b, "ben", first, &[], 60).mine.contains(&first[0]));
    let seen = claim(&mut c, "chen", first, &[], 60);
    assert!(seen.full.contains(&first[0]) && seen.mine.is_empty(), "{seen:?}");
    // Ana's lease is not renewed (her session went away): it expires and Chen gets the slot.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(claim(&mut c, "chen", first, &[], 60).mine.contains(&first[0]));
    // Ben and Chen label it; Ana labelled it offline meanwhile: reconciling finds no slot left,
    // says so, and the task is no longer offered to her.
    claim(&mut b, "ben", first, first, 60);
    claim(&mut c, "chen", first, first, 60);
    let back = claim(&mut a, "ana", &tasks, first, 60);
    assert_eq!(back.over, first.to_vec());
    assert!(back.full.contains(&first[0]));
    // Offline work on a task with a free slot takes that slot for good.
    let second = tasks[1..2].to_vec();
    let view = claim(&mut a, "ana", &[], &second, 60);
    assert!(view.mine.contains(&second[0]) && view.over.is_empty(), "{view:?}");
    let done: BTreeSet<(String, String)> = pg
        .client("leases")
        .query("SELECT task, holder FROM crossreview.leases WHERE done", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let want: BTreeSet<(String, String)> = [(&first[0], "ben"), (&first[0], "chen"), (&second[0], "ana")]
        .into_iter()
        .map(|(t, w)| (t.clone(), w.to_string()))
        .collect();
    assert_eq!(done, want);
}

#[test]
fn the_background_sync_claims_the_head_of_the_queue_and_lets_go_on_quit() {
    use crossreview::hub::background::{BackgroundSync, Claiming};
    use crossreview::model::TaskRef;
    let Some(pg) = Pg::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (url, keys) = hub_with_tasks(&pg, "background", dir.path(), 5);
    let queue: Vec<TaskRef> =
        (0..5).rev().map(|i| TaskRef::Response { item_id: format!("c/{i}"), model: "m".into() }).collect();
    let bg = BackgroundSync::start(dir.path().join("lead.db"), url, std::time::Duration::from_secs(1));
    bg.claim_for(Claiming { annotator: "ana".into(), overlap: 2, queue });
    let start = std::time::Instant::now();
    let view = loop {
        if let Some(v) = bg.claims() {
            break v;
        }
        assert!(start.elapsed().as_secs() < 30, "no claims after 30 s: {}", bg.state().describe());
        pg_common::nap();
    };
    let want: std::collections::HashSet<String> = [keys[4].clone(), keys[3].clone()].into();
    assert_eq!(view.mine, want, "the first two tasks of the queue");
    bg.finish(std::time::Duration::from_secs(15));
    let held: i64 = pg
        .client("background")
        .query_one("SELECT count(*) FROM crossreview.leases WHERE holder IS NOT NULL", &[])
        .unwrap()
        .get(0);
    assert_eq!(held, 0, "leases given back on quit");
}
