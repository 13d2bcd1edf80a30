//! Listing and reading messages: topics, one inbox, or everything.
//!
//! Ordering everywhere is id string, then `time`, then path. Listing only reads directory names;
//! [`Listing::select`] parses files from the newest id backwards and stops as soon as the limit is
//! met, so `log -n 20` on a 100,000-message topic parses about 20 files.

use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};

use crate::descending::Descending;
use crate::error::{MailError, Result};
use crate::id::id_timestamp;
use crate::listing_cache::ListStats;
use crate::message::Message;
use crate::names::{Target, is_valid_name};
use crate::store::{Store, read_message};

/// How far an id's second may trail a message's `time` and still be pruned safely by `--since`.
const SINCE_SLACK: SignedDuration = SignedDuration::from_secs(2);

/// Which directories a read covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One topic or one inbox.
    Target(Target),
    /// Every topic, no DMs (`fmail log` with no target).
    AllTopics,
    /// Every topic and every inbox (`fmail messages`).
    Everything,
}

/// Filters for a read.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Keep messages whose `time` is at or after this.
    pub since: Option<Timestamp>,
    /// Keep messages from this agent only.
    pub from: Option<String>,
}

impl Filter {
    /// True if `message` passes.
    pub fn accepts(&self, message: &Message) -> bool {
        self.since.is_none_or(|since| message.time >= since)
            && self.from.as_deref().is_none_or(|from| message.from == from)
    }
}

/// The message files of a scope: directory names only, nothing parsed.
///
/// Standard names (`YYYYMMDD-HHMMSS-NNNN.json`) are kept as integer keys, which sort exactly like
/// the id strings and cost no allocation; other `*.json` names are kept as strings.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The directories scanned, sorted.
    pub dirs: Vec<PathBuf>,
    /// Standard ids per directory (same index as `dirs`), in no particular order.
    keys: Vec<Vec<u64>>,
    odd: Vec<(String, u32)>,
}

/// `YYYYMMDD-HHMMSS-NNNN` as the integer `YYYYMMDDHHMMSSNNNN` (same order as the string).
#[cfg(test)]
fn id_key(id: &str) -> Option<u64> {
    id_key_bytes(id.as_bytes())
}

pub(crate) fn id_key_bytes(id: &[u8]) -> Option<u64> {
    if id.len() != crate::id::ID_LEN || id[8] != b'-' || id[15] != b'-' {
        return None;
    }
    let mut key = 0u64;
    for (i, &b) in id.iter().enumerate() {
        if i == 8 || i == 15 {
            continue;
        }
        if !b.is_ascii_digit() {
            return None;
        }
        key = key * 10 + u64::from(b - b'0');
    }
    Some(key)
}

pub(crate) fn key_id(key: u64) -> String {
    format!(
        "{:08}-{:06}-{:04}",
        key / 10_000_000_000,
        (key / 10_000) % 1_000_000,
        key % 10_000
    )
}

/// A file that could not be read as a message.
#[derive(Debug)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why it was skipped.
    pub error: MailError,
}

/// The result of a read: messages in order, plus files that were skipped.
#[derive(Debug, Default)]
pub struct Selection {
    /// Matching messages, oldest first.
    pub messages: Vec<Message>,
    /// Unreadable files (torn writes from other tools, stray files).
    pub skipped: Vec<Skipped>,
}

impl Listing {
    /// How many message files were listed.
    pub fn len(&self) -> usize {
        self.keys.iter().map(Vec::len).sum::<usize>() + self.odd.len()
    }

