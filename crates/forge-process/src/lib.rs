//! The one supervisor of every child process Forge starts.
//!
//! Harness runs, quantitative-stop checks, judge iterations, git summaries, hooks and
//! `profile doctor`'s lookups all start as a [`JobSpec`]: the leader of a new process group,
//! its output piped back. [`Job::supervise`] runs one poll loop over its pipes, a pidfd and the
//! descriptors of a caller's [`Control`] (a wake-up FIFO, a signal pipe), asks the control
//! whether to stop, and stops the one way `forge_core::supervise` describes: the policy's signal
//! to the group, a grace period, SIGKILL to the group, reap, and wait until nothing of the
//! group runs. Detached runners ([`JobSpec::spawn_detached`]) and interactive editors
//! ([`JobSpec::run_interactive`]) are the two other ways to start a child, also here.
//!
//! [`group`] ends process groups recorded by a runner that died (only while a member carries
//! the runner's marker in its environment), [`procfs`] is the one reader of `/proc`, and
//! [`shell`] is the login shell harnesses run in, with the user's `PATH` and the running
//! `forge`.

mod capture;
pub mod group;
mod job;
pub mod lockfile;
pub mod procfs;
pub mod shell;
mod spec;

pub use capture::{CAPTURE_LIMIT, Captured, Deadline, TimedOut};
pub use forge_core::supervise::{Sig, StopPolicy};
pub use job::{Check, Control, Finished, Job, Sink, describe};
pub use shell::HarnessShell;
pub use spec::{JobSpec, inheritable};
