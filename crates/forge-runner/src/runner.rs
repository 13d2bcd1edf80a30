//! The iteration state machine of one loop runner.

use std::path::{Path, PathBuf};
use std::time::Duration;

use forge_core::duration::format_go_duration;
use forge_core::events::{EventData, LoopRef, LoopStarted, StopCause};
use forge_core::model::{Loop, LoopState, QueueItemStatus, QueueItemType};
use forge_core::queue::{OperatorMessage, PlannedPause, QueuePlan, build_plan};
use forge_core::slug::slugify;
use forge_core::stop::{Phase, QualStop, StopState};
use forge_core::supervise::Sig;
use forge_core::time::{format_ts, now_rfc3339};
use forge_process::HarnessShell;
use forge_store::{LoopUpdate, Store, StoreError};
use jiff::Timestamp;

use crate::RunnerError;
use crate::exec::Interrupt;
use crate::lock::LoopLock;
use crate::logfile::LoopLog;
use crate::paths::RunnerPaths;
use crate::signals::Signals;
use crate::wake::WakeReceiver;

mod accounting;
mod aux;
mod ending;
mod iteration;
mod record;
mod repo;
mod sleep;
mod stops;

pub(crate) use aux::JOB_MARKER;
pub(crate) use ending::Stop;

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

/// Runs a loop until it stops (or, in [`RunMode::Single`], for one iteration).
pub fn run_loop(paths: &RunnerPaths, loop_id: &str, mode: RunMode) -> Result<RunEnd, RunnerError> {
    let mut lock = match mode {
        RunMode::Background { lock_fd: Some(fd) } => LoopLock::adopt(fd)?,
        _ => LoopLock::try_acquire(paths, loop_id)?
            .ok_or_else(|| RunnerError::AlreadyRunning(loop_id.to_string()))?,
    };
    lock.write_owner(std::process::id(), None)?;
    let store = Store::open(&paths.db_path, paths.busy_timeout_ms)?;
    let name = store.get_loop(loop_id)?.name;
    lock.write_owner(std::process::id(), Some(&name))?;
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
    Signal(Sig),
}

