//! `fmail status [message]`: show, set (`status <text>`) or clear (`--clear`) your status.

use forge_mail::Store;

use super::Ctx;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The new status text
    message: Option<String>,
    /// Clear your status
    #[arg(long)]
    clear: bool,
}

pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    if args.clear && args.message.is_some() {
        return Err(CliError::usage("give a status or --clear, not both"));
    }
    let agent = ctx.env.agent_name()?;
    let store = Store::discover(&ctx.env)?;
    store.ensure_project(&ctx.env)?;
    if args.clear {
        store.set_status(&agent, "", &ctx.env.host)?;
        return Ok(());
    }
    if let Some(message) = args.message {
        store.set_status(&agent, message.trim(), &ctx.env.host)?;
        return Ok(());
    }
    let record = store.touch_agent(&agent, &ctx.env.host)?;
    if record.status.is_empty() {
        Ok(())
    } else {
        ctx.printer.line(&record.status)
    }
}
