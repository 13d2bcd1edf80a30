//! Parsers on streams recorded from the real CLIs (claude 2.1.330, codex 0.169.0, pi 0.73.1)
//! running against the mock provider (`crates/forge-mockprovider/tests/cli_*.rs`; re-record
//! with `FORGE_RECORD_FIXTURES=1`). The usage numbers are the ones the mock reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use forge_harness::parse::{ExitInfo, Outcome, RunReport, parse_output};
use jiff::ZonedDateTime;

fn now() -> ZonedDateTime {
    "2026-11-24T04:30:00+00:00[UTC]".parse().unwrap()
}

fn run(harness: &str, name: &str, exit_code: i64) -> (Vec<String>, RunReport) {
    let path = format!(
        "{}/tests/fixtures/{harness}/recorded_{name}.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse_output(harness, &text, ExitInfo::exited(exit_code, now()))
}

#[test]
fn claude_recorded_tool_edit() {
    let (lines, report) = run("claude", "tool_edit", 0);
    assert!(lines[0].starts_with("[init] model "), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("tool: Bash {") && l.contains("changed by claude")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.starts_with("result")), "{lines:?}");
    assert!(
        lines.contains(&"assistant: Edited hello.txt.".to_string()),
        "{lines:?}"
    );
    assert_eq!(report.outcome, Outcome::Success);
    let u = &report.usage;
    assert_eq!(
        (
            u.input_tokens,
            u.output_tokens,
            u.cache_read_tokens,
            u.cache_write_tokens
        ),
        (1250, 50, 1800, 520)
    );
    assert_eq!(u.turns, Some(2));
    assert!(u.cost_usd.unwrap() > 0.0);
    assert!(u.duration_ms.is_some());
    assert_eq!(report.final_text.as_deref(), Some("Edited hello.txt."));
}

#[test]
fn claude_recorded_errors() {
    assert_eq!(
        run("claude", "rate_limited_429", 1).1.outcome,
        Outcome::RateLimited {
            resets_at: None,
            window: None
        }
    );
    assert_eq!(
        run("claude", "auth_failed_401", 1).1.outcome,
        Outcome::AuthFailed
    );
    let (lines, report) = run("claude", "subscription_limit", 1);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("[rate limit] rejected five_hour resets ")),
        "{lines:?}"
    );
    assert!(
        matches!(report.outcome, Outcome::RateLimited { resets_at: Some(_), window: Some(ref w) } if w == "five_hour")
    );
}

#[test]
fn codex_recorded_tool_edit() {
    let (lines, report) = run("codex", "tool_edit", 0);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("tool: shell ") || l.starts_with("result (exit 0)")),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"assistant: Edited hello.txt.".to_string()),
        "{lines:?}"
    );
    assert_eq!(report.outcome, Outcome::Success);
    let u = &report.usage;
    assert_eq!(
        (u.input_tokens, u.output_tokens, u.cache_read_tokens),
        (2150, 72, 4000)
    );
    assert_eq!(u.turns, Some(1));
    assert_eq!(report.final_text.as_deref(), Some("Edited hello.txt."));
}

#[test]
fn codex_recorded_errors() {
    let (lines, limited) = run("codex", "usage_limit_429", 1);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("[warning] Model metadata")),
        "codex item errors are warnings: {lines:?}"
    );
    let Outcome::RateLimited {
        resets_at: Some(at),
        ..
    } = limited.outcome
    else {
        panic!("{:?}", limited.outcome);
    };
    assert!(at > now().timestamp(), "reset {at} must be after now");
    assert!(matches!(
        run("codex", "rate_limited_429", 1).1.outcome,
        Outcome::RateLimited { .. }
    ));
    assert_eq!(
        run("codex", "auth_failed_401", 1).1.outcome,
        Outcome::AuthFailed
    );
}

#[test]
fn pi_recorded_tool_edit() {
    let (lines, report) = run("pi", "tool_edit", 0);
    assert!(
        lines.iter().any(|l| l.contains("tool: write {")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.starts_with("result: ")), "{lines:?}");
    assert_eq!(
        lines.last().map(String::as_str),
        Some("assistant: Edited hello.txt.")
    );
    assert_eq!(report.outcome, Outcome::Success);
    let u = &report.usage;
    assert_eq!(
        (u.input_tokens, u.output_tokens, u.cache_read_tokens),
        (980, 39, 1100)
    );
    assert_eq!(u.model.as_deref(), Some("mock-model"));
    assert!(u.cost_usd.unwrap() > 0.0);
}

#[test]
fn pi_recorded_errors() {
    let (lines, limited) = run("pi", "rate_limited_429", 1);
    assert!(
        lines.iter().any(|l| l.starts_with("[retry] attempt 1/1")),
        "{lines:?}"
    );
    assert!(matches!(limited.outcome, Outcome::RateLimited { .. }));
    assert_eq!(
        run("pi", "auth_failed_401", 1).1.outcome,
        Outcome::AuthFailed
    );
}
