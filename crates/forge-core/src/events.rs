//! The events Forge records: one stable kind name per state change, each with a typed payload.
//!
//! Every event names what it is about: loop events carry a [`LoopRef`] (id, short id, name,
//! repo) under `loop`, profile events a [`ProfileRef`] under `profile`. The store writes an
//! event in the same transaction as the change it describes, so an event exists if and only if
//! its change committed. Kinds and payload fields are a public interface (`forge events`, hooks,
//! the dashboard): fields are only ever added, never renamed or re-typed. `docs/events.md` lists
//! them all.

use serde::{Deserialize, Serialize};

pub mod describe;
mod filter;
pub use filter::{FAMILIES, FollowCursor, GAP_WAIT_MS, KindPattern, any_matches, parse_kinds};

use crate::model::{Loop, LoopState, QueueItemType, RunStatus, string_enum};

/// What an event is about, as printed in `entity_type`.
pub const ENTITY_LOOP: &str = "loop";
/// Profile events.
pub const ENTITY_PROFILE: &str = "profile";
/// Pool events.
pub const ENTITY_POOL: &str = "pool";
/// Hook events.
pub const ENTITY_HOOK: &str = "hook";

/// The loop an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoopRef {
    pub id: String,
    pub short_id: String,
    pub name: String,
    /// The repository the loop runs in.
    pub repo: String,
}

impl LoopRef {
    /// The reference of a loop row.
    pub fn of(l: &Loop) -> Self {
        LoopRef {
            id: l.id.clone(),
            short_id: l.short_id.clone(),
            name: l.name.clone(),
            repo: l.repo_path.clone(),
        }
    }
}

/// The profile an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRef {
    pub id: String,
    pub name: String,
}

/// The pool an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolRef {
    pub id: String,
    pub name: String,
}

string_enum!(
    /// Why a loop stopped.
    StopCause {
        /// `forge stop` (or a stop queued by a script).
        Operator => "operator",
        /// `forge kill`.
        Kill => "kill",
        /// `--max-iterations` reached.
        MaxIterations => "max_iterations",
        /// `--max-runtime` reached.
        MaxRuntime => "max_runtime",
        /// `--max-cost` or `--max-tokens` spent.
        Budget => "budget",
        /// The `--quantitative-stop-cmd` rule matched.
        QuantRule => "quant_rule",
        /// The judge (`--qualitative-stop-every`) said stop.
        Judge => "judge",
        /// The stall rule: no repository change after the corrective message.
        Stalled => "stalled",
        /// The runner got SIGTERM or SIGINT.
        Signal => "signal",
        /// The runner died (SIGKILL, OOM, reboot); found by reconciliation.
        RunnerDied => "runner_died",
        /// `forge run`: the single iteration is done.
        SingleRun => "single_run",
    }
);

string_enum!(
    /// What the stall rule did.
    StallAction {
        /// Queued one corrective message.
        Nudged => "nudged",
        /// Stopped the loop.
        Stopped => "stopped",
    }
);

string_enum!(
    /// A judge iteration's verdict.
    VerdictKind {
        Stop => "stop",
        Continue => "continue",
        /// Neither 0 nor 1 was answered.
        Invalid => "invalid",
    }
);

string_enum!(
    /// Which kind of iteration a run is.
    RunKind {
        /// A normal iteration.
        Main => "main",
        /// A judge iteration of the qualitative stop rule.
        Judge => "judge",
    }
);

/// A payload that only names its loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopOnly {
    pub r#loop: LoopRef,
}

/// `loop.started`: a runner took the loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopStarted {
    pub r#loop: LoopRef,
    pub runner_pid: u32,
}

/// `loop.state`: the loop's state column changed (low level; the other kinds say why).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopStateChanged {
    pub r#loop: LoopRef,
    pub from: LoopState,
    pub to: LoopState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `loop.waiting`: no profile is available; recorded once when the wait begins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopWaiting {
    pub r#loop: LoopRef,
    /// Until when (RFC 3339) the loop waits at most before it tries again.
    pub until: String,
    pub reason: String,
}

/// `loop.stalled`: the repository did not change for `unchanged_iterations` iterations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopStalled {
    pub r#loop: LoopRef,
    pub unchanged_iterations: i64,
    pub action: StallAction,
}

/// `loop.failover`: the loop moved to another profile after a limit on the previous one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopFailover {
    pub r#loop: LoopRef,
    pub from_profile: String,
    pub to_profile: String,
    /// The outcome of the previous run (`rate_limited`, `overloaded`, `auth_failed`).
    pub after: String,
}

/// `loop.stopped`: the loop is stopped, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopStopped {
    pub r#loop: LoopRef,
    pub cause: StopCause,
    pub reason: String,
    /// Harness runs of the runner that stopped (0 when unknown, e.g. a dead runner).
    pub iterations: i64,
}

/// `loop.errored`: the runner gave up on the loop (state `error`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopErrored {
    pub r#loop: LoopRef,
    pub reason: String,
}

/// `run.started`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStarted {
    pub r#loop: LoopRef,
    pub run: String,
    pub profile: String,
    pub harness: String,
    pub kind: RunKind,
}

