//! `crossreview agreement`: inter-annotator agreement on a plain ratings table (`--ratings`) or
//! on a session (per dimension; with `--judge`, the judge against the humans; with `--by`, per
//! group). Statistics come from `crate::agreement` and `crate::session_stats`; this module checks
//! the arguments, reads the ratings file and prints.

use super::agreement_judges;
use super::text_table::{fmt_share, fmt_stat, render_table};
use crate::agreement::ratings_table::{CountedRatings, count_ratings_file, read_ratings};
use crate::agreement::session::JudgeReport;
use crate::agreement::{self, Agreement, Level, Options, Scale, count_of};
use crate::bounded_read::Pipes;
use crate::cli::{AgreementArgs, GroupBy, LevelArg};
use crate::error::{CliError, CliResult};
use crate::schema::Dimension;
use crate::session_stats::SessionLabels;
use crate::session_stats::judges::SessionJudges;
use crate::store::{Store, field};
use serde_json::{Map, Value, json};
use std::fmt::Write as _;
use std::path::Path;

pub fn run(args: AgreementArgs) -> CliResult {
    if let Some(0) = args.bootstrap {
        return Err(CliError::usage("--bootstrap N: give the number of resamples (for example 2000)"));
    }
    let opts = Options { bootstrap: args.bootstrap, seed: args.seed };
    match (&args.ratings, &args.session) {
        (Some(file), _) => {
            for (given, flag) in [
                (!args.dimensions.is_empty(), "--dimension"),
                (args.judge.is_some(), "--judge"),
                (args.by.is_some(), "--by"),
            ] {
                if given {
                    return Err(CliError::usage(format!(
                        "{flag} applies to a session, not to --ratings (a ratings table has no dimensions, judge or groups)"
                    )));
                }
            }
            run_ratings(file, &args, &opts)
        }
        (None, Some(session)) => {
            if args.level.is_some() || args.categories.is_some() {
                return Err(CliError::usage(
                    "--level and --categories apply to --ratings; a session's levels and categories come from its label schema",
                ));
            }
            run_session(session, &args, &opts)
        }
        (None, None) => Err(CliError::usage("give a SESSION, or --ratings FILE")),
    }
}

fn level_of(arg: LevelArg) -> Level {
    match arg {
        LevelArg::Nominal => Level::Nominal,
        LevelArg::Ordinal => Level::Ordinal,
        LevelArg::Interval => Level::Interval,
        LevelArg::Ratio => Level::Ratio,
    }
}

fn run_ratings(file: &Path, args: &AgreementArgs, opts: &Options) -> CliResult {
    let shown = file.display().to_string();
    let max = crate::bounded_read::MAX_TABLE_BYTES;
    let opened = crate::bounded_read::open(file, max, Pipes::Accept)
        .map_err(|e| CliError::data(format!("{shown}: cannot read the ratings file: {e}")))?;
    // `--categories` takes values starting with '-' (negative numbers), so a flag written
    // where its list should be arrives here as the list.
    if let Some(flag) = args.categories.iter().flatten().find(|c| c.starts_with("--")) {
        return Err(CliError::usage(format!(
            "--categories: {flag:?} is not a category; give the list right after --categories, e.g. --categories -1,0,1"
        )));
    }
    if let Some(list) = &args.categories
        && list.iter().all(|c| c.trim().is_empty())
    {
        return Err(CliError::usage(
            "--categories: list the categories in scale order, e.g. --categories low,mid,high",
        ));
    }
    let table = if let Some(size) = opened.size {
        // A regular file (its size checked) is read at offsets, on two threads when it can be.
        count_ratings_file(&opened.file, size, &shown, args.categories.as_deref())
    } else {
        // Read as a stream (a pipe may bring more than a regular file's checked size: capped too).
        let mut input = std::io::Read::take(opened.file, max + 1);
        let table = read_ratings(&mut input, &shown, args.categories.as_deref());
        if input.limit() == 0 {
            return Err(CliError::data(format!(
                "{shown}: cannot read the ratings file: more than {} MiB to read; at most {} MiB is read",
                max >> 20,
                max >> 20
            )));
        }
        table.map(CountedRatings::from_table)
    };
    let table = table?;
    let level = args.level.map(level_of).or(table.level).unwrap_or(Level::Nominal);
    if matches!(level, Level::Interval | Level::Ratio) && table.values.is_none() {
        let msg = format!(
            "{shown}: level {} needs numeric categories, but the categories are {}; use --level nominal or ordinal",
            level.as_str(),
            table.labels.iter().map(label_text).collect::<Vec<_>>().join(", ")
        );
        return Err(if args.level.is_some() { CliError::usage(msg) } else { CliError::data(msg) });
    }
    if level == Level::Ratio && table.values.as_ref().is_some_and(|v| v.iter().any(|&x| x < 0.0)) {
        let msg =
            format!("{shown}: level ratio needs non-negative values (a true zero); use --level interval");
        return Err(if args.level.is_some() { CliError::usage(msg) } else { CliError::data(msg) });
    }
    let scale = Scale { labels: table.labels.clone(), values: table.values.clone(), level };
    let result = agreement::analyze_counts(&table.counts, &table.raters, &scale, opts);
    if args.json { emit_json(&pretty(&result.to_json())) } else { emit(&render_agreement(&result, &shown)) }
}

