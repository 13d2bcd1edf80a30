//! The run guards and spend budgets of `up` and `scale`.

use clap::Args;
use forge_core::duration::parse_flag_secs;
use forge_core::stop::Guards;

use crate::error::CliError;

/// Guard flags.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct GuardArgs {
    /// Kill a run that takes longer than this (status killed, outcome timed_out)
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub(crate) run_timeout: Option<String>,
    /// Kill a run that prints nothing for this long (outcome stalled)
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub(crate) idle_timeout: Option<String>,
    /// Stop the loop once its runs cost this many US dollars
    #[arg(long, value_name = "USD", allow_hyphen_values = true)]
    pub(crate) max_cost: Option<String>,
    /// Stop the loop once its runs used this many tokens (input, output and cache)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub(crate) max_tokens: Option<i64>,
}

fn positive_duration(flag: &str, value: &str) -> Result<i64, CliError> {
    let secs = parse_flag_secs(flag, value).map_err(CliError::invalid)?;
    if secs == 0 {
        return Err(CliError::invalid(format!(
            "{flag} must be > 0 (got {value})"
        )));
    }
    Ok(secs)
}

impl GuardArgs {
    /// Validates the flags (`None` when no guard is set).
    pub(crate) fn guards(&self) -> Result<Option<Guards>, CliError> {
        let mut guards = Guards::default();
        if let Some(v) = &self.run_timeout {
            guards.run_timeout_seconds = positive_duration("--run-timeout", v)?;
        }
        if let Some(v) = &self.idle_timeout {
            guards.idle_timeout_seconds = positive_duration("--idle-timeout", v)?;
        }
        if let Some(v) = &self.max_cost {
            let usd = v
                .trim()
                .trim_start_matches('$')
                .parse::<f64>()
                .ok()
                .filter(|c| c.is_finite() && *c > 0.0);
            guards.max_cost_usd = usd.ok_or_else(|| {
                CliError::invalid(format!(
                    "--max-cost must be a positive amount of US dollars, e.g. 5 or 0.50 (got {v})"
                ))
            })?;
        }
        if let Some(n) = self.max_tokens {
            if n <= 0 {
                return Err(CliError::invalid(format!(
                    "--max-tokens must be > 0 (got {n})"
                )));
            }
            guards.max_tokens = n;
        }
        Ok((!guards.is_empty()).then_some(guards))
    }
}
