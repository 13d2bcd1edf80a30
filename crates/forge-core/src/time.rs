//! Timestamps: every persisted or printed time is UTC RFC 3339 at second precision with `Z`.

use jiff::Timestamp;

/// Formats a timestamp as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_ts(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The current time, formatted with [`format_ts`].
pub fn now_rfc3339() -> String {
    format_ts(Timestamp::now())
}

/// Parses a stored or user-given timestamp.
///
/// Accepts RFC 3339 (any offset, optional fraction) and SQLite's `YYYY-MM-DD HH:MM:SS` (taken as
/// UTC), because rows written by SQL defaults use the latter.
pub fn parse_ts(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    let normalized = if text.len() == 19 && text.as_bytes().get(10) == Some(&b' ') {
        format!("{}T{}Z", &text[..10], &text[11..])
    } else if text.len() == 19 && text.as_bytes().get(10) == Some(&b'T') {
        format!("{text}Z")
    } else {
        return None;
    };
    normalized.parse::<Timestamp>().ok()
}

/// Whole seconds from `from` to `to` (negative when `to` is earlier).
pub fn seconds_between(from: Timestamp, to: Timestamp) -> i64 {
    to.as_second() - from.as_second()
}

/// `ts + seconds`, saturating at the representable range.
pub fn add_seconds(ts: Timestamp, seconds: i64) -> Timestamp {
    Timestamp::from_second(ts.as_second().saturating_add(seconds)).unwrap_or(ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_second_precision_utc() {
        let ts: Timestamp = "2026-02-09T16:24:01.987Z".parse().unwrap();
        assert_eq!(format_ts(ts), "2026-02-09T16:24:01Z");
    }

    #[test]
    fn parses_both_stored_forms() {
        let a = parse_ts("2026-11-24 03:17:52").unwrap();
        let b = parse_ts("2026-11-24T03:17:52Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(parse_ts("2026-11-24T05:17:52+02:00").unwrap(), b);
        assert!(parse_ts("yesterday").is_none());
        assert!(parse_ts("").is_none());
    }
}
