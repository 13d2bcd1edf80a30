//! The defects found by driving Forge as a user (issue 9 item 6), one test each.

use std::time::Duration;

use crate::cli_support::{command_profile, env};
use forge_testkit::{TestEnv, wait_until};
use serde_json::Value;

fn with_pool(env: &TestEnv, command: &str) {
    command_profile(env, "p", command);
    env.forge(&["pool", "create", "default"]).success();
    env.forge(&["pool", "add", "default", "p"]).success();
}

fn ps(env: &TestEnv, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["ps", "--json"];
    args.extend_from_slice(extra);
    env.forge(&args)
        .success()
        .json()
        .as_array()
        .unwrap()
        .clone()
}

fn wait_all_stopped(env: &TestEnv) {
    let done = || ps(env, &[]).iter().all(|l| l["state"] == "stopped");
    assert!(
        wait_until(Duration::from_secs(30), done),
        "{:?}",
        ps(env, &[])
    );
}

#[test]
fn names_that_slug_alike_get_their_own_log_and_ledger() {
    let env = env();
    with_pool(&env, "cat");
    for name in ["a/b", "ab"] {
        env.forge(&[
            "up",
            "--name",
            name,
            "--max-iterations",
            "1",
            "--prompt-msg",
            name,
        ])
        .success();
    }
    wait_all_stopped(&env);
    let loops = ps(&env, &[]);
    let (a, b) = (&loops[0], &loops[1]);
    assert_ne!(a["log_path"], b["log_path"], "{loops:?}");
    assert_ne!(a["ledger_path"], b["ledger_path"], "{loops:?}");
    for l in [a, b] {
        let log = std::fs::read_to_string(l["log_path"].as_str().unwrap()).unwrap();
        assert_eq!(
            log.matches("loop started").count(),
            1,
            "one loop per log:\n{log}"
        );
        let ledger = std::fs::read_to_string(l["ledger_path"].as_str().unwrap()).unwrap();
        assert!(
            ledger.starts_with("---\n")
                && ledger.contains(&format!("loop_name: {}", l["name"].as_str().unwrap())),
            "{ledger}"
        );
    }
}

#[test]
fn a_name_the_runner_cannot_use_is_refused_before_anything_is_created() {
    let env = env();
    with_pool(&env, "cat");
    let long = "x".repeat(10_000);
    let out = env.forge(&["up", "--name", &long, "--prompt-msg", "x"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.lines().next().unwrap(),
        "Error: invalid loop name: 10000 characters long (at most 100)"
    );
    let out = env.forge(&["up", "--name", "two\nlines", "--prompt-msg", "x"]);
    assert_eq!(
        out.stderr.lines().next().unwrap(),
        "Error: invalid loop name \"two\\nlines\": no control characters"
    );
    assert!(ps(&env, &[]).is_empty());
}

#[test]
fn loops_on_the_default_pool_record_it() {
    let env = env();
    with_pool(&env, "sleep 600");
    env.forge(&["up", "--name", "implicit", "--prompt-msg", "x"])
        .success();
    let on_pool = ps(&env, &["--pool", "default"]);
    assert_eq!(on_pool.len(), 1, "ps --pool default sees it");
    assert_eq!(on_pool[0]["pool_name"], "default");
    let table = env.forge(&["ps"]).success().stdout.clone();
    assert!(
        table.lines().nth(1).unwrap().contains(" default "),
        "{table}"
    );
    env.forge(&["stop", "--all", "--pool", "default"]).success();
    env.forge(&["kill", "implicit"]).success();
}

#[test]
fn up_in_a_subdirectory_uses_the_repository_root_and_says_so() {
    let mut env = env().with_git();
    with_pool(&env, "cat");
    let sub = env.repo().join("src/deep");
    std::fs::create_dir_all(&sub).unwrap();
    env.set_cwd(&sub);
    let out = env.forge(&[
        "up",
        "--name",
        "sub",
        "--max-iterations",
        "1",
        "--prompt-msg",
        "x",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "using the repository root {}",
            env.repo().display()
        )),
        "{}",
        out.stderr
    );
    wait_all_stopped(&env);
    assert_eq!(
        ps(&env, &[])[0]["repo_path"],
        env.repo().display().to_string()
    );
    assert!(
        !sub.join(".forge").exists(),
        ".forge/ must not be written in the subdirectory"
    );
    assert!(env.repo().join(".forge/ledgers/sub.md").is_file());
}

