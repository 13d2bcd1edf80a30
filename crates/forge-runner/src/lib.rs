//! The loop runner and the control plane around it.
//!
//! A runner is the hidden `forge loop run <loop-id>` process, started detached (own session)
//! by `forge up`/`resume`. It holds the loop's lock for its whole life and repeats: plan the
//! queue, check limits, pick a profile, compose the prompt, run the harness in its own process
//! group while streaming output into the log and a tail, record the run, append the ledger,
//! sleep. Every wait (interval, pause, waiting for a profile, a running harness) also watches a
//! wake-up FIFO, the loop's queue and termination signals, so `stop`, `kill` and `msg --now`
//! take effect within a second.
//!
//! [`control`] holds what the CLI does to loops from outside: queue and wake, kill with a
//! guaranteed end, and reconciliation of runners that died.

pub mod control;
mod error;
mod exec;
mod ledger;
mod lock;
mod logfile;
pub mod paths;
pub mod prompts;
mod runner;
mod signals;
mod spawn;
mod trim;
mod wake;
mod watch;

pub use error::RunnerError;
pub use lock::{HeldLock, LoopLock, held_locks, lock_file_ids, lock_holder_pid, runner_alive};
pub use paths::RunnerPaths;
pub use runner::{RunEnd, RunMode, run_loop};
pub use spawn::{RunnerClaim, claim_runner, spawn_runner};
pub use wake::wake;
