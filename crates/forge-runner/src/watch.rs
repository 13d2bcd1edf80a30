//! What a runner watches while one of its children runs: its wake-up FIFO, its termination
//! signals and its loop's queue. One [`RunWatch`] is the `forge_process::Control` of every
//! child the runner starts, so `forge kill` ends any of them at once, `forge stop` ends any of
//! them but a main harness run (which it lets finish, as the reference does), and a SIGTERM to
//! the runner ends whatever runs.

use std::os::fd::BorrowedFd;
use std::time::Duration;

use forge_core::model::{ChildJob, QueueItem, QueueItemStatus, QueueItemType};
use forge_core::queue::Payload;
use forge_process::{Check, Control, StopPolicy};
use forge_store::{LoopUpdate, ReadGate, Store};

use crate::exec::Interrupt;
use crate::signals::Signals;
use crate::wake::WakeReceiver;

/// How often the queue is checked while a child runs (a wake-up makes it sooner).
pub(crate) const CHECK_INTERVAL: Duration = Duration::from_millis(250);

/// When, into a run, the runner hands idle memory back (see [`crate::trim`]): at the first
/// queue check, and once the database has been quiet long enough that the checks stop querying
/// it. Runs shorter than the first point never pay for it.
const TRIM_AT: [Duration; 2] = [CHECK_INTERVAL, Duration::from_secs(1)];

/// Time limits of one harness run.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RunLimits {
    pub(crate) run_timeout: Option<Duration>,
    pub(crate) idle_timeout: Option<Duration>,
}

/// Which child is watched.
pub(crate) enum Watched<'a> {
    /// A harness run: its row id, the queue items its prompt consumed (steers among them are
    /// not interrupts), its limits, and whether `forge stop` ends it (a judge iteration).
    Harness {
        run_id: &'a str,
        consumed: &'a [String],
        limits: RunLimits,
        stop_ends: bool,
    },
    /// An auxiliary child (a stop check, git) recorded on the loop row as `job`, stopped after
    /// `timeout` if it has one.
    Aux {
        job: ChildJob,
        timeout: Option<Duration>,
    },
}

/// The control of one child of the runner.
pub(crate) struct RunWatch<'a> {
    pub(crate) store: &'a mut Store,
    pub(crate) wake: &'a mut WakeReceiver,
    pub(crate) signals: &'a mut Signals,
    pub(crate) loop_id: &'a str,
    pub(crate) watched: Watched<'a>,
    gate: ReadGate,
    trims_done: usize,
}

impl<'a> RunWatch<'a> {
    pub(crate) fn new(
        store: &'a mut Store,
        wake: &'a mut WakeReceiver,
        signals: &'a mut Signals,
        loop_id: &'a str,
        watched: Watched<'a>,
    ) -> Self {
        RunWatch {
            store,
            wake,
            signals,
            loop_id,
            watched,
            gate: ReadGate::default(),
            trims_done: 0,
        }
    }

    /// The child started as process group `pgid`: record it where reconciliation looks.
    pub(crate) fn started(&mut self, pgid: i32) {
        let recorded = match &mut self.watched {
            Watched::Harness { run_id, .. } => self.store.set_run_pgid(run_id, i64::from(pgid)),
            Watched::Aux { job, .. } => {
                job.pgid = Some(i64::from(pgid));
                let update = LoopUpdate::default().job(Some(job.clone()));
                self.store.update_loop(self.loop_id, &update)
            }
        };
        if let Err(e) = recorded {
            // Reconciliation still finds the child by the marker in its environment.
            tracing::warn!(
                loop_id = self.loop_id,
                pgid,
                "could not record child process group: {e}"
            );
        }
    }

    fn stop_ends(&self) -> bool {
        match &self.watched {
            Watched::Harness { stop_ends, .. } => *stop_ends,
            Watched::Aux { .. } => true,
        }
    }

