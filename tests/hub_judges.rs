//! Named judges travel through the team hub (docs/hub.md): `hub init` uploads them, `sync`
//! pushes and pulls them both ways, and a hub made before they travelled gets their tables on
//! its owner's next sync. Against a throw-away PostgreSQL server (`pg_common`).

mod pg_common;

use assert_cmd::Command;
use crossreview::store::Store;
use pg_common::Pg;
use std::path::{Path, PathBuf};

fn cr() -> Command {
    Command::cargo_bin("crossreview").unwrap()
}

/// Canonical JSONL of two models' answers to three items, with one judge's compliance per
/// response (`compliance[item * 2 + model]`).
fn scores_file(compliance: [i64; 6]) -> String {
    (0..3)
        .map(|i| {
            let responses: Vec<_> = ["m1", "m2"]
                .iter()
                .enumerate()
                .map(|(m, model)| {
                    serde_json::json!({"model": model, "text": format!("{model} answers {i}"),
                        "judge": {"compliance": compliance[i * 2 + m]},
                        "judge_rationale": {"compliance": format!("reason {i} {m}")}})
                })
                .collect();
            serde_json::json!({"id": format!("hub/{i}"), "query": format!("question {i}"), "responses": responses})
                .to_string()
                + "\n"
        })
        .collect()
}

fn import(dir: &Path, session: &Path, judge: &str, compliance: [i64; 6]) {
    let f = dir.join(format!("{judge}.jsonl"));
    std::fs::write(&f, scores_file(compliance)).unwrap();
    cr().arg("import").arg(session).arg(&f).args(["--judge", judge]).assert().success();
}

fn session(dir: &Path, name: &str) -> PathBuf {
    let s = dir.join(name);
    cr().arg("init").arg(&s).assert().success();
    s
}

