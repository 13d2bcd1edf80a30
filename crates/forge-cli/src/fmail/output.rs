//! Shared message output for `log`, `messages` and `watch`.

use forge_mail::{Message, Skipped, encode_line};

use crate::error::CliError;
use crate::printer::Printer;

/// Prints one message: `<id> <from> -> <to>: <body>`, or one compact JSON line with `json`.
pub(crate) fn print_message(
    printer: &Printer,
    message: &Message,
    json: bool,
) -> Result<(), CliError> {
    if json {
        printer.line(&encode_line(message)?)
    } else {
        printer.line(&format!(
            "{} {} -> {}: {}",
            message.id,
            message.from,
            message.to,
            message.body_text()
        ))
    }
}

/// Warns about files that could not be read as messages.
pub(crate) fn warn_skipped(printer: &Printer, skipped: &[Skipped]) {
    for skip in skipped {
        printer.warn(&format!(
            "skipping unreadable message {}: {}",
            skip.path.display(),
            skip.error
        ));
    }
}

/// Renders rows as columns separated by two spaces (the last column is not padded).
pub(crate) fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = widths
                    .get(c)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(cell.chars().count())
                    + 2;
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}
