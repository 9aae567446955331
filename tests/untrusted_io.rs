//! Red-team scenarios for untrusted files and hostile paths, through the binary: export targets
//! that are the session itself, a device, a FIFO or a link; image, ratings, keymap and input paths
//! that never end or never open; escape sequences in names, ids and paths; a session in a folder
//! the user cannot write; the file size limit; stdin as an input file.

use assert_cmd::Command;
use crossreview::model::{TaskRef, Verdict};
use crossreview::store::{NewEvent, Store, field};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const HOSTILE: &str = "\x1b]0;pwned\x07\x1b[31m";

fn cr() -> Command {
    let mut c = Command::cargo_bin("crossreview").unwrap();
    // Nothing here may hang: a blocked read is a failure, not a stuck CI job.
    c.timeout(Duration::from_secs(30));
    c
}

fn demo_in(dir: &Path) -> PathBuf {
    cr().current_dir(dir).arg("demo").assert().success();
    dir.join("sessions/demo.db")
}

fn event(who: &str, task: TaskRef, f: &str, value: Option<i64>, text: Option<&str>) -> NewEvent {
    NewEvent {
        annotator: who.into(),
        task,
        field: f.into(),
        value,
        text: text.map(str::to_string),
        seconds: 2.0,
        judge_visible: true,
    }
}

/// Every demo response labelled on every dimension by `who`.
fn label_all(session: &Path, who: &str, value: i64) {
    let mut store = Store::open(session).unwrap();
    let items = store.item_ids().unwrap();
    for id in items {
        let item = store.item(&id).unwrap().unwrap();
        for r in &item.responses {
            let task = TaskRef::Response { item_id: id.clone(), model: r.model.clone() };
            for dim in ["awareness", "education", "compliance", "helpfulness"] {
                store.record(&event(who, task.clone(), dim, Some(value), None)).unwrap();
            }
        }
    }
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// ---------------------------------------------------------------------------------------------
// export --out

#[test]
fn export_refuses_the_session_and_its_side_files_however_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo_in(dir.path());
    label_all(&s, "amira", 1);
    std::fs::hard_link(&s, dir.path().join("hard.db")).unwrap();
    std::os::unix::fs::symlink(&s, dir.path().join("soft.db")).unwrap();
    let before = std::fs::read(&s).unwrap();
    for out in [
        "sessions/demo.db",
        "sessions/../sessions/demo.db",
        "sessions/demo.db-wal",
        "sessions/demo.db-shm",
        "sessions/demo.db-journal",
        "hard.db",
        "soft.db",
    ] {
        let o = cr()
            .current_dir(dir.path())
            .args(["export", "sessions/demo.db", "--format", "labels-csv", "--out", out])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{out}: {}", stderr_of(&o));
        assert!(stderr_of(&o).contains("the session's own file"), "{out}: {}", stderr_of(&o));
    }
    assert_eq!(std::fs::read(&s).unwrap(), before, "the session is untouched");
    assert!(std::fs::symlink_metadata(dir.path().join("soft.db")).unwrap().file_type().is_symlink());
    cr().arg("status").arg(&s).assert().success();
}

