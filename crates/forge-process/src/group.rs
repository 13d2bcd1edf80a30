//! Signalling and waiting on whole process groups.

use std::time::{Duration, Instant};

use forge_core::supervise::Sig;
use rustix::process::{Pid, Signal};

use crate::procfs;

fn rustix_signal(sig: Sig) -> Signal {
    match sig {
        Sig::Term => Signal::TERM,
        Sig::Int => Signal::INT,
        Sig::Hup => Signal::HUP,
        Sig::Kill => Signal::KILL,
    }
}

/// Sends `sig` to every member of process group `pgid`; false when the group is gone.
pub fn signal_group(pgid: i32, sig: Sig) -> bool {
    Pid::from_raw(pgid)
        .is_some_and(|pid| rustix::process::kill_process_group(pid, rustix_signal(sig)).is_ok())
}

/// Sends `sig` to one process; false when it is gone.
pub fn signal_process(pid: i32, sig: Sig) -> bool {
    Pid::from_raw(pid)
        .is_some_and(|pid| rustix::process::kill_process(pid, rustix_signal(sig)).is_ok())
}

/// Whether any process (zombies included) still has process group `pgid`.
pub fn group_exists(pgid: i32) -> bool {
    Pid::from_raw(pgid).is_some_and(|pid| rustix::process::test_kill_process_group(pid).is_ok())
}

/// Whether a member of the group has not exited yet (zombies waiting for a parent have).
pub fn group_running(pgid: i32) -> bool {
    if !group_exists(pgid) {
        return false;
    }
    if cfg!(target_os = "linux") {
        procfs::group_members(pgid).iter().any(|p| !p.exited())
    } else {
        true
    }
}

/// Waits until no member of the group is left running, for at most `limit`; true when none is.
pub fn wait_group_gone(pgid: i32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if !group_running(pgid) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// How long [`end_marked_group`] waits for a SIGKILLed group to be gone.
pub const END_WAIT: Duration = Duration::from_secs(2);

/// Ends a process group that a runner recorded and may have left behind: SIGKILL to the group,
/// but only while one of its members carries `marker` (`NAME=value`) in its environment, so a
/// reused group id is never hit. Returns once nothing of the group runs (or after [`END_WAIT`]);
/// true when something was killed.
pub fn end_marked_group(pgid: i32, marker: &str) -> bool {
    if !group_exists(pgid) {
        return false;
    }
    let marked = procfs::group_members(pgid)
        .iter()
        .any(|p| !p.exited() && procfs::has_env(p.pid, marker));
    if !marked {
        return false;
    }
    signal_group(pgid, Sig::Kill);
    wait_group_gone(pgid, END_WAIT);
    true
}

/// Ends every process group that has a live member carrying `marker`, for a child whose group
/// was never recorded (its runner died between starting it and writing it down).
pub fn end_all_marked(marker: &str) -> usize {
    let groups = procfs::groups_with_env(marker);
    for pgid in &groups {
        signal_group(*pgid, Sig::Kill);
    }
    for pgid in &groups {
        wait_group_gone(*pgid, END_WAIT);
    }
    groups.len()
}
