//! Log layers (which lines a log view keeps) and line classes (how a kept line is coloured).

/// Which lines of a log are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layer {
    /// Every line, rendered as `forge logs` renders it.
    #[default]
    Raw,
    /// Control lines, JSON events and state words.
    Events,
    /// Errors, failures, panics and tracebacks.
    Errors,
    /// Tool calls and commands.
    Tools,
    /// Unified-diff lines.
    Diff,
}

impl Layer {
    pub const ALL: [Layer; 5] = [
        Layer::Raw,
        Layer::Events,
        Layer::Errors,
        Layer::Tools,
        Layer::Diff,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Layer::Raw => "raw",
            Layer::Events => "events",
            Layer::Errors => "errors",
            Layer::Tools => "tools",
            Layer::Diff => "diff",
        }
    }

    pub fn next(self) -> Layer {
        let i = Layer::ALL.iter().position(|l| *l == self).unwrap_or(0);
        Layer::ALL[(i + 1) % Layer::ALL.len()]
    }

    /// Whether `line` belongs to this layer.
    pub fn keeps(self, line: &str) -> bool {
        match self {
            Layer::Raw => true,
            Layer::Events => is_event(line),
            Layer::Errors => is_error(line),
            Layer::Tools => is_tool(line),
            Layer::Diff => is_diff(line),
        }
    }
}

/// How a line is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineClass {
    Control,
    Error,
    Tool,
    DiffAdd,
    DiffRemove,
    DiffMeta,
    Plain,
}

/// The class of one rendered line.
pub fn classify(line: &str) -> LineClass {
    if is_error(line) {
        LineClass::Error
    } else if line.starts_with("+++") || line.starts_with("---") || line.starts_with("@@") {
        LineClass::DiffMeta
    } else if line.starts_with('+') && !line.starts_with("++") {
        LineClass::DiffAdd
    } else if line.starts_with('-') && !line.starts_with("--") {
        LineClass::DiffRemove
    } else if forge_harness::render::is_control(line) {
        LineClass::Control
    } else if is_tool(line) {
        LineClass::Tool
    } else {
        LineClass::Plain
    }
}

fn contains_word(line: &str, words: &[&str]) -> bool {
    let lower = line.to_ascii_lowercase();
    words.iter().any(|w| lower.contains(w))
}

fn is_event(line: &str) -> bool {
    forge_harness::render::is_control(line)
        || line.contains("\"type\"")
        || contains_word(
            line,
            &[
                "started",
                "running",
                "stopped",
                "completed",
                "queued",
                "status",
            ],
        )
}

fn is_error(line: &str) -> bool {
    contains_word(
        line,
        &[
            "error",
            "failed",
            "panic",
            "fatal",
            "exception",
            "traceback",
        ],
    )
}

fn is_tool(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.starts_with("$ ")
        || trimmed.starts_with("tool:")
        || trimmed.starts_with("action:")
        || trimmed.starts_with("[tool")
        || trimmed.starts_with("→ ")
        || line.contains("exec")
        || line.contains("apply_patch")
        || line.contains("functions.")
}

fn is_diff(line: &str) -> bool {
    line.starts_with("diff --git")
        || line.starts_with("index ")
        || line.starts_with("+++")
        || line.starts_with("---")
        || line.starts_with("@@")
        || (line.starts_with('+') || line.starts_with('-')) && line.len() > 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_keep_their_lines() {
        assert!(Layer::Errors.keeps("Error: boom"));
        assert!(!Layer::Errors.keeps("all good"));
        assert!(Layer::Tools.keeps("$ cargo test"));
        assert!(Layer::Diff.keeps("@@ -1,2 +1,2 @@"));
        assert!(Layer::Events.keeps("[2026-01-01T00:00:00Z] run 1 start (profile=a)"));
        assert_eq!(Layer::Diff.next(), Layer::Raw);
        assert_eq!(classify("+added"), LineClass::DiffAdd);
        assert_eq!(
            classify("[2026-01-01T00:00:00Z] sleeping 30s"),
            LineClass::Control
        );
    }
}
