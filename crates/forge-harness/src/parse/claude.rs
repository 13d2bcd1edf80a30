//! Claude Code `-p --output-format stream-json --verbose`.
//!
//! `system/init` names the model and session; `assistant` events carry content blocks and
//! per-message usage (one event per block, repeating the message's usage); `user` events carry
//! tool results; the final `result` has the totals (`usage`, `total_cost_usd`, `num_turns`,
//! `duration_ms`), the answer and `is_error`. `rate_limit_event` with status `rejected` is the
//! definitive limit signal; `resetsAt` is epoch seconds.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::common::{
    Evidence, LimitSignal, args_line, content_text, error_message, f, json_object, n, one_line, s,
};
use super::raw::{one_line_raw, string_of};
use super::reset::timestamp_from_epoch;
use super::{ExitInfo, Parser, RunReport, Usage};

/// Parser for Claude Code's stream-json output.
#[derive(Debug)]
pub(crate) struct ClaudeParser {
    ev: Evidence,
    /// Usage per assistant message id (for runs that end without a `result`).
    per_message: HashMap<String, Usage>,
    saw_result: bool,
    /// The last assistant text as a JSON string literal (unescaped only when needed).
    last_assistant_raw: Option<String>,
}

impl Default for ClaudeParser {
    fn default() -> Self {
        ClaudeParser {
            ev: Evidence::new("claude"),
            per_message: HashMap::new(),
            saw_result: false,
            last_assistant_raw: None,
        }
    }
}

/// Claude's usage object (`input_tokens`, `cache_*_input_tokens`, ...).
fn usage_of(value: &Value) -> Usage {
    Usage {
        input_tokens: n(value, "input_tokens"),
        output_tokens: n(value, "output_tokens"),
        cache_read_tokens: n(value, "cache_read_input_tokens"),
        cache_write_tokens: n(value, "cache_creation_input_tokens"),
        ..Usage::default()
    }
}

/// The hot events (`assistant`, `user`), borrowed from the line: big strings stay raw.
#[derive(Deserialize)]
struct FastEvent<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    message: Option<FastMessage<'a>>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct FastMessage<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    content: Option<Vec<FastBlock<'a>>>,
    #[serde(borrow, default)]
    usage: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct FastBlock<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    text: Option<&'a RawValue>,
    #[serde(borrow, default)]
    thinking: Option<&'a RawValue>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    input: Option<&'a RawValue>,
    #[serde(borrow, default)]
    content: Option<&'a RawValue>,
    #[serde(default)]
    is_error: Option<bool>,
}

impl ClaudeParser {
    /// The last assistant text.
    fn last_assistant(&self) -> Option<String> {
        self.last_assistant_raw
            .as_deref()
            .and_then(|raw| serde_json::from_str(raw).ok())
    }

    /// Claude reports API failures as a synthetic assistant message with an `error` tag.
    fn assistant_failed(&mut self) {
        if let Some(text) = self.last_assistant() {
            self.ev.error(text);
        }
    }

    /// `assistant` and `user` events parsed without building a JSON tree; `None` when the
    /// line does not have the expected shape (the general path then handles it).
    fn fast(&mut self, line: &str) -> Option<Option<String>> {
        let event: FastEvent<'_> = serde_json::from_str(line).ok()?;
        let kind = event.kind.as_deref()?;
        if kind != "assistant" && kind != "user" {
            return None;
        }
        let message = event.message?;
        let mut lines = Vec::new();
        if kind == "assistant" {
            self.ev.set_model(message.model.as_deref());
            if let (Some(id), Some(usage)) = (&message.id, message.usage) {
                let usage: Value = serde_json::from_str(usage.get()).ok()?;
                self.per_message.insert(id.to_string(), usage_of(&usage));
            }
        }
        for block in message.content.iter().flatten() {
            match (kind, block.kind.as_deref()) {
                ("assistant", Some("text")) => {
                    if let Some(text) = block.text {
                        let line = one_line_raw(text);
                        if !line.is_empty() {
                            self.last_assistant_raw = Some(text.get().to_string());
                            lines.push(format!("assistant: {line}"));
                        }
                    }
                }
                ("assistant", Some("tool_use")) => lines.push(format!(
                    "tool: {} {}",
                    block.name.as_deref().unwrap_or("?"),
                    block.input.map(one_line_raw).unwrap_or_default()
                )),
                ("assistant", Some("thinking")) => {
                    let line = block.thinking.map(one_line_raw).unwrap_or_default();
                    if !line.is_empty() {
                        lines.push(format!("thinking: {line}"));
                    }
                }
                ("user", Some("tool_result")) => {
                    let label = if block.is_error == Some(true) {
                        "result (error)"
                    } else {
                        "result"
                    };
                    let text = match block.content {
                        Some(raw) if raw.get().starts_with('[') => {
                            let parts: Vec<FastBlock<'_>> = serde_json::from_str(raw.get()).ok()?;
                            let joined: Vec<String> = parts
                                .iter()
                                .filter_map(|p| p.text.and_then(string_of))
                                .collect();
                            one_line(&joined.join("\n"))
                        }
                        Some(raw) => one_line_raw(raw),
                        None => String::new(),
                    };
                    lines.push(format!("{label}: {text}"));
                }
                _ => {}
            }
        }
        if event.error.is_some_and(|e| e.get() != "null") {
            self.assistant_failed();
        }
        Some((!lines.is_empty()).then(|| lines.join("\n")))
    }

