//! Smart stop end to end: flag validation, the quantitative command rule in every mode, the
//! qualitative judge iteration and its verdicts, and stall detection on a real git repository.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::cli_support::env;
use forge_testkit::{TestEnv, wait_until};

fn profile(env: &TestEnv, command: &str) {
    env.forge(&[
        "profile",
        "add",
        "command",
        "--name",
        "p",
        "--command",
        command,
    ])
    .success();
}

/// Starts a loop named `name` with `args`, waits until it stops, and returns
/// (run count, last_error, log, loop JSON).
fn run_to_stop(
    env: &TestEnv,
    name: &str,
    args: &[&str],
) -> (usize, String, String, serde_json::Value) {
    let mut full = vec![
        "up",
        "--profile",
        "p",
        "--name",
        name,
        "--interval",
        "0",
        "--prompt-msg",
        "Work.",
    ];
    full.extend_from_slice(args);
    env.forge(&full).success();
    let stopped = || {
        let ps = env.forge(&["ps", "--json"]).json();
        ps.as_array()
            .unwrap()
            .iter()
            .any(|l| l["name"] == name && (l["state"] == "stopped" || l["state"] == "error"))
    };
    assert!(
        wait_until(Duration::from_secs(30), stopped),
        "loop {name} did not stop"
    );
    let ps = env.forge(&["ps", "--json"]).json();
    let row = ps
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .unwrap()
        .clone();
    let log = std::fs::read_to_string(env.log_path(name)).unwrap_or_default();
    (
        row["runs"].as_u64().unwrap() as usize,
        row["last_error"].as_str().unwrap_or("").to_string(),
        log,
        row,
    )
}

#[test]
fn invalid_smart_stop_flags_are_refused_before_anything_is_created() {
    let env = env();
    profile(&env, "cat");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--quantitative-stop-every", "2"],
            "--quantitative-stop-cmd is required when other --quantitative-stop-* flags are set",
        ),
        (
            &[
                "--quantitative-stop-cmd",
                "true",
                "--quantitative-stop-every",
                "0",
            ],
            "quantitative stop every must be > 0",
        ),
        (
            &[
                "--quantitative-stop-cmd",
                "true",
                "--quantitative-stop-when",
                "later",
            ],
            "invalid --quantitative-stop-when \"later\" (valid: before|after|both)",
        ),
        (
            &[
                "--quantitative-stop-cmd",
                "true",
                "--quantitative-stop-decision",
                "halt",
            ],
            "invalid --quantitative-stop-decision \"halt\" (valid: stop|continue)",
        ),
        (
            &[
                "--quantitative-stop-cmd",
                "true",
                "--quantitative-stop-stdout",
                "full",
            ],
            "invalid --quantitative-stop-stdout \"full\" (valid: any|empty|nonempty)",
        ),
        (
            &[
                "--quantitative-stop-cmd",
                "true",
                "--quantitative-stop-stderr",
                "x",
            ],
            "invalid --quantitative-stop-stderr \"x\" (valid: any|empty|nonempty)",
        ),
        (
            &[
                "--quantitative-stop-cmd",
                "true",
                "--quantitative-stop-exit-codes",
                "0,x",
            ],
            "quantitative stop exit codes: invalid int \"x\"",
        ),
        (
            &[
                "--quantitative-stop-cmd",
                "true",
                "--quantitative-stop-timeout",
                "-1s",
            ],
            "invalid --quantitative-stop-timeout \"-1s\": a duration must not be negative",
        ),
        (
            &["--qualitative-stop-prompt-msg", "done?"],
            "qualitative stop every must be > 0",
        ),
        (
            &["--qualitative-stop-every", "2"],
            "--qualitative-stop-prompt or --qualitative-stop-prompt-msg is required",
        ),
        (
            &[
                "--qualitative-stop-every",
                "2",
                "--qualitative-stop-prompt",
                "judge",
                "--qualitative-stop-prompt-msg",
                "x",
            ],
            "use either --qualitative-stop-prompt or --qualitative-stop-prompt-msg, not both",
        ),
        (
            &[
                "--qualitative-stop-every",
                "2",
                "--qualitative-stop-prompt-msg",
                "x",
                "--qualitative-stop-on-invalid",
                "maybe",
            ],
            "invalid --qualitative-stop-on-invalid \"maybe\" (valid: stop|continue)",
        ),
        (
            &["--stall-iterations", "0"],
            "--stall-iterations must be > 0 (got 0)",
        ),
    ];
    for (flags, message) in cases {
        let mut args = vec!["up", "--profile", "p", "--prompt-msg", "x"];
        args.extend_from_slice(flags);
        let out = env.forge(&args);
        assert_eq!(out.code, 1, "{flags:?}: {}", out.stderr);
        assert_eq!(
            out.stderr.lines().next().unwrap(),
            format!("Error: {message}"),
            "{flags:?}"
        );
    }
    let out = env.forge(&[
        "up",
        "--profile",
        "p",
        "--prompt-msg",
        "x",
        "--qualitative-stop-every",
        "1",
        "--qualitative-stop-prompt",
        "nope",
    ]);
    assert!(
        out.stderr.starts_with("Error: prompt not found: nope"),
        "{}",
        out.stderr
    );
    let out = env.forge(&[
        "up",
        "--profile",
        "p",
        "--prompt-msg",
        "x",
        "--stall-iterations",
        "3",
    ]);
    assert!(
        out.stderr
            .starts_with("Error: --stall-iterations needs a git repository: "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Hint: Run `git init`"),
        "{}",
        out.stderr
    );
    let out = env.forge(&[
        "up",
        "--profile",
        "p",
        "--prompt-msg",
        "x",
        "--quantitative-stop-cmd",
        "true",
        "--quantitative-stop-stdout-regex",
        "(",
    ]);
    assert!(
        out.stderr
            .starts_with("Error: invalid --quantitative-stop-stdout-regex: "),
        "{}",
        out.stderr
    );
    assert_eq!(env.forge(&["ps"]).stdout, "No loops found\n");
}

