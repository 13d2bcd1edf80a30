//! `forge queue ls|clear|rm|move`: inspect and repair a loop's operator queue.

use clap::{Args, Subcommand};
use forge_core::model::QueueItem;
use forge_store::{MoveTarget, Store};
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;
use crate::select::resolve_loop;
use crate::table::render;

/// Arguments of `forge queue`.
#[derive(Debug, Args)]
pub(crate) struct QueueArgs {
    #[command(subcommand)]
    command: QueueCommand,
}

#[derive(Debug, Subcommand)]
enum QueueCommand {
    /// List pending items (all items with --all)
    #[command(visible_alias = "list")]
    Ls {
        #[arg(value_name = "LOOP")]
        reference: String,
        /// Include consumed and skipped items
        #[arg(long)]
        all: bool,
    },
    /// Delete every pending item
    Clear {
        #[arg(value_name = "LOOP")]
        reference: String,
    },
    /// Delete one item
    Rm {
        #[arg(value_name = "LOOP")]
        reference: String,
        /// Item id (or a unique prefix of it)
        #[arg(value_name = "ITEM_ID")]
        item: String,
    },
    /// Move a pending item to the front or back
    Move {
        #[arg(value_name = "LOOP")]
        reference: String,
        /// Item id (or a unique prefix of it)
        #[arg(value_name = "ITEM_ID")]
        item: String,
        /// front or back
        #[arg(long, default_value = "front")]
        to: String,
    },
}

/// Expands a unique id prefix among the loop's items; anything else is returned as given.
fn item_id(store: &Store, loop_id: &str, given: &str) -> Result<String, CliError> {
    let items = store.all_items(loop_id)?;
    let hits: Vec<&QueueItem> = items.iter().filter(|i| i.id.starts_with(given)).collect();
    Ok(if hits.len() == 1 {
        hits[0].id.clone()
    } else {
        given.to_string()
    })
}

/// Runs `forge queue`.
pub(crate) fn run(ctx: &Ctx, args: QueueArgs) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    match args.command {
        QueueCommand::Ls { reference, all } => {
            let l = resolve_loop(&store, &reference)?;
            let items = if all {
                store.all_items(&l.id)?
            } else {
                store.pending_items(&l.id)?
            };
            if ctx.printer.is_json() {
                return ctx.printer.json(&items);
            }
            if items.is_empty() {
                return ctx.printer.line("No queue items");
            }
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|i| {
                    vec![
                        i.id.clone(),
                        i.item_type.to_string(),
                        i.status.to_string(),
                        i.position.to_string(),
                        i.created_at.clone(),
                    ]
                })
                .collect();
            ctx.printer.raw(&render(
                &["ID", "TYPE", "STATUS", "POSITION", "CREATED"],
                &rows,
            ))
        }
        QueueCommand::Clear { reference } => {
            let l = resolve_loop(&store, &reference)?;
            let n = store.clear_pending(&l.id)?;
            ctx.printer
                .result(&json!({ "cleared": n }), &format!("Cleared {n} item(s)"))
        }
        QueueCommand::Rm { reference, item } => {
            let l = resolve_loop(&store, &reference)?;
            let id = item_id(&store, &l.id, &item)?;
            store.remove_item(&l.id, &id)?;
            ctx.printer.result(
                &json!({ "removed": id, "loop": l.name }),
                &format!("Removed item {id}"),
            )
        }
        QueueCommand::Move {
            reference,
            item,
            to,
        } => {
            let target = match to.trim() {
                "front" => MoveTarget::Front,
                "back" => MoveTarget::Back,
                other => {
                    return Err(CliError::invalid(format!(
                        "unknown move target \"{other}\" (valid: front|back)"
                    )));
                }
            };
            let l = resolve_loop(&store, &reference)?;
            let id = item_id(&store, &l.id, &item)?;
            store.move_item(&l.id, &id, target)?;
            let to = to.trim();
            ctx.printer.result(
                &json!({ "moved": id, "to": to }),
                &format!("Moved item {id} to {to}"),
            )
        }
    }
}
