//! Process-level guarantees of the loop runtime, exercised through the real `forge` binary:
//! no orphans after `kill`, detection of a SIGKILLed runner, one runner per loop, `stop` during a
//! long interval, and many loops with many concurrent `forge msg` processes.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use forge_testkit::{TestEnv, group_members, pid_alive, wait_until};

/// The testkit environment plus database and log helpers for runtime assertions.
struct Env {
    kit: TestEnv,
}

impl Env {
    fn new() -> Self {
        Env {
            kit: TestEnv::new().with_bin("forge", env!("CARGO_BIN_EXE_forge")),
        }
    }

    fn forge(&self, args: &[&str]) -> forge_testkit::Output {
        self.kit.forge(args)
    }

    /// Runs forge and asserts success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        self.kit.forge(args).success().stdout.clone()
    }

    fn db(&self) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(self.kit.db_path()).unwrap();
        conn.busy_timeout(Duration::from_secs(10)).unwrap();
        conn
    }

    fn log(&self, slug: &str) -> String {
        std::fs::read_to_string(self.kit.log_path(slug)).unwrap_or_default()
    }

    fn query_i64(&self, sql: &str, arg: &str) -> i64 {
        self.db().query_row(sql, [arg], |r| r.get(0)).unwrap()
    }

    fn query_str(&self, sql: &str, arg: &str) -> Option<String> {
        self.db().query_row(sql, [arg], |r| r.get(0)).ok()
    }

    fn loop_state(&self, name: &str) -> String {
        self.query_str("SELECT state FROM loops WHERE name = ?1", name)
            .unwrap_or_default()
    }

    fn loop_id(&self, name: &str) -> String {
        self.query_str("SELECT id FROM loops WHERE name = ?1", name)
            .unwrap()
    }

    /// The process group of the loop's running run, once it has one.
    fn running_pgid(&self, name: &str) -> Option<i32> {
        self.db()
            .query_row(
                "SELECT r.harness_pgid FROM loop_runs r JOIN loops l ON l.id = r.loop_id
                 WHERE l.name = ?1 AND r.status = 'running' AND r.harness_pgid IS NOT NULL",
                [name],
                |r| r.get::<_, i64>(0),
            )
            .ok()
            .map(|v| v as i32)
    }
}

/// Live (non-zombie) members of a process group.
fn live_group_members(pgid: i32) -> Vec<i32> {
    group_members(pgid)
        .into_iter()
        .filter(|pid| pid_alive(*pid))
        .collect()
}

fn profile(env: &Env, name: &str, command: &str) {
    env.ok(&[
        "profile",
        "add",
        "command",
        "--name",
        name,
        "--command",
        command,
        "--max-concurrency",
        "0",
    ]);
}

#[test]
fn kill_leaves_no_process_of_the_harness_group_alive() {
    let env = Env::new();
    profile(
        &env,
        "spawner",
        "sleep 600 & (sleep 600 &); sleep 600 & echo spawned; wait",
    );
    env.ok(&[
        "up",
        "--profile",
        "spawner",
        "--name",
        "orphans",
        "--prompt-msg",
        "go",
    ]);
    assert!(
        wait_until(Duration::from_secs(10), || env
            .log("orphans")
            .contains("spawned")),
        "{}",
        env.log("orphans")
    );
    let pgid = env
        .running_pgid("orphans")
        .expect("running run with a process group");
    assert!(
        live_group_members(pgid).len() >= 4,
        "{:?}",
        live_group_members(pgid)
    );

    let started = Instant::now();
    let out = env.forge(&["kill", "orphans"]);
    let elapsed = started.elapsed();
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "Killed 1 loop(s)\n", "")
    );
    assert!(elapsed < Duration::from_secs(1), "kill took {elapsed:?}");
    assert!(
        live_group_members(pgid).is_empty(),
        "survivors: {:?}",
        live_group_members(pgid)
    );
    let id = env.loop_id("orphans");
    assert_eq!(
        env.query_str("SELECT status FROM loop_runs WHERE loop_id = ?1", &id)
            .as_deref(),
        Some("killed")
    );
    assert_eq!(env.loop_state("orphans"), "stopped");
}

