//! Where a runner keeps its files.

use std::path::{Path, PathBuf};

/// Resolved locations and database settings a runner (and the CLI's control code) needs.
#[derive(Debug, Clone)]
pub struct RunnerPaths {
    /// The data directory (`~/.local/share/forge` by default).
    pub data_dir: PathBuf,
    /// The SQLite database file.
    pub db_path: PathBuf,
    /// SQLite busy timeout.
    pub busy_timeout_ms: u64,
    /// The `--config` file to pass on to spawned runners.
    pub config_path: Option<PathBuf>,
}

impl RunnerPaths {
    /// The same locations for the hook dispatcher.
    pub fn hook_paths(&self) -> forge_hooks::HookPaths {
        forge_hooks::HookPaths {
            data_dir: self.data_dir.clone(),
            db_path: self.db_path.clone(),
            busy_timeout_ms: self.busy_timeout_ms,
            config_path: self.config_path.clone(),
        }
    }

    /// `<data_dir>/logs/loops/<slug>.log`.
    pub fn log_path(&self, slug: &str) -> PathBuf {
        self.data_dir
            .join("logs")
            .join("loops")
            .join(format!("{slug}.log"))
    }

    /// `<repo>/.forge/ledgers/<slug>.md`.
    pub fn ledger_path(repo: &Path, slug: &str) -> PathBuf {
        repo.join(".forge")
            .join("ledgers")
            .join(format!("{slug}.md"))
    }

    /// `<data_dir>/run`, home of runner locks and wake-up FIFOs.
    pub fn run_dir(&self) -> PathBuf {
        self.data_dir.join("run")
    }

    /// The runner lock of a loop.
    pub fn lock_path(&self, loop_id: &str) -> PathBuf {
        self.run_dir().join(format!("{loop_id}.lock"))
    }

    /// The wake-up FIFO of a loop.
    pub fn wake_path(&self, loop_id: &str) -> PathBuf {
        self.run_dir().join(format!("{loop_id}.wake"))
    }

    /// `<data_dir>/prompts/<loop_id>/run-<run_id>.md`.
    pub fn prompt_file(&self, loop_id: &str, run_id: &str) -> PathBuf {
        self.data_dir
            .join("prompts")
            .join(loop_id)
            .join(format!("run-{run_id}.md"))
    }
}
