//! Claude Code (the real CLI from npm) against the mock Anthropic Messages API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use forge_harness::parse::Outcome;
use forge_mockprovider::{MockProvider, Script, TokenUsage, Turn};
use serde_json::json;
use support::{Run, Sandbox, cli, describe, record_fixture, report, run};

const PROMPT: &str = "forge-smoke-7731: change hello.txt to say changed";

/// How Claude Code authenticates: an API key, or a subscription OAuth token.
#[derive(Clone, Copy)]
enum Auth {
    ApiKey,
    OAuth,
}

fn run_claude(sandbox: &Sandbox, provider: &MockProvider) -> Run {
    run_claude_as(sandbox, provider, Auth::ApiKey, false)
}

/// Runs `claude -p`; with `stdin_prompt` the prompt goes on standard input instead of argv.
fn run_claude_as(
    sandbox: &Sandbox,
    provider: &MockProvider,
    auth: Auth,
    stdin_prompt: bool,
) -> Run {
    let mut env = sandbox.base_env();
    env.push(match auth {
        Auth::ApiKey => ("ANTHROPIC_API_KEY".into(), "sk-ant-mock-key".into()),
        Auth::OAuth => ("CLAUDE_CODE_OAUTH_TOKEN".into(), "sk-ant-oat01-mock".into()),
    });
    env.extend([
        ("ANTHROPIC_BASE_URL".to_string(), provider.base_url()),
        ("IS_SANDBOX".into(), "1".into()),
        (
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC".into(),
            "1".into(),
        ),
        ("DISABLE_AUTOUPDATER".into(), "1".into()),
        ("CLAUDE_CODE_MAX_RETRIES".into(), "0".into()),
    ]);
    let mut args = vec!["-p"];
    if !stdin_prompt {
        args.push(PROMPT);
    }
    args.extend([
        "--output-format",
        "stream-json",
        "--verbose",
        "--dangerously-skip-permissions",
    ]);
    let stdin = stdin_prompt.then_some(PROMPT);
    run(
        &cli("claude"),
        &args,
        &env,
        &sandbox.repo,
        stdin,
        Duration::from_secs(120),
    )
}

#[test]
fn claude_edits_a_file_and_reports_usage() {
    let sandbox = Sandbox::new();
    let provider = MockProvider::start(Script::new(vec![
        Turn::tool_call(
            "Bash",
            json!({"command": "printf 'changed by claude\\n' > hello.txt", "description": "Edit hello.txt"}),
        )
        .with_usage(TokenUsage::new(1200, 40).cached(300, 500)),
        Turn::text("Edited hello.txt.").with_usage(TokenUsage::new(50, 10).cached(1500, 20)),
    ]))
    .unwrap();
    // The prompt on stdin, as the preset delivers it.
    let out = run_claude_as(&sandbox, &provider, Auth::ApiKey, true);
    record_fixture("claude", "tool_edit", &out);

    let model = provider.model_requests();
    assert_eq!(model.len(), 2, "{}", describe(&out));
    assert!(
        model[0].body.contains("forge-smoke-7731"),
        "prompt did not reach the model"
    );
    assert_eq!(model[0].header("x-api-key"), Some("sk-ant-mock-key"));
    assert!(
        model[1].body.contains("tool_result"),
        "tool result not sent back"
    );
    assert_eq!(
        sandbox.read("hello.txt"),
        "changed by claude\n",
        "{}",
        describe(&out)
    );

    let report = report("claude", &out);
    assert_eq!(report.outcome, Outcome::Success, "{}", describe(&out));
    assert_eq!(report.usage.input_tokens, 1250);
    assert_eq!(report.usage.output_tokens, 50);
    assert_eq!(report.usage.cache_read_tokens, 1800);
    assert_eq!(report.usage.cache_write_tokens, 520);
    assert!(report.usage.cost_usd.is_some_and(|c| c > 0.0));
    assert!(report.usage.session_id.is_some());
    assert_eq!(report.final_text.as_deref(), Some("Edited hello.txt."));
}

#[test]
fn claude_429_is_rate_limited() {
    let sandbox = Sandbox::new();
    let resets = jiff::Timestamp::now().as_second() + 3600;
    let provider = MockProvider::start(Script::new(vec![
        Turn::rate_limited(1, Some(resets)).times(50),
    ]))
    .unwrap();
    let out = run_claude(&sandbox, &provider);
    record_fixture("claude", "rate_limited_429", &out);
    assert!(!provider.model_requests().is_empty());
    let report = report("claude", &out);
    assert!(
        matches!(report.outcome, Outcome::RateLimited { .. }),
        "{:?}\n{}",
        report.outcome,
        describe(&out)
    );
    assert_eq!(sandbox.read("hello.txt"), "hello\n");
}

#[test]
fn claude_401_is_auth_failed() {
    let sandbox = Sandbox::new();
    let provider = MockProvider::start(Script::new(vec![Turn::unauthorized().times(50)])).unwrap();
    let out = run_claude(&sandbox, &provider);
    record_fixture("claude", "auth_failed_401", &out);
    let report = report("claude", &out);
    assert_eq!(report.outcome, Outcome::AuthFailed, "{}", describe(&out));
}

#[test]
fn claude_subscription_limit_carries_reset_time_and_window() {
    let sandbox = Sandbox::new();
    let resets = jiff::Timestamp::now().as_second() + 3600;
    let provider = MockProvider::start(Script::new(vec![
        Turn::rate_limited(1, Some(resets)).times(50),
    ]))
    .unwrap();
    let out = run_claude_as(&sandbox, &provider, Auth::OAuth, false);
    record_fixture("claude", "subscription_limit", &out);
    let requests = provider.model_requests();
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer sk-ant-oat01-mock")
    );
    assert!(
        out.stdout.contains(r#""type":"rate_limit_event""#),
        "{}",
        describe(&out)
    );
    let report = report("claude", &out);
    assert_eq!(
        report.outcome,
        Outcome::RateLimited {
            resets_at: Some(jiff::Timestamp::from_second(resets).unwrap()),
            window: Some("five_hour".into())
        },
        "{}",
        describe(&out)
    );
}

#[test]
fn claude_529_is_overloaded() {
    let sandbox = Sandbox::new();
    let provider = MockProvider::start(Script::new(vec![Turn::overloaded().times(50)])).unwrap();
    let out = run_claude(&sandbox, &provider);
    record_fixture("claude", "overloaded_529", &out);
    let report = report("claude", &out);
    assert_eq!(report.outcome, Outcome::Overloaded, "{}", describe(&out));
}

#[test]
fn claude_prompt_too_long_is_context_overflow() {
    let sandbox = Sandbox::new();
    let provider = MockProvider::start(Script::new(vec![
        Turn::error(400, "prompt is too long: 250000 tokens > 200000 maximum").times(50),
    ]))
    .unwrap();
    let out = run_claude(&sandbox, &provider);
    record_fixture("claude", "context_overflow_400", &out);
    let report = report("claude", &out);
    assert_eq!(
        report.outcome,
        Outcome::ContextOverflow,
        "{}",
        describe(&out)
    );
}
