//! Writing the loop ledger (`<repo>/.forge/ledgers/<slug>.md`).

use std::io::Write;
use std::path::Path;

use forge_core::ledger::{LedgerEntry, LedgerHeader, render_entry, render_header};
use forge_core::model::Loop;
use forge_core::time::now_rfc3339;

use crate::RunnerError;

/// Creates the ledger with its header unless it exists.
pub(crate) fn ensure_header(path: &Path, l: &Loop) -> Result<(), RunnerError> {
    if path.exists() {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent).map_err(|e| RunnerError::io(parent, e))?;
    }
    let header = render_header(&LedgerHeader {
        loop_id: &l.id,
        loop_name: &l.name,
        repo_path: &l.repo_path,
        created_at: &now_rfc3339(),
    });
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| RunnerError::io(path, e))?;
    file.write_all(header.as_bytes())
        .map_err(|e| RunnerError::io(path, e))
}

/// Appends one entry.
pub(crate) fn append(path: &Path, entry: &LedgerEntry) -> Result<(), RunnerError> {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| RunnerError::io(path, e))?;
    file.write_all(render_entry(entry).as_bytes())
        .map_err(|e| RunnerError::io(path, e))
}

/// The last `n` lines of a text file (empty when unreadable).
pub(crate) fn file_tail(path: &Path, n: usize) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(64 * 1024);
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(start)).is_err() || file.read_to_end(&mut bytes).is_err() {
        return String::new();
    }
    forge_core::tail::last_lines(&String::from_utf8_lossy(&bytes), n)
}
