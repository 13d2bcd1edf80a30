//! Per-iteration overhead of the runner with a no-op harness.
//!
//! Runs a loop of N iterations (interval 0) whose harness is `true`, and compares the time per
//! iteration with the time to spawn and reap the same harness command (`bash -lc true` in its
//! own process group with piped stdio) N times directly. The difference is what Forge adds per
//! iteration: queue planning, profile selection, prompt composition, run rows, log and ledger
//! writes. Target: under 2 ms.
//!
//! `cargo bench -p forge-runner --bench iteration_overhead`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::disallowed_methods
)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../tests/support/fixture.rs"]
mod fixture;

use forge_runner::{RunMode, RunnerPaths, run_loop};
use forge_store::Store;

const ITERATIONS: i64 = 300;

fn baseline(n: i64, cwd: &std::path::Path, home: &std::path::Path) -> Duration {
    use std::os::unix::process::CommandExt;
    let started = Instant::now();
    for _ in 0..n {
        let status = Command::new("bash")
            .args(["-lc", "true"])
            .current_dir(cwd)
            .env("HOME", home)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .status()
            .unwrap();
        assert!(status.success());
    }
    started.elapsed()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let data = dir.path().join("data");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let paths = RunnerPaths {
        data_dir: data.clone(),
        db_path: data.join("forge.db"),
        busy_timeout_ms: 5000,
        config_path: None,
    };
    let mut store = Store::open(&paths.db_path, 5000).unwrap();
    let profile = fixture::command_profile(
        "noop",
        "true",
        // A hermetic HOME: a login shell would otherwise source the machine's profile files.
        [("HOME".to_string(), home.display().to_string())]
            .into_iter()
            .collect(),
    );
    store.insert_profile(&profile).unwrap();
    let l = fixture::pinned_loop("bench", &repo, &profile.id, "noop", 0, ITERATIONS);
    store.insert_loop(&l).unwrap();

    // Warm up the page cache and bash.
    let _ = baseline(20, &repo, &home);
    let base = baseline(ITERATIONS, &repo, &home);
    let started = Instant::now();
    let end = run_loop(&paths, &l.id, RunMode::Background { lock_fd: None }).unwrap();
    let looped = started.elapsed();
    assert_eq!(end.reason, format!("max iterations reached ({ITERATIONS})"));
    assert_eq!(
        store.list_runs(&l.id, 0).unwrap().len(),
        ITERATIONS as usize
    );

    let per_spawn = base.as_secs_f64() * 1000.0 / ITERATIONS as f64;
    let per_iter = looped.as_secs_f64() * 1000.0 / ITERATIONS as f64;
    println!("iterations:                 {ITERATIONS}");
    println!("spawn+reap `bash -lc true`: {per_spawn:.3} ms each");
    println!("runner iteration:           {per_iter:.3} ms each");
    println!(
        "overhead per iteration:     {:.3} ms (target < 2 ms)",
        per_iter - per_spawn
    );
}