#[test]
fn export_writes_devices_and_fifos_directly_and_links_through() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo_in(dir.path());
    label_all(&s, "amira", 1);
    let export = |out: &Path| {
        cr().arg("export").arg(&s).args(["--format", "labels-jsonl", "--out"]).arg(out).output().unwrap()
    };
    // A device is written directly (as root, the old rename replaced /dev/null with a file). It
    // is reached through a link of our own, so that a regression replaces the link, never the
    // machine's /dev/null.
    let null = dir.path().join("null");
    std::os::unix::fs::symlink("/dev/null", &null).unwrap();
    let o = export(&null);
    assert!(o.status.success(), "{}", stderr_of(&o));
    assert!(std::fs::symlink_metadata(&null).unwrap().file_type().is_symlink(), "the device was replaced");
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());

    // A symbolic link is written through: the link stays, its target gets the rows.
    let real = dir.path().join("real.jsonl");
    std::fs::write(&real, "old\n").unwrap();
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    assert!(export(&link).status.success());
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced");
    assert!(std::fs::read_to_string(&real).unwrap().contains("\"annotator\":\"amira\""));
    // A link to nothing is refused rather than replaced.
    let dangling = dir.path().join("dangling.jsonl");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    let o = export(&dangling);
    assert_eq!(o.status.code(), Some(1));
    assert!(std::fs::symlink_metadata(&dangling).unwrap().file_type().is_symlink());

    // A FIFO with a reader gets the rows through the pipe and stays a FIFO.
    let fifo = dir.path().join("rows.fifo");
    mkfifo(&fifo);
    let (tx, rx) = std::sync::mpsc::channel();
    let reader_path = fifo.clone();
    std::thread::spawn(move || {
        let got = std::fs::read_to_string(&reader_path).unwrap_or_default();
        let _ = tx.send(got);
    });
    let o = export(&fifo);
    assert!(o.status.success(), "{}", stderr_of(&o));
    let got = rx.recv_timeout(Duration::from_secs(10));
    if got.is_err() {
        // Unblock the reader thread (the old code renamed a file over the FIFO).
        let _ = std::fs::OpenOptions::new().write(true).open(&fifo);
    }
    assert!(got.unwrap().contains("\"annotator\":\"amira\""));
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    // A FIFO nobody reads: an error at once, not a hang.
    let start = Instant::now();
    let o = export(&fifo);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr_of(&o).contains("no process is reading"), "{}", stderr_of(&o));
    assert!(start.elapsed() < Duration::from_secs(5));
}

// ---------------------------------------------------------------------------------------------
// Bounded reads

/// A session with one pair whose image is `image`, with a verdict, so `dpo-openai` embeds it.
fn session_with_pair_image(dir: &Path, image: &Path) -> PathBuf {
    let s = dir.join("p.db");
    cr().arg("init").arg(&s).assert().success();
    let pairs = dir.join("pairs.jsonl");
    let rec = serde_json::json!({"prompt": "Which gift?", "chosen": "A scarf.", "rejected": "A clock.",
        "images": [image.to_string_lossy()]});
    std::fs::write(&pairs, format!("{rec}\n")).unwrap();
    cr().arg("import").arg(&s).arg(&pairs).assert().success();
    let mut store = Store::open(&s).unwrap();
    let id = store.pairs().unwrap()[0].id.clone();
    let task = TaskRef::Pair { pair_id: id };
    store.record(&event("amira", task, field::VERDICT, Some(Verdict::Agree.code()), None)).unwrap();
    s
}

#[test]
fn dpo_openai_refuses_images_that_are_devices_fifos_empty_or_huge_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("img.png");
    mkfifo(&fifo);
    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, "").unwrap();
    let huge = dir.path().join("huge.png");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(crossreview::imaging::MAX_FILE_BYTES + 1).unwrap();
    for (i, (image, why)) in [
        (Path::new("/dev/zero"), "not a regular file"),
        (fifo.as_path(), "not a regular file"),
        (empty.as_path(), "empty"),
        (huge.as_path(), "too large"),
    ]
    .into_iter()
    .enumerate()
    {
        let sub = dir.path().join(format!("case{i}"));
        std::fs::create_dir(&sub).unwrap();
        let s = session_with_pair_image(&sub, image);
        let start = Instant::now();
        let o = cr()
            .arg("export")
            .arg(&s)
            .args(["--format", "dpo-openai", "--out"])
            .arg(sub.join("out.jsonl"))
            .output()
            .unwrap();
        let err = stderr_of(&o);
        assert_eq!(o.status.code(), Some(1), "{image:?}: {err}");
        assert!(err.contains(&image.display().to_string()) && err.contains(why), "{image:?}: {err}");
        assert!(start.elapsed() < Duration::from_secs(10), "{image:?} took {:?}", start.elapsed());
        assert!(!sub.join("out.jsonl").exists());
    }
}

