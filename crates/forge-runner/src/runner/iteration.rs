//! One harness iteration, first half: pick a profile, resolve the prompt, claim a run slot.
//! The run itself and its bookkeeping are in `record.rs`.

use std::path::{Path, PathBuf};

use forge_core::events::{EventData, LoopFailover};
use forge_core::ids::new_id;
use forge_core::model::{Loop, LoopRun, Profile, RunStatus};
use forge_core::prompt::{compose, loop_context_block};
use forge_core::queue::QueuePlan;
use forge_core::selection::{Candidate, Selection, ramping, select_pinned, select_round_robin};
use forge_core::stop::{JUDGE_INSTRUCTION, QualStop};
use forge_core::time::{add_seconds, format_ts, now_rfc3339};
use forge_store::StoreError;
use jiff::Timestamp;
use serde_json::{Map, json};

use super::Runner;
use super::repo::RepoSettings;
use crate::RunnerError;
use crate::exec::Interrupt;
use crate::prompts::{read_base_prompt, read_prompt_file};

/// What one call to [`Runner::iterate`] did.
pub(crate) enum Step {
    /// A harness ran.
    Ran(Outcome),
    /// No profile is available until the given time (and why).
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

/// The prompt of one run and where it came from.
pub(super) struct Prompt {
    pub(super) text: String,
    pub(super) path: Option<PathBuf>,
    /// `base`, `override` or `qual_stop` (ledger and run row).
    pub(super) source: &'static str,
    pub(super) is_override: bool,
}

/// The outcome of profile selection.
enum Pick {
    Selected(Box<Profile>),
    Wait(Timestamp, String),
    /// The loop's profile or pool is gone or empty.
    Unavailable(String),
}

impl Runner<'_> {
    fn select_profile(&mut self, l: &Loop) -> Result<Pick, RunnerError> {
        let now = Timestamp::now();
        if let Some(profile_id) = &l.profile_id {
            let profile = match self.store.get_profile(profile_id) {
                Ok(p) => p,
                Err(StoreError::NotFound { .. }) => {
                    return Ok(Pick::Unavailable(
                        "pinned profile no longer exists; resume with a new --profile".into(),
                    ));
                }
                Err(e) => return Err(e.into()),
            };
            let candidate = self.candidate(profile, now)?;
            return Ok(pick(select_pinned(&candidate, now)));
        }
        let pool = match &l.pool_id {
            Some(id) => match self.store.resolve_pool(id) {
                Ok(p) => p,
                Err(StoreError::NotFound { .. }) => {
                    return Ok(Pick::Unavailable(
                        "pool unavailable: the loop's pool was removed".into(),
                    ));
                }
                Err(e) => return Err(e.into()),
            },
            None => match self.store.default_pool()? {
                Some(p) => p,
                None => {
                    return Ok(Pick::Unavailable(
                        "pool unavailable: no default pool (create one with `forge pool create default`)".into(),
                    ));
                }
            },
        };
        let members = self.store.list_pool_members(&pool.id)?;
        if members.is_empty() {
            return Ok(Pick::Unavailable(format!(
                "pool unavailable: pool {:?} has no profiles (add one with `forge pool add {} <profile>`)",
                pool.name, pool.name
            )));
        }
        let mut candidates = Vec::with_capacity(members.len());
        for m in members {
            candidates.push(self.candidate(m.profile, now)?);
        }
        let selection = select_round_robin(&candidates, pool.last_index, now);
        if let Selection::Selected {
            index: Some(index), ..
        } = &selection
        {
            self.store.set_pool_cursor(&pool.id, *index)?;
        }
        Ok(pick(selection))
    }

