//! The repo's `.forge/forge.yaml` as the runner needs it, re-read at every iteration so edits
//! apply to the next run: the default prompt file and the ledger's git summary switches. A file
//! that does not parse is reported in the loop log, never silently taken as "all off".

use std::path::Path;

use forge_core::config::{ConfigFile, FileKind};

use super::Runner;

/// What the runner takes from the repo config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RepoSettings {
    /// The prompt file of loops without a prompt of their own (`default_prompt`, else
    /// `PROMPT.md`).
    pub(crate) default_prompt: Option<String>,
    pub(crate) git_status: bool,
    pub(crate) git_diff_stat: bool,
}

/// Reads the repo config; `Err` carries the message for the loop log.
pub(crate) fn read_repo_settings(repo: &Path) -> Result<RepoSettings, String> {
    let path = repo.join(".forge").join("forge.yaml");
    let text = match fs_err::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(RepoSettings::default()),
        Err(e) => return Err(e.to_string()),
    };
    let (file, _unknown) =
        ConfigFile::parse(&text, FileKind::Repo).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(RepoSettings {
        default_prompt: file.default_prompt.filter(|p| !p.trim().is_empty()),
        git_status: file.ledger.git_status.unwrap_or(false),
        git_diff_stat: file.ledger.git_diff_stat.unwrap_or(false),
    })
}

/// What identifies one version of the repo config file: its size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileStamp {
    len: u64,
    modified: std::time::SystemTime,
}

/// The stamp of `path`, when it can be trusted to tell versions apart: a file modified within
/// the last second may be rewritten within the same clock tick, so it is not cached.
fn stable_stamp(path: &Path) -> Option<FileStamp> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta.modified().ok()?;
    let settled = modified
        .elapsed()
        .is_ok_and(|age| age >= std::time::Duration::from_secs(1));
    settled.then_some(FileStamp {
        len: meta.len(),
        modified,
    })
}

impl Runner<'_> {
    /// The repo settings for this iteration (re-read only when the file changed); an unreadable
    /// file is logged and ignored.
    pub(super) fn repo_settings(&mut self, repo: &Path) -> RepoSettings {
        let path = repo.join(".forge").join("forge.yaml");
        let stamp = stable_stamp(&path);
        if let (Some(now), Some((then, settings))) = (stamp, &self.repo_cache)
            && now == *then
        {
            return settings.clone();
        }
        let settings = read_repo_settings(repo).unwrap_or_else(|e| {
            self.log.line(&format!(
                "repo config ignored this iteration (default_prompt and the ledger's git summary use their defaults): {e}"
            ));
            RepoSettings::default()
        });
        self.repo_cache = stamp.map(|s| (s, settings.clone()));
        settings
    }
}
