//! One harness iteration, second half: deliver the prompt, run the harness under the runner's
//! watch, then record the run row, the loop row, the profile's cooldown, the consumed queue
//! items and the ledger entry.

use std::path::{Path, PathBuf};
use std::time::Duration;

use forge_core::events::{EventData, RunRateLimited};
use forge_core::ledger::LedgerEntry;
use forge_core::model::{Loop, LoopRun, LoopState, Profile, QueueItemStatus, RunStatus};
use forge_core::queue::QueuePlan;
use forge_core::time::{format_ts, now_rfc3339};
use forge_harness::parse::{Outcome as ParsedOutcome, RunReport};
use forge_harness::{BuiltCommand, CommandInput, PromptDelivery, build_command};
use forge_store::{LoopUpdate, RunFinish};
use serde_json::Map;

use super::Runner;
use super::accounting::{ParseObserver, ledger_fields, status_of, usage_of};
use super::iteration::{Outcome, Prompt, Step};
use super::repo::RepoSettings;
use crate::RunnerError;
use crate::exec::{ExecResult, execute};
use crate::logfile::create_private_dir;
use crate::watch::{RunLimits, RunWatch, Watched};

/// Everything decided about a run before it starts.
pub(super) struct PlannedRun<'a> {
    pub(super) l: &'a Loop,
    pub(super) plan: &'a QueuePlan,
    pub(super) profile: &'a Profile,
    pub(super) run: &'a LoopRun,
    pub(super) prompt: &'a Prompt,
    /// The prompt as the harness gets it.
    pub(super) composed: &'a str,
    /// A judge iteration (a stop ends it).
    pub(super) judge: bool,
    pub(super) settings: &'a RepoSettings,
}

