//! Speed and memory of the annotation TUI on a large session (100,000 items x 3 responses).
//!
//! `cargo bench --bench tui` builds the session once (cached under target/bench-sessions/),
//! then measures, each in a fresh process so resident memory is the TUI's own:
//! - open: session opened, task index and labels loaded, first item read, first frame drawn
//!   (160x48, TestBackend), with the peak resident set size (VmHWM);
//! - keypress: `1` → update → label durably recorded (WAL, synchronous=FULL) → next frame drawn;
//!   median and p99 over 400 presses (image decoding is off the UI thread and excluded);
//! - search: per-keystroke time of the fuzzy search as a query is typed (the index is built once,
//!   lazily, on the first search: its build time and the peak memory after it are printed).
//! - long-response: a 1 MB hostile multilingual response (`benches/support/long_text.rs`) in the
//!   task view at 80x24 and 160x48: the first frame, then the time per frame while paging through
//!   it (`cargo bench --bench tui -- --long-response` runs only this).
//! - commands (with `--commands`): on a copy of the session with three annotators' labels on
//!   10 % of the responses and two more judges' scores of every response (three judges), the
//!   wall time and peak memory of `status`, `agreement --judge`, `report`, `report --judges`
//!   and `export` (labels-jsonl, gold-jsonl), each run as the real binary. With
//!   `--items 333334` (1,000,000 responses) this is the check that a session of a million
//!   responses stays usable (issue 7; the budgets are in README.md).
//!
//! Options after `--`: `--items N` (default 100000), `--commands`, `--long-response`.

// The same allocator as the crossreview binary (src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use crossreview::cli::{AnnotateArgs, ImageProtocol};
use crossreview::model::{Item, Response};
use crossreview::schema::Schema;
use crossreview::search::{Corpus, Searcher};
use crossreview::store::Store;
use crossreview::tui::action::{Action, Command, Effect};
use crossreview::tui::app::{initial_state, run_effects};
use crossreview::tui::draw::draw;
use crossreview::tui::image::NoImages;
use crossreview::tui::keymap::Keymap;
use crossreview::tui::state::State;
use crossreview::tui::theme::Theme;
use crossreview::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[path = "support/long_text.rs"]
mod long_text;

const COUNTRIES: [(&str, &str, &str); 9] = [
    ("Japan", "ja", "この時計を友達の結婚祝いに贈りたいです。包み方を教えてください。"),
    ("China", "zh", "我想把这个钟送给老人做生日礼物，有什么建议？"),
    ("South Korea", "ko", "이 빨간 펜으로 친구 이름을 써도 될까요?"),
    ("Saudi Arabia", "ar", "أريد أن أقدم هذه الزجاجة كهدية لمضيفي في الرياض"),
    ("Iran", "fa", "آیا می‌توانم این شراب را به میزبانم در تهران هدیه بدهم؟"),
    ("India", "hi", "क्या मैं इस चमड़े के बेल्ट को मंदिर में पहन सकता हूँ?"),
    ("Thailand", "th", "ฉันจะชี้เท้าไปที่พระพุทธรูปได้ไหม"),
    ("Ethiopia", "am", "ይህን ስጦታ በግራ እጄ መስጠት እችላለሁ?"),
    ("Russia", "ru", "Можно подарить жёлтые цветы в чётном количестве?"),
];
const MODELS: [&str; 3] = ["gpt-4o", "llava-1.6", "qwen2-vl"];
const WORDS: [&str; 24] = [
    "gift",
    "clock",
    "wrap",
    "host",
    "temple",
    "shoes",
    "respect",
    "custom",
    "colour",
    "flowers",
    "alcohol",
    "funeral",
    "wedding",
    "elder",
    "hand",
    "offer",
    "tradition",
    "avoid",
    "consider",
    "instead",
    "local",
    "culture",
    "meaning",
    "polite",
];

