//! The iteration state machine of one loop runner.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use forge_core::duration::format_go_duration;
use forge_core::model::{Loop, LoopState, QueueItemStatus, QueueItemType};
use forge_core::queue::{OperatorMessage, QueuePlan, build_plan};
use forge_core::slug::slugify;
use forge_core::stop::{Phase, StopState};
use forge_core::time::now_rfc3339;
use forge_store::{LoopUpdate, ReadGate, Store, StoreError};
use jiff::Timestamp;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use serde_json::json;

use crate::RunnerError;
use crate::lock::LoopLock;
use crate::logfile::LoopLog;
use crate::paths::RunnerPaths;
use crate::signals::{Signals, signal_name};
use crate::wake::WakeReceiver;

mod accounting;
mod iteration;
mod stops;

/// How a runner runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// The detached background runner (`forge loop run`); `lock_fd` is the runner lock
    /// inherited from the spawning CLI, if any.
    Background { lock_fd: Option<i32> },
    /// Exactly one iteration in the foreground (`forge run`).
    Single,
}

/// How a runner ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunEnd {
    /// The loop's final state.
    pub state: LoopState,
    /// Why it ended.
    pub reason: String,
}

/// Longest wait for a profile before selection is tried again.
const WAIT_RECHECK_SECONDS: i64 = 10;

/// Longest single wait inside a sleep before the queue is checked again.
const SLEEP_CHECK: Duration = Duration::from_millis(500);

/// How long a sleep lasts before the runner hands its idle memory back (see [`crate::trim`]).
const SLEEP_TRIM_AFTER: Duration = Duration::from_secs(1);

/// Runs a loop until it stops (or, in [`RunMode::Single`], for one iteration).
pub fn run_loop(paths: &RunnerPaths, loop_id: &str, mode: RunMode) -> Result<RunEnd, RunnerError> {
    let mut lock = match mode {
        RunMode::Background { lock_fd: Some(fd) } => LoopLock::adopt(fd)?,
        _ => LoopLock::try_acquire(paths, loop_id)?
            .ok_or_else(|| RunnerError::AlreadyRunning(loop_id.to_string()))?,
    };
    lock.write_pid(std::process::id());
    let store = Store::open(&paths.db_path, paths.busy_timeout_ms)?;
    let signals = Signals::install()?;
    let wake = WakeReceiver::open(paths, loop_id)?;
    let mut runner = Runner::start(
        paths,
        store,
        loop_id,
        mode == RunMode::Single,
        signals,
        wake,
    )?;
    let end = runner.run();
    drop(lock);
    end
}

/// What ended a sleep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Woken {
    Elapsed,
    Control,
    Steer,
    Signal(i32),
}

/// One runner's state.
pub(crate) struct Runner<'p> {
    paths: &'p RunnerPaths,
    store: Store,
    loop_id: String,
    single: bool,
    log: LoopLog,
    ledger_path: PathBuf,
    wake: WakeReceiver,
    signals: Signals,
    started: Timestamp,
    iteration_count: i64,
    stop_state: StopState,
    pending_steer: Vec<OperatorMessage>,
    /// The repository's progress fingerprint after the previous main iteration (stall rule).
    repo_fingerprint: Option<u64>,
}

impl<'p> Runner<'p> {
    fn start(
        paths: &'p RunnerPaths,
        mut store: Store,
        loop_id: &str,
        single: bool,
        signals: Signals,
        wake: WakeReceiver,
    ) -> Result<Self, RunnerError> {
        let l = store.get_loop(loop_id)?;
        let slug = slugify(&l.name, &l.id);
        let log_path = l
            .log_path
            .clone()
            .map_or_else(|| paths.log_path(&slug), PathBuf::from);
        let ledger_path = l.ledger_path.clone().map_or_else(
            || RunnerPaths::ledger_path(Path::new(&l.repo_path), &slug),
            PathBuf::from,
        );
        let mut log = LoopLog::open(&log_path)?;
        if let Err(e) = crate::ledger::ensure_header(&ledger_path, &l) {
            log.line(&format!("ledger create failed: {e}"));
        }
        let started = Timestamp::now();
        let update = LoopUpdate {
            state: Some(LoopState::Running),
            log_path: Some(log_path.display().to_string()),
            ledger_path: Some(ledger_path.display().to_string()),
            ..LoopUpdate::default()
        }
        .meta("pid", json!(std::process::id()))
        .meta("started_at", json!(forge_core::time::format_ts(started)))
        .meta("iteration_count", json!(0))
        .meta("stop_state", json!({}))
        .unmeta("wait_until")
        .unmeta("runner_liveness");
        if let Err(e) = store.update_loop(loop_id, &update) {
            log.line(&format!("warning: failed to record pid: {e}"));
        }
        log.line("loop started");
        let repo_fingerprint = stops::stop_config(&l)
            .stall
            .and_then(|_| stops::repo_fingerprint(Path::new(&l.repo_path)));
        Ok(Self {
            paths,
            store,
            loop_id: loop_id.to_string(),
            single,
            log,
            ledger_path,
            wake,
            signals,
            started,
            iteration_count: 0,
            stop_state: StopState::default(),
            pending_steer: Vec::new(),
            repo_fingerprint,
        })
    }

