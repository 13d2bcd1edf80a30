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

    // Runner memory while a harness runs.
    env.run(&[
        "up",
        "--profile",
        "sleeper",
        "--name",
        "rss",
        "--prompt-msg",
        "x",
    ]);
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let pid: i32 = loop {
        let running: i64 = conn
            .query_row("SELECT COUNT(*) FROM loop_runs WHERE status = 'running' AND harness_pgid IS NOT NULL", [], |r| r.get(0))
            .unwrap();
        if running == 1 {
            break conn
                .query_row(
                    "SELECT json_extract(metadata_json, '$.pid') FROM loops WHERE name = 'rss'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
        }
        assert!(Instant::now() < deadline, "runner did not start a harness");
        std::thread::sleep(Duration::from_millis(10));
    };
    std::thread::sleep(Duration::from_millis(500));
    let rss = vm_kib(pid, "VmRSS:").unwrap();
    let hwm = vm_kib(pid, "VmHWM:").unwrap();
    let anon = vm_kib(pid, "RssAnon:").unwrap();
    let file = vm_kib(pid, "RssFile:").unwrap();
    env.run(&["kill", "rss"]);
    env.run(&["rm", "rss", "--force", "--yes"]);

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
    println!(
        "| runner RSS while harness runs | {:.2} MiB (peak {:.2} MiB; private anonymous {:.2} MiB, shared file-backed code {:.2} MiB) | — | < 4 MiB |",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0,
        anon as f64 / 1024.0,
        file as f64 / 1024.0
    );
}
