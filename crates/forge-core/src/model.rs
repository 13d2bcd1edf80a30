//! The persisted model: loops, profiles, pools, queue items, runs, memory and events.
//!
//! Field names and enum strings are the ones users see in `--json` output and in existing
//! databases' vocabularies; optional fields are omitted from JSON when empty.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::stop::{Guards, StopConfig, StopState};

/// Declares a string-backed enum with `as_str`, `Display`, `FromStr` and serde support.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire string.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "invalid {} {:?} (valid: {})",
                        stringify!($name), other, [$($text),+].join("|")
                    )),
                }
            }
        }
    };
}

pub(crate) use string_enum;

string_enum!(
    /// Where a loop is in its life.
    #[derive(Default)]
    LoopState {
        /// A harness is running (or about to).
        Running => "running",
        /// Between runs: interval sleep, pause, planning.
        Sleeping => "sleeping",
        /// No profile is available; `wait_until` says until when.
        Waiting => "waiting",
        #[default]
        /// No runner: created, stopped, killed, finished, or its runner died.
        Stopped => "stopped",
        /// The runner hit an internal error; `last_error` says which.
        Error => "error",
    }
);

impl LoopState {
    /// Whether a runner is expected to own the loop in this state.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            LoopState::Running | LoopState::Sleeping | LoopState::Waiting
        )
    }
}

string_enum!(
    /// Outcome status of one harness run.
    RunStatus {
        /// Still running.
        Running => "running",
        /// Exit code 0.
        Success => "success",
        /// Non-zero exit or failure to start.
        Error => "error",
        /// Interrupted (kill, steer, runner stop).
        Killed => "killed",
    }
);

string_enum!(
    /// Kinds of operator queue items.
    QueueItemType {
        /// Append an operator message to the next prompt.
        MessageAppend => "message_append",
        /// Replace the next prompt once.
        NextPromptOverride => "next_prompt_override",
        /// Pause the loop.
        Pause => "pause",
        /// Stop after the current run (at once when idle).
        StopGraceful => "stop_graceful",
        /// Kill the current run and stop.
        KillNow => "kill_now",
        /// Interrupt the current run and restart with this message.
        SteerMessage => "steer_message",
    }
);

string_enum!(
    /// Lifecycle of a queue item.
    QueueItemStatus {
        /// Waiting to be consumed.
        Pending => "pending",
        /// Handed to a runner (unused by loops, kept for compatibility).
        Dispatched => "dispatched",
        /// Consumed.
        Completed => "completed",
        /// Failed.
        Failed => "failed",
        /// Dropped without effect (e.g. a stale stop found by `resume`).
        Skipped => "skipped",
    }
);

string_enum!(
    /// How the composed prompt reaches the harness.
    PromptMode {
        /// In the `FORGE_PROMPT_CONTENT` environment variable.
        Env => "env",
        /// On standard input.
        Stdin => "stdin",
        /// As a file path substituted for `{prompt}`.
        Path => "path",
    }
);

/// Returns true when `value` is zero (for `skip_serializing_if`).
fn is_zero(value: &i64) -> bool {
    *value == 0
}

string_enum!(
    /// Who started a loop's runner.
    RunnerOwner {
        /// `forge up`/`resume` started it detached on this machine.
        Local => "local",
        /// The `forged` daemon owns it.
        Daemon => "daemon",
    }
);

string_enum!(
    /// What a runner's auxiliary child process (not a harness run) is doing.
    JobKind {
        /// A `--quantitative-stop-cmd` check.
        QuantCheck => "quant_check",
        /// A git command (ledger summary, progress fingerprint).
        Git => "git",
    }
);

/// A runner's auxiliary child, recorded while it runs so that a runner that died can have it
/// ended by the next reconciliation. `token` is in the child's environment as `FORGE_JOB_ID`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildJob {
    pub kind: JobKind,
    pub token: String,
    /// Its process group, once started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pgid: Option<i64>,
}

