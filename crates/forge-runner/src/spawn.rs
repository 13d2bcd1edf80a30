//! Starting a loop's detached runner (through `forge_process`, like every child).

use std::os::fd::AsRawFd;
use std::path::Path;

use forge_process::JobSpec;

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
        let mut spec = JobSpec::new(exe);
        if let Some(config) = &paths.config_path {
            spec = spec.arg("--config").arg(config);
        }
        let spec = spec.args(["loop", "run", &self.loop_id, "--lock-fd", &fd.to_string()]);
        let pid = spec.spawn_detached().map_err(|e| {
            RunnerError::Spawn(format!("could not start runner {}: {e}", exe.display()))
        })?;
        tracing::info!(loop_id = %self.loop_id, pid, "started detached runner");
        // The child holds the lock through the inherited descriptor; ours closes with `self`.
        Ok(pid)
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
        forge_process::inheritable(self)
            .map_err(|e| RunnerError::Lock(format!("could not pass the runner lock: {e}")))?;
        Ok(self.as_raw_fd())
    }
}
