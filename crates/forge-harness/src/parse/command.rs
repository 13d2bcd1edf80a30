//! Plain-text output of any command: no usage; the outcome follows the exit code, except that
//! limit and auth messages in the last lines are recognised (scripts that wrap an agent CLI
//! often exit 0 after printing one). After exit 0 a line must also read like a failure ("error",
//! "limit", "too many", ...), so `test_429 passed` does not park a profile.

use std::sync::LazyLock;

use regex::Regex;

use super::common::{Evidence, classified};
use super::patterns::classify;
use super::{ExitInfo, Outcome, Parser, RunReport};

/// Lines scanned after a failure, and after a success (where a match must be recent).
const TAIL_ON_FAILURE: usize = 16;
const TAIL_ON_SUCCESS: usize = 3;

/// Words a limit message printed by a successful process must contain.
static FAILURE_WORDS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)error|limit|quota|too many|try again|resets?\b|denied|unauthori[sz]ed|expired|overloaded|exhausted").ok()
});

/// Parser for plain-text output.
#[derive(Debug)]
pub(crate) struct CommandParser {
    ev: Evidence,
    tail: std::collections::VecDeque<String>,
}

impl Default for CommandParser {
    fn default() -> Self {
        CommandParser {
            ev: Evidence::new("command"),
            tail: std::collections::VecDeque::new(),
        }
    }
}

impl Parser for CommandParser {
    fn feed_line(&mut self, line: &str) -> Option<String> {
        let line = line.trim_end();
        if !line.trim().is_empty() {
            if self.tail.len() == TAIL_ON_FAILURE {
                self.tail.pop_front();
            }
            self.tail.push_back(line.to_string());
        }
        Some(line.to_string())
    }

    fn finish(self: Box<Self>, exit: ExitInfo) -> RunReport {
        let killed = exit.killed || exit.timed_out || exit.stalled;
        let scan = if exit.exit_code == 0 {
            TAIL_ON_SUCCESS
        } else {
            TAIL_ON_FAILURE
        };
        let found = (!killed)
            .then(|| {
                self.tail
                    .iter()
                    .rev()
                    .take(scan)
                    .filter(|text| {
                        exit.exit_code != 0
                            || FAILURE_WORDS
                                .as_ref()
                                .is_some_and(|words| words.is_match(text))
                    })
                    .find_map(|text| {
                        classify("command", text).map(|class| classified(class, text, &exit))
                    })
            })
            .flatten();
        let last = self.tail.back().cloned();
        let mut report = self.ev.finish(&exit);
        if let Some(outcome) = found {
            report.outcome = outcome;
        } else if let (Outcome::Error { message }, Some(last)) = (&mut report.outcome, last) {
            *message = format!("exited with code {}: {last}", exit.exit_code);
        }
        report
    }
}