#[test]
fn thirty_loops_sharing_one_slot_all_run_in_turn() {
    let env = env();
    env.forge(&[
        "profile",
        "add",
        "command",
        "--name",
        "p",
        "--command",
        "true",
        "--max-concurrency",
        "1",
    ])
    .success();
    env.forge(&["pool", "create", "default"]).success();
    env.forge(&["pool", "add", "default", "p"]).success();
    env.forge(&[
        "up",
        "-n",
        "30",
        "--name-prefix",
        "f",
        "--interval",
        "0",
        "--prompt-msg",
        "x",
    ])
    .success();
    let runs_per_loop = || -> Vec<i64> {
        ps(&env, &[])
            .iter()
            .map(|l| l["runs"].as_i64().unwrap())
            .collect()
    };
    // Fairness is judged from the moment every loop has run once (`up -n 30` starts the runners
    // one after another, so the first ones get going earlier), on counts as one `ps` saw them
    // (while `kill --all` ends the loops one by one, the rest share the slot among fewer).
    let mut base = Vec::new();
    let started = wait_until(Duration::from_secs(60), || {
        base = runs_per_loop();
        base.len() == 30 && base.iter().all(|r| *r >= 1)
    });
    let mut runs = Vec::new();
    let enough = started
        && wait_until(Duration::from_secs(120), || {
            runs = runs_per_loop()
                .iter()
                .zip(&base)
                .map(|(now, before)| now - before)
                .collect();
            runs.iter().sum::<i64>() >= 120
        });
    env.forge(&["kill", "--all"]).success();
    assert!(started, "not every loop ran within 60 s: {base:?}");
    assert!(enough, "too few runs in 120 s: {runs:?}");
    let (min, max) = (runs.iter().min().unwrap(), runs.iter().max().unwrap());
    // 120 runs over 30 loops is 4 rounds: waiting loops get the slot in the order they waited.
    assert!(*min >= 2, "a loop starved: {runs:?}");
    assert!(max - min <= 3, "unfair: {runs:?}");
}

