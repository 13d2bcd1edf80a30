//! Time arguments: `--since` values and Go-style durations (`90s`, `1h30m`, `250ms`).

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::error::{MailError, Result};

/// Parses a Go duration: an optional sign, then one or more `<number><unit>` with units
/// `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`; `0` alone is allowed. Returns `None` if malformed.
pub fn parse_go_duration(raw: &str) -> Option<SignedDuration> {
    let s = raw.trim();
    let (negative, mut rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(SignedDuration::ZERO);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total_nanos: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(number_len);
        if number.is_empty() || number == "." {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total_nanos += value * scale;
        rest = tail;
    }
    let nanos = if negative { -total_nanos } else { total_nanos };
    // Saturates at i128 range, far beyond any sensible duration.
    #[allow(clippy::cast_possible_truncation)]
    Some(SignedDuration::from_nanos_i128(nanos.round() as i128))
}

/// Parses a `--since` value relative to `now`: `now`; a Go duration or `<float>d` (meaning that
/// long ago); RFC3339; `YYYY-MM-DD`; or `YYYY-MM-DDTHH:MM:SS` (UTC).
pub fn parse_since(raw: &str, now: Timestamp) -> Result<Timestamp> {
    let s = raw.trim();
    let invalid = || MailError::InvalidSince(raw.to_owned());
    if s.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    let ago = if let Some(days) = s.strip_suffix('d') {
        let days: f64 = days.parse().map_err(|_| invalid())?;
        if !days.is_finite() {
            return Err(invalid());
        }
        Some(SignedDuration::from_secs_f64(days * 86_400.0))
    } else {
        parse_go_duration(s)
    };
    if let Some(ago) = ago {
        return now.checked_sub(ago).map_err(|_| invalid());
    }
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Ok(ts);
    }
    let utc = |dt: DateTime| {
        dt.to_zoned_datetime(TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|_| invalid())
    };
    if s.len() == 10
        && let Ok(date) = s.parse::<Date>()
    {
        return utc(date.to_datetime(jiff::civil::Time::midnight()));
    }
    if !s.ends_with(|c: char| c.is_ascii_alphabetic())
        && s.contains('T')
        && let Ok(dt) = s.parse::<DateTime>()
    {
        return utc(dt);
    }
    Err(invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-02-10T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn go_durations() {
        let d = |s| parse_go_duration(s).map(|d| d.as_millis());
        assert_eq!(d("90s"), Some(90_000));
        assert_eq!(d("1h30m"), Some(5_400_000));
        assert_eq!(d("1.5h"), Some(5_400_000));
        assert_eq!(d("250ms"), Some(250));
        assert_eq!(d("0"), Some(0));
        assert_eq!(d("-2s"), Some(-2000));
        for bad in ["", "5", "s", "1x", "1h30", "h1", "1..5s"] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn since_grammar() {
        let at = |s: &str| parse_since(s, now()).unwrap().to_string();
        assert_eq!(at("now"), "2026-02-10T12:00:00Z");
        assert_eq!(at("90s"), "2026-02-10T11:58:30Z");
        assert_eq!(at("1h30m"), "2026-02-10T10:30:00Z");
        assert_eq!(at("2d"), "2026-02-08T12:00:00Z");
        assert_eq!(at("0.5d"), "2026-02-10T00:00:00Z");
        assert_eq!(at("2026-02-01"), "2026-02-01T00:00:00Z");
        assert_eq!(at("2026-02-01T08:30:00"), "2026-02-01T08:30:00Z");
        assert_eq!(at("2026-02-01T08:30:00+02:00"), "2026-02-01T06:30:00Z");
        assert_eq!(
            at("2026-02-01T08:30:00.123456789Z"),
            "2026-02-01T08:30:00.123456789Z"
        );
        for bad in ["yesterday", "5", "2026-13-01", "xd", ""] {
            let err = parse_since(bad, now()).unwrap_err().to_string();
            assert!(err.contains("invalid --since"), "{bad}: {err}");
        }
    }
}