/// What the loop's current (or last) runner recorded about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunnerState {
    /// The runner's process id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<i64>,
    /// When the runner started (RFC 3339); `--max-runtime` counts from here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// Harness runs since the runner started.
    #[serde(default)]
    pub iteration_count: i64,
    /// Until when the loop waits for a profile, while `waiting`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_until: Option<String>,
    /// Since when the loop waits for a busy profile (waiters get slots in this order).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<String>,
    /// Who started the runner.
    #[serde(rename = "runner_owner", skip_serializing_if = "Option::is_none")]
    pub owner: Option<RunnerOwner>,
    /// The id of the runner last started (`local-<32 hex>`, or the daemon's id).
    #[serde(rename = "runner_instance_id", skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// When reconciliation found the runner dead, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconciled_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconcile_reason: Option<String>,
}

/// One loop row.
/// Print it with [`Loop::to_json`], which puts the runner state, stop rules, guards and
/// counters under `metadata`, where the reference prints them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Loop {
    pub id: String,
    pub short_id: String,
    pub name: String,
    pub repo_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_prompt_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_prompt_msg: Option<String>,
    pub interval_seconds: i64,
    #[serde(skip_serializing_if = "is_zero", default)]
    pub max_iterations: i64,
    #[serde(skip_serializing_if = "is_zero", default)]
    pub max_runtime_seconds: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    pub state: LoopState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_exit_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ledger_path: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tags: Vec<String>,
    /// What the runner recorded about itself.
    #[serde(skip)]
    pub runner: RunnerState,
    /// The runner's auxiliary child, while one runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<ChildJob>,
    /// Smart-stop rules.
    #[serde(skip)]
    pub stop_rules: StopConfig,
    /// Run timeouts and spend budgets.
    #[serde(skip)]
    pub guards: Guards,
    /// Smart-stop counters of the current runner.
    #[serde(skip)]
    pub stop_state: StopState,
    /// Set when the loop's stored configuration could not be read (the loop must not run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Loop {
    /// The loop as `--json` prints it: its columns plus the reference-shaped `metadata`.
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        let meta = self.metadata_view();
        if let (Some(obj), false) = (v.as_object_mut(), meta.is_empty()) {
            obj.insert("metadata".into(), Value::Object(meta));
        }
        v
    }

    /// The reference-shaped `metadata` object of this loop's typed state.
    pub fn metadata_view(&self) -> Map<String, Value> {
        let mut m = match serde_json::to_value(&self.runner) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        if m.get("iteration_count") == Some(&Value::from(0)) && self.runner.pid.is_none() {
            m.remove("iteration_count");
        }
        let mut put = |key: &str, value: Result<Value, serde_json::Error>, empty: bool| {
            if let (Ok(v), false) = (value, empty) {
                m.insert(key.into(), v);
            }
        };
        put(
            "stop_config",
            serde_json::to_value(&self.stop_rules),
            self.stop_rules.is_empty(),
        );
        put(
            "guards",
            serde_json::to_value(&self.guards),
            self.guards.is_empty(),
        );
        put(
            "stop_state",
            serde_json::to_value(&self.stop_state),
            self.stop_state.is_empty(),
        );
        if let (Some(at), Some(reason)) =
            (&self.runner.reconciled_at, &self.runner.reconcile_reason)
        {
            m.remove("reconciled_at");
            m.remove("reconcile_reason");
            let liveness = serde_json::json!({
                "pid_alive": false, "daemon_runner_alive": false, "reconciled_at": at, "reason": reason
            });
            m.insert("runner_liveness".into(), liveness);
        }
        m
    }

    /// The runner's process id.
    pub fn pid(&self) -> Option<i64> {
        self.runner.pid
    }

    /// Completed iterations since the current runner started.
    pub fn iteration_count(&self) -> i64 {
        self.runner.iteration_count
    }

    /// When the current runner started (RFC 3339).
    pub fn started_at(&self) -> Option<&str> {
        self.runner.started_at.as_deref()
    }

    /// Until when the loop waits for a profile, while `waiting`.
    pub fn wait_until(&self) -> Option<&str> {
        self.runner.wait_until.as_deref()
    }

    /// `local` or `daemon`.
    pub fn runner_owner(&self) -> Option<&str> {
        self.runner.owner.map(RunnerOwner::as_str)
    }

    /// The opaque id of the runner last started for this loop (`local-<32 hex>`).
    pub fn runner_instance_id(&self) -> Option<&str> {
        self.runner.instance_id.as_deref()
    }
}

