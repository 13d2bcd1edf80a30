//! The smart-stop flags of `up` and `scale`: quantitative (command) rule, qualitative (judge)
//! rule and the progress-aware stall rule, validated strictly into a `StopConfig`.

use std::path::Path;

use clap::Args;
use forge_core::stop::{
    OnInvalid, QualPrompt, QualStop, QuantDecision, QuantStop, QuantWhen, StallStop, StopConfig,
    StreamMode, parse_flag,
};
use forge_runner::prompts::resolve_prompt_ref;

use crate::error::CliError;

/// Smart-stop flags.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct StopArgs {
    /// Command whose result decides whether to stop (run with bash -lc in the repo)
    #[arg(long, value_name = "CMD")]
    pub(crate) quantitative_stop_cmd: Option<String>,
    /// Run the command every N iterations (default 1)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub(crate) quantitative_stop_every: Option<i64>,
    /// before|after|both the harness run (default before)
    #[arg(long, value_name = "WHEN")]
    pub(crate) quantitative_stop_when: Option<String>,
    /// stop|continue when the command matches (default stop)
    #[arg(long, value_name = "DECISION")]
    pub(crate) quantitative_stop_decision: Option<String>,
    /// Exit codes that match, comma-separated (default 0 when no other criterion is given)
    #[arg(long, value_name = "CODES", allow_hyphen_values = true)]
    pub(crate) quantitative_stop_exit_codes: Option<String>,
    /// Match when the exit code is NOT in the list
    #[arg(long)]
    pub(crate) quantitative_stop_exit_invert: bool,
    /// any|empty|nonempty: what stdout must be
    #[arg(long, value_name = "MODE")]
    pub(crate) quantitative_stop_stdout: Option<String>,
    /// any|empty|nonempty: what stderr must be
    #[arg(long, value_name = "MODE")]
    pub(crate) quantitative_stop_stderr: Option<String>,
    /// Regex stdout must match
    #[arg(long, value_name = "REGEX")]
    pub(crate) quantitative_stop_stdout_regex: Option<String>,
    /// Regex stderr must match
    #[arg(long, value_name = "REGEX")]
    pub(crate) quantitative_stop_stderr_regex: Option<String>,
    /// Kill the command after this long (0 = no limit)
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub(crate) quantitative_stop_timeout: Option<String>,
    /// Run a judge iteration every N main iterations
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub(crate) qualitative_stop_every: Option<i64>,
    /// Judge prompt file (relative to the repo) or name in .forge/prompts
    #[arg(long, value_name = "PATH|NAME")]
    pub(crate) qualitative_stop_prompt: Option<String>,
    /// Inline judge prompt
    #[arg(long, value_name = "TEXT")]
    pub(crate) qualitative_stop_prompt_msg: Option<String>,
    /// stop|continue when the judge's answer is not 0 or 1 (default continue)
    #[arg(long, value_name = "WHAT")]
    pub(crate) qualitative_stop_on_invalid: Option<String>,
    /// Stop when N consecutive iterations leave the git repository unchanged (after one nudge)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub(crate) stall_iterations: Option<i64>,
}

/// An enum flag's value (its type's default when the flag is not given).
fn enum_flag<T: Copy + std::fmt::Display + PartialEq + Default>(
    flag: &str,
    value: Option<&String>,
    valid: &[T],
) -> Result<T, CliError> {
    match value {
        Some(v) => parse_flag(flag, v, valid).map_err(CliError::invalid),
        None => Ok(T::default()),
    }
}

impl StopArgs {
    fn any_quant(&self) -> bool {
        self.quantitative_stop_every.is_some()
            || self.quantitative_stop_when.is_some()
            || self.quantitative_stop_decision.is_some()
            || self.quantitative_stop_exit_codes.is_some()
            || self.quantitative_stop_exit_invert
            || self.quantitative_stop_stdout.is_some()
            || self.quantitative_stop_stderr.is_some()
            || self.quantitative_stop_stdout_regex.is_some()
            || self.quantitative_stop_stderr_regex.is_some()
            || self.quantitative_stop_timeout.is_some()
    }

    fn any_qual(&self) -> bool {
        self.qualitative_stop_every.is_some()
            || self.qualitative_stop_prompt.is_some()
            || self.qualitative_stop_prompt_msg.is_some()
            || self.qualitative_stop_on_invalid.is_some()
    }

