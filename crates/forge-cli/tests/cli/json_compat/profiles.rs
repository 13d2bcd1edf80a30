//! Profiles and pools.

use forge_testkit::TestEnv;

use super::assert_shape;
use crate::cli_support::{env, ok, setup_pool};

/// `profile add` with every field the reference prints set.
fn add_args(env: &TestEnv) -> Vec<String> {
    let home = env.home().join(".codex-alpha");
    std::fs::create_dir_all(&home).unwrap();
    [
        "profile",
        "add",
        "codex",
        "--name",
        "alpha",
        "--home",
        &home.display().to_string(),
        "--prompt-mode",
        "env",
        "--command",
        "codex exec",
        "--model",
        "gpt-5",
        "--extra-arg",
        "--sandbox",
        "--env",
        "A=1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn add_alpha(env: &TestEnv) {
    let args = add_args(env);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(env, &args);
}

#[test]
fn profile_add_json() {
    let env = env();
    let mut args = add_args(&env);
    args.push("--json".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_shape(&ok(&env, &args).json(), "profile");
}

#[test]
fn profile_ls_json() {
    let env = env();
    add_alpha(&env);
    assert_shape(&ok(&env, &["profile", "ls", "--json"]).json(), "profile-ls");
}

#[test]
fn profile_edit_json() {
    let env = env();
    add_alpha(&env);
    assert_shape(
        &ok(
            &env,
            &["profile", "edit", "alpha", "--model", "gpt-5.1", "--json"],
        )
        .json(),
        "profile",
    );
}

#[test]
fn profile_rm_json() {
    let env = env();
    add_alpha(&env);
    assert_shape(
        &ok(&env, &["profile", "rm", "alpha", "--json"]).json(),
        "profile-rm",
    );
}

#[test]
fn profile_cooldown_set_json() {
    let env = env();
    add_alpha(&env);
    let out = ok(
        &env,
        &[
            "profile", "cooldown", "set", "alpha", "--until", "30m", "--json",
        ],
    )
    .json();
    assert_shape(&out, "profile-cooldown");
    // Forge's own key stays.
    assert_eq!(out["profile"], "alpha");
}

#[test]
fn profile_cooldown_clear_json() {
    let env = env();
    add_alpha(&env);
    ok(
        &env,
        &["profile", "cooldown", "set", "alpha", "--until", "30m"],
    );
    assert_shape(
        &ok(&env, &["profile", "cooldown", "clear", "alpha", "--json"]).json(),
        "profile",
    );
}

#[test]
fn profile_doctor_json() {
    let env = env();
    setup_pool(&env);
    let out = ok(&env, &["profile", "doctor", "echo", "--json"]).json();
    assert_shape(&out, "profile-doctor");
    assert_eq!(out["checks"][0]["ok"], true);
    assert_eq!(out["checks"][0]["status"], "pass");
}

#[test]
fn profile_init_json() {
    let mut env = env();
    let aliases = env.write(
        "home/aliases.sh",
        "alias cc2='CLAUDE_CONFIG_DIR=~/.claude-2 claude'\nalias codex1=\"codex\"\n",
    );
    env.set_var("FORGE_ALIAS_FILE", &aliases);
    // A harness on PATH is reported in `harnesses`; PATH holds only it, so the machine's own
    // harnesses do not show up.
    let bin = env.write_script("bin/codex", "#!/bin/sh\nexit 0\n");
    // bash (the harness shell) must still be found.
    env.set_var(
        "PATH",
        format!("{}:/usr/bin:/bin", bin.parent().unwrap().display()),
    );
    let out = ok(&env, &["profile", "init", "--json"]).json();
    assert_shape(&out, "profile-init");
    assert_eq!(out["imported"], 2);
    assert_eq!(out["profiles"], serde_json::json!(["cc2", "codex1"]));
    assert_eq!(out["harnesses"], serde_json::json!(["codex"]));
    assert_eq!(out["aliases"][0]["harness"], "claude");
    // Forge's own keys stay.
    assert_eq!(out["created"], serde_json::json!(["cc2", "codex1"]));
}

#[test]
fn pool_create_json() {
    let env = env();
    assert_shape(
        &ok(&env, &["pool", "create", "default", "--json"]).json(),
        "pool",
    );
}

#[test]
fn pool_add_json() {
    let env = env();
    add_alpha(&env);
    ok(&env, &["pool", "create", "default"]);
    assert_shape(
        &ok(&env, &["pool", "add", "default", "alpha", "--json"]).json(),
        "pool-add",
    );
}

#[test]
fn pool_ls_json() {
    let env = env();
    setup_pool(&env);
    assert_shape(&ok(&env, &["pool", "ls", "--json"]).json(), "pool-ls");
}

#[test]
fn pool_show_json() {
    let env = env();
    setup_pool(&env);
    assert_shape(
        &ok(&env, &["pool", "show", "default", "--json"]).json(),
        "pool-show",
    );
}

#[test]
fn pool_set_default_json() {
    let env = env();
    setup_pool(&env);
    assert_shape(
        &ok(&env, &["pool", "set-default", "default", "--json"]).json(),
        "pool-set-default",
    );
}
