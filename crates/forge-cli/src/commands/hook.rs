//! `forge hook add|on-event|ls|rm|test`: commands, webhooks and desktop notices that run when a
//! matching event is recorded, delivered by the per-user dispatcher (`forge hook dispatch`,
//! hidden) off every loop's path.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::{Args, Subcommand};
use forge_core::duration::parse_flag_secs;
use forge_core::events::{ENTITY_LOOP, parse_kinds};
use forge_core::hooks::{Hook, HookAction, HookScope};
use forge_core::model::Event;
use forge_core::time::now_rfc3339;
use forge_hooks::{Delivered, Outcome};
use forge_store::NewHook;
use serde_json::{Value, json};

use crate::context::Ctx;
use crate::error::CliError;
use crate::select::resolve_loop;
use crate::table;

/// Arguments of `forge hook`.
#[derive(Debug, Args)]
pub(crate) struct HookArgs {
    #[command(subcommand)]
    command: HookCommand,
}

#[derive(Debug, Subcommand)]
enum HookCommand {
    /// Run a command, POST a webhook or show a desktop notice when matching events are recorded
    Add(AddArgs),
    /// The reference's form of `hook add` (--type, --entity-type, --entity-id)
    OnEvent(OnEventArgs),
    /// List hooks and how their last delivery went
    #[command(visible_alias = "list")]
    Ls,
    /// Remove a hook
    #[command(visible_aliases = ["remove", "delete"])]
    Rm {
        /// The hook id (from `forge hook ls`)
        id: i64,
    },
    /// Deliver a test event to a hook now, in the foreground, and show what happened
    Test {
        /// The hook id (from `forge hook ls`)
        id: i64,
    },
    /// Deliver events to hooks until none is left (started automatically)
    #[command(hide = true)]
    Dispatch,
}

/// What a hook does: exactly one of `--cmd`, `--url`, `--desktop`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false, id = "action")]
struct ActionArgs {
    /// Run this command in `bash -lc` (event JSON on stdin, FORGE_EVENT_* variables)
    #[arg(long, value_name = "CMD")]
    cmd: Option<String>,
    /// POST the event JSON to this http:// or https:// URL
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Show a desktop notification naming the loop (notify-send, or osascript on macOS)
    #[arg(long)]
    desktop: bool,
}

/// Options every hook has.
#[derive(Debug, Args)]
struct CommonArgs {
    /// A webhook header, K=V (repeatable)
    #[arg(long = "header", value_name = "K=V")]
    headers: Vec<String>,
    /// How long one delivery attempt may take
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    timeout: String,
    /// Create the hook disabled
    #[arg(long)]
    disabled: bool,
}

/// Arguments of `forge hook add`.
#[derive(Debug, Args)]
struct AddArgs {
    /// Event kinds or families, comma-separated (loop.stopped,run.rate_limited, loop.*, *)
    #[arg(long, value_name = "KINDS", required = true)]
    on: String,
    /// Only events about this loop
    #[arg(long = "loop", value_name = "LOOP", conflicts_with = "repo")]
    loop_ref: Option<String>,
    /// Only events about loops of this repository
    #[arg(long, value_name = "PATH")]
    repo: Option<std::path::PathBuf>,
    #[command(flatten)]
    action: ActionArgs,
    #[command(flatten)]
    common: CommonArgs,
}

/// Arguments of `forge hook on-event` (the reference's flags).
#[derive(Debug, Args)]
struct OnEventArgs {
    /// Event kinds, comma-separated (default: every kind)
    #[arg(long = "type", value_name = "KINDS", default_value = "*")]
    kinds: String,
    /// Only events about this kind of entity (loop, profile, pool, hook); needs --entity-id
    #[arg(long, value_name = "TYPE", requires = "entity_id")]
    entity_type: Option<String>,
    /// Only events about this entity id (with --entity-type; a loop by default)
    #[arg(long, value_name = "ID")]
    entity_id: Option<String>,
    #[command(flatten)]
    action: ActionArgs,
    #[command(flatten)]
    common: CommonArgs,
}

