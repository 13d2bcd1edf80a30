//! What every parser shares: the evidence collected from a stream, the rules that turn it into
//! an [`Outcome`], and small helpers for reading JSON and shortening text.

use std::collections::VecDeque;

use jiff::Timestamp;
use serde_json::Value;

use super::patterns::{Classification, classify};
use super::reset::{parse_reset_text, window_from_text};
use super::{ExitInfo, Outcome, RunReport, Usage};

/// Longest rendering of one piece of text in a log line.
pub(crate) const MAX_RENDER_CHARS: usize = 200;
/// Error texts and stray lines kept for classification.
const MAX_KEPT: usize = 16;

/// A structured rate-limit signal (Claude `rate_limit_event`, Codex `usage_limit_reached`).
#[derive(Debug, Clone, Default)]
pub(crate) struct LimitSignal {
    pub resets_at: Option<Timestamp>,
    pub resets_in_seconds: Option<i64>,
    pub window: Option<String>,
    /// Message text that may name a reset time.
    pub text: Option<String>,
}

/// Evidence gathered while reading a stream.
#[derive(Debug)]
pub(crate) struct Evidence {
    harness: &'static str,
    pub usage: Usage,
    pub final_text: Option<String>,
    pub limit: Option<LimitSignal>,
    /// Error messages the stream reported, oldest first.
    errors: VecDeque<String>,
    /// Lines that were not part of the structured stream (stderr merged in, plain text).
    stray: VecDeque<String>,
    /// The stream's own verdict on the run: `Some(true)` completed, `Some(false)` failed.
    pub verdict: Option<bool>,
}

impl Evidence {
    pub(crate) fn new(harness: &'static str) -> Self {
        Evidence {
            harness,
            usage: Usage::default(),
            final_text: None,
            limit: None,
            errors: VecDeque::new(),
            stray: VecDeque::new(),
            verdict: None,
        }
    }

    /// Records an error message from the stream.
    pub(crate) fn error(&mut self, message: impl Into<String>) {
        push_bounded(&mut self.errors, message.into());
    }

    /// Records a line that was not structured output; returns it for rendering.
    pub(crate) fn stray(&mut self, line: &str) -> Option<String> {
        let trimmed = line.trim_end();
        if trimmed.trim().is_empty() {
            return None;
        }
        push_bounded(&mut self.stray, trimmed.to_string());
        Some(trimmed.to_string())
    }

    pub(crate) fn set_session(&mut self, id: Option<&str>) {
        if let Some(id) = id.filter(|s| !s.is_empty())
            && self.usage.session_id.as_deref() != Some(id)
        {
            self.usage.session_id = Some(id.to_string());
        }
    }

    pub(crate) fn set_model(&mut self, model: Option<&str>) {
        if let Some(model) = model.filter(|s| !s.is_empty())
            && self.usage.model.as_deref() != Some(model)
        {
            self.usage.model = Some(model.to_string());
        }
    }

    pub(crate) fn add_turn(&mut self) {
        self.usage.turns = Some(self.usage.turns.unwrap_or(0).saturating_add(1));
    }

    pub(crate) fn add_cost(&mut self, cost: Option<f64>) {
        if let Some(cost) = cost.filter(|c| c.is_finite()) {
            self.usage.cost_usd = Some(self.usage.cost_usd.unwrap_or(0.0) + cost);
        }
    }

    /// Decides the outcome: runner stops first, then the stream's success, then structured
    /// limits, then classified error texts, then the stream's failure, then the exit code.
    pub(crate) fn finish(self, exit: &ExitInfo) -> RunReport {
        let outcome = self.outcome(exit);
        RunReport {
            usage: self.usage,
            outcome,
            final_text: self.final_text.filter(|t| !t.trim().is_empty()),
        }
    }

