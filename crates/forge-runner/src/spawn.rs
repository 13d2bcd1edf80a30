//! The one place Forge starts child processes: detached runners and harness process groups.

use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::RunnerError;
use crate::lock::LoopLock;
use crate::paths::RunnerPaths;

/// Starts `forge loop run <loop-id>` detached in its own session.
///
/// The CLI takes the loop's runner lock first and hands the locked descriptor to the child, so
/// there is never a moment where the loop looks runner-less, and a second start for the same
/// loop fails here with [`RunnerError::AlreadyRunning`].
pub fn spawn_runner(paths: &RunnerPaths, loop_id: &str) -> Result<u32, RunnerError> {
    let exe = std::env::current_exe()
        .map_err(|e| RunnerError::Spawn(format!("cannot find the forge executable: {e}")))?;
    spawn_runner_with(&exe, paths, loop_id)
}

/// [`spawn_runner`] with an explicit executable (tests and benchmarks).
pub fn spawn_runner_with(
    exe: &Path,
    paths: &RunnerPaths,
    loop_id: &str,
) -> Result<u32, RunnerError> {
    let Some(lock) = LoopLock::try_acquire(paths, loop_id)? else {
        return Err(RunnerError::AlreadyRunning(loop_id.to_string()));
    };
    let fd = lock.file().as_rawfd_inheritable()?;
    #[allow(clippy::disallowed_methods)]
    let mut cmd = Command::new(exe);
    if let Some(config) = &paths.config_path {
        cmd.arg("--config").arg(config);
    }
    cmd.args(["loop", "run", loop_id, "--lock-fd", &fd.to_string()])
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
    // The child holds the lock through the inherited descriptor; ours closes with `lock`.
    drop(lock);
    Ok(child.id())
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
