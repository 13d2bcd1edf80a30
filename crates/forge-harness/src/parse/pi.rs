//! pi `--mode json`.
//!
//! The first line is `{"type":"session", id, ...}`. Every assistant message ends with a
//! `message_end` whose message has `usage {input, output, cacheRead, cacheWrite, cost
//! {total}}`, `model`, `stopReason` (`stop`, `toolUse`, `length`, `error`, `aborted`) and, on
//! failure, `errorMessage`; usage is summed over those (the same message repeated in
//! `turn_end` is not counted twice). `auto_retry_start`/`auto_retry_end` report pi's own retries
//! of transient and 429 errors. `message_update` events repeat the whole partial message and
//! are skipped without parsing.

use serde_json::Value;

use super::common::{
    Evidence, args_line, content_text, error_message, f, json_object, n, one_line, s,
};
use super::{ExitInfo, Parser, RunReport};

/// Parser for `pi --mode json`.
#[derive(Debug)]
pub(crate) struct PiParser {
    ev: Evidence,
}

impl Default for PiParser {
    fn default() -> Self {
        PiParser {
            ev: Evidence::new("pi"),
        }
    }
}

impl PiParser {
    fn assistant_end(&mut self, message: &Value) -> Option<String> {
        if let Some(usage) = message.get("usage") {
            let total = &mut self.ev.usage;
            total.input_tokens += n(usage, "input");
            total.output_tokens += n(usage, "output");
            total.cache_read_tokens += n(usage, "cacheRead");
            total.cache_write_tokens += n(usage, "cacheWrite");
            let cost = usage.get("cost").and_then(|c| f(c, "total"));
            self.ev.add_cost(cost);
        }
        self.ev.add_turn();
        self.ev.set_model(s(message, "model"));
        let mut lines = Vec::new();
        let mut text = String::new();
        for block in message
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match s(block, "type") {
                Some("text") => text.push_str(s(block, "text").unwrap_or("")),
                Some("toolCall") => lines.push(format!(
                    "tool: {} {}",
                    s(block, "name").unwrap_or("?"),
                    args_line(block.get("arguments"))
                )),
                _ => {}
            }
        }
        if !text.trim().is_empty() {
            lines.insert(0, format!("assistant: {}", one_line(&text)));
            self.ev.final_text = Some(text);
        }
        match s(message, "stopReason") {
            Some("error") | Some("aborted") => {
                let reason = s(message, "stopReason").unwrap_or("error");
                let error = s(message, "errorMessage").unwrap_or(reason).to_string();
                lines.push(format!("[{reason}] {}", one_line(&error)));
                self.ev.error(error);
                self.ev.verdict = Some(false);
            }
            Some(_) => self.ev.verdict = Some(true),
            None => {}
        }
        (!lines.is_empty()).then(|| lines.join("\n"))
    }
}

impl Parser for PiParser {
    fn feed_line(&mut self, line: &str) -> Option<String> {
        let head = line.trim_start();
        if head.starts_with(r#"{"type":"message_update""#)
            || head.starts_with(r#"{"type":"tool_execution_update""#)
        {
            return None;
        }
        let Some(event) = json_object(line) else {
            return self.ev.stray(line);
        };
        match s(&event, "type") {
            Some("session") => {
                self.ev.set_session(s(&event, "id"));
                Some(format!("[session] {}", s(&event, "id").unwrap_or("?")))
            }
            Some("message_end") => {
                let message = event.get("message")?;
                (s(message, "role") == Some("assistant"))
                    .then(|| self.assistant_end(message))
                    .flatten()
            }
            Some("tool_execution_start") => None,
            Some("tool_execution_end") => {
                let result = event.get("result").cloned().unwrap_or(Value::Null);
                let text = match result.get("content") {
                    Some(content) => content_text(Some(content)),
                    None => content_text(Some(&result)),
                };
                let label = if event.get("isError").and_then(Value::as_bool) == Some(true) {
                    "result (error)"
                } else {
                    "result"
                };
                Some(format!("{label}: {}", one_line(&text)))
            }
            Some("auto_retry_start") => {
                let message = s(&event, "errorMessage").unwrap_or("").to_string();
                self.ev.error(message.clone());
                Some(format!(
                    "[retry] attempt {}/{} in {}ms: {}",
                    n(&event, "attempt"),
                    n(&event, "maxAttempts"),
                    n(&event, "delayMs"),
                    one_line(&message)
                ))
            }
            Some("auto_retry_end") => {
                let ok = event.get("success").and_then(Value::as_bool) == Some(true);
                if let (false, Some(error)) = (ok, s(&event, "finalError")) {
                    self.ev.error(error.to_string());
                }
                Some(format!(
                    "[retry] {}",
                    if ok { "succeeded" } else { "gave up" }
                ))
            }
            Some("error") => {
                let message = error_message(Some(&event)).unwrap_or_else(|| line.to_string());
                self.ev.error(message.clone());
                Some(format!("[error] {}", one_line(&message)))
            }
            Some(
                "agent_start" | "agent_end" | "turn_start" | "turn_end" | "message_start"
                | "queue_update" | "compaction_start" | "compaction_end",
            ) => None,
            _ => Some(line.to_string()),
        }
    }

    fn finish(self: Box<Self>, exit: ExitInfo) -> RunReport {
        self.ev.finish(&exit)
    }
}
