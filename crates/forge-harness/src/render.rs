//! Human rendering of loop logs, shared by `forge logs` and the dashboard: structured harness
//! output (JSON event streams) is shown as one short line per event by the harness's parser;
//! control lines and plain output pass through. `forge logs --raw` shows the stream as written.

use std::collections::HashMap;

use crate::parse::{Parser, parser_for};

/// Renders the lines of one loop's log.
pub struct LogRenderer {
    /// Harness of each profile, by profile name (from the database).
    harness_of: HashMap<String, String>,
    parser: Option<Box<dyn Parser>>,
}

/// Whether the harness writes a structured event stream that its parser renders.
pub fn structured(harness: &str) -> bool {
    matches!(
        crate::normalize_harness(harness),
        Some("claude" | "codex" | "opencode" | "pi" | "droid" | "gemini")
    )
}

/// The profile named by a `[time] run <id> start (profile=<name>)` control line.
fn started_profile(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('[')?.split_once("] run ")?.1;
    let (_, tail) = rest.split_once(" start (profile=")?;
    tail.strip_suffix(')')
}

/// Whether a log line is one of the runner's `[YYYY-MM-DDTHH:MM:SSZ] ...` control lines.
pub fn is_control(line: &str) -> bool {
    line.starts_with('[') && line.get(21..23) == Some("] ")
}

impl LogRenderer {
    /// A renderer; `current_harness` is the harness of the loop's latest run, used until the
    /// log shows which profile a run started with.
    pub fn new(harness_of: HashMap<String, String>, current_harness: Option<&str>) -> Self {
        let parser = current_harness.filter(|h| structured(h)).map(parser_for);
        Self { harness_of, parser }
    }

    /// The line to show for `line`, or None for bookkeeping events not worth showing.
    pub fn render(&mut self, line: &str) -> Option<String> {
        if is_control(line) {
            if let Some(profile) = started_profile(line) {
                self.parser = self
                    .harness_of
                    .get(profile)
                    .filter(|h| structured(h))
                    .map(|h| parser_for(h));
            }
            return Some(line.to_string());
        }
        match self.parser.as_mut() {
            Some(parser) if line.trim_start().starts_with('{') => parser.feed_line(line),
            _ => Some(line.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_structured_runs_and_passes_the_rest_through() {
        let harness_of: HashMap<String, String> = [
            ("cc".to_string(), "claude".to_string()),
            ("sh".to_string(), "command".to_string()),
        ]
        .into();
        let mut r = LogRenderer::new(harness_of, None);
        assert_eq!(
            r.render("{\"type\":\"x\"}").as_deref(),
            Some("{\"type\":\"x\"}"),
            "no run seen yet"
        );
        assert_eq!(
            r.render("[2026-01-01T00:00:00Z] run 1 start (profile=cc)")
                .as_deref(),
            Some("[2026-01-01T00:00:00Z] run 1 start (profile=cc)")
        );
        let rendered = r
            .render(r#"{"type":"assistant","message":{"content":[{"type":"text","text":"Editing hello.txt"}]},"session_id":"s"}"#)
            .unwrap_or_default();
        assert!(
            rendered.contains("Editing hello.txt") && !rendered.contains("\"type\""),
            "{rendered}"
        );
        assert_eq!(r.render("plain text").as_deref(), Some("plain text"));
        r.render("[2026-01-01T00:00:01Z] run 2 start (profile=sh)");
        assert_eq!(r.render("{\"a\":1}").as_deref(), Some("{\"a\":1}"));
    }
}
