//! A throw-away PostgreSQL server for the hub tests: `initdb` into a temporary folder, trust
//! authentication, listening on a free loopback port and on a unix socket inside that folder,
//! stopped (immediately) and removed on drop. As root, the folder is given to the `postgres`
//! user and the server runs as that user (PostgreSQL refuses to run as root).
//!
//! `start_with_tls` also makes a CA and a certificate for `localhost` signed by it (with the
//! `openssl` command) and starts the server with `ssl = on`.
//!
//! Without PostgreSQL the tests say they were skipped and why; on CI (`CI=true`) they fail.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub struct Pg {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    as_postgres: bool,
    tls: bool,
}

/// The folder holding `initdb` and `pg_ctl`: on the PATH, else Debian's newest
/// /usr/lib/postgresql/*/bin.
fn find_bin() -> Option<PathBuf> {
    let on_path =
        std::env::var_os("PATH").into_iter().flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>());
    for dir in on_path {
        if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
            return Some(dir);
        }
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free local port").local_addr().unwrap().port()
}

impl Pg {
    /// A running server, or `None` (after saying why on stderr) when PostgreSQL is not installed.
    pub fn start() -> Option<Pg> {
        Pg::start_with(false)
    }

    /// A running server with `ssl = on`, its certificate (for `localhost`) signed by the CA in
    /// `ca_cert()`; `None` as `start`.
    pub fn start_with_tls() -> Option<Pg> {
        Pg::start_with(true)
    }

    fn start_with(tls: bool) -> Option<Pg> {
        let Some(bin) = find_bin() else {
            let why = "PostgreSQL's initdb and pg_ctl are neither on the PATH nor in /usr/lib/postgresql/*/bin (Debian: apt-get install postgresql)";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "CI must run the hub tests: {why}");
            eprintln!("SKIPPED: hub test not run: {why}");
            return None;
        };
        // SAFETY: geteuid takes no arguments, cannot fail and touches no memory of ours.
        let as_postgres = unsafe { libc::geteuid() } == 0;
        let dir = tempfile::Builder::new().prefix("crossreview-pg").tempdir().expect("a temporary folder");
        if as_postgres {
            let ok = Command::new("chown").arg("-R").arg("postgres:postgres").arg(dir.path()).status();
            assert!(ok.is_ok_and(|s| s.success()), "chown of the test cluster's folder to postgres failed");
        }
        let pg = Pg { dir, bin, port: 0, as_postgres, tls };
        if tls {
            pg.make_certificates();
        }
        let data = pg.data();
        let out = pg
            .command("initdb")
            .args([
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .output()
            .expect("running initdb");
        assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        let mut pg = pg;
        for attempt in 0..3 {
            pg.port = free_port();
            if pg.try_start() {
                return Some(pg);
            }
            eprintln!(
                "starting PostgreSQL on port {} failed (attempt {attempt}); trying another port",
                pg.port
            );
        }
        panic!(
            "PostgreSQL did not start; its log:\n{}",
            std::fs::read_to_string(pg.log()).unwrap_or_default()
        );
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    /// The CA that signed the server's certificate (a PEM file).
    pub fn ca_cert(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    /// Another CA, which signed nothing the server holds.
    pub fn other_ca_cert(&self) -> PathBuf {
        self.dir.path().join("other-ca.crt")
    }

    fn openssl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("running openssl");
        assert!(out.status.success(), "openssl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Two CAs, and a server key and certificate for `localhost` (only) signed by the first.
    fn make_certificates(&self) {
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        for (name, cn) in [("ca", "crossreview test CA"), ("other-ca", "crossreview other CA")] {
            let (key, crt, subj) = (format!("{name}.key"), format!("{name}.crt"), format!("/CN={cn}"));
            let mut args = vec!["req", "-x509"];
            args.extend(ec);
            args.extend(["-keyout", &key, "-out", &crt, "-days", "2", "-subj", &subj]);
            args.extend([
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ]);
            self.openssl(&args);
        }
        let mut args = vec!["req", "-new"];
        args.extend(ec);
        args.extend(["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
        self.openssl(&args);
        std::fs::write(
            self.dir.path().join("server.ext"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ]);
        let key = self.dir.path().join("server.key");
        // The server refuses a key that others may read.
        let ok = Command::new("chmod").arg("600").arg(&key).status();
        assert!(ok.is_ok_and(|s| s.success()), "chmod of the server key failed");
        if self.as_postgres {
            let ok = Command::new("chown").arg("-R").arg("postgres:postgres").arg(self.dir.path()).status();
            assert!(ok.is_ok_and(|s| s.success()), "chown of the test certificates to postgres failed");
        }
    }

    fn try_start(&self) -> bool {
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60",
            self.port,
            self.dir.path().display()
        );
        if self.tls {
            let d = self.dir.path().display();
            options += &format!(" -c ssl=on -c ssl_cert_file={d}/server.crt -c ssl_key_file={d}/server.key");
        }
        let out = self
            .command("pg_ctl")
            .args([
                "-D",
                self.data().to_str().unwrap(),
                "-l",
                self.log().to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "-o",
                &options,
                "start",
            ])
            .output()
            .expect("running pg_ctl");
        out.status.success()
    }

    /// Starts the server again after `stop_immediately`.
    pub fn restart(&self) {
        assert!(
            self.try_start(),
            "PostgreSQL did not restart: {}",
            std::fs::read_to_string(self.log()).unwrap_or_default()
        );
    }

    /// Stops the server at once, as a crash would: open transactions are lost.
    pub fn stop_immediately(&self) {
        let _ = self
            .command("pg_ctl")
            .args(["-D", self.data().to_str().unwrap(), "-m", "immediate", "-w", "stop"])
            .output();
    }

    /// The URL of database `db` (as the superuser `postgres`).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// A new, empty database; returns its URL.
    pub fn create_db(&self, db: &str) -> String {
        let mut c = self.client("postgres");
        c.batch_execute(&format!("CREATE DATABASE {db}")).expect("CREATE DATABASE");
        self.url(db)
    }

    pub fn client(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(&self.url(db), postgres::NoTls).expect("connecting to the test server")
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        self.stop_immediately();
    }
}

/// Sleeps a little, for polling.
pub fn nap() {
    std::thread::sleep(Duration::from_millis(20));
}
