//! Hermetic helpers for the fmail integration tests: a temp project root, a temp HOME, a cleared
//! environment, and the built `fmail` binary.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    unreachable_pub
)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

pub const FMAIL: &str = env!("CARGO_BIN_EXE_fmail");

pub struct Sandbox {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        Self {
            _dir: dir,
            root,
            home,
        }
    }

    pub fn fmail_dir(&self) -> PathBuf {
        self.root.join(".fmail")
    }

    /// `fmail` with a cleared environment, FMAIL_ROOT set to the sandbox root.
    pub fn cmd(&self, agent: Option<&str>, args: &[&str]) -> Command {
        let mut cmd = self.bare_cmd(agent, args);
        cmd.env("FMAIL_ROOT", &self.root).current_dir(&self.root);
        cmd
    }

    /// `fmail` with a cleared environment and no FMAIL_ROOT (cwd decides).
    pub fn bare_cmd(&self, agent: Option<&str>, args: &[&str]) -> Command {
        let mut cmd = Command::new(FMAIL);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .args(args)
            .stdin(Stdio::null());
        if let Some(agent) = agent {
            cmd.env("FMAIL_AGENT", agent);
        }
        cmd
    }

    pub fn run(&self, agent: Option<&str>, args: &[&str]) -> Output {
        self.cmd(agent, args).output().unwrap()
    }

    /// Runs and asserts exit 0 with empty stderr; returns stdout.
    pub fn ok(&self, agent: Option<&str>, args: &[&str]) -> String {
        let out = self.run(agent, args);
        assert!(
            out.status.success(),
            "fmail {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "fmail {args:?} wrote stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs with `input` piped to stdin.
    pub fn run_with_stdin(&self, agent: Option<&str>, args: &[&str], input: &str) -> Output {
        let mut child = self
            .cmd(agent, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Sends and returns the new id.
    pub fn send(&self, agent: &str, target: &str, body: &str) -> String {
        self.ok(Some(agent), &["send", target, body])
            .trim()
            .to_owned()
    }

    /// Starts a long-running fmail whose stdout lines arrive on a channel.
    pub fn spawn_lines(&self, agent: Option<&str>, args: &[&str]) -> Streaming {
        let mut child = self
            .cmd(agent, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send((Instant::now(), line));
            }
        });
        Streaming {
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }
}

/// A running fmail process and the lines it printed so far.
pub struct Streaming {
    pub child: Child,
    pub lines: Receiver<(Instant, String)>,
    pub seen: Vec<String>,
}

impl Streaming {
    /// Waits until `done(seen)` holds or the deadline passes; returns whether it held.
    pub fn wait_until(
        &mut self,
        timeout: Duration,
        mut done: impl FnMut(&[String]) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(&self.seen) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            match self.lines.recv_timeout(left.min(Duration::from_millis(50))) {
                Ok((_, line)) => self.seen.push(line),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return done(&self.seen),
            }
        }
    }

    pub fn stop(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        while let Ok((_, line)) = self.lines.try_recv() {
            self.seen.push(line);
        }
        std::mem::take(&mut self.seen)
    }
}

/// A failing test must not leave a watcher running.
impl Drop for Streaming {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The machine's host name, read independently of fmail (which records it in what it writes).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_owned()
}

/// Parses JSONL output into values.
pub fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// Every `*.json` file under `dir` (recursively), excluding nothing; used to prove no torn files.
pub fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(json_files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}
