//! Timestamps written the way chrono's `Serialize` writes them (RFC 3339, `Z`, fractional
//! seconds only when there are some), without its `fmt` machinery on the common case.
//!
//! Items carry up to three timestamps, and chrono's `Display`-based serialisation was 6 % of
//! the gateway's CPU on a 100-item listing (`perf record` during `bench --only paging`). Whole
//! seconds in years 0–9999 (every upstream timestamp: they are whole Unix seconds) are written
//! here digit by digit; anything else goes to chrono, so the text is the same either way.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Serialize, Serializer};

/// For `#[serde(serialize_with)]` on an `Option<DateTime<Utc>>` field.
pub fn option<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => one(t, s),
        None => s.serialize_none(),
    }
}

fn one<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    let year = t.year();
    if t.nanosecond() != 0 || !(0..=9999).contains(&year) {
        return t.serialize(s);
    }
    let mut b = *b"0000-00-00T00:00:00Z";
    let mut put = |at: usize, width: usize, mut v: u32| {
        for i in (at..at + width).rev() {
            b[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, year as u32);
    put(5, 2, t.month());
    put(8, 2, t.day());
    put(11, 2, t.hour());
    put(14, 2, t.minute());
    put(17, 2, t.second());
    // Only ASCII digits and separators were written.
    s.serialize_str(std::str::from_utf8(&b).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Fast(#[serde(serialize_with = "option")] Option<DateTime<Utc>>);

    #[test]
    fn the_text_is_chronos_own() {
        for secs in [
            0,
            1,
            59,
            1_717_200_630,
            951_782_400,     // 2000-02-29
            4_102_444_799,   // 2099-12-31T23:59:59
            253_402_300_799, // 9999-12-31T23:59:59
            -62_167_219_200, // 0000-01-01
            -62_167_219_201, // year -1: chrono's own
            253_402_300_800, // year 10000: chrono's own
        ] {
            for nanos in [0, 1, 500_000_000, 123_456_789] {
                let t = DateTime::from_timestamp(secs, nanos).unwrap();
                assert_eq!(
                    serde_json::to_string(&Fast(Some(t))).unwrap(),
                    serde_json::to_string(&Some(t)).unwrap(),
                    "{secs}.{nanos}"
                );
            }
        }
        assert_eq!(serde_json::to_string(&Fast(None)).unwrap(), "null");
    }
}
