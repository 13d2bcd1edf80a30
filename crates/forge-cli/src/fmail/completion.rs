//! `fmail completion <shell>`: print a completion script.

use clap_complete::Shell;

use super::Ctx;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// bash, zsh, fish or powershell
    shell: Shell,
}

pub(crate) fn run(ctx: &Ctx, args: Args, mut command: clap::Command) -> Result<(), CliError> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "fmail", &mut script);
    ctx.printer.raw(&String::from_utf8_lossy(&script))
}
