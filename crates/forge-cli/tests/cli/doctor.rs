//! `forge doctor`, storage errors that name the file and the next step, and `forge kill` ending
//! runners when the database cannot be read.

use std::time::{Duration, Instant};

use crate::cli_support::{command_profile, env};
use forge_testkit::wait_until;

#[test]
fn doctor_reports_every_category_and_fails_for_a_profile_a_loop_could_not_run() {
    let env = env();
    command_profile(&env, "echo", "cat");
    let out = env.forge(&["doctor"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    for line in [
        "[✓] dependencies bash: ",
        "[✓] database     migrations: schema v",
        "[✓] database     integrity: ",
        "[✓] harnesses    profile echo: runs cat",
        "[✓] runners      runner locks: 0 runner(s) hold their loop's lock",
    ] {
        assert!(
            out.stdout.contains(line),
            "missing {line:?}:\n{}",
            out.stdout
        );
    }
    let last = out.stdout.lines().last().unwrap();
    assert!(
        last.ends_with(" failed") && last.contains(" checks: "),
        "{last}"
    );
    for line in out.stdout.lines().filter(|l| l.starts_with('[')) {
        assert!(
            ["[✓]", "[!]", "[✗]"].iter().any(|m| line.starts_with(m)),
            "{line}"
        );
    }

    command_profile(&env, "gone", "no-such-cli-xyz --go");
    let out = env.forge(&["doctor", "--json"]);
    assert_eq!(out.code, 1);
    let json = out.json();
    let failed: Vec<_> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .collect();
    assert_eq!(failed.len(), 1, "{json}");
    assert_eq!(failed[0]["category"], "harnesses");
    assert_eq!(failed[0]["name"], "profile gone");
    assert_eq!(json["summary"]["fail"], 1);
    assert_eq!(json["ok"], false);
}

#[test]
fn a_file_that_is_not_a_database_is_named_with_the_next_step() {
    let env = env();
    env.forge(&["ps"]).success();
    let db = env.db_path();
    std::fs::write(&db, vec![b'x'; 8192]).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let out = env.forge(&["ps"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "Error: database {0} is not a SQLite database\nHint: Move it aside (`mv {0} {0}.bad`) and forge creates an empty one, or restore a backup; `forge kill --all` still ends running loops.\n",
            db.display()
        )
    );
    let out = env.forge(&["ps", "--json"]);
    assert_eq!(out.json()["error"]["code"], "ERR_OPERATION_FAILED");
    let out = env.forge(&["doctor"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains(&format!(
            "[✗] database     database: database {} is not a SQLite database",
            db.display()
        )),
        "{}",
        out.stdout
    );
}

#[test]
fn the_hook_dispatchers_lock_is_not_taken_for_a_loops() {
    let env = env();
    env.forge(&["hook", "add", "--on", "*", "--cmd", "true"])
        .success();
    wait_until(Duration::from_secs(10), || {
        env.data_dir()
            .join("run")
            .read_dir()
            .is_ok_and(|d| d.count() > 0)
    });
    let out = env.forge(&["doctor"]);
    assert!(!out.stdout.contains("removed loops"), "{}", out.stdout);
    env.forge(&["hook", "rm", "1"]).success();
}

#[test]
fn a_damaged_database_is_named_with_the_recovery_step() {
    let env = env();
    env.forge(&["ps"]).success();
    let db = env.db_path();
    // Checkpoint the WAL into the file, then keep SQLite's 100-byte header and wreck the rest
    // of the schema page: the file still says "SQLite format 3", its content is malformed.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    drop(conn);
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[100..4096].fill(0xA5);
    std::fs::write(&db, bytes).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let out = env.forge(&["ps"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.starts_with(&format!(
            "Error: database {} is damaged (database disk image is malformed, or its -wal file is)\nHint: Stop the loops (`forge kill --all`), then try `sqlite3 {0} '.recover'",
            db.display()
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn kill_ends_runners_from_their_lock_files_when_the_database_is_unreadable() {
    let env = env();
    command_profile(&env, "slow", "sleep 600 & sleep 600; wait");
    env.forge(&[
        "up",
        "--profile",
        "slow",
        "--name",
        "stuck",
        "--prompt-msg",
        "x",
    ])
    .success();
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let mut pgid: i64 = 0;
    assert!(
        wait_until(Duration::from_secs(20), || {
            conn.query_row(
            "SELECT harness_pgid FROM loop_runs WHERE status = 'running' AND harness_pgid IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .map(|g| pgid = g)
        .is_ok()
        }),
        "no running harness:\n{}",
        std::fs::read_to_string(env.log_path("stuck")).unwrap_or_default()
    );
    drop(conn);
    // Wreck the database and its WAL (its newest pages would otherwise still be readable).
    let db = env.db_path();
    std::fs::write(&db, vec![b'x'; 8192]).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let started = Instant::now();
    let out = env.forge(&["kill", "stuck"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout, "Killed 1 loop(s)\n");
    assert!(
        out.stderr
            .contains("ending runners found in their lock files instead"),
        "{}",
        out.stderr
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let live: Vec<_> = forge_process::procfs::group_members(pgid as i32)
        .into_iter()
        .filter(|p| !p.exited())
        .collect();
    assert!(
        live.is_empty(),
        "the harness group outlived the kill: {live:?}"
    );
}
