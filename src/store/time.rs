//! RFC 3339 timestamps in UTC with microseconds, without a date crate. Event times must sort as
//! text in the order they happened, so one process never hands out the same or an earlier
//! instant twice (`Clock::now`).

use std::time::{SystemTime, UNIX_EPOCH};

/// Formats microseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub fn format_micros(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:06}Z", sod / 3600, (sod % 3600) / 60, sod % 60)
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

/// Hands out strictly increasing timestamps, also when the wall clock steps back.
#[derive(Debug, Default)]
pub struct Clock {
    last: i64,
}

impl Clock {
    pub fn now(&mut self) -> String {
        let t = now_micros().max(self.last + 1);
        self.last = t;
        format_micros(t)
    }

    /// Never hand out an instant at or before one already stored (another process may have
    /// written later events into the same session).
    ///
    /// A stored instant beyond the sane range (a bad row, or a machine whose clock was far
    /// ahead) is taken as the end of that range, so it can never push this clock past the year
    /// 9999, where the text order of timestamps breaks.
    pub fn not_before(&mut self, stored: &str) {
        if let Some(m) = parse_micros(stored) {
            self.last = self.last.max(m.min(latest_sane_micros()));
        }
    }
}

/// The earliest instant accepted from another session: 2000-01-01T00:00:00Z.
pub const EARLIEST_SANE_MICROS: i64 = 946_684_800_000_000;

/// How far ahead of this machine's clock another session's instants may be: one day, for
/// teammates' clocks that are off or in another time zone setting.
pub const MAX_AHEAD_MICROS: i64 = 86_400_000_000;

/// The latest instant accepted from another session: now plus one day.
pub fn latest_sane_micros() -> i64 {
    now_micros() + MAX_AHEAD_MICROS
}

/// Why a timestamp read from another session is not one this program would have written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InsaneTime {
    #[error("{0:?} is not a timestamp of the form 2026-01-31T12:00:00.000000Z")]
    NotCanonical(String),
    #[error("{0} is before 2000-01-01")]
    TooEarly(String),
    #[error("{0} is more than a day ahead of this machine's clock")]
    InTheFuture(String),
}

/// Checks a timestamp read from another session: exactly the form `format_micros` writes
/// (so that text order is time order), between 2000-01-01 and one day from now. Returns the
/// reason when it is not.
pub fn check_sane(s: &str) -> Result<i64, InsaneTime> {
    let m = parse_micros(s)
        .filter(|&m| format_micros(m) == s)
        .ok_or_else(|| InsaneTime::NotCanonical(s.to_string()))?;
    if m < EARLIEST_SANE_MICROS {
        return Err(InsaneTime::TooEarly(s.to_string()));
    }
    if m > latest_sane_micros() {
        return Err(InsaneTime::InTheFuture(s.to_string()));
    }
    Ok(m)
}

/// Parses what `format_micros` writes (and the same without fraction).
pub fn parse_micros(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let frac = if b.get(19) == Some(&b'.') {
        let digits: String = s[20..].chars().take_while(|c| c.is_ascii_digit()).collect();
        let mut v: i64 = digits.get(..digits.len().min(6))?.parse().ok()?;
        for _ in digits.len().min(6)..6 {
            v *= 10;
        }
        v
    } else {
        0
    };
    let days = days_from_civil(y, mo as u32, d as u32);
    Some(((days * 86_400) + h * 3600 + mi * 60 + se) * 1_000_000 + frac)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(format_micros(0), "1970-01-01T00:00:00.000000Z");
        // 2026-11-29T02:45:26Z
        assert_eq!(format_micros(1_795_920_326_000_000), "2026-11-29T02:45:26.000000Z");
        assert_eq!(format_micros(951_782_400_123_456), "2000-02-29T00:00:00.123456Z");
    }

    #[test]
    fn round_trip_and_monotonic() {
        for m in [0i64, 951_782_400_123_456, 1_795_920_326_000_001, 4_102_444_800_000_000] {
            assert_eq!(parse_micros(&format_micros(m)), Some(m));
        }
        let mut c = Clock::default();
        let a = c.now();
        let b = c.now();
        assert!(b > a);
        let soon = format_micros(now_micros() + 3_600_000_000);
        c.not_before(&soon);
        assert!(c.now() > soon, "a later stored instant keeps the clock ahead of it");
    }

    #[test]
    fn a_far_future_instant_cannot_push_the_clock_past_the_sane_range() {
        let mut c = Clock::default();
        c.not_before("9999-12-31T23:59:59.999999Z");
        let t = c.now();
        assert!(t.starts_with("20"), "{t}");
        assert!(parse_micros(&t).unwrap() <= latest_sane_micros() + 1);
    }

    #[test]
    fn sane_timestamps_are_canonical_and_in_range() {
        let now = format_micros(now_micros());
        assert!(check_sane(&now).is_ok());
        assert!(check_sane("2026-01-01T00:00:00Z").is_err(), "no fraction: not the canonical form");
        assert!(check_sane("1999-12-31T23:59:59.999999Z").unwrap_err().to_string().contains("before 2000"));
        assert!(check_sane("9999-12-31T23:59:59.999999Z").unwrap_err().to_string().contains("ahead"));
        assert!(check_sane("10000-01-01T00:00:00.000000Z").is_err());
        assert!(check_sane("abc").is_err());
    }
}