fn item(i: usize) -> Item {
    let (country, lang, query) = COUNTRIES[i % COUNTRIES.len()];
    let mut rng = crossreview::rng::SplitMix64::new(i as u64);
    let mut text = |n: usize| {
        let mut s = String::new();
        for k in 0..n {
            if k > 0 {
                s.push(' ');
            }
            s.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
        }
        s
    };
    let norm = format!("Norm {i}: {}", text(20));
    let responses = MODELS
        .iter()
        .map(|m| {
            let judge: BTreeMap<String, i64> = ["awareness", "education", "compliance", "helpfulness"]
                .iter()
                .enumerate()
                .map(|(k, d)| (d.to_string(), ((i + k + m.len()) % 2) as i64))
                .collect();
            let mut rationale = BTreeMap::new();
            rationale.insert("awareness".to_string(), text(25).into());
            Response {
                model: m.to_string(),
                text: text(110),
                judge,
                judge_rationale: rationale,
                ..Default::default()
            }
        })
        .collect();
    Item {
        id: format!("bench/{lang}/{i}"),
        image: Some(format!("images/{i}.png")),
        query: format!("{query} #{i}"),
        query_en: Some(format!("English version {i}: {}", text(15))),
        language: Some(lang.into()),
        country: Some(country.into()),
        domain: Some(["gifts", "etiquette", "food"][i % 3].into()),
        norm: Some(norm),
        meta: Default::default(),
        responses,
    }
}

fn session(n: usize) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-sessions");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("tui-{n}.db"));
    if path.exists() {
        return path;
    }
    let tmp = dir.join(format!("tui-{n}.db.building"));
    let _ = std::fs::remove_file(&tmp);
    let t = Instant::now();
    let mut store = Store::create(&tmp, &Schema::cross_eval(), true).unwrap();
    store
        .import(|imp| {
            for i in 0..n {
                imp.upsert_item(&item(i))?;
            }
            Ok(())
        })
        .unwrap();
    drop(store);
    for ext in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{ext}", tmp.display()));
        if from.exists() {
            std::fs::rename(&from, format!("{}{ext}", path.display())).unwrap();
        }
    }
    eprintln!("built {} ({n} items x 3 responses) in {:.1?}", path.display(), t.elapsed());
    path
}

/// The judges besides the default one in the labelled copy, and how often each gives the other
/// value than the default judge: three judges in all, so `agreement --judge` compares three.
const EXTRA_JUDGES: [(&str, f64); 2] = [("judge-b", 0.1), ("judge-c", 0.25)];