pub(crate) fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("plain JSON values");
    s.push('\n');
    s
}

/// Writes a report to standard output, sanitized; a reader that went away (`| head`) is not an
/// error.
pub(crate) fn emit(text: &str) -> CliResult {
    crate::out::text(text).map_err(|e| CliError::data(format!("cannot write the output: {e}")))
}

/// Writes JSON to standard output as is (serde escapes control characters in strings).
pub(crate) fn emit_json(text: &str) -> CliResult {
    crate::out::json(text).map_err(|e| CliError::data(format!("cannot write the output: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Session

pub(crate) fn selected_dimensions<'a>(
    all: &'a [Dimension],
    wanted: &[String],
) -> CliResult<Vec<&'a Dimension>> {
    if wanted.is_empty() {
        return Ok(all.iter().collect());
    }
    wanted
        .iter()
        .map(|w| {
            all.iter().find(|d| &d.name == w).ok_or_else(|| {
                let names: Vec<&str> = all.iter().map(|d| d.name.as_str()).collect();
                CliError::usage(format!(
                    "--dimension {w}: no such dimension; this session has {}",
                    names.join(", ")
                ))
            })
        })
        .collect()
}

fn run_session(path: &Path, args: &AgreementArgs, opts: &Options) -> CliResult {
    let store = Store::open_read_only(path)?;
    super::warn_unreadable_rows(&store);
    let schema = store.schema().clone();
    // Pair verdicts are agreed on like a nominal dimension named "verdict" (a name the schema
    // cannot use): shown when some exist, or when asked for with --dimension verdict.
    let asked_verdict = args.dimensions.iter().any(|d| d == field::VERDICT);
    let wanted: Vec<String> = args.dimensions.iter().filter(|d| *d != field::VERDICT).cloned().collect();
    let dims = if asked_verdict && wanted.is_empty() {
        Vec::new()
    } else {
        selected_dimensions(&schema.dimensions, &wanted)?
    };
    let data = SessionLabels::load(&store)?;
    let groups: Option<Vec<String>> =
        args.by.map(|field| data.responses.iter().map(|r| r.group_value(field)).collect());
    let with_judge = args.judge.is_some();
    // Several judges: each one, pairs of them. One scan per judge, and none with one judge.
    let names = if with_judge { store.judge_names()? } else { Vec::new() };
    let named = args.judge.clone().flatten();
    if let Some(name) = named.as_ref().filter(|n| !names.contains(n)) {
        return Err(CliError::usage(match names.is_empty() {
            true => format!("--judge {name}: this session has no judge scores"),
            false => format!("--judge {name}: no such judge; this session has {}", names.join(", ")),
        }));
    }
    let judges = match with_judge && (names.len() > 1 || named.is_some()) {
        true => Some(SessionJudges::load(&store, &data)?),
        false => None,
    };
    let mut several = Vec::new();
    let mut results: Vec<_> = dims
        .into_iter()
        .map(|dim| {
            // With several judges `judge` is taken from theirs, not computed twice.
            let mut d =
                data.dimension_agreement(dim, opts, with_judge && judges.is_none(), groups.as_deref());
            if let Some(j) = &judges {
                let all = data.judges_agreement(dim, j, opts, groups.as_deref());
                let name = named.as_deref().unwrap_or(j.names[0].as_str());
                agreement_judges::name_the_judge(&mut d, &all, name);
                several.push((dim.name.clone(), all));
            }
            d
        })
        .collect();
    if asked_verdict || (args.dimensions.is_empty() && !data.verdicts.is_empty()) {
        results.push(data.verdict_agreement(opts));
    }
    if args.json {
        let mut dims = Map::new();
        for d in &results {
            let mut o = Map::new();
            o.insert("humans".into(), d.humans.to_json());
            if let Some(j) = &d.judge {
                o.insert("judge".into(), j.to_json());
            }
            let of_judges = several.iter().find(|(n, _)| *n == d.name).map(|(_, a)| a);
            if let Some(a) = of_judges {
                a.all.insert_json(&mut o, opts.seed);
            }
            if let Some(field) = args.by.filter(|_| d.name != field::VERDICT) {
                let mut groups = Map::new();
                for (v, h, j) in &d.by {
                    let mut g = Map::new();
                    g.insert("humans".into(), h.to_json());
                    if let Some(j) = j {
                        g.insert("judge".into(), j.to_json());
                    }
                    groups.insert(v.clone(), Value::Object(g));
                }
                for (v, on) in of_judges.map(|a| a.by.as_slice()).unwrap_or_default() {
                    let entry = groups.entry(v.clone()).or_insert_with(|| json!({}));
                    if let Value::Object(g) = entry {
                        on.insert_json(g, opts.seed);
                    }
                }
                o.insert("by".into(), json!({ field.as_str(): groups }));
            }
            dims.insert(d.name.clone(), Value::Object(o));
        }
        let out = json!({
            "session": path.display().to_string(),
            "dimensions": dims,
        });
        return emit_json(&pretty(&out));
    }
    let mut out = String::new();
    let _ = writeln!(out, "session {}: {} responses", path.display(), data.responses.len());
    for d in &results {
        let _ = writeln!(out, "\n== {} ({}) ==", d.name, d.humans.scale.level.as_str());
        if d.humans.n_items == 0 {
            let _ = writeln!(out, "no human labels yet");
            if let Some((_, a)) = several.iter().find(|(n, _)| *n == d.name) {
                out.push_str(&agreement_judges::render_without_humans(a));
            }
            continue;
        }
        out.push_str(&render_agreement(&d.humans, "humans"));
        if let Some(j) = &d.judge {
            out.push_str(&render_judge(j));
        }
        if let Some((_, a)) = several.iter().find(|(n, _)| *n == d.name) {
            out.push_str(&agreement_judges::render(a, args.by));
        }
        if let Some(field) = args.by.filter(|_| d.name != field::VERDICT) {
            out.push_str(&render_groups(field, &d.by));
        }
    }
    emit(&out)
}

// ---------------------------------------------------------------------------------------------
// Text output

pub(crate) fn label_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn readable_name(key: &str) -> String {
    let alpha = |level: &str| format!("Krippendorff's alpha ({level})");
    match key {
        "percent_agreement" => "percent agreement".into(),
        "krippendorff_alpha_nominal" => alpha("nominal"),
        "krippendorff_alpha_ordinal" => alpha("ordinal"),
        "krippendorff_alpha_interval" => alpha("interval"),
        "krippendorff_alpha_ratio" => alpha("ratio"),
        "fleiss_kappa" => "Fleiss' kappa".into(),
        "randolph_kappa" => "Randolph's kappa".into(),
        "conger_kappa" => "Conger's kappa".into(),
        "light_kappa" => "Light's kappa".into(),
        "gwet_ac1" => "Gwet's AC1".into(),
        "gwet_ac2_linear" => "Gwet's AC2 (linear)".into(),
        "gwet_ac2_quadratic" => "Gwet's AC2 (quadratic)".into(),
        "cohen_kappa" => "Cohen's kappa".into(),
        "cohen_kappa_linear" => "Cohen's kappa (linear)".into(),
        "cohen_kappa_quadratic" => "Cohen's kappa (quadratic)".into(),
        "scott_pi" => "Scott's pi".into(),
        other => other.into(),
    }
}

fn category_list(labels: &[Value]) -> String {
    let shown: Vec<String> = labels.iter().take(10).map(label_text).collect();
    let more = if labels.len() > 10 { format!(", … ({} in all)", labels.len()) } else { String::new() };
    format!("{}{more}", shown.join(", "))
}

/// The agreement object as aligned text.
pub(crate) fn render_agreement(a: &Agreement, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{title}: {}, {} ({} with two or more ratings), {}; categories {} ({})",
        count_of(a.n_raters as u64, "rater", "raters"),
        count_of(a.n_items as u64, "item", "items"),
        a.pairable_items,
        count_of(a.n_ratings, "rating", "ratings"),
        category_list(&a.scale.labels),
        a.scale.level.as_str()
    );
    let ci_key = a.alpha_ci95.as_ref().map(|(name, ci)| (format!("krippendorff_alpha_{name}"), ci));
    let rows: Vec<Vec<String>> = a
        .statistics()
        .iter()
        .map(|(k, s)| {
            let ci = match &ci_key {
                Some((key, Ok(ci))) if key == k => format!("[{:.4}, {:.4}]", ci.low, ci.high),
                Some((key, Err(_))) if key == k => "n/a".into(),
                _ => String::new(),
            };
            vec![readable_name(k), fmt_stat(s), ci]
        })
        .collect();
    let header = if ci_key.is_some() { ["statistic", "value", "95% CI"] } else { ["statistic", "value", ""] };
    out.push('\n');
    out.push_str(&render_table(&header, &rows, &[0], "  "));
    if let Some(p) = &a.pair {
        let _ = writeln!(
            out,
            "\n  confusion matrix on {} items rated by both (rows: {}, columns: {})",
            p.n_items, a.raters[0], a.raters[1]
        );
        out.push_str(&render_matrix(&a.scale.labels, &p.confusion.to_rows(), "    "));
    }
    if !a.pairwise.is_empty() {
        let ordered = a.scale.is_ordered();
        let mut header = vec!["pair", "items", "Cohen's kappa"];
        if ordered {
            header.extend(["linear", "quadratic"]);
        }
        header.push("Scott's pi");
        let rows: Vec<Vec<String>> = a
            .pairwise
            .iter()
            .map(|(name, p)| {
                let mut r = vec![name.clone(), p.n_items.to_string(), fmt_stat(&p.cohen_kappa)];
                if ordered {
                    r.push(p.cohen_kappa_linear.as_ref().map(fmt_stat).unwrap_or_default());
                    r.push(p.cohen_kappa_quadratic.as_ref().map(fmt_stat).unwrap_or_default());
                }
                r.push(fmt_stat(&p.scott_pi));
                r
            })
            .collect();
        let _ = writeln!(out, "\n  pairwise (items both raters rated)");
        out.push_str(&render_table(&header, &rows, &[0], "    "));
    }
    if !a.notes.is_empty() {
        let _ = writeln!(out, "\n  notes");
        for n in &a.notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    out
}

fn render_matrix(labels: &[Value], rows: &[Vec<u64>], indent: &str) -> String {
    let names: Vec<String> = labels.iter().map(label_text).collect();
    let mut header: Vec<&str> = vec![""];
    header.extend(names.iter().map(|s| s.as_str()));
    let body: Vec<Vec<String>> = rows
        .iter()
        .zip(&names)
        .map(|(r, n)| std::iter::once(n.clone()).chain(r.iter().map(|x| x.to_string())).collect())
        .collect();
    render_table(&header, &body, &[0], indent)
}

fn render_judge(j: &JudgeReport) -> String {
    let mut out = String::new();
    let m = &j.vs_majority;
    let _ = writeln!(
        out,
        "\n  judge vs human majority: {} items, accuracy {}, Cohen's kappa {}",
        m.n,
        fmt_share(&m.accuracy),
        fmt_stat(&m.cohen_kappa)
    );
    let _ = writeln!(out, "    confusion matrix (rows: human majority, columns: judge)");
    out.push_str(&render_matrix(&j.categories, &m.confusion.to_rows(), "      "));
    if !j.per_annotator.is_empty() {
        let rows: Vec<Vec<String>> = j
            .per_annotator
            .iter()
            .map(|(name, c)| {
                vec![name.clone(), c.n.to_string(), fmt_share(&c.accuracy), fmt_stat(&c.cohen_kappa)]
            })
            .collect();
        let _ = writeln!(out, "    judge vs each annotator");
        out.push_str(&render_table(
            &["annotator", "items", "accuracy", "Cohen's kappa"],
            &rows,
            &[0],
            "      ",
        ));
    }
    let level_alpha = j.as_rater.alpha.last().map(|(name, s)| (format!("Krippendorff's alpha ({name})"), *s));
    if let Some((name, s)) = level_alpha {
        let _ = writeln!(
            out,
            "    judge as one more rater: {name} {}, Fleiss' kappa {}",
            fmt_stat(&s),
            fmt_stat(&j.as_rater.fleiss_kappa)
        );
    }
    for n in j.notes() {
        let _ = writeln!(out, "    - {n}");
    }
    out
}

fn render_groups(field: GroupBy, groups: &[(String, Agreement, Option<JudgeReport>)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n  by {}", field.as_str());
    let with_judge = groups.iter().any(|g| g.2.is_some());
    let alpha_name = groups.first().and_then(|g| g.1.alpha.last().map(|(n, _)| *n)).unwrap_or("nominal");
    let alpha_header = format!("alpha ({alpha_name})");
    let mut header = vec![field.as_str(), "items", "raters", "% agree", alpha_header.as_str()];
    if with_judge {
        header.extend(["judge n", "accuracy", "kappa"]);
    }
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|(v, h, j)| {
            let mut r = vec![
                v.clone(),
                h.n_items.to_string(),
                h.n_raters.to_string(),
                fmt_share(&h.percent_agreement),
                h.alpha.last().map(|(_, s)| fmt_stat(s)).unwrap_or_default(),
            ];
            if let Some(j) = j {
                r.extend([
                    j.vs_majority.n.to_string(),
                    fmt_share(&j.vs_majority.accuracy),
                    fmt_stat(&j.vs_majority.cohen_kappa),
                ]);
            }
            r
        })
        .collect();
    out.push_str(&render_table(&header, &rows, &[0], "    "));
    out
}