    /// True if no message files were listed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn file(&self, id: &str, dir: u32) -> PathBuf {
        let dir = usize::try_from(dir).ok().and_then(|d| self.dirs.get(d));
        dir.map_or_else(PathBuf::new, |d| d.join(format!("{id}.json")))
    }

    /// Every listed file's path, in no particular order.
    pub fn paths(&self) -> impl Iterator<Item = PathBuf> + '_ {
        let keyed = self
            .keyed()
            .map(move |(key, dir)| self.file(&key_id(key), dir));
        keyed.chain(self.odd.iter().map(|(id, dir)| self.file(id, *dir)))
    }

    /// Reads the last `limit` messages (0 = all) passing `filter`, oldest first.
    ///
    /// Files are visited newest id first (a heap, so only the visited part is ordered) and the walk
    /// stops once `limit` messages passed (plus any others sharing the last id), or once ids are
    /// more than a small slack older than `filter.since`; a message's `time` still decides.
    pub fn select(&self, filter: &Filter, limit: usize) -> Selection {
        let mut out = Selection::default();
        let mut picked: Vec<(Message, String, u32)> = Vec::new();
        // Files whose names are not ids cannot be ordered or pruned by name; they are always read.
        for (id, dir) in &self.odd {
            self.pick(id.clone(), *dir, filter, &mut picked, &mut out.skipped);
        }
        let stop_before = filter.since.and_then(|s| s.checked_sub(SINCE_SLACK).ok());
        let newest_first = Descending::new(|| self.keyed(), limit);
        let mut standard_picked = 0usize;
        let mut boundary: Option<u64> = None;
        for (key, dir) in newest_first {
            if limit > 0 && standard_picked >= limit && boundary != Some(key) {
                break;
            }
            let id = key_id(key);
            if let (Some(stop), Some(ts)) = (stop_before, id_timestamp(&id))
                && ts < stop
            {
                break;
            }
            if self.pick(id, dir, filter, &mut picked, &mut out.skipped) {
                boundary = Some(key);
                standard_picked += 1;
            }
        }
        picked.sort_by(|a, b| {
            a.1.cmp(&b.1)
                .then(a.0.time.cmp(&b.0.time))
                .then(a.2.cmp(&b.2))
        });
        let skip = if limit > 0 {
            picked.len().saturating_sub(limit)
        } else {
            0
        };
        out.messages = picked.into_iter().skip(skip).map(|(m, _, _)| m).collect();
        out
    }

    /// Every standard id with its directory index.
    pub(crate) fn keyed(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.keys.iter().enumerate().flat_map(|(dir, keys)| {
            let dir = u32::try_from(dir).unwrap_or(u32::MAX);
            keys.iter().map(move |&key| (key, dir))
        })
    }

    /// Reads one file; keeps it if it passes. Returns whether it was kept.
    fn pick(
        &self,
        id: String,
        dir: u32,
        filter: &Filter,
        picked: &mut Vec<(Message, String, u32)>,
        skipped: &mut Vec<Skipped>,
    ) -> bool {
        let path = self.file(&id, dir);
        match read_message(&path) {
            Ok(message) if filter.accepts(&message) => {
                picked.push((message, id, dir));
                true
            }
            Ok(_) => false,
            Err(MailError::Io(err)) if err.kind() == std::io::ErrorKind::NotFound => false,
            Err(error) => {
                skipped.push(Skipped { path, error });
                false
            }
        }
    }
}

impl Store {
    /// The directories a scope covers that exist now, sorted.
    pub fn scope_dirs(&self, scope: &Scope) -> Result<Vec<PathBuf>> {
        let mut dirs = match scope {
            Scope::Target(target) => {
                let dir = self.target_dir(target);
                if dir.is_dir() { vec![dir] } else { Vec::new() }
            }
            Scope::AllTopics => valid_subdirs(&self.topics_dir())?,
            Scope::Everything => {
                let mut all = valid_subdirs(&self.topics_dir())?;
                all.extend(valid_subdirs(&self.dm_root())?);
                all
            }
        };
        dirs.sort();
        Ok(dirs)
    }

    /// Lists the message files of `scope` (names only, nothing is parsed). A directory that has
    /// not changed since a trusted earlier listing is served from the listing cache instead of
    /// being listed (see `listing_cache`).
    pub fn list(&self, scope: &Scope) -> Result<Listing> {
        Ok(self.list_with_stats(scope)?.0)
    }

    /// [`Store::list`], also saying how many directories came from the cache.
    pub(crate) fn list_with_stats(&self, scope: &Scope) -> Result<(Listing, ListStats)> {
        let dirs = self.scope_dirs(scope)?;
        let mut listing = Listing::default();
        let mut stats = ListStats::default();
        for (index, dir) in dirs.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            // A directory removed since `scope_dirs` contributes nothing; `keys` stays aligned.
            let names = self.dir_names(dir, &mut stats)?.unwrap_or_default();
            listing.keys.push(names.keys);
            listing
                .odd
                .extend(names.odd.into_iter().map(|id| (id, index)));
        }
        listing.dirs = dirs;
        Ok((listing, stats))
    }

    /// Reads the last `limit` messages (0 = all) of `scope` that pass `filter`.
    pub fn read(&self, scope: &Scope, filter: &Filter, limit: usize) -> Result<Selection> {
        Ok(self.list(scope)?.select(filter, limit))
    }
}

