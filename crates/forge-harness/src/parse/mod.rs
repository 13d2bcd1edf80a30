//! Structured-output parsers: one per harness, turning its output stream into log lines, usage
//! and a typed outcome.
//!
//! A [`Parser`] is fed the harness's standard output one line at a time (without the newline).
//! For each line it returns the short human rendering shown by `forge logs` (or `None` for
//! bookkeeping events nobody needs to read), and at the end [`Parser::finish`] combines what the
//! stream said with how the process ended into a [`RunReport`].
//!
//! Exit codes are never trusted alone: a stream that reports a rate limit is `rate_limited` even
//! when the process exits 0, and a stream that reports a completed turn is `success` even when it
//! exits 1. Output the parser does not understand degrades to `success`/`error` by exit code.
//! Parsers never panic and do no I/O; the clock comes in through [`ExitInfo::now`].

mod claude;
mod codex;
mod command;
mod common;
mod droid;
mod gemini;
mod opencode;
pub mod patterns;
mod pi;
mod raw;
pub mod reset;

use jiff::{Timestamp, ZonedDateTime};
use serde::{Deserialize, Serialize};

pub use patterns::{Classification, LIMIT_PATTERNS, LimitPattern, classify};

/// Token and cost accounting for one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Uncached input tokens as the harness reports them.
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Input tokens served from the prompt cache.
    pub cache_read_tokens: u64,
    /// Input tokens written to the prompt cache.
    pub cache_write_tokens: u64,
    /// Cost in US dollars, when the harness reports one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Model turns (requests), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turns: Option<u32>,
    /// Wall time the harness itself reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

impl Usage {
    /// Input + output + cache tokens.
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens
            .saturating_add(self.output_tokens)
            .saturating_add(self.cache_read_tokens)
            .saturating_add(self.cache_write_tokens)
    }

    /// True when no token, cost, model or session information was seen.
    pub fn is_empty(&self) -> bool {
        *self == Usage::default()
    }
}

/// How a run ended, as Forge acts on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Error {
        message: String,
    },
    /// The account hit a usage or rate limit; `resets_at` when the harness said when it lifts,
    /// `window` names the limit (`five_hour`, `seven_day`, ...) when known.
    RateLimited {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resets_at: Option<Timestamp>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<String>,
    },
    /// Credentials missing, invalid or expired: an operator has to act.
    AuthFailed,
    /// The provider is overloaded (HTTP 529 / `overloaded_error`).
    Overloaded,
    /// The conversation no longer fits the model's context window.
    ContextOverflow,
    /// Killed by the run timeout.
    TimedOut,
    /// Killed after printing nothing for the idle timeout.
    Stalled,
    /// Killed by an operator.
    Killed,
}

impl Outcome {
    /// The snake_case kind (`success`, `rate_limited`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Error { .. } => "error",
            Outcome::RateLimited { .. } => "rate_limited",
            Outcome::AuthFailed => "auth_failed",
            Outcome::Overloaded => "overloaded",
            Outcome::ContextOverflow => "context_overflow",
            Outcome::TimedOut => "timed_out",
            Outcome::Stalled => "stalled",
            Outcome::Killed => "killed",
        }
    }
}

/// How the harness process ended, as the runner saw it.
#[derive(Debug, Clone)]
pub struct ExitInfo {
    pub exit_code: i64,
    /// Stopped by an operator.
    pub killed: bool,
    /// Stopped by the run timeout.
    pub timed_out: bool,
    /// Stopped by the idle timeout.
    pub stalled: bool,
    /// The current time and zone: relative reset times ("resets 1pm", "try again in 2 hours")
    /// are resolved against it.
    pub now: ZonedDateTime,
}

impl ExitInfo {
    /// A process that exited by itself with `exit_code`, seen at `now`.
    pub fn exited(exit_code: i64, now: ZonedDateTime) -> Self {
        ExitInfo {
            exit_code,
            killed: false,
            timed_out: false,
            stalled: false,
            now,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub usage: Usage,
    pub outcome: Outcome,
    /// The harness's final answer (Claude `result`, Codex last `agent_message`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_text: Option<String>,
}

/// A streaming parser for one run's output.
pub trait Parser: Send {
    /// Consumes one output line (without its newline) and returns its rendering for
    /// `forge logs`, or `None` when the line is bookkeeping not worth showing.
    fn feed_line(&mut self, line: &str) -> Option<String>;

    /// Ends the stream and reports usage, outcome and final text.
    fn finish(self: Box<Self>, exit: ExitInfo) -> RunReport;
}

/// The parser for a harness (canonical name or alias); unknown names get the plain-text
/// `command` parser.
pub fn parser_for(harness: &str) -> Box<dyn Parser> {
    match crate::presets::normalize_harness(harness).unwrap_or("command") {
        "claude" => Box::new(claude::ClaudeParser::default()),
        "codex" => Box::new(codex::CodexParser::default()),
        "opencode" => Box::new(opencode::OpenCodeParser::default()),
        "pi" => Box::new(pi::PiParser::default()),
        "droid" => Box::new(droid::DroidParser::default()),
        "gemini" => Box::new(gemini::GeminiParser::default()),
        _ => Box::new(command::CommandParser::default()),
    }
}

/// Runs a whole captured output through the harness's parser (tests, `forge logs` re-parsing).
pub fn parse_output(harness: &str, output: &str, exit: ExitInfo) -> (Vec<String>, RunReport) {
    let mut parser = parser_for(harness);
    let lines = output
        .lines()
        .filter_map(|line| parser.feed_line(line))
        .collect();
    (lines, parser.finish(exit))
}
