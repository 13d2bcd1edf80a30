//! A validated cache of directory listings, so reading an unchanged topic does not list it.
//!
//! Listing a 100,000-entry directory costs ~45 ms of kernel time (ext4 `readdir`), more than the
//! whole budget of `fmail log -n 20`. The mailbox format cannot change (the reference `fmail` and
//! other writers know nothing of an index), so instead each listing is saved next to the mailbox
//! with the directory's identity and change times, and reused only while those prove that the
//! directory has not changed since.
//!
//! Where: `.fmail/.cache/list-topic-<name>` and `.fmail/.cache/list-dm-<name>` (dir 0700, files
//! 0600). Nothing that walks a mailbox looks there: topics and inboxes live under `topics/` and
//! `dm/`, presence under `agents/`, and `.cache` is not a valid topic or agent name anyway. The
//! file names do not end in `.json`, so a watcher of `.fmail/` never mistakes them for messages.
//!
//! A cached listing is used only if all of these hold (otherwise the directory is listed for real
//! and, when the new listing qualifies, the cache is rewritten):
//! - the file has the right magic, version, lengths and checksum (corrupt or torn = invalid);
//! - the directory's `st_dev`, `st_ino`, `st_mtime` and `st_ctime` (with nanoseconds) equal those
//!   recorded, which were stat'ed *before* the listing was read. Every create, delete or rename in
//!   a directory sets its mtime and ctime to the current time; setting mtime back (`touch -d`,
//!   `utimensat`) sets ctime to the current time; a replaced directory has a new inode or times;
//! - the "racy" rule (as git's racy-index handling): the directory's last change (the later of
//!   mtime and ctime) happened at least [`RACY_MARGIN`] before the listing *started*. File times
//!   come from a coarse kernel clock (one tick, a few ms), so a file created in the same tick as
//!   the last change but after the listing would leave mtime and ctime unchanged; with the margin,
//!   any change after the listing started lands on a later tick and shows. The start, not the end,
//!   of the listing is what matters: a change during a long listing may or may not be in it. The
//!   margin also absorbs a modest skew between this clock and a network filesystem's.
//!
//! A listing that breaks the racy rule, or during which the directory changed (it is stat'ed again
//! afterwards), is not written, since it could never be trusted. Sends do not update the cache (a
//! writer that does not use this code could be missed in between), so after a new message the
//! next reads list for real until one runs at least [`RACY_MARGIN`] after it and rewrites the
//! cache. Any failure to read or write the cache is ignored: it is an optimisation, never an error.
//!
//! Residual assumptions: the system clock does not step back by more than the margin, and `stat`
//! is not served from a stale attribute cache (true for local filesystems).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::Result;
use crate::names::is_valid_name;
use crate::read::{id_key_bytes, message_file_id, read_dir_if_exists};
use crate::split_scan::split_list;
use crate::store::{Store, create_dir, write_replace};

/// How long before a listing started the directory's last change must be for the listing to be
/// trusted later.
pub const RACY_MARGIN: Duration = Duration::from_secs(2);

/// The cache directory under `.fmail/`.
const CACHE_DIR: &str = ".cache";
const CACHE_DIR_MODE: u32 = 0o700;
const CACHE_FILE_MODE: u32 = 0o600;
/// File magic; the last byte is the format version (bump it on any layout change).
const MAGIC: [u8; 8] = *b"FMLIST\0\x01";
/// magic, dev, ino, mtime (sec, nsec), ctime (sec, nsec), start (sec, nsec), key and name counts.
const HEADER_LEN: usize = 8 + 8 * 11;
const CHECKSUM_LEN: usize = 8;

/// How listings are trusted; tests move the clock instead of sleeping.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CachePolicy {
    pub(crate) margin: Duration,
    pub(crate) now: fn() -> SystemTime,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            margin: RACY_MARGIN,
            now: SystemTime::now,
        }
    }
}

/// The message names of one directory: standard ids as integer keys, other names as strings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct DirNames {
    pub(crate) keys: Vec<u64>,
    pub(crate) odd: Vec<String>,
}

/// How each directory of a listing was obtained.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ListStats {
    /// Served from a valid cache file (the directory was not listed).
    pub(crate) from_cache: usize,
    /// Listed for real.
    pub(crate) listed: usize,
}

/// A time as nanoseconds since the epoch (negative before it).
type Nanos = i128;

/// What identifies a directory's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DirStamp {
    dev: u64,
    ino: u64,
    mtime: Nanos,
    ctime: Nanos,
}

impl DirStamp {
    fn of(dir: &Path) -> Option<Self> {
        Self::with_size(dir).map(|(stamp, _)| stamp)
    }

