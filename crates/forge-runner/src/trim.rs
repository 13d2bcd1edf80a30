//! Handing start-up memory back while a harness runs.
//!
//! A runner spends nearly all of its life waiting on a harness, and while it waits it only runs
//! its poll loop and a queue check. Everything else it executed to get there (command-line
//! parsing, configuration, SQLite's query compiler, prompt composition, process spawning) stays
//! mapped and counts in its resident set, several MiB of code. Once a run has lasted a while,
//! [`release_idle_memory`] drops this process's mappings of clean read-only file pages with
//! `MADV_DONTNEED` and returns free heap pages to the kernel.
//!
//! Dropping a clean file page only unmaps it from this process: the page stays in the page cache
//! (shared with every other forge process), so code needed again faults back in from memory, not
//! from disk, exactly as after the kernel reclaimed it under memory pressure. Mappings holding
//! private copies (read-only data that was relocated at start-up shows `Anonymous` pages in
//! `smaps`) are never touched, since dropping those would lose the relocations.

use std::ops::Range;

/// One mapping that may be dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Droppable {
    range: Range<usize>,
    resident_kib: u64,
}

/// What a trim did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Trimmed {
    /// Mappings dropped.
    pub(crate) mappings: usize,
    /// Resident KiB those mappings held before the drop.
    pub(crate) kib: u64,
}

/// Drops clean read-only file mappings and trims the heap. Best effort: errors are ignored.
pub(crate) fn release_idle_memory() -> Trimmed {
    let mut done = Trimmed::default();
    #[cfg(target_os = "linux")]
    {
        let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
            return done;
        };
        for mapping in droppable(&smaps) {
            let len = mapping.range.end - mapping.range.start;
            let addr = mapping.range.start as *mut std::ffi::c_void;
            // SAFETY: the range is a whole mapping of this process that `droppable` found to be a
            // read-only, file-backed mapping without private (anonymous) pages. For such a
            // mapping MADV_DONTNEED only unmaps page-cache pages; the next access faults the
            // identical bytes back in from the same file, so no memory content changes.
            #[allow(unsafe_code)]
            let dropped =
                unsafe { rustix::mm::madvise(addr, len, rustix::mm::Advice::LinuxDontNeed) };
            #[allow(unsafe_code)]
            let _ = unsafe { rustix::mm::madvise(addr, len, rustix::mm::Advice::Random) };
            if dropped.is_ok() {
                done.mappings += 1;
                done.kib += mapping.resident_kib;
            }
        }
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only returns free heap memory to the kernel; it takes no pointers.
        #[allow(unsafe_code)]
        unsafe {
            libc::malloc_trim(0);
        }
    }
    done
}

/// The mappings of an `smaps` text that are safe to drop: file-backed, not writable, with
/// resident pages and no anonymous (copied-on-write) pages.
fn droppable(smaps: &str) -> Vec<Droppable> {
    let mut out = Vec::new();
    let mut current: Option<(Range<usize>, bool)> = None;
    let mut rss = 0u64;
    let mut anonymous = 0u64;
    let mut finish = |current: &mut Option<(Range<usize>, bool)>, rss: u64, anonymous: u64| {
        if let Some((range, true)) = current.take()
            && rss > 0
            && anonymous == 0
        {
            out.push(Droppable {
                range,
                resident_kib: rss,
            });
        }
    };
    for line in smaps.lines() {
        if let Some(header) = parse_header(line) {
            finish(&mut current, rss, anonymous);
            current = Some(header);
            rss = 0;
            anonymous = 0;
        } else if let Some(kib) = field_kib(line, "Rss:") {
            rss = kib;
        } else if let Some(kib) = field_kib(line, "Anonymous:") {
            anonymous = kib;
        }
    }
    finish(&mut current, rss, anonymous);
    out
}

/// Parses a mapping header line (`start-end perms offset dev inode [path]`): the address range
/// and whether the mapping is a read-only private mapping of a regular file.
fn parse_header(line: &str) -> Option<(Range<usize>, bool)> {
    let mut parts = line.split_ascii_whitespace();
    let (start, end) = parts.next()?.split_once('-')?;
    let start = usize::from_str_radix(start, 16).ok()?;
    let end = usize::from_str_radix(end, 16).ok()?;
    let perms = parts.next()?;
    let _offset = parts.next()?;
    let _dev = parts.next()?;
    let inode: u64 = parts.next()?.parse().ok()?;
    let path = parts.next().unwrap_or("");
    let perms = perms.as_bytes();
    if perms.len() != 4 || end <= start {
        return None;
    }
    let read_only_private = perms[0] == b'r' && perms[1] == b'-' && perms[3] == b'p';
    let file_backed = inode != 0 && path.starts_with('/');
    Some((start..end, read_only_private && file_backed))
}

/// The KiB value of an `smaps` field line such as `Rss:   124 kB`.
fn field_kib(line: &str, name: &str) -> Option<u64> {
    let rest = line.strip_prefix(name)?;
    rest.split_ascii_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
564036723000-564036d4e000 r-xp 00198000 fe:00 5481773                    /usr/bin/forge
Size:               6316 kB
Rss:                4344 kB
Anonymous:             0 kB
564036d4e000-564036d9c000 r--p 007c2000 fe:00 5481773                    /usr/bin/forge
Size:                312 kB
Rss:                 312 kB
Anonymous:           296 kB
564036d9c000-564036da1000 rw-p 0080f000 fe:00 5481773                    /usr/bin/forge
Rss:                  20 kB
Anonymous:            20 kB
5640485e6000-5640486b0000 rw-p 00000000 00:00 0                          [heap]
Rss:                 684 kB
Anonymous:           684 kB
7fe913bdc000-7fe913c02000 r--p 00000000 fe:00 326279                     /usr/lib/libc.so.6
Rss:                 152 kB
Anonymous:             0 kB
7fe913c02000-7fe913d58000 r-xp 00026000 fe:00 326279                     /usr/lib/libc.so.6
Rss:                   0 kB
Anonymous:             0 kB
7ffdc0172000-7ffdc0174000 r-xp 00000000 00:00 0                          [vdso]
Rss:                   8 kB
Anonymous:             0 kB
";

    #[test]
    fn only_clean_read_only_file_mappings_with_resident_pages_are_dropped() {
        let found = droppable(SAMPLE);
        assert_eq!(
            found,
            vec![
                Droppable {
                    range: 0x5640_3672_3000..0x5640_36d4_e000,
                    resident_kib: 4344,
                },
                Droppable {
                    range: 0x7fe9_13bd_c000..0x7fe9_13c0_2000,
                    resident_kib: 152,
                },
            ]
        );
    }

    #[test]
    fn garbage_is_ignored() {
        assert!(droppable("not smaps\nRss: x kB\n-\n").is_empty());
    }

    #[test]
    fn trimming_this_process_keeps_it_working() {
        let before = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let done = release_idle_memory();
        // Code, data and the heap are all still usable afterwards.
        let after = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let text: String = (0..1000).map(|i| i.to_string()).collect();
        assert!(text.len() > 1000);
        assert_eq!(before.lines().next(), after.lines().next());
        if cfg!(target_os = "linux") {
            assert!(done.mappings > 0, "nothing was dropped: {done:?}");
            assert!(done.kib > 0);
        }
    }
}
