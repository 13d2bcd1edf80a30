//! One harness iteration: pick a profile, compose the prompt, run, record.

use std::path::{Path, PathBuf};

use forge_core::ids::new_id;
use forge_core::ledger::LedgerEntry;
use forge_core::model::{Loop, LoopRun, Profile, QueueItemStatus, QueueItemType, RunStatus};
use forge_core::prompt::{compose, loop_context_block};
use forge_core::queue::{Payload, QueuePlan};
use forge_core::selection::{Candidate, Selection, ramping, select_pinned, select_round_robin};
use forge_core::stop::{JUDGE_INSTRUCTION, QualStop};
use forge_core::time::now_rfc3339;
use forge_harness::{CommandInput, PromptDelivery, build_command};
use forge_store::{ReadGate, RunFinish, Store, StoreError};
use jiff::Timestamp;
use serde_json::{Map, json};

use super::Runner;
use super::accounting::{ParseObserver, ledger_fields, status_of, usage_of};
use crate::RunnerError;
use crate::exec::{Interrupt, RunHooks, RunLimits, Waiters, execute};
use crate::logfile::create_private_dir;
use crate::prompts::{read_base_prompt, read_prompt_file};

/// What one call to [`Runner::iterate`] did.
pub(crate) enum Step {
    /// A harness ran.
    Ran(Outcome),
    /// No profile is available until the given time.
    Wait(Timestamp, String),
    /// Lost a race for a profile slot; plan again.
    Retry,
    /// The loop cannot go on (state `error`).
    Fatal(String),
}

/// The parts of a finished run the runner still needs.
pub(crate) struct Outcome {
    pub(crate) interrupt: Option<Interrupt>,
    pub(crate) tail: String,
    /// The harness's final answer: for structured harnesses the result text read by its
    /// parser, for plain ones the output tail.
    pub(crate) answer: String,
}

/// Hooks the executor calls while the harness runs.
struct Hooks<'s> {
    store: &'s mut Store,
    loop_id: &'s str,
    run_id: &'s str,
    consumed: &'s [String],
    /// Skips queue reads while the database is unchanged.
    gate: ReadGate,
}

impl RunHooks for Hooks<'_> {
    fn started(&mut self, pgid: i32) {
        let _ = self.store.set_run_pgid(self.run_id, i64::from(pgid));
    }

    fn check(&mut self, woken: bool) -> Option<Interrupt> {
        // Unwoken checks read the queue only if someone may have written to the database since
        // the last read: two `stat` calls instead of a query on every tick.
        if !self.gate.should_read(self.store, woken) {
            return None;
        }
        let pending = self.store.pending_items(self.loop_id).ok()?;
        let item = pending
            .iter()
            .find(|i| i.item_type == QueueItemType::KillNow)
            .or_else(|| {
                pending.iter().find(|i| {
                    i.item_type == QueueItemType::SteerMessage && !self.consumed.contains(&i.id)
                })
            })?;
        let interrupt = match Payload::from_json(item.item_type, &item.payload).ok()? {
            Payload::Kill { reason } => Interrupt::Kill {
                reason: reason.unwrap_or_else(|| "operator".into()),
            },
            Payload::Steer { message } => Interrupt::Steer {
                item_id: item.id.clone(),
                message,
                created_at: item.created_at.clone(),
            },
            _ => return None,
        };
        if matches!(interrupt, Interrupt::Steer { .. }) {
            let _ = self.store.finish_items(
                std::slice::from_ref(&item.id),
                QueueItemStatus::Completed,
                None,
            );
        }
        Some(interrupt)
    }
}

