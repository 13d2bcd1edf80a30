//! `forge completion bash|zsh|fish`: print a shell completion script.

use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::context::Ctx;
use crate::error::CliError;

/// Shells with completion scripts.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ShellName {
    Bash,
    Zsh,
    Fish,
}

/// Arguments of `forge completion`.
#[derive(Debug, Args)]
pub(crate) struct CompletionArgs {
    /// The shell
    shell: ShellName,
}

/// Runs `forge completion`.
pub(crate) fn run(ctx: &Ctx, args: CompletionArgs) -> Result<(), CliError> {
    let shell = match args.shell {
        ShellName::Bash => Shell::Bash,
        ShellName::Zsh => Shell::Zsh,
        ShellName::Fish => Shell::Fish,
    };
    let mut buf: Vec<u8> = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "forge", &mut buf);
    ctx.printer.raw_bytes(&buf)
}
