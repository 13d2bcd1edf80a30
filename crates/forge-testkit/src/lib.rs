//! Forge test kit: hermetic environments for CLI and process tests.
//!
//! [`TestEnv`] owns a temporary directory with its own `home/`, XDG config/data/state dirs and a
//! `repo/`; commands built by [`TestEnv::cmd`] start with a cleared environment that points
//! there (PATH kept, `NO_COLOR=1`, `FORGE_NON_INTERACTIVE=1`), so a test never sees the
//! developer's config, database or shell. Binaries are registered by path, which test crates
//! take from `env!("CARGO_BIN_EXE_<name>")`.
//!
//! Waiting is always on a condition with a deadline ([`wait_until`], [`wait_for`]), never a bare
//! sleep. [`pid_alive`] and [`pgid_alive`] probe processes with signal 0.
//!
//! This crate is test support: it panics with a clear message when its own setup fails.
#![allow(
    clippy::disallowed_methods,
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used
)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Poll period of [`wait_until`].
pub const POLL: Duration = Duration::from_millis(10);

/// The result of running a command to completion.
#[derive(Debug, Clone)]
pub struct Output {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

impl Output {
    /// Parses stdout as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Parses stdout as JSON Lines.
    pub fn jsonl(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("line is not JSON ({e}): {l}"))
            })
            .collect()
    }

    /// Panics with both streams unless the exit code is 0; returns self for chaining.
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "command failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A hermetic environment rooted in a temporary directory.
pub struct TestEnv {
    dir: tempfile::TempDir,
    bins: BTreeMap<String, PathBuf>,
    vars: BTreeMap<String, String>,
    cwd: PathBuf,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    /// Creates `home/`, `xdg_config/`, `xdg_data/`, `xdg_state/` and `repo/` in a new temp dir.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("forge-test-")
            .tempdir()
            .expect("create temp dir");
        // Canonical paths, so outputs match what programs see after resolving symlinks.
        let root = dir.path().canonicalize().expect("canonicalize temp dir");
        for sub in ["home", "xdg_config", "xdg_data", "xdg_state", "repo"] {
            std::fs::create_dir_all(root.join(sub)).expect("create test dir");
        }
        let mut vars = BTreeMap::new();
        if let Some(path) = std::env::var_os("PATH") {
            vars.insert("PATH".to_string(), path.to_string_lossy().into_owned());
        }
        let p = |s: &str| root.join(s).display().to_string();
        vars.insert("HOME".into(), p("home"));
        vars.insert("XDG_CONFIG_HOME".into(), p("xdg_config"));
        vars.insert("XDG_DATA_HOME".into(), p("xdg_data"));
        vars.insert("XDG_STATE_HOME".into(), p("xdg_state"));
        vars.insert("NO_COLOR".into(), "1".into());
        vars.insert("FORGE_NON_INTERACTIVE".into(), "1".into());
        vars.insert("LANG".into(), "C.UTF-8".into());
        let cwd = root.join("repo");
        TestEnv {
            dir,
            bins: BTreeMap::new(),
            vars,
            cwd,
        }
    }

    /// Registers a binary under a name (pass `env!("CARGO_BIN_EXE_forge")`).
    pub fn with_bin(mut self, name: &str, path: impl Into<PathBuf>) -> Self {
        self.bins.insert(name.to_string(), path.into());
        self
    }

    /// Runs `git init -q` in the repo (with a local identity so commits work).
    pub fn with_git(self) -> Self {
        for args in [
            &["init", "-q"][..],
            &["config", "user.email", "test@example.invalid"],
            &["config", "user.name", "Forge Test"],
        ] {
            let out = self
                .cmd_path(Path::new("git"))
                .args(args)
                .output()
                .expect("run git");
            assert!(
                out.status.success(),
                "git {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        self
    }

    /// The root of the temp dir.
    pub fn root(&self) -> PathBuf {
        self.dir
            .path()
            .canonicalize()
            .unwrap_or_else(|_| self.dir.path().to_path_buf())
    }

    /// `<root>/home`.
    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    /// `<root>/xdg_config`.
    pub fn config_home(&self) -> PathBuf {
        self.root().join("xdg_config")
    }

    /// `<root>/xdg_data`.
    pub fn data_home(&self) -> PathBuf {
        self.root().join("xdg_data")
    }

    /// `<root>/repo`.
    pub fn repo(&self) -> PathBuf {
        self.root().join("repo")
    }

    /// Forge's default data dir in this environment: `<xdg_data>/forge`.
    pub fn data_dir(&self) -> PathBuf {
        self.data_home().join("forge")
    }

    /// Forge's default database path: `<xdg_data>/forge/forge.db`.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir().join("forge.db")
    }

    /// The default log file of a loop slug: `<data_dir>/logs/loops/<slug>.log`.
    pub fn log_path(&self, slug: &str) -> PathBuf {
        self.data_dir()
            .join("logs")
            .join("loops")
            .join(format!("{slug}.log"))
    }

    /// The ledger of a loop slug in the repo: `<repo>/.forge/ledgers/<slug>.md`.
    pub fn ledger_path(&self, slug: &str) -> PathBuf {
        self.repo()
            .join(".forge")
            .join("ledgers")
            .join(format!("{slug}.md"))
    }

    /// Sets an environment variable for every later command.
    pub fn set_var(&mut self, key: &str, value: impl AsRef<OsStr>) {
        self.vars.insert(
            key.to_string(),
            value.as_ref().to_string_lossy().into_owned(),
        );
    }

    /// Removes an environment variable for every later command.
    pub fn remove_var(&mut self, key: &str) {
        self.vars.remove(key);
    }

    /// Changes the working directory of later commands.
    pub fn set_cwd(&mut self, dir: impl Into<PathBuf>) {
        self.cwd = dir.into();
    }

    /// Writes a file (creating parents); relative paths are under the root.
    pub fn write(&self, path: impl AsRef<Path>, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root().join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent dir");
        }
        std::fs::write(&path, content).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// Writes an executable script (mode 0755).
    pub fn write_script(&self, path: impl AsRef<Path>, content: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.write(path, content);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("chmod script");
        path
    }

    /// A command for a registered binary with the hermetic environment and cwd.
    pub fn cmd(&self, name: &str) -> Command {
        let path = self
            .bins
            .get(name)
            .unwrap_or_else(|| panic!("binary {name:?} not registered; call TestEnv::with_bin(\"{name}\", env!(\"CARGO_BIN_EXE_{name}\"))"));
        self.cmd_path(path)
    }

    /// A command for any program with the hermetic environment and cwd.
    pub fn cmd_path(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .envs(&self.vars)
            .current_dir(&self.cwd)
            .stdin(Stdio::null());
        cmd
    }

    /// Runs a registered binary to completion.
    pub fn run(&self, name: &str, args: &[&str]) -> Output {
        run_output(self.cmd(name).args(args))
    }

    /// Runs `forge` (registered as "forge") to completion.
    pub fn forge(&self, args: &[&str]) -> Output {
        self.run("forge", args)
    }

    /// Replaces the temp root (and the data/config dirs, which live under it) with fixed
    /// placeholders, for snapshots and exact assertions.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.root().display().to_string(), "[ROOT]")
    }
}