    fn run(&mut self) -> Result<RunEnd, RunnerError> {
        let mut skip_next_plan_sleep = false;
        loop {
            if let Some(sig) = self.signals.received() {
                return self.cancelled(sig);
            }
            let l = match self.store.get_loop(&self.loop_id) {
                Ok(l) => l,
                Err(StoreError::NotFound { .. }) => {
                    self.log.line("loop removed; runner exiting");
                    return Ok(RunEnd {
                        state: LoopState::Stopped,
                        reason: "loop removed".into(),
                    });
                }
                Err(e) => return Err(e.into()),
            };
            if let Some(reason) = self.limit_reason(&l) {
                return self.stop_for(reason);
            }
            let mut plan = match self.plan() {
                Ok(plan) => plan,
                Err(e) => return self.fail(format!("queue planning error: {e}")),
            };
            if plan.kill {
                self.complete_controls()?;
                return self.end(LoopState::Stopped, None, "kill requested");
            }
            if plan.stop {
                self.complete_controls()?;
                return self.end(LoopState::Stopped, None, "graceful stop requested");
            }
            if let Some(pause) = plan.pause.clone().filter(|p| p.before_run) {
                self.log
                    .line(&format!("pause for {}", format_go_duration(pause.seconds)));
                self.store
                    .update_loop(&self.loop_id, &LoopUpdate::state(LoopState::Sleeping))?;
                let woken = self.sleep(Duration::from_secs(pause.seconds.max(0) as u64), true)?;
                self.store.finish_items(
                    std::slice::from_ref(&pause.item_id),
                    QueueItemStatus::Completed,
                    None,
                )?;
                if let Woken::Signal(sig) = woken {
                    return self.cancelled(sig);
                }
                continue;
            }
            let cfg = stops::stop_config(&l);
            if let Some(reason) = self.quant_check(&l, &cfg, Phase::Before) {
                return self.stop_for(reason);
            }
            let judge = if self.single || plan.override_prompt.is_some() {
                None
            } else {
                cfg.qual.clone().filter(|q| q.due(&self.stop_state))
            };
            if !self.pending_steer.is_empty() {
                let mut messages = std::mem::take(&mut self.pending_steer);
                messages.append(&mut plan.messages);
                plan.messages = messages;
            }
            let outcome = match self.iterate(&l, &plan, judge.as_ref())? {
                iteration::Step::Ran(outcome) => outcome,
                iteration::Step::Wait(until, reason) => {
                    let text = format!(
                        "waiting for profile availability until {}",
                        forge_core::time::format_ts(until)
                    );
                    self.log.line(&format!("{text} ({reason})"));
                    self.store.update_loop(
                        &self.loop_id,
                        &LoopUpdate::state_with_error(LoopState::Waiting, text)
                            .meta("wait_until", json!(forge_core::time::format_ts(until))),
                    )?;
                    // Re-check at least every WAIT_RECHECK, so a cleared cooldown is noticed.
                    let secs = (until.as_second() - Timestamp::now().as_second())
                        .clamp(1, WAIT_RECHECK_SECONDS);
                    if let Woken::Signal(sig) =
                        self.sleep(Duration::from_secs(secs as u64), false)?
                    {
                        return self.cancelled(sig);
                    }
                    continue;
                }
                iteration::Step::Retry => continue,
                iteration::Step::Fatal(reason) => return self.fail(reason),
            };
            match &outcome.interrupt {
                Some(crate::exec::Interrupt::Kill { .. }) => {
                    self.complete_controls()?;
                    return self.end(LoopState::Stopped, None, "run interrupted: kill");
                }
                Some(crate::exec::Interrupt::Signal(sig)) => return self.cancelled(*sig),
                Some(crate::exec::Interrupt::TimedOut(_) | crate::exec::Interrupt::Stalled(_)) => {}
                Some(crate::exec::Interrupt::Steer {
                    message,
                    created_at,
                    ..
                }) => {
                    self.log.line("run interrupted: steer");
                    let context = forge_core::prompt::interrupt_context(
                        &now_rfc3339(),
                        &crate::ledger::file_tail(&self.ledger_path, 60),
                        &outcome.tail,
                    );
                    self.pending_steer = vec![
                        OperatorMessage {
                            text: context,
                            created_at: now_rfc3339(),
                        },
                        OperatorMessage {
                            text: message.clone(),
                            created_at: created_at.clone(),
                        },
                    ];
                    skip_next_plan_sleep = true;
                }
                None => {}
            }
            if self
                .store
                .has_pending(&self.loop_id, &[QueueItemType::KillNow])?
            {
                self.complete_controls()?;
                return self.end(LoopState::Stopped, None, "kill queued");
            }
            if self
                .store
                .has_pending(&self.loop_id, &[QueueItemType::StopGraceful])?
            {
                self.complete_controls()?;
                return self.end(LoopState::Stopped, None, "graceful stop queued");
            }
            let l = self.store.get_loop(&self.loop_id)?;
            if judge.is_some() {
                if let Some(reason) = self.judge_verdict(&cfg, &outcome.answer) {
                    return self.stop_for(reason);
                }
            } else if let Some(reason) = self.stall_check(&l, &cfg)? {
                return self.stop_for(reason);
            }
            self.persist_stop_state()?;
            if let Some(reason) = self.budget_reason(&l)? {
                return self.stop_for(reason);
            }
            if let Some(reason) = self.quant_check(&l, &cfg, Phase::After) {
                return self.stop_for(reason);
            }
            if judge.is_none()
                && !self.single
                && cfg.qual.as_ref().is_some_and(|q| q.due(&self.stop_state))
            {
                self.log
                    .line("qual stop due; running immediately (next iteration)");
                skip_next_plan_sleep = true;
            }
            if let Some(reason) = self.limit_reason(&l) {
                return self.stop_for(reason);
            }
            let mut slept = false;
            if let Some(pause) = plan.pause.clone().filter(|p| !p.before_run) {
                self.log
                    .line(&format!("pause for {}", format_go_duration(pause.seconds)));
                let woken = self.sleep(Duration::from_secs(pause.seconds.max(0) as u64), true)?;
                self.store.finish_items(
                    std::slice::from_ref(&pause.item_id),
                    QueueItemStatus::Completed,
                    None,
                )?;
                if let Woken::Signal(sig) = woken {
                    return self.cancelled(sig);
                }
                slept = true;
            }
            if self.single {
                return self.end(LoopState::Stopped, None, "single iteration done");
            }
            if !slept
                && !std::mem::take(&mut skip_next_plan_sleep)
                && l.interval_seconds > 0
                && let Woken::Signal(sig) =
                    self.sleep(Duration::from_secs(l.interval_seconds as u64), true)?
            {
                return self.cancelled(sig);
            }
        }
    }