#[test]
fn ratings_keymap_and_inputs_that_never_end_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo_in(dir.path());
    let fifo = dir.path().join("in.fifo");
    mkfifo(&fifo);
    let runs: Vec<(Vec<std::ffi::OsString>, i32)> = vec![
        (vec!["agreement".into(), "--ratings".into(), "/dev/zero".into()], 1),
        (
            vec![
                "annotate".into(),
                s.clone().into(),
                "--annotator".into(),
                "amira".into(),
                "--keymap".into(),
                "/dev/zero".into(),
            ],
            2,
        ),
        (vec!["validate".into(), "/dev/zero".into()], 1),
        (vec!["validate".into(), "/dev/urandom".into()], 1),
        (vec!["init".into(), dir.path().join("n.db").into(), "--schema".into(), "/dev/zero".into()], 1),
    ];
    for (args, code) in runs {
        let start = Instant::now();
        let o = cr().args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr_of(&o));
        assert!(stderr_of(&o).contains("a device"), "{args:?}: {}", stderr_of(&o));
        assert!(start.elapsed() < Duration::from_secs(3), "{args:?} took {:?}", start.elapsed());
    }
}

#[test]
fn stdin_and_process_substitution_are_read_as_streams() {
    let items = "{\"id\": \"a\", \"query\": \"Is this gift polite?\"}\n{\"id\": \"b\", \"query\": \"And this one?\"}\n";
    cr().args(["validate", "/dev/stdin"])
        .write_stdin(items)
        .assert()
        .success()
        .stdout(predicates::str::contains("ok: 2 items"));
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s.db");
    cr().arg("init").arg(&s).assert().success();
    // What `import S <(cat items.jsonl)` does: a pipe named by a /dev/fd path.
    cr().arg("import").arg(&s).arg("/dev/stdin").write_stdin(items).assert().success();
    assert_eq!(Store::open(&s).unwrap().counts().unwrap().items, 2);
}

// ---------------------------------------------------------------------------------------------
// Escape sequences

