//! What a bad input file says, word for word, and the exit code it gives: a keymap, a theme, a
//! `--filter`, a label schema, a ratings table and an import file. The library returns typed
//! errors; these pin the text and the code the user sees.

use assert_cmd::Command;
use std::path::Path;

fn cr() -> Command {
    Command::cargo_bin("crossreview").unwrap()
}

/// Runs the command; its exit code and standard error.
fn fails(args: &[&str]) -> (Option<i32>, String) {
    let out = cr().args(args).output().unwrap();
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

fn session(dir: &Path) -> String {
    let path = dir.join("s.db");
    cr().args(["init", path.to_str().unwrap()]).assert().success();
    path.to_str().unwrap().to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_bad_keymap_is_a_usage_error_naming_the_file_and_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    let annotate = |keymap: &str| fails(&["annotate", &s, "--annotator", "ann", "--keymap", keymap]);
    let k = write(dir.path(), "k1.toml", "undo = \"Hyper-x\"\n");
    assert_eq!(annotate(&k), (Some(2), format!("{k}: undo: unknown key \"Hyper-x\"\n")));
    let k = write(dir.path(), "k2.toml", "undo = [\"u\", 3]\n");
    assert_eq!(
        annotate(&k),
        (Some(2), format!("{k}: undo: keys must be strings, like \"j\" or \"Ctrl-r\"\n"))
    );
    let k = write(dir.path(), "k3.toml", "undo = 3\n");
    assert_eq!(annotate(&k), (Some(2), format!("{k}: undo: give a key or a list of keys\n")));
    let k = write(dir.path(), "k4.toml", "jump = \"x\"\n");
    let (code, err) = annotate(&k);
    assert_eq!(code, Some(2));
    assert!(err.starts_with(&format!("{k}: unknown command \"jump\" (commands: ")), "{err}");
    let k = write(dir.path(), "k5.toml", "undo = \n");
    let (code, err) = annotate(&k);
    assert_eq!(code, Some(2));
    assert!(err.starts_with(&format!("{k}: ")) && err.lines().count() == 1, "{err}");
}

#[test]
fn a_bad_theme_is_a_usage_error_naming_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    let annotate = |theme: &str| fails(&["annotate", &s, "--annotator", "ann", "--theme", theme]);
    let t = write(dir.path(), "t1.toml", "accent = \"notacolour\"\n");
    assert_eq!(annotate(&t), (Some(2), format!("{t}: accent: unknown colour \"notacolour\"\n")));
    let t = write(dir.path(), "t2.toml", "accent = 1\n");
    assert_eq!(annotate(&t), (Some(2), format!("{t}: accent: give a colour name as a string\n")));
    let t = write(dir.path(), "t3.toml", "bogus = \"red\"\n");
    assert_eq!(
        annotate(&t),
        (
            Some(2),
            format!(
                "{t}: unknown theme key \"bogus\" (keys: accent, focus, selection, yes, no, judge, muted, warning, border)\n"
            )
        )
    );
}

#[test]
fn a_bad_filter_is_a_usage_error_quoting_the_expression() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    let annotate = |filter: &str| fails(&["annotate", &s, "--annotator", "ann", "--filter", filter]);
    assert_eq!(
        annotate("judges=agree"),
        (
            Some(2),
            "--filter \"judges=agree\": write judges=disagree (tasks where the judges differ)\n".into()
        )
    );
    assert_eq!(
        annotate("judge.compliance=7"),
        (
            Some(2),
            "--filter \"judge.compliance=7\": \"7\" is not a value of compliance (valid: 1, 0)\n".into()
        )
    );
    assert_eq!(
        annotate("judge.violation=1"),
        (
            Some(2),
            "--filter \"judge.violation=1\": the session has no dimension \"violation\" (dimensions: awareness, education, compliance, helpfulness)\n"
                .into()
        )
    );
}

#[test]
fn a_bad_schema_lists_every_problem_then_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let schema = write(dir.path(), "schema.toml", "[[dimension]]\nname = 'a'\nvalues = [1, 1]\n");
    let db = dir.path().join("new.db");
    let (code, err) = fails(&["init", db.to_str().unwrap(), "--schema", &schema]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        format!(
            "{schema}: [[dimension]] #1 (a): `values` repeats a value\n{schema}: [[dimension]] #1 (a): key '1' is used for two values\n2 errors in the schema; nothing was created\n"
        )
    );
    assert!(!db.exists());
}

#[test]
fn a_bad_ratings_table_lists_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let r = write(dir.path(), "r.csv", "a,b\n1,2\n1,2,3\n");
    assert_eq!(
        fails(&["agreement", "--ratings", &r]),
        (Some(1), format!("{r}:3: 3 cells, but the header has 2 columns\n"))
    );
}

#[test]
fn a_bad_input_file_lists_located_errors_then_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "items.jsonl",
        "{\"id\": \"a\", \"query\": \"q\"}\n{\"id\": \"a\", \"query\": \"q\"}\n",
    );
    assert_eq!(
        fails(&["validate", &f]),
        (
            Some(1),
            format!(
                "{f}:2: duplicate id \"a\", already at {f}:1; ids must be unique within an import\n1 error; the input is not valid\n"
            )
        )
    );
}
