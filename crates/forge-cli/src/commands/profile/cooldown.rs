//! `forge profile cooldown set <name> --until <duration|RFC3339>` / `cooldown clear <name>`.

use clap::{Args, Subcommand};
use forge_core::duration::parse_duration_secs_ceil;
use forge_core::model::Profile;
use forge_core::time::{add_seconds, format_ts, parse_ts};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge profile cooldown`.
#[derive(Debug, Args)]
pub(crate) struct CooldownArgs {
    #[command(subcommand)]
    command: CooldownCommand,
}

#[derive(Debug, Subcommand)]
enum CooldownCommand {
    /// Keep the profile out of rotation until a time
    Set {
        /// Profile name or id
        profile: String,
        /// A duration from now (30m, 2h) or an RFC 3339 time
        #[arg(long, value_name = "DURATION|TIME")]
        until: String,
    },
    /// Put the profile back into rotation
    Clear {
        /// Profile name or id
        profile: String,
    },
}

/// The profile record (as the reference prints it), plus `profile` (its name) and
/// `cooldown_until` (`null` once cleared).
fn record_json(p: &Profile, until: Value) -> Map<String, Value> {
    let mut doc = match serde_json::to_value(p) {
        Ok(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    doc.insert("profile".into(), json!(p.name));
    doc.insert("cooldown_until".into(), until);
    doc
}

/// Runs `forge profile cooldown`.
pub(crate) fn run(ctx: &Ctx, args: CooldownArgs) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    match args.command {
        CooldownCommand::Set { profile, until } => {
            let ts = match parse_duration_secs_ceil(&until) {
                Ok(secs) if secs > 0 => add_seconds(Timestamp::now(), secs),
                Ok(_) => {
                    return Err(CliError::invalid(format!(
                        "--until must be in the future (got {until})"
                    )));
                }
                Err(_) => parse_ts(&until).ok_or_else(|| {
                    CliError::invalid(format!(
                        "invalid --until \"{until}\" (use a duration like 30m or an RFC 3339 time)"
                    ))
                })?,
            };
            let until = format_ts(ts);
            let p = store.resolve_profile(&profile)?;
            store.set_cooldown(&p.id, Some(&until), "operator")?;
            ctx.printer.result(
                &record_json(&store.get_profile(&p.id)?, json!(until)),
                &format!("Profile \"{}\" in cooldown until {until}", p.name),
            )
        }
        CooldownCommand::Clear { profile } => {
            let p = store.resolve_profile(&profile)?;
            store.set_cooldown(&p.id, None, "operator")?;
            ctx.printer.result(
                &record_json(&store.get_profile(&p.id)?, Value::Null),
                &format!("Profile \"{}\" cooldown cleared", p.name),
            )
        }
    }
}