#[test]
fn sigkilled_runner_is_reconciled_by_ps_and_resume_redelivers_unconsumed_messages() {
    let env = Env::new();
    profile(&env, "slowcat", "cat; echo; echo ready; sleep 600");
    env.ok(&[
        "up",
        "--profile",
        "slowcat",
        "--name",
        "crashy",
        "--prompt-msg",
        "base prompt",
        "--initial-wait",
        "1s",
    ]);
    env.ok(&["msg", "crashy", "redeliver-me"]);
    assert!(
        wait_until(Duration::from_secs(10), || env
            .log("crashy")
            .contains("ready")),
        "{}",
        env.log("crashy")
    );
    assert_eq!(env.log("crashy").matches("redeliver-me").count(), 1);
    let id = env.loop_id("crashy");
    let runner_pid = env
        .query_str("SELECT runner_pid FROM loops WHERE id = ?1", &id)
        .and_then(|p| p.parse::<i32>().ok())
        .or_else(|| Some(env.query_i64("SELECT runner_pid FROM loops WHERE id = ?1", &id) as i32))
        .unwrap();
    let pgid = env.running_pgid("crashy").unwrap();

    rustix::process::kill_process(
        rustix::process::Pid::from_raw(runner_pid).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    assert!(wait_until(Duration::from_secs(5), || !pid_alive(
        runner_pid
    )));
    assert!(
        !live_group_members(pgid).is_empty(),
        "the orphaned harness should still run before reconciliation"
    );

    let ps: serde_json::Value = serde_json::from_str(&env.ok(&["ps", "--json"])).unwrap();
    let row = &ps[0];
    assert_eq!(row["state"], "stopped");
    assert_eq!(row["last_error"], "stale_runner");
    assert!(
        live_group_members(pgid).is_empty(),
        "reconciliation must end the orphaned harness group"
    );
    assert_eq!(
        env.query_str("SELECT status FROM loop_runs WHERE loop_id = ?1", &id)
            .as_deref(),
        Some("killed")
    );
    assert_eq!(
        env.query_i64(
            "SELECT COUNT(*) FROM loop_queue_items WHERE loop_id = ?1 AND status = 'pending'",
            &id
        ),
        1,
        "the message consumed by the interrupted run must stay pending"
    );

    let out = env.forge(&["resume", "crashy"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("Loop \"crashy\" resumed ("),
        "{}",
        out.stdout
    );
    assert!(wait_until(Duration::from_secs(10), || env
        .log("crashy")
        .matches("ready")
        .count()
        == 2));
    assert_eq!(
        env.log("crashy").matches("redeliver-me").count(),
        2,
        "{}",
        env.log("crashy")
    );
    assert_eq!(
        env.query_i64("SELECT iteration_count FROM loops WHERE id = ?1", &id),
        0,
        "a resumed runner starts with fresh counters"
    );
    env.ok(&["kill", "crashy"]);
}

#[test]
fn a_second_runner_for_the_same_loop_refuses_to_start() {
    let env = Env::new();
    profile(&env, "sleeper", "sleep 600");
    env.ok(&[
        "up",
        "--profile",
        "sleeper",
        "--name",
        "solo",
        "--prompt-msg",
        "x",
    ]);
    assert!(wait_until(Duration::from_secs(10), || env
        .running_pgid("solo")
        .is_some()));
    let id = env.loop_id("solo");
    let out = env.forge(&["loop", "run", &id]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("already has a running runner"),
        "{}",
        out.stderr
    );
    let run = env.forge(&["run", "solo"]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("already has a running runner"),
        "{}",
        run.stderr
    );
    assert_eq!(
        env.query_i64("SELECT COUNT(*) FROM loop_runs WHERE loop_id = ?1", &id),
        1
    );
    env.ok(&["kill", "solo"]);
}

#[test]
fn stop_on_a_loop_sleeping_for_an_hour_takes_effect_within_a_second() {
    let env = Env::new();
    profile(&env, "quick", "true");
    env.ok(&[
        "up",
        "--profile",
        "quick",
        "--name",
        "napper",
        "--interval",
        "1h",
        "--prompt-msg",
        "x",
    ]);
    let id = env.loop_id("napper");
    assert!(wait_until(Duration::from_secs(10), || {
        env.query_i64(
            "SELECT COUNT(*) FROM loop_runs WHERE loop_id = ?1 AND status = 'success'",
            &id,
        ) == 1
            && env.loop_state("napper") == "sleeping"
    }));
    let started = Instant::now();
    let out = env.forge(&["stop", "napper"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "Stopped 1 loop(s)\n"));
    assert!(wait_until(Duration::from_secs(5), || env
        .loop_state("napper")
        == "stopped"));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "stop took {:?}",
        started.elapsed()
    );
    // During the sleep ("requested"), or right after the run if the stop beat the runner's
    // post-run check ("queued"): either way it took effect at once.
    let log = env.log("napper");
    assert!(
        log.contains("graceful stop requested") || log.contains("graceful stop queued"),
        "{log}"
    );
}

#[test]
fn twenty_loops_receive_five_hundred_concurrent_messages_exactly_once() {
    const LOOPS: usize = 20;
    const MESSAGES: usize = 500;
    const SENDERS: usize = 10;
    let env = Env::new();
    profile(&env, "echoer", "cat");
    for i in 0..LOOPS {
        let name = format!("load-{i:02}");
        env.ok(&[
            "up",
            "--profile",
            "echoer",
            "--name",
            &name,
            "--interval",
            "1s",
            "--prompt-msg",
            "base",
        ]);
    }
    std::thread::scope(|scope| {
        for sender in 0..SENDERS {
            let env = &env;
            scope.spawn(move || {
                for n in (sender..MESSAGES).step_by(SENDERS) {
                    let target = format!("load-{:02}", n % LOOPS);
                    let text = format!("msg-{n:03}");
                    let out = env.forge(&["msg", &target, &text]);
                    assert_eq!(out.code, 0, "msg {n} failed: {}", out.stderr);
                    assert_eq!(out.stderr, "", "msg {n} stderr");
                }
            });
        }
    });
    let db = env.db();
    let pending = || -> i64 {
        db.query_row(
            "SELECT COUNT(*) FROM loop_queue_items WHERE status = 'pending'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert!(
        wait_until(Duration::from_secs(90), || pending() == 0),
        "{} messages never consumed",
        pending()
    );
    env.ok(&["stop", "--all"]);
    assert!(wait_until(Duration::from_secs(15), || {
        db.query_row(
            "SELECT COUNT(*) FROM loops WHERE state != 'stopped'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
            == 0
    }));
    let completed: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM loop_queue_items WHERE type = 'message_append' AND status = 'completed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(completed, MESSAGES as i64);
    let logs: Vec<String> = (0..LOOPS)
        .map(|i| env.log(&format!("load-{i:02}")))
        .collect();
    for n in 0..MESSAGES {
        let line = format!("msg-{n:03}");
        let seen: usize = logs
            .iter()
            .map(|log| log.lines().filter(|l| *l == line).count())
            .sum();
        assert_eq!(seen, 1, "{line} was delivered {seen} times");
        assert_eq!(
            logs[n % LOOPS].lines().filter(|l| *l == line).count(),
            1,
            "{line} went to the wrong loop"
        );
    }
    for log in &logs {
        assert!(!log.to_lowercase().contains("database is locked"), "{log}");
    }
}
