//! `forge kill`: stop loop(s) now, ending the running harness and its whole process group.

use clap::Args;
use forge_runner::control;
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;
use crate::select::{SelectorArgs, select_loops};

/// Arguments of `forge kill`.
#[derive(Debug, Args)]
pub(crate) struct KillArgs {
    /// Loop name, short id, id or unique id prefix
    #[arg(value_name = "LOOP")]
    reference: Option<String>,
    #[command(flatten)]
    selectors: SelectorArgs,
}

/// Runs `forge kill`.
pub(crate) fn run(ctx: &Ctx, args: KillArgs) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    let paths = ctx.runner_paths();
    let loops = select_loops(ctx, &store, &args.selectors, args.reference.as_deref())?;
    for l in &loops {
        control::kill(&mut store, &paths, l)?;
    }
    let n = loops.len();
    ctx.printer.result(
        &json!({ "action": "kill_now", "loops": n }),
        &format!("Killed {n} loop(s)"),
    )
}
