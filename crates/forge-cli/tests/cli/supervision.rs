//! One supervisor for every child: `forge stop` and `forge kill` take effect within a second
//! during a long quantitative-stop check, a judge iteration and a git summary, and nothing of
//! any process group outlives them; a runner SIGKILLed mid-check leaves nothing that `forge ps`
//! does not end.

use std::time::{Duration, Instant};

use crate::cli_support::{command_profile, env};
use forge_testkit::{TestEnv, wait_until};

fn db(env: &TestEnv) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

/// The recorded auxiliary child (kind, process group) of loop `name`.
fn aux_job(env: &TestEnv, name: &str) -> Option<(String, i64)> {
    db(env)
        .query_row(
            "SELECT job_kind, job_pgid FROM loops WHERE name = ?1 AND job_pgid IS NOT NULL",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok()
}

fn state(env: &TestEnv, name: &str) -> String {
    db(env)
        .query_row("SELECT state FROM loops WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .unwrap_or_default()
}

fn runs(env: &TestEnv, name: &str) -> Vec<(String, Option<i64>)> {
    let conn = db(env);
    let mut stmt = conn
        .prepare(
            "SELECT r.status, r.harness_pgid FROM loop_runs r JOIN loops l ON l.id = r.loop_id
             WHERE l.name = ?1 ORDER BY r.rowid",
        )
        .unwrap();
    stmt.query_map([name], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Members of the group that have not exited (zombies waiting for a parent have).
fn live(pgid: i64) -> Vec<i32> {
    forge_process::procfs::group_members(pgid as i32)
        .into_iter()
        .filter(|p| !p.exited())
        .map(|p| p.pid)
        .collect()
}

/// Starts loop `name` with `extra` flags and waits until its check (or git) child runs.
fn start_and_wait_for_aux(env: &TestEnv, name: &str, kind: &str, extra: &[&str]) -> i64 {
    let mut args = vec![
        "up",
        "--profile",
        "p",
        "--name",
        name,
        "--prompt-msg",
        "x",
        "--interval",
        "0",
    ];
    args.extend_from_slice(extra);
    env.forge(&args).success();
    let mut pgid = 0;
    let found = wait_until(Duration::from_secs(20), || match aux_job(env, name) {
        Some((k, g)) if k == kind && !live(g).is_empty() => {
            pgid = g;
            true
        }
        _ => false,
    });
    assert!(found, "no {kind} child recorded for {name}");
    pgid
}

/// Runs `forge <verb> <name>` and asserts the loop is stopped and `pgid` gone within a second.
fn assert_ends_within_a_second(env: &TestEnv, verb: &str, name: &str, pgid: i64) {
    let asked = Instant::now();
    env.forge(&[verb, name]).success();
    let stopped = wait_until(Duration::from_secs(1), || {
        state(env, name) == "stopped" && live(pgid).is_empty()
    });
    let took = asked.elapsed();
    assert!(
        stopped,
        "{verb} took {took:?}: state {}, group {:?}",
        state(env, name),
        live(pgid)
    );
    assert!(took < Duration::from_secs(1), "{verb} took {took:?}");
}

#[test]
fn stop_and_kill_end_a_long_quantitative_check_at_once() {
    for verb in ["stop", "kill"] {
        let env = env();
        command_profile(&env, "p", "cat");
        let name = format!("check-{verb}");
        let pgid = start_and_wait_for_aux(
            &env,
            &name,
            "quant_check",
            &["--quantitative-stop-cmd", "sleep 30 & sleep 30; wait"],
        );
        assert_ends_within_a_second(&env, verb, &name, pgid);
        assert!(
            runs(&env, &name).is_empty(),
            "no harness run after the {verb}: {:?}",
            runs(&env, &name)
        );
        let log = std::fs::read_to_string(env.log_path(&name)).unwrap();
        assert!(log.contains("quant stop check interrupted"), "{log}");
        assert!(aux_job(&env, &name).is_none(), "the job record is cleared");
    }
}

#[test]
fn stop_and_kill_end_a_judge_iteration_at_once() {
    for verb in ["stop", "kill"] {
        let env = env();
        // Main runs end at once; the judge (its prompt carries the verdict instruction) hangs.
        command_profile(
            &env,
            "p",
            "if grep -q 'Verdict format'; then sleep 30 & sleep 30; fi; echo 1",
        );
        let name = format!("judge-{verb}");
        env.forge(&[
            "up",
            "--profile",
            "p",
            "--name",
            &name,
            "--prompt-msg",
            "x",
            "--interval",
            "0",
            "--qualitative-stop-every",
            "1",
            "--qualitative-stop-prompt-msg",
            "Done?",
        ])
        .success();
        let mut pgid = 0;
        let judging = wait_until(Duration::from_secs(20), || {
            let r = runs(&env, &name);
            match r.get(1) {
                Some((status, Some(g))) if status == "running" && !live(*g).is_empty() => {
                    pgid = *g;
                    true
                }
                _ => false,
            }
        });
        assert!(judging, "the judge never ran: {:?}", runs(&env, &name));
        assert_ends_within_a_second(&env, verb, &name, pgid);
        assert_eq!(runs(&env, &name)[1].0, "killed");
        assert_eq!(runs(&env, &name).len(), 2, "no run after the {verb}");
    }
}

#[test]
fn stop_and_kill_end_a_slow_git_summary_at_once() {
    for verb in ["stop", "kill"] {
        let env = env().with_git();
        // A `git` ahead of the real one on PATH that hangs on `status --porcelain`.
        let bin = env.root().join("slow-git");
        let real = std::env::split_paths(&std::env::var_os("PATH").unwrap())
            .map(|d| d.join("git"))
            .find(|p| p.is_file())
            .unwrap()
            .display()
            .to_string();
        env.write_script(
            bin.join("git"),
            &format!("#!/bin/sh\nif [ \"$1\" = status ]; then sleep 30 & sleep 30; fi\nexec {real} \"$@\"\n"),
        );
        let mut env = env;
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
        env.set_var("PATH", path);
        env.forge(&["init"]).success();
        std::fs::write(
            env.repo().join(".forge/forge.yaml"),
            "ledger:\n  git_status: true\n",
        )
        .unwrap();
        command_profile(&env, "p", "cat");
        let name = format!("git-{verb}");
        let pgid = start_and_wait_for_aux(&env, &name, "git", &[]);
        assert_ends_within_a_second(&env, verb, &name, pgid);
        let r = runs(&env, &name);
        assert_eq!(r.len(), 1, "the run finished, nothing after it: {r:?}");
        let ledger = std::fs::read_to_string(env.ledger_path(&name)).unwrap();
        assert!(
            ledger.contains("## "),
            "the ledger entry is written without the summary: {ledger}"
        );
    }
}

#[test]
fn a_runner_sigkilled_mid_check_leaves_nothing_that_ps_does_not_end() {
    let env = env();
    command_profile(&env, "p", "cat");
    let pgid = start_and_wait_for_aux(
        &env,
        "orphan",
        "quant_check",
        &["--quantitative-stop-cmd", "sleep 30 & sleep 30; wait"],
    );
    let pid: i64 = db(&env)
        .query_row(
            "SELECT runner_pid FROM loops WHERE name = 'orphan'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    forge_process::group::signal_process(pid as i32, forge_process::Sig::Kill);
    assert!(wait_until(Duration::from_secs(5), || {
        !forge_testkit::pid_alive(pid as i32)
    }));
    assert!(
        !live(pgid).is_empty(),
        "the check outlived its runner (the orphan to reconcile)"
    );
    let ps = env.forge(&["ps", "--json"]).success().json();
    assert_eq!(ps[0]["state"], "stopped");
    assert_eq!(ps[0]["last_error"], "stale_runner");
    assert!(
        live(pgid).is_empty(),
        "ps ended the orphaned check: {:?}",
        live(pgid)
    );
    assert!(aux_job(&env, "orphan").is_none());
}

#[test]
fn a_runner_whose_database_was_removed_exits_instead_of_idling_forever() {
    let env = env();
    command_profile(&env, "p", "true");
    env.forge(&[
        "up",
        "--profile",
        "p",
        "--name",
        "orphaned",
        "--prompt-msg",
        "x",
        "--interval",
        "1h",
    ])
    .success();
    assert!(wait_until(Duration::from_secs(20), || state(
        &env, "orphaned"
    ) == "sleeping"));
    let pid: i64 = db(&env)
        .query_row(
            "SELECT runner_pid FROM loops WHERE name = 'orphaned'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    std::fs::remove_dir_all(env.data_dir()).unwrap();
    assert!(
        wait_until(Duration::from_secs(3), || !forge_testkit::pid_alive(
            pid as i32
        )),
        "the runner lived on without its database"
    );
}
