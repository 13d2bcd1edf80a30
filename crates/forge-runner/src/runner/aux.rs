//! The runner's auxiliary children: quantitative-stop checks and git commands. Each runs under
//! the runner's watch (stop, kill and signals end it at once) and is recorded on the loop row
//! while it runs, with a `FORGE_JOB_ID` marker in its environment, so a runner that dies
//! mid-check leaves nothing that the next reconciliation does not end.

use std::path::Path;
use std::time::Duration;

use forge_core::ids::new_id;
use forge_core::model::{ChildJob, JobKind};
use forge_process::{Captured, JobSpec};
use forge_store::LoopUpdate;

use super::Runner;
use crate::RunnerError;
use crate::exec::Interrupt;
use crate::watch::{RunWatch, Watched};

/// The environment variable that marks a runner's auxiliary child.
pub(crate) const JOB_MARKER: &str = "FORGE_JOB_ID";

/// How an auxiliary child went.
pub(crate) enum AuxRun {
    /// It ran (possibly interrupted: see `finished.stopped`).
    Done(Captured<Interrupt>),
    /// It could not be started.
    NotStarted(String),
}

impl Runner<'_> {
    /// Runs one auxiliary child to completion, interruption or its `timeout`.
    pub(super) fn run_aux(
        &mut self,
        kind: JobKind,
        spec: JobSpec,
        timeout: Option<Duration>,
    ) -> Result<AuxRun, RunnerError> {
        let job = ChildJob {
            kind,
            token: new_id(),
            pgid: None,
        };
        // Recorded before the start, so no moment exists where the child runs unrecorded.
        self.store
            .update_loop(&self.loop_id, &LoopUpdate::default().job(Some(job.clone())))?;
        let program = spec.program();
        let started = spec.env(JOB_MARKER, &job.token).spawn();
        let outcome = match started {
            Err(e) => AuxRun::NotStarted(format!("could not start {program}: {e}")),
            Ok(child) => {
                let mut watch = RunWatch::new(
                    &mut self.store,
                    &mut self.wake,
                    &mut self.signals,
                    &self.loop_id,
                    Watched::Aux { job, timeout },
                );
                watch.started(child.pgid());
                AuxRun::Done(child.capture(&mut watch))
            }
        };
        self.store
            .update_loop(&self.loop_id, &LoopUpdate::default().job(None))?;
        Ok(outcome)
    }

    /// `git <args>` in `repo`: its stdout when it succeeded (None when it failed, could not
    /// start or was interrupted).
    pub(super) fn git(
        &mut self,
        repo: &Path,
        args: &[&str],
    ) -> Result<Option<String>, RunnerError> {
        let spec = JobSpec::new("git").args(args.iter().copied()).cwd(repo);
        Ok(match self.run_aux(JobKind::Git, spec, None)? {
            AuxRun::Done(out) if out.success() => Some(out.stdout_text()),
            AuxRun::Done(_) | AuxRun::NotStarted(_) => None,
        })
    }

    /// A fingerprint of the repository's progress: HEAD plus the working-tree state.
    pub(super) fn repo_fingerprint(&mut self, repo: &Path) -> Result<Option<u64>, RunnerError> {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let head = self
            .git(repo, &["rev-parse", "--verify", "-q", "HEAD"])?
            .unwrap_or_default();
        let Some(status) = self.git(repo, &["status", "--porcelain", "--untracked-files=all"])?
        else {
            return Ok(None);
        };
        let diff = self.git(repo, &["diff", "HEAD"])?.unwrap_or_default();
        let mut hasher = DefaultHasher::new();
        (head, status, diff).hash(&mut hasher);
        Ok(Some(hasher.finish()))
    }

    /// `git status --porcelain` and `git diff --stat` as enabled in the repo's ledger settings
    /// (each None when disabled, or when the repo is not a git work tree).
    pub(super) fn git_summary(
        &mut self,
        repo: &Path,
        git_status: bool,
        git_diff_stat: bool,
    ) -> Result<(Option<String>, Option<String>), RunnerError> {
        if !git_status && !git_diff_stat {
            return Ok((None, None));
        }
        if self
            .git(repo, &["rev-parse", "--is-inside-work-tree"])?
            .is_none()
        {
            return Ok((None, None));
        }
        let status = match git_status {
            true => Some(
                self.git(repo, &["status", "--porcelain"])?
                    .unwrap_or_default(),
            ),
            false => None,
        };
        let stat = match git_diff_stat {
            true => Some(self.git(repo, &["diff", "--stat"])?.unwrap_or_default()),
            false => None,
        };
        Ok((status, stat))
    }
}
