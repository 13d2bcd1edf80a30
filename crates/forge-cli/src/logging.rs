//! Operator logs of `forge` itself (`tracing`, on stderr), configured here and only here.
//!
//! Off unless asked for, so ordinary commands print nothing extra and start fast. Turned on by
//! `FORGE_LOG` (a `tracing` filter such as `debug` or `forge_runner=trace`), `-v` (debug),
//! `--log-level`, or `logging.level` set in a config file or `FORGE_LOGGING_LEVEL`; the format
//! is `--log-format`/`logging.format`: `console` (default) or `json`. Harness output never goes
//! here: it goes to the loop logs.

use forge_core::config::{LOG_FORMATS, LOG_LEVELS};
use tracing_subscriber::EnvFilter;

use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::settings::{Settings, Source};

fn check(flag: &str, value: &str, valid: &[&str]) -> Result<String, CliError> {
    let lower = value.trim().to_lowercase();
    if valid.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(CliError::usage(format!(
            "invalid {flag} {value:?} (valid: {})",
            valid.join("|")
        )))
    }
}

/// Validates the logging flags and settings and installs the subscriber when logs are on.
pub(crate) fn init(g: &GlobalArgs, settings: &Settings) -> Result<(), CliError> {
    if let Some(level) = &g.log_level {
        check("--log-level", level, LOG_LEVELS)?;
    }
    let format = check(
        &format!("logging.format (from {})", settings.log_format.source),
        &settings.log_format.value,
        LOG_FORMATS,
    )?;
    let level = check(
        &format!("logging.level (from {})", settings.log_level.source),
        &settings.log_level.value,
        LOG_LEVELS,
    )?;
    let filter = match std::env::var("FORGE_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        Some(spec) => EnvFilter::try_new(&spec).map_err(|e| {
            CliError::usage(format!("invalid FORGE_LOG {spec:?}: {e}"))
                .hint("Use a level (debug, info, warn, error) or a filter like forge_runner=debug.")
        })?,
        None if g.verbose => EnvFilter::new("debug"),
        None if settings.log_level.source != Source::Default => EnvFilter::new(level),
        None => return Ok(()),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let installed = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // Already installed (tests run several commands in one process): keep the first.
    let _ = installed;
    Ok(())
}
