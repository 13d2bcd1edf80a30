//! `forge pool rm <pool> [profile...]`: remove a pool, or remove profiles from it.

use clap::Args;
use forge_store::LoopFilter;
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge pool rm`.
#[derive(Debug, Args)]
pub(crate) struct RmArgs {
    /// Pool name or id
    pool: String,
    /// Profiles to take out of the pool (the pool itself stays)
    profiles: Vec<String>,
    /// Remove the pool even if loops use it (they fall back to the default pool)
    #[arg(long)]
    force: bool,
}

/// Runs `forge pool rm`.
pub(crate) fn run(ctx: &Ctx, args: RmArgs) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    let pool = store.resolve_pool(&args.pool)?;
    if !args.profiles.is_empty() {
        let profiles = args
            .profiles
            .iter()
            .map(|p| store.resolve_profile(p))
            .collect::<Result<Vec<_>, _>>()?;
        let mut removed = Vec::new();
        for profile in &profiles {
            store.remove_pool_member(&pool, profile)?;
            removed.push(profile.name.clone());
        }
        if ctx.printer.is_json() {
            return ctx
                .printer
                .json(&json!({ "pool": pool.name, "removed": removed }));
        }
        for name in &removed {
            ctx.printer
                .success(&format!("Removed {name} from pool \"{}\"", pool.name))?;
        }
        return Ok(());
    }
    let users = store.list_loops(&LoopFilter {
        pool_id: Some(pool.id.clone()),
        ..LoopFilter::default()
    })?;
    if !users.is_empty() && !args.force {
        return Err(CliError::invalid(format!(
            "pool \"{}\" is used by {} loop(s); use --force to remove anyway",
            pool.name,
            users.len()
        )));
    }
    let members = store.list_pool_members(&pool.id)?.len();
    if pool.is_default && members > 0 && !args.force {
        return Err(CliError::invalid(format!(
            "pool \"{}\" is the default pool and has {members} profile(s); use --force to remove it",
            pool.name
        ))
        .hint("Loops without --pool/--profile use the default pool; `forge pool set-default <other>` first."));
    }
    ctx.confirm_destructive()?;
    store.delete_pool(&pool.id)?;
    ctx.printer.result(
        &json!({ "deleted": true, "pool": pool.name }),
        &format!("Pool \"{}\" removed", pool.name),
    )
}