    fn assistant(&mut self, event: &Value) -> Option<String> {
        let message = event.get("message")?;
        self.ev.set_model(s(message, "model"));
        if let (Some(id), Some(usage)) = (s(message, "id"), message.get("usage")) {
            self.per_message.insert(id.to_string(), usage_of(usage));
        }
        let mut lines = Vec::new();
        for block in message
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match s(block, "type") {
                Some("text") => {
                    let text = s(block, "text").unwrap_or("");
                    if !text.trim().is_empty() {
                        self.last_assistant_raw = serde_json::to_string(text).ok();
                        lines.push(format!("assistant: {}", one_line(text)));
                    }
                }
                Some("tool_use") => lines.push(format!(
                    "tool: {} {}",
                    s(block, "name").unwrap_or("?"),
                    args_line(block.get("input"))
                )),
                Some("thinking") => {
                    let text = s(block, "thinking").unwrap_or("");
                    if !text.trim().is_empty() {
                        lines.push(format!("thinking: {}", one_line(text)));
                    }
                }
                _ => {}
            }
        }
        // Claude reports API failures as a synthetic assistant message with an `error` tag.
        if event.get("error").is_some_and(|e| !e.is_null()) {
            self.assistant_failed();
        }
        (!lines.is_empty()).then(|| lines.join("\n"))
    }

    fn user(&mut self, event: &Value) -> Option<String> {
        let content = event.get("message")?.get("content")?.as_array()?;
        let lines: Vec<String> = content
            .iter()
            .filter(|b| s(b, "type") == Some("tool_result"))
            .map(|block| {
                let text = content_text(block.get("content"));
                let label = if block.get("is_error").and_then(Value::as_bool) == Some(true) {
                    "result (error)"
                } else {
                    "result"
                };
                format!("{label}: {}", one_line(&text))
            })
            .collect();
        (!lines.is_empty()).then(|| lines.join("\n"))
    }

    fn result(&mut self, event: &Value) -> Option<String> {
        self.saw_result = true;
        let subtype = s(event, "subtype").unwrap_or("");
        let is_error = event
            .get("is_error")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            || subtype.starts_with("error");
        let text = s(event, "result").map(str::to_string);
        if let Some(usage) = event.get("usage") {
            let totals = usage_of(usage);
            let ev = &mut self.ev.usage;
            ev.input_tokens = totals.input_tokens;
            ev.output_tokens = totals.output_tokens;
            ev.cache_read_tokens = totals.cache_read_tokens;
            ev.cache_write_tokens = totals.cache_write_tokens;
        }
        if let Some(cost) = f(event, "total_cost_usd").or_else(|| f(event, "cost_usd")) {
            self.ev.usage.cost_usd = Some(cost);
        }
        if let Some(turns) = event.get("num_turns").and_then(Value::as_u64) {
            self.ev.usage.turns = u32::try_from(turns).ok();
        }
        if let Some(ms) = event.get("duration_ms").and_then(Value::as_u64) {
            self.ev.usage.duration_ms = Some(ms);
        }
        self.ev.set_session(s(event, "session_id"));
        if is_error {
            let mut message = text.clone().unwrap_or_default();
            if let Some(errors) = event.get("errors").and_then(Value::as_array) {
                for e in errors.iter().filter_map(Value::as_str) {
                    message = if message.is_empty() {
                        e.to_string()
                    } else {
                        format!("{message}\n{e}")
                    };
                }
            }
            if message.is_empty() {
                message = format!("claude ended with {subtype}");
            }
            // The HTTP status of the failed API call, when Claude reports it.
            if let Some(status) = event.get("api_error_status").and_then(Value::as_u64) {
                self.ev.error(format!("API Error: {status}"));
            }
            self.ev.error(message.clone());
            self.ev.verdict = Some(false);
            self.ev.final_text = text;
            Some(format!(
                "[result] error ({subtype}): {}",
                one_line(&message)
            ))
        } else {
            self.ev.verdict = Some(true);
            self.ev.final_text = text;
            let u = &self.ev.usage;
            let cost = u
                .cost_usd
                .map(|c| format!(" · ${c:.4}"))
                .unwrap_or_default();
            Some(format!(
                "[result] success · {} turns · {} in / {} out tokens{cost}",
                u.turns.unwrap_or(0),
                u.input_tokens + u.cache_read_tokens + u.cache_write_tokens,
                u.output_tokens
            ))
        }
    }

    fn rate_limit(&mut self, event: &Value) -> Option<String> {
        let info = event.get("rate_limit_info").unwrap_or(event);
        let status = s(info, "status").unwrap_or("?");
        let resets_at = info
            .get("resetsAt")
            .and_then(Value::as_i64)
            .and_then(timestamp_from_epoch);
        let window = s(info, "rateLimitType").map(str::to_string);
        if status == "rejected" {
            self.ev.limit = Some(LimitSignal {
                resets_at,
                window: window.clone(),
                ..LimitSignal::default()
            });
        }
        let resets = resets_at
            .map(|t| format!(" resets {t}"))
            .unwrap_or_default();
        Some(format!(
            "[rate limit] {status} {}{resets}",
            window.unwrap_or_default()
        ))
    }
}