/// A copy of the session in which three annotators have labelled every tenth response on every
/// dimension (each label copies the judge's value 80 % of the time), written straight into the
/// event log in one transaction and then folded into `current`, as `merge` does; two more
/// judges (`EXTRA_JUDGES`) scored every response.
fn labelled_session(path: &Path, n: usize) -> PathBuf {
    let labelled = path.with_file_name(format!("tui-{n}-labelled-3judges.db"));
    if labelled.exists() {
        return labelled;
    }
    let tmp = path.with_file_name(format!("tui-{n}-labelled.db.building"));
    // A consistent copy (the source is in WAL mode): VACUUM INTO.
    let _ = std::fs::remove_file(&tmp);
    Store::open(path).unwrap().conn().execute("VACUUM INTO ?1", [tmp.to_str().unwrap()]).unwrap();
    let t = Instant::now();
    let store = Store::open(&tmp).unwrap();
    let dims = ["awareness", "education", "compliance", "helpfulness"];
    let annotators = ["ann-a", "ann-b", "ann-c"];
    for a in annotators {
        store.ensure_annotator(a).unwrap();
    }
    let conn = store.conn();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    {
        let mut responses = conn
            .prepare("SELECT item_id, model, judge FROM responses WHERE seq % 10 = 0 ORDER BY seq")
            .unwrap();
        let rows: Vec<(String, String, String)> = responses
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut insert = conn
            .prepare(
                "INSERT INTO events(uid, at, annotator, task_kind, item_id, model, pair_id, field, kind, value, seconds, judge_visible)
                 VALUES (?1, ?2, ?3, 'response', ?4, ?5, '', ?6, 'set', ?7, ?8, 1)",
            )
            .unwrap();
        let mut rng = crossreview::rng::SplitMix64::new(7);
        let mut k = 0u64;
        for (item_id, model, judge) in &rows {
            let judge: BTreeMap<String, i64> = serde_json::from_str(judge).unwrap();
            for a in annotators {
                for d in dims {
                    let j = judge.get(d).copied().unwrap_or(0);
                    let v = if rng.next_f64() < 0.8 { j } else { 1 - j };
                    k += 1;
                    let at = format!("2026-11-01T00:00:00.{:06}Z", k % 1_000_000);
                    insert
                        .execute(rusqlite::params![format!("bench-{k}"), at, a, item_id, model, d, v, 3.5])
                        .unwrap();
                }
            }
        }
        let mut all = conn.prepare("SELECT item_id, model, judge FROM responses ORDER BY seq").unwrap();
        let all: Vec<(String, String, String)> = all
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut judge_row = conn
            .prepare(
                "INSERT INTO response_judges(judge, item_id, model, scores, rationale) VALUES (?1, ?2, ?3, ?4, '{}')",
            )
            .unwrap();
        for (name, flip) in EXTRA_JUDGES {
            conn.execute("INSERT INTO judges(name) VALUES (?1)", [name]).unwrap();
            for (item_id, model, judge) in &all {
                let mut scores: BTreeMap<String, i64> = serde_json::from_str(judge).unwrap();
                for v in scores.values_mut() {
                    if rng.next_f64() < flip {
                        *v = 1 - *v;
                    }
                }
                judge_row
                    .execute(rusqlite::params![name, item_id, model, serde_json::to_string(&scores).unwrap()])
                    .unwrap();
            }
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    store.rebuild_current().unwrap();
    drop(store);
    std::fs::rename(&tmp, &labelled).unwrap();
    eprintln!("labelled copy {} built in {:.1?}", labelled.display(), t.elapsed());
    labelled
}

/// Runs the real binary with `args`; returns the wall time and the child's peak RSS in MB.
fn time_command(args: &[&str]) -> (Duration, f64) {
    let bin = env!("CARGO_BIN_EXE_crossreview");
    let t = Instant::now();
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-f")
        .arg("MAXRSS_KB=%M")
        .arg(bin)
        .args(args)
        .output()
        .or_else(|_| std::process::Command::new(bin).args(args).output())
        .unwrap();
    let wall = t.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "crossreview {args:?} failed: {stderr}");
    let rss = stderr
        .lines()
        .find_map(|l| l.strip_prefix("MAXRSS_KB="))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0);
    (wall, rss)
}

/// The other commands on a large labelled session, each in its own process.
fn commands_phase(path: &Path) {
    let s = path.to_str().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let out = |name: &str| out_dir.path().join(name).to_str().unwrap().to_string();
    let (labels, gold) = (out("labels.jsonl"), out("gold.jsonl"));
    let runs: [(&str, Vec<&str>); 7] = [
        ("status --json", vec!["status", s, "--json"]),
        ("agreement --json", vec!["agreement", s, "--json"]),
        ("agreement --judge --json", vec!["agreement", s, "--judge", "--json"]),
        ("report", vec!["report", s]),
        ("report --judges", vec!["report", s, "--judges"]),
        ("export labels-jsonl", vec!["export", s, "--format", "labels-jsonl", "--out", &labels]),
        ("export gold-jsonl", vec!["export", s, "--format", "gold-jsonl", "--out", &gold]),
    ];
    for (name, args) in runs {
        let (wall, rss) = time_command(&args);
        println!("command {name}: {:.0} ms, peak resident {rss:.0} MB", wall.as_secs_f64() * 1e3);
    }
}

