//! Shared helpers of the `cli_*` test binaries: a hermetic env with `forge` registered, a
//! `command` profile in a default pool, direct loop rows for runner-free tests, and redaction.
#![allow(
    dead_code,
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::time::Duration;

use forge_core::model::{Loop, LoopState};
use forge_store::Store;
use forge_testkit::{Output, TestEnv, wait_for};
use serde_json::Value;

/// A hermetic environment with the `forge` binary registered.
pub(crate) fn env() -> TestEnv {
    TestEnv::new().with_bin("forge", env!("CARGO_BIN_EXE_forge"))
}

/// Runs forge and asserts success.
#[track_caller]
pub(crate) fn ok(env: &TestEnv, args: &[&str]) -> Output {
    let out = env.forge(args);
    out.success();
    out
}

/// Runs forge expecting failure; returns (exit code, stderr) with the temp root redacted.
#[track_caller]
pub(crate) fn fail(env: &TestEnv, args: &[&str]) -> (i32, String) {
    let out = env.forge(args);
    assert_ne!(
        out.code, 0,
        "expected failure of {args:?}\nstdout:\n{}",
        out.stdout
    );
    assert_eq!(
        out.stdout, "",
        "stdout of a failed human-mode command must be empty"
    );
    (out.code, env.redact(&out.stderr))
}

/// Adds a `command` profile `name` running `command`.
#[track_caller]
pub(crate) fn command_profile(env: &TestEnv, name: &str, command: &str) {
    ok(
        env,
        &[
            "profile",
            "add",
            "command",
            "--name",
            name,
            "--command",
            command,
        ],
    );
}

/// A `command` profile `echo` running `cat`, in the pool `default` (which becomes the default).
pub(crate) fn setup_pool(env: &TestEnv) {
    ok(
        env,
        &[
            "profile",
            "add",
            "command",
            "--name",
            "echo",
            "--command",
            "cat",
        ],
    );
    ok(env, &["pool", "create", "default"]);
    ok(env, &["pool", "add", "default", "echo"]);
}

/// Inserts a loop row directly (state stopped, no runner) with a chosen short id.
pub(crate) fn insert_loop(env: &TestEnv, name: &str, short_id: &str, tags: &[&str]) -> Loop {
    let mut store = Store::open(&env.db_path(), 5000).unwrap();
    let now = forge_core::time::now_rfc3339();
    let l = Loop {
        id: forge_core::ids::new_id(),
        short_id: short_id.to_string(),
        name: name.to_string(),
        repo_path: env.repo().display().to_string(),
        base_prompt_path: None,
        base_prompt_msg: Some("hello".into()),
        interval_seconds: 30,
        max_iterations: 0,
        max_runtime_seconds: 0,
        pool_id: None,
        profile_id: None,
        state: LoopState::Stopped,
        last_run_at: None,
        last_exit_code: None,
        last_error: None,
        log_path: Some(env.log_path(name).display().to_string()),
        ledger_path: None,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        created_at: now.clone(),
        updated_at: now,
        ..Default::default()
    };
    store.insert_loop(&l).unwrap();
    l
}

/// `forge ps --json` as a list.
pub(crate) fn ps(env: &TestEnv) -> Vec<Value> {
    ok(env, &["ps", "--json"])
        .json()
        .as_array()
        .cloned()
        .unwrap()
}

/// The `ps --json` row of a loop.
pub(crate) fn loop_row(env: &TestEnv, name: &str) -> Value {
    ps(env)
        .into_iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("loop {name} not listed"))
}

/// Waits until a loop is in `state` with no runner holding it.
pub(crate) fn wait_stopped(env: &TestEnv, name: &str) {
    wait_for(
        Duration::from_secs(15),
        &format!("loop {name} to stop"),
        || {
            let row = loop_row(env, name);
            row["state"] == "stopped" && row["runner_alive"] == false
        },
    );
}

/// Waits until a loop's state is one of `states`.
pub(crate) fn wait_state(env: &TestEnv, name: &str, states: &[&str]) {
    wait_for(
        Duration::from_secs(15),
        &format!("loop {name} to reach {states:?}"),
        || {
            let row = loop_row(env, name);
            states.iter().any(|s| row["state"] == *s)
        },
    );
}

/// Collapses runs of spaces in every line (table widths change when paths are redacted).
pub(crate) fn squash(text: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}
