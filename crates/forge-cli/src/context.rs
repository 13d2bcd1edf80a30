//! What every command gets: resolved settings, the printer and the global switches, plus the
//! few helpers that touch the outside world the same way for all commands (opening the store,
//! runner paths, confirmations).

use std::io::{BufRead, IsTerminal};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use forge_runner::RunnerPaths;
use forge_store::Store;

use crate::error::CliError;
use crate::printer::Printer;
use crate::settings::Settings;

/// Global switches that are not settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct Switches {
    pub(crate) yes: bool,
    pub(crate) non_interactive: bool,
    /// `-C` was given (it then also filters `ps` by repo).
    pub(crate) chdir_given: bool,
}

/// The command context.
pub(crate) struct Ctx {
    pub(crate) settings: Settings,
    pub(crate) printer: Printer,
    pub(crate) switches: Switches,
}

/// Creates `dir` (and parents) if missing; the directory itself gets mode 0700.
pub(crate) fn ensure_private_dir(dir: &Path) -> Result<(), CliError> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        fs_err::create_dir_all(parent)
            .map_err(|e| CliError::failed(format!("unable to create {}: {e}", parent.display())))?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(CliError::failed(format!(
            "unable to create data dir {}: {e}",
            dir.display()
        ))),
    }
}

impl Ctx {
    /// The working directory.
    pub(crate) fn cwd(&self) -> &Path {
        &self.settings.cwd
    }

    /// The repository of the working directory (see `settings::repo_root`): new loops, `.forge/`
    /// and prompts belong to it.
    pub(crate) fn repo(&self) -> &Path {
        &self.settings.repo_root
    }

    /// Tells the user (on stderr) when a command acts on the repository root rather than the
    /// subdirectory it was run in.
    pub(crate) fn note_repo_root(&self) {
        if self.repo() != self.cwd() && !self.printer.is_json() {
            self.printer.note(&format!(
                "using the repository root {} (run from {})",
                self.repo().display(),
                self.cwd().display()
            ));
        }
    }

    /// Opens the database, creating the data dir (0700) first.
    pub(crate) fn open_store(&self) -> Result<Store, CliError> {
        ensure_private_dir(&self.settings.data_dir.value)?;
        let started = std::time::Instant::now();
        let path = &self.settings.db_path.value;
        let store = Store::open(path, self.settings.busy_timeout_ms.value)?;
        tracing::debug!(
            path = %path.display(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
            "opened database"
        );
        Ok(store)
    }

    /// Paths and settings the runner crate needs.
    pub(crate) fn runner_paths(&self) -> RunnerPaths {
        RunnerPaths {
            data_dir: self.settings.data_dir.value.clone(),
            db_path: self.settings.db_path.value.clone(),
            busy_timeout_ms: self.settings.busy_timeout_ms.value,
            config_path: self
                .settings
                .config_file
                .clone()
                .or_else(|| self.settings.config_flag.clone()),
        }
    }

    /// Whether asking the user is allowed: stdin is a terminal, no `--yes`,
    /// `--non-interactive`/`FORGE_NON_INTERACTIVE`, nor JSON output.
    pub(crate) fn may_prompt(&self) -> bool {
        !self.switches.yes
            && !self.switches.non_interactive
            && !self.printer.is_json()
            && std::io::stdin().is_terminal()
    }

    /// Asks `This action cannot be undone. Continue? [y/N]:` when prompting is allowed; a
    /// refusal is an error.
    pub(crate) fn confirm_destructive(&self) -> Result<(), CliError> {
        if !self.may_prompt() {
            return Ok(());
        }
        self.printer
            .prompt("This action cannot be undone. Continue? [y/N]: ");
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        match answer.trim().to_lowercase().as_str() {
            "y" | "yes" => Ok(()),
            _ => Err(CliError::other("aborted; nothing was changed")),
        }
    }

    /// Makes a user-given path absolute against the working directory (and canonical when it
    /// exists), the form loops store their repo in.
    pub(crate) fn absolute(&self, path: &Path) -> PathBuf {
        let joined = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd().join(path)
        };
        fs_err::canonicalize(&joined).unwrap_or(joined)
    }
}