    /// The stamp and the directory's size in bytes, from one `stat`.
    fn with_size(dir: &Path) -> Option<(Self, u64)> {
        let meta = fs_err::metadata(dir).ok()?;
        let stamp = Self {
            dev: meta.dev(),
            ino: meta.ino(),
            mtime: nanos(meta.mtime(), meta.mtime_nsec()),
            ctime: nanos(meta.ctime(), meta.ctime_nsec()),
        };
        Some((stamp, meta.len()))
    }

    /// The racy rule: the last change was at least `margin` before `started`.
    fn settled_before(&self, started: Nanos, margin: Duration) -> bool {
        let margin = Nanos::try_from(margin.as_nanos()).unwrap_or(Nanos::MAX);
        self.mtime.max(self.ctime).saturating_add(margin) <= started
    }
}

fn nanos(sec: i64, nsec: i64) -> Nanos {
    Nanos::from(sec) * 1_000_000_000 + Nanos::from(nsec)
}

fn system_nanos(time: SystemTime) -> Nanos {
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => Nanos::try_from(after.as_nanos()).unwrap_or(Nanos::MAX),
        Err(before) => -Nanos::try_from(before.duration().as_nanos()).unwrap_or(Nanos::MAX),
    }
}

/// Splits nanoseconds into the (seconds, nanoseconds) pair stored on disk.
fn split(time: Nanos) -> (i64, i64) {
    let sec = time.div_euclid(1_000_000_000);
    let nsec = time.rem_euclid(1_000_000_000);
    (
        i64::try_from(sec).unwrap_or(i64::MAX),
        i64::try_from(nsec).unwrap_or(0),
    )
}

impl Store {
    /// The cache directory (`.fmail/.cache`).
    pub(crate) fn listing_cache_dir(&self) -> PathBuf {
        self.dir().join(CACHE_DIR)
    }

    /// The cache file for a topic or inbox directory; `None` for any other directory.
    fn listing_cache_file(&self, dir: &Path) -> Option<PathBuf> {
        let name = dir.file_name()?.to_str().filter(|n| is_valid_name(n))?;
        let parent = dir.parent()?;
        let kind = if parent == self.topics_dir() {
            "topic"
        } else if parent == self.dm_root() {
            "dm"
        } else {
            return None;
        };
        Some(self.listing_cache_dir().join(format!("list-{kind}-{name}")))
    }

    /// The message names in `dir`, from a valid cache file or else by listing it (and then
    /// refreshing the cache when allowed). `None` if `dir` does not exist.
    pub(crate) fn dir_names(&self, dir: &Path, stats: &mut ListStats) -> Result<Option<DirNames>> {
        let policy = self.listing_policy();
        let cache_file = self.listing_cache_file(dir);
        if let Some(names) = cache_file
            .as_deref()
            .and_then(|file| load_valid(file, dir, policy.margin))
        {
            stats.from_cache += 1;
            return Ok(Some(names));
        }
        // Clock first, then stat, then list: see the racy rule in the module docs.
        let started = system_nanos((policy.now)());
        let stat = DirStamp::with_size(dir);
        let size = stat.as_ref().map_or(0, |(_, size)| *size);
        let before = stat.map(|(stamp, _)| stamp);
        let Some(names) = read_names(dir, size)? else {
            return Ok(None);
        };
        stats.listed += 1;
        if let (Some(file), Some(before)) = (cache_file, before)
            && before.settled_before(started, policy.margin)
            && DirStamp::of(dir) == Some(before)
        {
            // Best effort: a read-only or foreign-owned mailbox simply gets no cache.
            let _ = create_dir(&self.listing_cache_dir(), CACHE_DIR_MODE);
            let _ = write_replace(&file, &encode(&before, started, &names), CACHE_FILE_MODE);
        }
        Ok(Some(names))
    }
}

impl Store {
    /// Removes cache files that no longer describe anything: listings of topics or inboxes whose
    /// directory is gone, and temp files left by a writer that died (older than `temp_cutoff`).
    /// Best effort and silent: the cache is Forge's own and never part of `gc`'s report.
    pub(crate) fn prune_listing_cache(&self, temp_cutoff: SystemTime) {
        let Ok(entries) = fs_err::read_dir(self.listing_cache_dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let stale = if name.starts_with(".tmp-") {
                entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t < temp_cutoff)
            } else if let Some(topic) = name.strip_prefix("list-topic-") {
                !self.topics_dir().join(topic).is_dir()
            } else if let Some(agent) = name.strip_prefix("list-dm-") {
                !self.dm_root().join(agent).is_dir()
            } else {
                false
            };
            if stale {
                let _ = fs_err::remove_file(&path);
            }
        }
    }
}

