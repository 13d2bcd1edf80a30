//! `forge pool create <name> [--strategy round_robin]`.

use clap::Args;

use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge pool create`.
#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// Pool name
    name: String,
    /// Rotation strategy (round_robin; aliases round-robin, rr)
    #[arg(long, default_value = "round_robin")]
    strategy: String,
}

/// Runs `forge pool create`.
pub(crate) fn run(ctx: &Ctx, args: CreateArgs) -> Result<(), CliError> {
    let strategy = match args.strategy.trim() {
        "round_robin" | "round-robin" | "rr" => "round_robin",
        other => {
            return Err(CliError::invalid(format!(
                "invalid --strategy \"{other}\" (valid: round_robin)"
            )));
        }
    };
    let name = args.name.trim();
    if name.is_empty() {
        return Err(CliError::invalid("pool name is required"));
    }
    let mut store = ctx.open_store()?;
    let pool = store.create_pool(name, strategy)?;
    let suffix = if pool.is_default { " (default)" } else { "" };
    ctx.printer
        .result(&pool, &format!("Pool \"{}\" created{suffix}", pool.name))
}
