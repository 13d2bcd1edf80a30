//! The real agent CLIs from the npm registry (installed by `scripts/install-harness-clis.sh`)
//! running inside forge loops against the project's mock model provider: the prompt reaches the
//! model, the model's tool call edits a file in the repo, usage lands on run rows and in the
//! ledger, and a rate-limited Claude profile fails over to a Codex profile of the same pool and is
//! used again once its cooldown ends.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use forge_mockprovider::{MockProvider, Script, TokenUsage, Turn};
use forge_testkit::{TestEnv, wait_until};
use serde_json::json;

/// Where `scripts/install-harness-clis.sh` installs the CLIs: a directory of the user's own, which
/// no login profile adds to PATH (as an npm user prefix).
fn cli_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf();
    let dir = root.join(".tools/npm/node_modules/.bin");
    for name in ["claude", "codex", "pi"] {
        assert!(
            dir.join(name).exists(),
            "{} is missing: run scripts/test.sh (it installs the pinned CLIs)",
            dir.join(name).display()
        );
    }
    dir
}

/// A git repo env whose PATH starts with the CLI directory: profiles name the CLIs bare, and
/// the runner must keep that PATH through `bash -lc`.
fn repo_env() -> TestEnv {
    let mut env = TestEnv::new()
        .with_bin("forge", env!("CARGO_BIN_EXE_forge"))
        .with_git();
    let path = format!("{}:{}", cli_dir().display(), std::env::var("PATH").unwrap());
    env.set_var("PATH", path);
    std::fs::write(env.repo().join("hello.txt"), "hello\n").unwrap();
    env
}

fn claude_profile(env: &TestEnv, name: &str, provider: &MockProvider) {
    let command = "claude -p --output-format stream-json --verbose --dangerously-skip-permissions";
    let base = format!("ANTHROPIC_BASE_URL={}", provider.base_url());
    env.forge(&[
        "profile",
        "add",
        "claude",
        "--name",
        name,
        "--prompt-mode",
        "stdin",
        "--command",
        command,
        "--env",
        &base,
        "--env",
        "ANTHROPIC_API_KEY=sk-ant-mock-key",
        "--env",
        "IS_SANDBOX=1",
        "--env",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
        "--env",
        "DISABLE_AUTOUPDATER=1",
        "--env",
        "CLAUDE_CODE_MAX_RETRIES=0",
    ])
    .success();
}

/// Pool `agents` of Claude profile `cc` (on `anthropic`) then Codex profile `cx` (on `openai`).
fn claude_and_codex_pool(env: &TestEnv, anthropic: &MockProvider, openai: &MockProvider) {
    claude_profile(env, "cc", anthropic);
    codex_profile(env, "cx", openai);
    env.forge(&["pool", "create", "agents"]).success();
    env.forge(&["pool", "add", "agents", "cc", "cx"]).success();
}

fn codex_profile(env: &TestEnv, name: &str, provider: &MockProvider) {
    let home = env.root().join("codex-home");
    std::fs::create_dir_all(&home).unwrap();
    let config = format!(
        "model = \"mock-model\"\nmodel_provider = \"mock\"\n\n[model_providers.mock]\nname = \"Mock\"\n\
         base_url = \"{}/v1\"\nwire_api = \"responses\"\nenv_key = \"MOCK_API_KEY\"\n\
         request_max_retries = 0\nstream_max_retries = 0\n",
        provider.base_url()
    );
    std::fs::write(home.join("config.toml"), config).unwrap();
    let command =
        "codex exec --json --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox -";
    let home = home.display().to_string();
    env.forge(&[
        "profile",
        "add",
        "codex",
        "--name",
        name,
        "--home",
        &home,
        "--command",
        command,
        "--env",
        "MOCK_API_KEY=sk-mock-codex",
    ])
    .success();
}

fn wait_stopped(env: &TestEnv, name: &str) {
    let stopped = || {
        let ps = env.forge(&["ps", "--json"]).json();
        ps.as_array()
            .unwrap()
            .iter()
            .any(|l| l["name"] == name && l["state"] == "stopped")
    };
    let log = || std::fs::read_to_string(env.log_path(name)).unwrap_or_default();
    assert!(
        wait_until(Duration::from_secs(300), stopped),
        "loop {name} did not stop:\n{}",
        log()
    );
}