/// Runs a prepared command to completion and captures its output.
pub fn run_output(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Polls `cond` every 10 ms until it holds (true) or `timeout` passes (false).
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(POLL);
    }
}

/// [`wait_until`], panicking with `what` on timeout.
#[track_caller]
pub fn wait_for(timeout: Duration, what: &str, cond: impl FnMut() -> bool) {
    assert!(
        wait_until(timeout, cond),
        "timed out after {timeout:?} waiting for {what}"
    );
}

/// Whether a process exists and is not a zombie (signal-0 probe plus `/proc` state).
pub fn pid_alive(pid: i32) -> bool {
    let Some(p) = rustix::process::Pid::from_raw(pid) else {
        return false;
    };
    let exists = match rustix::process::test_kill_process(p) {
        Ok(()) => true,
        Err(e) => e == rustix::io::Errno::PERM,
    };
    exists && !is_zombie(pid)
}

/// Whether any process of the group `pgid` exists (zombies excluded when `/proc` says so).
pub fn pgid_alive(pgid: i32) -> bool {
    let Some(p) = rustix::process::Pid::from_raw(pgid) else {
        return false;
    };
    let exists = match rustix::process::test_kill_process_group(p) {
        Ok(()) => true,
        Err(e) => e == rustix::io::Errno::PERM,
    };
    exists && !group_members(pgid).iter().all(|pid| is_zombie(*pid))
}

/// Pids whose process group is `pgid`, from `/proc` (empty when `/proc` is unavailable).
pub fn group_members(pgid: i32) -> Vec<i32> {
    forge_process::procfs::group_members(pgid)
        .iter()
        .map(|p| p.pid)
        .collect()
}

fn is_zombie(pid: i32) -> bool {
    forge_process::procfs::stat(pid).is_some_and(|p| p.exited())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_is_hermetic() {
        let env = TestEnv::new();
        assert!(env.repo().is_dir() && env.home().is_dir());
        let out = run_output(
            env.cmd_path(Path::new("sh"))
                .args(["-c", "echo $HOME:$FORGE_NON_INTERACTIVE:$PWD"]),
        );
        assert_eq!(
            out.stdout.trim(),
            format!("{}:1:{}", env.home().display(), env.repo().display())
        );
        assert_eq!(
            env.redact(&env.db_path().display().to_string()),
            "[ROOT]/xdg_data/forge/forge.db"
        );
    }

    #[test]
    fn waits_and_probes_processes() {
        assert!(wait_until(Duration::from_millis(50), || true));
        assert!(!wait_until(Duration::from_millis(30), || false));
        assert!(pid_alive(std::process::id() as i32));
        assert!(!pid_alive(i32::MAX - 1));
        let me = rustix::process::getpgrp().as_raw_nonzero().get();
        assert!(pgid_alive(me));
        assert!(group_members(me).contains(&(std::process::id() as i32)));
    }
}
