//! The one error type at the CLI edge of `forge` and `fmail`: a kind (the JSON envelope's code),
//! a message, an optional hint, an exit code and the library error it came from. The kind is
//! chosen where the error is made — by the constructor, or from the library error's variant —
//! never guessed from the message text.

use std::sync::Arc;

use forge_core::loopref::LoopRefError;
use forge_mail::MailError;
use forge_runner::RunnerError;
use forge_store::StoreError;
use serde_json::{Value, json};

/// Error codes of the JSON error envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    NotFound,
    Ambiguous,
    Exists,
    InvalidFlag,
    Invalid,
    /// The command cannot run in this environment (no terminal for the dashboard, ...).
    Preflight,
    OperationFailed,
    Unknown,
    /// The reader of our output went away: exit 0 without a word.
    BrokenPipe,
    /// The command already reported the failure (e.g. `profile doctor`); only the exit code remains.
    Reported,
}

impl ErrorKind {
    pub(crate) fn code(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "ERR_NOT_FOUND",
            ErrorKind::Ambiguous => "ERR_AMBIGUOUS",
            ErrorKind::Exists => "ERR_EXISTS",
            ErrorKind::InvalidFlag => "ERR_INVALID_FLAG",
            ErrorKind::Invalid => "ERR_INVALID",
            ErrorKind::Preflight => "ERR_PREFLIGHT",
            ErrorKind::OperationFailed => "ERR_OPERATION_FAILED",
            ErrorKind::Unknown | ErrorKind::BrokenPipe | ErrorKind::Reported => "ERR_UNKNOWN",
        }
    }
}

/// A failed command.
#[derive(Debug, Clone)]
pub(crate) struct CliError {
    pub(crate) kind: ErrorKind,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
    pub(crate) exit: u8,
    /// The library error this one wraps, for operator logs.
    pub(crate) source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl CliError {
    /// An error of `kind` (exit code 1).
    pub(crate) fn with_kind(kind: ErrorKind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            hint: None,
            exit: 1,
            source: None,
        }
    }

    /// Something named does not exist (`ERR_NOT_FOUND`).
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::with_kind(ErrorKind::NotFound, message)
    }

    /// Something of that name exists already (`ERR_EXISTS`).
    pub(crate) fn exists(message: impl Into<String>) -> Self {
        Self::with_kind(ErrorKind::Exists, message)
    }

    /// Invalid input (`ERR_INVALID`).
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::with_kind(ErrorKind::Invalid, message)
    }

    /// An operation on the system failed: a file, a process, a lock (`ERR_OPERATION_FAILED`).
    pub(crate) fn failed(message: impl Into<String>) -> Self {
        Self::with_kind(ErrorKind::OperationFailed, message)
    }

    /// The command cannot run here (`ERR_PREFLIGHT`).
    pub(crate) fn preflight(message: impl Into<String>) -> Self {
        Self::with_kind(ErrorKind::Preflight, message)
    }

    /// Anything else (`ERR_UNKNOWN`), as the reference reports, e.g., `no loops matched`.
    pub(crate) fn other(message: impl Into<String>) -> Self {
        Self::with_kind(ErrorKind::Unknown, message)
    }

    /// A usage error: exit code 2.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        CliError {
            exit: 2,
            ..Self::with_kind(ErrorKind::InvalidFlag, message)
        }
    }

    /// The output pipe closed.
    pub(crate) fn broken_pipe() -> Self {
        CliError {
            exit: 0,
            ..Self::with_kind(ErrorKind::BrokenPipe, "broken pipe")
        }
    }

    /// A failure the command has already shown; exit 1 with nothing more printed.
    pub(crate) fn reported() -> Self {
        Self::with_kind(ErrorKind::Reported, "failed")
    }

    /// Adds the next step for the user.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Keeps the library error this one came from.
    pub(crate) fn source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// The JSON error envelope.
    pub(crate) fn envelope(&self) -> Value {
        let mut error = json!({ "code": self.kind.code(), "message": self.message });
        if let (Some(hint), Some(obj)) = (&self.hint, error.as_object_mut()) {
            obj.insert("hint".into(), Value::String(hint.clone()));
        }
        json!({ "error": error })
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        let (kind, hint) = match &e {
            StoreError::NotFound {
                what: "profile", ..
            } => (
                ErrorKind::NotFound,
                Some("List profiles with `forge profile ls`.".to_string()),
            ),
            StoreError::NotFound { what: "pool", .. } => (
                ErrorKind::NotFound,
                Some("List pools with `forge pool ls`.".to_string()),
            ),
            StoreError::NotFound { what: "loop", .. } => (
                ErrorKind::NotFound,
                Some("List loops with `forge ps`.".to_string()),
            ),
            StoreError::NotFound { .. } | StoreError::Missing(_) => (ErrorKind::NotFound, None),
            StoreError::AlreadyExists { .. } => (ErrorKind::Exists, None),
            StoreError::Invalid(_) => (ErrorKind::Invalid, None),
            StoreError::Unusable { hint, .. } => (ErrorKind::OperationFailed, Some(hint.clone())),
            StoreError::Corrupt { what, name, .. } => (
                ErrorKind::OperationFailed,
                Some(format!(
                    "The row was changed outside forge; `forge doctor` checks the database. If the {what} \
                     cannot be repaired, remove it (`forge rm {name} --force` for a loop) and create it again."
                )),
            ),
            StoreError::Open { .. } | StoreError::Io(_) | StoreError::TooNew { .. } => {
                (ErrorKind::OperationFailed, None)
            }
            StoreError::Sqlite(_) | StoreError::Json(_) => (ErrorKind::Unknown, None),
        };
        CliError {
            kind,
            message: e.to_string(),
            hint,
            exit: 1,
            source: Some(Arc::new(e)),
        }
    }
}

