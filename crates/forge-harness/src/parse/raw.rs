//! Cheap views of large JSON strings.
//!
//! Tool outputs and assistant messages are most of a stream's bytes, yet a log line needs only
//! their first line. [`first_line_of_literal`] reads the first non-blank line straight out of a
//! JSON string literal as it appears on the wire (escapes and all), so the parser never
//! unescapes or allocates the rest.

use serde_json::value::RawValue;

use super::common::{MAX_RENDER_CHARS, shorten};

/// Raw bytes of the first non-blank line considered at most; longer lines are cut.
const MAX_RAW_LINE: usize = 4 * MAX_RENDER_CHARS;

/// The rendering of a raw JSON value that should be a string: its first non-blank line,
/// shortened, with a count of further non-blank lines (`(+3 lines)`); other JSON is shown
/// compact.
pub(crate) fn one_line_raw(raw: &RawValue) -> String {
    let text = raw.get().trim();
    if text.starts_with('"') {
        first_line_of_literal(text)
    } else if text == "null" {
        String::new()
    } else {
        shorten(text, MAX_RENDER_CHARS)
    }
}

/// The full string a raw JSON value holds (`None` for other JSON).
pub(crate) fn string_of(raw: &RawValue) -> Option<String> {
    serde_json::from_str::<String>(raw.get()).ok()
}

/// See [`one_line_raw`]; `literal` is a JSON string literal including its quotes.
///
/// Only backslashes can start a line break (`\n`) or a whitespace escape, so the scan jumps
/// from one backslash to the next (`memchr`) and looks at the plain bytes in between only to
/// learn whether a line is blank, which the first non-space byte settles.
pub(crate) fn first_line_of_literal(literal: &str) -> String {
    let bytes = literal.as_bytes();
    let end = bytes.len().saturating_sub(1);
    if end < 1 {
        return String::new();
    }
    let body = &bytes[..end];
    let mut line_start = 1;
    let mut has_content = false;
    let mut first: Option<(usize, usize)> = None;
    let mut more = 0usize;
    let mut plain_from = 1;
    let escapes = memchr::memchr_iter(b'\\', body);
    for at in escapes {
        if at < plain_from {
            // The second backslash of an escaped backslash, already consumed.
            continue;
        }
        if !has_content && body[plain_from..at].iter().any(|b| *b != b' ') {
            has_content = true;
        }
        let escape = body.get(at + 1).copied().unwrap_or(b' ');
        plain_from = at + if escape == b'u' { 6 } else { 2 };
        match escape {
            b'n' => {
                if has_content {
                    match first {
                        None => first = Some((line_start, at)),
                        Some(_) => more += 1,
                    }
                }
                line_start = at + 2;
                has_content = false;
            }
            b't' | b'r' => {}
            _ => has_content = true,
        }
    }
    let plain_from = plain_from.min(end);
    if !has_content && body[plain_from..].iter().any(|b| *b != b' ') {
        has_content = true;
    }
    if has_content {
        match first {
            None => first = Some((line_start, end.max(line_start))),
            Some(_) => more += 1,
        }
    }
    let Some((start, stop)) = first else {
        return String::new();
    };
    let stop = cut_at_escape_boundary(bytes, start, stop.min(end));
    let segment = &literal[start..stop];
    let text = serde_json::from_str::<String>(&format!("\"{segment}\""))
        .unwrap_or_else(|_| segment.to_string());
    let mut out = shorten(text.trim(), MAX_RENDER_CHARS);
    if stop - start >= MAX_RAW_LINE && !out.ends_with('…') {
        out.push('…');
    }
    if more > 0 {
        out.push_str(&format!(" (+{more} lines)"));
    }
    out
}

/// `stop`, or an earlier position within `MAX_RAW_LINE` bytes of `start` that does not split
/// an escape sequence or a UTF-8 character.
fn cut_at_escape_boundary(bytes: &[u8], start: usize, stop: usize) -> usize {
    if stop - start <= MAX_RAW_LINE {
        return stop;
    }
    let limit = start + MAX_RAW_LINE;
    let mut i = start;
    let mut last_safe = start;
    while i < limit {
        if bytes[i] == b'\\' {
            let width = if bytes.get(i + 1) == Some(&b'u') {
                6
            } else {
                2
            };
            last_safe = i;
            i += width;
        } else {
            i += 1;
        }
        // A safe cut: after a complete escape or before a UTF-8 leading byte.
        if i <= limit && bytes.get(i).is_some_and(|b| (*b & 0xC0) != 0x80) {
            last_safe = i;
        }
    }
    last_safe.max(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(text: &str) -> String {
        serde_json::to_string(text).unwrap()
    }

    #[test]
    fn matches_the_plain_rendering() {
        for text in [
            "one line",
            "\n\n  first \nsecond\n\nthird\n",
            "tab\tinside \"quotes\" and \\n not a newline",
            "   \n\t\n",
            "",
            "unicode é€ 😀\nnext",
            "\\\nx",
        ] {
            assert_eq!(
                first_line_of_literal(&literal(text)),
                super::super::common::one_line(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn long_lines_are_cut_safely() {
        let long = "é\"".repeat(2000);
        let out = first_line_of_literal(&literal(&long));
        assert!(out.ends_with('…'));
        assert!(out.chars().count() <= MAX_RENDER_CHARS + 1);
    }
}
