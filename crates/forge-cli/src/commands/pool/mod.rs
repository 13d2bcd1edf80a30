//! `forge pool create|add|rm|ls|show|set-default`: pools of profiles that loops rotate through.

mod add;
mod create;
mod ls;
mod rm;
mod set_default;
mod show;

use clap::{Args, Subcommand};

use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge pool`.
#[derive(Debug, Args)]
pub(crate) struct PoolArgs {
    #[command(subcommand)]
    command: PoolCommand,
}

#[derive(Debug, Subcommand)]
enum PoolCommand {
    /// Create a pool (the first pool becomes the default)
    Create(create::CreateArgs),
    /// Append profiles to a pool
    Add(add::AddArgs),
    /// Remove a pool (or, with profiles given, remove those profiles from it)
    #[command(visible_aliases = ["remove", "delete"])]
    Rm(rm::RmArgs),
    /// List pools
    #[command(visible_alias = "list")]
    Ls(ls::LsArgs),
    /// Show a pool and its members
    Show(show::ShowArgs),
    /// Make a pool the default for loops without --pool/--profile
    SetDefault(set_default::SetDefaultArgs),
}

/// Runs `forge pool`.
pub(crate) fn run(ctx: &Ctx, args: PoolArgs) -> Result<(), CliError> {
    match args.command {
        PoolCommand::Create(a) => create::run(ctx, a),
        PoolCommand::Add(a) => add::run(ctx, a),
        PoolCommand::Rm(a) => rm::run(ctx, a),
        PoolCommand::Ls(a) => ls::run(ctx, a),
        PoolCommand::Show(a) => show::run(ctx, a),
        PoolCommand::SetDefault(a) => set_default::run(ctx, a),
    }
}