/// Lists `dir`'s message names; `None` if it does not exist. Big directories on ext4 (by `size`,
/// the directory's size in bytes) are read in two halves at once (see [`crate::split_scan`]).
fn read_names(dir: &Path, size: u64) -> Result<Option<DirNames>> {
    if let Some(halves) = split_list(dir, size, add_name) {
        let [mut names, second] = match halves {
            Ok(halves) => halves,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => {
                let text = format!("failed to read directory `{}`: {err}", dir.display());
                return Err(std::io::Error::new(err.kind(), text).into());
            }
        };
        names.keys.extend(second.keys);
        names.odd.extend(second.odd);
        return Ok(Some(names));
    }
    let Some(reader) = read_dir_if_exists(dir)? else {
        return Ok(None);
    };
    let mut names = DirNames::default();
    for entry in reader {
        add_name(&entry?.file_name(), &mut names);
    }
    Ok(Some(names))
}

/// Files a directory entry under its key (standard ids) or as an odd name; other names are
/// skipped. Runs once per file (100,000 times for a big topic): no `String` for standard ids.
fn add_name(name: &std::ffi::OsStr, names: &mut DirNames) {
    let bytes = name.as_encoded_bytes();
    if let Some(key) = bytes.strip_suffix(b".json").and_then(id_key_bytes) {
        names.keys.push(key);
    } else if let Some(id) = name.to_str().and_then(message_file_id) {
        names.odd.push(id.to_owned());
    }
}

/// The cached names of `dir` if the cache file is intact and still describes `dir`.
fn load_valid(file: &Path, dir: &Path, margin: Duration) -> Option<DirNames> {
    let bytes = fs_err::read(file).ok()?;
    let (stamp, started, names) = decode(&bytes)?;
    (stamp.settled_before(started, margin) && DirStamp::of(dir) == Some(stamp)).then_some(names)
}

/// A word-at-a-time hash: detects truncation and bit rot, not tampering (anyone who can write
/// the cache can write messages too).
fn checksum(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = (hash ^ u64::from_le_bytes(word))
            .wrapping_mul(0x0000_0100_0000_01b3)
            .rotate_left(23);
    }
    for &b in chunks.remainder() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn encode(stamp: &DirStamp, started: Nanos, names: &DirNames) -> Vec<u8> {
    let odd_len: usize = names.odd.iter().map(|n| 4 + n.len()).sum();
    let mut out = Vec::with_capacity(HEADER_LEN + names.keys.len() * 8 + odd_len + CHECKSUM_LEN);
    out.extend_from_slice(&MAGIC);
    let (m_sec, m_nsec) = split(stamp.mtime);
    let (c_sec, c_nsec) = split(stamp.ctime);
    let (s_sec, s_nsec) = split(started);
    for value in [stamp.dev, stamp.ino] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    for value in [m_sec, m_nsec, c_sec, c_nsec, s_sec, s_nsec] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    for count in [names.keys.len(), names.odd.len()] {
        out.extend_from_slice(&(count as u64).to_le_bytes());
    }
    for key in &names.keys {
        out.extend_from_slice(&key.to_le_bytes());
    }
    for name in &names.odd {
        let len = u32::try_from(name.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
    }
    let sum = checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// Reads little-endian fields off the front of a byte slice.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
}

fn decode(bytes: &[u8]) -> Option<(DirStamp, Nanos, DirNames)> {
    let body_len = bytes.len().checked_sub(CHECKSUM_LEN)?;
    let (body, sum) = bytes.split_at(body_len);
    if u64::from_le_bytes(sum.try_into().ok()?) != checksum(body) {
        return None;
    }
    let mut cur = Cursor(body);
    if cur.take(MAGIC.len())? != MAGIC {
        return None;
    }
    let (dev, ino) = (cur.u64()?, cur.u64()?);
    let mtime = nanos(cur.i64()?, cur.i64()?);
    let ctime = nanos(cur.i64()?, cur.i64()?);
    let started = nanos(cur.i64()?, cur.i64()?);
    let key_count = usize::try_from(cur.u64()?).ok()?;
    let odd_count = usize::try_from(cur.u64()?).ok()?;
    let keys = cur
        .take(key_count.checked_mul(8)?)?
        .chunks_exact(8)
        .filter_map(|chunk| chunk.try_into().ok().map(u64::from_le_bytes))
        .collect();
    // Each name needs at least its 4-byte length: bound the allocation by what the file holds.
    let mut odd = Vec::with_capacity(odd_count.min(cur.0.len() / 4));
    for _ in 0..odd_count {
        let len = usize::try_from(cur.u32()?).ok()?;
        let name = std::str::from_utf8(cur.take(len)?).ok()?;
        odd.push(name.to_owned());
    }
    if !cur.0.is_empty() {
        return None;
    }
    let stamp = DirStamp {
        dev,
        ino,
        mtime,
        ctime,
    };
    Some((stamp, started, DirNames { keys, odd }))
}

#[cfg(test)]
#[path = "listing_cache_tests.rs"]
mod tests;
