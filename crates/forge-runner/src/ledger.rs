//! Writing the loop ledger (`<repo>/.forge/ledgers/<slug>.md`) and its optional git summary.

use std::io::Write;
use std::path::Path;

use forge_core::ledger::{LedgerEntry, LedgerHeader, render_entry, render_header};
use forge_core::model::Loop;
use forge_core::time::now_rfc3339;
use serde::Deserialize;

use crate::RunnerError;
use crate::spawn::capture_output;

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

#[derive(Debug, Default, Deserialize)]
struct RepoConfig {
    #[serde(default)]
    ledger: LedgerConfig,
}

#[derive(Debug, Default, Deserialize)]
struct LedgerConfig {
    #[serde(default)]
    git_status: bool,
    #[serde(default)]
    git_diff_stat: bool,
}

/// `git status --porcelain` and `git diff --stat` as enabled in `.forge/forge.yaml` (each
/// `None` when disabled, or when the repo is not a git work tree).
pub(crate) fn git_summary(repo: &Path) -> (Option<String>, Option<String>) {
    let config: RepoConfig = fs_err::read_to_string(repo.join(".forge").join("forge.yaml"))
        .ok()
        .and_then(|text| serde_saphyr::from_str(&text).ok())
        .unwrap_or_default();
    if !config.ledger.git_status && !config.ledger.git_diff_stat {
        return (None, None);
    }
    if capture_output("git", &["rev-parse", "--is-inside-work-tree"], repo).is_none() {
        return (None, None);
    }
    let status = config
        .ledger
        .git_status
        .then(|| capture_output("git", &["status", "--porcelain"], repo).unwrap_or_default());
    let stat = config
        .ledger
        .git_diff_stat
        .then(|| capture_output("git", &["diff", "--stat"], repo).unwrap_or_default());
    (status, stat)
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
