//! A bounded tail of output lines (the last N lines of a harness run).

use std::collections::VecDeque;

/// Number of lines kept for run rows, ledgers and interrupt context.
pub const TAIL_LINES: usize = 60;

/// Keeps the last `capacity` complete lines plus the current partial line.
#[derive(Debug, Clone)]
pub struct LineTail {
    capacity: usize,
    lines: VecDeque<String>,
    partial: Vec<u8>,
}

impl LineTail {
    /// An empty tail keeping `capacity` lines.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            lines: VecDeque::with_capacity(capacity),
            partial: Vec::new(),
        }
    }

    /// Feeds raw output bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            self.partial.extend_from_slice(&rest[..pos]);
            let line = String::from_utf8_lossy(&self.partial)
                .trim_end_matches('\r')
                .to_string();
            self.partial.clear();
            if self.lines.len() == self.capacity {
                self.lines.pop_front();
            }
            self.lines.push_back(line);
            rest = &rest[pos + 1..];
        }
        // Cap a pathological never-ending line so memory stays bounded.
        let room = 64 * 1024usize.saturating_sub(self.partial.len().min(64 * 1024));
        self.partial
            .extend_from_slice(&rest[..rest.len().min(room)]);
    }

    /// The tail as text: the kept lines, plus the partial last line if it is not blank.
    pub fn text(&self) -> String {
        let mut lines: Vec<String> = self.lines.iter().cloned().collect();
        let partial = String::from_utf8_lossy(&self.partial).to_string();
        if !partial.trim().is_empty() {
            if lines.len() == self.capacity {
                lines.remove(0);
            }
            lines.push(partial);
        }
        lines.join("\n")
    }
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
}
