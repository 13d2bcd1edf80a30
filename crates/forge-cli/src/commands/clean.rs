//! `forge clean`: delete every stopped or errored loop (optionally filtered).

use clap::Args;
use forge_core::model::LoopState;
use forge_runner::control;
use serde_json::json;

use super::rm::remove_loops;
use crate::context::Ctx;
use crate::error::CliError;
use crate::select::FilterArgs;

/// Arguments of `forge clean`.
#[derive(Debug, Args)]
pub(crate) struct CleanArgs {
    /// Only loops of this repo (path)
    #[arg(long, value_name = "PATH")]
    repo: Option<std::path::PathBuf>,
    /// Only loops using this pool (name or id)
    #[arg(long, value_name = "POOL")]
    pool: Option<String>,
    /// Only loops pinned to this profile (name or id)
    #[arg(long, value_name = "PROFILE")]
    profile: Option<String>,
    /// Only loops with this tag
    #[arg(long, value_name = "TAG")]
    tag: Option<String>,
}

/// Runs `forge clean`.
pub(crate) fn run(ctx: &Ctx, args: CleanArgs) -> Result<(), CliError> {
    let filter = FilterArgs {
        repo: args.repo,
        pool: args.pool,
        profile: args.profile,
        state: None,
        tag: args.tag,
    };
    let mut store = ctx.open_store()?;
    let paths = ctx.runner_paths();
    let mut loops = store.list_loops(&filter.to_filter(ctx, &store)?)?;
    control::reconcile(&mut store, &paths, &mut loops)?;
    let (inactive, active): (Vec<_>, Vec<_>) = loops
        .into_iter()
        .partition(|l| matches!(l.state, LoopState::Stopped | LoopState::Error));
    if inactive.is_empty() {
        return Err(CliError::other("no inactive loops matched"));
    }
    remove_loops(ctx, &mut store, &inactive)?;
    let (n, skipped) = (inactive.len(), active.len());
    let ids: Vec<&str> = inactive.iter().map(|l| l.id.as_str()).collect();
    let names: Vec<&str> = inactive.iter().map(|l| l.name.as_str()).collect();
    let mut doc = json!({ "removed": n, "loop_ids": ids, "names": names, "skipped": skipped });
    if let [only] = inactive.as_slice() {
        // The reference's shape for one loop.
        doc["loop_id"] = json!(only.id);
        doc["name"] = json!(only.name);
    }
    ctx.printer.result(
        &doc,
        &format!("Removed {n} loop(s); skipped {skipped} active loop(s)"),
    )
}
