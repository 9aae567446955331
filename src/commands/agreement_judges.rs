//! `agreement --judge` on a session with several judges: which judge `judge` names, and the
//! text tables of every judge, pairs of judges and judges against each other.

use super::text_table::{fmt_share, fmt_stat, render_table};
use crate::cli::GroupBy;
use crate::session_stats::DimensionAgreement;
use crate::session_stats::judges::{JudgesAgreement, JudgesOnDimension};
use std::fmt::Write as _;

/// Makes `judge` (overall and per group) the report of judge `name`.
pub(super) fn name_the_judge(d: &mut DimensionAgreement, all: &JudgesAgreement, name: &str) {
    let pick = |on: &JudgesOnDimension| on.reports.iter().find(|(n, _)| n == name).map(|(_, r)| r.clone());
    if let Some(r) = pick(&all.all) {
        d.judge = Some(r);
    }
    for (value, _, judge) in &mut d.by {
        if let Some((_, on)) = all.by.iter().find(|(v, _)| v == value) {
            *judge = pick(on);
        }
    }
}

/// Every judge against the humans, pairs of judges on the items the humans decided, and pairs
/// of judges against each other; with `by`, the judges' accuracy per group.
pub(super) fn render(a: &JudgesAgreement, by: Option<GroupBy>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n  every judge vs human majority");
    let rows: Vec<Vec<String>> = a
        .all
        .reports
        .iter()
        .map(|(name, r)| {
            let m = &r.vs_majority;
            vec![name.clone(), m.n.to_string(), fmt_share(&m.accuracy), fmt_stat(&m.cohen_kappa)]
        })
        .collect();
    out.push_str(&render_table(&["judge", "items", "accuracy", "Cohen's kappa"], &rows, &[0], "    "));
    if !a.all.comparisons.is_empty() {
        let _ = writeln!(out, "  pairs of judges on the items both scored and the humans decided");
        let rows: Vec<Vec<String>> = a
            .all
            .comparisons
            .iter()
            .map(|(x, y, c)| {
                let ci = match &c.accuracy_difference_ci95 {
                    Some(Ok(i)) => format!("[{:.4}, {:.4}]", i.low, i.high),
                    Some(Err(_)) => "n/a".into(),
                    None => String::new(),
                };
                vec![
                    format!("{x} | {y}"),
                    c.n.to_string(),
                    fmt_share(&c.a_accuracy),
                    fmt_share(&c.b_accuracy),
                    fmt_stat(&c.mcnemar_p),
                    ci,
                ]
            })
            .collect();
        out.push_str(&render_table(
            &["a | b", "items", "a accuracy", "b accuracy", "McNemar p", "95% CI a-b"],
            &rows,
            &[0],
            "    ",
        ));
    }
    out.push_str(&render_without_humans(a));
    if let Some(field) = by {
        let _ = writeln!(out, "  every judge's accuracy by {}", field.as_str());
        let names: Vec<&str> = a.all.reports.iter().map(|(n, _)| n.as_str()).collect();
        let mut header = vec![field.as_str()];
        header.extend(names.iter().copied());
        let rows: Vec<Vec<String>> =
            a.by.iter()
                .map(|(v, on)| {
                    let mut r = vec![v.clone()];
                    r.extend(on.reports.iter().map(|(_, rep)| {
                        format!("{} (n {})", fmt_share(&rep.vs_majority.accuracy), rep.vs_majority.n)
                    }));
                    r
                })
                .collect();
        out.push_str(&render_table(&header, &rows, &[0], "    "));
    }
    out
}

/// Pairs of judges against each other on every response both scored: no human label needed.
pub(super) fn render_without_humans(a: &JudgesAgreement) -> String {
    let mut out = String::new();
    if a.all.agreement.is_empty() {
        return out;
    }
    let _ = writeln!(out, "  judges against each other (every response both scored, no humans)");
    let rows: Vec<Vec<String>> = a
        .all
        .agreement
        .iter()
        .map(|(x, y, g)| {
            vec![
                format!("{x} | {y}"),
                g.n.to_string(),
                fmt_share(&g.percent_agreement),
                fmt_stat(&g.cohen_kappa),
            ]
        })
        .collect();
    out.push_str(&render_table(&["a | b", "responses", "% agree", "Cohen's kappa"], &rows, &[0], "    "));
    out
}