#[test]
fn stop_config_is_stored_in_the_reference_shape_with_defaults() {
    let env = env();
    profile(&env, "sleep 600");
    env.forge(&[
        "up",
        "--profile",
        "p",
        "--name",
        "cfg",
        "--prompt-msg",
        "x",
        "--quantitative-stop-cmd",
        "make check",
        "--qualitative-stop-every",
        "5",
        "--qualitative-stop-prompt-msg",
        "Done?",
    ])
    .success();
    let ps = env.forge(&["ps", "--json"]).json();
    assert_eq!(
        ps[0]["metadata"]["stop_config"],
        serde_json::json!({
            "quant": {"cmd": "make check", "every_n": 1, "when": "before", "decision": "stop", "exit_codes": [0],
                      "stdout_mode": "any", "stderr_mode": "any"},
            "qual": {"every_n": 5, "prompt": {"prompt": "Done?", "is_path": false}, "on_invalid": "continue"}
        })
    );
    env.forge(&["kill", "cfg"]).success();
}

#[test]
fn quantitative_stop_before_a_run_stops_once_the_command_succeeds() {
    let env = env();
    profile(
        &env,
        "cat >/dev/null; n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; [ $n -ge 2 ] && touch DONE; echo iteration $n",
    );
    let (runs, err, log, _) =
        run_to_stop(&env, "before", &["--quantitative-stop-cmd", "test -f DONE"]);
    assert_eq!((runs, err.as_str()), (2, "quant stop: matched"));
    assert_eq!(
        log.matches("quant stop not matched: exit_code=1 not matched")
            .count(),
        2,
        "{log}"
    );
    assert!(
        log.contains("quant stop matched (decision=stop exit_code=0)"),
        "{log}"
    );
}

