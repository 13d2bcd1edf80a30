//! Durations in the syntax users already type: Go's `time.ParseDuration` (`300ms`, `30s`, `2m`,
//! `1h30m`, `1.5h`; a bare `0` is allowed, any other bare number is not).

use std::fmt::Write as _;

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// The text is not a duration.
    #[error("invalid duration {0:?} (use a number with a unit, e.g. 30s, 5m, 1h30m, 1.5h)")]
    Invalid(String),
    /// A number without a unit.
    #[error("invalid duration {0:?}: missing unit (e.g. {0}s or {0}m)")]
    MissingUnit(String),
    /// Longer than any duration Forge stores.
    #[error("invalid duration {0:?}: too long (at most 100 years)")]
    TooLong(String),
}

/// Parses a Go-style duration into nanoseconds (may be negative).
pub fn parse_duration_nanos(input: &str) -> Result<i128, DurationError> {
    let text = input.trim();
    let invalid = || DurationError::Invalid(input.to_string());
    if text.is_empty() {
        return Err(invalid());
    }
    let (negative, mut rest) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(invalid());
        }
        let number: f64 = rest[..num_len].parse().map_err(|_| invalid())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if unit_len == 0 {
            return Err(DurationError::MissingUnit(input.trim().to_string()));
        }
        let scale: f64 = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(invalid()),
        };
        rest = &rest[unit_len..];
        total += number * scale;
    }
    if !total.is_finite() || total > 9.2e18 {
        return Err(DurationError::TooLong(input.trim().to_string()));
    }
    let nanos = total.round() as i128;
    Ok(if negative { -nanos } else { nanos })
}

/// Parses a duration and rounds it up to whole seconds (the stored precision).
pub fn parse_duration_secs_ceil(input: &str) -> Result<i64, DurationError> {
    let nanos = parse_duration_nanos(input)?;
    let secs = nanos.div_euclid(1_000_000_000) + i128::from(nanos.rem_euclid(1_000_000_000) != 0);
    i64::try_from(secs).map_err(|_| DurationError::Invalid(input.to_string()))
}

/// The longest duration a flag accepts: 100 years.
pub const MAX_FLAG_SECONDS: i64 = 100 * 365 * 24 * 3600;

/// Parses a duration flag (`--interval 30s`) into whole seconds, with an error that names the
/// flag and the value: `invalid --interval "-1s": a duration must not be negative`.
pub fn parse_flag_secs(flag: &str, value: &str) -> Result<i64, String> {
    let bad = |why: &str| format!("invalid {flag} {:?}: {why}", value.trim());
    let secs = match parse_duration_secs_ceil(value) {
        Ok(secs) => secs,
        Err(DurationError::MissingUnit(v)) => {
            return Err(bad(&format!("missing unit (e.g. {v}s or {v}m)")));
        }
        Err(DurationError::TooLong(_)) => return Err(bad("too long (at most 100 years)")),
        Err(DurationError::Invalid(_)) => {
            return Err(bad("use a number with a unit, e.g. 30s, 5m, 1h30m, 1.5h"));
        }
    };
    if secs < 0 {
        return Err(bad("a duration must not be negative"));
    }
    if secs > MAX_FLAG_SECONDS {
        return Err(bad("too long (at most 100 years)"));
    }
    Ok(secs)
}

/// Formats whole seconds the way Go prints a `time.Duration` (`2h0m0s`, `1m30s`, `45s`, `0s`).
pub fn format_go_duration(seconds: i64) -> String {
    let mut out = String::new();
    let mut s = seconds;
    if s < 0 {
        out.push('-');
        s = -s;
    }
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        let _ = write!(out, "{h}h{m}m{sec}s");
    } else if m > 0 {
        let _ = write!(out, "{m}m{sec}s");
    } else {
        let _ = write!(out, "{sec}s");
    }
    out
}

/// Formats seconds compactly for humans (`1h30m`, `45s`, `2d3h`).
pub fn format_compact(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m, sec) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60, s % 60);
    let mut out = String::new();
    if d > 0 {
        let _ = write!(out, "{d}d");
    }
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if m > 0 && d == 0 {
        let _ = write!(out, "{m}m");
    }
    if (sec > 0 && d == 0 && h == 0) || out.is_empty() {
        let _ = write!(out, "{sec}s");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_syntax() {
        assert_eq!(parse_duration_nanos("300ms").unwrap(), 300_000_000);
        assert_eq!(parse_duration_secs_ceil("1h30m").unwrap(), 5400);
        assert_eq!(parse_duration_secs_ceil("1.5h").unwrap(), 5400);
        assert_eq!(parse_duration_secs_ceil("0").unwrap(), 0);
        assert_eq!(parse_duration_secs_ceil("1500ms").unwrap(), 2);
        assert_eq!(parse_duration_secs_ceil("-5s").unwrap(), -5);
    }

    #[test]
    fn rejects_bare_numbers_and_junk() {
        assert!(matches!(
            parse_duration_nanos("30"),
            Err(DurationError::MissingUnit(_))
        ));
        assert!(parse_duration_nanos("abc").is_err());
        assert!(parse_duration_nanos("").is_err());
        assert!(parse_duration_nanos("5x").is_err());
        assert!(parse_duration_nanos("-").is_err());
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(format_go_duration(7200), "2h0m0s");
        assert_eq!(format_go_duration(90), "1m30s");
        assert_eq!(format_go_duration(30), "30s");
        assert_eq!(format_go_duration(0), "0s");
        assert_eq!(format_compact(5400), "1h30m");
        assert_eq!(format_compact(0), "0s");
    }
}
