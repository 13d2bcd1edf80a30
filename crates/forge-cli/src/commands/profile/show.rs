//! `forge profile show <name>`: every field, including the exact command template.

use clap::Args;

use crate::context::Ctx;
use crate::error::CliError;
use crate::table::or_dash;

/// Arguments of `forge profile show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// Profile name or id
    profile: String,
}

/// Runs `forge profile show`.
pub(crate) fn run(ctx: &Ctx, args: ShowArgs) -> Result<(), CliError> {
    let store = ctx.open_store()?;
    let p = store.resolve_profile(&args.profile)?;
    if ctx.printer.is_json() {
        return ctx.printer.json(&p);
    }
    let env = p
        .env
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ");
    let fields = [
        ("Name", p.name.clone()),
        ("ID", p.id.clone()),
        ("Harness", p.harness.clone()),
        ("Auth kind", or_dash(p.auth_kind.as_deref())),
        ("Auth home", or_dash(p.auth_home.as_deref())),
        ("Prompt mode", p.prompt_mode.to_string()),
        ("Command", p.command_template.clone()),
        ("Model", or_dash(p.model.as_deref())),
        ("Extra args", or_dash(Some(&p.extra_args.join(" ")))),
        ("Env", or_dash(Some(&env))),
        ("Max concurrency", p.max_concurrency.to_string()),
        ("Cooldown until", or_dash(p.cooldown_until.as_deref())),
    ];
    let out: String = fields
        .iter()
        .map(|(k, v)| format!("{:<16} {v}\n", format!("{k}:")))
        .collect();
    ctx.printer.raw(&out)
}
