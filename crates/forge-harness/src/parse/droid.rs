//! Factory droid `exec --output-format stream-json`.
//!
//! Events: `system {session_id, model}`, `message {role, text}`, `tool_call {toolName,
//! parameters}`, `tool_result {value, isError}`, `error {message}` and a final `completion
//! {finalText, numTurns, durationMs, session_id}`. Token and cost fields are read when present
//! (`usage` on `completion`, camelCase or snake_case); droid does not document them.

use serde_json::Value;

use super::common::{
    Evidence, args_line, content_text, error_message, f, json_object, n, one_line, s,
};
use super::{ExitInfo, Parser, RunReport};

/// Parser for droid's stream-json output.
#[derive(Debug)]
pub(crate) struct DroidParser {
    ev: Evidence,
}

impl Default for DroidParser {
    fn default() -> Self {
        DroidParser {
            ev: Evidence::new("droid"),
        }
    }
}

fn first(value: &Value, keys: &[&str]) -> u64 {
    keys.iter()
        .map(|k| n(value, k))
        .find(|v| *v > 0)
        .unwrap_or(0)
}

impl DroidParser {
    fn usage(&mut self, event: &Value) {
        let Some(usage) = event.get("usage").filter(|u| u.is_object()) else {
            return;
        };
        let total = &mut self.ev.usage;
        total.input_tokens += first(usage, &["inputTokens", "input_tokens"]);
        total.output_tokens += first(usage, &["outputTokens", "output_tokens"]);
        total.cache_read_tokens += first(
            usage,
            &[
                "cacheReadTokens",
                "cache_read_input_tokens",
                "cache_read_tokens",
            ],
        );
        total.cache_write_tokens += first(
            usage,
            &[
                "cacheWriteTokens",
                "cache_creation_input_tokens",
                "cache_write_tokens",
            ],
        );
        let cost = f(usage, "totalUSD")
            .or_else(|| f(usage, "cost_usd"))
            .or_else(|| f(event, "total_cost_usd"));
        self.ev.add_cost(cost);
    }
}

impl Parser for DroidParser {
    fn feed_line(&mut self, line: &str) -> Option<String> {
        let Some(event) = json_object(line) else {
            return self.ev.stray(line);
        };
        self.ev.set_session(s(&event, "session_id"));
        match s(&event, "type") {
            Some("system") => {
                self.ev.set_model(s(&event, "model"));
                Some(format!(
                    "[init] model {}",
                    s(&event, "model").unwrap_or("?")
                ))
            }
            Some("message") => {
                if s(&event, "role") != Some("assistant") {
                    return None;
                }
                let text = s(&event, "text")
                    .map(str::to_string)
                    .unwrap_or_else(|| content_text(event.get("content")));
                if text.trim().is_empty() {
                    return None;
                }
                let line = format!("assistant: {}", one_line(&text));
                self.ev.final_text = Some(text);
                Some(line)
            }
            Some("tool_call") => Some(format!(
                "tool: {} {}",
                s(&event, "toolName").unwrap_or("?"),
                args_line(event.get("parameters"))
            )),
            Some("tool_result") => {
                let label = if event.get("isError").and_then(Value::as_bool) == Some(true) {
                    "result (error)"
                } else {
                    "result"
                };
                let value = content_text(event.get("value"));
                Some(format!("{label}: {}", one_line(&value)))
            }
            Some("error") => {
                let message = error_message(Some(&event)).unwrap_or_else(|| line.to_string());
                self.ev.error(message.clone());
                Some(format!("[error] {}", one_line(&message)))
            }
            Some("completion") | Some("result") => {
                self.usage(&event);
                if let Some(turns) = event
                    .get("numTurns")
                    .or_else(|| event.get("num_turns"))
                    .and_then(Value::as_u64)
                {
                    self.ev.usage.turns = u32::try_from(turns).ok();
                }
                if let Some(ms) = event
                    .get("durationMs")
                    .or_else(|| event.get("duration_ms"))
                    .and_then(Value::as_u64)
                {
                    self.ev.usage.duration_ms = Some(ms);
                }
                let text = s(&event, "finalText")
                    .or_else(|| s(&event, "result"))
                    .map(str::to_string);
                let is_error = event.get("is_error").and_then(Value::as_bool) == Some(true);
                if is_error {
                    self.ev.error(
                        text.clone()
                            .unwrap_or_else(|| "droid reported an error".into()),
                    );
                }
                self.ev.verdict = Some(!is_error);
                if text.is_some() {
                    self.ev.final_text = text;
                }
                Some(format!(
                    "[result] {}",
                    if is_error { "error" } else { "success" }
                ))
            }
            _ => Some(line.to_string()),
        }
    }

    fn finish(self: Box<Self>, exit: ExitInfo) -> RunReport {
        self.ev.finish(&exit)
    }
}
