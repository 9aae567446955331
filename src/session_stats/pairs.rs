//! Statistics on pair verdicts, for `status` and `report`: how many pairs humans found valid
//! (the chosen response really is better), how many flipped, per group (model, source, country,
//! …), and, per annotator, whether they pick the left response more than chance would (side bias,
//! with an exact two-sided binomial test against 1/2).
//!
//! Pure: [`pair_observations`] reads an [`ExportData`], [`pairs_stats`] computes. Agreement
//! between annotators on verdicts is computed by the agreement engine (`crate::agreement`,
//! nominal level, the five verdicts as categories): [`verdict_agreement`] lays the verdicts out
//! as the raters × pairs matrix it takes and calls it.

use crate::export::{ExportData, strict_majority_value};
use crate::model::{TaskRef, Value, Verdict};
use crate::store::field;
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashMap};

/// Which side the chosen response was shown on (stored as `@order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShownOrder {
    ChosenLeft,
    ChosenRight,
}

impl ShownOrder {
    pub fn parse(s: &str) -> Option<ShownOrder> {
        match s {
            "chosen_left" => Some(ShownOrder::ChosenLeft),
            "chosen_right" => Some(ShownOrder::ChosenRight),
            _ => None,
        }
    }
}

/// One annotator's verdict on one pair.
#[derive(Debug, Clone, PartialEq)]
pub struct PairObservation {
    pub pair_id: String,
    /// The group the pair belongs to (e.g. its model or source); "(none)" when it has none.
    pub group: String,
    pub annotator: String,
    pub verdict: Verdict,
    /// The order the annotator saw; `None` when not recorded.
    pub order: Option<ShownOrder>,
}

impl PairObservation {
    /// Whether the annotator picked the response shown on the left; `None` when the verdict
    /// picks no side (tie, both bad, unsure) or the order is unknown.
    pub fn picked_left(&self) -> Option<bool> {
        let chosen_left = self.order? == ShownOrder::ChosenLeft;
        match self.verdict {
            Verdict::Agree => Some(chosen_left),
            Verdict::Flip => Some(!chosen_left),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerdictCounts {
    pub agree: u64,
    pub flip: u64,
    pub tie: u64,
    pub both_bad: u64,
    pub unsure: u64,
}

impl VerdictCounts {
    pub fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Agree => self.agree += 1,
            Verdict::Flip => self.flip += 1,
            Verdict::Tie => self.tie += 1,
            Verdict::BothBad => self.both_bad += 1,
            Verdict::Unsure => self.unsure += 1,
        }
    }
    pub fn total(&self) -> u64 {
        self.agree + self.flip + self.tie + self.both_bad + self.unsure
    }
    fn share(&self, k: u64) -> Option<f64> {
        let n = self.total();
        (n > 0).then(|| k as f64 / n as f64)
    }
    /// Validity rate: the share of verdicts that confirm the pair (`agree`), over all verdicts.
    pub fn validity_rate(&self) -> Option<f64> {
        self.share(self.agree)
    }
    /// Flip rate: the share of verdicts that say the rejected response is the better one.
    pub fn flip_rate(&self) -> Option<f64> {
        self.share(self.flip)
    }
    pub fn to_json(&self) -> Json {
        json!({"agree": self.agree, "flip": self.flip, "tie": self.tie, "both_bad": self.both_bad, "unsure": self.unsure})
    }
}

/// Verdict statistics of one group of pairs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupStats {
    /// Pairs with at least one verdict.
    pub pairs: u64,
    /// Every verdict, counted once per annotator.
    pub verdicts: VerdictCounts,
    /// Per pair, the strict-majority verdict of its annotators.
    pub majority: VerdictCounts,
    /// Pairs whose annotators have no strict majority.
    pub no_majority: u64,
}

impl GroupStats {
    pub fn to_json(&self) -> Json {
        json!({
            "pairs": self.pairs,
            "verdicts": self.verdicts.to_json(),
            "validity_rate": self.verdicts.validity_rate(),
            "flip_rate": self.verdicts.flip_rate(),
            "majority": self.majority.to_json(),
            "no_majority": self.no_majority,
        })
    }
}

/// One annotator's tendency to pick the left response.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SideBias {
    /// Verdicts that picked a side (agree or flip) with a known display order.
    pub decisive: u64,
    pub left: u64,
}