    fn outcome(&self, exit: &ExitInfo) -> Outcome {
        if exit.killed {
            return Outcome::Killed;
        }
        if exit.timed_out {
            return Outcome::TimedOut;
        }
        if exit.stalled {
            return Outcome::Stalled;
        }
        if self.verdict == Some(true) {
            return Outcome::Success;
        }
        if let Some(limit) = &self.limit {
            let resets_at = limit
                .resets_at
                .or_else(|| {
                    limit.resets_in_seconds.and_then(|s| {
                        exit.now
                            .timestamp()
                            .checked_add(jiff::SignedDuration::from_secs(s))
                            .ok()
                    })
                })
                .or_else(|| {
                    limit
                        .text
                        .as_deref()
                        .and_then(|t| parse_reset_text(t, &exit.now))
                });
            let window = limit
                .window
                .clone()
                .or_else(|| limit.text.as_deref().and_then(window_from_text));
            return Outcome::RateLimited { resets_at, window };
        }
        // Stray lines count as evidence only when the stream itself did not report success
        // (checked above); newest text first.
        let candidates = self.errors.iter().rev().chain(self.stray.iter().rev());
        for text in candidates {
            if let Some(class) = classify(self.harness, text) {
                return classified(class, text, exit);
            }
        }
        if self.verdict == Some(false) || exit.exit_code != 0 {
            let message = self
                .errors
                .back()
                .or(self.stray.back())
                .map(|m| shorten(m, 500))
                .unwrap_or_else(|| format!("{} exited with code {}", self.harness, exit.exit_code));
            return Outcome::Error { message };
        }
        Outcome::Success
    }
}

/// The outcome for a classified error text.
pub(crate) fn classified(class: Classification, text: &str, exit: &ExitInfo) -> Outcome {
    match class {
        Classification::RateLimited => Outcome::RateLimited {
            resets_at: parse_reset_text(text, &exit.now),
            window: window_from_text(text),
        },
        Classification::AuthFailed => Outcome::AuthFailed,
        Classification::Overloaded => Outcome::Overloaded,
        Classification::ContextOverflow => Outcome::ContextOverflow,
    }
}

fn push_bounded(queue: &mut VecDeque<String>, item: String) {
    if queue.len() == MAX_KEPT {
        queue.pop_front();
    }
    queue.push_back(item);
}

/// Parses a line as a JSON object; anything else is `None`.
pub(crate) fn json_object(line: &str) -> Option<Value> {
    let trimmed = line.trim();
    if !trimmed.starts_with('{') {
        return None;
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(value) if value.is_object() => Some(value),
        _ => None,
    }
}

/// A string field.
pub(crate) fn s<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// A non-negative integer field (numbers, floats and numeric strings accepted; else 0).
pub(crate) fn n(value: &Value, key: &str) -> u64 {
    num(value.get(key))
}

pub(crate) fn num(value: Option<&Value>) -> u64 {
    match value {
        Some(Value::Number(number)) => number
            .as_u64()
            .or_else(|| number.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .unwrap_or(0),
        Some(Value::String(text)) => text.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

/// A float field.
pub(crate) fn f(value: &Value, key: &str) -> Option<f64> {
    match value.get(key)? {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// The first non-empty line of `text`, cut to a readable length; notes hidden lines.
pub(crate) fn one_line(text: &str) -> String {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("");
    let more = lines.count();
    let mut out = shorten(first, MAX_RENDER_CHARS);
    if more > 0 {
        out.push_str(&format!(" (+{more} lines)"));
    }
    out
}

/// Cuts `text` to at most `max` characters, marking the cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// A compact one-line rendering of tool arguments.
pub(crate) fn args_line(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => one_line(text),
        Some(other) => shorten(&other.to_string(), MAX_RENDER_CHARS),
    }
}

/// Text of a content value that is a string or an array of `{type:"text", text}` blocks.
pub(crate) fn content_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().or_else(|| s(item, "text")))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The message of an error value: a string, `{message}`, `{data:{message}}` or
/// `{error:{message}}`, searched a few levels deep.
pub(crate) fn error_message(value: Option<&Value>) -> Option<String> {
    fn walk(value: &Value, depth: u8) -> Option<String> {
        match value {
            Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
            Value::Object(map) if depth < 4 => ["message", "data", "error", "errorMessage"]
                .iter()
                .filter_map(|key| map.get(*key))
                .find_map(|inner| walk(inner, depth + 1)),
            _ => None,
        }
    }
    walk(value?, 0)
}
