//! `forge status`: loops by state, profiles in cooldown, recent errors; in JSON also the
//! reference's fleet view (`nodes`, `workspaces`, `agents`, `alerts`, see [`fleet`]).

mod fleet;

use std::collections::{BTreeMap, HashSet};

use clap::Args;
use forge_core::model::{Loop, LoopState};
use forge_core::time::{now_rfc3339, parse_ts};
use forge_runner::{RunnerPaths, control, runner_alive};
use forge_store::{LoopFilter, Store};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::context::Ctx;
use crate::error::CliError;

/// How many recent errors are shown.
const RECENT_ERRORS: usize = 10;

/// Arguments of `forge status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {}

/// Runs `forge status`.
pub(crate) fn run(ctx: &Ctx, _args: StatusArgs) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    let paths = ctx.runner_paths();
    let mut loops = store.list_loops(&LoopFilter::default())?;
    control::reconcile(&mut store, &paths, &mut loops)?;
    let mut by_state: BTreeMap<&str, usize> =
        LoopState::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for l in &loops {
        *by_state.entry(l.state.as_str()).or_default() += 1;
    }
    let now = Timestamp::now();
    let cooling: Vec<_> = store
        .list_profiles()?
        .into_iter()
        .filter_map(|p| {
            let until = p.cooldown_until.clone()?;
            (parse_ts(&until)? > now).then_some((p, until))
        })
        .collect();
    let cooldowns: Vec<_> = cooling
        .iter()
        .map(|(p, until)| json!({ "profile": p.name, "until": until }))
        .collect();
    let mut errored: Vec<_> = loops
        .iter()
        .filter(|l| l.state == LoopState::Error || l.last_error.as_deref() == Some("stale_runner"))
        .collect();
    errored.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
    let errors: Vec<_> = errored
        .iter()
        .take(RECENT_ERRORS)
        .map(|l| {
            json!({ "loop_id": l.id, "short_id": l.short_id, "name": l.name, "state": l.state,
                    "error": l.last_error.clone().unwrap_or_default(), "at": l.updated_at })
        })
        .collect();
    if ctx.printer.is_json() {
        let mut doc = Map::new();
        doc.insert("timestamp".into(), json!(now_rfc3339()));
        let cooling: HashSet<String> = cooling.into_iter().map(|(p, _)| p.id).collect();
        doc.extend(fleet_view(&store, &paths, &loops, &cooling)?);
        doc.insert(
            "loops".into(),
            json!({ "total": loops.len(), "by_state": by_state }),
        );
        doc.insert("cooldowns".into(), json!(cooldowns));
        doc.insert("errors".into(), json!(errors));
        return ctx.printer.json(&doc);
    }
    let mut out = format!("Loops: {}\n", loops.len());
    for state in LoopState::ALL {
        out.push_str(&format!(
            "  {:<9} {}\n",
            state.as_str(),
            by_state.get(state.as_str()).copied().unwrap_or(0)
        ));
    }
    out.push_str(&format!("Profiles in cooldown: {}\n", cooldowns.len()));
    for c in &cooldowns {
        out.push_str(&format!(
            "  {} until {}\n",
            c["profile"].as_str().unwrap_or_default(),
            c["until"].as_str().unwrap_or_default()
        ));
    }
    out.push_str(&format!("Recent errors: {}\n", errors.len()));
    for e in &errors {
        out.push_str(&format!(
            "  {} ({}) {}: {}\n",
            e["name"].as_str().unwrap_or_default(),
            e["short_id"].as_str().unwrap_or_default(),
            e["at"].as_str().unwrap_or_default(),
            e["error"].as_str().unwrap_or_default()
        ));
    }
    ctx.printer.raw(&out)
}

/// The reference's fleet keys for `loops` (already reconciled); `cooling` holds the ids of the
/// profiles in cooldown.
fn fleet_view(
    store: &Store,
    paths: &RunnerPaths,
    loops: &[Loop],
    cooling: &HashSet<String>,
) -> Result<Map<String, Value>, CliError> {
    let pending = store.pending_counts()?;
    let cooling_pools = cooling_pools(store, cooling)?;
    let default_pool = store.default_pool()?.map(|p| p.id);
    let facts: Vec<fleet::LoopFacts<'_>> = loops
        .iter()
        .map(|l| {
            let cooldown = match (&l.profile_id, &l.pool_id) {
                (Some(profile), _) => cooling.contains(profile),
                (None, Some(pool)) => cooling_pools.contains(pool),
                (None, None) => default_pool
                    .as_ref()
                    .is_some_and(|pool| cooling_pools.contains(pool)),
            };
            fleet::LoopFacts {
                l,
                runner_alive: l.state.is_active() && runner_alive(paths, &l.id),
                pending: pending.get(&l.id).copied().unwrap_or(0),
                cooldown,
            }
        })
        .collect();
    Ok(fleet::summary(&facts))
}

/// Pools that have members, all of them in cooldown.
fn cooling_pools(store: &Store, cooling: &HashSet<String>) -> Result<HashSet<String>, CliError> {
    let mut out = HashSet::new();
    if cooling.is_empty() {
        return Ok(out);
    }
    for pool in store.list_pools()? {
        let members = store.list_pool_members(&pool.id)?;
        if !members.is_empty() && members.iter().all(|m| cooling.contains(&m.profile.id)) {
            out.insert(pool.id);
        }
    }
    Ok(out)
}
