//! Limit and failure messages as data: which text means a rate limit, an auth failure, an
//! overloaded provider or an overflowing context.
//!
//! Only error texts are classified (error events, failed results, output that was not part of
//! the structured stream), never the assistant's own prose, so a model that talks about rate
//! limits does not put its profile in cooldown. Patterns are case-insensitive regular
//! expressions; the first matching row wins, so specific rows come before broad ones.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// What an error text means for the profile that produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    RateLimited,
    AuthFailed,
    Overloaded,
    ContextOverflow,
}

/// One row of the pattern table.
#[derive(Debug, Clone, Copy)]
pub struct LimitPattern {
    /// Canonical harness name, or `*` for every harness.
    pub harness: &'static str,
    /// Case-insensitive regular expression.
    pub pattern: &'static str,
    pub class: Classification,
}

const fn row(harness: &'static str, pattern: &'static str, class: Classification) -> LimitPattern {
    LimitPattern {
        harness,
        pattern,
        class,
    }
}

use Classification::{AuthFailed, ContextOverflow, Overloaded, RateLimited};

/// The built-in table, in priority order.
pub const LIMIT_PATTERNS: &[LimitPattern] = &[
    // Context overflow first: "prompt is too long" errors can carry a 400 with "limit" wording.
    row("*", r"prompt is too long", ContextOverflow),
    row("*", r"context[_ ]length[_ ]exceeded", ContextOverflow),
    row(
        "*",
        r"context[_ ]window[_ ]exceeded|exceeds? the (?:model'?s? )?context window",
        ContextOverflow,
    ),
    row("*", r"maximum context length", ContextOverflow),
    row(
        "*",
        r"input is too long for requested model",
        ContextOverflow,
    ),
    // Subscription and API limits.
    row("claude", r"claude ai usage limit reached", RateLimited),
    row(
        "*",
        r"you[’']?ve (?:hit|reached) your (?:[\w-]+ )?limit",
        RateLimited,
    ),
    row(
        "*",
        r"usage[_ ]limit[_ ](?:reached|exceeded)|usage limit",
        RateLimited,
    ),
    row(
        "*",
        r"\b\d+-hour limit\b|\bweekly limit\b|\bsession limit reached\b",
        RateLimited,
    ),
    row(
        "*",
        r"rate[ _-]?limit(?:ed|_error|_exceeded| reached| exceeded| hit)",
        RateLimited,
    ),
    row("*", r"\b429\b|too many requests", RateLimited),
    row(
        "gemini",
        r"RESOURCE_EXHAUSTED|exhausted your (?:daily )?(?:quota|capacity)",
        RateLimited,
    ),
    row("*", r"RESOURCE_EXHAUSTED", RateLimited),
    row(
        "*",
        r"quota (?:exceeded|exhausted)|exceeded (?:your )?(?:current )?quota|insufficient_quota",
        RateLimited,
    ),
    row(
        "opencode",
        r"FreeUsageLimitError|free usage (?:limit|exceeded)",
        RateLimited,
    ),
    // Credentials.
    row(
        "*",
        r"oauth token (?:has )?expired|token (?:has )?expired",
        AuthFailed,
    ),
    row(
        "*",
        r"please run /login|not logged in|login required|please log ?in",
        AuthFailed,
    ),
    row(
        "*",
        r"invalid[ _-]?(?:x-)?api[ _-]?key|incorrect api key|invalid_api_key",
        AuthFailed,
    ),
    row(
        "*",
        r"authentication[_ ](?:error|failed)|invalid authentication|unauthorized|\b401\b",
        AuthFailed,
    ),
    row(
        "*",
        r"(?:no|missing) api key|api key (?:not found|is missing|not set|not valid)",
        AuthFailed,
    ),
    row("pi", r"no api key found|no model selected", AuthFailed),
    row("opencode", r"ProviderAuthError", AuthFailed),
    row(
        "gemini",
        r"please set an auth method|GEMINI_API_KEY environment variable not found",
        AuthFailed,
    ),
    // Capacity.
    row("*", r"\b529\b|overloaded", Overloaded),
];

