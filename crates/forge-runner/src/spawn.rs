//! The one place Forge starts child processes: detached runners and harness process groups.

use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::RunnerError;
use crate::lock::LoopLock;
use crate::paths::RunnerPaths;

/// A loop's runner lock, taken by the CLI and not yet handed to a runner.
///
/// Taking the lock first lets the CLI record `state=running` while nobody can mistake the loop
/// for one whose runner died, and guarantees one runner per loop: a second claim fails with
/// [`RunnerError::AlreadyRunning`].
#[derive(Debug)]
pub struct RunnerClaim {
    lock: LoopLock,
    loop_id: String,
}

/// Takes the loop's runner lock for a spawn.
pub fn claim_runner(paths: &RunnerPaths, loop_id: &str) -> Result<RunnerClaim, RunnerError> {
    match LoopLock::try_acquire(paths, loop_id)? {
        Some(lock) => Ok(RunnerClaim {
            lock,
            loop_id: loop_id.to_string(),
        }),
        None => Err(RunnerError::AlreadyRunning(loop_id.to_string())),
    }
}

impl RunnerClaim {
    /// Starts `forge loop run <loop-id>` (the current executable) detached in its own session,
    /// handing it the locked descriptor so the loop is never without its lock.
    pub fn spawn(self, paths: &RunnerPaths) -> Result<u32, RunnerError> {
        let exe = std::env::current_exe()
            .map_err(|e| RunnerError::Spawn(format!("cannot find the forge executable: {e}")))?;
        self.spawn_with(&exe, paths)
    }

    /// [`RunnerClaim::spawn`] with an explicit executable (tests and benchmarks).
    pub fn spawn_with(self, exe: &Path, paths: &RunnerPaths) -> Result<u32, RunnerError> {
        let fd = self.lock.file().as_rawfd_inheritable()?;
        #[allow(clippy::disallowed_methods)]
        let mut cmd = Command::new(exe);
        if let Some(config) = &paths.config_path {
            cmd.arg("--config").arg(config);
        }
        cmd.args(["loop", "run", &self.loop_id, "--lock-fd", &fd.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: `setsid` is async-signal-safe and touches no Rust state between fork and exec.
        #[allow(unsafe_code)]
        unsafe {
            cmd.pre_exec(|| {
                rustix::process::setsid()
                    .map(|_| ())
                    .map_err(std::io::Error::from)
            });
        }
        let child = cmd.spawn().map_err(|e| {
            RunnerError::Spawn(format!("could not start runner {}: {e}", exe.display()))
        })?;
        // The child holds the lock through the inherited descriptor; ours closes with `self`.
        Ok(child.id())
    }
}

/// Claims the loop and starts its detached runner ([`claim_runner`] + [`RunnerClaim::spawn`]).
pub fn spawn_runner(paths: &RunnerPaths, loop_id: &str) -> Result<u32, RunnerError> {
    claim_runner(paths, loop_id)?.spawn(paths)
}

trait InheritableFd {
    fn as_rawfd_inheritable(&self) -> Result<i32, RunnerError>;
}

impl InheritableFd for std::fs::File {
    fn as_rawfd_inheritable(&self) -> Result<i32, RunnerError> {
        rustix::io::fcntl_setfd(self, rustix::io::FdFlags::empty())
            .map_err(|e| RunnerError::Lock(format!("could not pass the runner lock: {e}")))?;
        Ok(self.as_raw_fd())
    }
}

/// Starts a harness: `program args` in `cwd`, in a new process group, with piped stdio.
pub(crate) fn spawn_harness(
    program: &str,
    args: &[String],
    cwd: &Path,
    env: &[(String, String)],
) -> std::io::Result<Child> {
    #[allow(clippy::disallowed_methods)]
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    cmd.spawn()
}

/// Runs a short helper command (git) to completion and returns its stdout.
pub(crate) fn capture_output(program: &str, args: &[&str], cwd: &Path) -> Option<String> {
    #[allow(clippy::disallowed_methods)]
    let out = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Output of a check command run by [`run_check`].
#[derive(Debug, Clone, Default)]
pub(crate) struct CheckOutput {
    /// Exit code; -1 on timeout, death by signal or failure to start.
    pub(crate) exit_code: i64,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// Set when the command was killed at its timeout.
    pub(crate) timed_out: bool,
}

/// Runs `bash -lc <cmd>` in `cwd` in its own process group, capturing stdout and stderr
/// separately; kills the whole group at `timeout` (if any).
pub(crate) fn run_check(
    cmd: &str,
    cwd: &Path,
    timeout: Option<std::time::Duration>,
) -> CheckOutput {
    use std::io::Read;
    #[allow(clippy::disallowed_methods)]
    let child = Command::new("bash")
        .args(["-lc", cmd])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            return CheckOutput {
                exit_code: -1,
                stderr: e.to_string(),
                ..CheckOutput::default()
            };
        }
    };
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = child.stdout.take().map(|p| read_all(Box::new(p)));
    let err = child.stderr.take().map(|p| read_all(Box::new(p)));
    let deadline = timeout.map(|t| std::time::Instant::now() + t);
    let pgid = child.id() as i32;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(_) => break None,
        }
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            timed_out = true;
            if let Some(pid) = rustix::process::Pid::from_raw(pgid) {
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            }
            break child.wait().ok();
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    // Anything the command left in its group would keep the pipes open.
    if let Some(pid) = rustix::process::Pid::from_raw(pgid) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let join = |h: Option<std::thread::JoinHandle<String>>| {
        h.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    let exit_code = if timed_out {
        -1
    } else {
        status.and_then(|s| s.code()).map_or(-1, i64::from)
    };
    CheckOutput {
        exit_code,
        stdout: join(out),
        stderr: join(err),
        timed_out,
    }
}
