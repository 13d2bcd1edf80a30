//! `forge profile ls`.

use clap::Args;

use crate::context::Ctx;
use crate::error::CliError;
use crate::table::{or_dash, render};

/// Arguments of `forge profile ls`.
#[derive(Debug, Args)]
pub(crate) struct LsArgs {}

/// Runs `forge profile ls`.
pub(crate) fn run(ctx: &Ctx, _args: LsArgs) -> Result<(), CliError> {
    let store = ctx.open_store()?;
    let profiles = store.list_profiles()?;
    if ctx.printer.is_json() {
        return ctx.printer.json(&profiles);
    }
    if profiles.is_empty() {
        return ctx.printer.line("No profiles found");
    }
    let rows: Vec<Vec<String>> = profiles
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.harness.clone(),
                or_dash(p.auth_kind.as_deref()),
                or_dash(p.auth_home.as_deref()),
                p.max_concurrency.to_string(),
                or_dash(p.cooldown_until.as_deref()),
            ]
        })
        .collect();
    ctx.printer.raw(&render(
        &[
            "NAME",
            "HARNESS",
            "AUTH_KIND",
            "AUTH_HOME",
            "MAX_CONCURRENCY",
            "COOLDOWN",
        ],
        &rows,
    ))
}
