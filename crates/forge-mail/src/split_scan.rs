//! Listing one big directory on two cores.
//!
//! Listing a topic of 100,000 messages is almost all kernel time spent walking the directory
//! (ext4 hashes every name and sorts each block's entries), and one `getdents64` stream can only
//! use one core. On ext4 a directory position ("cookie") is the name's hash in a 63-bit space
//! for indexed directories, or a byte offset for small linear ones. So a big ext4 directory is
//! read as two halves at once: one stream from the start for the entries whose position is
//! below the middle of that space, and one that seeks to the middle and reads to the end. Every
//! entry has one position, so it lands in exactly one half. For a linear directory every offset
//! is below the middle: the second half is empty and the first reads everything. Other
//! filesystems, and small directories, are listed the ordinary way.
//!
//! As with any directory listing, a name created or removed while the listing runs may or may
//! not be seen; callers that cache a listing check the directory's times around it.

use std::ffi::OsStr;
use std::mem::MaybeUninit;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::{Mode, OFlags, RawDir, SeekFrom, open, seek, statfs};

/// `statfs` magic number of ext2/3/4.
const EXT4_SUPER_MAGIC: i64 = 0xEF53;

/// The middle of ext4's 63-bit position space for indexed directories.
const MIDDLE: u64 = 1 << 62;

/// Directories smaller than this (bytes of directory blocks; roughly 25 entries per KiB) are
/// listed by one stream: a thread costs more than it saves.
const SPLIT_FROM_BYTES: u64 = 256 * 1024;

/// Calls `visit` with every name in `dir` except `.` and `..`, from two threads when `dir` is a
/// big ext4 directory (`visit` is cloned, one per half; the halves' results come back in order
/// first half, second half). `None` when the directory is not worth splitting or not on ext4.
pub(crate) fn split_list<T, F>(
    dir: &Path,
    dir_size: u64,
    visit: F,
) -> Option<std::io::Result<[T; 2]>>
where
    T: Default + Send,
    F: Fn(&OsStr, &mut T) + Clone + Send,
{
    if dir_size < SPLIT_FROM_BYTES {
        return None;
    }
    let fs = statfs(dir).ok()?;
    // `f_type`'s integer type differs between targets.
    #[allow(clippy::useless_conversion)]
    let f_type = i64::from(fs.f_type);
    if f_type != EXT4_SUPER_MAGIC {
        return None;
    }
    let second_visit = visit.clone();
    let result = std::thread::scope(|scope| {
        let second = scope.spawn(|| scan(dir, MIDDLE, u64::MAX, second_visit));
        let first = scan(dir, 0, MIDDLE, visit);
        let second = second
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("directory listing thread failed")));
        Ok([first?, second?])
    });
    Some(result)
}

/// Reads the entries of `dir` whose position is in `start..stop`.
fn scan<T: Default, F: Fn(&OsStr, &mut T)>(
    dir: &Path,
    start: u64,
    stop: u64,
    visit: F,
) -> std::io::Result<T> {
    let fd = open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    if start > 0 {
        seek(&fd, SeekFrom::Start(start))?;
    }
    let mut buf = vec![MaybeUninit::<u8>::uninit(); 256 * 1024];
    let mut entries = RawDir::new(&fd, &mut buf);
    let mut out = T::default();
    // An entry's own position is the cookie of the entry before it.
    let mut position = start;
    while let Some(entry) = entries.next() {
        let entry = entry?;
        if position >= stop {
            break;
        }
        position = entry.next_entry_cookie();
        let name = entry.file_name().to_bytes();
        if name != b"." && name != b".." {
            visit(OsStr::from_bytes(name), &mut out);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut all: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        all.sort();
        all
    }

    #[test]
    fn a_split_listing_sees_every_name_exactly_once() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..12_000 {
            std::fs::write(
                dir.path()
                    .join(format!("20261124-{:06}-{:04}.json", i / 100, i % 100)),
                "",
            )
            .unwrap();
        }
        std::fs::write(dir.path().join(".tmp-odd"), "").unwrap();
        let size = std::fs::metadata(dir.path()).unwrap().len();
        let collect = |name: &OsStr, out: &mut Vec<String>| {
            out.push(name.to_string_lossy().into_owned());
        };
        let Some(halves) = split_list(dir.path(), size.max(SPLIT_FROM_BYTES), collect) else {
            // Not ext4 here: nothing to check.
            return;
        };
        let [mut first, second] = halves.unwrap();
        // An indexed directory spreads names over both halves.
        assert!(!first.is_empty() && !second.is_empty());
        first.extend(second);
        first.sort();
        assert_eq!(first, names(dir.path()));
    }

    #[test]
    fn small_directories_are_not_split() {
        let dir = tempfile::tempdir().unwrap();
        let visit = |_: &OsStr, _: &mut Vec<String>| {};
        assert!(split_list(dir.path(), 4096, visit).is_none());
    }
}
