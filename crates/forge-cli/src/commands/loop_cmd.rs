//! Hidden `forge loop run <loop-id> [--lock-fd N]`: the long-running runner process that `up`
//! and `resume` start detached.

use clap::{Args, Subcommand};
use forge_runner::{RunMode, run_loop};

use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge loop`.
#[derive(Debug, Args)]
pub(crate) struct LoopArgs {
    #[command(subcommand)]
    command: LoopCommand,
}

#[derive(Debug, Subcommand)]
enum LoopCommand {
    /// Run a loop until it stops (started by `forge up`/`resume`)
    Run {
        /// The loop id
        #[arg(value_name = "LOOP_ID")]
        loop_id: String,
        /// Runner lock descriptor inherited from the spawning process
        #[arg(long, value_name = "FD")]
        lock_fd: Option<i32>,
    },
}

/// Runs `forge loop`.
pub(crate) fn run(ctx: &Ctx, args: LoopArgs) -> Result<(), CliError> {
    match args.command {
        LoopCommand::Run { loop_id, lock_fd } => {
            run_loop(
                &ctx.runner_paths(),
                &loop_id,
                RunMode::Background { lock_fd },
            )
            .map_err(|e| {
                let base = CliError::from(e);
                CliError {
                    message: format!("loop run failed: {}", base.message),
                    ..base
                }
            })?;
            Ok(())
        }
    }
}
