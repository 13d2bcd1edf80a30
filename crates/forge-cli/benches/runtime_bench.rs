//! Runtime benchmarks of the `forge` binary (release build):
//! - `forge ps` with 1,000 loops and 100,000 runs (target < 10 ms),
//! - resident memory of a runner while its harness runs (target < 4 MiB),
//! - `forge --version` start-up (target < 5 ms).
//!
//! `cargo bench -p forge-cli --bench runtime_bench`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::disallowed_methods
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LOOPS: usize = 1_000;
const RUNS_PER_LOOP: usize = 100;

struct Env {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Env {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        for sub in ["home", "config", "data", "repo"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        Env { _dir: dir, root }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_forge"));
        cmd.args(args)
            .current_dir(self.root.join("repo"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.root.join("home"))
            .env("XDG_CONFIG_HOME", self.root.join("config"))
            .env("XDG_DATA_HOME", self.root.join("data"))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self
            .cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "forge {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn db_path(&self) -> PathBuf {
        self.root.join("data/forge/forge.db")
    }
}

fn time_runs(env: &Env, args: &[&str], n: usize) -> (f64, f64) {
    let mut samples: Vec<f64> = (0..n)
        .map(|_| {
            let started = Instant::now();
            let status = env.cmd(args).status().unwrap();
            assert!(status.success());
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    (samples[n / 2], samples[(n * 95) / 100])
}

fn populate(db: &Path, repo: &Path) {
    let mut conn = rusqlite::Connection::open(db).unwrap();
    let tx = conn.transaction().unwrap();
    let now = "2026-01-01T00:00:00Z";
    for i in 0..LOOPS {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        tx.execute(
            "INSERT INTO loops (id, short_id, name, repo_path, interval_seconds, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 30, ?5, ?6, ?6)",
            rusqlite::params![id, format!("s{i:07}"), format!("loop-{i:04}"), repo.display().to_string(),
                if i % 10 == 0 { "error" } else { "stopped" }, now],
        )
        .unwrap();
        for r in 0..RUNS_PER_LOOP {
            tx.execute(
                "INSERT INTO loop_runs (id, loop_id, status, prompt_source, started_at, finished_at, exit_code, output_tail)
                 VALUES (?1, ?2, 'success', 'base', ?3, ?3, 0, 'done')",
                rusqlite::params![format!("{id}-{r:04}"), id, now],
            )
            .unwrap();
        }
    }
    tx.commit().unwrap();
}

fn vm_kib(pid: i32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Runner memory samples, MiB.
struct Memory {
    early_rss: f64,
    rss: f64,
    anon: f64,
    peak: f64,
}

const MEMORY_RUNS: usize = 3;

/// Which part of a runner's life is sampled.
#[derive(Clone, Copy)]
enum Phase {
    /// While the harness runs (from the moment it has a process group).
    Running,
    /// While the runner sleeps out a one-hour interval after a run.
    Sleeping,
}

/// Starts a loop on `profile`, samples its runner's memory 0.5 s and 5 s into `phase`, removes
/// it; medians over [`MEMORY_RUNS`] loops.
fn runner_memory(env: &Env, profile: &str, phase: Phase) -> Memory {
    let mut samples: Vec<[f64; 4]> = Vec::new();
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let (interval, ready_sql) = match phase {
        Phase::Running => (
            "0s",
            "SELECT COUNT(*) FROM loop_runs WHERE status = 'running' AND harness_pgid IS NOT NULL",
        ),
        Phase::Sleeping => (
            "1h",
            "SELECT COUNT(*) FROM loops WHERE name = 'rss' AND state = 'sleeping'",
        ),
    };
    for _ in 0..MEMORY_RUNS {
        env.run(&[
            "up",
            "--profile",
            profile,
            "--name",
            "rss",
            "--prompt-msg",
            "x",
            "--interval",
            interval,
        ]);
        let deadline = Instant::now() + Duration::from_secs(10);
        let started = loop {
            let ready: i64 = conn.query_row(ready_sql, [], |r| r.get(0)).unwrap();
            if ready == 1 {
                break Instant::now();
            }
            assert!(
                Instant::now() < deadline,
                "the runner never reached the phase"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        let pid: i32 = conn
            .query_row("SELECT runner_pid FROM loops WHERE name = 'rss'", [], |r| {
                r.get(0)
            })
            .unwrap();
        let mib = |key: &str| vm_kib(pid, key).unwrap() as f64 / 1024.0;
        std::thread::sleep(Duration::from_millis(500).saturating_sub(started.elapsed()));
        let early = mib("VmRSS:");
        std::thread::sleep(Duration::from_secs(5).saturating_sub(started.elapsed()));
        samples.push([early, mib("VmRSS:"), mib("RssAnon:"), mib("VmHWM:")]);
        env.run(&["kill", "rss"]);
        env.run(&["rm", "rss", "--force", "--yes"]);
    }
    let median = |i: usize| {
        let mut v: Vec<f64> = samples.iter().map(|s| s[i]).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Memory {
        early_rss: median(0),
        rss: median(1),
        anon: median(2),
        peak: median(3),
    }
}

fn main() {
    let env = Env::new();
    env.run(&[
        "profile",
        "add",
        "command",
        "--name",
        "sleeper",
        "--command",
        "sleep 30",
    ]);

    // Runner memory while a harness runs (a silent harness and one printing a line every 50 ms)
    // and while it sleeps between runs, each sampled 0.5 s into the phase (before the runner
    // trims) and 5 s in (steady state).
    env.run(&[
        "profile",
        "add",
        "command",
        "--name",
        "chatty",
        "--command",
        "while :; do echo progress line from the harness; sleep 0.05; done",
    ]);
    env.run(&[
        "profile",
        "add",
        "command",
        "--name",
        "quick",
        "--command",
        "true",
    ]);
    let memory = [
        (
            "silent harness",
            runner_memory(&env, "sleeper", Phase::Running),
        ),
        (
            "harness printing 20 lines/s",
            runner_memory(&env, "chatty", Phase::Running),
        ),
        (
            "sleeping out `--interval 1h` after a run",
            runner_memory(&env, "quick", Phase::Sleeping),
        ),
    ];

    // `forge ps` at scale.
    populate(&env.db_path(), &env.root.join("repo"));
    let listed = env.run(&["ps"]);
    assert_eq!(
        listed.lines().count(),
        LOOPS + 1,
        "ps should list every loop"
    );
    let _ = time_runs(&env, &["ps"], 5);
    let (ps_median, ps_p95) = time_runs(&env, &["ps"], 50);
    let (json_median, json_p95) = time_runs(&env, &["ps", "--json"], 20);

    // Start-up.
    let _ = time_runs(&env, &["--version"], 20);
    let (version_median, version_p95) = time_runs(&env, &["--version"], 200);

    println!("| benchmark | median | p95 | target |");
    println!("|---|---|---|---|");
    println!(
        "| `forge ps` (1,000 loops, 100,000 runs) | {ps_median:.2} ms | {ps_p95:.2} ms | < 10 ms |"
    );
    println!("| `forge ps --json` (same data) | {json_median:.2} ms | {json_p95:.2} ms | — |");
    println!(
        "| `forge --version` start-up | {version_median:.2} ms | {version_p95:.2} ms | < 5 ms |"
    );
    println!();
    println!(
        "| runner memory ({MEMORY_RUNS} loops each, median) | RSS at 0.5 s | RSS at 5 s | private anonymous at 5 s | peak | target |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, m) in &memory {
        println!(
            "| {name} | {:.2} MiB | **{:.2} MiB** | {:.2} MiB | {:.2} MiB | < 4 MiB |",
            m.early_rss, m.rss, m.anon, m.peak
        );
    }
}