    /// The queue's verdict: a kill, a stop (when it ends this child) or a steer (harness runs);
    /// only a kill while a stop is under way (a steer taken then would be lost).
    fn queue_verdict(&mut self, woken: bool, stopping: bool) -> Option<(StopPolicy, Interrupt)> {
        if !self.gate.should_read(self.store, woken) {
            return None;
        }
        let pending = self.store.pending_items(self.loop_id).ok()?;
        let find = |t: QueueItemType| pending.iter().find(|i| i.item_type == t);
        if let Some(item) = find(QueueItemType::KillNow) {
            let reason = match Payload::from_json(item.item_type, &item.payload) {
                Ok(Payload::Kill { reason }) => reason,
                _ => None,
            };
            let reason = reason.unwrap_or_else(|| "operator".into());
            return Some((StopPolicy::KILL, Interrupt::Kill { reason }));
        }
        if stopping {
            return None;
        }
        if self.stop_ends() && find(QueueItemType::StopGraceful).is_some() {
            return Some((StopPolicy::GRACEFUL, Interrupt::Stop));
        }
        let Watched::Harness { consumed, .. } = &self.watched else {
            return None;
        };
        let steer = pending
            .iter()
            .find(|i| i.item_type == QueueItemType::SteerMessage && !consumed.contains(&i.id))?;
        self.take_steer(steer.clone())
    }

    fn take_steer(&mut self, item: QueueItem) -> Option<(StopPolicy, Interrupt)> {
        let Ok(Payload::Steer { message }) = Payload::from_json(item.item_type, &item.payload)
        else {
            return None;
        };
        if let Err(e) = self.store.finish_items(
            std::slice::from_ref(&item.id),
            QueueItemStatus::Completed,
            None,
        ) {
            tracing::warn!(
                loop_id = self.loop_id,
                "could not mark steer item completed: {e}"
            );
        }
        Some((
            StopPolicy::GRACEFUL,
            Interrupt::Steer {
                message,
                created_at: item.created_at,
            },
        ))
    }

    fn limit_verdict(&self, at: Check) -> Option<(StopPolicy, Interrupt)> {
        let limits = match &self.watched {
            Watched::Harness { limits, .. } => *limits,
            Watched::Aux { timeout, .. } => RunLimits {
                run_timeout: *timeout,
                idle_timeout: None,
            },
        };
        let over = |limit: Option<Duration>, spent: Duration| limit.filter(|d| spent >= *d);
        if let Some(d) = over(limits.run_timeout, at.elapsed) {
            return Some((
                StopPolicy::GRACEFUL,
                Interrupt::TimedOut(d.as_secs() as i64),
            ));
        }
        over(limits.idle_timeout, at.idle)
            .map(|d| (StopPolicy::GRACEFUL, Interrupt::Stalled(d.as_secs() as i64)))
    }

    fn maybe_trim(&mut self, at: Check) {
        if !matches!(self.watched, Watched::Harness { .. }) {
            return;
        }
        if TRIM_AT
            .get(self.trims_done)
            .is_some_and(|point| at.elapsed >= *point)
        {
            self.trims_done += 1;
            // Compiled statements go only at the last trim: a run that lasts that long does not
            // notice compiling them again, a quick one keeps them.
            self.store.release_memory(self.trims_done == TRIM_AT.len());
            crate::trim::release_idle_memory();
        }
    }
}

impl Control for RunWatch<'_> {
    type Reason = Interrupt;

    fn wake_fds(&self) -> Vec<BorrowedFd<'_>> {
        vec![self.wake.fd(), self.signals.fd()]
    }

    fn interval(&self) -> Duration {
        CHECK_INTERVAL
    }

    fn check(&mut self, at: Check) -> Option<(StopPolicy, Interrupt)> {
        if at.woken {
            self.wake.drain();
        }
        self.maybe_trim(at);
        if let Some(sig) = self.signals.received() {
            return Some((StopPolicy::GRACEFUL, Interrupt::Signal(sig)));
        }
        self.queue_verdict(at.woken, at.stopping)
            .or_else(|| self.limit_verdict(at))
    }
}