    fn plan(&self) -> Result<QueuePlan, RunnerError> {
        let pending = self.store.pending_items(&self.loop_id)?;
        build_plan(&pending).map_err(|e| RunnerError::Other(e.to_string()))
    }

    /// `max iterations reached (N)` / `max runtime reached (D)` when a limit is hit.
    fn limit_reason(&self, l: &Loop) -> Option<String> {
        if l.max_iterations > 0 && self.iteration_count >= l.max_iterations {
            return Some(format!("max iterations reached ({})", l.max_iterations));
        }
        let elapsed = Timestamp::now().as_second() - self.started.as_second();
        if l.max_runtime_seconds > 0 && elapsed >= l.max_runtime_seconds {
            return Some(format!(
                "max runtime reached ({})",
                format_go_duration(l.max_runtime_seconds)
            ));
        }
        None
    }

    /// Sleeps up to `duration`, returning early for a queued stop or kill, a steer (when
    /// `steer_ends`), or a termination signal. Like the checks during a run, the queue is read
    /// again only when woken or when the database files changed, and a sleep that lasts hands
    /// its idle memory back once.
    fn sleep(&mut self, duration: Duration, steer_ends: bool) -> Result<Woken, RunnerError> {
        let started = Instant::now();
        let deadline = started + duration;
        let mut watched = vec![QueueItemType::StopGraceful, QueueItemType::KillNow];
        if steer_ends {
            watched.push(QueueItemType::SteerMessage);
        }
        let mut gate = ReadGate::default();
        let mut woke = false;
        let mut trimmed = false;
        loop {
            if let Some(sig) = self.signals.received() {
                return Ok(Woken::Signal(sig));
            }
            if gate.should_read(&self.store, woke)
                && self.store.has_pending(&self.loop_id, &watched)?
            {
                let steer_only = !self.store.has_pending(
                    &self.loop_id,
                    &[QueueItemType::StopGraceful, QueueItemType::KillNow],
                )?;
                return Ok(if steer_only {
                    Woken::Steer
                } else {
                    Woken::Control
                });
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(Woken::Elapsed);
            }
            if !trimmed && now - started >= SLEEP_TRIM_AFTER {
                trimmed = true;
                crate::trim::release_idle_memory();
            }
            let wait = deadline.duration_since(now).min(SLEEP_CHECK);
            let timeout = Timespec {
                tv_sec: wait.as_secs() as i64,
                tv_nsec: i64::from(wait.subsec_nanos()),
            };
            woke = {
                let mut fds = [
                    PollFd::from_borrowed_fd(self.wake.fd(), PollFlags::IN),
                    PollFd::from_borrowed_fd(self.signals.fd(), PollFlags::IN),
                ];
                let _ = poll(&mut fds, Some(&timeout));
                !fds[0].revents().is_empty()
            };
            if woke {
                self.wake.drain();
            }
        }
    }