impl Runner<'_> {
    /// Builds the command and writes the prompt file when the delivery needs one.
    fn prepare(&mut self, p: &PlannedRun<'_>) -> Result<Result<BuiltCommand, String>, RunnerError> {
        let prompt_file = self.paths.prompt_file(&p.l.id, &p.run.id);
        let repo = PathBuf::from(&p.l.repo_path);
        let built = build_command(&CommandInput {
            profile: p.profile,
            loop_id: &p.l.id,
            loop_name: &p.l.name,
            repo_path: &repo,
            run_id: &p.run.id,
            prompt: p.composed,
            prompt_file: &prompt_file,
        });
        let prepared = built.map_err(|e| e.to_string()).and_then(|cmd| {
            if let PromptDelivery::File(path) | PromptDelivery::StdinAndFile(path) = &cmd.delivery {
                write_prompt_file(path, p.composed)?;
            }
            Ok(cmd)
        });
        if let Err(reason) = &prepared {
            let finish = RunFinish {
                status: RunStatus::Error,
                exit_code: Some(-1),
                output_tail: reason.clone(),
                metadata: Map::new(),
                outcome: None,
                usage: None,
                reason: Some(reason.clone()),
                events: Vec::new(),
            };
            self.store.finish_run(&p.run.id, &finish)?;
        }
        Ok(prepared)
    }

    /// Runs the harness of a claimed run and records everything about it.
    pub(super) fn run_harness(&mut self, p: &PlannedRun<'_>) -> Result<Step, RunnerError> {
        let cmd = match self.prepare(p)? {
            Ok(cmd) => cmd,
            Err(reason) => return Ok(Step::Fatal(format!("prompt delivery error: {reason}"))),
        };
        if let PromptDelivery::StdinAndFile(path) = &cmd.delivery {
            self.log.line(&format!(
                "prompt is {} bytes, too large for the environment; delivered on stdin and in {}",
                p.composed.len(),
                path.display()
            ));
        }
        let update = LoopUpdate::state(LoopState::Running)
            .waiting_since(None)
            .wait_until(None);
        self.store.update_loop(&p.l.id, &update)?;
        self.log.line(&format!(
            "run {} start (profile={})",
            p.run.id, p.profile.name
        ));
        let mut observer = ParseObserver::new(&p.profile.harness);
        let result = {
            let watched = Watched::Harness {
                run_id: &p.run.id,
                consumed: &p.plan.consumed_ids,
                limits: run_limits(p.l),
                stop_ends: p.judge,
            };
            let mut watch = RunWatch::new(
                &mut self.store,
                &mut self.wake,
                &mut self.signals,
                &p.l.id,
                watched,
            );
            execute(
                &self.shell,
                &cmd,
                Path::new(&p.l.repo_path),
                &mut self.log,
                &mut watch,
                &mut observer,
            )
        };
        let report = observer.finish(result.exit_code, result.interrupt.as_ref(), &result.tail);
        self.record(p, &result, &report)?;
        self.wake_next_waiter(p.profile);
        // Hooks are delivered by the dispatcher, off this loop's path; this only makes sure one
        // runs (a `stat`, and a lock probe while hooks exist).
        forge_hooks::ensure_dispatcher(&self.paths.hook_paths());
        let answer = report
            .final_text
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| result.tail.clone());
        Ok(Step::Ran(Outcome {
            interrupt: result.interrupt,
            tail: result.tail,
            answer,
        }))
    }

    /// The run row, the loop row, the cooldown, the consumed items and the ledger.
    fn record(
        &mut self,
        p: &PlannedRun<'_>,
        result: &ExecResult,
        report: &RunReport,
    ) -> Result<(), RunnerError> {
        let status = status_of(report, result.interrupt.is_some());
        let mut error_text = result.error_text.clone();
        if status != RunStatus::Success && error_text.is_none() {
            error_text = Some(match &report.outcome {
                ParsedOutcome::Error { message } if !message.is_empty() => message.clone(),
                other => other.kind().to_string(),
            });
        }
        let detail = error_text
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        self.log.line(&format!(
            "run {} {status} (exit {}{detail})",
            p.run.id, result.exit_code
        ));
        let metadata = serde_json::to_value(&report.outcome)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .map(|o| {
                [("outcome".to_string(), serde_json::Value::Object(o))]
                    .into_iter()
                    .collect()
            })
            .unwrap_or_default();
        let finish = RunFinish {
            status,
            exit_code: Some(result.exit_code),
            output_tail: result.tail.clone(),
            metadata,
            outcome: Some(report.outcome.kind().to_string()),
            usage: usage_of(report),
            reason: error_text.clone(),
            events: self.limit_events(p, report),
        };
        self.store.finish_run(&p.run.id, &finish)?;
        self.record_iteration(!p.judge, result.exit_code, error_text)?;
        self.apply_outcome(p.profile, report)?;
        self.store
            .finish_items(&p.plan.consumed_ids, QueueItemStatus::Completed, None)?;
        self.append_ledger(p, status, result, report)
    }

    fn append_ledger(
        &mut self,
        p: &PlannedRun<'_>,
        status: RunStatus,
        result: &ExecResult,
        report: &RunReport,
    ) -> Result<(), RunnerError> {
        let repo = Path::new(&p.l.repo_path);
        let (git_status, git_diff_stat) =
            self.git_summary(repo, p.settings.git_status, p.settings.git_diff_stat)?;
        let entry = LedgerEntry {
            written_at: now_rfc3339(),
            run_id: p.run.id.clone(),
            loop_name: p.l.name.clone(),
            status: status.to_string(),
            profile: p.profile.name.clone(),
            harness: p.profile.harness.clone(),
            auth_kind: p.profile.auth_kind.clone().unwrap_or_default(),
            prompt_source: p.prompt.source.into(),
            prompt_path: p
                .prompt
                .path
                .as_ref()
                .map(|x| x.display().to_string())
                .unwrap_or_default(),
            prompt_override: p.prompt.is_override,
            started_at: p.run.started_at.clone(),
            finished_at: Some(now_rfc3339()),
            exit_code: Some(result.exit_code),
            extra_fields: ledger_fields(report),
            output_tail: result.tail.clone(),
            git_status,
            git_diff_stat,
        };
        if let Err(e) = crate::ledger::append(&self.ledger_path, &entry) {
            self.log.line(&format!("ledger append failed: {e}"));
        }
        Ok(())
    }

    /// `run.rate_limited` for a rate-limited run; remembers a limit for `loop.failover`.
    fn limit_events(&mut self, p: &PlannedRun<'_>, report: &RunReport) -> Vec<EventData> {
        let limited = matches!(
            report.outcome,
            ParsedOutcome::RateLimited { .. }
                | ParsedOutcome::Overloaded
                | ParsedOutcome::AuthFailed
        );
        self.last_limit =
            limited.then(|| (p.profile.name.clone(), report.outcome.kind().to_string()));
        let ParsedOutcome::RateLimited { resets_at, window } = &report.outcome else {
            return Vec::new();
        };
        vec![EventData::RunRateLimited(RunRateLimited {
            r#loop: self.lref.clone(),
            run: p.run.id.clone(),
            profile: Some(p.profile.name.clone()),
            resets_at: resets_at.map(format_ts),
            window: window.clone(),
        })]
    }

    /// A run slot of `profile` is free again: wake the loop that has waited longest for it, so
    /// it does not sleep out its re-check interval.
    fn wake_next_waiter(&mut self, profile: &Profile) {
        if profile.max_concurrency <= 0 {
            return;
        }
        let Ok(waiters) = self.store.earlier_waiters(&self.loop_id, None, &profile.id) else {
            return;
        };
        if let Some(next) = waiters
            .iter()
            .find(|id| crate::lock::runner_alive(self.paths, id))
        {
            crate::wake::wake(self.paths, next);
        }
    }
}

/// The loop's run and idle timeouts.
fn run_limits(l: &Loop) -> RunLimits {
    let secs = |s: i64| (s > 0).then(|| Duration::from_secs(s as u64));
    RunLimits {
        run_timeout: secs(l.guards.run_timeout_seconds),
        idle_timeout: secs(l.guards.idle_timeout_seconds),
    }
}

fn write_prompt_file(path: &Path, prompt: &str) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent() {
        create_private_dir(parent).map_err(|e| e.to_string())?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(prompt.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}
