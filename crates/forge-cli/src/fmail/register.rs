//! `fmail register [name]`: claim an agent name exclusively (a random one if none is given).

use forge_mail::{Store, encode_pretty};

use super::Ctx;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The name to claim (lowercase letters, digits, dashes)
    name: Option<String>,
    /// Print the agent record as JSON
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let store = Store::discover(&ctx.env)?;
    store.ensure_project(&ctx.env)?;
    let record = match args.name {
        Some(name) => store.register(&name, &ctx.env.host)?,
        None => store.register_random(&ctx.env.host)?,
    };
    if args.json {
        ctx.printer.line(&encode_pretty(&record)?)
    } else {
        ctx.printer.line(&record.name)
    }
}