    /// Marks every pending stop/kill item of the loop completed.
    fn complete_controls(&mut self) -> Result<(), RunnerError> {
        let ids: Vec<String> = self
            .store
            .pending_items(&self.loop_id)?
            .into_iter()
            .filter(|i| {
                matches!(
                    i.item_type,
                    QueueItemType::StopGraceful | QueueItemType::KillNow
                )
            })
            .map(|i| i.id)
            .collect();
        self.store
            .finish_items(&ids, QueueItemStatus::Completed, None)?;
        Ok(())
    }

    fn end(
        &mut self,
        state: LoopState,
        last_error: Option<String>,
        line: &str,
    ) -> Result<RunEnd, RunnerError> {
        self.log.line(line);
        let mut update = LoopUpdate {
            state: Some(state),
            ..LoopUpdate::default()
        }
        .unmeta("wait_until");
        if let Some(err) = last_error {
            update.last_error = Some(Some(err));
        }
        self.store.update_loop(&self.loop_id, &update)?;
        Ok(RunEnd {
            state,
            reason: line.to_string(),
        })
    }

    /// Stops the loop with `reason` as its `last_error` and log line.
    fn stop_for(&mut self, reason: String) -> Result<RunEnd, RunnerError> {
        self.end(LoopState::Stopped, Some(reason.clone()), &reason)
    }

    fn fail(&mut self, reason: String) -> Result<RunEnd, RunnerError> {
        self.end(LoopState::Error, Some(reason.clone()), &reason)
    }

    fn cancelled(&mut self, sig: i32) -> Result<RunEnd, RunnerError> {
        let reason = format!("runner terminated by {}", signal_name(sig));
        self.log.line("loop context cancelled");
        self.stop_for(reason)
    }

    fn persist_stop_state(&mut self) -> Result<(), RunnerError> {
        let value = serde_json::to_value(&self.stop_state).unwrap_or_default();
        self.store.update_loop(
            &self.loop_id,
            &LoopUpdate::default().meta("stop_state", value),
        )?;
        Ok(())
    }

    /// Records a finished run on the loop row.
    fn record_iteration(
        &mut self,
        kind_main: bool,
        exit_code: i64,
        error: Option<String>,
    ) -> Result<(), RunnerError> {
        self.iteration_count += 1;
        if kind_main {
            self.stop_state.main_iteration_count += 1;
        } else {
            self.stop_state.qual_iteration_count += 1;
            self.stop_state.qual_last_main_count = self.stop_state.main_iteration_count;
        }
        let finished = now_rfc3339();
        let update = LoopUpdate {
            state: Some(LoopState::Sleeping),
            last_error: Some(error),
            last_run_at: Some(finished),
            last_exit_code: Some(Some(exit_code)),
            ..LoopUpdate::default()
        }
        .meta("iteration_count", json!(self.iteration_count))
        .meta(
            "stop_state",
            serde_json::to_value(&self.stop_state).unwrap_or_default(),
        );
        self.store.update_loop(&self.loop_id, &update)?;
        Ok(())
    }
}