impl Parser for ClaudeParser {
    fn feed_line(&mut self, line: &str) -> Option<String> {
        if let Some(rendered) = self.fast(line.trim()) {
            return rendered;
        }
        let Some(event) = json_object(line) else {
            return self.ev.stray(line);
        };
        match s(&event, "type") {
            Some("system") => {
                self.ev.set_session(s(&event, "session_id"));
                self.ev.set_model(s(&event, "model"));
                match s(&event, "subtype") {
                    Some("init") => Some(format!(
                        "[init] model {} · session {}",
                        s(&event, "model").unwrap_or("?"),
                        s(&event, "session_id").unwrap_or("?")
                    )),
                    Some(other) => Some(format!("[system] {other}")),
                    None => None,
                }
            }
            Some("assistant") => self.assistant(&event),
            Some("user") => self.user(&event),
            Some("result") => self.result(&event),
            Some("rate_limit_event") => self.rate_limit(&event),
            Some("stream_event") => None,
            Some("error") => {
                let message = error_message(Some(&event)).unwrap_or_else(|| line.to_string());
                self.ev.error(message.clone());
                Some(format!("[error] {}", one_line(&message)))
            }
            _ => Some(line.to_string()),
        }
    }

    fn finish(mut self: Box<Self>, exit: ExitInfo) -> RunReport {
        if !self.saw_result {
            // No totals: sum the per-message usage seen so far.
            for usage in self.per_message.values() {
                let total = &mut self.ev.usage;
                total.input_tokens += usage.input_tokens;
                total.output_tokens += usage.output_tokens;
                total.cache_read_tokens += usage.cache_read_tokens;
                total.cache_write_tokens += usage.cache_write_tokens;
            }
            if !self.per_message.is_empty() {
                self.ev.usage.turns = u32::try_from(self.per_message.len()).ok();
            }
            if self.ev.final_text.is_none() {
                self.ev.final_text = self.last_assistant();
            }
        }
        self.ev.finish(&exit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The borrowed fast path and the general `Value` path render the same lines.
    #[test]
    fn fast_path_matches_general_path() {
        let fixtures = [
            include_str!("../../tests/fixtures/claude/success.jsonl"),
            include_str!("../../tests/fixtures/claude/recorded_tool_edit.jsonl"),
            include_str!("../../tests/fixtures/claude/truncated_no_result.jsonl"),
        ];
        let mut compared = 0;
        for line in fixtures.iter().flat_map(|f| f.lines()) {
            let Some(value) = json_object(line) else {
                continue;
            };
            let mut fast = ClaudeParser::default();
            let Some(rendered) = fast.fast(line) else {
                continue;
            };
            let mut general = ClaudeParser::default();
            let expected = match s(&value, "type") {
                Some("assistant") => general.assistant(&value),
                Some("user") => general.user(&value),
                _ => continue,
            };
            assert_eq!(rendered, expected, "{line}");
            assert_eq!(fast.per_message.len(), general.per_message.len());
            assert_eq!(fast.last_assistant(), general.last_assistant());
            compared += 1;
        }
        assert!(compared >= 8, "only {compared} lines compared");
    }
}