/// (profile, status, outcome, input, output, cache read, cache write)
type RunRow = (String, String, String, i64, i64, i64, i64);

fn runs(env: &TestEnv) -> Vec<RunRow> {
    let db = rusqlite::Connection::open(env.db_path()).unwrap();
    db.prepare(
        "SELECT p.name, r.status, COALESCE(r.outcome, ''), COALESCE(r.input_tokens, 0), COALESCE(r.output_tokens, 0),
                COALESCE(r.cache_read_tokens, 0), COALESCE(r.cache_write_tokens, 0)
         FROM loop_runs r JOIN profiles p ON p.id = r.profile_id ORDER BY r.rowid",
    )
    .unwrap()
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn claude_code_runs_two_iterations_edits_the_repo_and_reports_usage() {
    let env = repo_env();
    let edit = |n: u32| {
        Turn::tool_call(
            "Bash",
            json!({"command": format!("printf 'iteration {n}\\n' >> hello.txt"), "description": "Edit hello.txt"}),
        )
        .with_usage(TokenUsage::new(1200, 40).cached(300, 500))
    };
    let done =
        || Turn::text("Edited hello.txt.").with_usage(TokenUsage::new(50, 10).cached(1500, 20));
    let provider =
        MockProvider::start(Script::new(vec![edit(1), done(), edit(2), done()])).unwrap();
    claude_profile(&env, "cc", &provider);
    env.forge(&[
        "up",
        "--profile",
        "cc",
        "--name",
        "claude-loop",
        "--interval",
        "0",
        "--max-iterations",
        "2",
        "--prompt-msg",
        "forge-e2e-claude: append a line to hello.txt",
    ])
    .success();
    wait_stopped(&env, "claude-loop");

    let model = provider.model_requests();
    assert_eq!(model.len(), 4, "{model:?}");
    assert!(
        model[0].body.contains("forge-e2e-claude"),
        "the prompt did not reach the model"
    );
    assert!(
        model[0].body.contains("Loop Context (persistent)"),
        "the composed prompt is sent"
    );
    assert_eq!(
        std::fs::read_to_string(env.repo().join("hello.txt")).unwrap(),
        "hello\niteration 1\niteration 2\n"
    );
    let rows = runs(&env);
    let expected = (
        "cc".to_string(),
        "success".to_string(),
        "success".to_string(),
        1250,
        50,
        1800,
        520,
    );
    assert_eq!(rows, vec![expected.clone(), expected]);
    let ledger = std::fs::read_to_string(env.ledger_path("claude-loop")).unwrap();
    assert_eq!(ledger.matches("- outcome: success\n- tokens: input=1250 output=50 cache_read=1800 cache_write=520\n- cost_usd: ").count(), 2, "{ledger}");
}

#[test]
fn a_rate_limited_claude_profile_fails_over_to_codex_in_the_same_pool() {
    let env = repo_env();
    let limited =
        MockProvider::start(Script::new(vec![Turn::rate_limited(3600, None).times(50)])).unwrap();
    let openai = MockProvider::start(Script::new(vec![
        Turn::tool_call(
            "exec_command",
            json!({"cmd": "printf 'changed by codex\\n' > hello.txt"}),
        )
        .with_usage(TokenUsage::new(2000, 60).cached(1000, 0)),
        Turn::text("Edited hello.txt.").with_usage(TokenUsage::new(150, 12).cached(3000, 0)),
    ]))
    .unwrap();
    claude_and_codex_pool(&env, &limited, &openai);
    env.forge(&[
        "up",
        "--pool",
        "agents",
        "--name",
        "failover",
        "--interval",
        "0",
        "--max-iterations",
        "2",
        "--prompt-msg",
        "forge-e2e-failover: change hello.txt",
    ])
    .success();
    wait_stopped(&env, "failover");

    let rows = runs(&env);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str(), rows[0].2.as_str()),
        ("cc", "error", "rate_limited"),
        "{rows:?}"
    );
    assert_eq!(
        (rows[1].0.as_str(), rows[1].1.as_str(), rows[1].2.as_str()),
        ("cx", "success", "success"),
        "{rows:?}"
    );
    assert!(
        rows[1].3 > 0 && rows[1].4 > 0,
        "codex usage recorded: {rows:?}"
    );
    assert!(
        openai.model_requests()[0]
            .body
            .contains("forge-e2e-failover"),
        "the prompt reached codex's model"
    );
    assert_eq!(
        std::fs::read_to_string(env.repo().join("hello.txt")).unwrap(),
        "changed by codex\n"
    );
    let profiles = env.forge(&["profile", "ls", "--json"]).json();
    let cc = profiles
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cc")
        .unwrap();
    assert!(
        cc["cooldown_until"].as_str().is_some(),
        "the limited profile is in cooldown: {cc}"
    );
    let log = std::fs::read_to_string(env.log_path("failover")).unwrap();
    assert!(
        log.contains("profile cc rate limited; cooling down until "),
        "{log}"
    );
}

