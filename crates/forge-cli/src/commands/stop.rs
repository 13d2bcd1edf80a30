//! `forge stop`: stop loop(s) after the current run (at once when idle).

use clap::Args;
use forge_runner::control;
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;
use crate::select::{SelectorArgs, select_loops};

/// Arguments of `forge stop`.
#[derive(Debug, Args)]
pub(crate) struct StopArgs {
    /// Loop name, short id, id or unique id prefix
    #[arg(value_name = "LOOP")]
    reference: Option<String>,
    #[command(flatten)]
    selectors: SelectorArgs,
}

/// Runs `forge stop`.
pub(crate) fn run(ctx: &Ctx, args: StopArgs) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    let paths = ctx.runner_paths();
    let loops = select_loops(ctx, &store, &args.selectors, args.reference.as_deref())?;
    // Loops that are already stopped are left alone and not counted.
    let (active, idle): (Vec<_>, Vec<_>) = loops.iter().partition(|l| l.state.is_active());
    for l in &active {
        control::stop(&mut store, &paths, l)?;
    }
    let n = active.len();
    let already = match idle.len() {
        0 => String::new(),
        k => format!(" ({k} already stopped)"),
    };
    ctx.printer.result(
        &json!({ "action": "stop_graceful", "loops": n }),
        &format!("Stopped {n} loop(s){already}"),
    )
}
