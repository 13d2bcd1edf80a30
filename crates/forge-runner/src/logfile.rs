//! The loop log: timestamped control lines plus raw harness output, appended.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use forge_core::time::now_rfc3339;

use crate::RunnerError;

/// An open loop log (mode 0600, append-only).
#[derive(Debug)]
pub(crate) struct LoopLog {
    file: File,
    /// False after raw output that did not end in a newline, so the next control line starts
    /// on a line of its own.
    at_line_start: bool,
}

impl LoopLog {
    pub(crate) fn open(path: &Path) -> Result<Self, RunnerError> {
        if let Some(parent) = path.parent() {
            create_private_dir(parent)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| RunnerError::io(path, e))?;
        Ok(Self {
            file,
            at_line_start: true,
        })
    }

    /// Writes `[<now>] <message>`.
    pub(crate) fn line(&mut self, message: &str) {
        let lead = if self.at_line_start { "" } else { "\n" };
        let _ = writeln!(self.file, "{lead}[{}] {message}", now_rfc3339());
        self.at_line_start = true;
    }

    /// Appends raw harness output.
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        if let Some(last) = bytes.last() {
            let _ = self.file.write_all(bytes);
            self.at_line_start = *last == b'\n';
        }
    }
}

/// Creates a directory (and parents); new directories get mode 0700.
pub(crate) fn create_private_dir(path: &Path) -> Result<(), RunnerError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|e| RunnerError::io(path, e))
}

use std::os::unix::fs::DirBuilderExt;
