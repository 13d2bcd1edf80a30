//! Server-sent-event framing and small formatting helpers shared by the wire formats.

use serde_json::Value;

/// An SSE body being built.
#[derive(Debug, Default)]
pub(crate) struct Sse {
    body: String,
}

impl Sse {
    /// `event: <name>` + `data: <json>`.
    pub(crate) fn event(&mut self, name: &str, data: &Value) {
        self.body
            .push_str(&format!("event: {name}\ndata: {data}\n\n"));
    }

    /// A bare `data:` line (Chat Completions framing).
    pub(crate) fn data(&mut self, data: &str) {
        self.body.push_str(&format!("data: {data}\n\n"));
    }

    pub(crate) fn finish(self) -> String {
        self.body
    }
}

/// Splits text in two pieces (on a char boundary) so clients see more than one delta.
pub(crate) fn split_in_two(text: &str) -> Vec<&str> {
    if text.chars().count() < 2 {
        return vec![text];
    }
    let mut mid = text.len() / 2;
    while !text.is_char_boundary(mid) {
        mid += 1;
    }
    vec![&text[..mid], &text[mid..]]
}

/// Unix seconds as RFC 3339 UTC (`2026-11-24T10:00:00Z`), without a date library.
pub(crate) fn rfc3339(secs: i64) -> Option<String> {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (0..=9999).contains(&year).then(|| {
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            rfc3339(1_795_514_400).as_deref(),
            Some("2026-11-24T10:00:00Z")
        );
        assert_eq!(
            rfc3339(951_782_400).as_deref(),
            Some("2000-02-29T00:00:00Z")
        );
    }

    #[test]
    fn splits_on_char_boundaries() {
        assert_eq!(split_in_two("ab"), vec!["a", "b"]);
        assert_eq!(split_in_two("é€"), vec!["é", "€"]);
        assert_eq!(split_in_two(""), vec![""]);
    }
}
