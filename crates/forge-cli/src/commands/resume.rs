//! `forge resume <loop>`: restart a stopped or errored loop with a new runner.

use clap::Args;
use forge_core::model::LoopState;
use forge_runner::control;
use serde_json::json;

use super::loop_spec::{check_spawn_owner, start_runner};
use crate::context::Ctx;
use crate::error::CliError;
use crate::select::resolve_loop;

/// Arguments of `forge resume`.
#[derive(Debug, Args)]
pub(crate) struct ResumeArgs {
    /// Loop name, short id, id or unique id prefix
    #[arg(value_name = "LOOP")]
    reference: String,
    /// Who owns the runner: local (the only owner so far), daemon or auto
    #[arg(long, value_name = "OWNER")]
    spawn_owner: Option<String>,
}

/// Runs `forge resume`.
pub(crate) fn run(ctx: &Ctx, args: ResumeArgs) -> Result<(), CliError> {
    check_spawn_owner(ctx, args.spawn_owner.as_deref())?;
    let mut store = ctx.open_store()?;
    let l = resolve_loop(&store, &args.reference)?;
    let l = resume_loop(ctx, &mut store, l)?;
    ctx.printer.result(
        &json!({ "resumed": true, "loop_id": l.id, "name": l.name }),
        &format!("Loop \"{}\" resumed ({})", l.name, l.short_id),
    )
}

/// Resumes one loop: reconciles it, refuses unless it is stopped or errored, drops stale
/// stop/kill items and starts a runner. Shared with the dashboard.
pub(crate) fn resume_loop(
    ctx: &Ctx,
    store: &mut forge_store::Store,
    l: forge_core::model::Loop,
) -> Result<forge_core::model::Loop, CliError> {
    let paths = ctx.runner_paths();
    let mut one = vec![l];
    control::reconcile(store, &paths, &mut one)?;
    let l = one.remove(0);
    if !matches!(l.state, LoopState::Stopped | LoopState::Error) {
        return Err(CliError::invalid(format!(
            "loop \"{}\" is {}; only stopped or errored loops can be resumed",
            l.name, l.state
        ))
        .hint(format!("Stop it first with `forge stop {}`.", l.short_id)));
    }
    control::prepare_resume(store, &l)?;
    start_runner(ctx, store, &l)
}