fn pi_profile(env: &TestEnv, name: &str, provider: &MockProvider) {
    let agent_dir = env.root().join("pi-agent");
    std::fs::create_dir_all(&agent_dir).unwrap();
    let models = json!({"providers": {"mock": {
        "baseUrl": format!("{}/v1", provider.base_url()),
        "api": "openai-completions",
        "apiKey": "MOCK_API_KEY",
        "compat": {"supportsDeveloperRole": false, "supportsReasoningEffort": false},
        "models": [{"id": "mock-model", "name": "Mock", "reasoning": false, "input": ["text"],
            "contextWindow": 128000, "maxTokens": 4096,
            "cost": {"input": 3.0, "output": 15.0, "cacheRead": 0.3, "cacheWrite": 0}}]
    }}});
    std::fs::write(agent_dir.join("models.json"), models.to_string()).unwrap();
    let settings = json!({"retry": {"enabled": true, "maxRetries": 1, "baseDelayMs": 10, "provider": {"maxRetries": 0}}});
    std::fs::write(agent_dir.join("settings.json"), settings.to_string()).unwrap();
    let command = "pi --mode json --model mock/mock-model --no-session -p";
    let home = agent_dir.display().to_string();
    env.forge(&[
        "profile",
        "add",
        "pi",
        "--name",
        name,
        "--home",
        &home,
        "--prompt-mode",
        "stdin",
        "--command",
        command,
        "--env",
        "MOCK_API_KEY=sk-mock-pi",
    ])
    .success();
}

#[test]
fn codex_and_pi_each_run_two_iterations_that_edit_the_repo_with_usage_recorded() {
    for harness in ["codex", "pi"] {
        let env = repo_env();
        let tool = if harness == "codex" {
            "exec_command"
        } else {
            "bash"
        };
        let key = if harness == "codex" { "cmd" } else { "command" };
        let edit = |n: u32| {
            Turn::tool_call(
                tool,
                json!({ key: format!("printf 'iteration {n}\\n' >> hello.txt") }),
            )
            .with_usage(TokenUsage::new(900, 30).cached(100, 0))
        };
        let done =
            || Turn::text("Edited hello.txt.").with_usage(TokenUsage::new(80, 9).cached(200, 0));
        let provider =
            MockProvider::start(Script::new(vec![edit(1), done(), edit(2), done()])).unwrap();
        if harness == "codex" {
            codex_profile(&env, "agent", &provider);
        } else {
            pi_profile(&env, "agent", &provider);
        }
        let prompt = format!("forge-e2e-{harness}: append a line to hello.txt");
        env.forge(&[
            "up",
            "--profile",
            "agent",
            "--name",
            harness,
            "--interval",
            "0",
            "--max-iterations",
            "2",
            "--prompt-msg",
            &prompt,
        ])
        .success();
        wait_stopped(&env, harness);
        let model = provider.model_requests();
        assert!(
            model[0].body.contains(&format!("forge-e2e-{harness}")),
            "{harness}: the prompt did not reach the model"
        );
        assert_eq!(
            std::fs::read_to_string(env.repo().join("hello.txt")).unwrap(),
            "hello\niteration 1\niteration 2\n",
            "{harness}: {}",
            std::fs::read_to_string(env.log_path(harness)).unwrap_or_default()
        );
        let rows = runs(&env);
        assert_eq!(rows.len(), 2, "{harness}: {rows:?}");
        for row in &rows {
            assert_eq!(
                (row.1.as_str(), row.2.as_str()),
                ("success", "success"),
                "{harness}: {rows:?}"
            );
            assert!(
                row.3 > 0 && row.4 > 0,
                "{harness}: usage recorded: {rows:?}"
            );
        }
        let ledger = std::fs::read_to_string(env.ledger_path(harness)).unwrap();
        assert_eq!(
            ledger
                .matches("- outcome: success\n- tokens: input=")
                .count(),
            2,
            "{harness}: {ledger}"
        );
    }
}

