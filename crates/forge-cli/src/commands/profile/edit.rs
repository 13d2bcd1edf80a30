//! `forge profile edit <name>`: change only the flags given (`--name` renames).

use clap::Args;

use super::{ProfileFlags, expand_home};
use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge profile edit`.
#[derive(Debug, Args)]
pub(crate) struct EditArgs {
    /// Profile name or id
    profile: String,
    /// New name
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    flags: ProfileFlags,
}

/// Runs `forge profile edit`.
pub(crate) fn run(ctx: &Ctx, args: EditArgs) -> Result<(), CliError> {
    let f = &args.flags;
    let prompt_mode = f.prompt_mode()?;
    let env = f.env_map()?;
    let max_concurrency = f.max_concurrency()?;
    let mut store = ctx.open_store()?;
    let mut p = store.resolve_profile(&args.profile)?;
    if let Some(name) = &args.name {
        let name = name.trim();
        if name.is_empty() {
            return Err(CliError::invalid("--name must not be empty"));
        }
        p.name = name.to_string();
    }
    if let Some(v) = &f.auth_kind {
        p.auth_kind = Some(v.clone()).filter(|s| !s.is_empty());
    }
    if let Some(v) = &f.home {
        p.auth_home = Some(expand_home(v)).filter(|s| !s.is_empty());
    }
    if let Some(m) = prompt_mode {
        p.prompt_mode = m;
    }
    if let Some(c) = &f.command {
        if c.trim().is_empty() {
            return Err(CliError::invalid("--command must not be empty"));
        }
        p.command_template = c.clone();
    }
    if let Some(m) = &f.model {
        p.model = Some(m.clone()).filter(|s| !s.is_empty());
    }
    if !f.extra_args.is_empty() {
        p.extra_args = f.extra_args.clone();
    }
    if let Some(env) = env {
        p.env = env;
    }
    if let Some(n) = max_concurrency {
        p.max_concurrency = n;
    }
    store.update_profile(&p)?;
    let p = store.get_profile(&p.id)?;
    ctx.printer
        .result(&p, &format!("Profile \"{}\" updated", p.name))
}
