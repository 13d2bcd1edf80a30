//! fmail's use of the shared CLI error: argument problems found by the mail store are usage
//! errors (exit 2, followed by the command's usage).

use forge_mail::MailError;

use crate::error::CliError;

/// Turns argument-validation failures from the store into usage errors.
pub(crate) fn as_usage(err: MailError) -> CliError {
    CliError::usage(err.to_string()).source(err)
}
