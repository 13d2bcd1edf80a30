//! Short jobs whose output is wanted whole (checks, git, `command -v`), and the plain controls.

use std::os::fd::BorrowedFd;
use std::time::Duration;

use forge_core::supervise::StopPolicy;

use crate::job::{Check, Control, Finished, Job, Sink};

/// The most output kept per stream of a captured job; the rest is counted, not kept.
pub const CAPTURE_LIMIT: usize = 8 * 1024 * 1024;

/// A finished job with its output.
#[derive(Debug)]
pub struct Captured<R> {
    pub finished: Finished<R>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Whether output past [`CAPTURE_LIMIT`] was dropped.
    pub truncated: bool,
}

impl<R> Captured<R> {
    /// Standard output as text (lossy).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as text (lossy).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Whether the job exited 0 without being stopped.
    pub fn success(&self) -> bool {
        self.finished.stopped.is_none() && self.finished.exit_code() == 0
    }
}

#[derive(Default)]
struct Buffers {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    truncated: bool,
}

fn keep(buf: &mut Vec<u8>, bytes: &[u8], truncated: &mut bool) {
    let room = CAPTURE_LIMIT.saturating_sub(buf.len());
    if bytes.len() > room {
        *truncated = true;
    }
    buf.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

impl Sink for Buffers {
    fn stdout(&mut self, bytes: &[u8]) {
        keep(&mut self.stdout, bytes, &mut self.truncated);
    }
    fn stderr(&mut self, bytes: &[u8]) {
        keep(&mut self.stderr, bytes, &mut self.truncated);
    }
}

impl Job {
    /// Supervises the job, keeping its output (up to [`CAPTURE_LIMIT`] per stream).
    pub fn capture<C: Control>(self, ctl: &mut C) -> Captured<C::Reason> {
        let mut buffers = Buffers::default();
        let finished = self.supervise(ctl, &mut buffers);
        Captured {
            finished,
            stdout: buffers.stdout,
            stderr: buffers.stderr,
            truncated: buffers.truncated,
        }
    }
}

/// Why a [`Deadline`] control stopped a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut(pub Duration);

/// A control that only enforces a time limit (None: the job runs until it ends).
#[derive(Debug, Clone, Copy, Default)]
pub struct Deadline(pub Option<Duration>);

impl Control for Deadline {
    type Reason = TimedOut;

    fn wake_fds(&self) -> Vec<BorrowedFd<'_>> {
        Vec::new()
    }

    fn interval(&self) -> Duration {
        self.0.map_or(Duration::from_secs(1), |d| {
            d.min(Duration::from_millis(100))
        })
    }

    fn check(&mut self, at: Check) -> Option<(StopPolicy, TimedOut)> {
        let limit = self.0?;
        (at.elapsed >= limit).then_some((StopPolicy::GRACEFUL, TimedOut(limit)))
    }
}
