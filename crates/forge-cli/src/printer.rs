//! The one printer: every byte `forge` writes goes through here.
//!
//! Human text, pretty JSON (`--json`) or JSON Lines (`--jsonl`, arrays exploded one element per
//! line) on stdout; warnings and errors on stderr. A closed stdout (`forge ps | head -1`) turns
//! into [`CliError::broken_pipe`], which ends the command quietly with exit code 0.

use std::io::Write;

use serde::Serialize;
use serde_json::Value;

use crate::error::{CliError, ErrorKind};

/// How results are rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputMode {
    Human,
    Json,
    Jsonl,
}

/// Renders results, warnings and errors.
#[derive(Debug, Clone)]
pub(crate) struct Printer {
    mode: OutputMode,
    quiet: bool,
    color: bool,
}

fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(CliError::from)
}

fn write_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

impl Printer {
    pub(crate) fn new(mode: OutputMode, quiet: bool, color: bool) -> Self {
        Printer {
            mode,
            quiet,
            color: color && mode == OutputMode::Human,
        }
    }

    pub(crate) fn mode(&self) -> OutputMode {
        self.mode
    }

    /// Whether results are JSON (either flavour).
    pub(crate) fn is_json(&self) -> bool {
        self.mode != OutputMode::Human
    }

    pub(crate) fn quiet(&self) -> bool {
        self.quiet
    }

    /// Whether colour is on (human output to a terminal, no `--no-color`/`NO_COLOR`).
    pub(crate) fn color(&self) -> bool {
        self.color
    }

    /// Writes text as is to stdout.
    pub(crate) fn raw(&self, text: &str) -> Result<(), CliError> {
        write_stdout(text.as_bytes())
    }

    /// Writes bytes as is to stdout.
    pub(crate) fn raw_bytes(&self, bytes: &[u8]) -> Result<(), CliError> {
        write_stdout(bytes)
    }

    /// One line of human output (listings and reports: printed even with `--quiet`).
    pub(crate) fn line(&self, text: &str) -> Result<(), CliError> {
        let mut s = String::with_capacity(text.len() + 1);
        s.push_str(text);
        s.push('\n');
        write_stdout(s.as_bytes())
    }

    /// A success message of a mutating command (silenced by `--quiet`).
    pub(crate) fn success(&self, text: &str) -> Result<(), CliError> {
        if self.quiet { Ok(()) } else { self.line(text) }
    }

    /// A JSON result: pretty for `--json`, one compact line per element for `--jsonl`.
    pub(crate) fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), CliError> {
        let value = serde_json::to_value(value).map_err(|e| {
            CliError::with_kind(ErrorKind::Unknown, format!("could not encode JSON: {e}"))
        })?;
        write_stdout(render_json(&value, self.mode).as_bytes())
    }

    /// The result of a command in the current mode: `value` as JSON, else `human` as a success line.
    pub(crate) fn result<T: Serialize + ?Sized>(
        &self,
        value: &T,
        human: &str,
    ) -> Result<(), CliError> {
        if self.is_json() {
            self.json(value)
        } else {
            self.success(human)
        }
    }

    /// A warning on stderr (silenced by `--quiet`).
    pub(crate) fn warn(&self, text: &str) {
        if !self.quiet {
            write_stderr(&format!("warning: {text}\n"));
        }
    }

    /// An informational note on stderr (silenced by `--quiet`).
    pub(crate) fn note(&self, text: &str) {
        if !self.quiet {
            write_stderr(&format!("note: {text}\n"));
        }
    }

    /// A prompt on stderr (no newline).
    pub(crate) fn prompt(&self, text: &str) {
        write_stderr(text);
    }

    /// Renders a failed command: an envelope on stdout in JSON modes, else `Error:`/`Hint:` on
    /// stderr. A broken pipe renders nothing.
    pub(crate) fn error(&self, e: &CliError) {
        if matches!(e.kind, ErrorKind::BrokenPipe | ErrorKind::Reported) {
            return;
        }
        if self.is_json() {
            let _ = write_stdout(render_json(&e.envelope(), self.mode).as_bytes());
            return;
        }
        let mut text = format!("Error: {}\n", e.message);
        if let Some(hint) = &e.hint {
            text.push_str(&format!("Hint: {hint}\n"));
        }
        write_stderr(&text);
    }

    /// A usage error followed by the command's usage (fmail's layout): `Error: <msg>`, a blank
    /// line, the usage.
    pub(crate) fn usage_error(&self, e: &CliError, usage: &str) {
        write_stderr(&format!("Error: {}\n\n{usage}\n", e.message));
    }

    /// Paints `text` with an ANSI colour code when colour is on.
    pub(crate) fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Renders a JSON value for a mode (Human renders like `--json`).
pub(crate) fn render_json(value: &Value, mode: OutputMode) -> String {
    match mode {
        OutputMode::Jsonl => match value {
            Value::Array(items) => items.iter().map(|v| format!("{v}\n")).collect(),
            other => format!("{other}\n"),
        },
        _ => {
            let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}
