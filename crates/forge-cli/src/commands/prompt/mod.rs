//! `forge prompt ls|show|add|edit|rm|set-default`: the repo's named prompts in
//! `.forge/prompts/<name>.md`, used by `forge up --prompt NAME` and `forge msg --next-prompt NAME`.

mod files;

use clap::{Args, Subcommand};

use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge prompt`.
#[derive(Debug, Args)]
pub(crate) struct PromptArgs {
    #[command(subcommand)]
    command: PromptCommand,
}

#[derive(Debug, Subcommand)]
enum PromptCommand {
    /// List the prompts in .forge/prompts/
    #[command(visible_alias = "list")]
    Ls,
    /// Print a prompt
    Show { name: String },
    /// Copy a file in as .forge/prompts/<name>.md
    Add {
        name: String,
        /// The file to copy
        path: std::path::PathBuf,
        /// Replace an existing prompt of that name
        #[arg(short, long)]
        force: bool,
    },
    /// Open a prompt in $VISUAL/$EDITOR (created if missing)
    Edit { name: String },
    /// Remove a prompt
    #[command(visible_aliases = ["remove", "delete"])]
    Rm { name: String },
    /// Copy a prompt to .forge/prompts/default.md
    SetDefault { name: String },
}

/// Runs `forge prompt`.
pub(crate) fn run(ctx: &Ctx, args: PromptArgs) -> Result<(), CliError> {
    match args.command {
        PromptCommand::Ls => files::ls(ctx),
        PromptCommand::Show { name } => files::show(ctx, &name),
        PromptCommand::Add { name, path, force } => files::add(ctx, &name, &path, force),
        PromptCommand::Edit { name } => files::edit(ctx, &name),
        PromptCommand::Rm { name } => files::rm(ctx, &name),
        PromptCommand::SetDefault { name } => files::set_default(ctx, &name),
    }
}
