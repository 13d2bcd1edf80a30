//! The mailbox on disk: directory layout, `project.json`, and atomic exclusive message writes.
//!
//! Every file is written to a hidden temp file (`.tmp-…`) in its final directory and then
//! hard-linked to its final name. `link(2)` fails if the name exists, so the create is exclusive
//! (nothing is overwritten) and atomic (a reader sees the whole file or nothing). Readers skip
//! names that start with `.` or do not end in `.json`.

use std::io::{ErrorKind, Write};
use std::os::unix::fs::PermissionsExt;

use fs_err::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{MailError, Result};
use crate::id::{format_id, next_seq, set_counter};
use crate::listing_cache::CachePolicy;
use crate::message::{Message, encode_message, encode_pretty};
use crate::names::{Target, normalize_name};
use crate::root::{MailEnv, derive_project_id};

/// How many ids a send tries before giving up with [`MailError::IdCollision`].
pub const MAX_ID_ATTEMPTS: u32 = 32;

const DIR_MODE: u32 = 0o755;
const PRIVATE_DIR_MODE: u32 = 0o700;
const FILE_MODE: u32 = 0o644;
const PRIVATE_FILE_MODE: u32 = 0o600;

/// A project's mailbox: `<root>/.fmail`.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    dir: PathBuf,
    listing_policy: CachePolicy,
}

/// `project.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectFile {
    /// The project id.
    pub id: String,
    /// When the mailbox was first set up.
    pub created: Timestamp,
}

/// What a caller supplies for a new message; the store fills `id` and (unless given) `time`.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The sender (normalised and validated on save).
    pub from: String,
    /// The destination.
    pub to: Target,
    /// The body value.
    pub body: Value,
    /// Optional id being answered.
    pub reply_to: String,
    /// Optional priority spelling (`low|normal|high`), empty when not given.
    pub priority: String,
    /// Optional host.
    pub host: String,
    /// Normalised tags.
    pub tags: Vec<String>,
    /// A fixed time (tests, imports); `None` means now.
    pub time: Option<Timestamp>,
}

impl Draft {
    /// A plain message with no optional fields.
    pub fn new(from: impl Into<String>, to: Target, body: Value) -> Self {
        Self {
            from: from.into(),
            to,
            body,
            reply_to: String::new(),
            priority: String::new(),
            host: String::new(),
            tags: Vec::new(),
            time: None,
        }
    }
}

impl Store {
    /// Opens the mailbox of `root` (nothing is created until the first write).
    pub fn open(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        let dir = root.join(".fmail");
        Self {
            root,
            dir,
            listing_policy: CachePolicy::default(),
        }
    }

    /// The same mailbox with another listing-cache clock or margin (tests).
    #[cfg(test)]
    pub(crate) fn with_listing_policy(mut self, policy: CachePolicy) -> Self {
        self.listing_policy = policy;
        self
    }

    /// How cached listings are trusted.
    pub(crate) fn listing_policy(&self) -> CachePolicy {
        self.listing_policy
    }

