//! `forge rm` (aliases `remove`, `delete`): delete loop rows; logs and ledgers stay on disk.
//!
//! A loop that still has a runner needs `--force`; with it the loop is killed first (its
//! harness group ended) rather than left running without a row.

use clap::Args;
use forge_core::model::Loop;
use forge_runner::{control, runner_alive};
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;
use crate::select::{SelectorArgs, select_loops};

/// Arguments of `forge rm`.
#[derive(Debug, Args)]
pub(crate) struct RmArgs {
    /// Loop name, short id, id or unique id prefix
    #[arg(value_name = "LOOP")]
    reference: Option<String>,
    /// Remove running loops too (they are killed first), and allow selector-based removal
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    selectors: SelectorArgs,
}

/// Deletes loops (killing live ones first) after confirmation; shared with `clean`.
pub(crate) fn remove_loops(
    ctx: &Ctx,
    store: &mut forge_store::Store,
    loops: &[Loop],
) -> Result<(), CliError> {
    ctx.confirm_destructive()?;
    let paths = ctx.runner_paths();
    for l in loops {
        if l.state.is_active() || runner_alive(&paths, &l.id) {
            control::kill(store, &paths, l)?;
        }
        store.delete_loop(&l.id)?;
    }
    Ok(())
}

/// Runs `forge rm`.
pub(crate) fn run(ctx: &Ctx, args: RmArgs) -> Result<(), CliError> {
    let reference = args
        .reference
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if reference.is_none() && args.selectors.any() && !args.force {
        return Err(CliError::invalid("selector-based removal requires --force"));
    }
    let mut store = ctx.open_store()?;
    let loops = select_loops(ctx, &store, &args.selectors, reference)?;
    let loops = delete_loops(ctx, &mut store, loops, args.force)?;
    if let [l] = loops.as_slice()
        && reference.is_some()
    {
        return ctx.printer.result(
            &json!({ "removed": 1, "loop_id": l.id, "name": l.name }),
            &format!("Loop '{}' removed", l.name),
        );
    }
    let n = loops.len();
    let ids: Vec<&str> = loops.iter().map(|l| l.id.as_str()).collect();
    let names: Vec<&str> = loops.iter().map(|l| l.name.as_str()).collect();
    let mut doc = json!({ "removed": n, "loop_ids": ids, "names": names });
    if let [only] = loops.as_slice() {
        // The reference's shape for one loop.
        doc["loop_id"] = json!(only.id);
        doc["name"] = json!(only.name);
    }
    ctx.printer.result(&doc, &format!("Removed {n} loop(s)"))
}

/// Reconciles the loops, refuses live ones unless `force`, then removes them (after the
/// confirmation, when one may be asked). Returns the removed loops. Shared with the dashboard.
pub(crate) fn delete_loops(
    ctx: &Ctx,
    store: &mut forge_store::Store,
    mut loops: Vec<Loop>,
    force: bool,
) -> Result<Vec<Loop>, CliError> {
    let paths = ctx.runner_paths();
    control::reconcile(store, &paths, &mut loops)?;
    if !force
        && let Some(l) = loops
            .iter()
            .find(|l| l.state.is_active() || runner_alive(&paths, &l.id))
    {
        return Err(CliError::invalid(format!(
            "loop \"{}\" is {}; use --force to remove anyway",
            l.name, l.state
        ))
        .hint(format!(
            "Stop it first with `forge stop {}`, or pass --force.",
            l.short_id
        )));
    }
    remove_loops(ctx, store, &loops)?;
    Ok(loops)
}
