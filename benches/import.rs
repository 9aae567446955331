//! Import speed and memory: `crossreview import` of 100,000 items x 3 responses (~330 MB of
//! canonical JSONL, multilingual, realistic text sizes) into a fresh session.
//!
//!     cargo bench --bench import
//!
//! prints the wall time, items/s, MB/s and the child's peak resident memory for each run, then a
//! `RESULT` line that `benches/import_compare.sh` reads. Without `--bench` (as under
//! `cargo test --all-targets`) it runs once on 1,000 items, as a smoke test.
//!
//! Environment:
//! - `CROSSREVIEW_BENCH_DIR`: keep the generated file there (and reuse it if present) instead
//!   of a temporary folder;
//! - `CROSSREVIEW_BENCH_ITEMS` (default 100000), `CROSSREVIEW_BENCH_RUNS` (default 3);
//! - `CROSSREVIEW=path/to/binary`: time another build (default: this tree's);
//! - `CROSSREVIEW_BENCH_SHAPE=cross`: a file shaped like a CROSS release instead (queries in a
//!   dozen scripts, a norm and an English translation per item, ~780-character responses,
//!   ids out of sorted order; `support/cross_shaped.rs`, ~338 MB for 100,000 items).
//!
//! Target (issue 2): at least 90,000 items/s, i.e. about 1.1 s for the whole file including
//! the SQLite writes; memory must not grow with the file.

use crossreview::rng::SplitMix64;
use serde_json::json;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[path = "support/cross_shaped.rs"]
mod cross_shaped;
#[path = "support/run_measured.rs"]
mod run_measured;
use run_measured::run_measured;

const MODELS: [&str; 3] = ["gpt-4o", "qwen2.5-vl-72b", "llava-onevision-7b"];
const DIMS: [&str; 4] = ["awareness", "education", "compliance", "helpfulness"];

struct Lang {
    code: &'static str,
    country: &'static str,
    /// Words (or characters) of the language, joined with `sep`.
    words: &'static [&'static str],
    sep: &'static str,
}

const LANGS: &[Lang] = &[
    Lang {
        code: "ja",
        country: "Japan",
        words: &[
            "この",
            "スリッパ",
            "を",
            "浴室",
            "で",
            "履く",
            "ため",
            "に",
            "カート",
            "へ",
            "追加",
            "して",
            "ください",
            "贈り物",
            "として",
            "時計",
            "は",
            "適切",
            "ですか",
        ],
        sep: "",
    },
    Lang {
        code: "zh",
        country: "China",
        words: &[
            "我", "想", "把", "这个", "钟", "送给", "朋友", "作为", "生日", "礼物", "可以", "吗", "请", "帮",
            "我", "选择", "包装",
        ],
        sep: "",
    },
    Lang {
        code: "ar",
        country: "Saudi Arabia",
        words: &[
            "أحتاج",
            "إلى",
            "هذه",
            "الهدية",
            "لصديقي",
            "في",
            "رمضان",
            "هل",
            "يمكنك",
            "إضافتها",
            "إلى",
            "السلة",
            "من",
            "فضلك",
            "الطعام",
        ],
        sep: " ",
    },
    Lang {
        code: "hi",
        country: "India",
        words: &[
            "मुझे",
            "यह",
            "उपहार",
            "अपने",
            "दोस्त",
            "के",
            "लिए",
            "चाहिए",
            "क्या",
            "आप",
            "इसे",
            "कार्ट",
            "में",
            "जोड़",
            "सकते",
            "हैं",
        ],
        sep: " ",
    },
    Lang {
        code: "ko",
        country: "South Korea",
        words: &[
            "이",
            "선물을",
            "친구에게",
            "주고",
            "싶어요",
            "장바구니에",
            "추가해",
            "주세요",
            "빨간",
            "펜으로",
            "이름을",
            "써도",
            "될까요",
        ],
        sep: " ",
    },
    Lang {
        code: "ru",
        country: "Russia",
        words: &[
            "Мне",
            "нужен",
            "этот",
            "букет",
            "из",
            "четного",
            "числа",
            "цветов",
            "для",
            "подруги",
            "можете",
            "добавить",
            "его",
            "в",
            "корзину",
        ],
        sep: " ",
    },
    Lang {
        code: "es",
        country: "Mexico",
        words: &[
            "Necesito",
            "este",
            "regalo",
            "para",
            "mi",
            "amiga",
            "puedes",
            "añadirlo",
            "al",
            "carrito",
            "por",
            "favor",
            "flores",
            "amarillas",
        ],
        sep: " ",
    },
    Lang {
        code: "en",
        country: "United States",
        words: &[
            "I", "need", "this", "gift", "for", "my", "friend", "can", "you", "add", "it", "to", "my",
            "cart", "please", "today",
        ],
        sep: " ",
    },
];

const EN_WORDS: &[&str] = &[
    "the",
    "gift",
    "norm",
    "culture",
    "custom",
    "respect",
    "in",
    "many",
    "households",
    "it",
    "is",
    "considered",
    "appropriate",
    "to",
    "avoid",
    "offering",
    "an",
    "item",
    "that",
    "symbolises",
    "bad",
    "luck",
    "instead",
    "consider",
    "a",
    "thoughtful",
    "alternative",
    "such",
    "as",
    "tea",
    "sweets",
    "or",
    "a",
    "handwritten",
    "card",
    "because",
    "local",
    "tradition",
    "associates",
    "this",
    "object",
    "with",
    "funerals",
    "and",
    "endings",
];

