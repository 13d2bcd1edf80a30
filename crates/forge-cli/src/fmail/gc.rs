//! `fmail gc`: delete messages older than N days.

use forge_mail::Store;
use jiff::Timestamp;

use super::Ctx;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Delete messages older than this many days
    #[arg(
        long,
        default_value_t = 7,
        allow_negative_numbers = true,
        value_name = "N"
    )]
    days: i64,
    /// Only print what would be deleted (paths relative to .fmail/)
    #[arg(long)]
    dry_run: bool,
}

pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let days = u32::try_from(args.days)
        .map_err(|_| CliError::usage(format!("--days must be 0 or more, got {}", args.days)))?;
    let store = Store::discover(&ctx.env)?;
    let removed = store.gc(days, args.dry_run, Timestamp::now())?;
    if args.dry_run {
        for path in removed {
            ctx.printer.line(&path.display().to_string())?;
        }
    }
    Ok(())
}