/// What the iteration loop does next.
enum Flow {
    Next,
    End(RunEnd),
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
    shell: HarnessShell,
    started: Timestamp,
    iteration_count: i64,
    stop_state: StopState,
    pending_steer: Vec<OperatorMessage>,
    /// Skip the interval sleep after this iteration (a steer, or a judge run is due).
    skip_sleep: bool,
    /// The repository's progress fingerprint after the previous main iteration (stall rule).
    repo_fingerprint: Option<u64>,
    /// Since when this loop waits for a busy profile (fair slot order); None while not waiting.
    waiting_since: Option<String>,
    /// The repo config as last read, and the file version it came from.
    repo_cache: Option<(repo::FileStamp, repo::RepoSettings)>,
    /// The loop as events name it.
    lref: LoopRef,
    /// Events of decisions made since the last loop-row write (a judge's verdict, the stall
    /// rule), recorded with the next write, which carries the decision out.
    decisions: Vec<EventData>,
    /// The profile and outcome of the last run when it hit a limit (for `loop.failover`).
    last_limit: Option<(String, String)>,
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
            runner_pid: Some(Some(i64::from(std::process::id()))),
            runner_started_at: Some(Some(format_ts(started))),
            iteration_count: Some(0),
            reconciled: Some(None),
            ..LoopUpdate::default()
        }
        .stop_state(&StopState::default())
        .wait_until(None)
        .waiting_since(None)
        .job(None)
        .event(EventData::LoopStarted(LoopStarted {
            r#loop: LoopRef::of(&l),
            runner_pid: std::process::id(),
        }));
        store.update_loop(loop_id, &update)?;
        forge_hooks::ensure_dispatcher(&paths.hook_paths());
        log.line("loop started");
        let mut runner = Self {
            paths,
            store,
            loop_id: loop_id.to_string(),
            single,
            log,
            ledger_path,
            wake,
            signals,
            shell: HarnessShell::current(&paths.data_dir),
            started,
            iteration_count: 0,
            stop_state: StopState::default(),
            pending_steer: Vec::new(),
            skip_sleep: false,
            repo_fingerprint: None,
            waiting_since: None,
            repo_cache: None,
            lref: LoopRef::of(&l),
            decisions: Vec::new(),
            last_limit: None,
        };
        if l.stop_rules.stall.is_some() {
            runner.repo_fingerprint = runner.repo_fingerprint(Path::new(&l.repo_path))?;
        }
        Ok(runner)
    }

    fn run(&mut self) -> Result<RunEnd, RunnerError> {
        loop {
            if let Flow::End(end) = self.iteration()? {
                return Ok(end);
            }
        }
    }

    /// One pass of the algorithm: checks, one harness run (or a pause or a wait), bookkeeping.
    fn iteration(&mut self) -> Result<Flow, RunnerError> {
        if let Some(sig) = self.signals.received() {
            return self.cancelled(sig).map(Flow::End);
        }
        let l = match self.store.get_loop(&self.loop_id) {
            Ok(l) => l,
            Err(StoreError::NotFound { .. }) => {
                self.log.line("loop removed; runner exiting");
                let reason = "loop removed".to_string();
                return Ok(Flow::End(RunEnd {
                    state: LoopState::Stopped,
                    reason,
                }));
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(problem) = l.config_error.clone() {
            return self.fail(problem).map(Flow::End);
        }
        if let Some(stop) = self.limit_reason(&l) {
            return self.stop_for(stop).map(Flow::End);
        }
        let plan = match self.plan() {
            Ok(plan) => plan,
            Err(e) => {
                return self
                    .fail(format!("queue planning error: {e}"))
                    .map(Flow::End);
            }
        };
        if let Some(end) = self.control_in(&plan)? {
            return Ok(Flow::End(end));
        }
        if let Some(pause) = plan.pause.clone().filter(|p| p.before_run) {
            return self
                .pause(&pause)
                .map(|end| end.map_or(Flow::Next, Flow::End));
        }
        match self.quant_check(&l, Phase::Before)? {
            stops::Quant::Stop(stop) => return self.stop_for(stop).map(Flow::End),
            stops::Quant::Halted => return Ok(Flow::Next),
            stops::Quant::Go => {}
        }
        self.run_and_record(&l, plan)
    }

    /// The harness run and everything after it.
    fn run_and_record(&mut self, l: &Loop, mut plan: QueuePlan) -> Result<Flow, RunnerError> {
        let judge = if self.single || plan.override_prompt.is_some() {
            None
        } else {
            l.stop_rules
                .qual
                .clone()
                .filter(|q| q.due(&self.stop_state))
        };
        if !self.pending_steer.is_empty() {
            let mut messages = std::mem::take(&mut self.pending_steer);
            messages.append(&mut plan.messages);
            plan.messages = messages;
        }
        let outcome = match self.iterate(l, &plan, judge.as_ref())? {
            iteration::Step::Ran(outcome) => outcome,
            iteration::Step::Wait(until, reason) => return self.wait_for_profile(until, &reason),
            iteration::Step::Retry => return Ok(Flow::Next),
            iteration::Step::Fatal(reason) => return self.fail(reason).map(Flow::End),
        };
        if let Some(end) = self.after_interrupt(&outcome)? {
            return Ok(Flow::End(end));
        }
        if let Some(end) = self.control_after_run()? {
            return Ok(Flow::End(end));
        }
        let l = self.store.get_loop(&self.loop_id)?;
        if let Some(stop) = self.rules_after_run(&l, judge.as_ref(), &outcome.answer)? {
            return self.stop_for(stop).map(Flow::End);
        }
        if let Some(pause) = plan.pause.clone().filter(|p| !p.before_run) {
            if let Some(end) = self.pause(&pause)? {
                return Ok(Flow::End(end));
            }
            self.skip_sleep = true;
        }
        if self.single {
            return self
                .end(StopCause::SingleRun, None, "single iteration done")
                .map(Flow::End);
        }
        self.interval_sleep(&l)
    }

    /// Acts on how the run was interrupted: a kill or a signal ends the loop, a steer queues
    /// the interrupt context and the message for an immediate next iteration.
    fn after_interrupt(
        &mut self,
        outcome: &iteration::Outcome,
    ) -> Result<Option<RunEnd>, RunnerError> {
        match &outcome.interrupt {
            Some(Interrupt::Kill { .. }) => {
                self.complete_controls()?;
                self.end(StopCause::Kill, None, "run interrupted: kill")
                    .map(Some)
            }
            Some(Interrupt::Signal(sig)) => self.cancelled(*sig).map(Some),
            Some(Interrupt::Steer {
                message,
                created_at,
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
                self.skip_sleep = true;
                Ok(None)
            }
            Some(Interrupt::Stop | Interrupt::TimedOut(_) | Interrupt::Stalled(_)) | None => {
                Ok(None)
            }
        }
    }

    /// A stop or kill that arrived while the harness ran ends the loop right after the run.
    fn control_after_run(&mut self) -> Result<Option<RunEnd>, RunnerError> {
        if let Some(sig) = self.signals.received() {
            return self.cancelled(sig).map(Some);
        }
        for (kind, cause, line) in [
            (QueueItemType::KillNow, StopCause::Kill, "kill queued"),
            (
                QueueItemType::StopGraceful,
                StopCause::Operator,
                "graceful stop queued",
            ),
        ] {
            if self.store.has_pending(&self.loop_id, &[kind])? {
                self.complete_controls()?;
                return self.end(cause, None, line).map(Some);
            }
        }
        Ok(None)
    }

    /// The judge's verdict, the stall rule, budgets, the quantitative check after the run and
    /// the limits; the first stop reason wins.
    fn rules_after_run(
        &mut self,
        l: &Loop,
        judge: Option<&QualStop>,
        answer: &str,
    ) -> Result<Option<Stop>, RunnerError> {
        let verdict = match judge {
            Some(_) => self.judge_verdict(&l.stop_rules, answer),
            None => self.stall_check(l)?,
        };
        if verdict.is_some() {
            return Ok(verdict);
        }
        self.persist_stop_state()?;
        if let Some(stop) = self.budget_reason(l)? {
            return Ok(Some(stop));
        }
        match self.quant_check(l, Phase::After)? {
            stops::Quant::Stop(stop) => return Ok(Some(stop)),
            stops::Quant::Halted => return Ok(None),
            stops::Quant::Go => {}
        }
        let judge_due = l
            .stop_rules
            .qual
            .as_ref()
            .is_some_and(|q| q.due(&self.stop_state));
        if judge.is_none() && !self.single && judge_due {
            self.log
                .line("qual stop due; running immediately (next iteration)");
            self.skip_sleep = true;
        }
        Ok(self.limit_reason(l))
    }

    fn plan(&self) -> Result<QueuePlan, RunnerError> {
        let pending = self.store.pending_items(&self.loop_id)?;
        build_plan(&pending).map_err(|e| RunnerError::Other(e.to_string()))
    }

    /// A stop or kill found by the queue plan.
    fn control_in(&mut self, plan: &QueuePlan) -> Result<Option<RunEnd>, RunnerError> {
        let (cause, line) = match (plan.kill, plan.stop) {
            (true, _) => (StopCause::Kill, "kill requested"),
            (false, true) => (StopCause::Operator, "graceful stop requested"),
            (false, false) => return Ok(None),
        };
        self.complete_controls()?;
        self.end(cause, None, line).map(Some)
    }

    /// `max iterations reached (N)` / `max runtime reached (D)` when a limit is hit.
    fn limit_reason(&self, l: &Loop) -> Option<Stop> {
        if l.max_iterations > 0 && self.iteration_count >= l.max_iterations {
            return Some(Stop::new(
                StopCause::MaxIterations,
                format!("max iterations reached ({})", l.max_iterations),
            ));
        }
        let elapsed = Timestamp::now().as_second() - self.started.as_second();
        if l.max_runtime_seconds > 0 && elapsed >= l.max_runtime_seconds {
            return Some(Stop::new(
                StopCause::MaxRuntime,
                format!(
                    "max runtime reached ({})",
                    format_go_duration(l.max_runtime_seconds)
                ),
            ));
        }
        None
    }

    /// Sleeps out a pause item and marks it completed; ends the loop on a stop, kill or signal.
    fn pause(&mut self, pause: &PlannedPause) -> Result<Option<RunEnd>, RunnerError> {
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
        match woken {
            Woken::Signal(sig) => self.cancelled(sig).map(Some),
            _ => Ok(None),
        }
    }

    /// The interval sleep between iterations (skipped after a steer or when a judge is due).
    fn interval_sleep(&mut self, l: &Loop) -> Result<Flow, RunnerError> {
        if std::mem::take(&mut self.skip_sleep) || l.interval_seconds <= 0 {
            return Ok(Flow::Next);
        }
        match self.sleep(Duration::from_secs(l.interval_seconds as u64), true)? {
            Woken::Signal(sig) => self.cancelled(sig).map(Flow::End),
            _ => Ok(Flow::Next),
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

    fn persist_stop_state(&mut self) -> Result<(), RunnerError> {
        let update = LoopUpdate::default().stop_state(&self.stop_state);
        self.write_loop(update)
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
        let update = LoopUpdate {
            state: Some(LoopState::Sleeping),
            last_error: Some(error),
            last_run_at: Some(now_rfc3339()),
            last_exit_code: Some(Some(exit_code)),
            iteration_count: Some(self.iteration_count),
            ..LoopUpdate::default()
        }
        .stop_state(&self.stop_state);
        self.store.update_loop(&self.loop_id, &update)?;
        Ok(())
    }
}