fn assert_no_escape(what: &str, o: &std::process::Output) {
    for (name, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        assert!(
            !bytes.iter().any(|&b| b == 0x1b || b == 0x07),
            "{what}: a control byte reached {name}: {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn hostile_names_ids_and_paths_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo_in(dir.path());
    // A hostile annotator, and a hostile item, model and image path imported from a file.
    let input = dir.path().join(format!("in{HOSTILE}.jsonl"));
    let rec = serde_json::json!({"id": format!("x{HOSTILE}"), "query": format!("q{HOSTILE}"),
        "image": format!("img{HOSTILE}.png"),
        "responses": [{"model": format!("m{HOSTILE}"), "text": "t", "judge": {"awareness": 1}}]});
    std::fs::write(&input, format!("{rec}\n")).unwrap();
    cr().arg("import").arg(&s).arg(&input).assert().success();
    // Two copies that disagree, for merge's conflict lines (which name the hostile item and
    // model); the hostile annotator only in the first, whose events merge refuses as a source.
    let other = dir.path().join("other.db");
    std::fs::copy(&s, &other).unwrap();
    label_all(&s, HOSTILE, 1);
    label_all(&s, "ana", 1);
    label_all(&other, "ana", 0);

    let run = |what: &str, args: &[&std::ffi::OsStr]| {
        let o = cr().current_dir(dir.path()).args(args).output().unwrap();
        assert_no_escape(what, &o);
        o
    };
    let sp = s.as_os_str();
    let o = run("status", &["status".as_ref(), sp]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("␛]0;pwned␇"), "the name is shown, made visible");
    run("agreement", &["agreement".as_ref(), sp]);
    run("report", &["report".as_ref(), sp]);
    run("show", &["show".as_ref(), sp, format!("x{HOSTILE}").as_ref()]);
    run("show missing", &["show".as_ref(), sp, format!("nope{HOSTILE}").as_ref()]);
    let o = run("merge", &["merge".as_ref(), sp, other.as_os_str()]);
    let refused = run("merge refused", &["merge".as_ref(), other.as_os_str(), sp]);
    assert!(!refused.status.success(), "a source with a control character in an annotator name is refused");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("conflict"),
        "merge: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let out = dir.path().join(format!("out{HOSTILE}.csv"));
    run(
        "export",
        &[
            "export".as_ref(),
            sp,
            "--format".as_ref(),
            "labels-csv".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
    );
    run("validate", &["validate".as_ref(), input.as_os_str()]);
    // Invalid input: the error lines carry the file name and a JSON path from the data.
    let bad = dir.path().join(format!("bad{HOSTILE}.jsonl"));
    std::fs::write(&bad, format!("{{\"id\": \"a\", \"query\": \"q\", \"{HOSTILE}\": 1}}\n")).unwrap();
    let o = run("validate bad", &["validate".as_ref(), bad.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    run("validate missing", &["validate".as_ref(), dir.path().join(format!("none{HOSTILE}")).as_os_str()]);
}

// ---------------------------------------------------------------------------------------------
// Restrictions

/// Runs the binary as the unprivileged user `nobody` when the tests run as root (root ignores
/// file permissions, so a read-only folder would not be read-only for it); `None` when that is
/// not possible here.
fn unprivileged() -> Option<Command> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some(cr());
    }
    let bin = assert_cmd::cargo::cargo_bin("crossreview");
    let as_nobody = |args: &[&str]| {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&bin).args(args);
        c.timeout(Duration::from_secs(30));
        c
    };
    as_nobody(&["--version"]).output().ok().filter(|o| o.status.success())?;
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(bin);
    c.timeout(Duration::from_secs(30));
    Some(c)
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_session_in_a_read_only_folder_can_be_read_and_says_why_it_cannot_be_written() {
    if unprivileged().is_none() {
        eprintln!("skipped: running as root without setpriv, so no folder is read-only here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = demo_in(dir.path());
    label_all(&s, "amira", 1);
    // A teammate's copy on a read-only share: checkpointed, no -wal or -shm beside it.
    let share = dir.path().join("share");
    std::fs::create_dir(&share).unwrap();
    let copy = share.join("theirs.db");
    {
        let store = Store::open(&s).unwrap();
        store.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        std::fs::copy(&s, &copy).unwrap();
    }
    let export_dir = dir.path().join("exports");
    std::fs::create_dir(&export_dir).unwrap();
    chmod(&export_dir, 0o777);
    chmod(&copy, 0o444);
    chmod(&share, 0o555);
    chmod(dir.path(), 0o755);
    let listing = || {
        let mut v: Vec<_> = std::fs::read_dir(&share).unwrap().map(|e| e.unwrap().file_name()).collect();
        v.sort();
        v
    };
    let before = listing();
    let bytes = std::fs::read(&copy).unwrap();
    let c = copy.as_os_str();
    let out = export_dir.join("labels.jsonl");
    for args in [
        vec!["status".as_ref(), c],
        vec!["agreement".as_ref(), c],
        vec!["report".as_ref(), c],
        vec!["show".as_ref(), c, "demo/zh/China_1".as_ref()],
        vec![
            "export".as_ref(),
            c,
            "--format".as_ref(),
            "labels-jsonl".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
    ] {
        let o = unprivileged().unwrap().args(&args).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr_of(&o));
    }
    assert!(std::fs::read_to_string(&out).unwrap().contains("amira"));
    // A write says why it cannot be done, and changes nothing.
    let items = dir.path().join("items.jsonl");
    std::fs::write(&items, "{\"id\": \"new\", \"query\": \"q\"}\n").unwrap();
    chmod(&items, 0o644);
    let o = unprivileged().unwrap().arg("import").arg(&copy).arg(&items).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr_of(&o).contains("read-only"), "{}", stderr_of(&o));
    let o = unprivileged().unwrap().arg("annotate").arg(&copy).args(["--annotator", "ben"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr_of(&o).contains("read-only"), "{}", stderr_of(&o));
    assert_eq!(listing(), before, "no -wal or -shm file left in the read-only folder");
    assert_eq!(std::fs::read(&copy).unwrap(), bytes);
    chmod(&share, 0o755);
}

#[test]
fn the_file_size_limit_gives_a_message_and_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo_in(dir.path());
    // About 200 KB of rows: over the limit below, which is above what opening the session needs
    // (its 32 KB shared-memory file).
    for who in ["amira", "ben", "chen", "dana", "emre", "fatima", "goro", "hana"] {
        label_all(&s, who, 1);
    }
    let out = dir.path().join("labels.jsonl");
    let bin = assert_cmd::cargo::cargo_bin("crossreview");
    let o = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 128; exec \"$0\" export \"$1\" --format labels-jsonl --out \"$2\"")
        .arg(&bin)
        .arg(&s)
        .arg(&out)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "killed by a signal? {o:?}");
    assert!(stderr_of(&o).contains("file size limit"), "{}", stderr_of(&o));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(!left.iter().any(|n| n.to_string_lossy().starts_with(".labels")), "{left:?}");
    assert!(!out.exists());

    // An import that outgrows the limit is rolled back with the same explanation.
    let fresh = dir.path().join("fresh.db");
    cr().arg("init").arg(&fresh).assert().success();
    let items = dir.path().join("many.jsonl");
    let text: String = (0..800)
        .map(|i| {
            format!("{{\"id\": \"item-{i}\", \"query\": \"{}\"}}\n", "a question about a gift ".repeat(8))
        })
        .collect();
    std::fs::write(&items, text).unwrap();
    let o = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 96; exec \"$0\" import \"$1\" \"$2\"")
        .arg(&bin)
        .arg(&fresh)
        .arg(&items)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "killed by a signal? {o:?}");
    assert!(stderr_of(&o).contains("file size limit"), "{}", stderr_of(&o));
    assert_eq!(Store::open(&fresh).unwrap().counts().unwrap().items, 0);
}

