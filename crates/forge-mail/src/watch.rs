//! Streaming new messages as they arrive (`fmail watch`, `fmail log -f`).
//!
//! Filesystem notifications (`notify`, inotify on Linux) wake the watcher as soon as a message is
//! linked into place. Because notifications can be dropped (queue overflow, directories created
//! after the watch began), the watcher also rescans its directories every [`RESCAN_WITH_EVENTS`]
//! (every [`RESCAN_POLLING`] when notifications are unavailable). Each file is delivered at most
//! once: delivered paths are remembered.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant, SystemTime};

use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};

use crate::error::{MailError, Result};
use crate::message::Message;
use crate::names::{Target, is_valid_name};
use crate::read::{Listing, Scope, Skipped, message_file_id};
use crate::store::{Store, read_message};

/// Safety-net rescan period while notifications work.
pub const RESCAN_WITH_EVENTS: Duration = Duration::from_millis(250);
/// Rescan period when notifications are unavailable (the reference polls every 100 ms).
pub const RESCAN_POLLING: Duration = Duration::from_millis(100);
/// How long an unparseable file is retried (a foreign writer may still be writing it).
const PARSE_GRACE: Duration = Duration::from_secs(2);
/// A directory whose mtime is this recent is rescanned even if its mtime did not change.
const DIR_MTIME_TRUST: Duration = Duration::from_secs(2);

/// What one wait produced.
#[derive(Debug, Default)]
pub struct Batch {
    /// New messages, in id order.
    pub messages: Vec<Message>,
    /// Files given up on (not JSON after the grace period).
    pub skipped: Vec<Skipped>,
}

/// Delivers each new message file of a scope once.
pub struct Watcher {
    store: Store,
    scope: Scope,
    seen: HashSet<PathBuf>,
    failing: HashMap<PathBuf, Instant>,
    dir_mtimes: HashMap<PathBuf, SystemTime>,
    events: Option<(RecommendedWatcher, Receiver<notify::Result<notify::Event>>)>,
    next_rescan: Instant,
    ready: Vec<(Message, PathBuf)>,
    skipped: Vec<Skipped>,
}

impl Watcher {
    /// Watches for messages that arrive from now on (`fmail watch`). Files already present count as
    /// new only if modified after the start.
    pub fn from_now(store: &Store, scope: Scope) -> Result<Self> {
        // File times come from a coarse kernel clock that never runs ahead of this one, so a file
        // written before this instant never looks newer than it.
        let start = SystemTime::now();
        let mut watcher = Self::new(store, scope)?;
        let listing = watcher.store.list(&watcher.scope)?;
        for path in listing.paths() {
            let modified = fs_err::metadata(&path).ok().and_then(|m| m.modified().ok());
            if modified.is_none_or(|m| m < start) {
                watcher.seen.insert(path);
            }
        }
        watcher.rescan()?;
        Ok(watcher)
    }

    /// Watches for files not in `listing` (`fmail log -f`, after printing the backlog).
    pub fn after_listing(store: &Store, scope: Scope, listing: &Listing) -> Result<Self> {
        let mut watcher = Self::new(store, scope)?;
        watcher.seen = listing.paths().collect();
        watcher.rescan()?;
        Ok(watcher)
    }

    fn new(store: &Store, scope: Scope) -> Result<Self> {
        // A project without `.fmail/` yet is watched by polling until the first message creates
        // it; watching never creates it.
        let events = store
            .dir()
            .is_dir()
            .then(|| subscribe(store.dir()))
            .flatten();
        Ok(Self {
            store: store.clone(),
            scope,
            seen: HashSet::new(),
            failing: HashMap::new(),
            dir_mtimes: HashMap::new(),
            events,
            next_rescan: Instant::now(),
            ready: Vec::new(),
            skipped: Vec::new(),
        })
    }

    /// True if filesystem notifications are active (false means polling only).
    pub fn uses_notifications(&self) -> bool {
        self.events.is_some()
    }

    fn rescan_period(&self) -> Duration {
        if self.events.is_some() {
            RESCAN_WITH_EVENTS
        } else {
            RESCAN_POLLING
        }
    }

