//! What a run did and cost: the harness's output is fed line by line to its structured-output
//! parser while it runs; at the end the typed outcome and usage go on the run row and the
//! ledger, and limit outcomes put the profile in cooldown so the pool fails over.

use forge_core::duration::format_go_duration;
use forge_core::model::{Profile, RunStatus};
use forge_core::time::{add_seconds, format_ts};
use forge_harness::parse::{ExitInfo, Outcome, Parser, RunReport, parser_for};
use forge_store::RunUsage;
use jiff::Timestamp;

use super::Runner;
use crate::RunnerError;
use crate::exec::Interrupt;

/// Longest line kept for parsing; a longer one is cut (the raw output still goes to the log).
const MAX_LINE: usize = 16 * 1024 * 1024;

/// Splits both output streams into lines for the harness's parser.
///
/// Structured harnesses (JSON event streams) are parsed line by line as output arrives. Plain
/// text (`command` and unknown harnesses) carries no usage, only limit messages near its end, so
/// its parser reads just the output tail when the run ends.
pub(crate) struct ParseObserver {
    parser: Box<dyn Parser>,
    streaming: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl ParseObserver {
    pub(crate) fn new(harness: &str) -> Self {
        let streaming = matches!(
            forge_harness::normalize_harness(harness),
            Some("claude" | "codex" | "opencode" | "pi" | "droid" | "gemini")
        );
        Self {
            parser: parser_for(harness),
            streaming,
            stdout: Vec::new(),
            stderr: Vec::new(),
        }
    }

    fn feed(parser: &mut dyn Parser, buf: &mut Vec<u8>, bytes: &[u8]) {
        let mut rest = bytes;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            if buf.is_empty() {
                let _ =
                    parser.feed_line(String::from_utf8_lossy(&rest[..pos]).trim_end_matches('\r'));
            } else {
                buf.extend_from_slice(&rest[..pos]);
                let _ = parser.feed_line(String::from_utf8_lossy(buf).trim_end_matches('\r'));
                buf.clear();
            }
            rest = &rest[pos + 1..];
        }
        let room = MAX_LINE.saturating_sub(buf.len());
        buf.extend_from_slice(&rest[..rest.len().min(room)]);
    }

    /// Flushes partial lines (plain text: reads the output tail) and reports usage, outcome and
    /// final answer.
    pub(crate) fn finish(
        mut self,
        exit_code: i64,
        interrupt: Option<&Interrupt>,
        tail: &str,
    ) -> RunReport {
        if !self.streaming {
            for line in tail.lines() {
                let _ = self.parser.feed_line(line);
            }
        }
        for buf in [
            std::mem::take(&mut self.stdout),
            std::mem::take(&mut self.stderr),
        ] {
            if !buf.is_empty() {
                let _ = self
                    .parser
                    .feed_line(String::from_utf8_lossy(&buf).trim_end_matches('\r'));
            }
        }
        let mut exit = ExitInfo::exited(exit_code, jiff::ZonedDateTime::now());
        match interrupt {
            Some(Interrupt::TimedOut(_)) => exit.timed_out = true,
            Some(Interrupt::Stalled(_)) => exit.stalled = true,
            Some(_) => exit.killed = true,
            None => {}
        }
        self.parser.finish(exit)
    }
}

impl forge_process::Sink for ParseObserver {
    fn stdout(&mut self, bytes: &[u8]) {
        if self.streaming {
            Self::feed(self.parser.as_mut(), &mut self.stdout, bytes);
        }
    }

    fn stderr(&mut self, bytes: &[u8]) {
        if self.streaming {
            Self::feed(self.parser.as_mut(), &mut self.stderr, bytes);
        }
    }
}

/// The run status a report stands for: exit codes lie, the parsed outcome does not.
pub(crate) fn status_of(report: &RunReport, interrupted: bool) -> RunStatus {
    match (&report.outcome, interrupted) {
        (_, true) | (Outcome::Killed, _) => RunStatus::Killed,
        (Outcome::Success, _) => RunStatus::Success,
        _ => RunStatus::Error,
    }
}

/// The usage columns of a report (None when the harness reported nothing).
pub(crate) fn usage_of(report: &RunReport) -> Option<RunUsage> {
    let u = &report.usage;
    (!u.is_empty()).then(|| RunUsage {
        input_tokens: i64::try_from(u.input_tokens).unwrap_or(i64::MAX),
        output_tokens: i64::try_from(u.output_tokens).unwrap_or(i64::MAX),
        cache_read_tokens: i64::try_from(u.cache_read_tokens).unwrap_or(i64::MAX),
        cache_write_tokens: i64::try_from(u.cache_write_tokens).unwrap_or(i64::MAX),
        cost_usd: u.cost_usd,
        model: u.model.clone(),
        session_id: u.session_id.clone(),
    })
}

/// Ledger lines added after the standard fields.
pub(crate) fn ledger_fields(report: &RunReport) -> Vec<(String, String)> {
    let mut fields = vec![("outcome".to_string(), report.outcome.kind().to_string())];
    let u = &report.usage;
    if !u.is_empty() {
        fields.push((
            "tokens".into(),
            format!(
                "input={} output={} cache_read={} cache_write={}",
                u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens
            ),
        ));
        if let Some(cost) = u.cost_usd {
            fields.push(("cost_usd".into(), format!("{cost:.4}")));
        }
        if let Some(model) = &u.model {
            fields.push(("model".into(), model.clone()));
        }
    }
    fields
}

/// A profile parked after an authentication failure stays in cooldown until cleared by hand.
pub(crate) const PARKED_UNTIL: &str = "9999-01-01T00:00:00Z";

impl Runner<'_> {
    /// Puts the profile in cooldown after a rate limit (until the reported reset, else an
    /// exponential backoff: 1, 2, 4 … 60 minutes over the last hour's limits), an overload
    /// (30 s) or an authentication failure (parked until `forge profile cooldown clear`).
    pub(super) fn apply_outcome(
        &mut self,
        profile: &Profile,
        report: &RunReport,
    ) -> Result<(), RunnerError> {
        let now = Timestamp::now();
        let (until, reason, line) = match &report.outcome {
            Outcome::RateLimited { resets_at, window } => {
                let until = match resets_at.filter(|t| *t > now) {
                    Some(t) => t,
                    None => {
                        let since = format_ts(add_seconds(now, -3600));
                        let recent = self
                            .store
                            .count_outcomes_since(&profile.id, "rate_limited", &since)?
                            .max(1);
                        let backoff = (60_i64 << (recent - 1).min(6)).min(3600);
                        add_seconds(now, backoff)
                    }
                };
                let window = window
                    .as_deref()
                    .map(|w| format!(", window {w}"))
                    .unwrap_or_default();
                let line = format!(
                    "profile {} rate limited; cooling down until {}{window}",
                    profile.name,
                    format_ts(until)
                );
                (format_ts(until), "rate_limited", line)
            }
            Outcome::Overloaded => {
                let until = add_seconds(now, 30);
                let line = format!(
                    "profile {} overloaded; cooling down for {}",
                    profile.name,
                    format_go_duration(30)
                );
                (format_ts(until), "overloaded", line)
            }
            Outcome::AuthFailed => {
                let line = format!(
                    "profile {} parked: authentication failed; fix its login, then run `forge profile cooldown clear {}`",
                    profile.name, profile.name
                );
                (PARKED_UNTIL.to_string(), "auth_failed", line)
            }
            _ => return Ok(()),
        };
        self.log.line(&line);
        self.store.set_cooldown(&profile.id, Some(&until), reason)?;
        Ok(())
    }
}
