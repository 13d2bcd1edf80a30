//! Codex CLI (the real CLI from npm) against the mock OpenAI Responses API, configured as a
//! custom model provider in `$CODEX_HOME/config.toml`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use forge_harness::parse::Outcome;
use forge_mockprovider::{MockProvider, Script, TokenUsage, Turn};
use serde_json::json;
use support::{Run, Sandbox, cli, describe, record_fixture, report, run};

const PROMPT: &str = "forge-smoke-4417: change hello.txt to say changed";

fn run_codex(sandbox: &Sandbox, provider: &MockProvider) -> Run {
    let codex_home = sandbox.home.join(".codex");
    std::fs::create_dir_all(&codex_home).unwrap();
    let config = format!(
        r#"model = "mock-model"
model_provider = "mock"

[model_providers.mock]
name = "Mock"
base_url = "{}/v1"
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = 0
stream_max_retries = 0
"#,
        provider.base_url()
    );
    std::fs::write(codex_home.join("config.toml"), config).unwrap();
    let mut env = sandbox.base_env();
    env.extend([
        ("CODEX_HOME".to_string(), codex_home.display().to_string()),
        ("MOCK_API_KEY".into(), "sk-mock-codex".into()),
    ]);
    let args = [
        "exec",
        "--json",
        "--skip-git-repo-check",
        "--dangerously-bypass-approvals-and-sandbox",
        "-",
    ];
    run(
        &cli("codex"),
        &args,
        &env,
        &sandbox.repo,
        Some(PROMPT),
        Duration::from_secs(120),
    )
}

#[test]
fn codex_edits_a_file_and_reports_usage() {
    let sandbox = Sandbox::new();
    let provider = MockProvider::start(Script::new(vec![
        Turn::tool_call(
            "exec_command",
            json!({"cmd": "printf 'changed by codex\\n' > hello.txt"}),
        )
        .with_usage(TokenUsage::new(2000, 60).cached(1000, 0)),
        Turn::text("Edited hello.txt.").with_usage(TokenUsage::new(150, 12).cached(3000, 0)),
    ]))
    .unwrap();
    let out = run_codex(&sandbox, &provider);
    record_fixture("codex", "tool_edit", &out);

    let model = provider.model_requests();
    assert_eq!(model.len(), 2, "{}", describe(&out));
    assert!(
        model[0].body.contains("forge-smoke-4417"),
        "prompt did not reach the model"
    );
    assert_eq!(
        model[0].header("authorization"),
        Some("Bearer sk-mock-codex")
    );
    assert!(
        model[1].body.contains("function_call_output"),
        "tool output not sent back"
    );
    assert_eq!(
        sandbox.read("hello.txt"),
        "changed by codex\n",
        "{}",
        describe(&out)
    );

    let report = report("codex", &out);
    assert_eq!(report.outcome, Outcome::Success, "{}", describe(&out));
    assert_eq!(report.usage.input_tokens, 2150);
    assert_eq!(report.usage.cache_read_tokens, 4000);
    assert_eq!(report.usage.output_tokens, 72);
    assert_eq!(report.usage.cost_usd, None, "codex reports no cost");
    assert!(report.usage.session_id.is_some());
    assert_eq!(report.final_text.as_deref(), Some("Edited hello.txt."));
}

#[test]
fn codex_usage_limit_is_rate_limited_with_reset_time() {
    let sandbox = Sandbox::new();
    let resets = jiff::Timestamp::now().as_second() + 2 * 3600;
    let provider = MockProvider::start(Script::new(vec![
        Turn::rate_limited(7200, Some(resets))
            .openai_type("usage_limit_reached")
            .times(50),
    ]))
    .unwrap();
    let out = run_codex(&sandbox, &provider);
    record_fixture("codex", "usage_limit_429", &out);
    let report = report("codex", &out);
    let Outcome::RateLimited { resets_at, .. } = report.outcome else {
        panic!("{:?}\n{}", report.outcome, describe(&out));
    };
    // Codex prints a wall-clock time to the minute.
    let at = resets_at.unwrap_or_else(|| panic!("no reset time\n{}", describe(&out)));
    assert!(
        (at.as_second() - resets).abs() <= 60,
        "resets_at {at} vs {resets}\n{}",
        describe(&out)
    );
}

#[test]
fn codex_plain_429_is_rate_limited() {
    let sandbox = Sandbox::new();
    let provider =
        MockProvider::start(Script::new(vec![Turn::rate_limited(1, None).times(50)])).unwrap();
    let out = run_codex(&sandbox, &provider);
    record_fixture("codex", "rate_limited_429", &out);
    let report = report("codex", &out);
    assert!(
        matches!(report.outcome, Outcome::RateLimited { .. }),
        "{:?}\n{}",
        report.outcome,
        describe(&out)
    );
}

#[test]
fn codex_401_is_auth_failed() {
    let sandbox = Sandbox::new();
    let provider = MockProvider::start(Script::new(vec![Turn::unauthorized().times(50)])).unwrap();
    let out = run_codex(&sandbox, &provider);
    record_fixture("codex", "auth_failed_401", &out);
    let report = report("codex", &out);
    assert_eq!(report.outcome, Outcome::AuthFailed, "{}", describe(&out));
}