    /// Waits until at least one new message or skipped file is found, or until `deadline`
    /// (`None` = forever). An empty batch means the deadline passed.
    pub fn next_batch(&mut self, deadline: Option<Instant>) -> Result<Batch> {
        loop {
            if !self.ready.is_empty() || !self.skipped.is_empty() {
                return Ok(self.take_ready());
            }
            let now = Instant::now();
            if now >= self.next_rescan {
                self.rescan()?;
                self.next_rescan = now + self.rescan_period();
                if !self.ready.is_empty() || !self.skipped.is_empty() {
                    return Ok(self.take_ready());
                }
            }
            if deadline.is_some_and(|d| now >= d) {
                return Ok(Batch::default());
            }
            let wake = deadline.map_or(self.next_rescan, |d| d.min(self.next_rescan));
            let wait = wake.saturating_duration_since(now);
            let received = match &self.events {
                Some((_, rx)) => match rx.recv_timeout(wait) {
                    Ok(first) => {
                        let mut all = vec![first];
                        all.extend(rx.try_iter());
                        Some(all)
                    }
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => {
                        self.events = None;
                        None
                    }
                },
                None => {
                    std::thread::sleep(wait);
                    None
                }
            };
            for event in received.into_iter().flatten() {
                self.handle_event(event)?;
            }
        }
    }

    fn take_ready(&mut self) -> Batch {
        let mut ready = std::mem::take(&mut self.ready);
        ready.sort_by(|a, b| {
            a.0.id
                .cmp(&b.0.id)
                .then(a.0.time.cmp(&b.0.time))
                .then(a.1.cmp(&b.1))
        });
        Batch {
            messages: ready.into_iter().map(|(m, _)| m).collect(),
            skipped: std::mem::take(&mut self.skipped),
        }
    }

    fn handle_event(&mut self, event: notify::Result<notify::Event>) -> Result<()> {
        let event = match event {
            Ok(event) if !event.need_rescan() => event,
            // Lost events: look at everything now.
            _ => return self.rescan(),
        };
        for path in event.paths {
            if self.in_scope(&path) {
                self.consider(path);
            } else if path.is_dir() {
                // A new topic or inbox directory: files may have landed before it was watched.
                self.next_rescan = Instant::now();
            }
        }
        Ok(())
    }

    /// True if `path` is a message file in one of this scope's directories.
    fn in_scope(&self, path: &Path) -> bool {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return false;
        };
        if message_file_id(name).is_none() {
            return false;
        }
        let Some(dir) = path.parent() else {
            return false;
        };
        let valid_child_of = |parent: PathBuf| {
            dir.parent() == Some(parent.as_path())
                && dir
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(is_valid_name)
        };
        match &self.scope {
            Scope::Target(target) => dir == self.store.target_dir(target),
            Scope::AllTopics => valid_child_of(self.store.topics_dir()),
            Scope::Everything => {
                valid_child_of(self.store.topics_dir()) || valid_child_of(self.store.dm_root())
            }
        }
    }

    /// Reads `path` if it has not been delivered yet.
    fn consider(&mut self, path: PathBuf) {
        if self.seen.contains(&path) {
            return;
        }
        match read_message(&path) {
            Ok(message) => {
                self.failing.remove(&path);
                self.seen.insert(path.clone());
                self.ready.push((message, path));
            }
            Err(MailError::Io(err)) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                let first = *self
                    .failing
                    .entry(path.clone())
                    .or_insert_with(Instant::now);
                if first.elapsed() >= PARSE_GRACE {
                    self.failing.remove(&path);
                    self.seen.insert(path.clone());
                    self.skipped.push(Skipped { path, error });
                }
            }
        }
    }

    /// Lists the scope's directories (skipping ones whose mtime shows no change) and reads every
    /// file not yet delivered.
    fn rescan(&mut self) -> Result<()> {
        if self.events.is_none() && self.store.dir().is_dir() {
            self.events = subscribe(self.store.dir());
        }
        let dirs = self.store.scope_dirs(&self.scope)?;
        let trust_before = SystemTime::now()
            .checked_sub(DIR_MTIME_TRUST)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        for dir in dirs {
            let mtime = fs_err::metadata(&dir).ok().and_then(|m| m.modified().ok());
            if let Some(mtime) = mtime {
                let unchanged = self.dir_mtimes.get(&dir) == Some(&mtime);
                if unchanged
                    && mtime < trust_before
                    && !self.failing.keys().any(|p| p.parent() == Some(&dir))
                {
                    continue;
                }
                self.dir_mtimes.insert(dir.clone(), mtime);
            }
            let mut names = crate::read::message_names(&dir)?;
            names.sort_unstable();
            for name in names {
                let path = dir.join(format!("{name}.json"));
                self.consider(path);
            }
        }
        Ok(())
    }
}

