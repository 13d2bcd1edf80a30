//! Parsers on recorded and handwritten harness streams: what `forge logs` shows, the usage
//! that lands in run rows and the outcome the scheduler acts on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use forge_harness::parse::{ExitInfo, Outcome, RunReport, Usage, parse_output};
use jiff::ZonedDateTime;

/// 2026-11-24 10:00 in Oslo (09:00 UTC).
fn now() -> ZonedDateTime {
    "2026-11-24T10:00:00+01:00[Europe/Oslo]".parse().unwrap()
}

fn fixture(path: &str) -> String {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn run(harness: &str, path: &str, exit_code: i64) -> (Vec<String>, RunReport) {
    parse_output(harness, &fixture(path), ExitInfo::exited(exit_code, now()))
}

fn limited_until(outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::RateLimited { resets_at, .. } => resets_at.map(|t| t.to_string()),
        other => panic!("expected rate_limited, got {other:?}"),
    }
}

#[test]
fn claude_success_uses_result_totals_and_renders_each_event() {
    let (lines, report) = run("claude", "claude/success.jsonl", 0);
    assert_eq!(
        lines,
        vec![
            "[init] model claude-sonnet-4-5-20250929 · session 5f1c2d3e-0000-4000-8000-000000000001",
            "assistant: I'll fix the greeting. (+1 lines)",
            r#"tool: Edit {"file_path":"/repo/hello.txt","old_string":"hello","new_string":"hello, world"}"#,
            "result: The file /repo/hello.txt has been updated.",
            "assistant: Done: hello.txt now says hello, world.",
            "[result] success · 2 turns · 1055 in / 32 out tokens · $0.0123",
        ]
    );
    assert_eq!(
        report.usage,
        Usage {
            input_tokens: 15,
            output_tokens: 32,
            cache_read_tokens: 500,
            cache_write_tokens: 540,
            cost_usd: Some(0.0123),
            model: Some("claude-sonnet-4-5-20250929".into()),
            session_id: Some("5f1c2d3e-0000-4000-8000-000000000001".into()),
            turns: Some(2),
            duration_ms: Some(4210),
        }
    );
    assert_eq!(report.outcome, Outcome::Success);
    assert_eq!(
        report.final_text.as_deref(),
        Some("Done: hello.txt now says hello, world.")
    );
}

#[test]
fn claude_success_with_exit_1_is_still_success() {
    let (_, report) = run("claude", "claude/success.jsonl", 1);
    assert_eq!(report.outcome, Outcome::Success);
}

#[test]
fn claude_rejected_rate_limit_event_wins_over_exit_0() {
    let (lines, report) = run("claude", "claude/rate_limit_event.jsonl", 0);
    assert!(
        lines.contains(&"[rate limit] rejected five_hour resets 2026-11-24T10:00:00Z".to_string()),
        "{lines:?}"
    );
    assert_eq!(
        report.outcome,
        Outcome::RateLimited {
            resets_at: Some("2026-11-24T10:00:00Z".parse().unwrap()),
            window: Some("five_hour".into())
        }
    );
    let json = serde_json::to_value(&report.outcome).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"kind":"rate_limited","resets_at":"2026-11-24T10:00:00Z","window":"five_hour"})
    );
}

#[test]
fn claude_api_rate_limit_with_exit_0_is_rate_limited() {
    let (lines, report) = run("claude", "claude/api_rate_limit_exit0.jsonl", 0);
    assert_eq!(
        lines.last().unwrap(),
        "[result] error (success): API Error: Rate limit reached"
    );
    assert_eq!(
        report.outcome,
        Outcome::RateLimited {
            resets_at: None,
            window: None
        }
    );
}

#[test]
fn claude_plain_text_limit_with_exit_1_parses_reset_in_zone() {
    let (lines, report) = run("claude", "claude/hit_limit_plain.txt", 1);
    assert_eq!(
        lines,
        vec!["You've hit your limit · resets 1pm (Europe/Oslo)"]
    );
    assert_eq!(
        limited_until(&report.outcome).as_deref(),
        Some("2026-11-24T12:00:00Z")
    );
}

#[test]
fn claude_auth_overload_and_context_errors_are_typed() {
    assert_eq!(
        run("claude", "claude/auth_failed.jsonl", 1).1.outcome,
        Outcome::AuthFailed
    );
    assert_eq!(
        run("claude", "claude/overloaded.jsonl", 1).1.outcome,
        Outcome::Overloaded
    );
    assert_eq!(
        run("claude", "claude/context_overflow.jsonl", 1).1.outcome,
        Outcome::ContextOverflow
    );
}

