//! Controlling loops from outside their runner: queue and wake, kill with a guaranteed end,
//! resume preparation, and reconciliation of runners that died.

use std::time::{Duration, Instant};

use forge_core::model::{Loop, LoopState, QueueItem, QueueItemStatus, QueueItemType, RunStatus};
use forge_core::queue::Payload;
use forge_core::time::now_rfc3339;
use forge_store::{LoopUpdate, RunFinish, Store};
use rustix::process::{Pid, Signal, kill_process, kill_process_group};
use serde_json::{Map, json};

use crate::RunnerError;
use crate::exec::group_exists;
use crate::lock::{lock_holder_pid, runner_alive};
use crate::paths::RunnerPaths;
use crate::wake::wake;

/// How long `kill` waits for the runner to end the run itself before forcing it.
const KILL_WAIT: Duration = Duration::from_millis(1500);

/// Enqueues items for a loop and wakes its runner.
pub fn send(
    store: &mut Store,
    paths: &RunnerPaths,
    loop_id: &str,
    payloads: &[Payload],
) -> Result<Vec<QueueItem>, RunnerError> {
    let items = store.enqueue(loop_id, payloads)?;
    wake(paths, loop_id);
    Ok(items)
}

/// Asks a loop to stop gracefully: after the current run, or at once if it is idle.
pub fn stop(store: &mut Store, paths: &RunnerPaths, l: &Loop) -> Result<(), RunnerError> {
    send(
        store,
        paths,
        &l.id,
        &[Payload::Stop {
            reason: Some("operator".into()),
        }],
    )?;
    Ok(())
}

