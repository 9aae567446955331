//! `crossreview report`: the CROSS-style results table. Per group (model by default) and
//! dimension: the judge's share of 1s over the responses it scored, the humans' share of 1s over
//! the responses they labelled (each response weighs the same; a response two annotators split
//! on counts one half), and how well the judge agrees with the human majority, with the humans'
//! own Krippendorff's alpha. A dimension that is not binary reports the mean value instead of
//! the share of 1s.

use super::agreement::{emit, emit_json, pretty};
use super::text_table::{fmt_share, fmt_stat, render_table};
use crate::agreement::Stat;
use crate::agreement::session::DimensionRatings;
use crate::cli::GroupBy;
use crate::error::CliResult;
use crate::schema::Dimension;
use crate::session_stats::judges::SessionJudges;
use crate::session_stats::report_cells::{Cell, cell, judge_share};
use crate::session_stats::{SessionLabels, pair_summary};
use crate::store::Store;
use serde_json::{Map, Value, json};
use std::path::Path;

fn num(s: &Stat) -> Value {
    match s {
        Ok(x) => serde_json::Number::from_f64(*x).map(Value::Number).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

fn cell_json(dim: &Dimension, c: &Cell) -> Value {
    let key = if dim.is_binary() { "share_1" } else { "mean" };
    json!({
        "judge": {"n": c.judge_n, key: num(&c.judge_value)},
        "humans": {"n": c.human_n, "labels": c.human_labels, key: num(&c.human_value)},
        "agreement": {
            "n": c.agreement_n,
            "accuracy": num(&c.accuracy),
            "cohen_kappa": num(&c.cohen_kappa),
            format!("krippendorff_alpha_{}", c.alpha.0): num(&c.alpha.1),
        },
    })
}

pub fn run(session: &Path, by: Option<GroupBy>, as_json: bool) -> CliResult {
    let by = by.unwrap_or(GroupBy::Model);
    let store = Store::open_read_only(session)?;
    super::warn_unreadable_rows(&store);
    let schema = store.schema().clone();
    let data = SessionLabels::load(&store)?;
    // Pair verdicts, grouped like the responses (`pair_stats` groups pairs by their meta or item).
    let pairs = if store.counts()?.pairs > 0 { pair_summary(&store, by.as_str())? } else { None };
    let groups_of: Vec<String> = data.responses.iter().map(|r| r.group_value(by)).collect();
    let mut group_names: Vec<String> = groups_of.clone();
    group_names.sort();
    group_names.dedup();

    let dims: Vec<(&Dimension, DimensionRatings, Vec<Option<i64>>)> = schema
        .dimensions
        .iter()
        .map(|d| {
            let judge: Vec<Option<i64>> = data.responses.iter().map(|r| r.judge_value(&d.name)).collect();
            (d, data.dimension(d), judge)
        })
        .collect();

    // With several judges, each one's column (the first is the default judge of `judge`).
    let judge_names = store.judge_names()?;
    let several = if judge_names.len() > 1 { Some(SessionJudges::load(&store, &data)?) } else { None };
    let judge_columns: Vec<Vec<Vec<Option<i64>>>> = dims
        .iter()
        .map(|(d, _, _)| match &several {
            Some(j) => (0..j.names.len()).map(|k| j.values(k, &d.name)).collect(),
            None => Vec::new(),
        })
        .collect();
    let shares = |keep: &dyn Fn(usize) -> bool| -> Vec<Vec<(u64, Stat)>> {
        dims.iter()
            .zip(&judge_columns)
            .map(|((d, _, _), cols)| cols.iter().map(|v| judge_share(d, v, keep)).collect())
            .collect()
    };
    // (group name or None for all, responses, cells per dimension, each judge's share per dimension)
    type Row<'a> = (Option<&'a str>, usize, Vec<Cell>, Vec<Vec<(u64, Stat)>>);
    let mut table: Vec<Row> = Vec::new();
    for g in &group_names {
        let keep = |r: usize| &groups_of[r] == g;
        let n = (0..data.responses.len()).filter(|&r| keep(r)).count();
        table.push((
            Some(g.as_str()),
            n,
            dims.iter().map(|(d, ratings, j)| cell(d, ratings, j, &keep)).collect(),
            shares(&keep),
        ));
    }
    let all = |_: usize| true;
    table.push((
        None,
        data.responses.len(),
        dims.iter().map(|(d, ratings, j)| cell(d, ratings, j, &all)).collect(),
        shares(&all),
    ));

    if as_json {
        let to_obj = |n: usize, cells: &[Cell], shares: &[Vec<(u64, Stat)>]| {
            let mut per = Map::new();
            for (((d, _, _), c), s) in dims.iter().zip(cells).zip(shares) {
                let mut o = cell_json(d, c);
                if !s.is_empty() {
                    let key = if d.is_binary() { "share_1" } else { "mean" };
                    let mut judges = Map::new();
                    for (name, (n, v)) in judge_names.iter().zip(s) {
                        judges.insert(name.clone(), json!({"n": n, key: num(v)}));
                    }
                    o["judges"] = Value::Object(judges);
                }
                per.insert(d.name.clone(), o);
            }
            json!({"responses": n, "dimensions": per})
        };
        let mut groups = Map::new();
        let mut overall = Value::Null;
        for (g, n, cells, s) in &table {
            match g {
                Some(g) => {
                    groups.insert(g.to_string(), to_obj(*n, cells, s));
                }
                None => overall = to_obj(*n, cells, s),
            }
        }
        let mut out = json!({
            "session": session.display().to_string(),
            "by": by.as_str(),
            "dimensions": schema.dimension_names(),
            "groups": groups,
            "overall": overall,
        });
        if let Some(p) = &pairs {
            out["pairs"] = p.to_json();
        }
        return emit_json(&pretty(&out));
    }

    let any_binary = schema.dimensions.iter().any(|d| d.is_binary());
    let any_scale = schema.dimensions.iter().any(|d| !d.is_binary());
    let what = match (any_binary, any_scale) {
        (true, false) => "share of 1s",
        (false, true) => "mean value",
        _ => "share of 1s (binary dimensions) or mean value",
    };
    let mut out = format!(
        "CROSS results by {} in {}: {what}, judge and humans side by side; agreement = judge vs human majority\n\n",
        by.as_str(),
        session.display()
    );
    let other_judges: &[String] = if several.is_some() { &judge_names[1..] } else { &[] };
    let first_judge = if several.is_some() { judge_names[0].as_str() } else { "judge" };
    let mut header = vec![by.as_str(), "responses", "dimension", first_judge, "n"];
    for name in other_judges {
        header.extend([name.as_str(), "n"]);
    }
    header.extend(["humans", "n", "labels", "agree", "kappa", "alpha"]);
    let left = [0, 2];
    let mut rows: Vec<Vec<String>> = Vec::new();
    let show = |d: &Dimension, s: &Stat| if d.is_binary() { fmt_share(s) } else { fmt_stat(s) };
    for (gi, (g, n, cells, shares)) in table.iter().enumerate() {
        if gi > 0 {
            rows.push(vec![String::new(); header.len()]);
        }
        for (di, (((d, _, _), c), s)) in dims.iter().zip(cells).zip(shares).enumerate() {
            let (name, count) = if di == 0 {
                (g.unwrap_or("all").to_string(), n.to_string())
            } else {
                (String::new(), String::new())
            };
            let mut row = vec![name, count, d.name.clone(), show(d, &c.judge_value), c.judge_n.to_string()];
            for (n, v) in s.iter().skip(1) {
                row.extend([show(d, v), n.to_string()]);
            }
            row.extend([
                show(d, &c.human_value),
                c.human_n.to_string(),
                c.human_labels.to_string(),
                fmt_share(&c.accuracy),
                fmt_stat(&c.cohen_kappa),
                fmt_stat(&c.alpha.1),
            ]);
            rows.push(row);
        }
    }
    out.push_str(&render_table(&header, &rows, &left, ""));
    if data.responses.is_empty() {
        out.push_str("\nno responses in this session yet: import model responses with judge scores (`crossreview import`) first.\n");
    }
    out.push_str(
        "\njudge/humans: n = responses scored/labelled; labels = human labels; agree, kappa: judge vs human majority \
         (ties left out); alpha: Krippendorff's alpha among the humans at the dimension's level; n/a = not enough data.\n",
    );
    if let Some(p) = &pairs {
        out.push_str(&p.render());
    }
    emit(&out)
}
