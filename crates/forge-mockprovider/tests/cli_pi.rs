//! pi (the real CLI from npm) against the mock OpenAI Chat Completions API, configured as a
//! custom provider in `$PI_CODING_AGENT_DIR/models.json`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use forge_harness::parse::Outcome;
use forge_mockprovider::{MockProvider, Script, TokenUsage, Turn};
use serde_json::json;
use support::{Run, Sandbox, cli, describe, record_fixture, report, run};

const PROMPT: &str = "forge-smoke-9902: change hello.txt to say changed";

/// Price per million tokens configured for the mock model.
const PRICE: (f64, f64, f64) = (3.0, 15.0, 0.3);

fn run_pi(sandbox: &Sandbox, provider: &MockProvider) -> Run {
    run_pi_with(sandbox, provider, false)
}

/// Runs `pi -p`; with `stdin_prompt` the prompt goes on standard input instead of argv.
fn run_pi_with(sandbox: &Sandbox, provider: &MockProvider, stdin_prompt: bool) -> Run {
    let agent_dir = sandbox.home.join(".pi/agent");
    std::fs::create_dir_all(&agent_dir).unwrap();
    let models = json!({"providers": {"mock": {
        "baseUrl": format!("{}/v1", provider.base_url()),
        "api": "openai-completions",
        "apiKey": "MOCK_API_KEY",
        "compat": {"supportsDeveloperRole": false, "supportsReasoningEffort": false},
        "models": [{"id": "mock-model", "name": "Mock", "reasoning": false, "input": ["text"],
            "contextWindow": 128000, "maxTokens": 4096,
            "cost": {"input": PRICE.0, "output": PRICE.1, "cacheRead": PRICE.2, "cacheWrite": 0}}]
    }}});
    std::fs::write(agent_dir.join("models.json"), models.to_string()).unwrap();
    // Keep pi's own retries, but fast and without SDK-level retries.
    let settings = json!({"retry": {"enabled": true, "maxRetries": 1, "baseDelayMs": 10,
        "provider": {"maxRetries": 0}}});
    std::fs::write(agent_dir.join("settings.json"), settings.to_string()).unwrap();
    let mut env = sandbox.base_env();
    env.extend([
        (
            "PI_CODING_AGENT_DIR".to_string(),
            agent_dir.display().to_string(),
        ),
        ("MOCK_API_KEY".into(), "sk-mock-pi".into()),
    ]);
    let mut args = vec![
        "--mode",
        "json",
        "--model",
        "mock/mock-model",
        "--no-session",
        "-p",
    ];
    if !stdin_prompt {
        args.push(PROMPT);
    }
    let stdin = stdin_prompt.then_some(PROMPT);
    run(
        &cli("pi"),
        &args,
        &env,
        &sandbox.repo,
        stdin,
        Duration::from_secs(120),
    )
}

#[test]
fn pi_edits_a_file_and_reports_usage_and_cost() {
    let sandbox = Sandbox::new();
    let provider = MockProvider::start(Script::new(vec![
        Turn::tool_call(
            "write",
            json!({"path": "hello.txt", "content": "changed by pi\n"}),
        )
        .with_usage(TokenUsage::new(900, 30).cached(100, 0)),
        Turn::text("Edited hello.txt.").with_usage(TokenUsage::new(80, 9).cached(1000, 0)),
    ]))
    .unwrap();
    // The prompt on stdin, as the preset can deliver it.
    let out = run_pi_with(&sandbox, &provider, true);
    record_fixture("pi", "tool_edit", &out);

    let model = provider.model_requests();
    assert_eq!(model.len(), 2, "{}", describe(&out));
    assert!(model[0].path.ends_with("/chat/completions"));
    assert!(
        model[0].body.contains("forge-smoke-9902"),
        "prompt did not reach the model"
    );
    assert_eq!(model[0].header("authorization"), Some("Bearer sk-mock-pi"));
    assert!(
        model[1].body.contains(r#""role":"tool""#),
        "tool result not sent back"
    );
    assert_eq!(
        sandbox.read("hello.txt"),
        "changed by pi\n",
        "{}",
        describe(&out)
    );

    let report = report("pi", &out);
    assert_eq!(report.outcome, Outcome::Success, "{}", describe(&out));
    assert_eq!(report.usage.input_tokens, 980);
    assert_eq!(report.usage.output_tokens, 39);
    assert_eq!(report.usage.cache_read_tokens, 1100);
    assert_eq!(report.usage.model.as_deref(), Some("mock-model"));
    assert_eq!(report.usage.turns, Some(2));
    let want = (980.0 * PRICE.0 + 39.0 * PRICE.1 + 1100.0 * PRICE.2) / 1e6;
    let cost = report.usage.cost_usd.unwrap();
    assert!((cost - want).abs() < 1e-9, "cost {cost} want {want}");
    assert_eq!(report.final_text.as_deref(), Some("Edited hello.txt."));
}

#[test]
fn pi_429_is_rate_limited() {
    let sandbox = Sandbox::new();
    let provider =
        MockProvider::start(Script::new(vec![Turn::rate_limited(1, None).times(50)])).unwrap();
    let out = run_pi(&sandbox, &provider);
    record_fixture("pi", "rate_limited_429", &out);
    let report = report("pi", &out);
    assert!(
        matches!(report.outcome, Outcome::RateLimited { .. }),
        "{:?}\n{}",
        report.outcome,
        describe(&out)
    );
}

#[test]
fn pi_401_is_auth_failed() {
    let sandbox = Sandbox::new();
    let provider = MockProvider::start(Script::new(vec![Turn::unauthorized().times(50)])).unwrap();
    let out = run_pi(&sandbox, &provider);
    record_fixture("pi", "auth_failed_401", &out);
    let report = report("pi", &out);
    assert_eq!(report.outcome, Outcome::AuthFailed, "{}", describe(&out));
}
