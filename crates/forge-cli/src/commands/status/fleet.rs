//! The reference's fleet view of `forge status --json`: `nodes`, `workspaces`, `agents` and
//! `alerts`, computed from loops the way the reference maps them (each loop is an "agent", its
//! runner a "node", each distinct repo a "workspace"). See docs/json.md for the mapping.

use std::collections::{BTreeSet, HashMap};

use forge_core::model::{Loop, LoopState};
use serde_json::{Map, Value, json};

/// At most this many alert items are listed (`alerts.total` counts them all).
const ALERT_ITEMS: usize = 5;

/// The reference's agent states, in its order.
const AGENT_STATES: [&str; 8] = [
    "working",
    "idle",
    "awaiting_approval",
    "rate_limited",
    "error",
    "paused",
    "starting",
    "stopped",
];

/// What the fleet view needs to know about one loop.
pub(super) struct LoopFacts<'a> {
    pub(super) l: &'a Loop,
    /// Its runner holds the runner lock.
    pub(super) runner_alive: bool,
    /// Pending queue items.
    pub(super) pending: i64,
    /// The profiles it can run on are all in cooldown.
    pub(super) cooldown: bool,
}

/// A loop's runner as a reference "node".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Health {
    /// The runner is alive.
    Online,
    /// A runner was recorded (it wrote its pid) and is gone.
    Offline,
    /// No runner was ever recorded.
    Unknown,
}

fn health(f: &LoopFacts<'_>) -> Health {
    if f.runner_alive {
        Health::Online
    } else if f.l.pid().is_some() {
        Health::Offline
    } else {
        Health::Unknown
    }
}

/// The reference's classification of a loop state into its agent states.
fn agent_state(state: LoopState, pending: i64, cooldown: bool) -> &'static str {
    match state {
        LoopState::Error => "error",
        LoopState::Stopped => "stopped",
        _ if cooldown => "rate_limited",
        LoopState::Waiting => "awaiting_approval",
        LoopState::Sleeping => "paused",
        LoopState::Running if pending > 0 => "working",
        LoopState::Running => "idle",
    }
}

/// One alert: (severity rank, created_at, JSON item).
type Alert = (u8, String, Value);

fn alert(rank: u8, severity: &str, kind: &str, message: String, l: &Loop) -> Alert {
    let item = json!({
        "type": kind,
        "severity": severity,
        "message": message,
        "agent_id": l.short_id,
        "created_at": l.updated_at,
    });
    (rank, l.updated_at.clone(), item)
}

/// The reference's alerts for one loop: errors, cooldowns, waiting with queued input, and a
/// runner that died under an active loop.
fn alerts(f: &LoopFacts<'_>, out: &mut Vec<Alert>) {
    let l = f.l;
    if l.state == LoopState::Error {
        let message = match l.last_error.as_deref().map(str::trim) {
            Some(e) if !e.is_empty() => format!("Loop '{}' error: {e}", l.name),
            _ => format!("Loop '{}' error", l.name),
        };
        out.push(alert(3, "error", "error", message, l));
    }
    if f.cooldown {
        let message = format!("Loop '{}' profile cooldown active", l.name);
        out.push(alert(1, "info", "cooldown", message, l));
    }
    if l.state == LoopState::Waiting && f.pending > 0 {
        let message = format!(
            "Loop '{}' waiting with {} pending queue item(s)",
            l.name, f.pending
        );
        out.push(alert(2, "warning", "approval_needed", message, l));
    }
    if l.state.is_active() && health(f) == Health::Offline {
        let message = format!("Loop '{}' runner health check failed", l.name);
        out.push(alert(3, "error", "error", message, l));
    }
}

/// `nodes`, `workspaces`, `agents` and `alerts`, to merge into the status document.
pub(super) fn summary(facts: &[LoopFacts<'_>]) -> Map<String, Value> {
    let (mut online, mut offline, mut unknown) = (0, 0, 0);
    let mut by_state: HashMap<&str, usize> = HashMap::new();
    let mut repos = BTreeSet::new();
    let mut all_alerts = Vec::new();
    for f in facts {
        match health(f) {
            Health::Online => online += 1,
            Health::Offline => offline += 1,
            Health::Unknown => unknown += 1,
        }
        *by_state
            .entry(agent_state(f.l.state, f.pending, f.cooldown))
            .or_default() += 1;
        if !f.l.repo_path.is_empty() {
            repos.insert(f.l.repo_path.as_str());
        }
        alerts(f, &mut all_alerts);
    }
    let states: Map<String, Value> = AGENT_STATES
        .iter()
        .map(|s| (s.to_string(), json!(by_state.get(s).copied().unwrap_or(0))))
        .collect();
    let total_alerts = all_alerts.len();
    // Most severe first, then newest.
    all_alerts.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    let items: Vec<Value> = all_alerts
        .into_iter()
        .take(ALERT_ITEMS)
        .map(|a| a.2)
        .collect();
    let mut out = Map::new();
    out.insert(
        "nodes".into(),
        json!({ "total": facts.len(), "online": online, "offline": offline, "unknown": unknown }),
    );
    out.insert("workspaces".into(), json!(repos.len()));
    out.insert(
        "agents".into(),
        json!({ "total": facts.len(), "by_state": states }),
    );
    out.insert(
        "alerts".into(),
        json!({ "total": total_alerts, "items": items }),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_like_the_reference() {
        let cases = [
            (LoopState::Error, 0, true, "error"),
            (LoopState::Stopped, 3, true, "stopped"),
            (LoopState::Waiting, 0, true, "rate_limited"),
            (LoopState::Waiting, 0, false, "awaiting_approval"),
            (LoopState::Sleeping, 0, true, "rate_limited"),
            (LoopState::Sleeping, 1, false, "paused"),
            (LoopState::Running, 0, true, "rate_limited"),
            (LoopState::Running, 2, false, "working"),
            (LoopState::Running, 0, false, "idle"),
        ];
        for (state, pending, cooldown, want) in cases {
            assert_eq!(
                agent_state(state, pending, cooldown),
                want,
                "{state} pending={pending} cooldown={cooldown}"
            );
        }
    }
}