/// Kills a loop now: the runner kills the harness group and closes the run; if the runner does
/// not finish within [`KILL_WAIT`] (or is gone), the runner and the harness group are killed
/// here and the run rows closed.
pub fn kill(store: &mut Store, paths: &RunnerPaths, l: &Loop) -> Result<(), RunnerError> {
    let items = send(
        store,
        paths,
        &l.id,
        &[Payload::Kill {
            reason: Some("operator".into()),
        }],
    )?;
    let deadline = Instant::now() + KILL_WAIT;
    while runner_alive(paths, &l.id) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    if runner_alive(paths, &l.id) {
        if let Some(pid) = lock_holder_pid(paths, &l.id).and_then(Pid::from_raw) {
            let _ = kill_process(pid, Signal::KILL);
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while runner_alive(paths, &l.id) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    end_orphaned_runs(store, &l.id, "killed")?;
    let ids: Vec<String> = items.into_iter().map(|i| i.id).collect();
    store.finish_items(&ids, QueueItemStatus::Completed, None)?;
    let current = store.get_loop(&l.id)?;
    if current.state != LoopState::Stopped {
        store.update_loop(
            &l.id,
            &LoopUpdate::state(LoopState::Stopped).unmeta("wait_until"),
        )?;
    }
    Ok(())
}

/// Drops stop/kill items left pending while a loop had no runner, so `resume` never stops at
/// once. Returns how many were dropped.
pub fn prepare_resume(store: &mut Store, l: &Loop) -> Result<usize, RunnerError> {
    let stale: Vec<String> = store
        .pending_items(&l.id)?
        .into_iter()
        .filter(|i| {
            matches!(
                i.item_type,
                QueueItemType::StopGraceful | QueueItemType::KillNow
            )
        })
        .map(|i| i.id)
        .collect();
    store.finish_items(
        &stale,
        QueueItemStatus::Skipped,
        Some("stale: queued while the loop had no runner"),
    )?;
    Ok(stale.len())
}

/// Marks loops whose runner died (active state, runner lock free) `stopped` with
/// `last_error = stale_runner`, ends their orphaned harness groups and closes their run rows.
/// Loops are updated in place.
pub fn reconcile(
    store: &mut Store,
    paths: &RunnerPaths,
    loops: &mut [Loop],
) -> Result<(), RunnerError> {
    for l in loops.iter_mut().filter(|l| l.state.is_active()) {
        if runner_alive(paths, &l.id) {
            continue;
        }
        // Re-read: the runner may have finished cleanly between the listing and the check.
        let fresh = store.get_loop(&l.id)?;
        if !fresh.state.is_active() {
            *l = fresh;
            continue;
        }
        end_orphaned_runs(store, &l.id, "runner died (stale_runner)")?;
        let liveness = json!({
            "pid_alive": false,
            "daemon_runner_alive": false,
            "reconciled_at": now_rfc3339(),
            "reason": "stale_runner",
        });
        store.update_loop(
            &l.id,
            &LoopUpdate::state_with_error(LoopState::Stopped, "stale_runner")
                .meta("runner_liveness", liveness)
                .unmeta("wait_until"),
        )?;
        *l = store.get_loop(&l.id)?;
    }
    Ok(())
}

/// Closes `running` run rows of a loop, first ending their harness groups if they still exist.
fn end_orphaned_runs(store: &mut Store, loop_id: &str, reason: &str) -> Result<(), RunnerError> {
    for run in store.running_runs(loop_id)? {
        if let Some(pgid) = run.harness_pgid {
            kill_orphan_group(pgid as i32, &run.id);
        }
        let mut metadata = Map::new();
        metadata.insert("reason".into(), json!(reason));
        let finish = RunFinish {
            status: RunStatus::Killed,
            exit_code: Some(-9),
            output_tail: run.output_tail.clone().unwrap_or_default(),
            metadata,
            outcome: None,
            usage: None,
        };
        store.finish_run(&run.id, &finish)?;
    }
    Ok(())
}

/// How long reconciliation waits for a SIGKILLed orphan group to actually be gone, so the
/// command that reported it ended never returns while its processes still run.
const ORPHAN_EXIT_WAIT: Duration = Duration::from_secs(2);

/// SIGKILLs a harness process group if it still exists and (on Linux) one of its members
/// carries the run's id in its environment, so a reused process-group id is never hit. Returns
/// once no member is left running (zombies waiting for their new parent count as ended) or after
/// [`ORPHAN_EXIT_WAIT`].
fn kill_orphan_group(pgid: i32, run_id: &str) {
    let Some(pid) = Pid::from_raw(pgid) else {
        return;
    };
    if !group_exists(pgid) || !group_belongs_to_run(pgid, run_id) {
        return;
    }
    let _ = kill_process_group(pid, Signal::KILL);
    let deadline = Instant::now() + ORPHAN_EXIT_WAIT;
    while group_still_running(pgid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `(pid, state)` of every process whose process group is `pgid`, from `/proc`.
#[cfg(target_os = "linux")]
fn group_processes(pgid: i32) -> Vec<(i32, char)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // Fields after the ")" closing the command name: state ppid pgrp ...
            let (_, rest) = stat.rsplit_once(')')?;
            let mut fields = rest.split_whitespace();
            let state = fields.next()?.chars().next()?;
            let pgrp = fields.nth(1)?.parse::<i32>().ok()?;
            (pgrp == pgid).then_some((pid, state))
        })
        .collect()
}

#[cfg(target_os = "linux")]
fn group_belongs_to_run(pgid: i32, run_id: &str) -> bool {
    let needle = format!("FORGE_RUN_ID={run_id}");
    group_processes(pgid).into_iter().any(|(pid, _)| {
        std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|environ| {
            environ
                .split(|b| *b == 0)
                .any(|var| var == needle.as_bytes())
        })
    })
}

/// Whether a member of the group has not exited yet (zombies and dead tasks have).
#[cfg(target_os = "linux")]
fn group_still_running(pgid: i32) -> bool {
    group_processes(pgid)
        .iter()
        .any(|(_, state)| !matches!(state, 'Z' | 'X'))
}

#[cfg(not(target_os = "linux"))]
fn group_belongs_to_run(_pgid: i32, _run_id: &str) -> bool {
    true
}

#[cfg(not(target_os = "linux"))]
fn group_still_running(pgid: i32) -> bool {
    group_exists(pgid)
}
