//! `forge template ls|show|add|edit|rm` (alias `tmpl`): reusable operator messages with
//! variables, sent to loops with `forge msg <loop> --template NAME --var k=v`.

use clap::{Args, Subcommand};

use crate::assets::manage;
use crate::assets::model::Template;
use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge template`.
#[derive(Debug, Args)]
pub(crate) struct TemplateArgs {
    #[command(subcommand)]
    command: AssetCommand,
}

/// The subcommands `forge template` and `forge seq` share.
#[derive(Debug, Subcommand)]
pub(crate) enum AssetCommand {
    /// List (repo .forge/, then the user config dir, then built-ins)
    #[command(visible_alias = "list")]
    Ls {
        /// Only those with any of these tags (comma-separated)
        #[arg(long, value_name = "TAGS")]
        tags: Option<String>,
    },
    /// Show one, with its variables
    Show { name: String },
    /// Create one from a skeleton in the user config dir and open $EDITOR
    Add {
        name: String,
        /// Create it in the repo's .forge/ instead of the user config dir
        #[arg(long)]
        repo: bool,
        /// Do not open the editor
        #[arg(long)]
        no_edit: bool,
    },
    /// Open one in $VISUAL/$EDITOR (a built-in is copied to the user config dir first)
    Edit { name: String },
    /// Remove a repo or user file (built-ins cannot be removed)
    #[command(visible_aliases = ["remove", "delete"])]
    Rm { name: String },
}

impl AssetCommand {
    /// Runs the subcommand for one kind of asset.
    pub(crate) fn run<T: crate::assets::Asset>(self, ctx: &Ctx) -> Result<(), CliError> {
        match self {
            AssetCommand::Ls { tags } => manage::ls::<T>(ctx, tags.as_deref()),
            AssetCommand::Show { name } => manage::show::<T>(ctx, &name),
            AssetCommand::Add {
                name,
                repo,
                no_edit,
            } => manage::add::<T>(ctx, &name, repo, no_edit),
            AssetCommand::Edit { name } => manage::edit::<T>(ctx, &name),
            AssetCommand::Rm { name } => manage::rm::<T>(ctx, &name),
        }
    }
}

/// Runs `forge template`.
pub(crate) fn run(ctx: &Ctx, args: TemplateArgs) -> Result<(), CliError> {
    args.command.run::<Template>(ctx)
}