/// Reads a directory; `None` when it does not exist (an empty mailbox is not an error).
pub(crate) fn read_dir_if_exists(dir: &Path) -> Result<Option<fs_err::ReadDir>> {
    match fs_err::read_dir(dir) {
        Ok(reader) => Ok(Some(reader)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Subdirectories of `parent` whose names are valid topic/agent names; empty if `parent` is missing.
pub(crate) fn valid_subdirs(parent: &Path) -> Result<Vec<PathBuf>> {
    let Some(reader) = read_dir_if_exists(parent)? else {
        return Ok(Vec::new());
    };
    let mut dirs = Vec::new();
    for entry in reader {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_str().is_some_and(is_valid_name) && entry.file_type()?.is_dir() {
            dirs.push(entry.path());
        }
    }
    Ok(dirs)
}

/// The message names (without `.json`) in `dir`; temp files and other names are skipped.
pub(crate) fn message_names(dir: &Path) -> Result<Vec<String>> {
    let Some(reader) = read_dir_if_exists(dir)? else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    for entry in reader {
        let Ok(mut name) = entry?.file_name().into_string() else {
            continue;
        };
        if message_file_id(&name).is_some() {
            name.truncate(name.len() - ".json".len());
            names.push(name);
        }
    }
    Ok(names)
}

/// The id part of a message file name, or `None` for temp files and other files.
pub fn message_file_id(name: &str) -> Option<&str> {
    if name.starts_with('.') {
        return None;
    }
    name.strip_suffix(".json").filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Draft;
    use serde_json::json;

    fn put(store: &Store, to: &str, from: &str, id: &str, time: &str, body: &str) {
        let msg = Message {
            id: id.into(),
            from: from.into(),
            to: to.into(),
            time: time.parse().unwrap(),
            body: json!(body),
            reply_to: String::new(),
            priority: String::new(),
            host: String::new(),
            tags: Vec::new(),
        };
        store.save_exact(&msg).unwrap();
    }

    fn bodies(sel: &Selection) -> Vec<String> {
        sel.messages.iter().map(Message::body_text).collect()
    }

    #[test]
    fn select_takes_the_tail_in_id_then_time_order() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        put(
            &store,
            "t",
            "a",
            "20260210-120000-0002",
            "2026-02-10T12:00:00Z",
            "second",
        );
        put(
            &store,
            "t",
            "b",
            "20260210-120000-0001",
            "2026-02-10T12:00:00Z",
            "first",
        );
        put(
            &store,
            "u",
            "a",
            "20260210-120000-0002",
            "2026-02-10T11:59:59Z",
            "second-early",
        );
        put(
            &store,
            "t",
            "a",
            "20260210-120500-0001",
            "2026-02-10T12:05:00Z",
            "third",
        );
        put(
            &store,
            "@bob",
            "a",
            "20260210-120600-0001",
            "2026-02-10T12:06:00Z",
            "dm",
        );
        let all = store
            .read(&Scope::AllTopics, &Filter::default(), 0)
            .unwrap();
        assert_eq!(bodies(&all), ["first", "second-early", "second", "third"]);
        let last2 = store
            .read(&Scope::AllTopics, &Filter::default(), 2)
            .unwrap();
        assert_eq!(bodies(&last2), ["second", "third"]);
        let last3 = store
            .read(&Scope::AllTopics, &Filter::default(), 3)
            .unwrap();
        assert_eq!(bodies(&last3), ["second-early", "second", "third"]);
        let everything = store
            .read(&Scope::Everything, &Filter::default(), 0)
            .unwrap();
        assert_eq!(everything.messages.len(), 5);
        let from_b = Filter {
            from: Some("b".into()),
            ..Filter::default()
        };
        assert_eq!(
            bodies(&store.read(&Scope::AllTopics, &from_b, 0).unwrap()),
            ["first"]
        );
        let since = Filter {
            since: Some("2026-02-10T12:00:00Z".parse().unwrap()),
            ..Filter::default()
        };
        assert_eq!(
            bodies(&store.read(&Scope::AllTopics, &since, 0).unwrap()),
            ["first", "second", "third"]
        );
        let dm = store
            .read(
                &Scope::Target(Target::Dm("bob".into())),
                &Filter::default(),
                0,
            )
            .unwrap();
        assert_eq!(bodies(&dm), ["dm"]);
    }

    #[test]
    fn integer_keys_round_trip_and_sort_like_ids() {
        let ids = [
            "20260210-120808-0001",
            "20260210-120808-0010",
            "20260210-120809-0002",
            "20991231-235959-9999",
        ];
        let keys: Vec<u64> = ids.iter().map(|id| id_key(id).unwrap()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        for (id, key) in ids.iter().zip(keys) {
            assert_eq!(key_id(key), *id);
        }
        assert_eq!(id_key("notes"), None);
    }

    #[test]
    fn limit_reads_only_the_tail() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        for i in 0..50 {
            store
                .save(Draft::new("a", Target::Topic("t".into()), json!(i)))
                .unwrap();
        }
        // Corrupt every file except the last 5: a tail read of 5 must not touch them.
        let listing = store.list(&Scope::AllTopics).unwrap();
        let mut paths: Vec<PathBuf> = listing.paths().collect();
        paths.sort();
        assert_eq!(paths.len(), 50);
        for path in &paths[..45] {
            fs_err::write(path, "{torn").unwrap();
        }
        let sel = listing.select(&Filter::default(), 5);
        assert!(sel.skipped.is_empty());
        assert_eq!(sel.messages.len(), 5);
        let all = listing.select(&Filter::default(), 0);
        assert_eq!((all.messages.len(), all.skipped.len()), (5, 45));
    }

    #[test]
    fn a_filter_can_walk_past_the_newest_few() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        for i in 0..60 {
            let from = if i < 3 { "a" } else { "b" };
            let id = format!("20260210-1200{i:02}-0001");
            let time = format!("2026-02-10T12:00:{i:02}Z");
            put(&store, "t", from, &id, &time, &format!("m{i}"));
        }
        let from_a = Filter {
            from: Some("a".into()),
            ..Filter::default()
        };
        let sel = store.read(&Scope::AllTopics, &from_a, 2).unwrap();
        assert_eq!(bodies(&sel), ["m1", "m2"]);
    }

    #[test]
    fn since_prunes_by_id_but_time_decides() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        put(
            &store,
            "t",
            "a",
            "20260210-100000-0001",
            "2026-02-10T10:00:00Z",
            "old",
        );
        // id second is 1s before its time (clock skew between id and time): still included.
        put(
            &store,
            "t",
            "a",
            "20260210-115959-0001",
            "2026-02-10T12:00:00.5Z",
            "skewed",
        );
        put(
            &store,
            "t",
            "a",
            "20260210-120001-0001",
            "2026-02-10T12:00:01Z",
            "new",
        );
        fs_err::write(
            store
                .topics_dir()
                .join("t")
                .join("20260210-100000-0002.json"),
            "{torn",
        )
        .unwrap();
        let since = Filter {
            since: Some("2026-02-10T12:00:00Z".parse().unwrap()),
            ..Filter::default()
        };
        let sel = store.read(&Scope::AllTopics, &since, 0).unwrap();
        assert_eq!(bodies(&sel), ["skewed", "new"]);
        assert!(sel.skipped.is_empty(), "pruned files must not be read");
    }

    #[test]
    fn temp_and_foreign_files_are_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        put(
            &store,
            "t",
            "a",
            "20260210-120000-0001",
            "2026-02-10T12:00:00Z",
            "ok",
        );
        let dir = store.topics_dir().join("t");
        fs_err::write(dir.join(".tmp-1-abc"), "{").unwrap();
        fs_err::write(dir.join("notes.txt"), "x").unwrap();
        fs_err::create_dir_all(store.topics_dir().join("Bad_Dir")).unwrap();
        fs_err::write(
            store
                .topics_dir()
                .join("Bad_Dir")
                .join("20260210-120000-0009.json"),
            "{",
        )
        .unwrap();
        let sel = store
            .read(&Scope::AllTopics, &Filter::default(), 0)
            .unwrap();
        assert_eq!(bodies(&sel), ["ok"]);
        assert!(sel.skipped.is_empty());
    }
}
