//! Rows for runner tests and benchmarks: a `command` profile and a loop pinned to it.
//! Included with `#[path]` by `tests/runner_in_process.rs` and the benches.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use forge_core::ids::{new_id, new_short_id};
use forge_core::model::{Loop, LoopState, Profile, PromptMode};
use forge_core::time::now_rfc3339;

/// A `command` profile (prompt on stdin) running `template`.
pub(crate) fn command_profile(
    name: &str,
    template: &str,
    env: BTreeMap<String, String>,
) -> Profile {
    let now = now_rfc3339();
    Profile {
        id: new_id(),
        name: name.into(),
        harness: "command".into(),
        auth_kind: None,
        auth_home: None,
        prompt_mode: PromptMode::Stdin,
        command_template: template.into(),
        model: None,
        extra_args: vec![],
        env,
        max_concurrency: 1,
        cooldown_until: None,
        created_at: now.clone(),
        updated_at: now,
    }
}

/// A stopped loop in `repo` pinned to `profile_id` with an inline prompt.
pub(crate) fn pinned_loop(
    name: &str,
    repo: &Path,
    profile_id: &str,
    prompt: &str,
    interval_seconds: i64,
    max_iterations: i64,
) -> Loop {
    let now = now_rfc3339();
    Loop {
        id: new_id(),
        short_id: new_short_id(),
        name: name.into(),
        repo_path: repo.display().to_string(),
        base_prompt_path: None,
        base_prompt_msg: Some(prompt.into()),
        interval_seconds,
        max_iterations,
        max_runtime_seconds: 0,
        pool_id: None,
        profile_id: Some(profile_id.into()),
        state: LoopState::Stopped,
        last_run_at: None,
        last_exit_code: None,
        last_error: None,
        log_path: None,
        ledger_path: None,
        tags: vec![],
        created_at: now.clone(),
        updated_at: now,
        ..Default::default()
    }
}