impl From<RunnerError> for CliError {
    fn from(e: RunnerError) -> Self {
        let kind = match e {
            RunnerError::Store(s) => return s.into(),
            RunnerError::AlreadyRunning(_) => ErrorKind::Exists,
            RunnerError::PromptNotFound(_) => ErrorKind::NotFound,
            RunnerError::Prompt(_) => ErrorKind::Invalid,
            RunnerError::Io { .. } | RunnerError::Lock(_) | RunnerError::Spawn(_) => {
                ErrorKind::OperationFailed
            }
            RunnerError::Other(_) => ErrorKind::Unknown,
            RunnerError::DatabaseGone(_) => ErrorKind::OperationFailed,
        };
        CliError::with_kind(kind, e.to_string()).source(e)
    }
}

impl From<LoopRefError> for CliError {
    fn from(e: LoopRefError) -> Self {
        let message = e.to_string();
        let err = match &e {
            LoopRefError::NoLoops(_) => {
                CliError::not_found(message).hint("Start one with `forge up`.")
            }
            LoopRefError::NotFound { .. } => {
                CliError::not_found(message).hint("List loops with `forge ps`.")
            }
            LoopRefError::Ambiguous { .. } => CliError::with_kind(ErrorKind::Ambiguous, message)
                .hint("Use a longer prefix or full ID."),
            _ => CliError::invalid(message),
        };
        err.source(e)
    }
}

impl From<MailError> for CliError {
    fn from(e: MailError) -> Self {
        match e {
            MailError::Io(io) => io.into(),
            other => {
                let kind = match &other {
                    MailError::AlreadyRegistered(_) => ErrorKind::Exists,
                    MailError::AgentNotSet | MailError::BadRoot { .. } => ErrorKind::Preflight,
                    _ => ErrorKind::OperationFailed,
                };
                CliError::with_kind(kind, other.to_string()).source(other)
            }
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return CliError::broken_pipe();
        }
        CliError::failed(e.to_string()).source(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_library_error_not_the_wording() {
        let e: CliError = StoreError::NotFound {
            what: "pool",
            name: "x".into(),
        }
        .into();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::NotFound, "pool \"x\" not found")
        );
        assert_eq!(e.hint.as_deref(), Some("List pools with `forge pool ls`."));
        assert!(e.source.is_some());
        // Wording that the reference's table would misfile keeps its real kind.
        let e = CliError::invalid("profile not found in the alias file is invalid");
        assert_eq!(e.kind, ErrorKind::Invalid);
        let e: CliError = RunnerError::AlreadyRunning("l1".into()).into();
        assert_eq!(e.kind, ErrorKind::Exists);
        let env = CliError::invalid("x must be set").hint("do y").envelope();
        assert_eq!(
            env.to_string(),
            r#"{"error":{"code":"ERR_INVALID","message":"x must be set","hint":"do y"}}"#
        );
        assert_eq!(CliError::usage("bad").exit, 2);
        assert_eq!(CliError::preflight("no tty").kind.code(), "ERR_PREFLIGHT");
    }
}