/// Runs `forge hook`.
pub(crate) fn run(ctx: &Ctx, args: HookArgs) -> Result<(), CliError> {
    match args.command {
        HookCommand::Add(a) => {
            let mut store = ctx.open_store()?;
            let scope = match (&a.loop_ref, &a.repo) {
                (Some(r), _) => HookScope::Entity {
                    entity_type: ENTITY_LOOP.into(),
                    entity_id: resolve_loop(&store, r)?.id,
                },
                (None, Some(repo)) => HookScope::Repo {
                    repo: ctx.absolute(repo).display().to_string(),
                },
                (None, None) => HookScope::All,
            };
            add(ctx, &mut store, &a.on, scope, &a.action, &a.common)
        }
        HookCommand::OnEvent(a) => {
            let scope = match (a.entity_type, a.entity_id) {
                (t, Some(id)) => HookScope::Entity {
                    entity_type: t.unwrap_or_else(|| ENTITY_LOOP.into()),
                    entity_id: id,
                },
                _ => HookScope::All,
            };
            add(
                ctx,
                &mut ctx.open_store()?,
                &a.kinds,
                scope,
                &a.action,
                &a.common,
            )
        }
        HookCommand::Ls => ls(ctx),
        HookCommand::Rm { id } => {
            ctx.open_store()?.delete_hook(id)?;
            ctx.printer
                .result(&json!({ "removed": id }), &format!("Hook {id} removed"))
        }
        HookCommand::Test { id } => test(ctx, id),
        HookCommand::Dispatch => forge_hooks::run_dispatcher(&ctx.runner_paths().hook_paths())
            .map_err(|e| CliError::failed(format!("hook dispatcher: {e}"))),
    }
}

/// The action of `--cmd`/`--url`/`--desktop` with its headers, checked.
fn action(a: &ActionArgs, common: &CommonArgs) -> Result<HookAction, CliError> {
    let mut headers = Vec::new();
    for h in &common.headers {
        let (k, v) = h.split_once('=').ok_or_else(|| {
            CliError::invalid(format!(
                "invalid --header {h:?} (use NAME=VALUE, e.g. Authorization='Bearer …')"
            ))
        })?;
        if k.trim().is_empty() || k.contains([' ', ':']) {
            return Err(CliError::invalid(format!(
                "invalid --header {h:?}: {k:?} is not a header name"
            )));
        }
        headers.push((k.trim().to_string(), v.to_string()));
    }
    if a.url.is_none() && !headers.is_empty() {
        return Err(CliError::invalid("--header is only for webhooks (--url)"));
    }
    Ok(match (&a.cmd, &a.url, a.desktop) {
        (Some(cmd), _, _) if cmd.trim().is_empty() => {
            return Err(CliError::invalid("--cmd must not be empty"));
        }
        (Some(cmd), _, _) => HookAction::Command { cmd: cmd.clone() },
        (None, Some(url), _) => {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(CliError::invalid(format!(
                    "invalid --url {url:?}: a webhook URL starts with http:// or https://"
                )));
            }
            HookAction::Webhook {
                url: url.clone(),
                headers,
            }
        }
        _ => HookAction::Desktop,
    })
}

fn add(
    ctx: &Ctx,
    store: &mut forge_store::Store,
    on: &str,
    scope: HookScope,
    a: &ActionArgs,
    common: &CommonArgs,
) -> Result<(), CliError> {
    parse_kinds(on).map_err(|e| {
        CliError::invalid(format!("invalid --on: {e}"))
            .hint("Every kind is listed in docs/events.md.")
    })?;
    let secs = parse_flag_secs("--timeout", &common.timeout).map_err(CliError::invalid)?;
    if !(1..=3600).contains(&secs) {
        return Err(CliError::invalid(format!(
            "invalid --timeout {:?}: a hook may take from 1s to 1h",
            common.timeout
        )));
    }
    let new = NewHook {
        on: on
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .collect::<Vec<_>>()
            .join(","),
        scope,
        action: action(a, common)?,
        timeout_ms: secs as u64 * 1000,
        enabled: !common.disabled,
    };
    let hook = store.insert_hook(&new)?;
    let paths = ctx.runner_paths().hook_paths();
    forge_hooks::set_marker(&paths, true).map_err(|e| {
        CliError::failed(format!(
            "unable to write {}: {e}",
            paths.marker_path().display()
        ))
    })?;
    forge_hooks::ensure_dispatcher(&paths);
    let human = format!(
        "Hook {} added: on {} → {}",
        hook.id,
        hook.on_text(),
        hook.action.summary()
    );
    ctx.printer.result(&hook_json(&hook, None), &human)
}

/// A hook as JSON (header values are never printed).
fn hook_json(hook: &Hook, last: Option<&forge_store::Delivery>) -> Value {
    let mut action = serde_json::to_value(&hook.action).unwrap_or(Value::Null);
    if let Some(headers) = action.get_mut("headers").and_then(Value::as_array_mut) {
        for h in headers.iter_mut() {
            *h = h.get(0).cloned().unwrap_or(Value::Null);
        }
    }
    json!({
        "id": hook.id,
        "on": hook.on_text(),
        "scope": hook.scope,
        "action": action,
        "timeout_ms": hook.timeout_ms,
        "enabled": hook.enabled,
        "cursor": hook.cursor,
        "created_at": hook.created_at,
        "last_delivery": last,
    })
}

