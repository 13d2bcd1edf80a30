//! Codex CLI `exec --json`.
//!
//! `thread.started` names the session; `item.*` events carry agent messages, reasoning,
//! commands, file changes and tool calls; each `turn.completed` carries that turn's usage
//! (`input_tokens` includes `cached_input_tokens`; Forge stores the uncached part as input and
//! the cached part as cache reads; newer versions add `cache_write_input_tokens`); `turn.failed` and `error` carry failures. Codex reports no
//! cost and does not name the model in this stream.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::common::{Evidence, LimitSignal, args_line, error_message, json_object, n, one_line, s};
use super::raw::{one_line_raw, string_of};
use super::{ExitInfo, Parser, RunReport};

/// Parser for `codex exec --json`.
#[derive(Debug)]
pub(crate) struct CodexParser {
    ev: Evidence,
    /// The last agent message as a JSON string literal (unescaped at the end).
    final_raw: Option<String>,
}

impl Default for CodexParser {
    fn default() -> Self {
        CodexParser {
            ev: Evidence::new("codex"),
            final_raw: None,
        }
    }
}

/// `item.*` events borrowed from the line: command output and messages stay raw.
#[derive(Deserialize)]
struct FastEvent<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    item: FastItem<'a>,
}

#[derive(Deserialize)]
struct FastItem<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    text: Option<&'a RawValue>,
    #[serde(borrow, default)]
    command: Option<&'a RawValue>,
    #[serde(borrow, default)]
    aggregated_output: Option<&'a RawValue>,
    #[serde(default)]
    exit_code: Option<i64>,
    #[serde(borrow, default)]
    status: Option<Cow<'a, str>>,
}

impl CodexParser {
    /// Agent messages, reasoning and commands without building a JSON tree; `None` for
    /// anything else (the general path handles it).
    fn fast(&mut self, line: &str) -> Option<Option<String>> {
        if !line.starts_with(r#"{"type":"item."#) {
            return None;
        }
        let event: FastEvent<'_> = serde_json::from_str(line).ok()?;
        let item = &event.item;
        let completed = event.kind == "item.completed";
        let rendered = match (item.kind.as_ref(), completed) {
            ("agent_message", true) => {
                let text = item.text?;
                self.final_raw = Some(text.get().to_string());
                self.ev.final_text = None;
                Some(format!("assistant: {}", one_line_raw(text)))
            }
            ("agent_message", false) | ("reasoning", false) => None,
            ("reasoning", true) => {
                let line = item.text.map(one_line_raw).unwrap_or_default();
                (!line.is_empty()).then(|| format!("thinking: {line}"))
            }
            ("command_execution", true) => {
                let status = match item.exit_code {
                    Some(code) => format!("exit {code}"),
                    None => item.status.as_deref().unwrap_or("?").to_string(),
                };
                let output = item.aggregated_output.map(one_line_raw).unwrap_or_default();
                Some(format!("result ({status}): {output}"))
            }
            ("command_execution", false) => (event.kind == "item.started").then(|| {
                format!(
                    "tool: shell {}",
                    item.command.map(one_line_raw).unwrap_or_default()
                )
            }),
            _ => return None,
        };
        Some(rendered)
    }