    /// Opens the mailbox found by root discovery for `env`.
    pub fn discover(env: &MailEnv) -> Result<Self> {
        Ok(Self::open(crate::root::discover_root(env)?))
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The `.fmail` directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `topics/` under the mailbox.
    pub fn topics_dir(&self) -> PathBuf {
        self.dir.join("topics")
    }

    /// `dm/` under the mailbox.
    pub fn dm_root(&self) -> PathBuf {
        self.dir.join("dm")
    }

    /// `agents/` under the mailbox.
    pub fn agents_dir(&self) -> PathBuf {
        self.dir.join("agents")
    }

    /// The directory that holds messages for `target`.
    pub fn target_dir(&self, target: &Target) -> PathBuf {
        match target {
            Target::Topic(name) => self.topics_dir().join(name),
            Target::Dm(agent) => self.dm_root().join(agent),
        }
    }

    /// Creates `.fmail/` and `project.json` if missing, returning the project file.
    pub fn ensure_project(&self, env: &MailEnv) -> Result<ProjectFile> {
        create_dir(&self.dir, DIR_MODE)?;
        let path = self.dir.join("project.json");
        match read_project(&path) {
            Ok(project) => return Ok(project),
            Err(MailError::Io(err)) if err.kind() == ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
        let project = ProjectFile {
            id: derive_project_id(&self.root, env),
            created: Timestamp::now(),
        };
        match write_exclusive(&path, encode_pretty(&project)?.as_bytes(), FILE_MODE) {
            Ok(()) => Ok(project),
            // Another process won the race: use its file.
            Err(err) if err.kind() == ErrorKind::AlreadyExists => read_project(&path),
            Err(err) => Err(err.into()),
        }
    }

    /// Rewrites the project id, keeping `created` (used by `fmail init --project`).
    pub fn set_project_id(&self, env: &MailEnv, id: &str) -> Result<ProjectFile> {
        let mut project = self.ensure_project(env)?;
        project.id = id.to_owned();
        write_replace(
            &self.dir.join("project.json"),
            encode_pretty(&project)?.as_bytes(),
            FILE_MODE,
        )?;
        Ok(project)
    }

    /// Saves a new message atomically under a fresh id and returns it as stored.
    pub fn save(&self, draft: Draft) -> Result<Message> {
        let from = normalize_name("agent", &draft.from)?;
        let dir = self.target_dir(&draft.to);
        let private = matches!(draft.to, Target::Dm(_));
        create_dir(&self.dir, DIR_MODE)?;
        if private {
            create_dir(&self.dm_root(), PRIVATE_DIR_MODE)?;
            create_dir(&dir, PRIVATE_DIR_MODE)?;
        } else {
            create_dir(&self.topics_dir(), DIR_MODE)?;
            create_dir(&dir, DIR_MODE)?;
        }
        let mode = if private {
            PRIVATE_FILE_MODE
        } else {
            FILE_MODE
        };
        let time = draft.time.unwrap_or_else(Timestamp::now);
        let mut message = Message {
            id: String::new(),
            from,
            to: draft.to.to_string(),
            time,
            body: draft.body,
            reply_to: draft.reply_to,
            priority: draft.priority,
            host: draft.host,
            tags: draft.tags,
        };
        let mut seq = next_seq();
        for attempt in 0..MAX_ID_ATTEMPTS {
            // A retry uses a fresh clock reading, so ids never sort before `time`.
            let now = if attempt == 0 {
                time.max(Timestamp::now())
            } else {
                Timestamp::now()
            };
            message.id = format_id(now, seq);
            let text = encode_message(&message)?;
            let path = dir.join(format!("{}.json", message.id));
            match write_exclusive(&path, text.as_bytes(), mode) {
                Ok(()) => return Ok(message),
                Err(err) if err.kind() == ErrorKind::AlreadyExists => {
                    let second = &message.id[..message.id.len() - 4];
                    seq = first_free_seq(&dir, second, seq)
                        .unwrap_or_else(|| fastrand::u32(1..10_000));
                    set_counter(seq);
                }
                Err(err) => return Err(err.into()),
            }
        }
        Err(MailError::IdCollision {
            dir,
            attempts: MAX_ID_ATTEMPTS,
        })
    }

    /// Saves a complete message under its own id (imports, fixtures, benchmarks). Fails with an
    /// `AlreadyExists` I/O error if that id is taken in the target directory.
    pub fn save_exact(&self, message: &Message) -> Result<PathBuf> {
        let target = Target::parse(&message.to)?;
        let dir = self.target_dir(&target);
        let private = matches!(target, Target::Dm(_));
        if !dir.is_dir() {
            create_dir(&self.dir, DIR_MODE)?;
            if private {
                create_dir(&self.dm_root(), PRIVATE_DIR_MODE)?;
                create_dir(&dir, PRIVATE_DIR_MODE)?;
            } else {
                create_dir(&dir, DIR_MODE)?;
            }
        }
        let path = dir.join(format!("{}.json", message.id));
        let mode = if private {
            PRIVATE_FILE_MODE
        } else {
            FILE_MODE
        };
        write_exclusive(&path, encode_message(message)?.as_bytes(), mode)?;
        Ok(path)
    }
}

/// The first free sequence number after `taken` among `<second><NNNN>.json` in `dir`, assuming
/// (as every writer here allocates the first free number) that taken numbers form a run; an
/// exponential then binary search needs only a few `stat` calls even with thousands taken.
/// `None` if the second's numbers are exhausted.
fn first_free_seq(dir: &Path, second: &str, taken: u32) -> Option<u32> {
    let exists = |seq: u32| {
        dir.join(format!("{second}{seq:04}.json"))
            .symlink_metadata()
            .is_ok()
    };
    let (mut lo, mut step) = (taken, 1u32);
    let mut hi = taken + 1;
    while hi <= 9_999 && exists(hi) {
        lo = hi;
        step = step.saturating_mul(2);
        hi = taken.saturating_add(step).min(9_999);
        if hi == lo {
            return None;
        }
    }
    if hi > 9_999 {
        return None;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if exists(mid) { lo = mid } else { hi = mid }
    }
    Some(hi)
}

fn read_project(path: &Path) -> Result<ProjectFile> {
    let text = fs_err::read(path)?;
    serde_json::from_slice(&text).map_err(|source| MailError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// Creates `dir` (and parents) and, for private modes, forces the mode on `dir` itself.
pub(crate) fn create_dir(dir: &Path, mode: u32) -> Result<()> {
    if !dir.is_dir() {
        fs_err::create_dir_all(dir)?;
    }
    if mode == PRIVATE_DIR_MODE {
        let current = fs_err::metadata(dir)?.permissions().mode() & 0o777;
        if current != mode {
            fs_err::set_permissions(dir, std::fs::Permissions::from_mode(mode))?;
        }
    }
    Ok(())
}

/// A hidden, unique temp path next to `final_path`.
fn temp_path(final_path: &Path) -> PathBuf {
    let name = format!(".tmp-{}-{:016x}", std::process::id(), fastrand::u64(..));
    final_path.with_file_name(name)
}

fn write_temp(final_path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<PathBuf> {
    let temp = temp_path(final_path);
    let mut file = fs_err::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&temp)?;
    if let Err(err) = file.write_all(bytes) {
        let _ = fs_err::remove_file(&temp);
        return Err(err);
    }
    Ok(temp)
}

/// Writes `bytes` to `path` atomically; fails with `AlreadyExists` if `path` exists.
pub(crate) fn write_exclusive(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let temp = write_temp(path, bytes, mode)?;
    let linked = std::fs::hard_link(&temp, path);
    let _ = fs_err::remove_file(&temp);
    linked.map_err(|err| {
        if err.kind() == ErrorKind::AlreadyExists {
            err
        } else {
            std::io::Error::new(
                err.kind(),
                format!("cannot create {}: {err}", path.display()),
            )
        }
    })
}

/// Writes `bytes` to `path` atomically, replacing any existing file (last writer wins).
pub(crate) fn write_replace(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let temp = write_temp(path, bytes, mode)?;
    fs_err::rename(&temp, path).inspect_err(|_| {
        let _ = fs_err::remove_file(&temp);
    })
}

/// Reads and parses one message file.
pub fn read_message(path: &Path) -> Result<Message> {
    let bytes = fs_err::read(path)?;
    serde_json::from_slice(&bytes).map_err(|source| MailError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn save_writes_reference_layout_with_permissions() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        let topic = store
            .save(Draft::new(
                "Alice",
                Target::parse("task").unwrap(),
                json!("hi"),
            ))
            .unwrap();
        let dm = store
            .save(Draft::new(
                "alice",
                Target::parse("@bob").unwrap(),
                json!({"k": 1}),
            ))
            .unwrap();
        let topic_path = store
            .topics_dir()
            .join("task")
            .join(format!("{}.json", topic.id));
        let dm_path = store.dm_root().join("bob").join(format!("{}.json", dm.id));
        let mode = |p: &Path| fs_err::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dm_path), 0o600);
        assert_eq!(mode(&store.dm_root()), 0o700);
        assert_eq!(mode(&store.dm_root().join("bob")), 0o700);
        assert_eq!(topic.from, "alice");
        assert_eq!(dm.to, "@bob");
        let on_disk = fs_err::read_to_string(&topic_path).unwrap();
        assert_eq!(on_disk, encode_message(&topic).unwrap());
        assert!(!on_disk.ends_with('\n'));
        assert_eq!(read_message(&dm_path).unwrap(), dm);
        // No temp files are left behind.
        let leftovers = fs_err::read_dir(store.topics_dir().join("task"))
            .unwrap()
            .count();
        assert_eq!(leftovers, 1);
    }

    #[test]
    fn taken_ids_are_never_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        let mut ids = std::collections::HashSet::new();
        let time: Timestamp = "2026-02-10T12:08:08Z".parse().unwrap();
        for i in 0..300 {
            let mut draft = Draft::new("a", Target::Topic("t".into()), json!(i));
            draft.time = Some(time);
            let msg = store.save(draft).unwrap();
            assert!(ids.insert(msg.id.clone()), "duplicate id {}", msg.id);
            assert_eq!(
                read_message(
                    &store
                        .topics_dir()
                        .join("t")
                        .join(format!("{}.json", msg.id))
                )
                .unwrap(),
                msg
            );
        }
    }

    #[test]
    fn colliding_sends_in_one_second_keep_send_order() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let second = "20260210-120808-";
        for seq in 1..=37 {
            fs_err::write(dir.join(format!("{second}{seq:04}.json")), "{}").unwrap();
        }
        assert_eq!(first_free_seq(dir, second, 1), Some(38));
        assert_eq!(first_free_seq(dir, second, 37), Some(38));
        assert_eq!(first_free_seq(dir, "20260210-120809-", 5), Some(6));
        fs_err::write(dir.join(format!("{second}9999.json")), "{}").unwrap();
        assert_eq!(first_free_seq(dir, second, 9_999), None);
        // Many saves within one second: ids follow save order.
        let store = Store::open(tmp.path().join("p"));
        let ids: Vec<String> = (0..40)
            .map(|i| {
                store
                    .save(Draft::new("a", Target::Topic("t".into()), json!(i)))
                    .unwrap()
                    .id
            })
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn write_exclusive_refuses_existing_names() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.json");
        write_exclusive(&path, b"first", 0o644).unwrap();
        let err = write_exclusive(&path, b"second", 0o644).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        assert_eq!(fs_err::read_to_string(&path).unwrap(), "first");
        assert_eq!(fs_err::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn project_file_is_created_once_and_id_can_be_rewritten() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        let env = MailEnv {
            cwd: tmp.path().to_path_buf(),
            project: Some("p1".into()),
            ..MailEnv::default()
        };
        let first = store.ensure_project(&env).unwrap();
        assert_eq!(first.id, "p1");
        let env2 = MailEnv {
            project: Some("other".into()),
            ..env.clone()
        };
        assert_eq!(store.ensure_project(&env2).unwrap(), first);
        let renamed = store.set_project_id(&env, "p2").unwrap();
        assert_eq!(
            (renamed.id.as_str(), renamed.created),
            ("p2", first.created)
        );
    }
}