/// A hook's scope for people: a loop by its name and short id (the stored scope is its id).
fn scope_text(store: &forge_store::Store, scope: &HookScope) -> String {
    match scope {
        HookScope::All => "all".into(),
        HookScope::Entity {
            entity_type,
            entity_id,
        } if entity_type == "loop" => match store.get_loop(entity_id) {
            Ok(l) => format!("loop {} ({})", l.name, l.short_id),
            Err(_) => format!("loop {entity_id} (no such loop)"),
        },
        HookScope::Entity {
            entity_type,
            entity_id,
        } => format!("{entity_type} {entity_id}"),
        HookScope::Repo { repo } => format!("repo {repo}"),
    }
}

fn ls(ctx: &Ctx) -> Result<(), CliError> {
    let store = ctx.open_store()?;
    let hooks = store.list_hooks()?;
    let mut lasts = Vec::with_capacity(hooks.len());
    for h in &hooks {
        lasts.push(store.deliveries(h.id, 1)?.pop());
    }
    if ctx.printer.is_json() {
        let rows: Vec<_> = hooks
            .iter()
            .zip(&lasts)
            .map(|(h, last)| hook_json(h, last.as_ref()))
            .collect();
        return ctx.printer.json(&rows);
    }
    if hooks.is_empty() {
        return ctx
            .printer
            .line("No hooks (add one with `forge hook add --on loop.stopped --desktop`)");
    }
    let rows: Vec<Vec<String>> = hooks
        .iter()
        .zip(&lasts)
        .map(|(h, last)| {
            let last_text = last.as_ref().map(|d| {
                let error = d
                    .error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default();
                format!("{} #{}{error}", d.status, d.event_id)
            });
            vec![
                h.id.to_string(),
                h.on_text(),
                scope_text(&store, &h.scope),
                h.action.summary(),
                forge_core::duration::format_go_duration((h.timeout_ms / 1000) as i64),
                if h.enabled { "yes".into() } else { "no".into() },
                table::or_dash(last_text.as_deref()),
            ]
        })
        .collect();
    ctx.printer.raw(&table::render(
        &["ID", "ON", "SCOPE", "ACTION", "TIMEOUT", "ENABLED", "LAST"],
        &rows,
    ))
}

/// Delivers a `hook.test` event to one hook now and reports each attempt; not recorded.
fn test(ctx: &Ctx, id: i64) -> Result<(), CliError> {
    let store = ctx.open_store()?;
    let hook = store.get_hook(id)?;
    let event = Event {
        id: 0,
        created_at: now_rfc3339(),
        kind: "hook.test".into(),
        entity_type: "hook".into(),
        entity_id: id.to_string(),
        data: json!({ "hook": id, "message": "a test event from `forge hook test`" }),
    };
    let json = forge_hooks::event_json(&event, &store.profile_env_values()?);
    let mut attempts: Vec<Delivered> = Vec::new();
    let stop = Arc::new(AtomicBool::new(false));
    forge_hooks::deliver(
        &hook,
        &event,
        &json,
        &ctx.settings.data_dir.value,
        &stop,
        &mut |d| attempts.push(d.clone()),
    );
    let delivered = attempts
        .last()
        .is_some_and(|d| d.outcome == Outcome::Delivered);
    if ctx.printer.is_json() {
        let rows: Vec<Value> = attempts
            .iter()
            .map(|d| {
                let (status, error) = match &d.outcome {
                    Outcome::Delivered => ("ok", None),
                    Outcome::Failed { error, retry } => (if *retry { "retry" } else { "failed" }, Some(error)),
                };
                json!({ "attempt": d.attempt, "status": status, "error": error, "duration_ms": d.duration.as_millis() as u64 })
            })
            .collect();
        ctx.printer
            .json(&json!({ "hook": id, "delivered": delivered, "attempts": rows }))?;
        return if delivered {
            Ok(())
        } else {
            Err(CliError::reported())
        };
    } else {
        for d in &attempts {
            let ms = d.duration.as_millis();
            let line = match &d.outcome {
                Outcome::Delivered => format!("attempt {}: delivered ({ms} ms)", d.attempt),
                Outcome::Failed { error, retry: true } => {
                    format!("attempt {}: {error} ({ms} ms); retrying", d.attempt)
                }
                Outcome::Failed {
                    error,
                    retry: false,
                } => format!("attempt {}: {error} ({ms} ms)", d.attempt),
            };
            ctx.printer.line(&line)?;
        }
    }
    if delivered {
        return Ok(());
    }
    let why = attempts
        .last()
        .and_then(|d| match &d.outcome {
            Outcome::Failed { error, .. } => Some(error.clone()),
            Outcome::Delivered => None,
        })
        .unwrap_or_else(|| "nothing was attempted".into());
    Err(CliError::failed(format!("hook {id} failed: {why}"))
        .hint("Fix the hook's command or URL, or remove it with `forge hook rm`."))
}
