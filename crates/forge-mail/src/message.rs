//! The message record, its body rules, and its on-disk encoding.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{MailError, Result};

/// Largest encoded message, in bytes (1 MiB).
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// One message as stored in `<ID>.json`. Field order is the on-disk order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `YYYYMMDD-HHMMSS-NNNN`; also the file name.
    pub id: String,
    /// The sending agent.
    pub from: String,
    /// A topic name, or `@agent` for a direct message.
    pub to: String,
    /// When the message was written (RFC3339, UTC, nanoseconds when non-zero).
    pub time: Timestamp,
    /// Any JSON value.
    #[serde(default)]
    pub body: Value,
    /// The id this message answers; free-form.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reply_to: String,
    /// `low`, `normal` or `high`; omitted unless given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub priority: String,
    /// The sender's host name (`fmail send` records it, as the reference's Rust build does).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
    /// Normalised tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

impl Message {
    /// The body as one line of text: a string body raw, anything else as compact JSON.
    pub fn body_text(&self) -> String {
        match &self.body {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        }
    }
}

/// Message priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// `low`.
    Low,
    /// `normal` (the meaning of an absent priority).
    Normal,
    /// `high`.
    High,
}

impl Priority {
    /// Parses `low`, `normal` or `high` (any case).
    pub fn parse(raw: &str) -> Result<Self> {
        match raw.trim().to_lowercase().as_str() {
            "low" => Ok(Self::Low),
            "normal" => Ok(Self::Normal),
            "high" => Ok(Self::High),
            _ => Err(MailError::InvalidPriority(raw.to_owned())),
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
        }
    }
}

/// Turns raw text into a body: if the trimmed text is JSON it is stored parsed, otherwise the
/// untrimmed text is stored as a JSON string. Returns `None` when the text is blank.
pub fn parse_body(raw: &str) -> Option<Value> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    Some(serde_json::from_str::<Value>(trimmed).unwrap_or_else(|_| Value::String(raw.to_owned())))
}

/// Encodes a value the way the reference writes files: pretty JSON with a 2-space indent, no
/// trailing newline, and `<`, `>`, `&`, U+2028, U+2029 escaped as `\uXXXX` (Go's default).
pub fn encode_pretty<T: Serialize>(value: &T) -> Result<String> {
    let text = serde_json::to_string_pretty(value)?;
    Ok(escape_like_go(text))
}

/// Encodes a value as one compact JSON line (no newline), escaped like [`encode_pretty`].
pub fn encode_line<T: Serialize>(value: &T) -> Result<String> {
    Ok(escape_like_go(serde_json::to_string(value)?))
}

/// Encodes a message for disk and enforces the 1 MiB limit.
pub fn encode_message(message: &Message) -> Result<String> {
    let text = encode_pretty(message)?;
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(MailError::TooLarge);
    }
    Ok(text)
}

/// Those characters can only occur inside JSON strings, so a plain replace is safe.
fn escape_like_go(text: String) -> String {
    if !text.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Message {
        Message {
            id: "20260210-120808-0001".into(),
            from: "alice".into(),
            to: "task".into(),
            time: "2026-02-10T12:08:08.123456789Z".parse().unwrap(),
            body: json!({"b": 1, "a": [true, null]}),
            reply_to: String::new(),
            priority: String::new(),
            host: String::new(),
            tags: Vec::new(),
        }
    }

    #[test]
    fn body_prefers_json_and_keeps_raw_text_otherwise() {
        assert_eq!(parse_body(" {\"a\":1} "), Some(json!({"a": 1})));
        assert_eq!(parse_body("42"), Some(json!(42)));
        assert_eq!(parse_body("\"quoted\""), Some(json!("quoted")));
        assert_eq!(parse_body("null"), Some(Value::Null));
        assert_eq!(
            parse_body("  hello world \n"),
            Some(json!("  hello world \n"))
        );
        assert_eq!(parse_body("{not json"), Some(json!("{not json")));
        assert_eq!(parse_body(" \n\t"), None);
    }

    #[test]
    fn encoding_matches_the_reference_layout() {
        let text = encode_message(&sample()).unwrap();
        let expected = "{\n  \"id\": \"20260210-120808-0001\",\n  \"from\": \"alice\",\n  \"to\": \"task\",\n  \
                        \"time\": \"2026-02-10T12:08:08.123456789Z\",\n  \"body\": {\n    \"b\": 1,\n    \"a\": [\n      \
                        true,\n      null\n    ]\n  }\n}";
        assert_eq!(text, expected);
        let mut full = sample();
        full.reply_to = "20260210-120000-0001".into();
        full.priority = "high".into();
        full.tags = vec!["x".into()];
        full.body = json!("a <b> & c");
        let text = encode_message(&full).unwrap();
        let keys: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().split('"').nth(1))
            .collect();
        assert_eq!(
            keys,
            [
                "id", "from", "to", "time", "body", "reply_to", "priority", "tags", "x"
            ]
        );
        assert!(
            text.contains(r#""body": "a \u003cb\u003e \u0026 c""#),
            "{text}"
        );
        let back: Message = serde_json::from_str(&text).unwrap();
        assert_eq!(back, full);
    }

    #[test]
    fn time_keeps_only_needed_fraction_digits() {
        let mut m = sample();
        m.time = "2026-02-10T12:08:08.120Z".parse().unwrap();
        assert!(
            encode_message(&m)
                .unwrap()
                .contains("\"2026-02-10T12:08:08.12Z\"")
        );
        m.time = "2026-02-10T12:08:08Z".parse().unwrap();
        assert!(
            encode_message(&m)
                .unwrap()
                .contains("\"2026-02-10T12:08:08Z\"")
        );
    }

    #[test]
    fn oversized_messages_are_rejected() {
        let mut m = sample();
        m.body = Value::String("x".repeat(MAX_MESSAGE_BYTES));
        assert_eq!(
            encode_message(&m).unwrap_err().to_string(),
            "message exceeds 1MB limit"
        );
    }

    #[test]
    fn priority_parses_case_insensitively() {
        assert_eq!(Priority::parse("HIGH").unwrap(), Priority::High);
        assert!(Priority::parse("urgent").is_err());
    }
}
