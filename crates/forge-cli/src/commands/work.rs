//! `forge work [--loop REF] set|current|ls|clear`: the loop's "what am I working on" pointer,
//! shown to the agent in every prompt's Loop Context block. The loop defaults like `forge mem`.

use clap::{Args, Subcommand};
use forge_core::model::WorkState;
use serde_json::{Map, Value, json};

use crate::commands::mem::default_loop;
use crate::context::Ctx;
use crate::error::CliError;
use crate::table::render;

/// Arguments of `forge work`.
#[derive(Debug, Args)]
pub(crate) struct WorkArgs {
    /// The loop (default: $FORGE_LOOP_ID, then $FORGE_LOOP_NAME)
    #[arg(long = "loop", global = true, value_name = "LOOP")]
    loop_ref: Option<String>,
    #[command(subcommand)]
    command: WorkCommand,
}

#[derive(Debug, Subcommand)]
enum WorkCommand {
    /// Make a task the loop's current task
    Set {
        #[arg(value_name = "TASK_ID")]
        task_id: String,
        /// Status: todo, in_progress, blocked or done (default: in_progress)
        #[arg(long, default_value = "in_progress")]
        status: String,
        /// One line about where the task stands
        #[arg(long)]
        detail: Option<String>,
        /// Agent id (default: $FMAIL_AGENT, then $SV_ACTOR, then $FORGE_LOOP_NAME, then the loop)
        #[arg(long)]
        agent: Option<String>,
    },
    /// Show the current task
    Current,
    /// List work-state rows, current first, then newest
    #[command(visible_alias = "list")]
    Ls,
    /// Clear the current task pointer (rows stay)
    Clear,
}

/// The statuses a task may have.
const WORK_STATUSES: &[&str] = &["todo", "in_progress", "blocked", "done"];

fn default_agent() -> Option<String> {
    ["FMAIL_AGENT", "SV_ACTOR", "FORGE_LOOP_NAME"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
}

/// One human line: `<task> [<status>] agent=<a> iter=<n> updated=<ts>[ | <detail>]`.
fn describe(w: &WorkState) -> String {
    let mut line = format!(
        "{} [{}] agent={} iter={} updated={}",
        w.task_id, w.status, w.agent_id, w.loop_iteration, w.updated_at
    );
    if let Some(detail) = w.detail.as_deref().filter(|d| !d.is_empty()) {
        line.push_str(" | ");
        line.push_str(detail);
    }
    line
}

/// The JSON of `set` and `current`: the record's own keys at the top level (as the reference
/// prints it) and again under `current`; `{"current": null}` when there is none.
fn record_json(current: Option<&WorkState>) -> Map<String, Value> {
    let mut doc = match serde_json::to_value(current) {
        Ok(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    doc.insert("current".into(), json!(current));
    doc
}

/// Runs `forge work`.
pub(crate) fn run(ctx: &Ctx, args: WorkArgs) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    let l = default_loop(&store, args.loop_ref.as_deref())?;
    match args.command {
        WorkCommand::Set {
            task_id,
            status,
            detail,
            agent,
        } => {
            let task_id = task_id.trim().to_string();
            if task_id.is_empty() {
                return Err(CliError::invalid("task id is required"));
            }
            let agent = agent
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .or_else(default_agent)
                .unwrap_or_else(|| l.name.clone());
            let status = match status.trim() {
                "" => "in_progress".to_string(),
                s if WORK_STATUSES.contains(&s) => s.to_string(),
                other => {
                    return Err(CliError::invalid(format!(
                        "invalid --status {other:?} (valid: {})",
                        WORK_STATUSES.join("|")
                    )));
                }
            };
            let state = WorkState {
                id: String::new(),
                loop_id: l.id.clone(),
                agent_id: agent,
                task_id,
                status,
                detail: detail
                    .map(|d| d.trim().to_string())
                    .filter(|d| !d.is_empty()),
                loop_iteration: l.iteration_count(),
                is_current: true,
                created_at: String::new(),
                updated_at: String::new(),
            };
            store.work_set_current(&state)?;
            let current = store.work_current(&l.id)?;
            let human = format!(
                "Current task of loop {}: {} [{}]",
                l.name, state.task_id, state.status
            );
            let mut doc = record_json(current.as_ref());
            doc.insert("loop".into(), json!(l.name));
            ctx.printer.result(&doc, &human)
        }
        WorkCommand::Current => {
            let current = store.work_current(&l.id)?;
            if ctx.printer.is_json() {
                return ctx.printer.json(&record_json(current.as_ref()));
            }
            match current {
                Some(w) => ctx.printer.line(&describe(&w)),
                None => ctx.printer.line("(none)"),
            }
        }
        WorkCommand::Ls => {
            let rows = store.work_list(&l.id, 0)?;
            if ctx.printer.is_json() {
                return ctx.printer.json(&rows);
            }
            if rows.is_empty() {
                return ctx.printer.line("(none)");
            }
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|w| {
                    vec![
                        if w.is_current { "*" } else { "" }.to_string(),
                        w.task_id.clone(),
                        w.status.clone(),
                        w.agent_id.clone(),
                        w.loop_iteration.to_string(),
                        w.updated_at.clone(),
                        w.detail.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            ctx.printer.raw(&render(
                &[
                    "CUR", "TASK", "STATUS", "AGENT", "ITER", "UPDATED", "DETAIL",
                ],
                &cells,
            ))
        }
        WorkCommand::Clear => {
            store.work_clear_current(&l.id)?;
            ctx.printer.result(
                &json!({ "loop": l.name, "ok": true }),
                &format!("Cleared the current task of loop {}", l.name),
            )
        }
    }
}