impl Runner<'_> {
    fn select_profile(&mut self, l: &Loop) -> Result<Result<Selection, String>, RunnerError> {
        let now = Timestamp::now();
        if let Some(profile_id) = &l.profile_id {
            let profile = match self.store.get_profile(profile_id) {
                Ok(p) => p,
                Err(StoreError::NotFound { .. }) => {
                    return Ok(Err(
                        "pinned profile no longer exists; resume with a new --profile".into(),
                    ));
                }
                Err(e) => return Err(e.into()),
            };
            let candidate = self.candidate(profile, now)?;
            return Ok(Ok(select_pinned(&candidate, now)));
        }
        let pool = match &l.pool_id {
            Some(id) => match self.store.resolve_pool(id) {
                Ok(p) => p,
                Err(StoreError::NotFound { .. }) => {
                    return Ok(Err("pool unavailable: the loop's pool was removed".into()));
                }
                Err(e) => return Err(e.into()),
            },
            None => match self.store.default_pool()? {
                Some(p) => p,
                None => {
                    return Ok(Err(
                        "pool unavailable: no default pool (create one with `forge pool create default`)".into(),
                    ));
                }
            },
        };
        let members = self.store.list_pool_members(&pool.id)?;
        if members.is_empty() {
            return Ok(Err(format!(
                "pool unavailable: pool {:?} has no profiles (add one with `forge pool add {} <profile>`)",
                pool.name, pool.name
            )));
        }
        let mut candidates = Vec::with_capacity(members.len());
        for m in members {
            candidates.push(self.candidate(m.profile, now)?);
        }
        let last = pool
            .metadata
            .get("last_index")
            .and_then(serde_json::Value::as_i64);
        let selection = select_round_robin(&candidates, last, now);
        if let Selection::Selected {
            index: Some(index), ..
        } = &selection
        {
            self.store.set_pool_cursor(&pool.id, *index)?;
        }
        Ok(Ok(selection))
    }

    /// A profile with what selection needs to know: runs in flight and, while the profile is
    /// being re-admitted after a cooldown, its starts in the last minute.
    fn candidate(&self, profile: Profile, now: Timestamp) -> Result<Candidate, RunnerError> {
        let running = self.store.count_running_by_profile(&profile.id)?;
        let recent_starts = if ramping(&profile, now) {
            let since = forge_core::time::format_ts(forge_core::time::add_seconds(now, -60));
            self.store.count_runs_started_since(&profile.id, &since)?
        } else {
            0
        };
        Ok(Candidate {
            profile,
            running,
            recent_starts,
        })
    }

    /// The prompt text, its source file, its source kind and whether it overrides the base.
    fn resolve_prompt(
        &self,
        l: &Loop,
        plan: &QueuePlan,
    ) -> Result<(String, Option<PathBuf>, &'static str, bool), String> {
        let repo = Path::new(&l.repo_path);
        if let Some((prompt, is_path)) = &plan.override_prompt {
            let (text, path) = if *is_path {
                let path = repo.join(prompt);
                (
                    read_prompt_file(&path).map_err(|e| format!("override prompt error: {e}"))?,
                    Some(path),
                )
            } else {
                (prompt.clone(), None)
            };
            if text.trim().is_empty() {
                return Err("override prompt error: override prompt is empty".into());
            }
            return Ok((text, path, "override", true));
        }
        let (text, path) =
            read_base_prompt(l).map_err(|e| format!("prompt resolution error: {e}"))?;
        Ok((text, path, "base", false))
    }

    pub(super) fn iterate(
        &mut self,
        l: &Loop,
        plan: &QueuePlan,
        judge: Option<&QualStop>,
    ) -> Result<Step, RunnerError> {
        let profile: Profile = match self.select_profile(l)? {
            Err(reason) => return Ok(Step::Fatal(format!("profile selection error: {reason}"))),
            Ok(Selection::Wait { until, reason }) => return Ok(Step::Wait(until, reason)),
            Ok(Selection::Selected { profile, .. }) => *profile,
        };
        let resolved = match judge {
            Some(qual) => judge_prompt(l, qual),
            None => self.resolve_prompt(l, plan),
        };
        let (base, source_path, source, is_override) = match resolved {
            Ok(parts) => parts,
            Err(reason) => return Ok(Step::Fatal(reason)),
        };
        let context = match (self.store.work_list(&l.id, 9), self.store.kv_list(&l.id)) {
            (Ok(work), Ok(mem)) => loop_context_block(&work, &mem),
            (Err(e), _) | (_, Err(e)) => {
                self.log.line(&format!("memory injection failed: {e}"));
                loop_context_block(&[], &[])
            }
        };
        let prompt = compose(&base, &context, &plan.messages);

        let run_id = new_id();
        let mut metadata = Map::new();
        metadata.insert(
            "kind".into(),
            json!(if judge.is_some() { "qual_stop" } else { "main" }),
        );
        metadata.insert("profile_name".into(), json!(profile.name));
        metadata.insert("harness".into(), json!(profile.harness));
        let run = LoopRun {
            id: run_id.clone(),
            loop_id: l.id.clone(),
            profile_id: Some(profile.id.clone()),
            status: RunStatus::Running,
            prompt_source: source.into(),
            prompt_path: source_path.as_ref().map(|p| p.display().to_string()),
            prompt_override: is_override,
            started_at: now_rfc3339(),
            finished_at: None,
            exit_code: None,
            output_tail: None,
            harness_pgid: None,
            metadata,
        };
        let ramp_since =
            forge_core::time::format_ts(forge_core::time::add_seconds(Timestamp::now(), -60));
        let start_limit = ramping(&profile, Timestamp::now()).then_some((
            ramp_since.as_str(),
            forge_core::selection::RAMP_STARTS_PER_MINUTE,
        ));
        if !self
            .store
            .create_run_checked(&run, profile.max_concurrency, start_limit)?
        {
            return Ok(Step::Retry);
        }

        let prompt_file = self.paths.prompt_file(&l.id, &run_id);
        let repo = PathBuf::from(&l.repo_path);
        let built = build_command(&CommandInput {
            profile: &profile,
            loop_id: &l.id,
            loop_name: &l.name,
            repo_path: &repo,
            run_id: &run_id,
            prompt: &prompt,
            prompt_file: &prompt_file,
        });
        let prepared = built.map_err(|e| e.to_string()).and_then(|cmd| {
            if let PromptDelivery::File(path) | PromptDelivery::StdinAndFile(path) = &cmd.delivery {
                write_prompt_file(path, &prompt)?;
            }
            Ok(cmd)
        });
        let cmd = match prepared {
            Ok(cmd) => cmd,
            Err(reason) => {
                let finish = RunFinish {
                    status: RunStatus::Error,
                    exit_code: Some(-1),
                    output_tail: reason.clone(),
                    metadata: Map::new(),
                    outcome: None,
                    usage: None,
                };
                self.store.finish_run(&run_id, &finish)?;
                return Ok(Step::Fatal(format!("prompt delivery error: {reason}")));
            }
        };
        if let PromptDelivery::StdinAndFile(path) = &cmd.delivery {
            self.log.line(&format!(
                "prompt is {} bytes, too large for the environment; delivered on stdin and in {}",
                prompt.len(),
                path.display()
            ));
        }

        self.store.update_loop(
            &l.id,
            &forge_store::LoopUpdate::state(forge_core::model::LoopState::Running),
        )?;
        self.log
            .line(&format!("run {run_id} start (profile={})", profile.name));
        let mut observer = ParseObserver::new(&profile.harness);
        let result = {
            let mut hooks = Hooks {
                store: &mut self.store,
                loop_id: &l.id,
                run_id: &run_id,
                consumed: &plan.consumed_ids,
                gate: ReadGate::default(),
            };
            let mut waiters = Waiters {
                wake: &mut self.wake,
                signals: &mut self.signals,
            };
            execute(
                &cmd,
                &repo,
                &mut self.log,
                &mut waiters,
                &mut hooks,
                &mut observer,
                run_limits(l),
            )
        };
        let report = observer.finish(result.exit_code, result.interrupt.as_ref(), &result.tail);
        let status = status_of(&report, result.interrupt.is_some());
        let mut error_text = result.error_text.clone();
        if status != RunStatus::Success && error_text.is_none() {
            error_text = Some(match &report.outcome {
                forge_harness::parse::Outcome::Error { message } if !message.is_empty() => {
                    message.clone()
                }
                other => other.kind().to_string(),
            });
        }
        self.log.line(&format!(
            "run {run_id} {} (exit {}{})",
            status,
            result.exit_code,
            error_text
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ));
        let finish = RunFinish {
            status,
            exit_code: Some(result.exit_code),
            output_tail: result.tail.clone(),
            metadata: serde_json::to_value(&report.outcome)
                .ok()
                .and_then(|v| v.as_object().cloned())
                .map(|outcome| {
                    [("outcome".to_string(), serde_json::Value::Object(outcome))]
                        .into_iter()
                        .collect()
                })
                .unwrap_or_default(),
            outcome: Some(report.outcome.kind().to_string()),
            usage: usage_of(&report),
        };
        self.store.finish_run(&run_id, &finish)?;
        self.record_iteration(judge.is_none(), result.exit_code, error_text)?;
        self.apply_outcome(&profile, &report)?;
        self.store
            .finish_items(&plan.consumed_ids, QueueItemStatus::Completed, None)?;

        let (git_status, git_diff_stat) = crate::ledger::git_summary(&repo);
        let entry = LedgerEntry {
            written_at: now_rfc3339(),
            run_id: run_id.clone(),
            loop_name: l.name.clone(),
            status: status.to_string(),
            profile: profile.name.clone(),
            harness: profile.harness.clone(),
            auth_kind: profile.auth_kind.clone().unwrap_or_default(),
            prompt_source: source.into(),
            prompt_path: source_path
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            prompt_override: is_override,
            started_at: run.started_at.clone(),
            finished_at: Some(now_rfc3339()),
            exit_code: Some(result.exit_code),
            extra_fields: ledger_fields(&report),
            output_tail: result.tail.clone(),
            git_status,
            git_diff_stat,
        };
        if let Err(e) = crate::ledger::append(&self.ledger_path, &entry) {
            self.log.line(&format!("ledger append failed: {e}"));
        }
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
}

/// The loop's run and idle timeouts.
fn run_limits(l: &Loop) -> RunLimits {
    let guards = super::stops::guards(l);
    let secs = |s: i64| (s > 0).then(|| std::time::Duration::from_secs(s as u64));
    RunLimits {
        run_timeout: secs(guards.run_timeout_seconds),
        idle_timeout: secs(guards.idle_timeout_seconds),
    }
}

/// The judge prompt: the qualitative prompt (file re-read every time, or inline) plus the
/// verdict-format instruction.
fn judge_prompt(
    l: &Loop,
    qual: &QualStop,
) -> Result<(String, Option<PathBuf>, &'static str, bool), String> {
    let (text, path) = if qual.prompt.is_path {
        let path = Path::new(&l.repo_path).join(&qual.prompt.prompt);
        (
            read_prompt_file(&path).map_err(|e| format!("qual stop prompt error: {e}"))?,
            Some(path),
        )
    } else {
        (qual.prompt.prompt.clone(), None)
    };
    if text.trim().is_empty() {
        return Err("qual stop prompt error: the judge prompt is empty".into());
    }
    Ok((
        format!("{}\n\n{JUDGE_INSTRUCTION}", text.trim_end()),
        path,
        "qual_stop",
        true,
    ))
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
