//! What the dashboard shows, as plain data: the loader produces these values from the store,
//! the log files and the mailbox; tests build them by hand.

use std::collections::HashMap;

use forge_core::model::{Loop, LoopState, Profile, QueueItem, RunStatus};
use forge_store::{RunRecord, UsageTotals};

/// One loop with the counts and names the list and the Overview need.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopRow {
    pub lp: Loop,
    /// Run rows of the loop.
    pub runs: i64,
    /// Pending queue items.
    pub queue_depth: i64,
    /// Token and cost totals of runs that reported usage.
    pub usage: Option<UsageTotals>,
    /// The pinned profile's name, else the profile of the latest run.
    pub profile: Option<String>,
    /// The harness of that profile.
    pub harness: Option<String>,
    /// The pool's name (the loop's own pool, or the default pool the runner uses).
    pub pool: Option<String>,
    /// Outcome of the latest run (`success`, `rate_limited`, ...), else its status.
    pub last_outcome: Option<String>,
}

impl LoopRow {
    /// The id shown in lists: the short id, else the first 8 characters of the id.
    pub fn display_id(&self) -> &str {
        if self.lp.short_id.is_empty() {
            self.lp.id.get(..8).unwrap_or(&self.lp.id)
        } else {
            &self.lp.short_id
        }
    }

    pub fn state(&self) -> LoopState {
        self.lp.state
    }

    /// The last component of the repo path.
    pub fn repo_name(&self) -> &str {
        std::path::Path::new(&self.lp.repo_path)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(&self.lp.repo_path)
    }
}

/// A pool and the ids of its member profiles, in rotation order.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolInfo {
    pub id: String,
    pub name: String,
    pub is_default: bool,
    pub members: Vec<String>,
}

/// Everything read from the store in one refresh.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Loops, oldest first.
    pub loops: Vec<LoopRow>,
    pub profiles: Vec<Profile>,
    pub pools: Vec<PoolInfo>,
    /// Set while usage totals are still being summed (the first load of a big store shows the
    /// list first); cells then say `…` instead of claiming no usage.
    pub usage_pending: bool,
}

impl Snapshot {
    pub fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }
}

/// The selected loop's runs and queue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detail {
    pub loop_id: String,
    /// Newest first, at most [`crate::data::RUN_HISTORY`].
    pub runs: Vec<RunRecord>,
    /// Runs per status over the loop's whole history.
    pub run_counts: HashMap<RunStatus, i64>,
    /// Pending queue items in order.
    pub queue: Vec<QueueItem>,
}

/// One line of a log as shown: rendered text and where it starts in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Byte offset of the source line in the file (0 for text not read from a file).
    pub offset: u64,
    pub text: String,
}

/// A contiguous piece of a log, already rendered for people.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogWindow {
    /// What this is a window of (file path or run id).
    pub key: String,
    pub lines: Vec<LogLine>,
    /// File offset of the first byte covered.
    pub start: u64,
    /// File offset just past the last complete line covered.
    pub end: u64,
    /// File length when read.
    pub file_len: u64,
    /// Set when the file could not be read (missing log, permission).
    pub problem: Option<String>,
}

impl LogWindow {
    /// Text lines not read from a file (a run's output tail).
    pub fn from_text(key: impl Into<String>, lines: Vec<String>) -> Self {
        let lines: Vec<LogLine> = lines
            .into_iter()
            .map(|text| LogLine { offset: 0, text })
            .collect();
        Self {
            key: key.into(),
            lines,
            ..Self::default()
        }
    }

    /// Whether the window reaches the start of the file.
    pub fn at_start(&self) -> bool {
        self.start == 0
    }

    /// Whether the window reaches the end of the file as last read.
    pub fn at_end(&self) -> bool {
        self.end >= self.file_len
    }
}

/// One fmail message for the Mail tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailItem {
    pub id: String,
    pub from: String,
    /// Topic name or `@agent`.
    pub to: String,
    /// RFC 3339.
    pub time: String,
    pub body: String,
}

/// The repo mailbox shown on the Mail tab.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mailbox {
    /// The project root whose `.fmail/` was read.
    pub root: String,
    /// Newest first.
    pub messages: Vec<MailItem>,
    /// Topic names with their message counts (from the listing).
    pub topics: Vec<(String, usize)>,
}
