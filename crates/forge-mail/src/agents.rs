//! Agent records (`agents/<name>.json`): registration and presence.

use std::io::ErrorKind;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::error::{MailError, Result};
use crate::message::encode_pretty;
use crate::names::{normalize_name, random_long_name, random_short_name};
use crate::store::{Store, create_dir, write_exclusive, write_replace};

/// An agent counts as active if seen within this long.
pub const ACTIVE_WINDOW: SignedDuration = SignedDuration::from_secs(60);

/// Attempts per name shape when `register` picks a random name.
const RANDOM_NAME_ATTEMPTS: u32 = 10;

/// `agents/<name>.json`. Field order is the on-disk order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentRecord {
    /// The agent name.
    pub name: String,
    /// Host, omitted when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
    /// Free-form status, omitted when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// First time the agent was seen.
    pub first_seen: Timestamp,
    /// Last time the agent was seen.
    pub last_seen: Timestamp,
}

impl AgentRecord {
    fn new(name: &str, host: &str, now: Timestamp) -> Self {
        Self {
            name: name.to_owned(),
            host: host.to_owned(),
            status: String::new(),
            first_seen: now,
            last_seen: now,
        }
    }

    /// True if seen within [`ACTIVE_WINDOW`] of `now`.
    pub fn is_active(&self, now: Timestamp) -> bool {
        now.duration_since(self.last_seen) <= ACTIVE_WINDOW
    }
}

/// `who`'s LAST SEEN column: `active`, `just now`, `Nm ago`, `Nh ago` or `Nd ago`.
pub fn last_seen_label(record: &AgentRecord, now: Timestamp) -> String {
    if record.is_active(now) {
        "active".to_owned()
    } else {
        relative_age(record.last_seen, now)
    }
}

/// `just now`, `Nm ago`, `Nh ago` or `Nd ago`.
pub fn relative_age(then: Timestamp, now: Timestamp) -> String {
    let secs = now.duration_since(then).as_secs().max(0);
    match secs {
        s if s < 60 => "just now".to_owned(),
        s if s < 3600 => format!("{}m ago", s / 60),
        s if s < 86_400 => format!("{}h ago", s / 3600),
        s => format!("{}d ago", s / 86_400),
    }
}

impl Store {
    fn agent_path(&self, name: &str) -> std::path::PathBuf {
        self.agents_dir().join(format!("{name}.json"))
    }

    /// Reads one agent record; `None` if it does not exist.
    pub fn agent(&self, name: &str) -> Result<Option<AgentRecord>> {
        let path = self.agent_path(name);
        match fs_err::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|source| MailError::Parse { path, source }),
            Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// All agent records sorted by name; `None` when `agents/` does not exist. Unreadable records
    /// are skipped.
    pub fn agents(&self) -> Result<Option<Vec<AgentRecord>>> {
        let reader = match fs_err::read_dir(self.agents_dir()) {
            Ok(reader) => reader,
            Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        let mut records = Vec::new();
        for entry in reader {
            let name = entry?.file_name().to_string_lossy().into_owned();
            let Some(stem) = crate::read::message_file_id(&name) else {
                continue;
            };
            if let Ok(Some(record)) = self.agent(stem) {
                records.push(record);
            }
        }
        records.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Some(records))
    }

    /// Presence: creates the record if missing, keeps `first_seen`, sets `last_seen` to now and
    /// `host` if given. Last writer wins (the file is replaced atomically).
    pub fn touch_agent(&self, name: &str, host: &str) -> Result<AgentRecord> {
        self.update_agent(name, host, |_| {})
    }

    /// Sets (or with an empty string clears) an agent's status and refreshes its presence (and
    /// `host`, if given).
    pub fn set_status(&self, name: &str, status: &str, host: &str) -> Result<AgentRecord> {
        self.update_agent(name, host, |record| record.status = status.to_owned())
    }

