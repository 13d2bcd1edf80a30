//! `forge seq ls|show|add|edit|rm` (alias `sequence`): multi-step operator input (`message` and
//! `pause` steps), queued to loops with `forge msg <loop> --seq NAME --var k=v`.

use clap::Args;

use crate::assets::model::Sequence;
use crate::commands::template::AssetCommand;
use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge seq`.
#[derive(Debug, Args)]
pub(crate) struct SeqArgs {
    #[command(subcommand)]
    command: AssetCommand,
}

/// Runs `forge seq`.
pub(crate) fn run(ctx: &Ctx, args: SeqArgs) -> Result<(), CliError> {
    args.command.run::<Sequence>(ctx)
}