/// What a table of loops shows of each (`forge ps`), read without the rest of the row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoopHead {
    pub id: String,
    pub short_id: String,
    pub name: String,
    pub repo_path: String,
    pub state: LoopState,
    pub pool_id: Option<String>,
    pub profile_id: Option<String>,
    pub last_run_at: Option<String>,
    /// Until when the loop waits for a profile, while `waiting`.
    pub wait_until: Option<String>,
}

impl From<&Loop> for LoopHead {
    fn from(l: &Loop) -> Self {
        LoopHead {
            id: l.id.clone(),
            short_id: l.short_id.clone(),
            name: l.name.clone(),
            repo_path: l.repo_path.clone(),
            state: l.state,
            pool_id: l.pool_id.clone(),
            profile_id: l.profile_id.clone(),
            last_run_at: l.last_run_at.clone(),
            wait_until: l.runner.wait_until.clone(),
        }
    }
}

/// One harness profile: a way to run one agent CLI under one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub harness: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_home: Option<String>,
    pub prompt_mode: PromptMode,
    pub command_template: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub extra_args: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub env: BTreeMap<String, String>,
    pub max_concurrency: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cooldown_until: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A pool of profiles that loops rotate through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    pub id: String,
    pub name: String,
    pub strategy: String,
    pub is_default: bool,
    /// The round-robin cursor: the index of the member used last.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub last_index: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// Membership of a profile in a pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolMember {
    pub id: String,
    pub pool_id: String,
    pub profile_id: String,
    pub weight: i64,
    pub position: i64,
    pub created_at: String,
}

/// One operator queue item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    pub id: String,
    pub loop_id: String,
    #[serde(rename = "type")]
    pub item_type: QueueItemType,
    pub position: i64,
    pub status: QueueItemStatus,
    pub attempts: i64,
    pub payload: Value,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispatched_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    #[serde(rename = "error", skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// One harness run of a loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopRun {
    pub id: String,
    pub loop_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    pub status: RunStatus,
    pub prompt_source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_path: Option<String>,
    pub prompt_override: bool,
    pub started_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tail: Option<String>,
    /// Process group of the harness while it runs, so a dead runner's harness can be ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub harness_pgid: Option<i64>,
    #[serde(skip_serializing_if = "Map::is_empty", default)]
    pub metadata: Map<String, Value>,
}

/// One loop memory entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopKv {
    pub id: String,
    pub loop_id: String,
    pub key: String,
    pub value: String,
    pub created_at: String,
    pub updated_at: String,
}

/// One work-state row: what a loop's agent is working on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkState {
    pub id: String,
    pub loop_id: String,
    pub agent_id: String,
    pub task_id: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub loop_iteration: i64,
    pub is_current: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// One audit-log event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: i64,
    pub created_at: String,
    pub kind: String,
    pub entity_type: String,
    pub entity_id: String,
    #[serde(skip_serializing_if = "Value::is_null", default)]
    pub data: Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        for state in LoopState::ALL {
            assert_eq!(state.as_str().parse::<LoopState>().unwrap(), *state);
        }
        let err = "bogus".parse::<PromptMode>().unwrap_err();
        assert_eq!(err, "invalid PromptMode \"bogus\" (valid: env|stdin|path)");
        assert_eq!(
            serde_json::to_string(&QueueItemType::KillNow).unwrap(),
            "\"kill_now\""
        );
    }
}