    fn update_agent(
        &self,
        name: &str,
        host: &str,
        change: impl FnOnce(&mut AgentRecord),
    ) -> Result<AgentRecord> {
        let name = normalize_name("agent", name)?;
        let now = Timestamp::now();
        let mut record = self
            .agent(&name)
            .ok()
            .flatten()
            .unwrap_or_else(|| AgentRecord::new(&name, host, now));
        record.last_seen = now;
        if !host.is_empty() {
            record.host = host.to_owned();
        }
        change(&mut record);
        create_dir(self.dir(), 0o755)?;
        create_dir(&self.agents_dir(), 0o755)?;
        write_replace(
            &self.agent_path(&name),
            encode_pretty(&record)?.as_bytes(),
            0o644,
        )?;
        Ok(record)
    }

    /// Registers `name` on `host` exclusively; fails with [`MailError::AlreadyRegistered`] if
    /// taken.
    pub fn register(&self, name: &str, host: &str) -> Result<AgentRecord> {
        let name = normalize_name("agent", name)?;
        create_dir(self.dir(), 0o755)?;
        create_dir(&self.agents_dir(), 0o755)?;
        let record = AgentRecord::new(&name, host, Timestamp::now());
        match write_exclusive(
            &self.agent_path(&name),
            encode_pretty(&record)?.as_bytes(),
            0o644,
        ) {
            Ok(()) => Ok(record),
            Err(err) if err.kind() == ErrorKind::AlreadyExists => {
                Err(MailError::AlreadyRegistered(name))
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Registers a random free name: 10 `adjective-given` tries, then 10 `adjective-given-family`.
    pub fn register_random(&self, host: &str) -> Result<AgentRecord> {
        let shapes: [fn() -> String; 2] = [random_short_name, random_long_name];
        for shape in shapes {
            for _ in 0..RANDOM_NAME_ATTEMPTS {
                match self.register(&shape(), host) {
                    Err(MailError::AlreadyRegistered(_)) => {}
                    other => return other,
                }
            }
        }
        Err(MailError::NoFreeName(2 * RANDOM_NAME_ATTEMPTS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_keeps_first_seen_and_status() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        assert_eq!(store.agents().unwrap(), None);
        let first = store.touch_agent("Alice", "").unwrap();
        store.set_status("alice", "busy", "").unwrap();
        let again = store.touch_agent("alice", "box1").unwrap();
        assert_eq!(again.first_seen, first.first_seen);
        assert!(again.last_seen >= first.last_seen);
        assert_eq!(
            (again.status.as_str(), again.host.as_str()),
            ("busy", "box1")
        );
        let text = fs_err::read_to_string(store.agents_dir().join("alice.json")).unwrap();
        let keys: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().split('"').nth(1))
            .collect();
        assert_eq!(keys, ["name", "host", "status", "first_seen", "last_seen"]);
        assert_eq!(store.agents().unwrap().unwrap().len(), 1);
    }

    #[test]
    fn register_is_exclusive_and_random_names_work() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        store.register("bob", "box1").unwrap();
        assert_eq!(store.agent("bob").unwrap().unwrap().host, "box1");
        assert_eq!(
            store.register("Bob", "").unwrap_err().to_string(),
            "agent name already registered: bob"
        );
        let random = store.register_random("").unwrap();
        assert!(crate::names::is_valid_name(&random.name));
    }

    #[test]
    fn labels_follow_the_reference() {
        let now: Timestamp = "2026-02-10T12:00:00Z".parse().unwrap();
        let at = |secs: i64| {
            let t = now.checked_sub(SignedDuration::from_secs(secs)).unwrap();
            AgentRecord::new("a", "", t)
        };
        assert_eq!(last_seen_label(&at(30), now), "active");
        assert_eq!(last_seen_label(&at(61), now), "1m ago");
        assert_eq!(last_seen_label(&at(7200), now), "2h ago");
        assert_eq!(last_seen_label(&at(3 * 86_400), now), "3d ago");
        assert_eq!(relative_age(now, now), "just now");
    }
}