/// Tokens of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub input: i64,
    pub output: i64,
    pub cache_read: i64,
    pub cache_write: i64,
}

/// `run.finished`: status, typed outcome, exit code and what the run used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFinished {
    pub r#loop: LoopRef,
    pub run: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    pub status: RunStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Seconds from start to finish.
    pub duration_seconds: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Tokens>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Why it did not succeed (killed, the harness's error message, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `run.rate_limited`: the harness reported a usage or rate limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRateLimited {
    pub r#loop: LoopRef,
    pub run: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// When the harness said the limit lifts (RFC 3339), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resets_at: Option<String>,
    /// Which limit (`five_hour`, `seven_day`, ...), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
}

/// `judge.verdict`: the answer of a judge iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeVerdict {
    pub r#loop: LoopRef,
    pub verdict: VerdictKind,
    /// Whether the loop stops because of it.
    pub stops: bool,
}

/// `queue.enqueued` / `queue.consumed` / `queue.skipped` / `queue.removed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItemEvent {
    pub r#loop: LoopRef,
    pub item: String,
    pub r#type: QueueItemType,
    /// The first characters of a message (secrets redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    /// The run that consumed the item, or why it was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `queue.cleared`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueCleared {
    pub r#loop: LoopRef,
    pub cleared: i64,
}

/// `profile.created` / `profile.updated` / `profile.removed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileChanged {
    pub profile: ProfileRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harness: Option<String>,
}

/// `profile.cooldown`: the profile is not used until `until`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileCooldown {
    pub profile: ProfileRef,
    pub until: String,
    /// `rate_limited`, `overloaded`, `auth_failed` or `operator`.
    pub reason: String,
}

/// `profile.cooldown_cleared`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileCooldownCleared {
    pub profile: ProfileRef,
    pub reason: String,
}

/// `pool.*`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolChanged {
    pub pool: PoolRef,
    /// The profile added or removed (`pool.member_added` / `pool.member_removed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// `hook.failed`: a hook could not deliver an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookFailed {
    pub hook: i64,
    pub event: i64,
    pub event_kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#loop: Option<LoopRef>,
    pub attempts: u32,
    pub error: String,
}

/// Every event, with its stable kind name. Serialized adjacently as `{"kind", "data"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data")]
pub enum EventData {
    #[serde(rename = "loop.created")]
    LoopCreated(LoopOnly),
    #[serde(rename = "loop.started")]
    LoopStarted(LoopStarted),
    #[serde(rename = "loop.state")]
    LoopState(LoopStateChanged),
    #[serde(rename = "loop.waiting")]
    LoopWaiting(LoopWaiting),
    #[serde(rename = "loop.stalled")]
    LoopStalled(LoopStalled),
    #[serde(rename = "loop.failover")]
    LoopFailover(LoopFailover),
    #[serde(rename = "loop.stopped")]
    LoopStopped(LoopStopped),
    #[serde(rename = "loop.errored")]
    LoopErrored(LoopErrored),
    #[serde(rename = "loop.removed")]
    LoopRemoved(LoopOnly),
    #[serde(rename = "run.started")]
    RunStarted(RunStarted),
    #[serde(rename = "run.finished")]
    RunFinished(RunFinished),
    #[serde(rename = "run.rate_limited")]
    RunRateLimited(RunRateLimited),
    #[serde(rename = "judge.verdict")]
    JudgeVerdict(JudgeVerdict),
    #[serde(rename = "queue.enqueued")]
    QueueEnqueued(QueueItemEvent),
    #[serde(rename = "queue.consumed")]
    QueueConsumed(QueueItemEvent),
    #[serde(rename = "queue.skipped")]
    QueueSkipped(QueueItemEvent),
    #[serde(rename = "queue.removed")]
    QueueRemoved(QueueItemEvent),
    #[serde(rename = "queue.cleared")]
    QueueCleared(QueueCleared),
    #[serde(rename = "profile.created")]
    ProfileCreated(ProfileChanged),
    #[serde(rename = "profile.updated")]
    ProfileUpdated(ProfileChanged),
    #[serde(rename = "profile.removed")]
    ProfileRemoved(ProfileChanged),
    #[serde(rename = "profile.cooldown")]
    ProfileCooldown(ProfileCooldown),
    #[serde(rename = "profile.cooldown_cleared")]
    ProfileCooldownCleared(ProfileCooldownCleared),
    #[serde(rename = "pool.created")]
    PoolCreated(PoolChanged),
    #[serde(rename = "pool.default_set")]
    PoolDefaultSet(PoolChanged),
    #[serde(rename = "pool.removed")]
    PoolRemoved(PoolChanged),
    #[serde(rename = "pool.member_added")]
    PoolMemberAdded(PoolChanged),
    #[serde(rename = "pool.member_removed")]
    PoolMemberRemoved(PoolChanged),
    #[serde(rename = "hook.failed")]
    HookFailed(HookFailed),
}