#[test]
fn quantitative_stop_after_every_second_run() {
    let env = env();
    profile(&env, "cat >/dev/null");
    let (runs, err, _, _) = run_to_stop(
        &env,
        "after",
        &[
            "--quantitative-stop-cmd",
            "true",
            "--quantitative-stop-when",
            "after",
            "--quantitative-stop-every",
            "2",
        ],
    );
    assert_eq!((runs, err.as_str()), (2, "quant stop: matched"));
}

#[test]
fn quantitative_decision_continue_only_logs() {
    let env = env();
    profile(&env, "cat >/dev/null");
    let (runs, err, log, _) = run_to_stop(
        &env,
        "cont",
        &[
            "--quantitative-stop-cmd",
            "true",
            "--quantitative-stop-decision",
            "continue",
            "--max-iterations",
            "3",
        ],
    );
    assert_eq!((runs, err.as_str()), (3, "max iterations reached (3)"));
    assert_eq!(
        log.matches("quant stop matched (decision=continue exit_code=0)")
            .count(),
        3,
        "{log}"
    );
}

#[test]
fn quantitative_invert_regex_streams_and_timeout() {
    let env = env();
    profile(&env, "cat >/dev/null");
    let (runs, err, _, _) = run_to_stop(
        &env,
        "invert",
        &[
            "--quantitative-stop-cmd",
            "echo READY; exit 3",
            "--quantitative-stop-exit-codes",
            "0",
            "--quantitative-stop-exit-invert",
            "--quantitative-stop-stdout-regex",
            "^READY",
            "--quantitative-stop-stderr",
            "empty",
        ],
    );
    assert_eq!((runs, err.as_str()), (0, "quant stop: matched"));
    let (runs, _, log, _) = run_to_stop(
        &env,
        "stderr",
        &[
            "--quantitative-stop-cmd",
            "echo oops >&2",
            "--quantitative-stop-stderr",
            "empty",
            "--max-iterations",
            "1",
        ],
    );
    assert_eq!(runs, 1);
    assert!(
        log.contains("quant stop not matched: stderr_mode=empty not matched"),
        "{log}"
    );
    let (runs, err, log, _) = run_to_stop(
        &env,
        "timeout",
        &[
            "--quantitative-stop-cmd",
            "sleep 30",
            "--quantitative-stop-timeout",
            "1s",
            "--quantitative-stop-exit-codes",
            "-1",
        ],
    );
    assert_eq!((runs, err.as_str()), (0, "quant stop: matched"));
    assert!(
        log.contains("quant stop command timed out after 1s"),
        "{log}"
    );
}

const JUDGE: &str =
    "if grep -q 'Verdict format'; then echo VERDICT; else cat >/dev/null; echo working; fi";

#[test]
fn qualitative_judge_runs_every_n_main_iterations_and_its_zero_stops_the_loop() {
    let env = env();
    profile(&env, &JUDGE.replace("VERDICT", "0"));
    let (runs, err, log, _) = run_to_stop(
        &env,
        "judged",
        &[
            "--qualitative-stop-every",
            "2",
            "--qualitative-stop-prompt-msg",
            "Is the work done?",
        ],
    );
    assert_eq!((runs, err.as_str()), (3, "qual stop: signaled stop"));
    assert!(
        log.contains("qual stop due; running immediately (next iteration)"),
        "{log}"
    );
    assert!(log.contains("qual stop signaled stop (0)"), "{log}");
    let ledger = std::fs::read_to_string(env.ledger_path("judged")).unwrap();
    assert_eq!(
        ledger.matches("- prompt_source: base").count(),
        2,
        "{ledger}"
    );
    assert_eq!(
        ledger
            .matches("- prompt_source: qual_stop\n- prompt_override: true")
            .count(),
        1,
        "{ledger}"
    );
}