    /// A profile with what selection needs to know: runs in flight and, while the profile is
    /// being re-admitted after a cooldown, its starts in the last minute.
    fn candidate(&self, profile: Profile, now: Timestamp) -> Result<Candidate, RunnerError> {
        let running = self.store.count_running_by_profile(&profile.id)?;
        let recent_starts = if ramping(&profile, now) {
            let since = format_ts(add_seconds(now, -60));
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

    /// The prompt of a main iteration: the one-shot override, else the base prompt.
    fn resolve_prompt(
        &self,
        l: &Loop,
        plan: &QueuePlan,
        settings: &RepoSettings,
    ) -> Result<Prompt, String> {
        let repo = Path::new(&l.repo_path);
        if let Some((prompt, is_path)) = &plan.override_prompt {
            let (text, path) = if *is_path {
                let path = repo.join(prompt);
                let text =
                    read_prompt_file(&path).map_err(|e| format!("override prompt error: {e}"))?;
                (text, Some(path))
            } else {
                (prompt.clone(), None)
            };
            if text.trim().is_empty() {
                return Err("override prompt error: override prompt is empty".into());
            }
            return Ok(Prompt {
                text,
                path,
                source: "override",
                is_override: true,
            });
        }
        let (text, path) = read_base_prompt(l, settings.default_prompt.as_deref())
            .map_err(|e| format!("prompt resolution error: {e}"))?;
        Ok(Prompt {
            text,
            path,
            source: "base",
            is_override: false,
        })
    }

    /// The composed prompt: base (or override or judge prompt), the Loop Context block, then
    /// the operator messages.
    fn compose_prompt(&mut self, l: &Loop, plan: &QueuePlan, prompt: &Prompt) -> String {
        let context = match (self.store.work_list(&l.id, 9), self.store.kv_list(&l.id)) {
            (Ok(work), Ok(mem)) => loop_context_block(&work, &mem),
            (Err(e), _) | (_, Err(e)) => {
                self.log.line(&format!("memory injection failed: {e}"));
                loop_context_block(&[], &[])
            }
        };
        compose(&prompt.text, &context, &plan.messages)
    }

    /// Claims a run slot of `profile` for `run`: loops that have waited longer for the profile
    /// go first (a waiter whose runner died does not count), then the concurrency and
    /// re-admission limits are checked in the transaction that records the run.
    fn claim_slot(
        &mut self,
        l: &Loop,
        run: &LoopRun,
        profile: &Profile,
    ) -> Result<Option<Step>, RunnerError> {
        if profile.max_concurrency > 0 {
            let waiters =
                self.store
                    .earlier_waiters(&l.id, self.waiting_since.as_deref(), &profile.id)?;
            let alive = waiters
                .iter()
                .filter(|id| crate::lock::runner_alive(self.paths, id))
                .count();
            if alive > 0 {
                let until = add_seconds(
                    Timestamp::now(),
                    forge_core::selection::BUSY_RECHECK_SECONDS,
                );
                let reason = format!("{}: {alive} loop(s) waiting longer go first", profile.name);
                return Ok(Some(Step::Wait(until, reason)));
            }
        }
        let now = Timestamp::now();
        let since = format_ts(add_seconds(now, -60));
        let start_limit = ramping(profile, now).then_some((
            since.as_str(),
            forge_core::selection::RAMP_STARTS_PER_MINUTE,
        ));
        let failover = self.failover(profile);
        if !self.store.create_run_checked(
            run,
            profile.max_concurrency,
            start_limit,
            failover.as_slice(),
        )? {
            return Ok(Some(Step::Retry));
        }
        Ok(None)
    }

    /// `loop.failover` when this run moves off a profile whose last run hit a limit.
    fn failover(&self, profile: &Profile) -> Option<EventData> {
        let (from, after) = self.last_limit.as_ref()?;
        (from != &profile.name).then(|| {
            EventData::LoopFailover(LoopFailover {
                r#loop: self.lref.clone(),
                from_profile: from.clone(),
                to_profile: profile.name.clone(),
                after: after.clone(),
            })
        })
    }

    pub(super) fn iterate(
        &mut self,
        l: &Loop,
        plan: &QueuePlan,
        judge: Option<&QualStop>,
    ) -> Result<Step, RunnerError> {
        let settings = self.repo_settings(Path::new(&l.repo_path));
        let profile = match self.select_profile(l)? {
            Pick::Unavailable(reason) => {
                return Ok(Step::Fatal(format!("profile selection error: {reason}")));
            }
            Pick::Wait(until, reason) => return Ok(Step::Wait(until, reason)),
            Pick::Selected(profile) => *profile,
        };
        let resolved = match judge {
            Some(qual) => judge_prompt(l, qual),
            None => self.resolve_prompt(l, plan, &settings),
        };
        let prompt = match resolved {
            Ok(prompt) => prompt,
            Err(reason) => return Ok(Step::Fatal(reason)),
        };
        let composed = self.compose_prompt(l, plan, &prompt);
        let run = new_run(l, &profile, &prompt, judge.is_some());
        if let Some(step) = self.claim_slot(l, &run, &profile)? {
            return Ok(step);
        }
        self.waiting_since = None;
        let planned = super::record::PlannedRun {
            l,
            plan,
            profile: &profile,
            run: &run,
            prompt: &prompt,
            composed: &composed,
            judge: judge.is_some(),
            settings: &settings,
        };
        self.run_harness(&planned)
    }
}

fn pick(selection: Selection) -> Pick {
    match selection {
        Selection::Selected { profile, .. } => Pick::Selected(profile),
        Selection::Wait { until, reason } => Pick::Wait(until, reason),
    }
}

/// The run row of one iteration, before it starts.
fn new_run(l: &Loop, profile: &Profile, prompt: &Prompt, judge: bool) -> LoopRun {
    let mut metadata = Map::new();
    metadata.insert(
        "kind".into(),
        json!(if judge { "qual_stop" } else { "main" }),
    );
    metadata.insert("profile_name".into(), json!(profile.name));
    metadata.insert("harness".into(), json!(profile.harness));
    LoopRun {
        id: new_id(),
        loop_id: l.id.clone(),
        profile_id: Some(profile.id.clone()),
        status: RunStatus::Running,
        prompt_source: prompt.source.into(),
        prompt_path: prompt.path.as_ref().map(|p| p.display().to_string()),
        prompt_override: prompt.is_override,
        started_at: now_rfc3339(),
        finished_at: None,
        exit_code: None,
        output_tail: None,
        harness_pgid: None,
        metadata,
    }
}

/// The judge prompt: the qualitative prompt (file re-read every time, or inline) plus the
/// verdict-format instruction.
fn judge_prompt(l: &Loop, qual: &QualStop) -> Result<Prompt, String> {
    let (text, path) = if qual.prompt.is_path {
        let path = Path::new(&l.repo_path).join(&qual.prompt.prompt);
        let text = read_prompt_file(&path).map_err(|e| format!("qual stop prompt error: {e}"))?;
        (text, Some(path))
    } else {
        (qual.prompt.prompt.clone(), None)
    };
    if text.trim().is_empty() {
        return Err("qual stop prompt error: the judge prompt is empty".into());
    }
    Ok(Prompt {
        text: format!("{}\n\n{JUDGE_INSTRUCTION}", text.trim_end()),
        path,
        source: "qual_stop",
        is_override: true,
    })
}
