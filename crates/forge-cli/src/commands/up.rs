//! `forge up`: create loop rows for the current repo and start one detached runner each.

use clap::Args;

use forge_core::model::Loop;
use forge_store::Store;

use super::loop_spec::{CreateArgs, LoopPlan, create_loop, generated_name, plan, start_runner};
use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge up`.
#[derive(Debug, Args)]
pub(crate) struct UpArgs {
    /// Number of loops to start
    #[arg(short = 'n', long, default_value_t = 1, allow_negative_numbers = true)]
    count: i64,
    /// Loop name (only with --count 1; default: a friendly random name)
    #[arg(long)]
    name: Option<String>,
    /// Name loops <PREFIX>-1, <PREFIX>-2, …
    #[arg(long, value_name = "PREFIX")]
    name_prefix: Option<String>,
    #[command(flatten)]
    create: CreateArgs,
}

/// What `forge up` creates: how many loops, how they are named, and their shape.
#[derive(Debug, Clone, Default)]
pub(crate) struct UpSpec {
    pub(crate) count: i64,
    pub(crate) name: Option<String>,
    pub(crate) name_prefix: Option<String>,
    pub(crate) create: CreateArgs,
}

/// Validates a spec as `forge up` does and returns the names it would create; creates nothing.
pub(crate) fn check(
    ctx: &Ctx,
    store: &Store,
    spec: &UpSpec,
) -> Result<(LoopPlan, Vec<String>), CliError> {
    if spec.count < 1 {
        return Err(CliError::invalid(format!(
            "--count must be at least 1 (got {})",
            spec.count
        )));
    }
    if spec.name.is_some() && spec.count != 1 {
        return Err(CliError::invalid("--name requires --count=1"));
    }
    if spec.name.is_some() && spec.name_prefix.is_some() {
        return Err(CliError::invalid(
            "use either --name or --name-prefix, not both",
        ));
    }
    let plan = plan(ctx, store, &spec.create)?;
    let mut names: Vec<String> = Vec::new();
    match (&spec.name, &spec.name_prefix) {
        (Some(name), _) => {
            names.push(name.trim().to_string());
        }
        (None, Some(prefix)) => {
            names.extend((1..=spec.count).map(|i| format!("{}-{i}", prefix.trim())))
        }
        (None, None) => {
            for _ in 0..spec.count {
                let name = generated_name(store, &names);
                names.push(name);
            }
        }
    }
    for name in &names {
        super::loop_target::check_name(name)?;
        if store.loop_name_exists(name)? {
            return Err(
                CliError::exists(format!("loop name \"{name}\" already exists"))
                    .hint("Pick another --name, or remove the old loop with `forge rm`."),
            );
        }
    }
    Ok((plan, names))
}

/// Validates everything, then creates the loops and starts one runner each, calling
/// `on_started` for each as it runs; returns them. Shared with the dashboard's wizard.
pub(crate) fn start(
    ctx: &Ctx,
    store: &mut Store,
    spec: &UpSpec,
    on_started: &mut dyn FnMut(&Loop) -> Result<(), CliError>,
) -> Result<Vec<Loop>, CliError> {
    let (plan, names) = check(ctx, store, spec)?;
    let mut started = Vec::new();
    for name in &names {
        let created = create_loop(ctx, store, &plan, name)?;
        let running = start_runner(ctx, store, &created)?;
        on_started(&running)?;
        started.push(running);
    }
    Ok(started)
}

/// Runs `forge up`.
pub(crate) fn run(ctx: &Ctx, args: UpArgs) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    let spec = UpSpec {
        count: args.count,
        name: args.name,
        name_prefix: args.name_prefix,
        create: args.create,
    };
    let human = !ctx.printer.is_json();
    let started = start(ctx, &mut store, &spec, &mut |running| {
        if human {
            ctx.printer.success(&format!(
                "Loop \"{}\" started ({})",
                running.name, running.short_id
            ))?;
        }
        Ok(())
    })?;
    ctx.note_repo_root();
    if ctx.printer.is_json() {
        let json: Vec<serde_json::Value> = started
            .iter()
            .map(forge_core::model::Loop::to_json)
            .collect();
        ctx.printer.json(&json)?;
    }
    Ok(())
}
