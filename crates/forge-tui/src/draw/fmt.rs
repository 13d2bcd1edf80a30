//! Text formatting for cells: durations, relative times, tokens, money, sizes, truncation.

use forge_store::UsageTotals;
use jiff::Timestamp;
use unicode_width::UnicodeWidthChar;

/// `45s`, `12m`, `3h05m`, `2d04h`.
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        s => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// A duration setting: `0` shows as `-`.
pub fn limit(secs: i64) -> String {
    if secs <= 0 {
        "-".to_string()
    } else {
        duration(secs)
    }
}

/// A count limit: `0` shows as `-`.
pub fn count_limit(n: i64) -> String {
    if n <= 0 {
        "-".to_string()
    } else {
        n.to_string()
    }
}

pub fn parse(ts: &str) -> Option<Timestamp> {
    ts.parse().ok()
}

/// `5m ago`, `in 12m`, `just now`.
pub fn relative(ts: &str, now: Timestamp) -> String {
    let Some(t) = parse(ts) else {
        return ts.to_string();
    };
    let diff = now.as_second() - t.as_second();
    match diff {
        d if d.abs() < 2 => "just now".to_string(),
        d if d > 0 => format!("{} ago", duration(d)),
        d => format!("in {}", duration(-d)),
    }
}

/// `14:05:09Z (in 12m)`: a clock time with its distance from now.
pub fn clock(ts: &str, now: Timestamp) -> String {
    let time = ts.get(11..19).unwrap_or(ts);
    format!("{time}Z ({})", relative(ts, now))
}

/// Seconds between two RFC 3339 times (or until `now` when `end` is missing).
pub fn span(start: &str, end: Option<&str>, now: Timestamp) -> Option<i64> {
    let start = parse(start)?;
    let end = match end {
        Some(e) => parse(e)?,
        None => now,
    };
    Some(end.as_second() - start.as_second())
}

/// `950`, `12.3k`, `4.56M` (the same shape as `forge ps`).
pub fn tokens(n: i64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.2}M", n as f64 / 1e6),
        n if n >= 10_000 => format!("{:.1}k", n as f64 / 1e3),
        n => n.to_string(),
    }
}

pub fn total_tokens(u: &UsageTotals) -> i64 {
    u.input_tokens + u.output_tokens + u.cache_read_tokens + u.cache_write_tokens
}

pub fn cost(usd: f64) -> String {
    if usd >= 100.0 {
        format!("${usd:.0}")
    } else {
        format!("${usd:.2}")
    }
}

/// `12.3k $0.42`, or `-` without usage.
pub fn usage_cell(u: Option<&UsageTotals>) -> String {
    match u {
        Some(u) if u.cost_usd > 0.0 => format!("{} {}", tokens(total_tokens(u)), cost(u.cost_usd)),
        Some(u) => tokens(total_tokens(u)),
        None => "-".to_string(),
    }
}

/// `812 B`, `4.0 KiB`, `1.0 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Cuts `text` to `width` terminal columns, ending with `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            if width > 0 {
                while used + 1 > width {
                    match out.pop() {
                        Some(p) => used -= p.width().unwrap_or(0),
                        None => break,
                    }
                }
                out.push('…');
            }
            return out;
        }
        used += w;
        out.push(c);
    }
    out
}

/// `fit`, then padded with spaces to exactly `width` columns.
pub fn pad(text: &str, width: usize) -> String {
    let mut out = fit(text, width);
    let used: usize = out.chars().map(|c| c.width().unwrap_or(0)).sum();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells() {
        assert_eq!(duration(3725), "1h02m");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(bytes(1 << 30), "1.0 GiB");
        assert_eq!(tokens(12_345), "12.3k");
        let now: Timestamp = "2026-12-01T12:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(relative("2026-12-01T12:12:00Z", now), "in 12m00s");
        assert_eq!(clock("2026-12-01T11:55:00Z", now), "11:55:00Z (5m00s ago)");
    }
}
