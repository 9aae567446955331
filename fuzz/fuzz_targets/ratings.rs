//! Any bytes as a `--ratings` table, then every statistic on whatever parsed, at every level the
//! categories allow: no panic, and no NaN or infinity leaking out as a number (an undefined
//! statistic is an `Undefined` reason, printed as `null` with a note). The table counted
//! without its matrix (`count_ratings`) gives the same statistics, byte for byte.
#![no_main]

use crossreview::agreement::{self, Options, Scale};
use crossreview::agreement::ratings_table::{count_ratings, parse_ratings};
use crossreview::schema::Level;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(table) = parse_ratings(data, "fuzz.csv", None) else { return };
    // Keep each run fast: the statistics are quadratic in the categories at worst.
    if table.matrix.n_items() > 2_000 || table.labels.len() > 64 {
        return;
    }
    let counted = count_ratings(data, "fuzz.csv", None).expect("counted as it parsed");
    for level in [Level::Nominal, Level::Ordinal, Level::Interval, Level::Ratio] {
        if matches!(level, Level::Interval | Level::Ratio) && table.values.is_none() {
            continue;
        }
        if level == Level::Ratio && table.values.as_ref().is_some_and(|v| v.iter().any(|&x| x < 0.0)) {
            continue;
        }
        let scale = Scale { labels: table.labels.clone(), values: table.values.clone(), level };
        let opts = Options { bootstrap: None, seed: 1 };
        let result = agreement::analyze(&table.matrix, &table.raters, &scale, &opts);
        let from_counts = agreement::analyze_counts(&counted.counts, &counted.raters, &scale, &opts);
        assert_eq!(from_counts.to_json().to_string(), result.to_json().to_string());
        for (name, stat) in result.statistics() {
            if let Ok(x) = stat {
                assert!(x.is_finite(), "{name} = {x} at level {level:?}");
            }
        }
        let _ = result.to_json();
    }
});
