//! The one error type of the mail store.

use std::path::PathBuf;

/// Everything that can go wrong while reading or writing a mailbox.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A topic, agent or tag name broke the `^[a-z0-9-]+$` rule.
    #[error("invalid {kind} name {name:?}: use lowercase letters, digits and dashes only")]
    InvalidName {
        /// What the name was for: `topic`, `agent` or `tag`.
        kind: &'static str,
        /// The rejected input, after trimming and lower-casing.
        name: String,
    },
    /// A topic or agent name is longer than a file name may be.
    #[error("invalid {kind} name: {len} characters long (at most 128)")]
    NameTooLong {
        /// What the name was for: `topic` or `agent`.
        kind: &'static str,
        /// Its length.
        len: usize,
    },
    /// A tag list broke the count or length limits.
    #[error("invalid tags: {0}")]
    InvalidTags(String),
    /// `priority` was not one of `low`, `normal`, `high`.
    #[error("invalid priority {0:?}: use low, normal or high")]
    InvalidPriority(String),
    /// The encoded message is larger than 1 MiB.
    #[error("message exceeds 1MB limit")]
    TooLarge,
    /// Every id tried for a new message was already taken.
    #[error("message id collision in {dir}: gave up after {attempts} attempts; retry the send")]
    IdCollision {
        /// The topic or inbox directory.
        dir: PathBuf,
        /// How many ids were tried.
        attempts: u32,
    },
    /// `register` found the name taken.
    #[error("agent name already registered: {0}")]
    AlreadyRegistered(String),
    /// `register` without a name could not find a free one.
    #[error(
        "could not find a free agent name after {0} attempts; pass a name to 'fmail register <name>'"
    )]
    NoFreeName(u32),
    /// The identity is required but `FMAIL_AGENT` is not set.
    #[error(
        "FMAIL_AGENT is not set; export FMAIL_AGENT=<your-agent-name> (lowercase letters, digits, dashes) \
         or run 'fmail register' and export the name it prints"
    )]
    AgentNotSet,
    /// `FMAIL_ROOT` points at something that is not a directory.
    #[error("FMAIL_ROOT {path} is not a directory: create it or unset FMAIL_ROOT")]
    BadRoot {
        /// The resolved path.
        path: PathBuf,
    },
    /// A `--since` value could not be understood.
    #[error(
        "invalid --since value {0:?}: use 'now', a duration like 90s, 1h30m or 2d, \
         a date like 2026-02-10, or an RFC3339 time"
    )]
    InvalidSince(String),
    /// A file was not valid JSON of the expected shape.
    #[error("cannot parse {path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// A value could not be encoded as JSON.
    #[error("cannot encode JSON: {0}")]
    Encode(#[from] serde_json::Error),
    /// A filesystem operation failed; the message names the path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Shorthand used across the crate.
pub type Result<T, E = MailError> = std::result::Result<T, E>;
