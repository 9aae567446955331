//! The team hub against a real PostgreSQL server (`pg_common`): `hub init`, `sync` between
//! several sessions, and syncs cut off by SIGKILL or by the server stopping.

mod pg_common;
mod tui_common;

use assert_cmd::Command;
use crossreview::model::TaskRef;
use crossreview::rng::SplitMix64;
use crossreview::store::{NewEvent, Store};
use pg_common::Pg;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DIMS: [&str; 4] = ["awareness", "education", "compliance", "helpfulness"];
const MODELS: [&str; 2] = ["m1", "m2"];

fn cr() -> Command {
    Command::cargo_bin("crossreview").unwrap()
}

fn items_jsonl(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                r#"{{"id": "hub/{i}", "query": "question {i}", "country": "C{}", "responses": [{{"model": "m1", "text": "answer one {i}"}}, {{"model": "m2", "text": "answer two {i}"}}]}}"#,
                i % 3
            ) + "\n"
        })
        .collect()
}

/// A new session with `n` items imported.
fn lead_session(dir: &Path, n: usize) -> PathBuf {
    let s = dir.join("lead.db");
    cr().args(["init"]).arg(&s).assert().success();
    let f = dir.join("items.jsonl");
    std::fs::write(&f, items_jsonl(n)).unwrap();
    cr().arg("import").arg(&s).arg(&f).assert().success();
    s
}

fn empty_session(dir: &Path, name: &str) -> PathBuf {
    let s = dir.join(name);
    cr().args(["init"]).arg(&s).assert().success();
    s
}

