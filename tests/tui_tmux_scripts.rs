//! The demo's text in every script (and our own in scripts with wide vowel signs), drawn by the real binary inside tmux at several widths and
//! read back with `capture-pane`: no pane border moves, and the query, English query, norm and
//! response read on screen are the stored text, with no character lost or overwritten.

mod tmux_common;

use crossreview::text;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use tmux_common::{Frame, Tmux, frames, inside, title};

const BIN: &str = env!("CARGO_BIN_EXE_crossreview");
const DEMO_ITEMS: &str = include_str!("../assets/demo/items.jsonl");
const WIDE_MARKS: &str = include_str!("fixtures/tmux/wide_marks.jsonl");
const ROWS: u16 = 60;

/// What the screen must show for `s`: the sanitized text without whitespace (wrapping turns
/// spaces into line ends and indentation). Right-to-left text is drawn in visual order, so for
/// it only the characters are compared (as a sorted list), not their order.
fn comparable(s: &str) -> Vec<char> {
    let mut chars: Vec<char> = text::sanitize(s).chars().filter(|c| !c.is_whitespace()).collect();
    if text::has_rtl(s) {
        chars.sort_unstable();
    }
    chars
}

/// Checks that `shown` (read from the screen) is `stored`, or its beginning when the pane was
/// full and may have cut it.
fn check_text(what: &str, stored: &str, shown: &str, may_be_cut: bool, screen: &[String]) {
    let want = comparable(stored);
    let got: Vec<char> = {
        let mut g: Vec<char> = shown.chars().filter(|c| !c.is_whitespace()).collect();
        if text::has_rtl(stored) {
            g.sort_unstable();
        }
        g
    };
    let ok = if !may_be_cut {
        got == want
    } else if text::has_rtl(stored) {
        // Every character shown is one of the stored ones, as many times at most.
        let mut rest = want.clone();
        got.iter().all(|c| rest.iter().position(|x| x == c).map(|i| rest.remove(i)).is_some())
    } else {
        want.starts_with(&got)
    };
    if !ok {
        let first_diff = got.iter().zip(&want).position(|(a, b)| a != b).unwrap_or(got.len().min(want.len()));
        panic!(
            "{what}: the screen does not show the stored text (first difference at character {first_diff}: \
             shown {:?}, stored {:?})\nshown:  {shown}\nstored: {stored}\nscreen:\n{}",
            got.get(first_diff..(first_diff + 8).min(got.len())).map(|s| s.iter().collect::<String>()),
            want.get(first_diff..(first_diff + 8).min(want.len())).map(|s| s.iter().collect::<String>()),
            screen.join("\n")
        );
    }
}

/// The query pane's rows split into its labelled blocks (`query:`, `en:`, `norm:`), without the
/// labels and indentation.
fn blocks(rows: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for row in rows {
        let (head, body): (String, String) = {
            let mut chars = row.chars();
            let head: String = chars.by_ref().take(7).collect();
            (head, chars.collect())
        };
        let label = head.trim().trim_end_matches(':').to_string();
        if !label.is_empty() {
            out.push((label, body));
        } else if let Some(last) = out.last_mut() {
            last.1.push(' ');
            last.1.push_str(&body);
        }
    }
    out
}

fn find(screen: &[String], all: &[Frame], prefix: &str) -> Option<Frame> {
    all.iter().find(|f| title(screen, **f).starts_with(prefix)).copied()
}

