//! `forge config init|path|show`.

mod init;
mod path;
mod show;

use clap::{Args, Subcommand};

use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge config`.
#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Write a commented default config.yaml
    Init(init::InitArgs),
    /// Print the path of the global config file
    Path(path::PathArgs),
    /// Print every resolved setting and where it came from
    Show(show::ShowArgs),
}

impl ConfigArgs {
    /// `config init` may target a `--config` file that does not exist yet.
    pub(crate) fn is_init(&self) -> bool {
        matches!(self.command, ConfigCommand::Init(_))
    }
}

impl ConfigArgs {
    /// `config path` and `config init` must work while the config file is broken, since they
    /// are how it gets found and replaced.
    pub(crate) fn repairs_config(&self) -> bool {
        matches!(
            self.command,
            ConfigCommand::Init(_) | ConfigCommand::Path(_)
        )
    }
}

/// Runs `forge config`.
pub(crate) fn run(ctx: &Ctx, args: ConfigArgs) -> Result<(), CliError> {
    match args.command {
        ConfigCommand::Init(a) => init::run(ctx, a),
        ConfigCommand::Path(a) => path::run(ctx, a),
        ConfigCommand::Show(a) => show::run(ctx, a),
    }
}