    fn quant(
        &self,
        timeout: impl Fn(&str) -> Result<i64, CliError>,
    ) -> Result<Option<QuantStop>, CliError> {
        let Some(cmd) = self
            .quantitative_stop_cmd
            .as_deref()
            .filter(|c| !c.trim().is_empty())
        else {
            if self.any_quant() {
                return Err(CliError::invalid(
                    "--quantitative-stop-cmd is required when other --quantitative-stop-* flags are set",
                ));
            }
            return Ok(None);
        };
        let every = self.quantitative_stop_every.unwrap_or(1);
        if every <= 0 {
            return Err(CliError::invalid("quantitative stop every must be > 0"));
        }
        let mut exit_codes = Vec::new();
        for part in self
            .quantitative_stop_exit_codes
            .as_deref()
            .unwrap_or("")
            .split(',')
        {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let code = part.parse::<i64>().map_err(|_| {
                CliError::invalid(format!(
                    "quantitative stop exit codes: invalid int {part:?}"
                ))
            })?;
            exit_codes.push(code);
        }
        for (flag, value) in [
            (
                "--quantitative-stop-stdout-regex",
                &self.quantitative_stop_stdout_regex,
            ),
            (
                "--quantitative-stop-stderr-regex",
                &self.quantitative_stop_stderr_regex,
            ),
        ] {
            if let Some(re) = value {
                regex::Regex::new(re)
                    .map_err(|e| CliError::invalid(format!("invalid {flag}: {e}")))?;
            }
        }
        let mut quant = QuantStop {
            cmd: cmd.to_string(),
            every_n: every,
            when: enum_flag(
                "--quantitative-stop-when",
                self.quantitative_stop_when.as_ref(),
                QuantWhen::ALL,
            )?,
            decision: enum_flag(
                "--quantitative-stop-decision",
                self.quantitative_stop_decision.as_ref(),
                QuantDecision::ALL,
            )?,
            exit_codes,
            exit_invert: self.quantitative_stop_exit_invert,
            stdout_mode: enum_flag(
                "--quantitative-stop-stdout",
                self.quantitative_stop_stdout.as_ref(),
                StreamMode::ALL,
            )?,
            stderr_mode: enum_flag(
                "--quantitative-stop-stderr",
                self.quantitative_stop_stderr.as_ref(),
                StreamMode::ALL,
            )?,
            stdout_regex: self
                .quantitative_stop_stdout_regex
                .clone()
                .unwrap_or_default(),
            stderr_regex: self
                .quantitative_stop_stderr_regex
                .clone()
                .unwrap_or_default(),
            timeout_seconds: self
                .quantitative_stop_timeout
                .as_deref()
                .map(timeout)
                .transpose()?
                .unwrap_or(0),
        };
        let no_criteria = quant.exit_codes.is_empty()
            && quant.stdout_mode == StreamMode::Any
            && quant.stderr_mode == StreamMode::Any
            && quant.stdout_regex.is_empty()
            && quant.stderr_regex.is_empty();
        if no_criteria {
            quant.exit_codes = vec![0];
        }
        Ok(Some(quant))
    }

    fn qual(&self, repo: &Path) -> Result<Option<QualStop>, CliError> {
        if !self.any_qual() {
            return Ok(None);
        }
        let every = self.qualitative_stop_every.unwrap_or(0);
        if every <= 0 {
            return Err(CliError::invalid("qualitative stop every must be > 0"));
        }
        let prompt = match (
            &self.qualitative_stop_prompt,
            &self.qualitative_stop_prompt_msg,
        ) {
            (Some(_), Some(_)) => {
                return Err(CliError::invalid(
                    "use either --qualitative-stop-prompt or --qualitative-stop-prompt-msg, not both",
                ));
            }
            (Some(reference), None) => QualPrompt {
                prompt: resolve_prompt_ref(repo, reference)
                    .map_err(CliError::from)?
                    .display()
                    .to_string(),
                is_path: true,
            },
            (None, Some(text)) if !text.trim().is_empty() => QualPrompt {
                prompt: text.clone(),
                is_path: false,
            },
            _ => {
                return Err(CliError::invalid(
                    "--qualitative-stop-prompt or --qualitative-stop-prompt-msg is required",
                ));
            }
        };
        let on_invalid = enum_flag(
            "--qualitative-stop-on-invalid",
            self.qualitative_stop_on_invalid.as_ref(),
            OnInvalid::ALL,
        )?;
        Ok(Some(QualStop {
            every_n: every,
            prompt,
            on_invalid,
        }))
    }

    fn stall(&self, repo: &Path) -> Result<Option<StallStop>, CliError> {
        let Some(n) = self.stall_iterations else {
            return Ok(None);
        };
        if n <= 0 {
            return Err(CliError::invalid(format!(
                "--stall-iterations must be > 0 (got {n})"
            )));
        }
        let git = repo.join(".git");
        let in_git = repo.ancestors().any(|dir| dir.join(".git").exists()) || git.exists();
        if !in_git {
            return Err(CliError::invalid(format!(
                "--stall-iterations needs a git repository: {} is not inside a git work tree",
                repo.display()
            ))
            .hint("Run `git init` (and commit) in the repository, or drop --stall-iterations."));
        }
        Ok(Some(StallStop { iterations: n }))
    }

    /// Validates every flag into a stop configuration (`None` when no rule is set).
    pub(crate) fn config(
        &self,
        repo: &Path,
        timeout: impl Fn(&str) -> Result<i64, CliError>,
    ) -> Result<Option<StopConfig>, CliError> {
        let config = StopConfig {
            quant: self.quant(timeout)?,
            qual: self.qual(repo)?,
            stall: self.stall(repo)?,
        };
        Ok((!config.is_empty()).then_some(config))
    }
}
