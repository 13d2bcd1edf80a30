//! All fmail output goes through here: stdout writes are flushed per call (so `watch` streams),
//! and a closed pipe (`fmail log | head -1`) ends the command quietly.

use std::io::Write;

use super::error::CommandError;

/// Writes to stdout and stderr.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Printer;

impl Printer {
    /// Writes `text` to stdout as is and flushes.
    pub(crate) fn raw(self, text: &str) -> Result<(), CommandError> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    }

    /// Writes `text` and a newline to stdout and flushes.
    pub(crate) fn line(self, text: &str) -> Result<(), CommandError> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }

    /// Writes `text` and a newline to stderr; failures are ignored (there is nowhere left to report).
    pub(crate) fn error_line(self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.write_all(b"\n");
        let _ = err.flush();
    }

    /// A `Warning: ...` line on stderr.
    pub(crate) fn warn(self, text: &str) {
        self.error_line(&format!("Warning: {text}"));
    }
}
