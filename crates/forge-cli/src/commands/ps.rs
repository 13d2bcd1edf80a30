//! `forge ps` (alias `ls`): list loops, after reconciling loops whose runner died.
//!
//! Built for large fleets: one query for loops, one for run counts, one for pending queue
//! counts, profiles and pools loaded once.

use std::collections::HashMap;

use clap::Args;
use forge_core::model::{Loop, LoopHead, LoopState};
use forge_runner::{control, runner_alive};
use forge_store::{Store, UsageTotals};
use serde_json::{Map, Value, json};

use crate::context::Ctx;
use crate::error::CliError;
use crate::select::FilterArgs;
use crate::table::{or_dash, render};

/// Arguments of `forge ps`.
#[derive(Debug, Args)]
pub(crate) struct PsArgs {
    #[command(flatten)]
    filter: FilterArgs,
}

/// What the listing looks up once for every row.
struct Lookups {
    runs: HashMap<String, i64>,
    pending: HashMap<String, i64>,
    usage: HashMap<String, UsageTotals>,
    profiles: HashMap<String, String>,
    pools: HashMap<String, String>,
}

impl Lookups {
    fn load(store: &Store) -> Result<Self, CliError> {
        Ok(Lookups {
            runs: store.run_counts()?,
            pending: store.pending_counts()?,
            usage: store.usage_totals()?,
            profiles: store
                .list_profiles()?
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect(),
            pools: store
                .list_pools()?
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect(),
        })
    }

    fn name(map: &HashMap<String, String>, id: &Option<String>) -> Option<String> {
        id.as_ref().and_then(|i| map.get(i).cloned())
    }
}

/// Runs `forge ps`.
pub(crate) fn run(ctx: &Ctx, args: PsArgs) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    let paths = ctx.runner_paths();
    let mut filter = args.filter.to_filter(ctx, &store)?;
    if filter.repo.is_none() && ctx.switches.chdir_given {
        filter.repo = Some(ctx.repo().display().to_string());
    }
    if ctx.printer.is_json() {
        let mut loops = store.list_loops(&filter)?;
        control::reconcile(&mut store, &paths, &mut loops)?;
        let lookups = Lookups::load(&store)?;
        let rows: Vec<Value> = loops
            .iter()
            .map(|l| json_row(l, &lookups, &paths))
            .collect();
        return ctx.printer.json(&rows);
    }
    // The table needs only a few columns of each loop: read just those (large fleets).
    let mut heads = store.list_loop_heads(&filter)?;
    control::reconcile_heads(&mut store, &paths, &mut heads)?;
    if heads.is_empty() {
        return ctx.printer.line("No loops found");
    }
    let lookups = Lookups::load(&store)?;
    print_table(ctx, &heads, &lookups)
}

fn json_row(l: &Loop, k: &Lookups, paths: &forge_runner::RunnerPaths) -> Value {
    let mut v = l.to_json();
    let Some(obj) = v.as_object_mut() else {
        return v;
    };
    obj.insert(
        "runs".into(),
        json!(k.runs.get(&l.id).copied().unwrap_or(0)),
    );
    obj.insert(
        "pending_queue".into(),
        json!(k.pending.get(&l.id).copied().unwrap_or(0)),
    );
    obj.insert(
        "profile_name".into(),
        json!(Lookups::name(&k.profiles, &l.profile_id)),
    );
    obj.insert(
        "pool_name".into(),
        json!(Lookups::name(&k.pools, &l.pool_id)),
    );
    // Reconciliation just ran: only loops in an active state can have a runner.
    let alive = l.state.is_active() && runner_alive(paths, &l.id);
    obj.insert("runner_alive".into(), json!(alive));
    if let Some(u) = k.usage.get(&l.id) {
        obj.insert(
            "tokens".into(),
            json!({
                "input": u.input_tokens,
                "output": u.output_tokens,
                "cache_read": u.cache_read_tokens,
                "cache_write": u.cache_write_tokens,
            }),
        );
        obj.insert("cost_usd".into(), json!(u.cost_usd));
    }
    if let Some(owner) = l.runner_owner() {
        obj.insert("runner_owner".into(), json!(owner));
    }
    if let Some(until) = l.wait_until() {
        obj.insert("wait_until".into(), json!(until));
    }
    insert_reference_keys(obj, l, alive);
    v
}

fn print_table(ctx: &Ctx, heads: &[LoopHead], k: &Lookups) -> Result<(), CliError> {
    let rows: Vec<Vec<String>> = heads
        .iter()
        .map(|l| {
            let usage = k.usage.get(&l.id);
            vec![
                ctx.printer.paint("36", &l.short_id),
                l.name.clone(),
                k.runs.get(&l.id).copied().unwrap_or(0).to_string(),
                l.state.to_string(),
                or_dash(if l.state == LoopState::Waiting {
                    l.wait_until.as_deref()
                } else {
                    None
                }),
                or_dash(Lookups::name(&k.profiles, &l.profile_id).as_deref()),
                or_dash(Lookups::name(&k.pools, &l.pool_id).as_deref()),
                k.pending.get(&l.id).copied().unwrap_or(0).to_string(),
                or_dash(l.last_run_at.as_deref()),
                usage.map_or_else(
                    || "-".to_string(),
                    |u| {
                        compact_tokens(
                            u.input_tokens
                                + u.output_tokens
                                + u.cache_read_tokens
                                + u.cache_write_tokens,
                        )
                    },
                ),
                usage
                    .filter(|u| u.cost_usd > 0.0)
                    .map_or_else(|| "-".to_string(), |u| format!("${:.2}", u.cost_usd)),
                l.repo_path.clone(),
            ]
        })
        .collect();
    ctx.printer.raw(&render(
        &[
            "ID",
            "NAME",
            "RUNS",
            "STATE",
            "WAIT_UNTIL",
            "PROFILE",
            "POOL",
            "QUEUE",
            "LAST_RUN",
            "TOKENS",
            "COST",
            "REPO",
        ],
        &rows,
    ))
}

/// The reference's names for what the row already says (`last_run` = `last_run_at`,
/// `runner_pid_alive` = `runner_alive` once a runner was recorded), and its ids, `""` when unset.
fn insert_reference_keys(obj: &mut Map<String, Value>, l: &Loop, alive: bool) {
    obj.insert(
        "profile_id".into(),
        json!(l.profile_id.as_deref().unwrap_or("")),
    );
    obj.insert("pool_id".into(), json!(l.pool_id.as_deref().unwrap_or("")));
    if let Some(at) = &l.last_run_at {
        obj.insert("last_run".into(), json!(at));
    }
    if let Some(id) = l.runner_instance_id() {
        obj.insert("runner_instance_id".into(), json!(id));
    }
    if l.pid().is_some() {
        obj.insert("runner_pid_alive".into(), json!(alive));
    }
}

/// Token counts for a table cell: `950`, `12.3k`, `4.56M`.
fn compact_tokens(n: i64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.2}M", n as f64 / 1e6),
        n if n >= 10_000 => format!("{:.1}k", n as f64 / 1e3),
        n => n.to_string(),
    }
}
