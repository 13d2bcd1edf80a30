//! Harness accounting through the real runner: usage and typed outcomes from structured output
//! land on run rows, the ledger and `ps --json`; a rate-limited profile cools down until its
//! reset and the pool fails over to a profile of another harness, then uses it again; an
//! authentication failure parks the profile until an operator clears it.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::cli_support::env;
use forge_testkit::{TestEnv, wait_until};

/// A Claude-shaped harness: a stream-json success with usage.
const SUCCESS: &str = r#"cat >/dev/null
echo '{"type":"system","subtype":"init","session_id":"s1","model":"claude-test","tools":[]}'
echo '{"type":"result","subtype":"success","is_error":false,"duration_ms":40,"num_turns":2,"result":"Done.","session_id":"s1","total_cost_usd":0.0123,"usage":{"input_tokens":15,"cache_creation_input_tokens":540,"cache_read_input_tokens":500,"output_tokens":32}}'
"#;

/// A Claude-shaped harness that hits its subscription limit, resetting in 2 s, and exits 0.
const LIMITED: &str = r#"cat >/dev/null
r=$(( $(date +%s) + 2 ))
echo '{"type":"system","subtype":"init","session_id":"s2","model":"claude-test","tools":[]}'
echo '{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":'$r',"rateLimitType":"five_hour"},"session_id":"s2"}'
echo '{"type":"result","subtype":"success","is_error":true,"duration_ms":5,"num_turns":1,"result":"You have hit your limit","session_id":"s2","total_cost_usd":0,"usage":{"input_tokens":0,"output_tokens":0}}'
"#;

/// A Claude-shaped harness whose login is invalid.
const AUTH_FAILED: &str = r#"cat >/dev/null
echo '{"type":"result","subtype":"success","is_error":true,"duration_ms":5,"num_turns":1,"result":"Invalid API key · Please run /login","session_id":"s3","total_cost_usd":0,"usage":{"input_tokens":0,"output_tokens":0}}'
exit 1
"#;

/// status, outcome, input, output, cache read, cache write, cost, model.
type RunRow = (String, String, i64, i64, i64, i64, f64, String);

fn claude_profile(env: &TestEnv, name: &str, script: &str) {
    let path = env.write_script(format!("{name}.sh"), script);
    let command = path.display().to_string();
    env.forge(&[
        "profile",
        "add",
        "claude",
        "--name",
        name,
        "--prompt-mode",
        "stdin",
        "--command",
        &command,
    ])
    .success();
}

fn db(env: &TestEnv) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

fn wait_stopped(env: &TestEnv, name: &str) {
    let stopped = || {
        db(env)
            .query_row("SELECT state FROM loops WHERE name = ?1", [name], |r| {
                r.get::<_, String>(0)
            })
            .is_ok_and(|s| s == "stopped" || s == "error")
    };
    assert!(
        wait_until(Duration::from_secs(30), stopped),
        "loop {name} did not stop"
    );
}

#[test]
fn usage_and_outcome_land_on_runs_the_ledger_and_ps() {
    let env = env();
    claude_profile(&env, "cc", SUCCESS);
    env.forge(&[
        "up",
        "--profile",
        "cc",
        "--name",
        "acct",
        "--interval",
        "0",
        "--max-iterations",
        "2",
        "--prompt-msg",
        "x",
    ])
    .success();
    wait_stopped(&env, "acct");
    let rows: Vec<RunRow> = db(&env)
        .prepare("SELECT status, outcome, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, model FROM loop_runs")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0],
        (
            "success".into(),
            "success".into(),
            15,
            32,
            500,
            540,
            0.0123,
            "claude-test".into()
        )
    );
    let ledger = std::fs::read_to_string(env.ledger_path("acct")).unwrap();
    assert_eq!(
        ledger.matches("- exit_code: 0\n- outcome: success\n- tokens: input=15 output=32 cache_read=500 cache_write=540\n- cost_usd: 0.0123\n- model: claude-test\n").count(),
        2,
        "{ledger}"
    );
    let ps = env.forge(&["ps", "--json"]).json();
    assert_eq!(
        ps[0]["tokens"],
        serde_json::json!({"input": 30, "output": 64, "cache_read": 1000, "cache_write": 1080})
    );
    assert!((ps[0]["cost_usd"].as_f64().unwrap() - 0.0246).abs() < 1e-9);
    let table = env.forge(&["ps"]).success().stdout.clone();
    let row: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(row[9..11], ["2174", "$0.02"], "{table}");
    let human = env.forge(&["logs", "acct"]).success().stdout.clone();
    assert!(
        !human.contains("{\"type\""),
        "events are rendered, not raw JSON:\n{human}"
    );
    assert_eq!(
        human
            .matches("[result] success · 2 turns · 1055 in / 32 out tokens · $0.0123\n")
            .count(),
        2,
        "{human}"
    );
    let raw = env
        .forge(&["logs", "acct", "--raw"])
        .success()
        .stdout
        .clone();
    assert_eq!(raw.matches("{\"type\":\"result\"").count(), 2, "{raw}");
}