struct Compiled {
    harness: &'static str,
    regex: Regex,
    class: Classification,
}

/// The table compiled once; a row that fails to compile is skipped rather than crashing a run.
static COMPILED: LazyLock<Vec<Compiled>> = LazyLock::new(|| {
    LIMIT_PATTERNS
        .iter()
        .filter_map(|row| {
            Regex::new(&format!("(?i){}", row.pattern))
                .ok()
                .map(|regex| Compiled {
                    harness: row.harness,
                    regex,
                    class: row.class,
                })
        })
        .collect()
});

/// Classifies an error text produced by `harness` (canonical name); `None` when no row matches.
pub fn classify(harness: &str, text: &str) -> Option<Classification> {
    COMPILED
        .iter()
        .filter(|row| row.harness == "*" || row.harness == harness)
        .find(|row| row.regex.is_match(text))
        .map(|row| row.class)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_compiles() {
        assert_eq!(COMPILED.len(), LIMIT_PATTERNS.len());
    }

    #[test]
    fn known_messages() {
        let cases: &[(&str, &str, Option<Classification>)] = &[
            (
                "claude",
                "You've hit your limit · resets 1pm (Europe/Oslo)",
                Some(RateLimited),
            ),
            ("claude", "API Error: Rate limit reached", Some(RateLimited)),
            (
                "claude",
                r#"API Error: 429 {"type":"error","error":{"type":"rate_limit_error"}}"#,
                Some(RateLimited),
            ),
            (
                "claude",
                "Claude AI usage limit reached|1750000000",
                Some(RateLimited),
            ),
            (
                "claude",
                "5-hour limit reached ∙ resets 3pm",
                Some(RateLimited),
            ),
            (
                "codex",
                "You've hit your usage limit. Upgrade to Pro or try again at 12:16 PM.",
                Some(RateLimited),
            ),
            (
                "codex",
                r#"{"error":{"type":"usage_limit_reached","resets_in_seconds":60}}"#,
                Some(RateLimited),
            ),
            (
                "gemini",
                "[API Error: got status: RESOURCE_EXHAUSTED. Quota exceeded for quota metric]",
                Some(RateLimited),
            ),
            (
                "opencode",
                "FreeUsageLimitError: free usage exceeded",
                Some(RateLimited),
            ),
            ("pi", "429 Too Many Requests", Some(RateLimited)),
            (
                "claude",
                "Invalid API key · Please run /login",
                Some(AuthFailed),
            ),
            (
                "claude",
                "OAuth token has expired. Please obtain a new token",
                Some(AuthFailed),
            ),
            (
                "claude",
                r#"API Error: 401 {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
                Some(AuthFailed),
            ),
            (
                "codex",
                "unexpected status 401 Unauthorized: Incorrect API key provided",
                Some(AuthFailed),
            ),
            (
                "claude",
                r#"API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
                Some(Overloaded),
            ),
            ("claude", "Prompt is too long", Some(ContextOverflow)),
            ("codex", "context_length_exceeded", Some(ContextOverflow)),
            (
                "pi",
                "This model's maximum context length is 128000 tokens",
                Some(ContextOverflow),
            ),
            ("claude", "Error: ENOENT: no such file or directory", None),
            ("claude", "request id req_17500140103", None),
        ];
        for (harness, text, want) in cases {
            assert_eq!(classify(harness, text), *want, "{harness}: {text}");
        }
    }

    #[test]
    fn harness_rows_apply_only_to_their_harness() {
        assert_eq!(
            classify("pi", "No API key found for anthropic"),
            Some(AuthFailed)
        );
        assert_eq!(classify("command", "ProviderAuthError"), None);
    }
}
