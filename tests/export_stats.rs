//! Pair statistics read from a real session: groups from the pairs' meta, side bias from the
//! display order each annotator saw, verdict agreement through the agreement engine.

mod export_fixture;

use crossreview::export::ExportData;
use crossreview::session_stats::pairs::{SideBias, pair_observations, pairs_stats, verdict_agreement};
use crossreview::store::Store;

#[test]
fn stats_from_the_fixture_session() {
    let fx = export_fixture::build();
    let store = Store::open(&fx.session).unwrap();
    let data = ExportData::load(&store, &[]).unwrap();
    let obs = pair_observations(&data, Some("model"));
    assert_eq!(obs.len(), 13, "13 verdicts in the fixture");
    let s = pairs_stats(&obs);

    let gpt = &s.by_group["gpt-4o"];
    // p-agree (agree, agree), p-tie (tie, tie), p-split (agree, flip), p-single (agree), p-unsure (unsure, unsure)
    assert_eq!(gpt.pairs, 5);
    assert_eq!(gpt.verdicts.total(), 9);
    assert_eq!(gpt.verdicts.validity_rate(), Some(4.0 / 9.0));
    assert_eq!(gpt.verdicts.flip_rate(), Some(1.0 / 9.0));
    assert_eq!(gpt.no_majority, 1);
    let qwen = &s.by_group["qwen2-vl"];
    assert_eq!((qwen.pairs, qwen.majority.flip, qwen.majority.both_bad), (2, 1, 1));
    assert_eq!(qwen.verdicts.flip_rate(), Some(0.5));

    // ann picked the left response in p-agree, p-flip and p-split, the right one in p-single.
    assert_eq!(s.side_bias["ann"], SideBias { decisive: 4, left: 3 });
    // bob picked right three times out of three: p = 2 · (1/2)^3.
    assert_eq!(s.side_bias["bob"], SideBias { decisive: 3, left: 0 });
    assert!((s.side_bias["bob"].p_value().unwrap() - 0.25).abs() < 1e-12);

    let by_country = pairs_stats(&pair_observations(&data, Some("country")));
    assert_eq!(by_country.by_group.keys().collect::<Vec<_>>(), ["Japan"], "from the linked item");
    let all = pairs_stats(&pair_observations(&data, None));
    assert_eq!(all.by_group["all"].pairs, 7);

    let a = verdict_agreement(&obs, &Default::default());
    assert_eq!((a.n_raters, a.n_items), (2, 7));
    // 5 of the 6 pairs both annotators judged got the same verdict.
    assert!((a.percent_agreement.unwrap() - 5.0 / 6.0).abs() < 1e-12);
    let j = s.to_json();
    assert_eq!(j["side_bias"]["bob"]["left_share"], 0.0);
}