impl SideBias {
    pub fn left_share(&self) -> Option<f64> {
        (self.decisive > 0).then(|| self.left as f64 / self.decisive as f64)
    }
    /// Exact two-sided binomial test of "left and right are equally likely".
    pub fn p_value(&self) -> Option<f64> {
        (self.decisive > 0).then(|| binomial_two_sided_half(self.left, self.decisive))
    }
    pub fn to_json(&self) -> Json {
        json!({
            "decisive": self.decisive,
            "left": self.left,
            "left_share": self.left_share(),
            "p_value": self.p_value(),
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairStats {
    pub overall: GroupStats,
    pub by_group: BTreeMap<String, GroupStats>,
    /// annotator -> side bias
    pub side_bias: BTreeMap<String, SideBias>,
}

impl PairStats {
    /// `{"overall": {...}, "by": {"<group>": {...}}, "side_bias": {"<annotator>": {...}}}`.
    pub fn to_json(&self) -> Json {
        json!({
            "overall": self.overall.to_json(),
            "by": self.by_group.iter().map(|(g, s)| (g.clone(), s.to_json())).collect::<serde_json::Map<_, _>>(),
            "side_bias": self.side_bias.iter().map(|(a, s)| (a.clone(), s.to_json())).collect::<serde_json::Map<_, _>>(),
        })
    }
}

/// Validity and flip rates overall and per group, and every annotator's side bias.
pub fn pairs_stats(observations: &[PairObservation]) -> PairStats {
    let mut stats = PairStats::default();
    // pair -> (group, verdicts), in first-seen order of pairs.
    let mut per_pair: HashMap<&str, (&str, Vec<Verdict>)> = HashMap::new();
    for o in observations {
        stats.overall.verdicts.add(o.verdict);
        stats.by_group.entry(o.group.clone()).or_default().verdicts.add(o.verdict);
        per_pair.entry(&o.pair_id).or_insert((&o.group, Vec::new())).1.push(o.verdict);
        let bias = stats.side_bias.entry(o.annotator.clone()).or_default();
        if let Some(left) = o.picked_left() {
            bias.decisive += 1;
            bias.left += u64::from(left);
        }
    }
    for (group, verdicts) in per_pair.values() {
        let m = strict_majority_value(verdicts.iter().copied());
        for g in [&mut stats.overall, stats.by_group.get_mut(*group).expect("group counted above")] {
            g.pairs += 1;
            match m.value {
                Some(v) => g.majority.add(v),
                None => g.no_majority += 1,
            }
        }
    }
    stats
}

/// P-value of the exact two-sided binomial test of `k` successes in `n` trials against p = 1/2:
/// the probability of an outcome at least as unlikely as `k`, which for p = 1/2 is
/// `2 · P(X ≤ min(k, n − k))`, capped at 1. Summed in log space, so n in the millions is fine.
pub fn binomial_two_sided_half(k: u64, n: u64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let m = k.min(n - k);
    // log P(X = i) for i = 0..=m; increasing in i up to n/2, so the last is the largest.
    let mut log_p = Vec::with_capacity(m as usize + 1);
    let mut lp = -(n as f64) * std::f64::consts::LN_2;
    log_p.push(lp);
    for i in 1..=m {
        lp += ((n - i + 1) as f64).ln() - (i as f64).ln();
        log_p.push(lp);
    }
    let top = *log_p.last().expect("at least one term");
    let tail = top.exp() * log_p.iter().map(|l| (l - top).exp()).sum::<f64>();
    (2.0 * tail).min(1.0)
}

/// The group of a pair under `by`: `source`, `model` (the pair's `meta.model`, else
/// `meta.chosen_model`), `country`/`language`/`domain` (from its item), or any other key of the
/// pair's `meta` holding a string or number.
fn group_of(
    pair: &crate::model::Pair,
    by: &str,
    item_fields: &HashMap<&str, [Option<&str>; 3]>,
) -> Option<String> {
    let meta_str = |k: &str| match pair.meta.get(k) {
        Some(Json::String(s)) => Some(s.clone()),
        Some(Json::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let item = || pair.item_id.as_deref().and_then(|i| item_fields.get(i));
    match by {
        "model" => meta_str("model").or_else(|| meta_str("chosen_model")),
        "country" => item().and_then(|f| f[0]).map(str::to_string).or_else(|| meta_str("country")),
        "language" => item().and_then(|f| f[1]).map(str::to_string).or_else(|| meta_str("language")),
        "domain" => item().and_then(|f| f[2]).map(str::to_string).or_else(|| meta_str("domain")),
        other => meta_str(other),
    }
}

/// Every verdict in `data`, with the pair's group under `by` (see `group_of`; `None` puts
/// every pair in one group, "all") and the order the annotator saw. Pairs in import order,
/// annotators by name.
pub fn pair_observations(data: &ExportData, by: Option<&str>) -> Vec<PairObservation> {
    let mut item_fields: HashMap<&str, [Option<&str>; 3]> = HashMap::new();
    for r in &data.responses {
        item_fields.entry(&r.item_id).or_insert([
            r.country.as_deref(),
            r.language.as_deref(),
            r.domain.as_deref(),
        ]);
    }
    let mut orders: HashMap<(&str, &str), ShownOrder> = HashMap::new();
    for c in &data.current {
        if let (TaskRef::Pair { pair_id }, true) = (&c.task, c.field == field::ORDER)
            && let Some(o) = c.text.as_deref().and_then(ShownOrder::parse)
        {
            orders.insert((pair_id, &c.annotator), o);
        }
    }
    let verdicts = crate::export::pair_verdicts(&data.current);
    let mut out = Vec::new();
    for pair in &data.pairs {
        let Some(given) = verdicts.get(pair.id.as_str()) else { continue };
        let group = match by {
            None => "all".to_string(),
            Some(by) => group_of(pair, by, &item_fields).unwrap_or_else(|| "(none)".to_string()),
        };
        for (annotator, verdict) in given {
            out.push(PairObservation {
                pair_id: pair.id.clone(),
                group: group.clone(),
                annotator: annotator.to_string(),
                verdict: *verdict,
                order: orders.get(&(pair.id.as_str(), *annotator)).copied(),
            });
        }
    }
    out
}

/// The verdicts as a raters × pairs table of verdict codes (`None`: no verdict from that rater),
/// for the agreement engine at the nominal level. Returns (rater names, pair ids, table).
pub fn verdict_ratings(
    observations: &[PairObservation],
) -> (Vec<String>, Vec<String>, Vec<Vec<Option<Value>>>) {
    let mut raters: Vec<String> = observations.iter().map(|o| o.annotator.clone()).collect();
    raters.sort();
    raters.dedup();
    let mut pairs: Vec<String> = Vec::new();
    let mut pair_index: HashMap<&str, usize> = HashMap::new();
    for o in observations {
        pair_index.entry(&o.pair_id).or_insert_with(|| {
            pairs.push(o.pair_id.clone());
            pairs.len() - 1
        });
    }
    let mut table = vec![vec![None; pairs.len()]; raters.len()];
    for o in observations {
        let r = raters.binary_search(&o.annotator).expect("rater listed above");
        table[r][pair_index[o.pair_id.as_str()]] = Some(o.verdict.code());
    }
    (raters, pairs, table)
}

/// Agreement between annotators on verdicts, computed by the agreement engine at the nominal
/// level with the five verdicts as categories (in `Verdict::ALL` order). Pairs with a single
/// verdict count towards `n_items` but not towards any statistic, as in the engine.
pub fn verdict_agreement(
    observations: &[PairObservation],
    opts: &crate::agreement::Options,
) -> crate::agreement::Agreement {
    use crate::agreement::{
        Scale, analyze,
        matrix::{MISSING, RatingMatrix},
    };
    let (raters, _pairs, table) = verdict_ratings(observations);
    let n_items = table.first().map_or(0, Vec::len);
    let codes: Vec<u16> = table.iter().flatten().map(|c| c.map_or(MISSING, |v| v as u16)).collect();
    let matrix = RatingMatrix::new(raters.len(), n_items, Verdict::ALL.len(), codes)
        .expect("verdict codes are below the number of verdicts");
    let scale = Scale {
        labels: Verdict::ALL.iter().map(|v| json!(v.as_str())).collect(),
        values: None,
        level: crate::schema::Level::Nominal,
    };
    analyze(&matrix, &raters, &scale, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(pair: &str, group: &str, annotator: &str, verdict: Verdict, order: ShownOrder) -> PairObservation {
        PairObservation {
            pair_id: pair.into(),
            group: group.into(),
            annotator: annotator.into(),
            verdict,
            order: Some(order),
        }
    }

    #[test]
    fn binomial_matches_exact_values() {
        // scipy.stats.binomtest(k, n, 0.5).pvalue
        assert!((binomial_two_sided_half(2, 10) - 0.109375).abs() < 1e-12);
        assert!((binomial_two_sided_half(8, 10) - 0.109375).abs() < 1e-12);
        assert!((binomial_two_sided_half(5, 20) - 2.0 * 21700.0 / 1048576.0).abs() < 1e-12);
        assert_eq!(binomial_two_sided_half(5, 10), 1.0);
        assert!((binomial_two_sided_half(0, 1) - 1.0).abs() < 1e-12);
        assert!((binomial_two_sided_half(0, 3) - 0.25).abs() < 1e-12);
        // Large n: 55% left of 10,000 is far from chance; 50.5% is not.
        assert!(binomial_two_sided_half(5_500, 10_000) < 1e-20);
        assert!(binomial_two_sided_half(5_050, 10_000) > 0.3);
        assert_eq!(binomial_two_sided_half(0, 0), 1.0);
    }

    #[test]
    fn left_pick_follows_order_and_verdict() {
        use ShownOrder::*;
        use Verdict::*;
        let p = |v, o| obs("p", "g", "a", v, o).picked_left();
        assert_eq!(p(Agree, ChosenLeft), Some(true));
        assert_eq!(p(Agree, ChosenRight), Some(false));
        assert_eq!(p(Flip, ChosenLeft), Some(false));
        assert_eq!(p(Flip, ChosenRight), Some(true));
        assert_eq!(p(Tie, ChosenLeft), None);
        let mut o = obs("p", "g", "a", Agree, ChosenLeft);
        o.order = None;
        assert_eq!(o.picked_left(), None);
    }

    #[test]
    fn rates_groups_and_bias() {
        use ShownOrder::*;
        use Verdict::*;
        let o = vec![
            obs("p1", "gpt", "ann", Agree, ChosenLeft),
            obs("p1", "gpt", "bob", Agree, ChosenRight),
            obs("p2", "gpt", "ann", Flip, ChosenRight),
            obs("p2", "gpt", "bob", Agree, ChosenLeft),
            obs("p3", "qwen", "ann", BothBad, ChosenLeft),
            obs("p4", "qwen", "ann", Flip, ChosenLeft),
        ];
        let s = pairs_stats(&o);
        assert_eq!(s.overall.pairs, 4);
        assert_eq!(s.overall.verdicts.total(), 6);
        assert_eq!(s.overall.verdicts.validity_rate(), Some(3.0 / 6.0));
        assert_eq!(s.overall.verdicts.flip_rate(), Some(2.0 / 6.0));
        assert_eq!(s.overall.majority.agree, 1);
        assert_eq!(s.overall.no_majority, 1);
        let gpt = &s.by_group["gpt"];
        assert_eq!((gpt.pairs, gpt.verdicts.agree, gpt.verdicts.flip), (2, 3, 1));
        let qwen = &s.by_group["qwen"];
        assert_eq!((qwen.majority.both_bad, qwen.majority.flip), (1, 1));
        // ann: p1 left, p2 left (flip, chosen right), p4 right; both_bad picks no side.
        assert_eq!(s.side_bias["ann"], SideBias { decisive: 3, left: 2 });
        assert_eq!(s.side_bias["bob"], SideBias { decisive: 2, left: 1 });
        assert_eq!(s.side_bias["bob"].p_value(), Some(1.0));
        let j = s.to_json();
        assert_eq!(j["by"]["gpt"]["validity_rate"], json!(0.75));
        assert_eq!(j["side_bias"]["ann"]["left"], json!(2));
    }

    #[test]
    fn ratings_table_layout() {
        use ShownOrder::*;
        use Verdict::*;
        let o = vec![
            obs("p1", "g", "bob", Flip, ChosenLeft),
            obs("p1", "g", "ann", Agree, ChosenLeft),
            obs("p2", "g", "ann", Tie, ChosenLeft),
        ];
        let (raters, pairs, t) = verdict_ratings(&o);
        assert_eq!(raters, ["ann", "bob"]);
        assert_eq!(pairs, ["p1", "p2"]);
        assert_eq!(t, vec![vec![Some(0), Some(2)], vec![Some(1), None]]);
    }

    #[test]
    fn verdict_agreement_uses_the_engine() {
        use ShownOrder::*;
        use Verdict::*;
        let o = vec![
            obs("p1", "g", "ann", Agree, ChosenLeft),
            obs("p1", "g", "bob", Agree, ChosenLeft),
            obs("p2", "g", "ann", Flip, ChosenLeft),
            obs("p2", "g", "bob", Flip, ChosenLeft),
            obs("p3", "g", "ann", Tie, ChosenLeft),
            obs("p3", "g", "bob", Agree, ChosenLeft),
            obs("p4", "g", "ann", Agree, ChosenLeft),
        ];
        let a = verdict_agreement(&o, &crate::agreement::Options::default());
        assert_eq!((a.n_raters, a.n_items, a.n_ratings), (2, 4, 7));
        let pa = a.percent_agreement.unwrap();
        assert!((pa - 2.0 / 3.0).abs() < 1e-12, "{pa}");
        assert_eq!(a.scale.labels[0], json!("agree"));
    }
}
