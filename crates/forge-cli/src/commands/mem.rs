//! `forge mem [--loop REF] set|get|ls|rm`: a loop's persistent key/value memory, shown to the
//! agent in every prompt's Loop Context block. Inside a loop the loop defaults to
//! `$FORGE_LOOP_ID` (then `$FORGE_LOOP_NAME`), so an agent can call it without arguments.

use clap::{Args, Subcommand};
use forge_core::model::Loop;
use forge_store::{Store, StoreError};
use serde_json::json;

use crate::context::Ctx;
use crate::error::{CliError, ErrorKind};
use crate::select::resolve_loop;
use crate::table::render;

/// Arguments of `forge mem`.
#[derive(Debug, Args)]
pub(crate) struct MemArgs {
    /// The loop (default: $FORGE_LOOP_ID, then $FORGE_LOOP_NAME)
    #[arg(long = "loop", global = true, value_name = "LOOP")]
    loop_ref: Option<String>,
    #[command(subcommand)]
    command: MemCommand,
}

#[derive(Debug, Subcommand)]
enum MemCommand {
    /// Set a key (insert or replace)
    Set { key: String, value: String },
    /// Print a key's value
    Get { key: String },
    /// List every key
    #[command(visible_alias = "list")]
    Ls,
    /// Delete a key
    #[command(visible_aliases = ["remove", "delete"])]
    Rm { key: String },
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The loop a `mem`/`work` command acts on: `--loop`, else `$FORGE_LOOP_ID`, else
/// `$FORGE_LOOP_NAME`.
pub(crate) fn default_loop(store: &Store, given: Option<&str>) -> Result<Loop, CliError> {
    let reference = given
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .or_else(|| env_value("FORGE_LOOP_ID"))
        .or_else(|| env_value("FORGE_LOOP_NAME"));
    match reference {
        Some(r) => resolve_loop(store, &r),
        None => Err(
            CliError::invalid("loop required (pass --loop or set FORGE_LOOP_ID)")
                .hint("Inside a loop FORGE_LOOP_ID is set for you; outside, pass --loop <name>."),
        ),
    }
}

fn kv_error(e: StoreError) -> CliError {
    match e {
        StoreError::NotFound {
            what: "loop kv",
            name,
        } => CliError::with_kind(ErrorKind::NotFound, format!("loop kv not found: {name:?}"))
            .hint("List keys with `forge mem ls`."),
        other => other.into(),
    }
}

/// Runs `forge mem`.
pub(crate) fn run(ctx: &Ctx, args: MemArgs) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    let l = default_loop(&store, args.loop_ref.as_deref())?;
    match args.command {
        MemCommand::Set { key, value } => {
            store.kv_set(&l.id, &key, &value)?;
            let key = key.trim();
            ctx.printer.result(
                &json!({ "loop": l.name, "key": key, "ok": true }),
                &format!("Set {key} for loop {}", l.name),
            )
        }
        MemCommand::Get { key } => {
            let kv = store.kv_get(&l.id, &key).map_err(kv_error)?;
            if ctx.printer.is_json() {
                ctx.printer.json(&kv)
            } else {
                ctx.printer.line(&kv.value)
            }
        }
        MemCommand::Ls => {
            let rows = store.kv_list(&l.id)?;
            if ctx.printer.is_json() {
                return ctx.printer.json(&rows);
            }
            if rows.is_empty() {
                return ctx.printer.line("(empty)");
            }
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|kv| vec![kv.key.clone(), one_line(&kv.value)])
                .collect();
            ctx.printer.raw(&render(&["KEY", "VALUE"], &cells))
        }
        MemCommand::Rm { key } => {
            store.kv_delete(&l.id, &key).map_err(kv_error)?;
            let key = key.trim();
            ctx.printer.result(
                &json!({ "loop": l.name, "key": key, "ok": true }),
                &format!("Removed {key} from loop {}", l.name),
            )
        }
    }
}

/// A value on one table line: newlines shown as `\n`.
fn one_line(value: &str) -> String {
    value.replace('\n', "\\n")
}
