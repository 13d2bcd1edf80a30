//! Controlling loops from outside their runner: queue and wake, kill with a guaranteed end,
//! resume preparation, and reconciliation of runners that died.

use std::time::{Duration, Instant};

use forge_core::events::{EventData, LoopRef, LoopStopped, StopCause};
use forge_core::model::{Loop, LoopState, QueueItem, QueueItemStatus, QueueItemType, RunStatus};
use forge_core::queue::Payload;
use forge_core::supervise::Sig;
use forge_core::time::now_rfc3339;
use forge_process::group::{end_all_marked, end_marked_group, signal_process};
use forge_store::{LoopUpdate, RunFinish, Store};
use serde_json::{Map, json};

use crate::RunnerError;
use crate::lock::{lock_holder_pid, runner_alive};
use crate::paths::RunnerPaths;
use crate::runner::JOB_MARKER;
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
    if !runner_gone_within(paths, &l.id, KILL_WAIT) {
        tracing::warn!(loop_id = %l.id, "runner did not end the run in time; killing it");
        if let Some(pid) = lock_holder_pid(paths, &l.id) {
            signal_process(pid, Sig::Kill);
        }
        runner_gone_within(paths, &l.id, Duration::from_secs(2));
    }
    end_orphans(store, l, "killed")?;
    let ids: Vec<String> = items.into_iter().map(|i| i.id).collect();
    store.finish_items(&ids, QueueItemStatus::Completed, None)?;
    let current = store.get_loop(&l.id)?;
    if current.state != LoopState::Stopped {
        let update = LoopUpdate::state(LoopState::Stopped)
            .wait_until(None)
            .waiting_since(None)
            .event(EventData::LoopStopped(LoopStopped {
                r#loop: LoopRef::of(&current),
                cause: StopCause::Kill,
                reason: "killed by operator".into(),
                iterations: current.runner.iteration_count,
            }));
        store.update_loop(&l.id, &update)?;
    }
    Ok(())
}

/// Ends a runner found by its lock file alone, for when the database cannot be read: SIGTERM
/// (the runner then stops its harness group the usual way: SIGTERM, grace, SIGKILL), and
/// SIGKILL if it still holds its lock after [`KILL_WAIT`] plus the grace. True when it is gone.
pub fn kill_by_lock(paths: &RunnerPaths, lock: &crate::HeldLock) -> bool {
    signal_process(lock.pid, Sig::Term);
    if runner_gone_within(paths, &lock.loop_id, KILL_WAIT + Duration::from_millis(500)) {
        return true;
    }
    tracing::warn!(loop_id = %lock.loop_id, pid = lock.pid, "runner ignored SIGTERM; killing it");
    signal_process(lock.pid, Sig::Kill);
    runner_gone_within(paths, &lock.loop_id, Duration::from_secs(2))
}

/// Waits up to `limit` for the loop's runner lock to be released; true when it was.
fn runner_gone_within(paths: &RunnerPaths, loop_id: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while runner_alive(paths, loop_id) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
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
        if let Some(fresh) = reconcile_one(store, paths, &l.id)? {
            *l = fresh;
        }
    }
    Ok(())
}

/// [`reconcile`] for the heads of a loop table (`forge ps`): only loops whose runner died are
/// read whole.
pub fn reconcile_heads(
    store: &mut Store,
    paths: &RunnerPaths,
    heads: &mut [forge_core::model::LoopHead],
) -> Result<(), RunnerError> {
    for h in heads.iter_mut().filter(|h| h.state.is_active()) {
        if let Some(fresh) = reconcile_one(store, paths, &h.id)? {
            *h = forge_core::model::LoopHead::from(&fresh);
        }
    }
    Ok(())
}

/// Reconciles one loop listed as active: None when its runner is alive, else the loop as it is
/// now (stopped, `stale_runner`, whatever the dead runner left ended).
fn reconcile_one(
    store: &mut Store,
    paths: &RunnerPaths,
    loop_id: &str,
) -> Result<Option<Loop>, RunnerError> {
    if runner_alive(paths, loop_id) {
        return Ok(None);
    }
    // Re-read: the runner may have finished cleanly between the listing and the check.
    let fresh = store.get_loop(loop_id)?;
    if !fresh.state.is_active() {
        return Ok(Some(fresh));
    }
    tracing::warn!(loop_id, name = %fresh.name, "runner died; ending what it left and marking the loop stopped (stale_runner)");
    end_orphans(store, &fresh, "runner died (stale_runner)")?;
    let update = LoopUpdate {
        reconciled: Some(Some((now_rfc3339(), "stale_runner".into()))),
        ..LoopUpdate::state_with_error(LoopState::Stopped, "stale_runner")
    }
    .wait_until(None)
    .waiting_since(None)
    .event(EventData::LoopStopped(LoopStopped {
        r#loop: LoopRef::of(&fresh),
        cause: StopCause::RunnerDied,
        reason: "stale_runner: the runner died (SIGKILL, out of memory or a reboot)".into(),
        iterations: fresh.runner.iteration_count,
    }));
    store.update_loop(loop_id, &update)?;
    Ok(Some(store.get_loop(loop_id)?))
}

/// Ends the group `pgid` when one of its members carries `marker`, or, with no recorded group
/// (the runner died right after the start), every group whose members carry it.
fn end_marked(pgid: Option<i64>, marker: &str) {
    match pgid {
        Some(pgid) => {
            end_marked_group(pgid as i32, marker);
        }
        None => {
            end_all_marked(marker);
        }
    }
}

/// Ends what a dead runner left behind: its auxiliary child (a check, git) and the harness
/// groups of its `running` runs, whose rows are then closed. A child whose group was never
/// recorded (the runner died right after starting it) is found by its environment marker.
fn end_orphans(store: &mut Store, l: &Loop, reason: &str) -> Result<(), RunnerError> {
    if let Some(job) = &l.job {
        end_marked(job.pgid, &format!("{JOB_MARKER}={}", job.token));
        store.update_loop(&l.id, &LoopUpdate::default().job(None))?;
    }
    for run in store.running_runs(&l.id)? {
        end_marked(run.harness_pgid, &format!("FORGE_RUN_ID={}", run.id));
        let mut metadata = Map::new();
        metadata.insert("reason".into(), json!(reason));
        let finish = RunFinish {
            status: RunStatus::Killed,
            exit_code: Some(-9),
            output_tail: run.output_tail.clone().unwrap_or_default(),
            metadata,
            outcome: None,
            usage: None,
            reason: Some(reason.to_string()),
            events: Vec::new(),
        };
        store.finish_run(&run.id, &finish)?;
    }
    Ok(())
}
