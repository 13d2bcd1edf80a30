//! The one error type at the CLI edge: a message, an optional hint, an error code for JSON
//! envelopes and an exit code.

use forge_core::loopref::LoopRefError;
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
    OperationFailed,
    /// A precondition of the environment is missing (e.g. no terminal for the dashboard).
    Preflight,
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
            ErrorKind::OperationFailed => "ERR_OPERATION_FAILED",
            ErrorKind::Preflight => "ERR_PREFLIGHT",
            ErrorKind::Unknown | ErrorKind::BrokenPipe | ErrorKind::Reported => "ERR_UNKNOWN",
        }
    }

    /// Chooses a kind from the wording of a message (first match wins).
    fn classify(message: &str) -> Self {
        let m = message.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
        if has(&["ambiguous"]) {
            ErrorKind::Ambiguous
        } else if has(&["not found"]) {
            ErrorKind::NotFound
        } else if has(&["already exists"]) {
            ErrorKind::Exists
        } else if has(&["unknown flag"]) {
            ErrorKind::InvalidFlag
        } else if has(&[
            "invalid",
            "required",
            "usage",
            "must",
            "cannot be used together",
        ]) {
            ErrorKind::Invalid
        } else if has(&[
            "permission denied",
            "timeout",
            "connection",
            "failed to",
            "unable to",
        ]) {
            ErrorKind::OperationFailed
        } else {
            ErrorKind::Unknown
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
}

impl CliError {
    /// An error whose code is chosen from its wording.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        let message = message.into();
        let kind = ErrorKind::classify(&message);
        let hint =
            (kind == ErrorKind::Ambiguous).then(|| "Use a longer prefix or full ID.".to_string());
        CliError {
            kind,
            message,
            hint,
            exit: 1,
        }
    }

    /// An error with an explicit code.
    pub(crate) fn with_kind(kind: ErrorKind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            hint: None,
            exit: 1,
        }
    }

    /// Invalid input (`ERR_INVALID`).
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::with_kind(ErrorKind::Invalid, message)
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
        let kind = match &e {
            StoreError::NotFound { .. } => ErrorKind::NotFound,
            StoreError::AlreadyExists { .. } => ErrorKind::Exists,
            StoreError::Invalid(m) => ErrorKind::classify(m),
            StoreError::Open { .. } | StoreError::Io(_) | StoreError::TooNew { .. } => {
                ErrorKind::OperationFailed
            }
            _ => ErrorKind::Unknown,
        };
        let hint = match &e {
            StoreError::NotFound {
                what: "profile", ..
            } => Some("List profiles with `forge profile ls`."),
            StoreError::NotFound { what: "pool", .. } => Some("List pools with `forge pool ls`."),
            StoreError::NotFound { what: "loop", .. } => Some("List loops with `forge ps`."),
            _ => None,
        };
        CliError {
            kind,
            message: e.to_string(),
            hint: hint.map(str::to_string),
            exit: 1,
        }
    }
}

impl From<RunnerError> for CliError {
    fn from(e: RunnerError) -> Self {
        match e {
            RunnerError::Store(s) => s.into(),
            RunnerError::AlreadyRunning(_) => CliError::with_kind(ErrorKind::Exists, e.to_string()),
            RunnerError::Prompt(m) => CliError::new(m),
            other => CliError::new(other.to_string()),
        }
    }
}

impl From<LoopRefError> for CliError {
    fn from(e: LoopRefError) -> Self {
        let err = CliError::new(e.to_string());
        match e {
            LoopRefError::NoLoops(_) => err.hint("Start one with `forge up`."),
            LoopRefError::NotFound { .. } => err.hint("List loops with `forge ps`."),
            _ => err,
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return CliError::broken_pipe();
        }
        CliError::with_kind(ErrorKind::OperationFailed, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_like_the_reference_table() {
        assert_eq!(
            CliError::new("loop 'x' is ambiguous; matches").kind,
            ErrorKind::Ambiguous
        );
        assert_eq!(
            CliError::new("pool \"x\" not found").kind,
            ErrorKind::NotFound
        );
        assert_eq!(
            CliError::new("loop name \"a\" already exists").kind,
            ErrorKind::Exists
        );
        assert_eq!(CliError::new("--name is required").kind, ErrorKind::Invalid);
        assert_eq!(
            CliError::new("unable to open").kind,
            ErrorKind::OperationFailed
        );
        assert_eq!(CliError::new("no loops matched").kind, ErrorKind::Unknown);
        let env = CliError::new("x must be set").hint("do y").envelope();
        assert_eq!(
            env.to_string(),
            r#"{"error":{"code":"ERR_INVALID","message":"x must be set","hint":"do y"}}"#
        );
    }
}
