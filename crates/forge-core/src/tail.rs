//! A bounded tail of output lines (the last N lines of a harness run).

/// Number of lines kept for run rows, ledgers and interrupt context.
pub const TAIL_LINES: usize = 60;

/// Keeps the last `capacity` lines of a byte stream.
///
/// Output is appended to one byte buffer that is trimmed at a line boundary when it grows past
/// twice [`LineTail::KEEP_BYTES`], so feeding it costs a copy per chunk, not an allocation per
/// line (a harness may print millions of lines).
#[derive(Debug, Clone)]
pub struct LineTail {
    capacity: usize,
    recent: Vec<u8>,
}

impl LineTail {
    /// Bytes kept after trimming; the tail is the last `capacity` lines within them.
    pub const KEEP_BYTES: usize = 256 * 1024;

    /// An empty tail keeping `capacity` lines.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            recent: Vec::new(),
        }
    }

    /// Feeds raw output bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if bytes.len() >= Self::KEEP_BYTES {
            // A chunk this big replaces everything kept so far: copy only its end.
            let cut = line_start_from(bytes, bytes.len() - Self::KEEP_BYTES);
            self.recent.clear();
            self.recent.extend_from_slice(&bytes[cut..]);
            return;
        }
        self.recent.extend_from_slice(bytes);
        if self.recent.len() > 2 * Self::KEEP_BYTES {
            let cut = line_start_from(&self.recent, self.recent.len() - Self::KEEP_BYTES);
            self.recent.drain(..cut);
        }
    }

    /// The tail as text: the last lines, the partial last line included when it is not blank.
    pub fn text(&self) -> String {
        let text = String::from_utf8_lossy(&self.recent);
        let mut lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
        if lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        lines[lines.len().saturating_sub(self.capacity)..].join("\n")
    }
}

/// Where the first whole line at or after `cut` starts (just after the next newline), or `cut`
/// itself if no newline follows.
fn line_start_from(bytes: &[u8], cut: usize) -> usize {
    bytes[cut..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(cut, |nl| cut + nl + 1)
}

/// The last `n` lines of `text`.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_last_lines_and_partial() {
        let mut tail = LineTail::new(3);
        tail.push(b"one\ntwo\nthr");
        tail.push(b"ee\nfour\nfi");
        assert_eq!(tail.text(), "three\nfour\nfi");
        let mut blank = LineTail::new(3);
        blank.push(b"a\n  ");
        assert_eq!(blank.text(), "a");
        assert_eq!(last_lines("a\nb\nc", 2), "b\nc");
    }

    #[test]
    fn one_huge_chunk_gives_the_same_tail_as_many_small_ones() {
        let text: String = (0..20_000)
            .map(|i| format!("line {i} of a long run of output\n"))
            .collect();
        let bytes = text.as_bytes();
        let mut whole = LineTail::new(TAIL_LINES);
        whole.push(bytes);
        whole.push(b"partial");
        let mut pieces = LineTail::new(TAIL_LINES);
        for chunk in bytes.chunks(1000) {
            pieces.push(chunk);
        }
        pieces.push(b"partial");
        assert_eq!(whole.text(), pieces.text());
        assert!(whole.text().starts_with("line 19941 of"));
        assert!(
            whole
                .text()
                .ends_with("line 19999 of a long run of output\npartial")
        );
    }
}