fn items_of(jsonl: &str) -> BTreeMap<String, Value> {
    jsonl
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["id"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

/// Opens the first task of each language of `items` (imported in `dir/session`) at `cols`
/// columns, and checks the screen: borders in place, every text pane showing the stored text.
fn check_languages(tmux: &Tmux, dir: &Path, session: &str, items: &BTreeMap<String, Value>, cols: u16) {
    let mut languages: Vec<String> =
        items.values().map(|v| v["language"].as_str().unwrap().to_string()).collect();
    languages.sort();
    languages.dedup();
    for lang in &languages {
        let name = format!("{lang}{cols}");
        let filter = format!("language={lang}");
        tmux.spawn(
            &name,
            dir,
            cols,
            ROWS,
            BIN,
            &["annotate", session, "--annotator", "x", "--image-protocol", "none", "--filter", &filter],
        );
        tmux.wait_for(&name, "response ·");
        let first = check_screen(&tmux.settled(&name), items, lang, cols);
        // The next task (another model's answer to the same item, when there is one): the
        // response pane is redrawn over the previous text, cell by cell where it changed.
        tmux.send_keys(&name, &["j"]);
        std::thread::sleep(std::time::Duration::from_millis(300));
        let next = check_screen(&tmux.settled(&name), items, lang, cols);
        let tasks = items
            .values()
            .filter(|v| v["language"] == lang.as_str())
            .map(|v| v["responses"].as_array().unwrap().len())
            .sum::<usize>();
        assert!(tasks == 1 || next != first, "{lang} at {cols}: j did not open the next task");
        // Sessions are left (dead) until the server goes: killing the last one would stop the
        // server while the next one starts.
        tmux.send_keys(&name, &["q"]);
    }
}

/// Checks one screen: every border in place, the query pane's blocks and the visible part of
/// the response equal to the stored text. Returns the model whose response is shown.
fn check_screen(screen: &[String], items: &BTreeMap<String, Value>, lang: &str, cols: u16) -> String {
    let all = frames(screen);
    let query = find(screen, &all, "tmux/").or_else(|| find(screen, &all, "demo/"));
    let query = query.unwrap_or_else(|| panic!("no query pane on screen:\n{}", screen.join("\n")));
    let id = title(screen, query).split(" · ").next().unwrap().trim().to_string();
    let item = items.get(&id).unwrap_or_else(|| panic!("{lang} at {cols}: unknown item {id:?}"));
    let rows = inside(screen, query);
    let full = rows.last().is_some_and(|r| !r.trim().is_empty());
    let shown = blocks(&rows);
    let stored: Vec<(&str, &str)> = [("query", "query"), ("en", "query_en"), ("norm", "norm")]
        .into_iter()
        .filter_map(|(label, key)| item[key].as_str().filter(|s| !s.is_empty()).map(|s| (label, s)))
        .filter(|(label, s)| *label != "en" || Some(*s) != item["query"].as_str())
        .collect();
    for (k, (label, body)) in shown.iter().enumerate() {
        let s = stored
            .iter()
            .find(|(l, _)| l == label)
            .unwrap_or_else(|| panic!("{id} at {cols}: unexpected block {label:?}"));
        let last = k + 1 == shown.len();
        check_text(&format!("{id} at {cols} columns, {label}"), s.1, body, last && full, screen);
    }
    if !full {
        assert_eq!(shown.len(), stored.len(), "{id} at {cols}: blocks missing\n{}", screen.join("\n"));
    }
    let response = find(screen, &all, "response · ").unwrap();
    let model = title(screen, response)["response · ".len()..].split(' ').next().unwrap().to_string();
    let text = item["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["model"] == model.as_str())
        .unwrap_or_else(|| panic!("{id}: no response by {model:?}"))["text"]
        .as_str()
        .unwrap();
    check_text(
        &format!("{id} at {cols} columns, response of {model}"),
        text,
        &inside(screen, response).join(" "),
        true,
        screen,
    );
    model
}

/// Every demo language (Chinese, Japanese, Russian, Arabic, Persian with ZWNJ, Hindi, Thai,
/// Korean, Amharic, Spanish, Indonesian) in `crossreview demo`'s session.
fn demo_at(cols: u16) {
    let Some(tmux) = Tmux::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    // The session `crossreview demo` writes under the folder it runs in.
    crossreview::commands::demo::prepare(dir.path()).unwrap();
    check_languages(&tmux, dir.path(), "sessions/demo.db", &items_of(DEMO_ITEMS), cols);
}

/// Bengali, Tamil, Malayalam, Kannada and Sinhala: vowel signs that `unicode-width` (and so
/// ratatui) gives no cell, and terminals one.
fn wide_marks_at(cols: u16) {
    let Some(tmux) = Tmux::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let items = dir.path().join("items.jsonl");
    std::fs::write(&items, WIDE_MARKS).unwrap();
    for args in [vec!["init", "s.db"], vec!["import", "s.db", items.to_str().unwrap()]] {
        let out = std::process::Command::new(BIN).args(&args).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    check_languages(&tmux, dir.path(), "s.db", &items_of(WIDE_MARKS), cols);
}

#[test]
fn demo_scripts_at_80_columns() {
    demo_at(80);
}

#[test]
fn demo_scripts_at_100_columns() {
    demo_at(100);
}

#[test]
fn demo_scripts_at_120_columns() {
    demo_at(120);
}

#[test]
fn demo_scripts_at_141_columns() {
    demo_at(141);
}

#[test]
fn spacing_vowel_signs_at_80_columns() {
    wide_marks_at(80);
}

#[test]
fn spacing_vowel_signs_at_120_columns() {
    wide_marks_at(120);
}
