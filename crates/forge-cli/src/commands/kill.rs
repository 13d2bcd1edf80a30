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
    let mut store = match ctx.open_store() {
        Ok(store) => store,
        Err(e) if e.kind == crate::error::ErrorKind::OperationFailed => {
            return kill_without_database(ctx, &args, e);
        }
        Err(e) => return Err(e),
    };
    let paths = ctx.runner_paths();
    let loops = select_loops(ctx, &store, &args.selectors, args.reference.as_deref())?;
    // Loops that are already stopped are left alone and not counted.
    let (active, idle): (Vec<_>, Vec<_>) = loops.iter().partition(|l| l.state.is_active());
    for l in &active {
        control::kill(&mut store, &paths, l)?;
    }
    let n = active.len();
    let already = match idle.len() {
        0 => String::new(),
        k => format!(" ({k} already stopped)"),
    };
    ctx.printer.result(
        &json!({ "action": "kill_now", "loops": n }),
        &format!("Killed {n} loop(s){already}"),
    )
}

/// The database cannot be read: end runners found by their lock files (every one with `--all`,
/// else the one whose loop id or name is given), so a broken database never leaves loops running.
fn kill_without_database(ctx: &Ctx, args: &KillArgs, cause: CliError) -> Result<(), CliError> {
    let reference = args.reference.as_deref().map(str::trim);
    if reference.is_none() && !args.selectors.all {
        return Err(cause.hint(
            "With the database unreadable only `forge kill --all` or `forge kill <loop name|id>` can work.",
        ));
    }
    ctx.printer.warn(&format!(
        "{}; ending runners found in their lock files instead",
        cause.message
    ));
    let paths = ctx.runner_paths();
    let targets: Vec<_> = forge_runner::held_locks(&paths)
        .into_iter()
        .filter(|l| reference.is_none_or(|r| r == l.loop_id || r == l.loop_name))
        .collect();
    if targets.is_empty() && reference.is_some() {
        return Err(CliError::not_found(format!(
            "no running loop {:?} found in the lock files",
            reference.unwrap_or_default()
        )));
    }
    let n = targets
        .iter()
        .filter(|l| control::kill_by_lock(&paths, l))
        .count();
    ctx.printer.result(
        &json!({ "action": "kill_now", "loops": n }),
        &format!("Killed {n} loop(s)"),
    )
}