fn args(path: &Path) -> AnnotateArgs {
    AnnotateArgs { image_protocol: ImageProtocol::None, ..AnnotateArgs::new(path.to_path_buf(), "bench") }
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Opens the session to the first frame (run in a fresh process).
fn open_phase(path: &Path, annotator: &str, breakdown: bool) {
    let t = Instant::now();
    let mut store = Store::open(path).unwrap();
    let t_open = t.elapsed();
    let mut a = args(path);
    a.annotator = annotator.into();
    store.ensure_annotator(&a.annotator).unwrap();
    let t_ann = t.elapsed();
    // The breakdown reads the index separately, which raises the peak memory: it is a separate
    // run (`open-breakdown`), so that `open` measures only what the TUI does.
    let (mut t_index, mut t_labels) = (t_ann, t_ann);
    if breakdown {
        let tasks = store.response_task_index_without_judge().unwrap();
        t_index = t.elapsed();
        let labels = store.labels_of(&a.annotator).unwrap();
        t_labels = t.elapsed();
        drop((tasks, labels));
    }
    let t2 = Instant::now();
    let mut state = initial_state(&store, &a, &Keymap::default(), "none").unwrap();
    let t_state = t2.elapsed();
    let id = state.current_task().unwrap().item_id.to_string();
    run_effects(&mut store, &mut state, vec![Effect::LoadItem(id)], None, |_, _| {});
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let mut images = NoImages("off".into());
    let theme = Theme::default();
    term.draw(|f| {
        draw(f, &state, &theme, &mut images);
    })
    .unwrap();
    let total = t_open + t_ann + t2.elapsed();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "open to first frame: {:.1} ms, peak resident {:.1} MB ({} tasks) [open {:.0}, annotator {:.0}, task index {:.0}, labels {:.0}, state {:.0} ms]",
        ms(total),
        peak_rss_mb(),
        state.queue.tasks.len(),
        ms(t_open),
        ms(t_ann - t_open),
        ms(t_index - t_ann),
        ms(t_labels - t_index),
        ms(t_state)
    );
}

fn keypress_phase(path: &Path) {
    let mut store = Store::open(path).unwrap();
    // A fresh annotator each run, so every run labels from the same starting point.
    let mut a = args(path);
    a.annotator = format!("bench-{}-{}", std::process::id(), crossreview::store::time::now_micros());
    store.ensure_annotator(&a.annotator).unwrap();
    let mut state = initial_state(&store, &a, &Keymap::default(), "none").unwrap();
    let id = state.current_task().unwrap().item_id.to_string();
    run_effects(&mut store, &mut state, vec![Effect::LoadItem(id)], None, |_, _| {});
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let mut images = NoImages("off".into());
    let theme = Theme::default();
    let mut times = Vec::new();
    for k in 0..400 {
        let t = Instant::now();
        let c = if k % 3 == 0 { Command::No } else { Command::Yes };
        let fx = update(&mut state, Action::Command(c));
        run_effects(&mut store, &mut state, fx, None, |_, _| {});
        term.draw(|f| {
            draw(f, &state, &theme, &mut images);
        })
        .unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "keypress -> label durable -> frame drawn: median {:.2} ms, p99 {:.2} ms, max {:.2} ms (400 presses, 100 tasks)",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3
    );
}

fn search_phase(path: &Path) {
    let store = Store::open(path).unwrap();
    let t = Instant::now();
    let corpus = Corpus::build(&store).unwrap();
    println!(
        "search index built (lazily, on the first search, off the UI thread): {:.0} ms, {} tasks, peak resident {:.0} MB",
        t.elapsed().as_secs_f64() * 1e3,
        corpus.len(),
        peak_rss_mb()
    );
    let mut searcher = Searcher::new(corpus);
    // "clock" is in most texts; "templeshoes" matches less and less, then nothing (at "temples",
    // every text is tested); "zq…" and "qt…" match nothing from their second key on, with a word
    // too short for the trigram sets.
    for query in ["clock", "templeshoes", "bench/ja/4242", "結婚祝い", "wedding gift", "zqzqzqz", "qtemples"]
    {
        let mut typed = String::new();
        let mut per_key = Vec::new();
        let mut hits = 0;
        for c in query.chars() {
            typed.push(c);
            let t = Instant::now();
            hits = searcher.search(&typed).len();
            per_key.push(t.elapsed());
        }
        let first = per_key[0];
        per_key.sort();
        println!(
            "search {query:?}: first keystroke {:.1} ms, median {:.1} ms, max {:.1} ms per keystroke ({} hits shown)",
            first.as_secs_f64() * 1e3,
            percentile(&per_key, 0.5).as_secs_f64() * 1e3,
            per_key.last().unwrap().as_secs_f64() * 1e3,
            hits
        );
        searcher.search("");
    }
}

