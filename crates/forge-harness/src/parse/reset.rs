//! Reading "when does the limit lift" out of limit messages.
//!
//! Harnesses say it many ways: epoch seconds (`|1750000000`, `"resets_at": 1750000000`),
//! RFC 3339 times, a duration (`resets_in_seconds: 60`, "try again in 2 hours 5 minutes"), or a
//! wall-clock time in some zone ("resets 1pm (Europe/Oslo)", "try again at 12:16 PM",
//! "try again at Sep 22nd, 2025 3:04 PM"). Times without a date are the next such time after
//! `now`, in the named zone or else `now`'s zone.

use std::sync::LazyLock;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ZonedDateTime};
use regex::Regex;

fn re(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

static EPOCH: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r#"(?i)(?:\||resets?_?at"?\s*[:=]\s*"?|resets?At"?\s*[:=]\s*"?)(\d{10}(?:\d{3})?)\b"#)
});
static IN_SECONDS: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r#"(?i)resets?_in_seconds"?\s*[:=]\s*"?(\d+)"#));
static RFC3339: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})")
});
static DURATION: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"(?i)(?:try again|retry|resets?|available again)\s+in\s+((?:\d+\s*(?:days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b[\s,]*(?:and\s+)?)+)",
    )
});
static DURATION_PART: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"(?i)(\d+)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b")
});
static WALL_CLOCK: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"(?i)(?:resets?|try again|available again)(?:\s+at)?\s+(?:on\s+)?(?:([a-z]{3})[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4}),?\s+(?:at\s+)?)?(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s?m\.?(?:\s*\(([A-Za-z_]+(?:/[A-Za-z_+\-]+)*)\))?",
    )
});
static WALL_CLOCK_24H: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"(?i)(?:resets?|try again)(?:\s+at)?\s+(\d{1,2}):(\d{2})\b(?:\s*\(([A-Za-z_]+(?:/[A-Za-z_+\-]+)*)\))?",
    )
});

/// The reset time named in `text`, resolved against `now`.
pub fn parse_reset_text(text: &str, now: &ZonedDateTime) -> Option<Timestamp> {
    epoch(text)
        .or_else(|| in_seconds(text, now))
        .or_else(|| rfc3339(text))
        .or_else(|| duration(text, now))
        .or_else(|| wall_clock(text, now))
}

/// A Unix time in seconds or milliseconds.
pub fn timestamp_from_epoch(value: i64) -> Option<Timestamp> {
    if value > 100_000_000_000 {
        Timestamp::from_millisecond(value).ok()
    } else {
        Timestamp::from_second(value).ok()
    }
}

/// The limit window a message names (`five_hour`, `seven_day`), if any.
pub fn window_from_text(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    if lower.contains("5-hour") || lower.contains("five_hour") || lower.contains("5 hour") {
        Some("five_hour".into())
    } else if lower.contains("weekly") || lower.contains("seven_day") || lower.contains("7-day") {
        Some("seven_day".into())
    } else {
        None
    }
}

fn epoch(text: &str) -> Option<Timestamp> {
    let caps = EPOCH.as_ref()?.captures(text)?;
    timestamp_from_epoch(caps.get(1)?.as_str().parse().ok()?)
}

fn in_seconds(text: &str, now: &ZonedDateTime) -> Option<Timestamp> {
    let caps = IN_SECONDS.as_ref()?.captures(text)?;
    let secs: i64 = caps.get(1)?.as_str().parse().ok()?;
    now.timestamp()
        .checked_add(SignedDuration::from_secs(secs))
        .ok()
}

fn rfc3339(text: &str) -> Option<Timestamp> {
    let found = RFC3339.as_ref()?.find(text)?;
    found.as_str().replacen(' ', "T", 1).parse().ok()
}

fn duration(text: &str, now: &ZonedDateTime) -> Option<Timestamp> {
    let caps = DURATION.as_ref()?.captures(text)?;
    let mut secs: i64 = 0;
    for part in DURATION_PART.as_ref()?.captures_iter(caps.get(1)?.as_str()) {
        let amount: i64 = part.get(1)?.as_str().parse().ok()?;
        let unit = part.get(2)?.as_str().to_lowercase();
        let scale = match unit.chars().next()? {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            _ => 1,
        };
        secs = secs.saturating_add(amount.saturating_mul(scale));
    }
    (secs > 0)
        .then(|| {
            now.timestamp()
                .checked_add(SignedDuration::from_secs(secs))
                .ok()
        })
        .flatten()
}

fn month(name: &str) -> Option<i8> {
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = name.to_lowercase();
    months
        .iter()
        .position(|m| *m == lower)
        .and_then(|i| i8::try_from(i + 1).ok())
}

fn zone_of(name: Option<regex::Match<'_>>, now: &ZonedDateTime) -> TimeZone {
    name.and_then(|m| TimeZone::get(m.as_str()).ok())
        .unwrap_or_else(|| now.time_zone().clone())
}