#[test]
fn bare_forge_prints_help_and_exits_0_and_dash_v_upper_prints_the_version() {
    let env = env();
    let out = env.forge(&[]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("Usage: forge"), "{}", out.stdout);
    let out = env.forge(&["-V"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with("forge version "), "{}", out.stdout);
}

#[test]
fn bad_values_get_clear_errors() {
    let env = env();
    with_pool(&env, "cat");
    let first_line = |args: &[&str]| {
        let out = env.forge(args);
        assert_ne!(out.code, 0, "{args:?} was accepted");
        out.stderr.lines().next().unwrap_or_default().to_string()
    };
    assert_eq!(
        first_line(&["up", "--interval", "-1s", "--prompt-msg", "x"]),
        "Error: invalid --interval \"-1s\": a duration must not be negative"
    );
    assert_eq!(
        first_line(&[
            "up",
            "--interval",
            "99999999999999999999s",
            "--prompt-msg",
            "x"
        ]),
        "Error: invalid --interval \"99999999999999999999s\": too long (at most 100 years)"
    );
    std::fs::write(env.repo().join("p.md"), "x").unwrap();
    assert_eq!(
        first_line(&["up", "--prompt", "p.md", "--prompt-msg", "x"]),
        "Error: use either --prompt or --prompt-msg, not both"
    );
    env.forge(&[
        "up",
        "--name",
        "l",
        "--max-iterations",
        "1",
        "--prompt-msg",
        "x",
    ])
    .success();
    assert_eq!(
        first_line(&["work", "--loop", "l", "set", "t", "--status", "weird"]),
        "Error: invalid --status \"weird\" (valid: todo|in_progress|blocked|done)"
    );
    assert_eq!(
        first_line(&["logs", "l", "-n", "-5"]),
        "Error: --lines must be 0 or more (got -5)"
    );
    std::fs::create_dir_all(env.repo().join(".forge")).unwrap();
    std::fs::write(env.repo().join(".forge/forge.yaml"), "default_pool: nope\n").unwrap();
    let line = first_line(&["up", "--prompt-msg", "x"]);
    assert!(
        line.starts_with("Error: default_pool \"nope\" (from ")
            && line.ends_with(") names no pool"),
        "{line}"
    );
    wait_all_stopped(&env);
}

#[test]
fn the_repo_default_prompt_is_the_prompt_of_loops_without_one() {
    let env = env();
    with_pool(&env, "cat");
    std::fs::create_dir_all(env.repo().join(".forge")).unwrap();
    std::fs::write(
        env.repo().join(".forge/forge.yaml"),
        "default_prompt: TASK.md\n",
    )
    .unwrap();
    std::fs::write(env.repo().join("TASK.md"), "the task file\n").unwrap();
    env.forge(&["up", "--name", "dp", "--max-iterations", "1"])
        .success();
    wait_all_stopped(&env);
    let log = std::fs::read_to_string(env.log_path("dp")).unwrap();
    assert!(log.contains("the task file"), "{log}");
}

#[test]
fn work_set_from_a_persons_shell_defaults_the_agent_to_the_loop() {
    let env = env();
    with_pool(&env, "cat");
    env.forge(&[
        "up",
        "--name",
        "mine",
        "--max-iterations",
        "1",
        "--prompt-msg",
        "x",
    ])
    .success();
    let out = env.forge(&["work", "--loop", "mine", "set", "t1", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["agent_id"], "mine");
    wait_all_stopped(&env);
}

#[test]
fn messages_and_controls_tell_the_truth_about_stopped_loops() {
    let env = env();
    with_pool(&env, "sleep 600");
    env.forge(&["up", "--name", "live", "--prompt-msg", "x"])
        .success();
    env.forge(&["up", "--name", "idle", "--prompt-msg", "x"])
        .success();
    env.forge(&["kill", "idle"]).success();
    let out = env.forge(&["msg", "idle", "hello"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stderr
            .contains("loop \"idle\" is stopped: the message waits until `forge resume idle`"),
        "{}",
        out.stderr
    );
    let out = env.forge(&["stop", "--all"]);
    assert_eq!(out.stdout, "Stopped 1 loop(s) (1 already stopped)\n");
    // `live` still runs its harness (a graceful stop waits for the run); `idle` is not counted.
    assert_eq!(
        env.forge(&["kill", "--all"]).stdout,
        "Killed 1 loop(s) (1 already stopped)\n"
    );
    assert_eq!(env.forge(&["kill", "--all", "--json"]).json()["loops"], 0);
}

#[test]
fn removing_the_default_pool_with_members_needs_force_and_the_hint_fits() {
    let env = env();
    with_pool(&env, "cat");
    env.forge(&["pool", "create", "other"]).success();
    let out = env.forge(&["pool", "rm", "default"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("Error: pool \"default\" is the default pool and has 1 profile(s); use --force to remove it"), "{}", out.stderr);
    env.forge(&["pool", "rm", "default", "--force"]).success();
    let out = env.forge(&["up", "--prompt-msg", "x"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("Hint: Make one of your pools the default: forge pool set-default other"),
        "{}",
        out.stderr
    );
}

#[test]
fn fmail_refuses_a_bad_agent_before_storing_and_watch_creates_nothing() {
    let mut env = env();
    let fmail = std::path::Path::new(env!("CARGO_BIN_EXE_fmail"));
    env.set_var("FMAIL_AGENT", "a".repeat(300));
    let out = forge_testkit::run_output(env.cmd_path(fmail).args(["send", "task", "hi"]));
    assert_ne!(out.code, 0);
    let topic = env.repo().join(".fmail/topics/task");
    let stored = std::fs::read_dir(&topic).map(|d| d.count()).unwrap_or(0);
    assert_eq!(stored, 0, "nothing stored for a send that failed");
    let empty = env.root().join("empty-project");
    std::fs::create_dir_all(&empty).unwrap();
    env.set_var("FMAIL_ROOT", &empty);
    let out = forge_testkit::run_output(env.cmd_path(fmail).args(["watch", "--timeout", "100ms"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !empty.join(".fmail").exists(),
        "watch must not create .fmail/"
    );
}

#[test]
fn first_run_is_one_command_with_an_ad_hoc_command_harness() {
    let env = env();
    let out = env.forge(&[
        "up",
        "--command",
        "cat",
        "--name",
        "q",
        "--max-iterations",
        "2",
        "--interval",
        "0",
        "--prompt-msg",
        "Say hello",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    wait_all_stopped(&env);
    let log = std::fs::read_to_string(env.log_path("q")).unwrap();
    assert_eq!(log.matches("Say hello").count(), 2, "{log}");
    assert!(env.ledger_path("q").is_file());
    // The same command reuses its profile; `--command` cannot be combined with a pool.
    env.forge(&[
        "up",
        "--command",
        "cat",
        "--name",
        "q2",
        "--max-iterations",
        "1",
        "--prompt-msg",
        "x",
    ])
    .success();
    let profiles = env.forge(&["profile", "ls", "--json"]).success().json();
    assert_eq!(profiles.as_array().unwrap().len(), 1, "{profiles}");
    let out = env.forge(&["up", "--command", "cat", "--pool", "p", "--prompt-msg", "x"]);
    assert_eq!(
        out.stderr,
        "Error: use only one of --pool, --profile and --command\n"
    );
    wait_all_stopped(&env);
}
