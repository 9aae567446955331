//! The pair section of `status` and `report`: verdict statistics per group, side bias and
//! agreement on verdicts ([`super::pairs`]), as JSON and as aligned text.

use super::pairs::{self, PairStats};
use crate::export::ExportData;
use crate::store::Store;
use serde_json::json;

/// The pair statistics `status` and `report` show: validity and flip rates per group, side
/// bias per annotator, and the annotators' agreement on verdicts.
#[derive(Debug, Clone)]
pub struct PairSummary {
    /// What the pairs are grouped by (`model`, `country`, …; see `pairs::pair_observations`).
    pub by: String,
    pub stats: PairStats,
    pub agreement: crate::agreement::Agreement,
}

/// Verdict statistics of the pairs grouped by `by`, from the annotators' current verdicts
/// (adjudicators' verdicts decide, they are not votes, so they are left out); `None` when no
/// pair has a verdict from an annotator yet.
pub fn pair_summary(store: &Store, by: &str) -> Result<Option<PairSummary>, crate::export::ExportError> {
    // The full load: side bias needs each pair's stored display order, not only the verdicts.
    let mut data = ExportData::load(store, &[])?;
    let adjudicators = std::mem::take(&mut data.adjudicators);
    data.current.retain(|c| !adjudicators.contains(&c.annotator));
    let obs = pairs::pair_observations(&data, Some(by));
    if obs.is_empty() {
        return Ok(None);
    }
    let agreement = pairs::verdict_agreement(&obs, &crate::agreement::Options::default());
    Ok(Some(PairSummary { by: by.to_string(), stats: pairs::pairs_stats(&obs), agreement }))
}

impl PairSummary {
    /// `PairStats::to_json` (`overall`, `by` with one object per group, `side_bias`), plus
    /// `group_by` (what the groups are) and `verdict_agreement` (the agreement engine's object).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = self.stats.to_json();
        v["group_by"] = json!(self.by);
        v["verdict_agreement"] = self.agreement.to_json();
        v
    }

    /// The aligned text section (starts with a blank line).
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let group_w = self
            .stats
            .by_group
            .keys()
            .map(|g| crate::text::width(&crate::text::sanitize_line(g)))
            .chain([self.by.chars().count(), 3])
            .max()
            .unwrap_or(3)
            .min(30);
        let _ = writeln!(
            out,
            "\npairs: validity = share of verdicts agreeing with the chosen response; flip = picking the rejected one"
        );
        let _ = writeln!(
            out,
            "  {}  {:>6}  {:>8}  {:>8}  {:>6}",
            crate::text::pad(&self.by, group_w),
            "pairs",
            "verdicts",
            "validity",
            "flip"
        );
        let mut row = |name: &str, g: &pairs::GroupStats| {
            let name = crate::text::truncate(&crate::text::sanitize_line(name), group_w);
            let _ = writeln!(
                out,
                "  {}  {:>6}  {:>8}  {:>8}  {:>6}",
                crate::text::pad(&name, group_w),
                g.pairs,
                g.verdicts.total(),
                pct(g.verdicts.validity_rate()),
                pct(g.verdicts.flip_rate())
            );
        };
        for (group, g) in &self.stats.by_group {
            row(group, g);
        }
        row("all", &self.stats.overall);
        match self.agreement.alpha.first().map(|(_, a)| *a) {
            Some(Ok(a)) => {
                let _ = writeln!(
                    out,
                    "  agreement on verdicts: Krippendorff's alpha (nominal) {a:.4} over {} pairs",
                    self.agreement.n_items
                );
            }
            _ => {
                let _ = writeln!(out, "  agreement on verdicts: not enough overlapping verdicts yet");
            }
        }
        let _ = writeln!(
            out,
            "  side bias (share of decisive verdicts picking the left response; exact binomial test)"
        );
        let name_w = self
            .stats
            .side_bias
            .keys()
            .map(|k| crate::text::width(&crate::text::sanitize_line(k)))
            .max()
            .unwrap_or(0);
        for (who, b) in &self.stats.side_bias {
            let _ = writeln!(
                out,
                "    {}  {:>6} of {:<5} p = {}",
                crate::text::pad(&crate::text::sanitize_line(who), name_w),
                pct(b.left_share()),
                b.decisive,
                b.p_value().map(|p| format!("{p:.3}")).unwrap_or_else(|| "-".into())
            );
        }
        out
    }
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "-".into())
}
