//! `forge pool set-default <name>`.

use clap::Args;
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge pool set-default`.
#[derive(Debug, Args)]
pub(crate) struct SetDefaultArgs {
    /// Pool name or id
    pool: String,
}

/// Runs `forge pool set-default`.
pub(crate) fn run(ctx: &Ctx, args: SetDefaultArgs) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    let pool = store.resolve_pool(&args.pool)?;
    store.set_default_pool(&pool.id)?;
    ctx.printer.result(
        &json!({ "default_pool": pool.name }),
        &format!("Default pool set to \"{}\"", pool.name),
    )
}
