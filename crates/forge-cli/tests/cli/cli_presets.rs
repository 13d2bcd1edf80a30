//! Harness presets overridden in `config.yaml` (`harnesses.<name>.command` / `.prompt_mode`).

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used)]

use forge_testkit::TestEnv;

#[test]
fn config_overrides_a_preset_for_profile_add_and_flags_still_win() {
    let env = TestEnv::new().with_bin("forge", env!("CARGO_BIN_EXE_forge"));
    env.write(
        env.config_home().join("forge/config.yaml"),
        "harnesses:\n  claude-code:\n    command: claude -p --output-format stream-json --verbose --model opus\n    prompt_mode: env\n",
    );
    let p = env
        .forge(&["profile", "add", "claude", "--name", "c1", "--json"])
        .success()
        .json();
    assert_eq!(
        p["command_template"],
        "claude -p --output-format stream-json --verbose --model opus"
    );
    assert_eq!(p["prompt_mode"], "env");
    let p = env
        .forge(&[
            "profile",
            "add",
            "claude",
            "--name",
            "c2",
            "--prompt-mode",
            "stdin",
            "--command",
            "mine",
            "--json",
        ])
        .success()
        .json();
    assert_eq!(
        (p["command_template"].as_str(), p["prompt_mode"].as_str()),
        (Some("mine"), Some("stdin"))
    );
    let codex = env
        .forge(&["profile", "add", "codex", "--name", "x1", "--json"])
        .success()
        .json();
    assert_eq!(
        codex["command_template"],
        "codex exec --json --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox -",
        "presets without an override are unchanged"
    );
}

#[test]
fn invalid_preset_overrides_are_clear_errors() {
    let env = TestEnv::new().with_bin("forge", env!("CARGO_BIN_EXE_forge"));
    let config = env.config_home().join("forge/config.yaml");
    env.write(&config, "harnesses:\n  amp:\n    command: amp\n");
    let out = env.forge(&["profile", "ls"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.lines().next().unwrap(),
        format!(
            "Error: unknown harness \"amp\" under harnesses in {} (valid: claude, codex, opencode, pi, droid, gemini, command)",
            config.display()
        )
    );
    env.write(&config, "harnesses:\n  pi:\n    prompt_mode: pipe\n");
    let out = env.forge(&["profile", "ls"]);
    assert_eq!(
        out.stderr.lines().next().unwrap(),
        format!(
            "Error: invalid config {}: harnesses.pi.prompt_mode: unknown variant `pipe`, expected one of `env`, `stdin`, `path`",
            config.display()
        )
    );
}
