//! Topic summaries (`fmail topics`) and garbage collection (`fmail gc`).

use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::error::Result;
use crate::id::id_timestamp;
use crate::listing_cache::ListStats;
use crate::read::{key_id, message_file_id, valid_subdirs};
use crate::store::Store;

/// Age after which a temp file in the listing cache is taken as left by a writer that died.
const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// One row of `fmail topics`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicSummary {
    /// Topic name.
    pub name: String,
    /// Number of message files.
    pub messages: usize,
    /// Newest message time, from the id prefix (second precision) or the file's mtime.
    pub last_activity: Timestamp,
}

/// A file's time: its name's id prefix, else its modification time.
fn file_time(path: &Path, name: &str) -> Option<Timestamp> {
    id_timestamp(name).or_else(|| {
        let modified = fs_err::metadata(path).ok()?.modified().ok()?;
        Timestamp::try_from(modified).ok()
    })
}

impl Store {
    /// Topics with at least one message, sorted by name.
    pub fn topics(&self) -> Result<Vec<TopicSummary>> {
        let mut dirs = valid_subdirs(&self.topics_dir())?;
        dirs.sort();
        let mut out = Vec::new();
        let mut stats = ListStats::default();
        for dir in dirs {
            // Through the listing cache: counting a quiet 100,000-message topic need not list it.
            let Some(names) = self.dir_names(&dir, &mut stats)? else {
                continue;
            };
            // Standard ids sort like their keys, so the newest name is the larger of the two maxima.
            let newest_standard = names.keys.iter().max().map(|&key| key_id(key));
            let Some(newest) = newest_standard
                .into_iter()
                .chain(names.odd.iter().cloned())
                .max()
            else {
                continue;
            };
            let path = dir.join(format!("{newest}.json"));
            let last_activity = file_time(&path, &newest).unwrap_or(Timestamp::UNIX_EPOCH);
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push(TopicSummary {
                name,
                messages: names.keys.len() + names.odd.len(),
                last_activity,
            });
        }
        Ok(out)
    }

    /// Deletes (or with `dry_run` only lists) message files in topic and inbox directories older
    /// than `days` days before `now`, plus stale temp files. Returns paths relative to `.fmail/`.
    /// Directories and `agents/` are never removed. A real run also prunes the listing cache
    /// (`.fmail/.cache`) of entries for deleted directories and abandoned temp files.
    pub fn gc(&self, days: u32, dry_run: bool, now: Timestamp) -> Result<Vec<PathBuf>> {
        let cutoff = now
            .checked_sub(SignedDuration::from_hours(24 * i64::from(days)))
            .unwrap_or(Timestamp::MIN);
        let mut dirs = valid_subdirs(&self.topics_dir())?;
        dirs.extend(valid_subdirs(&self.dm_root())?);
        dirs.sort();
        let mut removed = Vec::new();
        for dir in dirs {
            let mut names: Vec<String> = fs_err::read_dir(&dir)?
                .filter_map(|entry| {
                    entry
                        .ok()
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                })
                .filter(|name| message_file_id(name).is_some() || name.starts_with(".tmp-"))
                .collect();
            names.sort();
            for name in names {
                let path = dir.join(&name);
                let time = if name.starts_with(".tmp-") {
                    file_time(&path, "")
                } else {
                    file_time(&path, &name)
                };
                if time.is_none_or(|t| t >= cutoff) {
                    continue;
                }
                if !dry_run {
                    match fs_err::remove_file(&path) {
                        Ok(()) => {}
                        Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(err) => return Err(err.into()),
                    }
                }
                removed.push(
                    path.strip_prefix(self.dir())
                        .map(Path::to_path_buf)
                        .unwrap_or(path),
                );
            }
        }
        if !dry_run {
            let temp_cutoff = std::time::SystemTime::now() - STALE_TEMP_AGE;
            self.prune_listing_cache(temp_cutoff);
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn put(store: &Store, to: &str, id: &str) {
        let msg = Message {
            id: id.into(),
            from: "a".into(),
            to: to.into(),
            time: id_timestamp(id).unwrap(),
            body: serde_json::json!("x"),
            reply_to: String::new(),
            priority: String::new(),
            host: String::new(),
            tags: Vec::new(),
        };
        store.save_exact(&msg).unwrap();
    }

    #[test]
    fn topics_count_and_take_last_activity_from_ids() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        put(&store, "task", "20260210-120000-0001");
        put(&store, "task", "20260210-130000-0001");
        put(&store, "@bob", "20260210-140000-0001");
        fs_err::create_dir_all(store.topics_dir().join("empty")).unwrap();
        let topics = store.topics().unwrap();
        assert_eq!(topics.len(), 1);
        assert_eq!((topics[0].name.as_str(), topics[0].messages), ("task", 2));
        assert_eq!(topics[0].last_activity.to_string(), "2026-02-10T13:00:00Z");
    }

    #[test]
    fn gc_removes_old_files_only() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path());
        put(&store, "task", "20260101-000000-0001");
        put(&store, "task", "20260210-000000-0001");
        put(&store, "@bob", "20260101-000000-0002");
        let now: Timestamp = "2026-02-11T00:00:00Z".parse().unwrap();
        let planned = store.gc(7, true, now).unwrap();
        let as_text: Vec<String> = planned.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            as_text,
            [
                "dm/bob/20260101-000000-0002.json",
                "topics/task/20260101-000000-0001.json"
            ]
        );
        assert_eq!(
            store.topics().unwrap()[0].messages,
            2,
            "dry run removes nothing"
        );
        assert_eq!(store.gc(7, false, now).unwrap().len(), 2);
        assert_eq!(store.topics().unwrap()[0].messages, 1);
        assert!(store.dm_root().join("bob").is_dir());
    }
}