#[test]
fn a_claude_profile_is_used_again_once_its_rate_limit_lifts() {
    let env = repo_env();
    // The Anthropic account is limited for the next 10 s. With an API key (no subscription),
    // Claude Code reports the 429 without its reset time, so Forge cools the profile down with
    // its first backoff step (60 s) and uses Codex meanwhile.
    let resets_at = jiff::Timestamp::now().as_second() + 10;
    let limited = MockProvider::start(Script::new(vec![
        Turn::rate_limited(3600, Some(resets_at)).until(resets_at),
        Turn::text("Back after the limit lifted.").with_usage(TokenUsage::new(80, 9)),
    ]))
    .unwrap();
    let openai = MockProvider::start(Script::new(
        (0..20)
            .map(|_| Turn::text("Codex covered this one.").with_usage(TokenUsage::new(100, 5)))
            .collect(),
    ))
    .unwrap();
    claude_and_codex_pool(&env, &limited, &openai);
    env.forge(&[
        "up",
        "--pool",
        "agents",
        "--name",
        "lifts",
        "--interval",
        "2s",
        "--max-iterations",
        "30",
        "--prompt-msg",
        "forge-e2e-lifts: say hello",
    ])
    .success();
    let back = || runs(&env).iter().any(|r| r.0 == "cc" && r.1 == "success");
    let log = || std::fs::read_to_string(env.log_path("lifts")).unwrap_or_default();
    let came_back = wait_until(Duration::from_secs(240), back);
    env.forge(&["stop", "lifts"]).success();
    wait_stopped(&env, "lifts");
    assert!(
        came_back,
        "the Claude profile was never used again:\n{}",
        log()
    );

    let rows = runs(&env);
    assert_eq!(
        (rows[0].0.as_str(), rows[0].2.as_str()),
        ("cc", "rate_limited"),
        "{rows:?}"
    );
    let back_at = rows
        .iter()
        .position(|r| r.0 == "cc" && r.1 == "success")
        .unwrap();
    // In between, every iteration failed over to Codex, and they all succeeded.
    assert!(back_at >= 2, "{rows:?}");
    assert!(
        rows[1..back_at]
            .iter()
            .all(|r| r.0 == "cx" && r.1 == "success"),
        "{rows:?}"
    );
    assert_eq!(rows[back_at].2, "success", "{rows:?}");
    assert!(rows[back_at].3 > 0, "usage of the returning run: {rows:?}");
    // The cooldown is in the log, and Claude was not tried again before it ended.
    let log_text = log();
    let until = log_text
        .lines()
        .find_map(|l| {
            l.split("profile cc rate limited; cooling down until ")
                .nth(1)
        })
        .unwrap_or_else(|| panic!("no cooldown line:\n{log_text}"))
        .trim()
        .to_string();
    let db = rusqlite::Connection::open(env.db_path()).unwrap();
    let restarted: String = db
        .query_row(
            "SELECT r.started_at FROM loop_runs r JOIN profiles p ON p.id = r.profile_id
             WHERE p.name = 'cc' AND r.status = 'success'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        restarted >= until,
        "cc ran again at {restarted}, before its cooldown ended at {until}"
    );
    assert!(
        limited
            .model_requests()
            .last()
            .unwrap()
            .body
            .contains("forge-e2e-lifts"),
        "the prompt reached Claude's model after the limit lifted"
    );
}
