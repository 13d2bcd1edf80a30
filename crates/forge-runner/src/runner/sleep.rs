//! Waiting without a child: the interval sleep, pauses, and waiting for a profile. Every wait
//! watches the wake-up FIFO, the termination signals and (gated by the database's change
//! stamp) the queue, so a stop or kill ends it at once.

use std::time::{Duration, Instant};

use forge_core::events::{EventData, LoopWaiting};
use forge_core::model::{LoopState, QueueItemType};
use forge_core::time::format_ts;
use forge_store::{LoopUpdate, ReadGate};
use jiff::Timestamp;
use rustix::event::{PollFd, PollFlags, Timespec, poll};

use super::{Flow, Runner, Woken};
use crate::RunnerError;

/// Longest wait for a profile before selection is tried again.
const WAIT_RECHECK_SECONDS: i64 = 10;

/// Longest single wait inside a sleep before the queue is checked again.
const SLEEP_CHECK: Duration = Duration::from_millis(500);

/// How long a sleep lasts before the runner hands its idle memory back (see [`crate::trim`]).
const SLEEP_TRIM_AFTER: Duration = Duration::from_secs(1);

impl Runner<'_> {
    /// Sleeps up to `duration`, returning early for a queued stop or kill, a steer (when
    /// `steer_ends`), or a termination signal. The queue is read again only when woken or when
    /// the database files changed, and a sleep that lasts hands its idle memory back once.
    pub(super) fn sleep(
        &mut self,
        duration: Duration,
        steer_ends: bool,
    ) -> Result<Woken, RunnerError> {
        self.sleep_until_woken(duration, steer_ends, false)
    }

    /// [`Runner::sleep`]; with `any_wake`, any wake-up ends it ([`Woken::Control`] when a stop
    /// or kill is queued, else [`Woken::Elapsed`]), as a waiting loop must retry at once when a
    /// profile slot frees up.
    pub(super) fn sleep_until_woken(
        &mut self,
        duration: Duration,
        steer_ends: bool,
        any_wake: bool,
    ) -> Result<Woken, RunnerError> {
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
                let control = self.store.has_pending(
                    &self.loop_id,
                    &[QueueItemType::StopGraceful, QueueItemType::KillNow],
                )?;
                return Ok(if control {
                    Woken::Control
                } else {
                    Woken::Steer
                });
            }
            if woke && any_wake {
                return Ok(Woken::Elapsed);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(Woken::Elapsed);
            }
            if !self.paths.db_path.exists() {
                // The data dir was removed (a deleted test home, `rm -rf ~/.local/share/forge`):
                // nothing can be recorded any more, so the runner ends instead of idling forever.
                self.log.line("database removed; runner exiting");
                return Err(RunnerError::DatabaseGone(
                    self.paths.db_path.display().to_string(),
                ));
            }
            if !trimmed && now - started >= SLEEP_TRIM_AFTER {
                trimmed = true;
                self.store.release_memory(true);
                crate::trim::release_idle_memory();
            }
            woke = self.poll_wake(deadline.duration_since(now).min(SLEEP_CHECK));
        }
    }

    /// Waits on the wake-up FIFO and the signal pipe; true when woken.
    fn poll_wake(&mut self, wait: Duration) -> bool {
        let timeout = Timespec {
            tv_sec: wait.as_secs() as i64,
            tv_nsec: i64::from(wait.subsec_nanos()),
        };
        let woke = {
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
        woke
    }

    /// No profile is available: the loop is `waiting` until `until` (re-checking at least every
    /// [`WAIT_RECHECK_SECONDS`], and at once when woken, e.g. by a run that freed a slot).
    /// `loop.waiting` is recorded once when the wait begins, not at every re-check.
    pub(super) fn wait_for_profile(
        &mut self,
        until: Timestamp,
        reason: &str,
    ) -> Result<Flow, RunnerError> {
        let text = format!(
            "waiting for profile availability until {}",
            format_ts(until)
        );
        self.log.line(&format!("{text} ({reason})"));
        let begins = self.waiting_since.is_none();
        let since = self
            .waiting_since
            .get_or_insert_with(|| {
                let now = Timestamp::now();
                format!(
                    "{}.{:06}Z",
                    now.strftime("%Y-%m-%dT%H:%M:%S"),
                    now.subsec_microsecond()
                )
            })
            .clone();
        let mut update = LoopUpdate::state_with_error(LoopState::Waiting, text)
            .wait_until(Some(format_ts(until)))
            .waiting_since(Some(since));
        if begins {
            update = update.event(EventData::LoopWaiting(LoopWaiting {
                r#loop: self.lref.clone(),
                until: format_ts(until),
                reason: reason.to_string(),
            }));
        }
        self.write_loop(update)?;
        let secs =
            (until.as_second() - Timestamp::now().as_second()).clamp(1, WAIT_RECHECK_SECONDS);
        match self.sleep_until_woken(Duration::from_secs(secs as u64), false, true)? {
            Woken::Signal(sig) => self.cancelled(sig).map(Flow::End),
            _ => Ok(Flow::Next),
        }
    }
}