#[test]
fn claude_without_result_sums_usage_once_per_message() {
    let (lines, report) = run("claude", "claude/truncated_no_result.jsonl", 137);
    assert_eq!(report.usage.input_tokens, 107);
    assert_eq!(report.usage.output_tokens, 53);
    assert_eq!(report.usage.cache_read_tokens, 2110);
    assert_eq!(report.usage.cache_write_tokens, 10);
    assert_eq!(report.usage.turns, Some(2));
    assert_eq!(report.final_text.as_deref(), Some("Still going"));
    // The torn last line passes through, and becomes the error message.
    assert!(lines.last().unwrap().starts_with(r#"{"type":"assistant""#));
    assert!(
        matches!(&report.outcome, Outcome::Error { message } if message.starts_with(r#"{"type":"assistant""#))
    );
}

#[test]
fn runner_stops_override_the_stream() {
    let text = fixture("claude/success.jsonl");
    for (exit, want) in [
        (
            ExitInfo {
                killed: true,
                ..ExitInfo::exited(143, now())
            },
            Outcome::Killed,
        ),
        (
            ExitInfo {
                timed_out: true,
                ..ExitInfo::exited(143, now())
            },
            Outcome::TimedOut,
        ),
        (
            ExitInfo {
                stalled: true,
                ..ExitInfo::exited(143, now())
            },
            Outcome::Stalled,
        ),
    ] {
        let (_, report) = parse_output("claude", &text, exit);
        assert_eq!(report.outcome, want);
        assert_eq!(report.usage.output_tokens, 32, "usage survives a kill");
    }
}

#[test]
fn codex_success_splits_cached_input_and_keeps_last_message() {
    let (lines, report) = run("codex", "codex/success.jsonl", 0);
    assert_eq!(
        lines,
        vec![
            "[thread] 0199a213-81c0-7800-8aa1-bbab2a035a53",
            "thinking: **Planning the edit**",
            "tool: shell bash -lc 'echo hi > hello.txt'",
            "result (exit 0): ",
            "edit: update /repo/src/lib.rs",
            "assistant: Updated hello.txt.",
            "[turn] completed · 24763 in (24448 cached) / 122 out tokens",
        ]
    );
    assert_eq!(report.usage.input_tokens, 315);
    assert_eq!(report.usage.cache_read_tokens, 24448);
    assert_eq!(report.usage.output_tokens, 122);
    assert_eq!(report.usage.turns, Some(1));
    assert_eq!(report.usage.cost_usd, None);
    assert_eq!(
        report.usage.session_id.as_deref(),
        Some("0199a213-81c0-7800-8aa1-bbab2a035a53")
    );
    assert_eq!(report.outcome, Outcome::Success);
    assert_eq!(report.final_text.as_deref(), Some("Updated hello.txt."));
}

#[test]
fn codex_usage_limit_text_resolves_wall_clock_reset() {
    let (_, report) = run("codex", "codex/usage_limit.jsonl", 1);
    assert_eq!(
        limited_until(&report.outcome).as_deref(),
        Some("2026-11-24T11:16:00Z")
    );
}

#[test]
fn codex_usage_limit_reached_json_uses_resets_at() {
    let (_, report) = run("codex", "codex/usage_limit_json.jsonl", 0);
    assert_eq!(
        limited_until(&report.outcome).as_deref(),
        Some("2026-11-24T10:00:00Z")
    );
}

#[test]
fn codex_exit_codes_do_not_override_the_stream() {
    let (_, ok) = run("codex", "codex/completed_exit1.jsonl", 1);
    assert_eq!(ok.outcome, Outcome::Success);
    assert_eq!(ok.final_text.as_deref(), Some("All tests pass."));
    let (_, failed) = run("codex", "codex/failed_exit0.jsonl", 0);
    assert_eq!(
        failed.outcome,
        Outcome::Error {
            message: "stream disconnected before completion: connection reset".into()
        }
    );
}

#[test]
fn opencode_sums_steps_and_costs() {
    let (lines, report) = run("opencode", "opencode/success.jsonl", 0);
    assert_eq!(
        lines,
        vec![
            "tool: edit {\"filePath\":\"/repo/a.txt\",\"oldString\":\"a\",\"newString\":\"b\"}\nresult: Edit applied successfully.",
            "assistant: Changed a to b.",
        ]
    );
    assert_eq!(report.usage.input_tokens, 1220);
    assert_eq!(report.usage.output_tokens, 95);
    assert_eq!(report.usage.cache_read_tokens, 1500);
    assert_eq!(report.usage.cache_write_tokens, 300);
    assert!((report.usage.cost_usd.unwrap() - 0.0031).abs() < 1e-9);
    assert_eq!(report.usage.turns, Some(2));
    assert_eq!(report.usage.session_id.as_deref(), Some("ses_abc"));
    assert_eq!(report.outcome, Outcome::Success);
    let (_, limited) = run("opencode", "opencode/rate_limited.jsonl", 0);
    assert_eq!(
        limited_until(&limited.outcome).as_deref(),
        Some("2026-11-24T09:00:30Z")
    );
}

#[test]
fn pi_counts_each_assistant_message_once() {
    let (lines, report) = run("pi", "pi/success.jsonl", 0);
    assert_eq!(
        lines,
        vec![
            "[session] pi-sess-1",
            "assistant: Sure, editing.\ntool: write {\"path\":\"a.txt\",\"content\":\"new\"}",
            "result: Successfully wrote 3 bytes to a.txt",
            "assistant: Done.",
        ]
    );
    assert_eq!(report.usage.input_tokens, 130);
    assert_eq!(report.usage.output_tokens, 25);
    assert_eq!(report.usage.cache_read_tokens, 100);
    assert!((report.usage.cost_usd.unwrap() - 0.0007).abs() < 1e-9);
    assert_eq!(report.usage.model.as_deref(), Some("mock-model"));
    assert_eq!(report.usage.turns, Some(2));
    assert_eq!(report.outcome, Outcome::Success);
    assert_eq!(report.final_text.as_deref(), Some("Done."));
}

#[test]
fn pi_error_stop_reason_is_classified() {
    let (lines, report) = run("pi", "pi/error.jsonl", 1);
    assert!(lines.contains(
        &"[retry] attempt 1/3 in 2000ms: 429 Rate limit reached for requests".to_string()
    ));
    assert_eq!(
        limited_until(&report.outcome).as_deref(),
        Some("2026-11-24T09:00:20Z")
    );
}

#[test]
fn droid_completion_and_error() {
    let (lines, report) = run("droid", "droid/success.jsonl", 0);
    assert_eq!(
        lines,
        vec![
            "[init] model claude-sonnet-4-5",
            "tool: Edit {\"file_path\":\"a.txt\"}",
            "result: File edited",
            "assistant: Fixed.",
            "[result] success"
        ]
    );
    assert_eq!(report.usage.turns, Some(2));
    assert_eq!(report.usage.duration_ms, Some(5123));
    assert_eq!(report.usage.session_id.as_deref(), Some("d-1"));
    assert_eq!(report.final_text.as_deref(), Some("Fixed."));
    assert_eq!(report.outcome, Outcome::Success);
    assert_eq!(
        run("droid", "droid/error.jsonl", 1).1.outcome,
        Outcome::AuthFailed
    );
}

#[test]
fn gemini_joins_chunks_and_reads_stats() {
    let (lines, report) = run("gemini", "gemini/success.jsonl", 0);
    assert_eq!(
        lines,
        vec![
            "[init] model gemini-2.5-pro",
            "assistant: Let me edit the file.\ntool: replace {\"file_path\":\"a.txt\",\"old_string\":\"a\",\"new_string\":\"b\"}",
            "result: Successfully modified file: a.txt",
            "assistant: Done.\n[result] success",
        ]
    );
    assert_eq!(report.usage.input_tokens, 4000);
    assert_eq!(report.usage.cache_read_tokens, 1000);
    assert_eq!(report.usage.output_tokens, 300);
    assert_eq!(report.usage.duration_ms, Some(3100));
    assert_eq!(report.final_text.as_deref(), Some("Done."));
    assert_eq!(report.outcome, Outcome::Success);
    let (_, quota) = run("gemini", "gemini/quota.jsonl", 1);
    assert_eq!(
        quota.outcome,
        Outcome::RateLimited {
            resets_at: None,
            window: None
        }
    );
}

#[test]
fn command_scans_the_tail_for_limits_and_otherwise_trusts_the_exit_code() {
    let (lines, report) = run("command", "command/limit_exit0.txt", 0);
    assert_eq!(lines.len(), 2);
    assert_eq!(
        limited_until(&report.outcome).as_deref(),
        Some("2026-11-24T09:15:00Z")
    );
    assert!(report.usage.is_empty());
    let (_, crash) = run("command", "command/crash.txt", 139);
    assert_eq!(
        crash.outcome,
        Outcome::Error {
            message: "exited with code 139: segfault".into()
        }
    );
    let (_, ok) = run("command", "command/crash.txt", 0);
    assert_eq!(ok.outcome, Outcome::Success);
    let tests = "running 3 tests\ntest http::status_429 ... ok\ntest result: ok. 429 passed";
    let (_, passed) = parse_output("command", tests, ExitInfo::exited(0, now()));
    assert_eq!(
        passed.outcome,
        Outcome::Success,
        "a bare 429 after exit 0 is not a limit"
    );
    let (_, failed) = parse_output("command", tests, ExitInfo::exited(1, now()));
    assert!(
        matches!(failed.outcome, Outcome::RateLimited { .. }),
        "after a failure it is"
    );
}

#[test]
fn assistant_prose_about_limits_is_not_a_limit() {
    let stream = r#"{"type":"assistant","message":{"id":"m","content":[{"type":"text","text":"I added handling for HTTP 429 rate limit errors and 401 auth failures."}]}}
{"type":"result","subtype":"success","is_error":false,"result":"Added 429 handling","num_turns":1}"#;
    let (_, report) = parse_output("claude", stream, ExitInfo::exited(0, now()));
    assert_eq!(report.outcome, Outcome::Success);
}