fn sync(session: &Path, url: &str) -> String {
    let out = cr().arg("sync").arg(session).arg(url).output().unwrap();
    assert!(out.status.success(), "sync failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// `n` random labels by `who` on the first `items` items.
fn label(session: &Path, who: &str, n: usize, items: usize, rng: &mut SplitMix64) {
    let mut store = Store::open(session).unwrap();
    for _ in 0..n {
        let ev = NewEvent {
            annotator: who.into(),
            task: TaskRef::Response {
                item_id: format!("hub/{}", rng.below(items as u64)),
                model: MODELS[rng.below(2) as usize].into(),
            },
            field: DIMS[rng.below(4) as usize].into(),
            value: Some(rng.below(2) as i64),
            text: None,
            seconds: 1.0,
            judge_visible: true,
        };
        store.record(&ev).unwrap();
    }
}

/// What must agree between converged sessions: every current label and every event uid.
fn state(session: &Path) -> (Vec<String>, BTreeSet<String>) {
    let store = Store::open(session).unwrap();
    let mut cur: Vec<String> = store
        .current()
        .unwrap()
        .iter()
        .map(|c| format!("{}|{:?}|{}|{:?}|{:?}|{}", c.annotator, c.task, c.field, c.value, c.text, c.at))
        .collect();
    cur.sort();
    let uids = store.events().unwrap().into_iter().map(|e| e.uid).collect();
    (cur, uids)
}

fn uids(session: &Path) -> BTreeSet<String> {
    state(session).1
}

fn hub_events(pg: &Pg, db: &str) -> i64 {
    pg.client(db).query_one("SELECT count(*) FROM crossreview.events", &[]).unwrap().get(0)
}

#[test]
fn two_sessions_converge_and_a_second_sync_changes_nothing() {
    let Some(pg) = Pg::start() else { return };
    let url = pg.create_db("two");
    let dir = tempfile::tempdir().unwrap();
    let lead = lead_session(dir.path(), 12);
    let mut rng = SplitMix64::new(7);
    label(&lead, "ana", 40, 12, &mut rng);
    let out = cr().args(["hub", "init"]).arg(&url).arg(&lead).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("uploaded 12 items, 24 responses"));
    // A fresh session of the same schema gets the items, responses and labels from the hub.
    let ben = empty_session(dir.path(), "ben.db");
    let first = sync(&ben, &url);
    assert!(first.contains("pulled 40 new label events, 12 items added"), "{first}");
    label(&ben, "ben", 30, 12, &mut rng);
    // The same annotator in both sessions, with different answers: a conflict, listed.
    label(&ben, "shared", 20, 3, &mut rng);
    label(&lead, "shared", 20, 3, &mut rng);
    label(&lead, "ana", 10, 12, &mut rng);
    sync(&lead, &url);
    let ben_out = sync(&ben, &url);
    assert!(ben_out.contains("conflict: shared gave"), "{ben_out}");
    sync(&lead, &url);
    assert_eq!(state(&lead), state(&ben));
    assert_eq!(uids(&lead).len(), 120);
    assert_eq!(hub_events(&pg, "two"), 120);
    // Idempotent: syncing again moves nothing, on either side.
    let before = (state(&lead), std::fs::read(&ben).unwrap().len());
    for s in [&lead, &ben, &lead] {
        let again = sync(s, &url);
        assert!(again.contains("pulled 0 new label events, 0 items added (0 updated)"), "{again}");
        assert!(again.contains("pushed 0 new label events, 0 items, 0 responses"), "{again}");
    }
    assert_eq!(before.0, state(&lead));
    assert_eq!(state(&lead), state(&ben));
    assert_eq!(hub_events(&pg, "two"), 120);
    // A sync with nothing to do writes nothing to the session.
    let bytes = |p: &Path| (std::fs::read(p).unwrap(), std::fs::read(format!("{}-wal", p.display())).ok());
    let untouched = bytes(&ben);
    sync(&ben, &url);
    assert!(bytes(&ben) == untouched, "a sync with nothing to do changed the session file");
}

#[test]
fn five_sessions_converge_whatever_the_order() {
    let Some(pg) = Pg::start() else { return };
    let url = pg.create_db("five");
    let dir = tempfile::tempdir().unwrap();
    let lead = lead_session(dir.path(), 10);
    cr().args(["hub", "init"]).arg(&url).arg(&lead).assert().success();
    let mut rng = SplitMix64::new(11);
    let mut sessions = vec![lead];
    for i in 1..5 {
        // Some start from a copy of the lead's file, some from an empty session.
        let s = dir.path().join(format!("s{i}.db"));
        if i % 2 == 0 {
            std::fs::copy(&sessions[0], &s).unwrap();
        } else {
            cr().arg("init").arg(&s).assert().success();
        }
        sessions.push(s);
    }
    let mut written = 0;
    for round in 0..3 {
        let mut order: Vec<usize> = (0..5).collect();
        rng.shuffle(&mut order);
        for &i in &order {
            if Store::open(&sessions[i]).unwrap().item_ids().unwrap().len() == 10 {
                let n = 5 + rng.below(20) as usize;
                label(&sessions[i], &format!("a{i}"), n, 10, &mut rng);
                label(&sessions[i], "everyone", 3, 2, &mut rng);
                written += n + 3;
            }
            sync(&sessions[i], &url);
        }
        eprintln!("round {round}: {written} events written");
    }
    // Everyone has pushed; one more pull each, in yet another order, and all agree.
    for i in [3, 1, 4, 0, 2] {
        sync(&sessions[i], &url);
    }
    let reference = state(&sessions[0]);
    assert_eq!(reference.1.len(), written);
    for s in &sessions[1..] {
        assert_eq!(state(s), reference, "{} differs", s.display());
    }
    assert_eq!(hub_events(&pg, "five"), written as i64);
}

#[test]
fn hub_init_refuses_a_database_holding_another_study() {
    let Some(pg) = Pg::start() else { return };
    let url = pg.create_db("occupied");
    let dir = tempfile::tempdir().unwrap();
    let lead = lead_session(dir.path(), 3);
    cr().args(["hub", "init"]).arg(&url).arg(&lead).assert().success();
    let other = empty_session(dir.path(), "other.db");
    label(&lead, "ana", 5, 3, &mut SplitMix64::new(1));
    let out = cr().args(["hub", "init"]).arg(&url).arg(&other).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already holds another study") && err.contains("nothing was changed"), "{err}");
    assert_eq!(hub_events(&pg, "occupied"), 0);
    // The same study again (a copy of the lead's session) is simply synced.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&lead, &copy).unwrap();
    let out = cr().args(["hub", "init"]).arg(&url).arg(&copy).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("already holds this study"));
    assert_eq!(hub_events(&pg, "occupied"), 5);
    // An annotator's own role, given exactly the rights docs/hub.md lists, can sync.
    pg.client("occupied")
        .batch_execute(
            "CREATE ROLE ben LOGIN;
             GRANT CONNECT ON DATABASE occupied TO ben;
             GRANT USAGE ON SCHEMA crossreview TO ben;
             GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA crossreview TO ben;
             GRANT USAGE ON SEQUENCE crossreview.hub_seq TO ben;",
        )
        .unwrap();
    let ben = empty_session(dir.path(), "ben.db");
    let ben_url = url.replace("postgres://postgres@", "postgres://ben@");
    label(&ben, "ben", 0, 3, &mut SplitMix64::new(2));
    let first = sync(&ben, &ben_url);
    assert!(first.contains("pulled 5 new label events, 3 items added"), "{first}");
    label(&ben, "ben", 4, 3, &mut SplitMix64::new(3));
    assert!(sync(&ben, &ben_url).contains("pushed 4 new label events"));
    assert_eq!(hub_events(&pg, "occupied"), 9);
    // A database with no hub: sync says how to make one.
    let empty = pg.create_db("nohub");
    let out = cr().arg("sync").arg(&lead).arg(&empty).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hub init"));
}