/// Every kind name, in the order `docs/events.md` documents them.
pub const KINDS: &[&str] = &[
    "loop.created",
    "loop.started",
    "loop.state",
    "loop.waiting",
    "loop.stalled",
    "loop.failover",
    "loop.stopped",
    "loop.errored",
    "loop.removed",
    "run.started",
    "run.finished",
    "run.rate_limited",
    "judge.verdict",
    "queue.enqueued",
    "queue.consumed",
    "queue.skipped",
    "queue.removed",
    "queue.cleared",
    "profile.created",
    "profile.updated",
    "profile.removed",
    "profile.cooldown",
    "profile.cooldown_cleared",
    "pool.created",
    "pool.default_set",
    "pool.removed",
    "pool.member_added",
    "pool.member_removed",
    "hook.failed",
];

impl EventData {
    /// The stable kind name (`run.finished`, ...).
    pub fn kind(&self) -> &'static str {
        use EventData as E;
        match self {
            E::LoopCreated(_) => "loop.created",
            E::LoopStarted(_) => "loop.started",
            E::LoopState(_) => "loop.state",
            E::LoopWaiting(_) => "loop.waiting",
            E::LoopStalled(_) => "loop.stalled",
            E::LoopFailover(_) => "loop.failover",
            E::LoopStopped(_) => "loop.stopped",
            E::LoopErrored(_) => "loop.errored",
            E::LoopRemoved(_) => "loop.removed",
            E::RunStarted(_) => "run.started",
            E::RunFinished(_) => "run.finished",
            E::RunRateLimited(_) => "run.rate_limited",
            E::JudgeVerdict(_) => "judge.verdict",
            E::QueueEnqueued(_) => "queue.enqueued",
            E::QueueConsumed(_) => "queue.consumed",
            E::QueueSkipped(_) => "queue.skipped",
            E::QueueRemoved(_) => "queue.removed",
            E::QueueCleared(_) => "queue.cleared",
            E::ProfileCreated(_) => "profile.created",
            E::ProfileUpdated(_) => "profile.updated",
            E::ProfileRemoved(_) => "profile.removed",
            E::ProfileCooldown(_) => "profile.cooldown",
            E::ProfileCooldownCleared(_) => "profile.cooldown_cleared",
            E::PoolCreated(_) => "pool.created",
            E::PoolDefaultSet(_) => "pool.default_set",
            E::PoolRemoved(_) => "pool.removed",
            E::PoolMemberAdded(_) => "pool.member_added",
            E::PoolMemberRemoved(_) => "pool.member_removed",
            E::HookFailed(_) => "hook.failed",
        }
    }

    /// The loop this event is about, if any.
    pub fn loop_ref(&self) -> Option<&LoopRef> {
        use EventData as E;
        Some(match self {
            E::LoopCreated(p) | E::LoopRemoved(p) => &p.r#loop,
            E::LoopStarted(p) => &p.r#loop,
            E::LoopState(p) => &p.r#loop,
            E::LoopWaiting(p) => &p.r#loop,
            E::LoopStalled(p) => &p.r#loop,
            E::LoopFailover(p) => &p.r#loop,
            E::LoopStopped(p) => &p.r#loop,
            E::LoopErrored(p) => &p.r#loop,
            E::RunStarted(p) => &p.r#loop,
            E::RunFinished(p) => &p.r#loop,
            E::RunRateLimited(p) => &p.r#loop,
            E::JudgeVerdict(p) => &p.r#loop,
            E::QueueEnqueued(p) | E::QueueConsumed(p) | E::QueueSkipped(p) | E::QueueRemoved(p) => {
                &p.r#loop
            }
            E::QueueCleared(p) => &p.r#loop,
            E::HookFailed(p) => return p.r#loop.as_ref(),
            _ => return None,
        })
    }

    /// `(entity_type, entity_id)`: the loop, profile, pool or hook the event is about.
    pub fn entity(&self) -> (&'static str, String) {
        use EventData as E;
        if let (Some(l), false) = (self.loop_ref(), matches!(self, E::HookFailed(_))) {
            return (ENTITY_LOOP, l.id.clone());
        }
        match self {
            E::ProfileCreated(p) | E::ProfileUpdated(p) | E::ProfileRemoved(p) => {
                (ENTITY_PROFILE, p.profile.id.clone())
            }
            E::ProfileCooldown(p) => (ENTITY_PROFILE, p.profile.id.clone()),
            E::ProfileCooldownCleared(p) => (ENTITY_PROFILE, p.profile.id.clone()),
            E::PoolCreated(p)
            | E::PoolDefaultSet(p)
            | E::PoolRemoved(p)
            | E::PoolMemberAdded(p)
            | E::PoolMemberRemoved(p) => (ENTITY_POOL, p.pool.id.clone()),
            E::HookFailed(p) => (ENTITY_HOOK, p.hook.to_string()),
            _ => (ENTITY_LOOP, String::new()),
        }
    }

    /// The payload as a JSON object (the `data` of the stored event).
    pub fn payload(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut adjacent)) => {
                adjacent.remove("data").unwrap_or(serde_json::Value::Null)
            }
            _ => serde_json::Value::Null,
        }
    }
}

/// The first `max` characters of `text` (on a character boundary), with `…` when cut.
pub fn preview(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

#[cfg(test)]
mod tests;
