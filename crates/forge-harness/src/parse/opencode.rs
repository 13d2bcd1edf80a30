//! OpenCode `run --format json`.
//!
//! Every event carries `sessionID`. `text` parts are assistant text, `tool_use` parts carry
//! the tool, its input and (once done) output; each `step_finish` carries that step's
//! `cost` and `tokens {input, output, reasoning, cache {read, write}}`, summed here. A finish
//! `reason` other than `tool-calls` ends the run. `error` events carry `{name, data{message}}`.
//! The stream does not name the model.

use serde_json::Value;

use super::common::{Evidence, args_line, error_message, f, json_object, n, one_line, s};
use super::{ExitInfo, Parser, RunReport};

/// Parser for `opencode run --format json`.
#[derive(Debug)]
pub(crate) struct OpenCodeParser {
    ev: Evidence,
}

impl Default for OpenCodeParser {
    fn default() -> Self {
        OpenCodeParser {
            ev: Evidence::new("opencode"),
        }
    }
}

impl Parser for OpenCodeParser {
    fn feed_line(&mut self, line: &str) -> Option<String> {
        let Some(event) = json_object(line) else {
            return self.ev.stray(line);
        };
        self.ev.set_session(s(&event, "sessionID"));
        let part = event.get("part").cloned().unwrap_or(Value::Null);
        match s(&event, "type") {
            Some("step_start") => None,
            Some("text") => {
                let text = s(&part, "text").unwrap_or("");
                if text.trim().is_empty() {
                    return None;
                }
                self.ev.final_text = Some(text.to_string());
                Some(format!("assistant: {}", one_line(text)))
            }
            Some("reasoning") => {
                let text = s(&part, "text").unwrap_or("");
                (!text.trim().is_empty()).then(|| format!("thinking: {}", one_line(text)))
            }
            Some("tool_use") => {
                let state = part.get("state").cloned().unwrap_or(Value::Null);
                let tool = s(&part, "tool").unwrap_or("?");
                let mut line = format!("tool: {tool} {}", args_line(state.get("input")));
                match s(&state, "status") {
                    Some("completed") => {
                        line.push_str(&format!(
                            "\nresult: {}",
                            one_line(s(&state, "output").unwrap_or(""))
                        ));
                    }
                    Some("error") => {
                        let message = error_message(state.get("error")).unwrap_or_default();
                        line.push_str(&format!("\nresult (error): {}", one_line(&message)));
                    }
                    _ => {}
                }
                Some(line)
            }
            Some("step_finish") => {
                let tokens = part.get("tokens").cloned().unwrap_or(Value::Null);
                let cache = tokens.get("cache").cloned().unwrap_or(Value::Null);
                let usage = &mut self.ev.usage;
                usage.input_tokens += n(&tokens, "input");
                usage.output_tokens += n(&tokens, "output") + n(&tokens, "reasoning");
                usage.cache_read_tokens += n(&cache, "read");
                usage.cache_write_tokens += n(&cache, "write");
                self.ev.add_cost(f(&part, "cost"));
                self.ev.add_turn();
                let reason = s(&part, "reason").unwrap_or("");
                if reason != "tool-calls" {
                    self.ev.verdict = Some(reason != "error");
                }
                None
            }
            Some("error") => {
                let message = error_message(event.get("error"))
                    .or_else(|| error_message(Some(&event)))
                    .unwrap_or_else(|| "opencode reported an error".to_string());
                let name = event.get("error").and_then(|e| s(e, "name")).unwrap_or("");
                self.ev
                    .error(format!("{name} {message}").trim().to_string());
                self.ev.verdict = Some(false);
                Some(format!("[error] {}", one_line(&message)))
            }
            _ => Some(line.to_string()),
        }
    }

    fn finish(self: Box<Self>, exit: ExitInfo) -> RunReport {
        self.ev.finish(&exit)
    }
}
