//! Runner errors.

use std::path::Path;

use forge_store::StoreError;

/// Errors from running or controlling loops; messages name the loop, path or profile involved.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// A filesystem operation failed.
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A database operation failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another runner holds the loop.
    #[error(
        "loop {0} already has a running runner (one runner per loop); stop it first with `forge stop`"
    )]
    AlreadyRunning(String),
    /// The runner lock could not be taken or passed on.
    #[error("runner lock: {0}")]
    Lock(String),
    /// A process could not be started.
    #[error("{0}")]
    Spawn(String),
    /// A prompt reference names no file.
    #[error("{0}")]
    PromptNotFound(String),
    /// A prompt could not be used (empty reference, unreadable file).
    #[error("{0}")]
    Prompt(String),
    /// The database file disappeared under a running runner.
    #[error("database {0} was removed while the runner ran")]
    DatabaseGone(String),
    /// Anything else the runner gives up on.
    #[error("{0}")]
    Other(String),
}

impl RunnerError {
    /// Wraps an I/O error with the path involved.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        RunnerError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