/// A 1 MB response drawn in the task view: first frame, then frames while paging down.
fn long_response_phase() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.db");
    let mut store = Store::create(&path, &Schema::cross_eval(), false).unwrap();
    let text = long_text::long_response(1 << 20);
    store
        .import(|imp| {
            let mut it = item(0);
            it.responses.truncate(1);
            it.responses[0].text = text.clone();
            imp.upsert_item(&it)
        })
        .unwrap();
    let theme = Theme::default();
    let mut images = NoImages("off".into());
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut state = initial_state(&store, &args(&path), &Keymap::default(), "none").unwrap();
        let id = state.current_task().unwrap().item_id.to_string();
        run_effects(&mut store, &mut state, vec![Effect::LoadItem(id)], None, |_, _| {});
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        let mut frame = |state: &mut State| {
            let t = Instant::now();
            let mut info = Default::default();
            term.draw(|f| info = draw(f, state, &theme, &mut images)).unwrap();
            let crossreview::tui::draw::FrameInfo { max_scroll, page } = info;
            update(state, Action::ResponseViewport { max_scroll, page });
            t.elapsed()
        };
        let first = frame(&mut state);
        let mut times = Vec::new();
        for _ in 0..200 {
            update(&mut state, Action::Command(Command::PageDown));
            times.push(frame(&mut state));
        }
        times.sort();
        println!(
            "1 MB response at {w}x{h}: first frame {:.1} ms; paging, per frame: median {:.2} ms, p99 {:.2} ms, max {:.2} ms (200 frames, {} lines)",
            first.as_secs_f64() * 1e3,
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
            times.last().unwrap().as_secs_f64() * 1e3,
            state.open.max_scroll as u64 + state.open.page as u64
        );
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let n = argv
        .iter()
        .position(|a| a == "--items")
        .and_then(|i| argv.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000usize);
    if let Some(i) = argv.iter().position(|a| a == "--phase") {
        let path = PathBuf::from(&argv[i + 2]);
        match argv[i + 1].as_str() {
            "open" => open_phase(&path, "bench", false),
            "open-breakdown" => open_phase(&path, "bench", true),
            "keypress" => keypress_phase(&path),
            "search" => search_phase(&path),
            "long-response" => long_response_phase(),
            "commands" => commands_phase(&path),
            other => panic!("unknown phase {other}"),
        }
        return;
    }
    if argv.iter().any(|a| a == "--long-response") {
        long_response_phase();
        return;
    }
    // `cargo bench` passes --bench; anything else (e.g. `cargo test --benches`) just checks it runs.
    let quick = !argv.iter().any(|a| a == "--bench");
    let n = if quick { 300 } else { n };
    let path = session(n);
    let me = std::env::current_exe().unwrap();
    for phase in ["open", "open", "open-breakdown", "keypress", "search", "long-response"] {
        let status = std::process::Command::new(&me)
            .args(["--phase", phase, path.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(status.success(), "phase {phase} failed");
    }
    if quick || argv.iter().any(|a| a == "--commands") {
        let labelled = labelled_session(&path, n);
        let status = std::process::Command::new(&me)
            .args(["--phase", "commands", labelled.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(status.success(), "phase commands failed");
    }
}