fn run(args: &[&str], session: &Path, url: &str) -> (String, String) {
    let mut c = cr();
    c.args(args);
    if args == ["sync"] {
        c.arg(session).arg(url);
    } else {
        c.arg(url).arg(session);
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn sync(session: &Path, url: &str) -> (String, String) {
    run(&["sync"], session, url)
}

/// Every judge's scores and rationales of every response, as text.
fn judge_scores(session: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(session).unwrap();
    conn.prepare("SELECT judge || ' ' || item_id || ' ' || model || ' ' || scores || ' ' || rationale FROM all_response_judges ORDER BY 1")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn judge_names(session: &Path) -> Vec<String> {
    Store::open(session).unwrap().judge_names().unwrap()
}

#[test]
fn a_judge_imported_on_either_side_reaches_the_other() {
    let Some(pg) = Pg::start() else { return };
    let url = pg.create_db("judges");
    let dir = tempfile::tempdir().unwrap();
    let lead = session(dir.path(), "lead.db");
    import(dir.path(), &lead, "gpt", [1, 1, 0, 0, 1, 0]);
    let (out, _) = run(&["hub", "init"], &lead, &url);
    assert!(out.contains("1 judges, 6 judge scores"), "{out}");
    let ben = session(dir.path(), "ben.db");
    let (out, _) = sync(&ben, &url);
    assert!(out.contains("1 judges added, 6 judge scores added (0 updated)"), "{out}");
    assert_eq!(judge_names(&ben), ["gpt"]);
    // The lead imports a second judge's evaluation of the same responses.
    import(dir.path(), &lead, "qwen", [0, 1, 1, 0, 1, 1]);
    let (out, _) = sync(&lead, &url);
    assert!(out.contains("1 judges, 12 judge scores"), "{out}");
    let (out, _) = sync(&ben, &url);
    assert!(out.contains("1 judges added, 6 judge scores added (0 updated)"), "{out}");
    assert_eq!(judge_names(&ben), ["gpt", "qwen"]);
    assert_eq!(judge_scores(&ben), judge_scores(&lead));
    let qwen = Store::open(&ben).unwrap().judge_values("qwen").unwrap();
    assert_eq!(qwen[&("hub/1".to_string(), "m1".to_string())]["compliance"], 1);
    assert_eq!(
        Store::open(&ben).unwrap().item("hub/0").unwrap().unwrap().responses[0].judge["compliance"],
        1,
        "gpt stays the default judge"
    );
    // And from the other side: a third judge imported in ben's session reaches the lead.
    import(dir.path(), &ben, "claude", [1, 1, 1, 1, 1, 1]);
    sync(&ben, &url);
    let (out, _) = sync(&lead, &url);
    assert!(out.contains("1 judges added, 6 judge scores added"), "{out}");
    assert_eq!(judge_names(&lead), ["gpt", "qwen", "claude"]);
    assert_eq!(judge_scores(&ben), judge_scores(&lead));
    // Synced again, nothing moves.
    for s in [&lead, &ben] {
        let (out, _) = sync(s, &url);
        assert!(out.contains("0 annotators added\n"), "{out}");
        assert!(out.contains("0 annotators, 0 judges, 0 judge scores"), "{out}");
    }
    assert_eq!(judge_scores(&ben), judge_scores(&lead));
}

#[test]
fn a_hub_made_before_judges_travelled_gets_their_tables_from_its_owner() {
    let Some(pg) = Pg::start() else { return };
    let url = pg.create_db("oldhub");
    let dir = tempfile::tempdir().unwrap();
    let lead = session(dir.path(), "lead.db");
    import(dir.path(), &lead, "gpt", [1, 0, 1, 0, 1, 0]);
    run(&["hub", "init"], &lead, &url);
    // The hub as an older crossreview made it, and an annotator given the rights docs/hub.md
    // lists then.
    let mut admin = pg.client("oldhub");
    admin
        .batch_execute(
            "DROP TABLE crossreview.judges, crossreview.response_judges, crossreview.hub_format;
             CREATE ROLE ben LOGIN;
             GRANT CONNECT ON DATABASE oldhub TO ben;
             GRANT USAGE ON SCHEMA crossreview TO ben;
             GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA crossreview TO ben;
             GRANT USAGE ON SEQUENCE crossreview.hub_seq TO ben;",
        )
        .unwrap();
    let ben_url = url.replace("postgres://postgres@", "postgres://ben@");
    let ben = session(dir.path(), "ben.db");
    // Ben may not add tables: his sync works as before, and says why judges do not travel.
    let (out, err) = sync(&ben, &ben_url);
    assert!(out.contains("3 items added"), "{out}");
    assert!(err.contains("has no tables for the judges' scores yet"), "{err}");
    let has_tables = |c: &mut postgres::Client| -> bool {
        c.query_one("SELECT to_regclass('crossreview.response_judges') IS NOT NULL", &[]).unwrap().get(0)
    };
    assert!(!has_tables(&mut admin));
    // The owner's next sync adds them (hub format 2) and pushes the judges.
    let (out, _) = sync(&lead, &url);
    assert!(out.contains("1 judges, 6 judge scores"), "{out}");
    assert!(has_tables(&mut admin));
    let format: i32 = admin.query_one("SELECT version FROM crossreview.hub_format", &[]).unwrap().get(0);
    assert_eq!(format, 2);
    // Ben reads them with the rights he had (copied to the new tables), and may not write them.
    let (_, err) = sync(&ben, &ben_url);
    assert!(!err.contains("no tables"), "{err}");
    assert_eq!(Store::open(&ben).unwrap().judge_values("gpt").unwrap().len(), 6);
    let mut as_ben = postgres::Client::connect(&ben_url, postgres::NoTls).unwrap();
    let refused = as_ben
        .execute(
            "INSERT INTO crossreview.response_judges(judge, item_id, model, response_digest, digest, scores, rationale)
             VALUES ('gpt', 'hub/0', 'm1', 'x', 'y', '{}', '{}')",
            &[],
        )
        .unwrap_err();
    assert_eq!(refused.code(), Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{refused}");
}
