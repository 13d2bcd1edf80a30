//! Shared helpers for the real-CLI smoke tests: finding the pinned CLIs, a hermetic sandbox
//! (temp HOME and repository, environment cleared except PATH), running a CLI with a deadline,
//! and parsing its output with Forge's parser.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use forge_harness::parse::{ExitInfo, RunReport, parse_output};
use jiff::ZonedDateTime;
use jiff::tz::TimeZone;

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

/// The pinned CLI binary, or a failure that says how to install it.
pub fn cli(name: &str) -> PathBuf {
    let path = repo_root().join(".tools/npm/node_modules/.bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/install-harness-clis.sh (installs the pinned agent CLIs into .tools/npm)",
        path.display()
    );
    path
}

/// A temp HOME and a git repository with `hello.txt`.
pub struct Sandbox {
    pub root: tempfile::TempDir,
    pub home: PathBuf,
    pub repo: PathBuf,
}

impl Sandbox {
    pub fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let home = root.path().join("home");
        let repo = root.path().join("repo");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&repo).unwrap();
        std::fs::write(repo.join("hello.txt"), "hello\n").unwrap();
        #[allow(clippy::disallowed_methods)]
        let status = Command::new("git")
            .args(["init", "-q"])
            .current_dir(&repo)
            .env_clear()
            .env("PATH", path_var())
            .env("HOME", &home)
            .status()
            .unwrap();
        assert!(status.success(), "git init failed");
        Sandbox { root, home, repo }
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.repo.join(name)).unwrap_or_default()
    }

    /// The common environment: HOME and XDG dirs inside the sandbox, TZ=UTC.
    pub fn base_env(&self) -> Vec<(String, String)> {
        let home = self.home.display().to_string();
        vec![
            ("HOME".into(), home.clone()),
            ("XDG_CONFIG_HOME".into(), format!("{home}/.config")),
            ("XDG_DATA_HOME".into(), format!("{home}/.local/share")),
            ("XDG_CACHE_HOME".into(), format!("{home}/.cache")),
            ("XDG_STATE_HOME".into(), format!("{home}/.local/state")),
            ("TZ".into(), "UTC".into()),
        ]
    }
}

fn path_var() -> String {
    std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into())
}

/// What a CLI run produced.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i64,
}

/// Runs `program` in `cwd` with only PATH and `env`, feeding `stdin`, killing it after
/// `deadline`.
pub fn run(
    program: &Path,
    args: &[&str],
    env: &[(String, String)],
    cwd: &Path,
    stdin: Option<&str>,
    deadline: Duration,
) -> Run {
    #[allow(clippy::disallowed_methods)]
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", path_var())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", program.display()));
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).unwrap();
    }
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} did not finish within {deadline:?}", program.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Run {
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        exit_code: i64::from(status.code().unwrap_or(-1)),
    }
}

/// The time now, in UTC (the CLIs run with TZ=UTC).
pub fn now_utc() -> ZonedDateTime {
    jiff::Timestamp::now().to_zoned_datetime(TimeZone::UTC)
}

/// Forge's parse of a run.
pub fn report(harness: &str, run: &Run) -> RunReport {
    parse_output(
        harness,
        &run.stdout,
        ExitInfo::exited(run.exit_code, now_utc()),
    )
    .1
}

/// With `FORGE_RECORD_FIXTURES=1`, saves a real stream as a parser fixture.
pub fn record_fixture(harness: &str, name: &str, run: &Run) {
    if std::env::var("FORGE_RECORD_FIXTURES").as_deref() != Ok("1") {
        return;
    }
    let dir = repo_root()
        .join("crates/forge-harness/tests/fixtures")
        .join(harness);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("recorded_{name}.jsonl")), &run.stdout).unwrap();
}

/// Dumps a run for a failing assertion's message.
pub fn describe(run: &Run) -> String {
    format!(
        "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        run.exit_code,
        run.stdout,
        run.stderr.chars().take(4000).collect::<String>()
    )
}
