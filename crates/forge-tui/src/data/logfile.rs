//! Reading pieces of log files that may be gigabytes long: the tail (reading backwards from the
//! end in blocks), a window around an offset, and what was appended since the last read. No
//! function here reads more than a few MiB, whatever the file's size.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Block size of backward reads.
const BLOCK: u64 = 64 * 1024;
/// The most one read takes from a file.
pub(crate) const MAX_READ: u64 = 4 * 1024 * 1024;
/// Longest line kept; longer ones are cut (a single JSON event can be megabytes).
const MAX_LINE: usize = 4096;

/// Raw lines of a file region: `(offset, text)` with ANSI escapes removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RawWindow {
    pub(crate) lines: Vec<(u64, String)>,
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) file_len: u64,
    /// Device and inode of the file read, to notice a replaced file.
    pub(crate) identity: (u64, u64),
}

/// Size, identity and modification time of a file, compared between polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileStat {
    pub(crate) len: u64,
    pub(crate) identity: (u64, u64),
    pub(crate) mtime_ns: i128,
}

pub(crate) fn stat(path: &Path) -> std::io::Result<FileStat> {
    let meta = std::fs::metadata(path)?;
    Ok(FileStat {
        len: meta.len(),
        identity: (meta.dev(), meta.ino()),
        mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
    })
}

/// Removes ANSI escape sequences (CSI and OSC) and other control characters except tabs,
/// which become spaces.
pub(crate) fn clean_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len().min(MAX_LINE));
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if out.len() >= MAX_LINE {
            out.push('…');
            break;
        }
        match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    chars.next();
                    while let Some(n) = chars.next() {
                        if n == '\u{7}' || (n == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {
                    chars.next();
                }
            },
            '\t' => out.push_str("    "),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Splits `buf` (file bytes starting at `base`) into complete lines. With `skip_first`, the
/// first line is dropped as probably partial (the read started mid-line). A trailing piece
/// without a newline is left out; the returned end is just past the last newline.
fn split_lines(buf: &[u8], base: u64, skip_first: bool) -> (Vec<(u64, String)>, u64, u64) {
    let mut lines = Vec::new();
    let mut pos = 0usize;
    let mut first_start = base;
    if skip_first {
        match memchr(b'\n', buf) {
            Some(i) => pos = i + 1,
            None => return (lines, base + buf.len() as u64, base + buf.len() as u64),
        }
        first_start = base + pos as u64;
    }
    while let Some(i) = memchr(b'\n', &buf[pos..]) {
        lines.push((base + pos as u64, clean_line(&buf[pos..pos + i])));
        pos += i + 1;
    }
    (lines, first_start, base + pos as u64)
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|b| *b == needle)
}

fn read_range(file: &mut File, start: u64, end: u64) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; end.saturating_sub(start) as usize];
    file.seek(SeekFrom::Start(start))?;
    file.read_exact(&mut buf)?;
    Ok(buf)
}

fn open(path: &Path) -> std::io::Result<(File, FileStat)> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    let stat = FileStat {
        len: meta.len(),
        identity: (meta.dev(), meta.ino()),
        mtime_ns: 0,
    };
    Ok((file, stat))
}

/// The last `max_lines` complete lines (and whatever a final unterminated line holds is left
/// for the next read), reading backwards block by block and never more than [`MAX_READ`].
pub(crate) fn read_tail(path: &Path, max_lines: usize) -> std::io::Result<RawWindow> {
    let (mut file, stat) = open(path)?;
    let len = stat.len;
    let mut start = len;
    let mut buf: Vec<u8> = Vec::new();
    while start > 0 && len - start < MAX_READ {
        let from = start.saturating_sub(BLOCK);
        let mut chunk = read_range(&mut file, from, start)?;
        chunk.extend_from_slice(&buf);
        buf = chunk;
        start = from;
        if buf.iter().filter(|b| **b == b'\n').count() > max_lines {
            break;
        }
    }
    let (mut lines, first, end) = split_lines(&buf, start, start > 0);
    let drop = lines.len().saturating_sub(max_lines);
    lines.drain(..drop);
    let start = lines.first().map_or(first, |l| l.0);
    Ok(RawWindow {
        lines,
        start,
        end,
        file_len: len,
        identity: stat.identity,
    })
}

/// Complete lines around `offset`: up to `before` bytes before it and `after` bytes from it.
/// `offset` is moved back to the start of its line.
pub(crate) fn read_around(
    path: &Path,
    offset: u64,
    before: u64,
    after: u64,
) -> std::io::Result<RawWindow> {
    let (mut file, stat) = open(path)?;
    let len = stat.len;
    let offset = offset.min(len);
    let from = offset.saturating_sub(before.min(MAX_READ / 2));
    let to = (offset + after.min(MAX_READ / 2)).min(len);
    let buf = read_range(&mut file, from, to)?;
    let (lines, first, end) = split_lines(&buf, from, from > 0);
    let start = lines.first().map_or(first, |l| l.0);
    Ok(RawWindow {
        lines,
        start,
        end,
        file_len: len,
        identity: stat.identity,
    })
}

/// Lines appended to a file, the offset just past them, and the file's stat.
pub(crate) type Appended = (Vec<(u64, String)>, u64, FileStat);

/// Complete lines appended after `from` (at most [`MAX_READ`] bytes: when more was written,
/// None says to read the tail again instead).
pub(crate) fn read_appended(path: &Path, from: u64) -> std::io::Result<Option<Appended>> {
    let (mut file, stat) = open(path)?;
    if stat.len < from || stat.len - from > MAX_READ {
        return Ok(None);
    }
    let buf = read_range(&mut file, from, stat.len)?;
    let (lines, _, end) = split_lines(&buf, from, false);
    Ok(Some((lines, end, stat)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn file_with(lines: usize) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let text: String = (0..lines).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn tail_reads_the_last_lines_with_their_offsets() {
        let (_d, path) = file_with(50_000);
        let w = read_tail(&path, 3).unwrap();
        let texts: Vec<&str> = w.lines.iter().map(|l| l.1.as_str()).collect();
        assert_eq!(texts, ["line 49997", "line 49998", "line 49999"]);
        assert_eq!(w.end, w.file_len);
        let bytes = std::fs::read(&path).unwrap();
        let off = w.lines[0].0 as usize;
        assert!(bytes[off..].starts_with(b"line 49997\n"));
        assert_eq!(w.start, w.lines[0].0);
    }

    #[test]
    fn around_aligns_to_lines_and_appended_sees_only_new_complete_lines() {
        let (_d, path) = file_with(1000);
        let w = read_around(&path, 5000, 100, 100).unwrap();
        assert!(w.lines.iter().all(|l| l.1.starts_with("line ")));
        assert!(w.lines.first().unwrap().0 < 5000 && w.lines.last().unwrap().0 > 5000);
        let len = std::fs::metadata(&path).unwrap().len();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        std::io::Write::write_all(&mut f, b"new one\npartial").unwrap();
        let (lines, end, _) = read_appended(&path, len).unwrap().unwrap();
        assert_eq!(lines, vec![(len, "new one".to_string())]);
        assert_eq!(end, len + 8);
    }

    #[test]
    fn escapes_are_removed() {
        assert_eq!(clean_line(b"\x1b[31mred\x1b[0m\tx\r"), "red    x");
        assert_eq!(clean_line(b"a\x1b]0;title\x07b"), "ab");
    }
}
