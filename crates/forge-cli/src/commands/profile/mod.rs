//! `forge profile add|edit|ls|show|rm|doctor|cooldown|init`: harness profiles (one way to run
//! one agent CLI under one account).

mod add;
mod aliases;
mod cooldown;
pub(crate) mod doctor;
mod edit;
mod init;
mod ls;
mod rm;
mod show;

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use forge_core::model::PromptMode;

use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge profile`.
#[derive(Debug, Args)]
pub(crate) struct ProfileArgs {
    #[command(subcommand)]
    command: ProfileCommand,
}

#[derive(Debug, Subcommand)]
enum ProfileCommand {
    /// Create a profile for a harness (claude, codex, opencode, pi, droid, gemini, command)
    Add(add::AddArgs),
    /// Change a profile (only the flags given)
    Edit(edit::EditArgs),
    /// List profiles
    #[command(visible_alias = "list")]
    Ls(ls::LsArgs),
    /// Show a profile, including its exact command template and prompt mode
    Show(show::ShowArgs),
    /// Remove a profile
    #[command(visible_aliases = ["remove", "delete"])]
    Rm(rm::RmArgs),
    /// Check that a profile can run (binary on PATH, auth home)
    Doctor(doctor::DoctorArgs),
    /// Set or clear a profile cooldown
    Cooldown(cooldown::CooldownArgs),
    /// Import profiles from shell aliases and harnesses found on PATH
    #[command(visible_alias = "import-aliases")]
    Init(init::InitArgs),
}

/// Runs `forge profile`.
pub(crate) fn run(ctx: &Ctx, args: ProfileArgs) -> Result<(), CliError> {
    match args.command {
        ProfileCommand::Add(a) => add::run(ctx, a),
        ProfileCommand::Edit(a) => edit::run(ctx, a),
        ProfileCommand::Ls(a) => ls::run(ctx, a),
        ProfileCommand::Show(a) => show::run(ctx, a),
        ProfileCommand::Rm(a) => rm::run(ctx, a),
        ProfileCommand::Doctor(a) => doctor::run(ctx, a),
        ProfileCommand::Cooldown(a) => cooldown::run(ctx, a),
        ProfileCommand::Init(a) => init::run(ctx, a),
    }
}

/// Flags shared by `profile add` and `profile edit`.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct ProfileFlags {
    /// Account label shown in ledgers (default: the harness name)
    #[arg(long, value_name = "KIND")]
    auth_kind: Option<String>,
    /// Auth home directory (mapped to the harness's config variables)
    #[arg(long, value_name = "DIR")]
    home: Option<String>,
    /// How the prompt is delivered: env, stdin or path
    #[arg(long, value_name = "MODE")]
    prompt_mode: Option<String>,
    /// Command template (required for the command harness)
    #[arg(long, value_name = "TEMPLATE")]
    command: Option<String>,
    /// Model passed to the harness
    #[arg(long)]
    model: Option<String>,
    /// Extra argument appended to the command (repeatable)
    #[arg(long = "extra-arg", value_name = "ARG", allow_hyphen_values = true)]
    extra_args: Vec<String>,
    /// Environment variable for the harness, KEY=VALUE (repeatable)
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Runs of this profile allowed at once across all loops (0 = unlimited; default 1)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    max_concurrency: Option<i64>,
}

impl ProfileFlags {
    fn prompt_mode(&self) -> Result<Option<PromptMode>, CliError> {
        self.prompt_mode
            .as_deref()
            .map(|m| {
                m.parse::<PromptMode>().map_err(|_| {
                    CliError::invalid(format!(
                        "invalid --prompt-mode \"{m}\" (valid: env|stdin|path)"
                    ))
                })
            })
            .transpose()
    }

    fn env_map(&self) -> Result<Option<BTreeMap<String, String>>, CliError> {
        if self.env.is_empty() {
            return Ok(None);
        }
        let mut map = BTreeMap::new();
        for pair in &self.env {
            match pair.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => {
                    map.insert(k.trim().to_string(), v.to_string());
                }
                _ => {
                    return Err(CliError::invalid(format!(
                        "invalid --env \"{pair}\" (expected KEY=VALUE)"
                    )));
                }
            }
        }
        Ok(Some(map))
    }

    fn max_concurrency(&self) -> Result<Option<i64>, CliError> {
        match self.max_concurrency {
            Some(n) if n < 0 => Err(CliError::invalid(format!(
                "--max-concurrency must be >= 0 (got {n})"
            ))),
            other => Ok(other),
        }
    }
}

/// Expands a leading `~` with `$HOME`.
pub(crate) fn expand_home(path: &str) -> String {
    let home = std::env::var("HOME").ok().filter(|h| !h.is_empty());
    match home {
        Some(h) if path == "~" => h,
        Some(h) if path.starts_with("~/") => {
            PathBuf::from(h).join(&path[2..]).display().to_string()
        }
        _ => path.to_string(),
    }
}

/// `unknown harness "<x>"` with the valid names.
pub(crate) fn unknown_harness(name: &str) -> CliError {
    CliError::invalid(format!("unknown harness \"{name}\"")).hint(format!(
        "Valid harnesses: {}.",
        forge_harness::HARNESS_NAMES.join(", ")
    ))
}
