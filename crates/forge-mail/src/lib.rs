//! The fmail store: agent-to-agent mail kept as plain files under `<project>/.fmail/`.
//!
//! This crate owns the on-disk format (compatible with the reference fmail), root discovery,
//! names and ids, atomic exclusive writes, reading and listing topics and inboxes, presence, `--since`
//! parsing, watching for new messages, and garbage collection. It does no printing and knows
//! nothing about the command line; `forge-cli` builds the `fmail` binary on top of it.
//!
//! Layout:
//! ```text
//! .fmail/project.json                 {"id", "created"}
//! .fmail/topics/<topic>/<ID>.json     0755 dirs, 0644 files
//! .fmail/dm/<agent>/<ID>.json         0700 dirs, 0600 files (keyed by recipient)
//! .fmail/agents/<name>.json           presence and registration
//! .fmail/.cache/list-<kind>-<name>    validated listing cache (ours only; see `listing_cache`)
//! ```

mod agents;
mod descending;
mod error;
mod gc;
mod id;
mod listing_cache;
mod message;
mod names;
mod read;
mod root;
mod since;
mod split_scan;
mod store;
mod watch;

pub use agents::{ACTIVE_WINDOW, AgentRecord, last_seen_label, relative_age};
pub use error::{MailError, Result};
pub use gc::TopicSummary;
pub use id::{ID_LEN, generate_id, id_timestamp, is_message_id};
pub use listing_cache::RACY_MARGIN;
pub use message::{
    MAX_MESSAGE_BYTES, Message, Priority, encode_line, encode_message, encode_pretty, parse_body,
};
pub use names::{MAX_TAG_LEN, MAX_TAGS, Target, is_valid_name, normalize_name, normalize_tags};
pub use read::{Filter, Listing, Scope, Selection, Skipped, message_file_id};
pub use root::{MailEnv, derive_project_id, discover_root, host_name};
pub use since::{parse_go_duration, parse_since};
pub use store::{Draft, MAX_ID_ATTEMPTS, ProjectFile, Store, read_message};
pub use watch::{Batch, RESCAN_POLLING, RESCAN_WITH_EVENTS, Watcher, scope_for};