    fn item(&mut self, kind: &str, event: &Value) -> Option<String> {
        let item = event.get("item")?;
        let completed = kind == "item.completed";
        match s(item, "type").or_else(|| s(item, "item_type")) {
            Some("agent_message") if completed => {
                let text = s(item, "text").unwrap_or("");
                self.ev.final_text = Some(text.to_string());
                self.final_raw = None;
                Some(format!("assistant: {}", one_line(text)))
            }
            Some("reasoning") if completed => {
                let text = s(item, "text").unwrap_or("");
                (!text.trim().is_empty()).then(|| format!("thinking: {}", one_line(text)))
            }
            Some("command_execution") => {
                let command = s(item, "command").unwrap_or("?");
                if completed {
                    let output = s(item, "aggregated_output").unwrap_or("");
                    let code = item.get("exit_code").and_then(Value::as_i64);
                    let status = code.map_or_else(
                        || s(item, "status").unwrap_or("?").to_string(),
                        |c| format!("exit {c}"),
                    );
                    Some(format!("result ({status}): {}", one_line(output)))
                } else if kind == "item.started" {
                    Some(format!("tool: shell {}", one_line(command)))
                } else {
                    None
                }
            }
            Some("file_change") if completed => {
                let changes: Vec<String> = item
                    .get("changes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|c| {
                        format!(
                            "{} {}",
                            s(c, "kind").unwrap_or("update"),
                            s(c, "path").unwrap_or("?")
                        )
                    })
                    .collect();
                Some(format!("edit: {}", changes.join(", ")))
            }
            Some("mcp_tool_call") if kind == "item.started" => Some(format!(
                "tool: {}.{} {}",
                s(item, "server").unwrap_or("?"),
                s(item, "tool").unwrap_or("?"),
                args_line(item.get("arguments"))
            )),
            Some("web_search") if completed => Some(format!(
                "tool: web_search {}",
                s(item, "query").unwrap_or("")
            )),
            Some("error") if completed => Some(format!(
                "[warning] {}",
                one_line(s(item, "message").unwrap_or(""))
            )),
            _ => None,
        }
    }

    fn failure(&mut self, event: &Value, label: &str) -> Option<String> {
        let message = error_message(event.get("error"))
            .or_else(|| error_message(event.get("message")))
            .unwrap_or_else(|| label.to_string());
        // `usage_limit_reached` may arrive as structured JSON inside the message.
        if message.contains("usage_limit_reached")
            || event.to_string().contains("usage_limit_reached")
        {
            let raw = event.to_string();
            let inner = serde_json::from_str::<Value>(&message).ok();
            let field = |key: &str| {
                inner
                    .as_ref()
                    .and_then(|v| v.get("error").unwrap_or(v).get(key))
                    .and_then(Value::as_i64)
            };
            self.ev.limit = Some(LimitSignal {
                resets_at: field("resets_at").and_then(super::reset::timestamp_from_epoch),
                resets_in_seconds: field("resets_in_seconds"),
                window: None,
                text: Some(format!("{message} {raw}")),
            });
        }
        self.ev.error(message.clone());
        Some(format!("[{label}] {}", one_line(&message)))
    }
}

impl Parser for CodexParser {
    fn feed_line(&mut self, line: &str) -> Option<String> {
        if let Some(rendered) = self.fast(line.trim()) {
            return rendered;
        }
        let Some(event) = json_object(line) else {
            return self.ev.stray(line);
        };
        let kind = s(&event, "type").unwrap_or("").to_string();
        match kind.as_str() {
            "thread.started" => {
                self.ev.set_session(s(&event, "thread_id"));
                Some(format!(
                    "[thread] {}",
                    s(&event, "thread_id").unwrap_or("?")
                ))
            }
            "turn.started" => None,
            "turn.completed" => {
                let usage = event.get("usage").cloned().unwrap_or(Value::Null);
                let input = n(&usage, "input_tokens");
                let cached = n(&usage, "cached_input_tokens");
                let output = n(&usage, "output_tokens");
                let total = &mut self.ev.usage;
                total.input_tokens += input.saturating_sub(cached);
                total.cache_read_tokens += cached;
                total.cache_write_tokens += n(&usage, "cache_write_input_tokens");
                total.output_tokens += output;
                self.ev.add_turn();
                self.ev.verdict = Some(true);
                Some(format!(
                    "[turn] completed · {input} in ({cached} cached) / {output} out tokens"
                ))
            }
            "turn.failed" => {
                self.ev.verdict = Some(false);
                self.failure(&event, "turn failed")
            }
            "error" => self.failure(&event, "error"),
            k if k.starts_with("item.") => self.item(k, &event),
            _ => Some(line.to_string()),
        }
    }

    fn finish(mut self: Box<Self>, exit: ExitInfo) -> RunReport {
        if let Some(raw) = self.final_raw.take() {
            self.ev.final_text = RawValue::from_string(raw).ok().and_then(|r| string_of(&r));
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
            include_str!("../../tests/fixtures/codex/success.jsonl"),
            include_str!("../../tests/fixtures/codex/recorded_tool_edit.jsonl"),
        ];
        let mut compared = 0;
        for line in fixtures.iter().flat_map(|f| f.lines()) {
            let Some(value) = json_object(line) else {
                continue;
            };
            let mut fast = CodexParser::default();
            let Some(rendered) = fast.fast(line) else {
                continue;
            };
            let kind = s(&value, "type").unwrap_or("").to_string();
            let mut general = CodexParser::default();
            assert_eq!(rendered, general.item(&kind, &value), "{line}");
            let fast_final = fast
                .final_raw
                .as_deref()
                .and_then(|r| serde_json::from_str::<String>(r).ok());
            assert_eq!(fast_final, general.ev.final_text);
            compared += 1;
        }
        assert!(compared >= 5, "only {compared} lines compared");
    }
}