fn wall_clock(text: &str, now: &ZonedDateTime) -> Option<Timestamp> {
    if let Some(caps) = WALL_CLOCK.as_ref().and_then(|r| r.captures(text)) {
        let mut hour: i8 = caps.get(4)?.as_str().parse().ok()?;
        let minute: i8 = caps.get(5).map_or(Some(0), |m| m.as_str().parse().ok())?;
        let pm = caps.get(6)?.as_str().eq_ignore_ascii_case("p");
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = match (hour, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
        let tz = zone_of(caps.get(7), now);
        let date = match (caps.get(1), caps.get(2), caps.get(3)) {
            (Some(mon), Some(day), Some(year)) => Some(
                Date::new(
                    year.as_str().parse().ok()?,
                    month(mon.as_str())?,
                    day.as_str().parse().ok()?,
                )
                .ok()?,
            ),
            _ => None,
        };
        return at_time(now, &tz, date, Time::new(hour, minute, 0, 0).ok()?);
    }
    let caps = WALL_CLOCK_24H.as_ref()?.captures(text)?;
    let hour: i8 = caps.get(1)?.as_str().parse().ok()?;
    let minute: i8 = caps.get(2)?.as_str().parse().ok()?;
    let tz = zone_of(caps.get(3), now);
    at_time(now, &tz, None, Time::new(hour, minute, 0, 0).ok()?)
}

/// `time` on `date`, or the next occurrence of `time` after `now` in `tz`.
fn at_time(
    now: &ZonedDateTime,
    tz: &TimeZone,
    date: Option<Date>,
    time: Time,
) -> Option<Timestamp> {
    if let Some(date) = date {
        return Some(
            date.to_datetime(time)
                .to_zoned_datetime(tz.clone())
                .ok()?
                .timestamp(),
        );
    }
    let local = now.with_time_zone(tz.clone());
    let candidate = local
        .date()
        .to_datetime(time)
        .to_zoned_datetime(tz.clone())
        .ok()?;
    if candidate.timestamp() > now.timestamp() {
        return Some(candidate.timestamp());
    }
    let tomorrow = local.date().tomorrow().ok()?;
    Some(
        tomorrow
            .to_datetime(time)
            .to_zoned_datetime(tz.clone())
            .ok()?
            .timestamp(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> ZonedDateTime {
        // 2026-11-24 10:00 in Oslo (09:00 UTC).
        "2026-11-24T10:00:00+01:00[Europe/Oslo]".parse().unwrap()
    }

    fn at(text: &str) -> Option<String> {
        parse_reset_text(text, &now()).map(|t| t.to_string())
    }

    #[test]
    fn formats() {
        assert_eq!(
            at("Claude AI usage limit reached|1764000000").as_deref(),
            Some("2025-11-24T16:00:00Z")
        );
        assert_eq!(
            at(r#"{"resets_at": 1764000000}"#).as_deref(),
            Some("2025-11-24T16:00:00Z")
        );
        assert_eq!(
            at(r#"{"resets_in_seconds": 90}"#).as_deref(),
            Some("2026-11-24T09:01:30Z")
        );
        assert_eq!(
            at("limit resets 2026-11-24T15:00:00Z").as_deref(),
            Some("2026-11-24T15:00:00Z")
        );
        assert_eq!(
            at("You've hit your limit · resets 1pm (Europe/Oslo)").as_deref(),
            Some("2026-11-24T12:00:00Z")
        );
        // 9am Oslo already passed today: tomorrow.
        assert_eq!(
            at("resets 9am (Europe/Oslo)").as_deref(),
            Some("2026-11-25T08:00:00Z")
        );
        assert_eq!(
            at("resets 1pm (America/New_York)").as_deref(),
            Some("2026-11-24T18:00:00Z")
        );
        assert_eq!(
            at("try again at 12:16 PM.").as_deref(),
            Some("2026-11-24T11:16:00Z")
        );
        assert_eq!(
            at("try again at Sep 22nd, 2027 3:04 PM").as_deref(),
            Some("2027-09-22T13:04:00Z")
        );
        assert_eq!(
            at("try again in 2 hours 5 minutes").as_deref(),
            Some("2026-11-24T11:05:00Z")
        );
        assert_eq!(
            at("or try again in 4 days 1 hour.").as_deref(),
            Some("2026-11-28T10:00:00Z")
        );
        assert_eq!(at("resets 14:30").as_deref(), Some("2026-11-24T13:30:00Z"));
        assert_eq!(at("You've hit your limit"), None);
        assert_eq!(at("resets 25pm"), None);
    }

    #[test]
    fn windows() {
        assert_eq!(
            window_from_text("5-hour limit reached").as_deref(),
            Some("five_hour")
        );
        assert_eq!(
            window_from_text("weekly limit").as_deref(),
            Some("seven_day")
        );
        assert_eq!(window_from_text("limit"), None);
    }
}
