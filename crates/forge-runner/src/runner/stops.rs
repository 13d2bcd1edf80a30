//! Smart stop inside the runner: the quantitative command rule, the judge's verdict, and the
//! progress-aware stall rule (repository unchanged for N iterations → nudge once, then stop).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::time::Duration;

use forge_core::model::Loop;
use forge_core::queue::Payload;
use forge_core::stop::{Phase, StopConfig, Verdict, parse_verdict, stall_nudge};

use super::Runner;
use crate::RunnerError;
use crate::spawn::{capture_output, run_check};

/// The loop's stop configuration (empty when none or unreadable).
pub(crate) fn stop_config(l: &Loop) -> StopConfig {
    l.metadata
        .get("stop_config")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// The loop's guards (empty when none or unreadable).
pub(crate) fn guards(l: &Loop) -> forge_core::stop::Guards {
    l.metadata
        .get("guards")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// A fingerprint of the repository's progress: HEAD plus the working-tree state.
pub(crate) fn repo_fingerprint(repo: &Path) -> Option<u64> {
    let head =
        capture_output("git", &["rev-parse", "--verify", "-q", "HEAD"], repo).unwrap_or_default();
    let status = capture_output(
        "git",
        &["status", "--porcelain", "--untracked-files=all"],
        repo,
    )?;
    let diff = capture_output("git", &["diff", "HEAD"], repo).unwrap_or_default();
    let mut hasher = DefaultHasher::new();
    (head, status, diff).hash(&mut hasher);
    Some(hasher.finish())
}

impl Runner<'_> {
    /// The stop reason once the loop's runs have spent its `--max-cost` / `--max-tokens`.
    pub(super) fn budget_reason(&self, l: &Loop) -> Result<Option<String>, RunnerError> {
        let g = guards(l);
        if g.max_cost_usd <= 0.0 && g.max_tokens <= 0 {
            return Ok(None);
        }
        let totals = self.store.loop_usage_totals(&l.id)?;
        let tokens = totals.input_tokens
            + totals.output_tokens
            + totals.cache_read_tokens
            + totals.cache_write_tokens;
        Ok(g.budget_reason(totals.cost_usd, tokens))
    }

    /// Runs the quantitative rule when due in `phase`; returns the stop reason on a stopping match.
    pub(super) fn quant_check(
        &mut self,
        l: &Loop,
        cfg: &StopConfig,
        phase: Phase,
    ) -> Option<String> {
        let quant = cfg.quant.as_ref()?;
        let index = match phase {
            Phase::Before => self.iteration_count + 1,
            Phase::After => self.iteration_count,
        };
        if !quant.due(index, phase) {
            return None;
        }
        if quant.cmd.trim().is_empty() {
            self.log.line("quant stop not matched: empty cmd");
            return None;
        }
        let timeout =
            (quant.timeout_seconds > 0).then(|| Duration::from_secs(quant.timeout_seconds as u64));
        let out = run_check(&quant.cmd, Path::new(&l.repo_path), timeout);
        if out.timed_out {
            self.log.line(&format!(
                "quant stop command timed out after {}s",
                quant.timeout_seconds
            ));
        }
        match quant.evaluate(out.exit_code, &out.stdout, &out.stderr) {
            Ok(()) => {
                let decision = if quant.stops() { "stop" } else { "continue" };
                self.log.line(&format!(
                    "quant stop matched (decision={decision} exit_code={})",
                    out.exit_code
                ));
                quant.stops().then(|| "quant stop: matched".to_string())
            }
            Err(reason) => {
                self.log.line(&format!("quant stop not matched: {reason}"));
                None
            }
        }
    }

    /// Reads a judge run's verdict; returns the stop reason when the loop must stop.
    pub(super) fn judge_verdict(&mut self, cfg: &StopConfig, answer: &str) -> Option<String> {
        let qual = cfg.qual.as_ref()?;
        match parse_verdict(answer) {
            Verdict::Stop => {
                self.log.line("qual stop signaled stop (0)");
                Some("qual stop: signaled stop".into())
            }
            Verdict::Continue => {
                self.log.line("qual stop signaled continue (1)");
                None
            }
            Verdict::Invalid => {
                let on_invalid = if qual.stop_on_invalid() {
                    "stop"
                } else {
                    "continue"
                };
                self.log.line(&format!(
                    "qual stop invalid output (on_invalid={on_invalid})"
                ));
                qual.stop_on_invalid()
                    .then(|| "qual stop: invalid output (expected 0 or 1)".to_string())
            }
        }
    }

    /// After a main run: compares the repository with the previous iteration. After N unchanged
    /// iterations it queues one corrective message; after N more it returns the stop reason.
    pub(super) fn stall_check(
        &mut self,
        l: &Loop,
        cfg: &StopConfig,
    ) -> Result<Option<String>, RunnerError> {
        let Some(stall) = cfg.stall.as_ref().filter(|s| s.iterations > 0) else {
            return Ok(None);
        };
        let fingerprint = repo_fingerprint(Path::new(&l.repo_path));
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
        if self.stop_state.stall_nudged {
            return Ok(Some(format!(
                "stalled: no repository change in {} iterations",
                stall.iterations
            )));
        }
        self.log.line(&format!(
            "no repository change in {} iterations; sending a corrective message",
            stall.iterations
        ));
        self.store.enqueue(
            &l.id,
            &[Payload::Message {
                text: stall_nudge(stall.iterations),
            }],
        )?;
        self.stop_state.stall_nudged = true;
        self.stop_state.stall_unchanged = 0;
        Ok(None)
    }
}
