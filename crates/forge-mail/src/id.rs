//! Message ids: `YYYYMMDD-HHMMSS-NNNN` from the UTC clock and a per-process counter.
//!
//! The counter is pre-incremented, so the first id a process makes ends in `0001`, exactly like the
//! reference. Because every CLI call is a new process, `-0001` is common and writers in the same
//! second collide; the store then takes the first free sequence number of that second, so ids keep
//! following send order within a second.

use std::sync::atomic::{AtomicU32, Ordering};

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Length of an id: `YYYYMMDD-HHMMSS-NNNN`.
pub const ID_LEN: usize = 20;

/// Makes the next id for `now` (UTC), advancing the per-process counter.
pub fn generate_id(now: Timestamp) -> String {
    format_id(now, next_seq())
}

/// Advances the per-process counter and returns its new value (`1` first, wrapping at 10000).
pub(crate) fn next_seq() -> u32 {
    COUNTER.fetch_add(1, Ordering::Relaxed).wrapping_add(1) % 10_000
}

/// Moves the counter so the next [`next_seq`] returns `seq + 1`.
pub(crate) fn set_counter(seq: u32) {
    COUNTER.store(seq % 10_000, Ordering::Relaxed);
}

/// The id for `now` with sequence number `seq` (taken modulo 10000).
pub(crate) fn format_id(now: Timestamp, seq: u32) -> String {
    format!("{}-{:04}", now.strftime("%Y%m%d-%H%M%S"), seq % 10_000)
}

/// True if `id` has the exact `YYYYMMDD-HHMMSS-NNNN` shape.
pub fn is_message_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == ID_LEN
        && b[8] == b'-'
        && b[15] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 8 || i == 15 || c.is_ascii_digit())
}

/// The second an id (or a file name starting with one) was made, or `None` if it does not start
/// with `YYYYMMDD-HHMMSS`.
pub fn id_timestamp(id: &str) -> Option<Timestamp> {
    let b = id.as_bytes();
    if b.len() < 15 || b[8] != b'-' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i32> {
        b.get(range)?.iter().try_fold(0i32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + i32::from(c - b'0'))
        })
    };
    let year = i16::try_from(num(0..4)?).ok()?;
    let small = |r| num(r).and_then(|v| i8::try_from(v).ok());
    let dt = DateTime::new(
        year,
        small(4..6)?,
        small(6..8)?,
        small(9..11)?,
        small(11..13)?,
        small(13..15)?,
        0,
    )
    .ok()?;
    dt.to_zoned_datetime(TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_reference_shape_and_counter() {
        let now: Timestamp = "2026-02-10T12:08:08.5Z".parse().unwrap();
        let first = generate_id(now);
        let second = generate_id(now);
        assert!(first.starts_with("20260210-120808-"), "{first}");
        assert!(is_message_id(&first) && is_message_id(&second));
        let seq = |id: &str| id[16..].parse::<u32>().unwrap();
        assert_eq!((seq(&first) + 1) % 10_000, seq(&second));
    }

    #[test]
    fn id_shape_is_strict() {
        assert!(is_message_id("20260210-120808-0001"));
        for bad in [
            "20260210-120808-001",
            "20260210_120808-0001",
            "2026021a-120808-0001",
            "20260210-120808-00011",
        ] {
            assert!(!is_message_id(bad), "{bad}");
        }
    }

    #[test]
    fn id_timestamp_reads_the_prefix() {
        let ts = id_timestamp("20260210-120808-0001").unwrap();
        assert_eq!(ts.to_string(), "2026-02-10T12:08:08Z");
        assert_eq!(id_timestamp("20260210-120808-0001.json"), Some(ts));
        assert_eq!(id_timestamp("20261310-120808-0001"), None);
        assert_eq!(id_timestamp("notes.json"), None);
    }
}
