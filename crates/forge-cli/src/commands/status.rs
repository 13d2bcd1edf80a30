//! `forge status`: loops by state, profiles in cooldown, recent errors.

use std::collections::BTreeMap;

use clap::Args;
use forge_core::model::LoopState;
use forge_core::time::{now_rfc3339, parse_ts};
use forge_runner::control;
use forge_store::LoopFilter;
use jiff::Timestamp;
use serde_json::json;

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
    let cooldowns: Vec<_> = store
        .list_profiles()?
        .into_iter()
        .filter_map(|p| {
            let until = p.cooldown_until.clone()?;
            (parse_ts(&until)? > now).then(|| json!({ "profile": p.name, "until": until }))
        })
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
        return ctx.printer.json(&json!({
            "timestamp": now_rfc3339(),
            "loops": { "total": loops.len(), "by_state": by_state },
            "cooldowns": cooldowns,
            "errors": errors,
        }));
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
