//! Per-iteration overhead of the runner with a no-op harness.
//!
//! Runs a loop of N iterations (interval 0) whose harness is `true`, and compares the time per
//! iteration with the time to spawn and reap the same harness command (`bash -lc true` in its
//! own process group with piped stdio) N times directly. The difference is what Forge adds per
//! iteration: queue planning, profile selection, prompt composition, run rows, log and ledger
//! writes. Target: under 2 ms.
//!
//! Both sides are noisy on a small VM (a spawn costs 4-5 ms and drifts by a few tenths of a
//! millisecond over a minute), so the bench runs [`ROUNDS`] rounds of [`PER_ROUND`] iterations,
//! each round timing the direct spawns and a fresh loop back to back (alternating which goes
//! first), and reports the median of the per-round differences.
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

const ROUNDS: usize = 7;
const PER_ROUND: i64 = 50;

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

    // Warm up the page cache and bash.
    let _ = baseline(20, &repo, &home);
    let mut rounds: Vec<(f64, f64)> = Vec::new();
    for round in 0..ROUNDS {
        let l = fixture::pinned_loop(
            &format!("bench-{round}"),
            &repo,
            &profile.id,
            "noop",
            0,
            PER_ROUND,
        );
        store.insert_loop(&l).unwrap();
        let time_loop = || {
            let started = Instant::now();
            let end = run_loop(&paths, &l.id, RunMode::Background { lock_fd: None }).unwrap();
            assert_eq!(end.reason, format!("max iterations reached ({PER_ROUND})"));
            started.elapsed()
        };
        let (base, looped) = if round % 2 == 0 {
            let base = baseline(PER_ROUND, &repo, &home);
            (base, time_loop())
        } else {
            let looped = time_loop();
            (baseline(PER_ROUND, &repo, &home), looped)
        };
        assert_eq!(store.list_runs(&l.id, 0).unwrap().len(), PER_ROUND as usize);
        let ms_each = |d: Duration| d.as_secs_f64() * 1000.0 / PER_ROUND as f64;
        rounds.push((ms_each(base), ms_each(looped)));
    }

    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let overheads: Vec<f64> = rounds.iter().map(|(b, l)| l - b).collect();
    let (low, high) = overheads
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &o| (lo.min(o), hi.max(o)));
    println!("rounds:                     {ROUNDS} x {PER_ROUND} iterations");
    println!(
        "spawn+reap `bash -lc true`: {:.3} ms each (median)",
        median(rounds.iter().map(|r| r.0).collect())
    );
    println!(
        "runner iteration:           {:.3} ms each (median)",
        median(rounds.iter().map(|r| r.1).collect())
    );
    println!(
        "overhead per iteration:     {:.3} ms median of rounds, {low:.3}..{high:.3} (target < 2 ms)",
        median(overheads)
    );
}
