//! `forge profile add <harness> --name N`: a profile from a harness preset.

use clap::Args;
use forge_core::ids::new_id;
use forge_core::model::Profile;
use forge_core::time::now_rfc3339;
use forge_harness::{normalize_harness, preset};

use super::{ProfileFlags, expand_home, unknown_harness};
use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge profile add`.
#[derive(Debug, Args)]
pub(crate) struct AddArgs {
    /// Harness: claude, codex, opencode, pi, droid, gemini or command
    harness: String,
    /// Profile name
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    flags: ProfileFlags,
}

/// Runs `forge profile add`.
pub(crate) fn run(ctx: &Ctx, args: AddArgs) -> Result<(), CliError> {
    let harness = normalize_harness(&args.harness).ok_or_else(|| unknown_harness(&args.harness))?;
    let name = args
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let Some(name) = name else {
        return Err(CliError::invalid("--name is required"));
    };
    let f = &args.flags;
    let prompt_mode = f.prompt_mode()?;
    let env = f.env_map()?.unwrap_or_default();
    let max_concurrency = f.max_concurrency()?.unwrap_or(1);
    let preset = preset(harness).ok_or_else(|| unknown_harness(&args.harness))?;
    let configured = ctx
        .settings
        .harnesses
        .get(harness)
        .cloned()
        .unwrap_or_default();
    let command = match f
        .command
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(c) => c.to_string(),
        None => match configured.command.clone().filter(|c| !c.trim().is_empty()) {
            Some(c) => c,
            None => preset.default_template(f.model.as_deref()).ok_or_else(|| {
                CliError::invalid(format!("--command is required for the {harness} harness"))
                    .hint("Example: forge profile add command --name echo --command 'cat'")
            })?,
        },
    };
    let now = now_rfc3339();
    let profile = Profile {
        id: new_id(),
        name: name.to_string(),
        harness: harness.to_string(),
        auth_kind: Some(f.auth_kind.clone().unwrap_or_else(|| harness.to_string())),
        auth_home: f.home.as_deref().map(expand_home),
        prompt_mode: prompt_mode
            .or(configured.prompt_mode)
            .unwrap_or(preset.prompt_mode),
        command_template: command,
        model: f.model.clone(),
        extra_args: f.extra_args.clone(),
        env,
        max_concurrency,
        cooldown_until: None,
        created_at: now.clone(),
        updated_at: now,
    };
    let mut store = ctx.open_store()?;
    store.insert_profile(&profile)?;
    ctx.printer
        .result(&profile, &format!("Profile \"{}\" created", profile.name))
}