/// Runs `sync` and kills it after `after` (SIGKILL); returns whether it had finished first.
fn sync_killed_after(session: &Path, url: &str, after: Duration) -> bool {
    let exe = assert_cmd::cargo::cargo_bin("crossreview");
    let mut child = std::process::Command::new(exe)
        .arg("sync")
        .arg(session)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_micros(300));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    false
}

fn timed_sync(session: &Path, url: &str) -> Duration {
    let t = Instant::now();
    sync(session, url);
    t.elapsed()
}

#[test]
fn a_sync_killed_at_random_points_loses_nothing() {
    let Some(pg) = Pg::start() else { return };
    let url = pg.create_db("killed");
    let dir = tempfile::tempdir().unwrap();
    let lead = lead_session(dir.path(), 40);
    cr().args(["hub", "init"]).arg(&url).arg(&lead).assert().success();
    let ben = empty_session(dir.path(), "ben.db");
    sync(&ben, &url);
    let mut rng = SplitMix64::new(2026);
    // How long an uncut sync of one round's labels takes here, so that the kills fall all along.
    label(&lead, "ana", 300, 40, &mut rng);
    let span = timed_sync(&lead, &url).max(Duration::from_millis(30));
    // Kill at random points until 20 syncs were really cut (some finish before their kill).
    let (mut cut, mut rounds) = (0, 0);
    while cut < 20 && rounds < 80 {
        let (s, who) = if rounds % 2 == 0 { (&lead, "ana") } else { (&ben, "ben") };
        label(s, who, 300, 40, &mut rng);
        rounds += 1;
        let at = span.mul_f64(rng.next_f64() * 1.3);
        cut += !sync_killed_after(s, &url, at) as usize;
        // The session is intact after every kill.
        Store::open(s).unwrap();
    }
    eprintln!("{cut} of {rounds} syncs killed within {span:?} before they finished");
    assert!(cut >= 20, "only {cut} of {rounds} syncs were cut by their kill");
    sync(&lead, &url);
    sync(&ben, &url);
    sync(&lead, &url);
    let written = 300 + rounds * 300;
    assert_eq!(uids(&lead).len(), written);
    assert_eq!(state(&lead), state(&ben));
    assert_eq!(hub_events(&pg, "killed"), written as i64);
}

#[test]
fn a_server_stopped_mid_sync_loses_nothing() {
    let Some(pg) = Pg::start() else { return };
    let url = pg.create_db("stopped");
    let dir = tempfile::tempdir().unwrap();
    let lead = lead_session(dir.path(), 30);
    cr().args(["hub", "init"]).arg(&url).arg(&lead).assert().success();
    let ben = empty_session(dir.path(), "ben.db");
    sync(&ben, &url);
    let mut rng = SplitMix64::new(99);
    let mut written = 0;
    for round in 0..4 {
        let (s, who) = if round % 2 == 0 { (&lead, "ana") } else { (&ben, "ben") };
        label(s, who, 3000, 30, &mut rng);
        written += 3000;
        let exe = assert_cmd::cargo::cargo_bin("crossreview");
        let mut child = std::process::Command::new(exe)
            .arg("sync")
            .arg(s)
            .arg(&url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.below(60)));
        pg.stop_immediately();
        let status = child.wait().unwrap();
        eprintln!("round {round}: sync ended with {status} when the server stopped");
        // Offline: a sync fails with a message and changes nothing it cannot finish.
        let out = cr().arg("sync").arg(s).arg(&url).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect to the hub"));
        pg.restart();
    }
    sync(&lead, &url);
    sync(&ben, &url);
    sync(&lead, &url);
    assert_eq!(uids(&lead).len(), written);
    assert_eq!(state(&lead), state(&ben));
    assert_eq!(hub_events(&pg, "stopped"), written as i64);
}