#[test]
fn a_sample_of_zero_is_a_command_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo_in(dir.path());
    let o = cr()
        .arg("annotate")
        .arg(&s)
        .args(["--annotator", "amira", "--sample", "0", "--seed", "1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr_of(&o).contains("--sample"), "{}", stderr_of(&o));
}

#[test]
fn duplicate_keys_in_judge_objects_and_pairs_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let items = dir.path().join("items.jsonl");
    std::fs::write(
        &items,
        "{\"id\": \"a\", \"query\": \"q\"}\n{\"id\": \"b\", \"query\": \"q\", \"responses\": [{\"model\": \"m\", \"text\": \"t\", \"judge\": {\"awareness\": 1, \"awareness\": 0}}]}\n",
    )
    .unwrap();
    let o = cr().arg("validate").arg(&items).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr_of(&o);
    assert!(err.contains("items.jsonl:2:") && err.contains("duplicate key \"awareness\""), "{err}");

    let pairs = dir.path().join("pairs.jsonl");
    std::fs::write(
        &pairs,
        "{\"prompt\": \"q\", \"chosen\": [{\"role\": \"assistant\", \"content\": \"yes\", \"content\": \"no\"}], \"rejected\": \"r\"}\n",
    )
    .unwrap();
    let o = cr().arg("validate").arg(&pairs).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr_of(&o);
    assert!(
        err.contains("pairs.jsonl:1:") && err.contains("duplicate key \"content\" in chosen[0]"),
        "{err}"
    );
}
