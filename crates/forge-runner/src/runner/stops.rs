//! Smart stop inside the runner: the quantitative command rule, the judge's verdict, and the
//! progress-aware stall rule (repository unchanged for N iterations → nudge once, then stop).

use std::path::Path;
use std::time::Duration;

use forge_core::events::{
    EventData, JudgeVerdict, LoopStalled, StallAction, StopCause, VerdictKind,
};
use forge_core::model::{JobKind, Loop};
use forge_core::queue::Payload;
use forge_core::stop::{Phase, StopConfig, Verdict, parse_verdict, stall_nudge};

use super::aux::AuxRun;
use super::{Runner, Stop};
use crate::RunnerError;
use crate::exec::Interrupt;

/// What the quantitative rule decided.
pub(super) enum Quant {
    /// Not due, not matched, or matched with decision `continue`.
    Go,
    /// Matched with decision `stop`.
    Stop(Stop),
    /// The check was interrupted (stop, kill, signal); the next pass of the loop acts on why.
    Halted,
}

impl Runner<'_> {
    /// The stop reason once the loop's runs have spent its `--max-cost` / `--max-tokens`.
    pub(super) fn budget_reason(&self, l: &Loop) -> Result<Option<Stop>, RunnerError> {
        let g = &l.guards;
        if g.max_cost_usd <= 0.0 && g.max_tokens <= 0 {
            return Ok(None);
        }
        let totals = self.store.loop_usage_totals(&l.id)?;
        let tokens = totals.input_tokens
            + totals.output_tokens
            + totals.cache_read_tokens
            + totals.cache_write_tokens;
        Ok(g.budget_reason(totals.cost_usd, tokens)
            .map(|reason| Stop::new(StopCause::Budget, reason)))
    }

    /// Runs the quantitative rule when due in `phase`.
    pub(super) fn quant_check(&mut self, l: &Loop, phase: Phase) -> Result<Quant, RunnerError> {
        let Some(quant) = l.stop_rules.quant.as_ref() else {
            return Ok(Quant::Go);
        };
        let index = match phase {
            Phase::Before => self.iteration_count + 1,
            Phase::After => self.iteration_count,
        };
        if !quant.due(index, phase) {
            return Ok(Quant::Go);
        }
        if quant.cmd.trim().is_empty() {
            self.log.line("quant stop not matched: empty cmd");
            return Ok(Quant::Go);
        }
        let timeout =
            (quant.timeout_seconds > 0).then(|| Duration::from_secs(quant.timeout_seconds as u64));
        let spec = self.shell.job(&quant.cmd, &[]).cwd(Path::new(&l.repo_path));
        let out = match self.run_aux(JobKind::QuantCheck, spec, timeout)? {
            AuxRun::NotStarted(e) => {
                self.log.line(&format!("quant stop not matched: {e}"));
                return Ok(Quant::Go);
            }
            AuxRun::Done(out) => out,
        };
        let (exit_code, timed_out) = match &out.finished.stopped {
            Some(Interrupt::TimedOut(_)) => (-1, true),
            Some(why) => {
                self.log.line(&format!(
                    "quant stop check interrupted: {}",
                    why.error_text()
                ));
                return Ok(Quant::Halted);
            }
            None => (out.finished.exit_code(), false),
        };
        if timed_out {
            self.log.line(&format!(
                "quant stop command timed out after {}s",
                quant.timeout_seconds
            ));
        }
        match quant.evaluate(exit_code, &out.stdout_text(), &out.stderr_text()) {
            Ok(()) => {
                let decision = quant.decision;
                self.log.line(&format!(
                    "quant stop matched (decision={decision} exit_code={exit_code})"
                ));
                Ok(if quant.stops() {
                    Quant::Stop(Stop::new(StopCause::QuantRule, "quant stop: matched"))
                } else {
                    Quant::Go
                })
            }
            Err(reason) => {
                self.log.line(&format!("quant stop not matched: {reason}"));
                Ok(Quant::Go)
            }
        }
    }

    /// Reads a judge run's verdict; returns the stop when the loop must stop. The verdict is
    /// recorded (`judge.verdict`) with the loop-row write that follows.
    pub(super) fn judge_verdict(&mut self, rules: &StopConfig, answer: &str) -> Option<Stop> {
        let qual = rules.qual.as_ref()?;
        let (verdict, stop) = match parse_verdict(answer) {
            Verdict::Stop => {
                self.log.line("qual stop signaled stop (0)");
                (
                    VerdictKind::Stop,
                    Some(Stop::new(StopCause::Judge, "qual stop: signaled stop")),
                )
            }
            Verdict::Continue => {
                self.log.line("qual stop signaled continue (1)");
                (VerdictKind::Continue, None)
            }
            Verdict::Invalid => {
                self.log.line(&format!(
                    "qual stop invalid output (on_invalid={})",
                    qual.on_invalid
                ));
                let stop = qual.stop_on_invalid().then(|| {
                    Stop::new(
                        StopCause::Judge,
                        "qual stop: invalid output (expected 0 or 1)",
                    )
                });
                (VerdictKind::Invalid, stop)
            }
        };
        self.decisions.push(EventData::JudgeVerdict(JudgeVerdict {
            r#loop: self.lref.clone(),
            verdict,
            stops: stop.is_some(),
        }));
        stop
    }

    /// After a main run: compares the repository with the previous iteration. After N unchanged
    /// iterations it queues one corrective message; after N more it returns the stop reason.
    pub(super) fn stall_check(&mut self, l: &Loop) -> Result<Option<Stop>, RunnerError> {
        let Some(stall) = l.stop_rules.stall.as_ref().filter(|s| s.iterations > 0) else {
            return Ok(None);
        };
        let fingerprint = self.repo_fingerprint(Path::new(&l.repo_path))?;
        let unchanged = fingerprint.is_some() && fingerprint == self.repo_fingerprint;
        self.repo_fingerprint = fingerprint;
        if !unchanged {
            self.stop_state.stall_unchanged = 0;
            self.stop_state.stall_nudged = false;
            return Ok(None);
        }
        self.stop_state.stall_unchanged += 1;
        if self.stop_state.stall_unchanged < stall.iterations {
            return Ok(None);
        }
        let lref = self.lref.clone();
        let stalled = |action| {
            EventData::LoopStalled(LoopStalled {
                r#loop: lref.clone(),
                unchanged_iterations: stall.iterations,
                action,
            })
        };
        if self.stop_state.stall_nudged {
            self.decisions.push(stalled(StallAction::Stopped));
            return Ok(Some(Stop::new(
                StopCause::Stalled,
                format!(
                    "stalled: no repository change in {} iterations",
                    stall.iterations
                ),
            )));
        }
        self.log.line(&format!(
            "no repository change in {} iterations; sending a corrective message",
            stall.iterations
        ));
        let nudge = Payload::Message {
            text: stall_nudge(stall.iterations),
        };
        let event = stalled(StallAction::Nudged);
        self.store.enqueue_with(&l.id, &[nudge], &[event])?;
        self.stop_state.stall_nudged = true;
        self.stop_state.stall_unchanged = 0;
        Ok(None)
    }
}
