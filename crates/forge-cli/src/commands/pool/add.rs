//! `forge pool add <pool> <profile>...`: append profiles at the end of the rotation.

use clap::Args;
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge pool add`.
#[derive(Debug, Args)]
pub(crate) struct AddArgs {
    /// Pool name or id
    pool: String,
    /// Profile names or ids
    #[arg(required = true)]
    profiles: Vec<String>,
}

/// Runs `forge pool add`.
pub(crate) fn run(ctx: &Ctx, args: AddArgs) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    let pool = store.resolve_pool(&args.pool)?;
    let profiles = args
        .profiles
        .iter()
        .map(|p| store.resolve_profile(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut added = Vec::new();
    for profile in &profiles {
        store.add_pool_member(&pool, profile)?;
        added.push(profile.name.clone());
    }
    if ctx.printer.is_json() {
        return ctx
            .printer
            .json(&json!({ "pool": pool.name, "added": added }));
    }
    for name in &added {
        ctx.printer
            .success(&format!("Added {name} to pool \"{}\"", pool.name))?;
    }
    Ok(())
}