#[test]
fn later_imports_travel_and_a_bad_hub_row_is_refused_by_the_merge_checks() {
    let Some(pg) = Pg::start() else { return };
    let url = pg.create_db("later");
    let dir = tempfile::tempdir().unwrap();
    let lead = lead_session(dir.path(), 2);
    cr().args(["hub", "init"]).arg(&url).arg(&lead).assert().success();
    let ben = empty_session(dir.path(), "ben.db");
    sync(&ben, &url);
    // The lead imports one new item and a new version of another; ben gets both.
    let f = dir.path().join("more.jsonl");
    std::fs::write(
        &f,
        r#"{"id": "hub/1", "query": "question 1, reworded", "responses": [{"model": "m1", "text": "answer one 1"}, {"model": "m3", "text": "a third model"}]}
{"id": "hub/9", "query": "a new question", "responses": [{"model": "m1", "text": "new"}]}
"#,
    )
    .unwrap();
    cr().arg("import").arg(&lead).arg(&f).assert().success();
    let out = sync(&lead, &url);
    assert!(out.contains("pushed 0 new label events, 2 items, 4 responses"), "{out}");
    let out = sync(&ben, &url);
    assert!(out.contains("1 items added (1 updated), 2 responses added"), "{out}");
    let item = Store::open(&ben).unwrap().item("hub/1").unwrap().unwrap();
    assert_eq!(item.query, "question 1, reworded");
    assert_eq!(item.responses.len(), 3);
    // A session that pulls both versions of hub/1 at once ends the same (they are merged as two
    // sessions, one version each).
    let cid = empty_session(dir.path(), "cid.db");
    let out = sync(&cid, &url);
    assert!(out.contains("3 items added (1 updated)"), "{out}");
    let again = Store::open(&cid).unwrap().item("hub/1").unwrap().unwrap();
    assert_eq!(format!("{again:?}"), format!("{item:?}"));
    // A row no crossreview writes, put on the hub by hand: the pull refuses it, naming the hub
    // row, and changes nothing; ben's own labels still reach the hub.
    label(&ben, "ben", 3, 2, &mut SplitMix64::new(5));
    let before = state(&ben);
    pg.client("later")
        .batch_execute(
            "INSERT INTO crossreview.events(uid, digest, at, annotator, task_kind, item_id, model, pair_id,
                 field, kind, value, seconds, judge_visible, origin)
             VALUES ('x-1', 'd', '2026-01-01T00:00:00.000000Z', 'eve', 'response', 'hub/0', 'm1', '',
                 'awareness', 'set', 7, 1, 1, 'x')",
        )
        .unwrap();
    let out = cr().arg("sync").arg(&ben).arg(&url).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the hub's events row") && err.contains("value is 7"), "{err}");
    assert!(err.contains("nothing was pulled, the session is unchanged"), "{err}");
    assert_eq!(state(&ben), before);
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn background_sync_pushes_pulls_and_says_when_offline() {
    use crossreview::hub::background::{BackgroundSync, HubState};
    let Some(pg) = Pg::start() else { return };
    let url = pg.create_db("background");
    let dir = tempfile::tempdir().unwrap();
    let lead = lead_session(dir.path(), 5);
    cr().args(["hub", "init"]).arg(&url).arg(&lead).assert().success();
    let ben = empty_session(dir.path(), "ben.db");
    let bg = BackgroundSync::start(ben.clone(), url.clone(), Duration::from_millis(200));
    // The first round brings the items; labels given meanwhile reach the hub on a later round.
    wait_until("the items", || Store::open(&ben).unwrap().item_ids().unwrap().len() == 5);
    let mut rng = SplitMix64::new(8);
    label(&ben, "ben", 10, 5, &mut rng);
    wait_until("ben's labels on the hub", || hub_events(&pg, "background") == 10);
    wait_until("synced", || matches!(bg.state(), HubState::Synced { .. }));
    // The lead's labels arrive without ben doing anything.
    label(&lead, "ana", 7, 5, &mut rng);
    sync(&lead, &url);
    wait_until("the lead's labels in ben's session", || uids(&ben).len() == 17);
    // Offline: the state says so and counts what waits; back online, everything goes.
    pg.stop_immediately();
    label(&ben, "ben", 4, 5, &mut rng);
    wait_until("offline", || matches!(bg.state(), HubState::Offline { waiting: Some(4), .. }));
    assert!(bg.state().describe().starts_with("hub: offline since "), "{}", bg.state().describe());
    pg.restart();
    label(&ben, "ben", 2, 5, &mut rng);
    let last = bg.finish(Duration::from_secs(20));
    assert!(matches!(last, HubState::Synced { .. }), "{last:?}");
    assert_eq!(hub_events(&pg, "background"), 23);
}