#[test]
fn a_rate_limit_with_exit_0_cools_the_profile_down_and_the_pool_fails_over_to_another_harness() {
    let env = env();
    claude_profile(&env, "limited", LIMITED);
    env.forge(&[
        "profile",
        "add",
        "command",
        "--name",
        "backup",
        "--command",
        "cat >/dev/null; echo backup-ran",
    ])
    .success();
    env.forge(&["pool", "create", "mixed"]).success();
    env.forge(&["pool", "add", "mixed", "limited", "backup"])
        .success();
    env.forge(&[
        "up",
        "--pool",
        "mixed",
        "--name",
        "failover",
        "--interval",
        "1s",
        "--max-iterations",
        "6",
        "--prompt-msg",
        "x",
    ])
    .success();
    wait_stopped(&env, "failover");
    let runs: Vec<(String, String, String)> = db(&env)
        .prepare(
            "SELECT p.name, r.status, r.outcome FROM loop_runs r JOIN profiles p ON p.id = r.profile_id ORDER BY r.rowid",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(runs.len(), 6, "{runs:?}");
    assert_eq!(
        runs[0],
        ("limited".into(), "error".into(), "rate_limited".into()),
        "{runs:?}"
    );
    assert_eq!(
        runs[1],
        ("backup".into(), "success".into(), "success".into()),
        "failover on the next iteration: {runs:?}"
    );
    let back = runs.iter().skip(2).position(|r| r.0 == "limited");
    assert!(
        back.is_some(),
        "the profile is used again once its cooldown ends: {runs:?}"
    );
    assert!(
        runs.iter().filter(|r| r.0 == "backup").count() >= 2,
        "{runs:?}"
    );
    let log = std::fs::read_to_string(env.log_path("failover")).unwrap();
    assert!(
        log.contains("profile limited rate limited; cooling down until "),
        "{log}"
    );
    assert!(log.contains(", window five_hour"), "{log}");
    let events: i64 = db(&env)
        .query_row("SELECT COUNT(*) FROM events WHERE kind = 'profile.cooldown' AND json_extract(data_json, '$.reason') = 'rate_limited'", [], |r| r.get(0))
        .unwrap();
    assert!(events >= 1);
}

#[test]
fn an_auth_failure_parks_the_profile_and_a_pinned_loop_waits_until_it_is_cleared() {
    let env = env();
    claude_profile(&env, "badkey", AUTH_FAILED);
    env.forge(&[
        "up",
        "--profile",
        "badkey",
        "--name",
        "parked",
        "--interval",
        "0",
        "--prompt-msg",
        "x",
    ])
    .success();
    let waiting = || {
        db(&env)
            .query_row("SELECT state FROM loops WHERE name = 'parked'", [], |r| {
                r.get::<_, String>(0)
            })
            .is_ok_and(|s| s == "waiting")
    };
    assert!(
        wait_until(Duration::from_secs(15), waiting),
        "{}",
        std::fs::read_to_string(env.log_path("parked")).unwrap_or_default()
    );
    let cooldown: String = db(&env)
        .query_row(
            "SELECT cooldown_until FROM profiles WHERE name = 'badkey'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(cooldown, "9999-01-01T00:00:00Z");
    let outcome: String = db(&env)
        .query_row("SELECT outcome FROM loop_runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(outcome, "auth_failed");
    let log = std::fs::read_to_string(env.log_path("parked")).unwrap();
    assert!(log.contains("profile badkey parked: authentication failed; fix its login, then run `forge profile cooldown clear badkey`"), "{log}");
    let ps = env.forge(&["ps", "--json"]).json();
    assert_eq!(ps[0]["state"], "waiting");
    assert!(ps[0]["wait_until"].as_str().is_some());
    env.forge(&["profile", "cooldown", "clear", "badkey"])
        .success();
    let runs = || {
        db(&env)
            .query_row("SELECT COUNT(*) FROM loop_runs", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    assert!(
        wait_until(Duration::from_secs(15), || runs() == 2),
        "the cleared profile runs again"
    );
    env.forge(&["kill", "parked"]).success();
}

#[test]
fn spend_budgets_stop_the_loop_once_reached() {
    let env = env();
    claude_profile(&env, "cc", SUCCESS);
    env.forge(&[
        "up",
        "--profile",
        "cc",
        "--name",
        "costly",
        "--interval",
        "0",
        "--max-cost",
        "0.02",
        "--prompt-msg",
        "x",
    ])
    .success();
    env.forge(&[
        "up",
        "--profile",
        "cc",
        "--name",
        "wordy",
        "--interval",
        "0",
        "--max-tokens",
        "2000",
        "--prompt-msg",
        "x",
    ])
    .success();
    wait_stopped(&env, "costly");
    wait_stopped(&env, "wordy");
    let ps = env.forge(&["ps", "--json"]).json();
    let by_name = |n: &str| {
        ps.as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(
        by_name("costly")["last_error"],
        "max cost reached ($0.0246 of $0.0200)"
    );
    assert_eq!(by_name("costly")["runs"], 2);
    assert_eq!(
        by_name("wordy")["last_error"],
        "max tokens reached (2174 of 2000)"
    );
    assert_eq!(by_name("wordy")["runs"], 2);
    assert_eq!(
        by_name("wordy")["metadata"]["guards"],
        serde_json::json!({"max_tokens": 2000})
    );
}

#[test]
fn run_and_idle_timeouts_kill_the_run_and_the_loop_goes_on() {
    let env = env();
    env.forge(&[
        "profile",
        "add",
        "command",
        "--name",
        "slow",
        "--command",
        "cat >/dev/null; echo started; sleep 30",
        "--max-concurrency",
        "0",
    ])
    .success();
    env.forge(&[
        "up",
        "--profile",
        "slow",
        "--name",
        "timed",
        "--interval",
        "0",
        "--max-iterations",
        "2",
        "--run-timeout",
        "1s",
        "--prompt-msg",
        "x",
    ])
    .success();
    env.forge(&[
        "up",
        "--profile",
        "slow",
        "--name",
        "idle",
        "--interval",
        "0",
        "--max-iterations",
        "1",
        "--idle-timeout",
        "1s",
        "--prompt-msg",
        "x",
    ])
    .success();
    wait_stopped(&env, "timed");
    wait_stopped(&env, "idle");
    let runs = |name: &str| -> Vec<(String, String)> {
        db(&env)
            .prepare("SELECT r.status, r.outcome FROM loop_runs r JOIN loops l ON l.id = r.loop_id WHERE l.name = ?1")
            .unwrap()
            .query_map([name], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(
        runs("timed"),
        vec![("killed".to_string(), "timed_out".to_string()); 2]
    );
    assert_eq!(
        runs("idle"),
        vec![("killed".to_string(), "stalled".to_string())]
    );
    let log = std::fs::read_to_string(env.log_path("timed")).unwrap();
    assert!(
        log.contains("killed (exit -1: run timed out after 1s)"),
        "{log}"
    );
    let log = std::fs::read_to_string(env.log_path("idle")).unwrap();
    assert!(
        log.contains("killed (exit -1: no output for 1s (stalled))"),
        "{log}"
    );
}

#[test]
fn invalid_guard_flags_are_refused() {
    let env = env();
    env.forge(&[
        "profile",
        "add",
        "command",
        "--name",
        "p",
        "--command",
        "cat",
    ])
    .success();
    for (flags, message) in [
        (["--run-timeout", "0"], "--run-timeout must be > 0 (got 0)"),
        (
            ["--idle-timeout", "soon"],
            "invalid --idle-timeout \"soon\": use a number with a unit, e.g. 30s, 5m, 1h30m, 1.5h",
        ),
        (
            ["--max-cost", "lots"],
            "--max-cost must be a positive amount of US dollars, e.g. 5 or 0.50 (got lots)",
        ),
        (["--max-tokens", "-5"], "--max-tokens must be > 0 (got -5)"),
    ] {
        let mut args = vec!["up", "--profile", "p", "--prompt-msg", "x"];
        args.extend_from_slice(&flags);
        let out = env.forge(&args);
        assert_eq!(out.code, 1, "{flags:?}");
        assert_eq!(
            out.stderr.lines().next().unwrap(),
            format!("Error: {message}")
        );
    }
}

#[test]
fn usage_reports_runs_tokens_and_cost_by_loop_profile_harness_and_day() {
    let env = env();
    assert_eq!(env.forge(&["usage"]).stdout, "No runs recorded\n");
    claude_profile(&env, "cc", SUCCESS);
    env.forge(&[
        "profile",
        "add",
        "command",
        "--name",
        "plain",
        "--command",
        "cat >/dev/null",
    ])
    .success();
    env.forge(&[
        "up",
        "--profile",
        "cc",
        "--name",
        "alpha",
        "--interval",
        "0",
        "--max-iterations",
        "2",
        "--prompt-msg",
        "x",
    ])
    .success();
    env.forge(&[
        "up",
        "--profile",
        "plain",
        "--name",
        "beta",
        "--interval",
        "0",
        "--max-iterations",
        "1",
        "--prompt-msg",
        "x",
    ])
    .success();
    wait_stopped(&env, "alpha");
    wait_stopped(&env, "beta");
    let by_loop = env.forge(&["usage", "--by", "loop", "--json"]).json();
    assert_eq!(
        by_loop,
        serde_json::json!([
            {"loop": "alpha", "runs": 2, "input_tokens": 30, "output_tokens": 64, "cache_read_tokens": 1000, "cache_write_tokens": 1080, "cost_usd": 0.0246},
            {"loop": "beta", "runs": 1, "input_tokens": 0, "output_tokens": 0, "cache_read_tokens": 0, "cache_write_tokens": 0, "cost_usd": 0.0}
        ])
    );
    let all = env.forge(&["usage", "--json", "--since", "1h"]).json();
    assert_eq!(all["by_harness"][0]["harness"], "claude");
    assert_eq!(all["by_harness"][1]["harness"], "command");
    assert_eq!(all["by_profile"][0]["profile"], "cc");
    assert_eq!(all["by_day"].as_array().unwrap().len(), 1);
    assert_eq!(all["by_day"][0]["runs"], 3);
    let human = env.forge(&["usage", "--by", "profile"]).stdout;
    assert_eq!(
        human,
        "PROFILE  RUNS  INPUT  OUTPUT  CACHE_READ  CACHE_WRITE  COST_USD\n\
         cc       2     30     64      1000        1080         0.0246\n\
         plain    1     0      0       0           0            0.0000\n"
    );
    let future = env
        .forge(&[
            "usage",
            "--json",
            "--since",
            "2999-01-01T00:00:00Z",
            "--by",
            "day",
        ])
        .json();
    assert_eq!(future, serde_json::json!([]));
}

#[test]
fn loops_waiting_for_a_cooled_down_profile_are_readmitted_gradually() {
    let env = env();
    env.forge(&[
        "profile",
        "add",
        "command",
        "--name",
        "shared",
        "--command",
        "cat >/dev/null",
        "--max-concurrency",
        "0",
    ])
    .success();
    env.forge(&["profile", "cooldown", "set", "shared", "--until", "2s"])
        .success();
    for i in 0..4 {
        let name = format!("waiter-{i}");
        env.forge(&[
            "up",
            "--profile",
            "shared",
            "--name",
            &name,
            "--interval",
            "0",
            "--max-iterations",
            "1",
            "--prompt-msg",
            "x",
        ])
        .success();
    }
    let runs = || {
        db(&env)
            .query_row("SELECT COUNT(*) FROM loop_runs", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    assert!(
        wait_until(Duration::from_secs(20), || runs() == 2),
        "two loops start once the cooldown ends"
    );
    // The other two keep waiting: no third start within the same minute.
    assert!(
        !wait_until(Duration::from_secs(3), || runs() > 2),
        "at most 2 starts per minute after a cooldown"
    );
    let waiting: i64 = db(&env)
        .query_row(
            "SELECT COUNT(*) FROM loops WHERE state = 'waiting'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(waiting, 2);
    let logs: String = (0..4)
        .map(|i| std::fs::read_to_string(env.log_path(&format!("waiter-{i}"))).unwrap_or_default())
        .collect();
    assert!(
        logs.contains("shared being re-admitted after its cooldown (2 starts per minute)"),
        "{logs}"
    );
    env.forge(&["kill", "--all"]).success();
}
