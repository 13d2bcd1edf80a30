//! The one error type at the fmail command-line edge and its exit codes.

use forge_mail::MailError;

/// Why a command stopped.
#[derive(Debug)]
pub(crate) enum CommandError {
    /// Bad arguments: exit 2, `Error: <msg>`, a blank line, then the command's usage.
    Usage(String),
    /// The command ran and failed: exit 1, `Error: <msg>`.
    Runtime(String),
    /// stdout was closed by the reader: exit 0 quietly.
    BrokenPipe,
}

impl CommandError {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::Usage(message.into())
    }
}

impl From<MailError> for CommandError {
    fn from(err: MailError) -> Self {
        match err {
            MailError::Io(io) => io.into(),
            other => Self::Runtime(other.to_string()),
        }
    }
}

impl From<std::io::Error> for CommandError {
    fn from(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            Self::BrokenPipe
        } else {
            Self::Runtime(err.to_string())
        }
    }
}

/// Turns argument-validation failures from the store into usage errors.
pub(crate) fn as_usage(err: MailError) -> CommandError {
    CommandError::Usage(err.to_string())
}