#[test]
fn qualitative_continue_and_invalid_verdicts() {
    let env = env();
    profile(&env, &JUDGE.replace("VERDICT", "1"));
    let (runs, err, log, _) = run_to_stop(
        &env,
        "onward",
        &[
            "--qualitative-stop-every",
            "2",
            "--qualitative-stop-prompt-msg",
            "Done?",
            "--max-iterations",
            "4",
        ],
    );
    assert_eq!((runs, err.as_str()), (4, "max iterations reached (4)"));
    assert!(log.contains("qual stop signaled continue (1)"), "{log}");

    let env = self::env();
    profile(&env, &JUDGE.replace("VERDICT", "I think so"));
    let (runs, err, log, _) = run_to_stop(
        &env,
        "strict",
        &[
            "--qualitative-stop-every",
            "1",
            "--qualitative-stop-prompt-msg",
            "Done?",
            "--qualitative-stop-on-invalid",
            "stop",
        ],
    );
    assert_eq!(
        (runs, err.as_str()),
        (2, "qual stop: invalid output (expected 0 or 1)")
    );
    assert!(
        log.contains("qual stop invalid output (on_invalid=stop)"),
        "{log}"
    );
    let (runs, err, _, _) = run_to_stop(
        &env,
        "lenient",
        &[
            "--qualitative-stop-every",
            "1",
            "--qualitative-stop-prompt-msg",
            "Done?",
            "--max-iterations",
            "4",
        ],
    );
    assert_eq!((runs, err.as_str()), (4, "max iterations reached (4)"));
}

fn git_env() -> TestEnv {
    let env = env().with_git();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(env.repo())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::write(env.repo().join("README"), "start\n").unwrap();
    git(&["add", "README"]);
    git(&[
        "-c",
        "user.email=t@example.com",
        "-c",
        "user.name=t",
        "commit",
        "-qm",
        "start",
    ]);
    env
}

#[test]
fn stall_detection_nudges_once_then_stops_a_loop_that_changes_nothing() {
    let env = git_env();
    profile(&env, "cat");
    let (runs, err, log, _) = run_to_stop(&env, "idle", &["--stall-iterations", "2"]);
    assert_eq!(
        (runs, err.as_str()),
        (4, "stalled: no repository change in 2 iterations")
    );
    assert_eq!(
        log.matches("no repository change in 2 iterations; sending a corrective message")
            .count(),
        1,
        "{log}"
    );
    let third = log.split("] run ").nth(5).unwrap_or_default();
    assert!(third.contains("## Operator Message ("), "{log}");
    assert!(third.contains("no progress in 2 iterations"), "{log}");
}

#[test]
fn stall_detection_leaves_a_committing_loop_alone() {
    let env = git_env();
    profile(
        &env,
        "cat >/dev/null; date +%s%N >> work.txt; git add work.txt; git -c user.email=t@example.com -c user.name=t commit -qm step",
    );
    let (runs, err, log, _) = run_to_stop(
        &env,
        "busy",
        &["--stall-iterations", "2", "--max-iterations", "5"],
    );
    assert_eq!((runs, err.as_str()), (5, "max iterations reached (5)"));
    assert!(!log.contains("corrective message"), "{log}");
}

#[test]
fn the_judge_of_a_structured_harness_is_read_from_its_final_answer() {
    let env = env();
    let command = r#"if grep -q 'Verdict format'; then printf '%s\n' '{"type":"system","subtype":"init","session_id":"s1","model":"m"}' '{"type":"result","subtype":"success","is_error":false,"result":"0","num_turns":1,"total_cost_usd":0.01,"usage":{"input_tokens":3,"output_tokens":1}}'; else cat >/dev/null; echo working; fi"#;
    env.forge(&[
        "profile",
        "add",
        "claude",
        "--name",
        "p",
        "--prompt-mode",
        "stdin",
        "--command",
        command,
    ])
    .success();
    let (runs, err, log, _) = run_to_stop(
        &env,
        "structured",
        &[
            "--qualitative-stop-every",
            "1",
            "--qualitative-stop-prompt-msg",
            "Done?",
            "--qualitative-stop-on-invalid",
            "stop",
        ],
    );
    assert_eq!(
        (runs, err.as_str()),
        (2, "qual stop: signaled stop"),
        "{log}"
    );
}
