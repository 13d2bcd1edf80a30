//! `forge run <loop>`: exactly one iteration in the foreground; harness output goes to the
//! loop log, as it does for background runners.

use clap::Args;
use forge_runner::{RunMode, run_loop};
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;
use crate::select::resolve_loop;

/// Arguments of `forge run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Loop name, short id, id or unique id prefix
    #[arg(value_name = "LOOP")]
    reference: String,
}

/// Runs `forge run`.
pub(crate) fn run(ctx: &Ctx, args: RunArgs) -> Result<(), CliError> {
    let l = {
        let store = ctx.open_store()?;
        resolve_loop(&store, &args.reference)?
    };
    let end = run_loop(&ctx.runner_paths(), &l.id, RunMode::Single).map_err(|e| {
        let base = CliError::from(e);
        CliError {
            message: format!("loop run failed: {}", base.message),
            ..base
        }
    })?;
    ctx.printer.result(
        &json!({ "loop_id": l.id, "name": l.name, "state": end.state, "reason": end.reason }),
        &format!(
            "Loop \"{}\" ran one iteration ({}: {})",
            l.name, end.state, end.reason
        ),
    )
}
