//! Gemini CLI `--output-format stream-json`.
//!
//! Events: `init {session_id, model}`, `message {role, content, delta}` (assistant text
//! arrives in chunks), `tool_use {tool_name, parameters}`, `tool_result {status, output,
//! error}`, `error {severity, message}` and a final `result {status, error?, stats}` whose
//! `stats` has `input_tokens`, `output_tokens`, `cached`, `input` (uncached), `duration_ms`.
//! Streamed assistant chunks are joined and shown as one line before the next event.

use serde_json::Value;

use super::common::{Evidence, args_line, error_message, json_object, n, one_line, s};
use super::{ExitInfo, Parser, RunReport};

/// Parser for Gemini CLI's stream-json output.
#[derive(Debug)]
pub(crate) struct GeminiParser {
    ev: Evidence,
    /// Assistant text of the current message, built from chunks.
    pending: String,
}

impl Default for GeminiParser {
    fn default() -> Self {
        GeminiParser {
            ev: Evidence::new("gemini"),
            pending: String::new(),
        }
    }
}

impl GeminiParser {
    /// Ends the current assistant message: the line to show for it, if any.
    fn flush(&mut self) -> Option<String> {
        if self.pending.trim().is_empty() {
            self.pending.clear();
            return None;
        }
        let text = std::mem::take(&mut self.pending);
        let line = format!("assistant: {}", one_line(&text));
        self.ev.final_text = Some(text);
        Some(line)
    }

    fn event(&mut self, event: &Value, line: &str) -> Option<String> {
        match s(event, "type") {
            Some("init") => {
                self.ev.set_session(s(event, "session_id"));
                self.ev.set_model(s(event, "model"));
                Some(format!("[init] model {}", s(event, "model").unwrap_or("?")))
            }
            Some("tool_use") => Some(format!(
                "tool: {} {}",
                s(event, "tool_name").unwrap_or("?"),
                args_line(event.get("parameters"))
            )),
            Some("tool_result") => {
                if s(event, "status") == Some("error") {
                    let message = error_message(event.get("error")).unwrap_or_default();
                    Some(format!("result (error): {}", one_line(&message)))
                } else {
                    Some(format!(
                        "result: {}",
                        one_line(s(event, "output").unwrap_or(""))
                    ))
                }
            }
            Some("error") => {
                let message = error_message(Some(event)).unwrap_or_else(|| line.to_string());
                let severity = s(event, "severity").unwrap_or("error");
                if severity != "warning" {
                    self.ev.error(message.clone());
                }
                Some(format!("[{severity}] {}", one_line(&message)))
            }
            Some("result") => {
                let stats = event.get("stats").cloned().unwrap_or(Value::Null);
                let input = n(&stats, "input_tokens");
                let cached = n(&stats, "cached");
                let usage = &mut self.ev.usage;
                usage.input_tokens = if stats.get("input").is_some() {
                    n(&stats, "input")
                } else {
                    input.saturating_sub(cached)
                };
                usage.output_tokens = n(&stats, "output_tokens");
                usage.cache_read_tokens = cached;
                if let Some(ms) = stats.get("duration_ms").and_then(Value::as_u64) {
                    usage.duration_ms = Some(ms);
                }
                let ok = s(event, "status").is_none_or(|st| st == "success");
                if !ok {
                    let message = error_message(event.get("error"))
                        .unwrap_or_else(|| "gemini reported an error".into());
                    self.ev.error(message);
                }
                self.ev.verdict = Some(ok);
                Some(format!(
                    "[result] {}",
                    s(event, "status").unwrap_or("success")
                ))
            }
            _ => Some(line.to_string()),
        }
    }
}

impl Parser for GeminiParser {
    fn feed_line(&mut self, line: &str) -> Option<String> {
        let Some(event) = json_object(line) else {
            let before = self.flush();
            let stray = self.ev.stray(line);
            return join(before, stray);
        };
        if s(&event, "type") == Some("message") {
            if s(&event, "role") == Some("assistant") {
                let chunk = s(&event, "content").unwrap_or("");
                if event.get("delta").and_then(Value::as_bool) == Some(true) {
                    self.pending.push_str(chunk);
                    return None;
                }
                let before = self.flush();
                self.pending.push_str(chunk);
                return join(before, self.flush());
            }
            return self.flush();
        }
        let before = self.flush();
        let this = self.event(&event, line);
        join(before, this)
    }

    fn finish(mut self: Box<Self>, exit: ExitInfo) -> RunReport {
        self.flush();
        self.ev.finish(&exit)
    }
}

fn join(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
        (a, b) => a.or(b),
    }
}