/// Between `min` and `min + spread - 1` words from `pool`.
fn words(rng: &mut SplitMix64, pool: &[&str], sep: &str, min: usize, spread: u64) -> String {
    let n = min + rng.below(spread) as usize;
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push_str(sep);
        }
        s.push_str(pool[rng.below(pool.len() as u64) as usize]);
    }
    s
}

fn english(rng: &mut SplitMix64, min: usize, spread: u64) -> String {
    let mut s = words(rng, EN_WORDS, " ", min, spread);
    s.push('.');
    s
}

/// Writes `n` items with 3 responses each; returns the file's size.
fn generate(path: &Path, images: &Path, n: usize) -> u64 {
    std::fs::create_dir_all(images).unwrap();
    // A pool of images the items share (CROSS has about 1,300 for 1,284 x 2 items).
    const IMAGES: usize = 500;
    for i in 0..IMAGES {
        let p = images.join(format!("img_{i:04}.png"));
        if !p.exists() {
            std::fs::write(p, b"\x89PNG\r\n\x1a\n").unwrap();
        }
    }
    let mut rng = SplitMix64::new(0xC0FFEE);
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    for i in 0..n {
        let lang = &LANGS[i % LANGS.len()];
        let native_words = if lang.sep.is_empty() { 60 } else { 30 };
        let query = words(&mut rng, lang.words, lang.sep, native_words, 20);
        let query_en = english(&mut rng, 25, 10);
        let responses: Vec<_> = MODELS
            .iter()
            .map(|model| {
                let mut text = String::new();
                for p in 0..3 {
                    if p > 0 {
                        text.push_str("\n\n");
                    }
                    text.push_str(&english(&mut rng, 17, 12));
                }
                let judge: serde_json::Map<_, _> =
                    DIMS.iter().map(|d| (d.to_string(), json!(rng.below(2)))).collect();
                let rationale: serde_json::Map<_, _> =
                    DIMS.iter().map(|d| (d.to_string(), json!(english(&mut rng, 6, 4)))).collect();
                json!({"model": model, "text": text, "judge": judge, "judge_rationale": rationale})
            })
            .collect();
        let item = json!({
            "id": format!("bench/{}/{}_{i}", lang.code, lang.country.replace(' ', "_")),
            "image": format!("images/img_{:04}.png", rng.below(IMAGES as u64)),
            "query": query,
            "query_en": query_en,
            "language": lang.code,
            "country": lang.country,
            "domain": if i % 2 == 0 { "shopping" } else { "social" },
            "norm": english(&mut rng, 20, 10),
            "meta": {"item": "gift", "image_source": "bench", "round": 1},
            "responses": responses,
        });
        serde_json::to_writer(&mut out, &item).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let env_num = |k: &str, d: usize| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
    let n = if full { env_num("CROSSREVIEW_BENCH_ITEMS", 100_000) } else { 1_000 };
    let runs = if full { env_num("CROSSREVIEW_BENCH_RUNS", 3) } else { 1 };
    let tmp = tempfile::tempdir().unwrap();
    let keep = std::env::var_os("CROSSREVIEW_BENCH_DIR").filter(|_| full).map(PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    if full {
        let cross = std::env::var("CROSSREVIEW_BENCH_SHAPE").is_ok_and(|s| s == "cross");
        bench(&dir, keep.is_some(), cross, n, runs);
    } else {
        // The smoke test: both shapes, once each.
        bench(&dir, false, false, n, runs);
        bench(&dir, false, true, n, runs);
    }
}

/// Generates (or reuses, when `reuse`) the file of one shape in `dir`, imports it `runs` times
/// and prints each run and the `RESULT` line.
fn bench(dir: &Path, reuse: bool, cross: bool, n: usize, runs: usize) {
    let bin = std::env::var_os("CROSSREVIEW")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_crossreview")));
    let data = dir.join(if cross { format!("items_cross_{n}.jsonl") } else { format!("items_{n}.jsonl") });
    let bytes = if data.exists() && reuse {
        std::fs::metadata(&data).unwrap().len()
    } else {
        let t = Instant::now();
        let b = if cross {
            cross_shaped::generate(&data, &dir.join("images"), n)
        } else {
            generate(&data, &dir.join("images"), n)
        };
        eprintln!(
            "generated {} ({:.0} MB) in {:.1} s",
            data.display(),
            b as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
        b
    };

    let mut times = Vec::new();
    let mut rss_all = Vec::new();
    for run in 0..runs {
        // The session goes next to the data, so that both sit on the same file system.
        let session = dir.join(format!("bench_{run}.db"));
        let s = session.to_str().unwrap();
        run_measured(&bin, &["init", s]);
        let (secs, rss, stdout) = run_measured(&bin, &["import", s, data.to_str().unwrap()]);
        let expected = format!("imported {n} items ({n} new, 0 updated), {} responses, 0 pairs", 3 * n);
        assert!(stdout.starts_with(&expected), "unexpected summary: {stdout}");
        println!(
            "import run {}: {:.3} s, {:.0} items/s, {:.0} MB/s, peak RSS {}",
            run + 1,
            secs,
            n as f64 / secs,
            bytes as f64 / 1e6 / secs,
            rss.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "unknown".into())
        );
        times.push(secs);
        rss_all.extend(rss);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", session.display()));
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "RESULT items={n} bytes={bytes} seconds={median:.3} items_per_s={:.0} peak_rss_kb={} file={}",
        n as f64 / median,
        rss_all.iter().max().map(|k| k.to_string()).unwrap_or_else(|| "unknown".into()),
        data.display()
    );
}
