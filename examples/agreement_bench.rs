//! Timing and peak memory of the agreement engine on the sizes of the Python anchors
//! (shared/iaa-golden/README.md, "Performance anchors"), with the same protocol: min and median
//! of 5 calls, data generation excluded; peak RSS of the whole process (VmHWM).
//!
//! ```text
//! cargo run --release --example agreement_bench -- rss            # 10 x 1M alpha case only, then peak RSS
//! cargo run --release --example agreement_bench -- time           # every case, min/median of 5 calls
//! cargo run --release --example agreement_bench -- write-data DIR # the data as raw bytes, for benches/python_reference.py
//! cargo run --release --example agreement_bench -- write-csv FILE  # the 10 x 1M alpha case as a ratings CSV (agreement --ratings)
//! ```

use crossreview::agreement::kappa::{self, Weighting};
use crossreview::agreement::{CountSummary, MISSING, Metric, RatingMatrix, UnitPatterns, krippendorff};
use serde_json::json;
use std::time::Instant;

#[path = "../benches/support/agreement_data.rs"]
mod agreement_data;

/// Peak resident set size of this process so far, in MB (Linux: VmHWM in /proc/self/status).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// (min, median) in milliseconds over `runs` calls, and the last result.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        last = Some(v);
    }
    times.sort_by(f64::total_cmp);
    (times[0], times[runs / 2], last.expect("at least one run"))
}

fn alpha(m: &RatingMatrix, metric: &Metric) -> f64 {
    krippendorff::alpha(m, metric).expect("defined")
}

fn fleiss(m: &RatingMatrix) -> f64 {
    kappa::fleiss_kappa(&CountSummary::from_patterns(&UnitPatterns::from_matrix(m, false))).expect("defined")
}

fn cohen(m: &RatingMatrix, w: Option<Weighting>) -> f64 {
    let c = m.confusion(0, 1);
    match w {
        None => kappa::cohen_kappa(&c),
        Some(w) => kappa::cohen_kappa_weighted(&c, w),
    }
    .expect("defined")
}

fn rss() {
    let base = peak_rss_mb();
    let m = agreement_data::alpha_case();
    let with_data = peak_rss_mb();
    let (nmin, nmed, nominal) = time(5, || alpha(&m, &Metric::Nominal));
    let (omin, omed, ordinal) = time(5, || alpha(&m, &Metric::Ordinal));
    let peak = peak_rss_mb();
    let f = |x: Option<f64>| x.map_or("unknown (no /proc/self/status)".to_string(), |v| format!("{v:.1} MB"));
    println!("Krippendorff's alpha, 10 raters x 1,000,000 items, 20% missing, 5 categories");
    println!("  nominal  {nominal:.12}  min {nmin:.1} ms  median {nmed:.1} ms");
    println!("  ordinal  {ordinal:.12}  min {omin:.1} ms  median {omed:.1} ms");
    println!("  peak RSS before the data {}, with the data {}, whole run {}", f(base), f(with_data), f(peak));
}

fn time_all() {
    let a = agreement_data::alpha_case();
    let fl = agreement_data::fleiss_case();
    let co = agreement_data::cohen_case();
    type Case<'a> = (&'static str, Box<dyn Fn() -> f64 + 'a>);
    let cases: Vec<Case> = vec![
        ("alpha_nominal_10x1M", Box::new(|| alpha(&a, &Metric::Nominal))),
        ("alpha_ordinal_10x1M", Box::new(|| alpha(&a, &Metric::Ordinal))),
        ("fleiss_1Mx5", Box::new(|| fleiss(&fl))),
        ("cohen_1M", Box::new(|| cohen(&co, None))),
        ("cohen_quadratic_1M", Box::new(|| cohen(&co, Some(Weighting::Quadratic)))),
    ];
    let mut out = serde_json::Map::new();
    for (name, f) in &cases {
        let (min, med, v) = time(5, f);
        println!("{name:<22} value {v:.12}  min {min:8.2} ms  median {med:8.2} ms");
        out.insert(name.to_string(), json!({"value": v, "min_ms": min, "median_ms": med}));
    }
    if let Ok(path) = std::env::var("AGREEMENT_BENCH_JSON") {
        std::fs::write(&path, serde_json::to_string_pretty(&out).expect("JSON"))
            .expect("write the timing file");
    }
}

/// Raw bytes, rater-major, 255 = missing; and the Rust values for the Python side to check.
fn write_data(dir: &str) {
    std::fs::create_dir_all(dir).expect("create the data folder");
    let save = |name: &str, m: &RatingMatrix| {
        let mut bytes = Vec::with_capacity(m.n_raters() * m.n_items());
        for r in 0..m.n_raters() {
            bytes.extend(m.row(r).iter().map(|&c| if c == MISSING { 255u8 } else { c as u8 }));
        }
        std::fs::write(format!("{dir}/{name}.u8"), bytes).expect("write data");
        json!({"file": format!("{name}.u8"), "raters": m.n_raters(), "items": m.n_items(), "categories": m.n_categories()})
    };
    let a = agreement_data::alpha_case();
    let fl = agreement_data::fleiss_case();
    let co = agreement_data::cohen_case();
    let meta = json!({
        "alpha": save("alpha_10x1M", &a),
        "fleiss": save("fleiss_5x1M", &fl),
        "cohen": save("cohen_2x1M", &co),
        "rust_values": {
            "alpha_nominal": alpha(&a, &Metric::Nominal),
            "alpha_ordinal": alpha(&a, &Metric::Ordinal),
            "fleiss": fleiss(&fl),
            "cohen": cohen(&co, None),
            "cohen_quadratic": cohen(&co, Some(Weighting::Quadratic)),
        },
    });
    std::fs::write(format!("{dir}/meta.json"), serde_json::to_string_pretty(&meta).expect("JSON"))
        .expect("write meta");
    println!("wrote {dir}/alpha_10x1M.u8, fleiss_5x1M.u8, cohen_2x1M.u8, meta.json");
}

/// The alpha case as `agreement --ratings` reads it: a header of rater names, one row per item,
/// the category code as a digit, an empty cell when missing (10 x 1,000,000: about 18 MB).
fn write_csv(path: &str) {
    use std::io::Write;
    let m = agreement_data::alpha_case();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create the CSV"));
    let header: Vec<String> = (1..=m.n_raters()).map(|r| format!("r{r}")).collect();
    writeln!(out, "{}", header.join(",")).expect("write");
    let rows: Vec<&[u16]> = (0..m.n_raters()).map(|r| m.row(r)).collect();
    let mut line = Vec::new();
    for i in 0..m.n_items() {
        line.clear();
        for (r, row) in rows.iter().enumerate() {
            if r > 0 {
                line.push(b',');
            }
            if row[i] != MISSING {
                line.push(b'0' + row[i] as u8);
            }
        }
        line.push(b'\n');
        out.write_all(&line).expect("write");
    }
    out.flush().expect("write");
    println!("wrote {path}");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("rss") => rss(),
        Some("time") => time_all(),
        Some("write-data") => {
            write_data(args.get(1).map(String::as_str).unwrap_or("target/agreement-bench-data"))
        }
        Some("write-csv") => write_csv(args.get(1).map(String::as_str).unwrap_or("target/ratings_10x1M.csv")),
        Some(other) => {
            eprintln!("unknown mode {other:?}: use rss, time, write-data DIR or write-csv FILE");
            std::process::exit(2);
        }
    }
}