/// Starts recursive notifications on `.fmail/`; `None` (polling only) if the platform refuses.
fn subscribe(dir: &Path) -> Option<(RecommendedWatcher, Receiver<notify::Result<notify::Event>>)> {
    let (tx, rx) = channel();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = tx.send(event);
    })
    .ok()?;
    watcher.watch(dir, RecursiveMode::Recursive).ok()?;
    Some((watcher, rx))
}

/// The scope a `watch`/`log` target names: one topic or inbox, or all topics when absent.
pub fn scope_for(target: Option<Target>) -> Scope {
    target.map_or(Scope::AllTopics, Scope::Target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Draft;
    use serde_json::json;

    fn deadline(ms: u64) -> Option<Instant> {
        Some(Instant::now() + Duration::from_millis(ms))
    }

    #[test]
    fn delivers_new_messages_once_and_skips_old_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        let topic = Target::Topic("t".into());
        let old = store
            .save(Draft::new("a", topic.clone(), json!("old")))
            .unwrap();
        // Make the old file clearly older than the watcher's start.
        let path = store.target_dir(&topic).join(format!("{}.json", old.id));
        let past = SystemTime::now() - Duration::from_secs(5);
        fs_err::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(past)
            .unwrap();
        let mut watcher = Watcher::from_now(&store, Scope::Target(topic.clone())).unwrap();
        assert!(
            watcher
                .next_batch(deadline(50))
                .unwrap()
                .messages
                .is_empty()
        );
        let mut sent = Vec::new();
        for i in 0..5 {
            sent.push(
                store
                    .save(Draft::new("a", topic.clone(), json!(i)))
                    .unwrap()
                    .id,
            );
        }
        store
            .save(Draft::new(
                "a",
                Target::Topic("other".into()),
                json!("elsewhere"),
            ))
            .unwrap();
        let mut got = Vec::new();
        while got.len() < sent.len() {
            let batch = watcher.next_batch(deadline(5000)).unwrap();
            assert!(!batch.messages.is_empty(), "timed out; got {got:?}");
            got.extend(batch.messages.into_iter().map(|m| m.id));
        }
        assert_eq!(got, sent);
        // Nothing is delivered twice, even after the safety-net rescan.
        assert!(
            watcher
                .next_batch(deadline(400))
                .unwrap()
                .messages
                .is_empty()
        );
    }

    #[test]
    fn polling_fallback_finds_messages_in_new_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        let mut watcher = Watcher::from_now(&store, Scope::AllTopics).unwrap();
        watcher.events = None;
        let sent = store
            .save(Draft::new("a", Target::Topic("fresh".into()), json!("x")))
            .unwrap();
        let batch = watcher.next_batch(deadline(5000)).unwrap();
        assert_eq!(
            batch
                .messages
                .iter()
                .map(|m| m.id.clone())
                .collect::<Vec<_>>(),
            [sent.id]
        );
    }

    #[test]
    fn torn_files_are_retried_then_skipped() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        let dir = store.topics_dir().join("t");
        fs_err::create_dir_all(&dir).unwrap();
        let listing = store.list(&Scope::AllTopics).unwrap();
        let mut watcher = Watcher::after_listing(&store, Scope::AllTopics, &listing).unwrap();
        let path = dir.join("20260210-120000-0001.json");
        fs_err::write(&path, "{\"id\":").unwrap();
        assert!(
            watcher
                .next_batch(deadline(300))
                .unwrap()
                .messages
                .is_empty()
        );
        // The writer finishes: the message is delivered.
        let msg = Message {
            id: "20260210-120000-0001".into(),
            from: "go".into(),
            to: "t".into(),
            time: "2026-02-10T12:00:00Z".parse().unwrap(),
            body: json!("done"),
            reply_to: String::new(),
            priority: String::new(),
            host: String::new(),
            tags: Vec::new(),
        };
        fs_err::write(&path, crate::message::encode_message(&msg).unwrap()).unwrap();
        let batch = watcher.next_batch(deadline(5000)).unwrap();
        assert_eq!(batch.messages, [msg]);
    }
}