#[test]
fn the_hub_refuses_labels_pushed_in_someone_elses_name_except_from_a_lead() {
    let Some(pg) = Pg::start() else { return };
    let url = pg.create_db("roles");
    let dir = tempfile::tempdir().unwrap();
    let lead = lead_session(dir.path(), 3);
    cr().args(["hub", "init"]).arg(&url).arg(&lead).assert().success();
    pg.client("roles")
        .batch_execute(
            "CREATE ROLE ben LOGIN; CREATE ROLE carol LOGIN; GRANT crossreview_lead TO carol;
             GRANT CONNECT ON DATABASE roles TO ben, carol;
             GRANT USAGE ON SCHEMA crossreview TO ben, carol;
             GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA crossreview TO ben, carol;
             GRANT USAGE ON SEQUENCE crossreview.hub_seq TO ben, carol;",
        )
        .unwrap();
    let as_role = |role: &str| url.replace("postgres://postgres@", &format!("postgres://{role}@"));
    let mut rng = SplitMix64::new(4);
    label(&lead, "ana", 5, 3, &mut rng);
    sync(&lead, &url);
    let ben = empty_session(dir.path(), "ben.db");
    sync(&ben, &as_role("ben"));
    label(&ben, "ben", 6, 3, &mut rng);
    assert!(sync(&ben, &as_role("ben")).contains("pushed 6 new label events"));
    // ben labels as ana: refused, and nothing of that push reaches the hub.
    label(&ben, "ana", 2, 3, &mut rng);
    label(&ben, "ben", 1, 3, &mut rng);
    let out = cr().arg("sync").arg(&ben).arg(as_role("ben")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the hub refused the push") && err.contains("nothing was pushed"), "{err}");
    assert_eq!(hub_events(&pg, "roles"), 11);
    // A member of crossreview_lead may push anyone's labels.
    let carol = dir.path().join("carol.db");
    std::fs::copy(&ben, &carol).unwrap();
    assert!(sync(&carol, &as_role("carol")).contains("pushed 3 new label events"));
    assert_eq!(hub_events(&pg, "roles"), 14);
}

#[test]
fn the_status_line_shows_the_hubs_state() {
    use crossreview::cli::{AnnotateArgs, ImageProtocol};
    use crossreview::hub::background::HubState;
    use crossreview::tui::action::Action;
    use crossreview::tui::app::{initial_state, run_effects};
    use crossreview::tui::keymap::Keymap;
    use crossreview::tui::theme::Theme;
    use crossreview::tui::update::update;
    let dir = tempfile::tempdir().unwrap();
    let path = lead_session(dir.path(), 2);
    let mut store = Store::open(&path).unwrap();
    let args = AnnotateArgs { image_protocol: ImageProtocol::None, ..AnnotateArgs::new(path, "ana") };
    let mut state = initial_state(&store, &args, &Keymap::default(), "none").unwrap();
    let fx = update(&mut state, Action::Start);
    run_effects(&mut store, &mut state, fx, None, |_, _| {});
    let offline =
        HubState::Offline { since: "2026-12-01T10:00:00Z".into(), waiting: Some(3), reason: "x".into() };
    state.hub = Some(HubState::Waiting { events: 4 }.describe());
    assert!(tui_common::frame(&state, 160, 24, &Theme::default()).contains("hub: 4 label events waiting │"));
    state.hub = Some(offline.describe());
    let shot = tui_common::frame(&state, 200, 24, &Theme::default());
    assert!(shot.contains("hub: offline since 2026-12-01T10:00:00Z (3 label events waiting"), "{shot}");
}

/// The imported rows a push to the hub would read now (the session has synced with one hub).
fn import_rows_a_push_reads(session: &Path) -> usize {
    let store = Store::open(session).unwrap();
    let key: String = store
        .conn()
        .query_row("SELECT key FROM meta WHERE key LIKE 'hub:%:imports_pushed'", [], |r| r.get(0))
        .unwrap();
    let hub_id = key.trim_start_matches("hub:").trim_end_matches(":imports_pushed");
    let after = store.hub_cursors(hub_id).unwrap().pushed_through;
    store.hub_outgoing(hub_id, after, true).unwrap().import_rows_read
}

#[test]
fn a_push_sends_the_imports_changed_since_the_last_one_even_in_place() {
    let Some(pg) = Pg::start() else { return };
    let url = pg.create_db("changed");
    let dir = tempfile::tempdir().unwrap();
    let lead = lead_session(dir.path(), 2);
    cr().args(["hub", "init"]).arg(&url).arg(&lead).assert().success();
    let ben = empty_session(dir.path(), "ben.db");
    sync(&ben, &url);
    // Nothing imported since: a sync reads no imported row, and still sends the labels.
    label(&lead, "lead", 3, 2, &mut SplitMix64::new(1));
    assert_eq!(import_rows_a_push_reads(&lead), 0);
    let out = sync(&lead, &url);
    assert!(out.contains("pushed 3 new label events, 0 items, 0 responses"), "{out}");
    // An item imported after the first sync travels.
    let f = dir.path().join("more.jsonl");
    std::fs::write(
        &f,
        r#"{"id": "hub/7", "query": "a later question", "responses": [{"model": "m1", "text": "late"}]}"#,
    )
    .unwrap();
    cr().arg("import").arg(&lead).arg(&f).assert().success();
    assert!(import_rows_a_push_reads(&lead) > 0);
    let out = sync(&lead, &url);
    assert!(out.contains("pushed 0 new label events, 1 items, 1 responses"), "{out}");
    assert_eq!(import_rows_a_push_reads(&lead), 0);
    let out = sync(&lead, &url);
    assert!(out.contains("pushed 0 new label events, 0 items, 0 responses"), "{out}");
    // An item updated in place by a re-import (the same row of the session) travels.
    std::fs::write(&f, r#"{"id": "hub/0", "query": "question 0, reworded", "responses": [{"model": "m1", "text": "answer one 0"}]}"#)
        .unwrap();
    cr().arg("import").arg(&lead).arg(&f).assert().success();
    let out = sync(&lead, &url);
    assert!(out.contains("pushed 0 new label events, 1 items"), "{out}");
    let out = sync(&ben, &url);
    assert!(out.contains("pulled 3 new label events, 1 items added (1 updated)"), "{out}");
    let ben_store = Store::open(&ben).unwrap();
    assert_eq!(ben_store.item("hub/0").unwrap().unwrap().query, "question 0, reworded");
    assert_eq!(ben_store.item("hub/7").unwrap().unwrap().query, "a later question");
    drop(ben_store);
    // What ben imports on their side travels the other way.
    std::fs::write(
        &f,
        r#"{"id": "hub/8", "query": "ben's question", "responses": [{"model": "m1", "text": "b"}]}"#,
    )
    .unwrap();
    sync(&ben, &url);
    cr().arg("import").arg(&ben).arg(&f).assert().success();
    let out = sync(&ben, &url);
    assert!(out.contains("pushed 0 new label events, 1 items, 1 responses"), "{out}");
    sync(&lead, &url);
    assert_eq!(Store::open(&lead).unwrap().item("hub/8").unwrap().unwrap().query, "ben's question");
}
