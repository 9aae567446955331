//! The hub connection's TLS against a real PostgreSQL server (`pg_common`) with `ssl = on` and
//! a certificate for `localhost` signed by a throw-away CA; and `sslmode` against one without TLS.

mod pg_common;

use assert_cmd::Command;
use crossreview::hub::Hub;
use pg_common::Pg;
use std::path::Path;

fn cr() -> Command {
    Command::cargo_bin("crossreview").unwrap()
}

fn encrypted(url: &str) -> bool {
    let mut hub = Hub::connect(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    hub.encrypted().unwrap()
}

fn refusal(url: &str) -> String {
    match Hub::connect(url) {
        Ok(_) => panic!("{url} connected"),
        Err(e) => e.to_string(),
    }
}

fn with(url: &str, query: &str) -> String {
    format!("{url}?{query}")
}

#[test]
fn sslmode_encrypts_and_checks_the_certificate_as_asked() {
    let Some(pg) = Pg::start_with_tls() else { return };
    let url = pg.create_db("tls");
    let by_name = url.replace("127.0.0.1", "localhost");
    let ca = pg.ca_cert();
    let ca = ca.display();
    assert!(encrypted(&with(&url, "sslmode=require")));
    assert!(encrypted(&url), "prefer (the default) takes TLS when the server offers it");
    assert!(!encrypted(&with(&url, "sslmode=disable")));
    assert!(encrypted(&with(&by_name, &format!("sslmode=verify-full&sslrootcert={ca}"))));
    // The certificate names localhost only: verify-ca accepts it for 127.0.0.1, verify-full not.
    assert!(encrypted(&with(&url, &format!("sslmode=verify-ca&sslrootcert={ca}"))));
    let e = refusal(&with(&url, &format!("sslmode=verify-full&sslrootcert={ca}")));
    assert!(e.contains("certificate was refused") && e.contains("NotValidForName"), "{e}");
    // Signed by another CA: refused, the message names the URL without its password.
    let secret = by_name.replace("postgres://postgres@", "postgres://postgres:hunter2@");
    let other = pg.other_ca_cert();
    let e = refusal(&with(&secret, &format!("sslmode=verify-full&sslrootcert={}", other.display())));
    let shown = format!("postgres://postgres@localhost:{}/tls", pg.port);
    assert!(e.starts_with(&format!("{shown}: cannot connect to the hub")), "{e}");
    assert!(e.contains("UnknownIssuer") && e.contains(&other.display().to_string()), "{e}");
    assert!(!e.contains("hunter2"), "{e}");
    // No sslrootcert: the system's CAs, which never signed the throw-away CA.
    assert!(refusal(&with(&by_name, "sslmode=verify-full")).contains("cannot connect"));
    assert!(refusal(&with(&url, "sslmode=verify")).contains("verify-full"));
}

fn session(dir: &Path, name: &str) -> std::path::PathBuf {
    let s = dir.join(name);
    cr().arg("init").arg(&s).assert().success();
    s
}

#[test]
fn hub_init_and_sync_work_over_verified_tls() {
    let Some(pg) = Pg::start_with_tls() else { return };
    let url = pg.create_db("tlsstudy").replace("127.0.0.1", "localhost");
    let url = with(&url, &format!("sslmode=verify-full&sslrootcert={}", pg.ca_cert().display()));
    let dir = tempfile::tempdir().unwrap();
    let lead = session(dir.path(), "lead.db");
    let items = dir.path().join("items.jsonl");
    std::fs::write(
        &items,
        r#"{"id": "tls/1", "query": "a question", "country": "C1", "responses": [{"model": "m1", "text": "an answer"}]}
{"id": "tls/2", "query": "another question", "country": "C2", "responses": [{"model": "m1", "text": "another answer"}]}
"#,
    )
    .unwrap();
    cr().arg("import").arg(&lead).arg(&items).assert().success();
    cr().args(["hub", "init"]).arg(&url).arg(&lead).assert().success();
    let ben = session(dir.path(), "ben.db");
    let out = cr().arg("sync").arg(&ben).arg(&url).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("2 items added"), "{stdout}");
    // The wrong CA: the command fails, and says why.
    let bad = url.replace("ca.crt", "other-ca.crt");
    let out = cr().arg("sync").arg(&ben).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("certificate was refused"));
}

#[test]
fn a_server_without_tls_is_refused_under_require_and_reached_in_plain_under_prefer() {
    let Some(pg) = Pg::start() else { return };
    let url = pg.create_db("plain");
    assert!(!encrypted(&url));
    assert!(!encrypted(&with(&url, "sslmode=prefer")));
    let e = refusal(&with(&url, "sslmode=require"));
    assert!(e.contains("does not offer TLS") && e.contains("sslmode=require"), "{e}");
    let e = refusal(&with(
        &url,
        &format!("sslmode=verify-full&sslrootcert={}", pg.path().join("none.pem").display()),
    ));
    assert!(e.contains("cannot read the CA certificates"), "{e}");
}
