//! A cheap "has anyone written to the database?" test that runs no SQL.
//!
//! Every commit changes the database file or, in WAL mode, its `-wal` file (size, modification
//! time or, after a checkpoint reset, both). A runner waiting on a harness or sleeping compares
//! [`ChangeStamp`]s taken with two `stat` calls (through a [`ReadGate`]) instead of querying the
//! queue on every tick, which keeps SQLite's code out of its working set and its CPU use near
//! zero.
//!
//! File times come from a coarse clock: two writes within one clock tick can leave the time
//! unchanged. So an unchanged stamp is only conclusive when the files were already older than
//! [`SETTLE`] when the stamp was taken (the "racy" rule git applies to its index); callers ask
//! [`ChangeStamp::settled`] before trusting equality.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::Store;

/// How old the newest file time must be before an unchanged stamp is trusted. File times lag
/// the real clock by at most one scheduler tick (1-10 ms); half a second is a wide margin over
/// that, and short enough that a runner stops querying soon after the last write.
pub const SETTLE: Duration = Duration::from_millis(500);

/// Device, inode, size and modification time of one file.
type FileStamp = (u64, u64, u64, SystemTime);

/// Identity, size and modification time of the database files at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeStamp {
    files: [Option<FileStamp>; 2],
    taken: SystemTime,
}

impl ChangeStamp {
    /// Stamps the database at `db` and its `-wal` file.
    pub fn of(db: &Path) -> Self {
        use std::os::unix::fs::MetadataExt;
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        let taken = SystemTime::now();
        let stamp = |path: &Path| {
            let meta = std::fs::metadata(path).ok()?;
            Some((meta.dev(), meta.ino(), meta.size(), meta.modified().ok()?))
        };
        Self {
            files: [stamp(db), stamp(&PathBuf::from(wal))],
            taken,
        }
    }

    /// Whether the files had not been modified for [`SETTLE`] when this stamp was taken, so that
    /// an equal later stamp proves nobody wrote since.
    pub fn settled(&self) -> bool {
        self.files
            .iter()
            .flatten()
            .map(|file| file.3)
            .max()
            .and_then(|newest| self.taken.duration_since(newest).ok())
            .is_some_and(|age| age >= SETTLE)
    }

    /// True if `later` shows the same files, unchanged (time of stamping aside).
    pub fn same_files(&self, later: &ChangeStamp) -> bool {
        self.files == later.files
    }
}

/// Decides, for a poller that re-reads the database on every tick, which ticks may skip the read:
/// those that were not woken and find the files unchanged (and settled) since the last read.
#[derive(Debug, Default)]
pub struct ReadGate {
    read_at: Option<ChangeStamp>,
}

impl ReadGate {
    /// Whether to read now: when `woken`, on the first call, or when someone may have written
    /// since the last read. Answering yes records the files' stamp as that of this read.
    pub fn should_read(&mut self, store: &Store, woken: bool) -> bool {
        let now = store.change_stamp();
        let unchanged = matches!((&self.read_at, &now),
            (Some(before), Some(now)) if before.settled() && before.same_files(now));
        if !woken && unchanged {
            return false;
        }
        self.read_at = now;
        true
    }
}

impl Store {
    /// A stamp of this database's files; `None` for an in-memory database.
    pub fn change_stamp(&self) -> Option<ChangeStamp> {
        let path = self.conn.path().filter(|p| !p.is_empty())?;
        Some(ChangeStamp::of(Path::new(path)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn backdate(path: &Path, age: Duration) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    fn db_path(dir: &Path) -> PathBuf {
        dir.join("forge.db")
    }

    #[test]
    fn a_commit_changes_the_stamp_and_fresh_files_are_not_settled() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&db_path(dir.path()), 1000).unwrap();
        let before = store.change_stamp().unwrap();
        assert!(!before.settled(), "files just written must not be trusted");
        store
            .conn
            .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
        let after = store.change_stamp().unwrap();
        assert!(!before.same_files(&after));
    }

    #[test]
    fn quiet_old_files_are_settled_and_a_later_write_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(dir.path());
        let store = Store::open(&path, 1000).unwrap();
        store.conn.execute_batch("CREATE TABLE t(x);").unwrap();
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        backdate(&path, Duration::from_secs(60));
        backdate(Path::new(&wal), Duration::from_secs(60));
        let quiet = store.change_stamp().unwrap();
        assert!(quiet.settled());
        assert!(quiet.same_files(&store.change_stamp().unwrap()));
        let other = Store::open(&path, 1000).unwrap();
        other.conn.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert!(!quiet.same_files(&store.change_stamp().unwrap()));
    }

    #[test]
    fn in_memory_databases_have_no_stamp() {
        assert!(Store::open_in_memory().unwrap().change_stamp().is_none());
    }
}
