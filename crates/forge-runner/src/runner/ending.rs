//! How a runner ends a loop: the loop row's final state and the event that says why
//! (`loop.stopped` with its cause, `loop.errored`), written together with the decisions that
//! led there.

use forge_core::events::{EventData, LoopErrored, LoopStopped, StopCause};
use forge_core::model::LoopState;
use forge_core::supervise::Sig;
use forge_store::LoopUpdate;

use super::{RunEnd, Runner};
use crate::RunnerError;

/// Why the loop stops, as recorded in `loop.stopped` and `last_error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stop {
    pub(crate) cause: StopCause,
    pub(crate) reason: String,
}

impl Stop {
    pub(crate) fn new(cause: StopCause, reason: impl Into<String>) -> Self {
        Stop {
            cause,
            reason: reason.into(),
        }
    }
}

impl Runner<'_> {
    /// Stops the loop: state `stopped`, `loop.stopped` with its cause, the log line.
    pub(super) fn end(
        &mut self,
        cause: StopCause,
        last_error: Option<String>,
        line: &str,
    ) -> Result<RunEnd, RunnerError> {
        let stopped = EventData::LoopStopped(LoopStopped {
            r#loop: self.lref.clone(),
            cause,
            reason: last_error.clone().unwrap_or_else(|| line.to_string()),
            iterations: self.iteration_count,
        });
        self.finish(LoopState::Stopped, last_error, line, stopped)
    }

    fn finish(
        &mut self,
        state: LoopState,
        last_error: Option<String>,
        line: &str,
        event: EventData,
    ) -> Result<RunEnd, RunnerError> {
        self.log.line(line);
        let mut update = LoopUpdate::state(state)
            .wait_until(None)
            .waiting_since(None);
        if let Some(err) = last_error {
            update.last_error = Some(Some(err));
        }
        self.write_loop(update.event(event))?;
        forge_hooks::ensure_dispatcher(&self.paths.hook_paths());
        Ok(RunEnd {
            state,
            reason: line.to_string(),
        })
    }

    /// Writes the loop row with the decisions that led to this write.
    pub(super) fn write_loop(&mut self, mut update: LoopUpdate) -> Result<(), RunnerError> {
        let mut events = std::mem::take(&mut self.decisions);
        events.append(&mut update.events);
        update.events = events;
        self.store.update_loop(&self.loop_id, &update)?;
        Ok(())
    }

    /// Stops the loop with the stop's reason as its `last_error` and log line.
    pub(super) fn stop_for(&mut self, stop: Stop) -> Result<RunEnd, RunnerError> {
        self.end(stop.cause, Some(stop.reason.clone()), &stop.reason)
    }

    pub(super) fn fail(&mut self, reason: String) -> Result<RunEnd, RunnerError> {
        let errored = EventData::LoopErrored(LoopErrored {
            r#loop: self.lref.clone(),
            reason: reason.clone(),
        });
        self.finish(LoopState::Error, Some(reason.clone()), &reason, errored)
    }

    pub(super) fn cancelled(&mut self, sig: Sig) -> Result<RunEnd, RunnerError> {
        self.log.line("loop context cancelled");
        let reason = format!("runner terminated by {sig}");
        self.end(StopCause::Signal, Some(reason.clone()), &reason)
    }
}
