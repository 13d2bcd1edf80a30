//! `forge up`: create loop rows for the current repo and start one detached runner each.

use clap::Args;

use super::loop_spec::{CreateArgs, create_loop, generated_name, plan, start_runner};
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

/// Runs `forge up`.
pub(crate) fn run(ctx: &Ctx, args: UpArgs) -> Result<(), CliError> {
    if args.count < 1 {
        return Err(CliError::invalid(format!(
            "--count must be at least 1 (got {})",
            args.count
        )));
    }
    if args.name.is_some() && args.count != 1 {
        return Err(CliError::invalid("--name requires --count=1"));
    }
    if args.name.is_some() && args.name_prefix.is_some() {
        return Err(CliError::invalid(
            "use either --name or --name-prefix, not both",
        ));
    }
    let mut store = ctx.open_store()?;
    let plan = plan(ctx, &store, &args.create)?;
    ctx.note_repo_root();
    let mut names: Vec<String> = Vec::new();
    match (&args.name, &args.name_prefix) {
        (Some(name), _) => {
            names.push(name.trim().to_string());
        }
        (None, Some(prefix)) => {
            names.extend((1..=args.count).map(|i| format!("{}-{i}", prefix.trim())))
        }
        (None, None) => {
            for _ in 0..args.count {
                let name = generated_name(&store, &names);
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
    let mut started = Vec::new();
    for name in &names {
        let created = create_loop(ctx, &mut store, &plan, name)?;
        let running = start_runner(ctx, &mut store, &created)?;
        if !ctx.printer.is_json() {
            ctx.printer.success(&format!(
                "Loop \"{}\" started ({})",
                running.name, running.short_id
            ))?;
        }
        started.push(running);
    }
    if ctx.printer.is_json() {
        let json: Vec<serde_json::Value> = started
            .iter()
            .map(forge_core::model::Loop::to_json)
            .collect();
        ctx.printer.json(&json)?;
    }
    Ok(())
}
