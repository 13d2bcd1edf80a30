//! `forge profile rm <name>`.

use clap::Args;
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge profile rm`.
#[derive(Debug, Args)]
pub(crate) struct RmArgs {
    /// Profile name or id
    profile: String,
}

/// Runs `forge profile rm`.
pub(crate) fn run(ctx: &Ctx, args: RmArgs) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    let p = store.resolve_profile(&args.profile)?;
    ctx.confirm_destructive()?;
    store.delete_profile(&p.id)?;
    ctx.printer.result(
        &json!({ "deleted": true, "profile": p.name }),
        &format!("Profile \"{}\" removed", p.name),
    )
}
