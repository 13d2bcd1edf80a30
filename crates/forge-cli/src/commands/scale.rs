//! `forge scale`: converge the number of active loops of this repo (optionally of one pool or
//! profile) to `--count`, stopping the newest extras or starting new loops.

use clap::Args;
use forge_core::model::Loop;
use forge_runner::control;
use forge_store::LoopFilter;
use serde_json::json;

use super::loop_spec::{CreateArgs, create_loop, generated_name, plan, start_runner};
use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge scale`.
#[derive(Debug, Args)]
pub(crate) struct ScaleArgs {
    /// Number of active loops wanted
    #[arg(short = 'n', long, default_value_t = 1, allow_negative_numbers = true)]
    count: i64,
    /// Name new loops <PREFIX>-1, <PREFIX>-2, …
    #[arg(long, value_name = "PREFIX")]
    name_prefix: Option<String>,
    /// Kill extra loops instead of stopping them after their current run
    #[arg(long)]
    kill: bool,
    #[command(flatten)]
    create: CreateArgs,
}

/// Runs `forge scale`.
pub(crate) fn run(ctx: &Ctx, args: ScaleArgs) -> Result<(), CliError> {
    if args.count < 0 {
        return Err(CliError::invalid(format!(
            "--count must be >= 0 (got {})",
            args.count
        )));
    }
    let mut store = ctx.open_store()?;
    let paths = ctx.runner_paths();
    let mut filter = LoopFilter {
        repo: Some(ctx.repo().display().to_string()),
        ..LoopFilter::default()
    };
    if let Some(pool) = &args.create.pool {
        filter.pool_id = Some(store.resolve_pool(pool)?.id);
    }
    if let Some(profile) = &args.create.profile {
        filter.profile_id = Some(store.resolve_profile(profile)?.id);
    }
    let mut loops = store.list_loops(&filter)?;
    control::reconcile(&mut store, &paths, &mut loops)?;
    let active: Vec<Loop> = loops.into_iter().filter(|l| l.state.is_active()).collect();
    let current = active.len() as i64;
    if current > args.count {
        // Newest first.
        for l in active.iter().rev().take((current - args.count) as usize) {
            if args.kill {
                control::kill(&mut store, &paths, l)?;
            } else {
                control::stop(&mut store, &paths, l)?;
            }
        }
    } else if current < args.count {
        let plan = plan(ctx, &store, &args.create)?;
        let mut names: Vec<String> = Vec::new();
        let mut index = 0;
        while (names.len() as i64) < args.count - current {
            let name = match &args.name_prefix {
                Some(prefix) => {
                    index += 1;
                    format!("{}-{index}", prefix.trim())
                }
                None => generated_name(&store, &names),
            };
            if !store.loop_name_exists(&name)? {
                names.push(name);
            }
        }
        for name in &names {
            let created = create_loop(ctx, &mut store, &plan, name)?;
            start_runner(ctx, &mut store, &created)?;
        }
    }
    ctx.printer.result(
        &json!({ "target": args.count, "current": current }),
        &format!("Scaled loops to {}", args.count),
    )
}
