//! Smart-stop configuration and counters stored in loop metadata (`stop_config`, `stop_state`).

use serde::{Deserialize, Serialize};

/// Returns true when a value equals its default (for `skip_serializing_if`).
fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// Command-based stop rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QuantStop {
    #[serde(default, skip_serializing_if = "is_default")]
    pub cmd: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub every_n: i64,
    #[serde(default, skip_serializing_if = "is_default")]
    pub when: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub decision: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exit_codes: Vec<i64>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub exit_invert: bool,
    #[serde(default, skip_serializing_if = "is_default")]
    pub stdout_mode: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub stderr_mode: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub stdout_regex: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub stderr_regex: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub timeout_seconds: i64,
}

/// The judge prompt of a qualitative stop.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QualPrompt {
    pub prompt: String,
    #[serde(default)]
    pub is_path: bool,
}

/// Judge-based stop rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QualStop {
    #[serde(default, skip_serializing_if = "is_default")]
    pub every_n: i64,
    #[serde(default)]
    pub prompt: QualPrompt,
    #[serde(default, skip_serializing_if = "is_default")]
    pub on_invalid: String,
}

/// Stored `stop_config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quant: Option<QuantStop>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qual: Option<QualStop>,
}

/// Stored `stop_state` (reset at every runner start).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopState {
    #[serde(default, skip_serializing_if = "is_default")]
    pub main_iteration_count: i64,
    #[serde(default, skip_serializing_if = "is_default")]
    pub qual_iteration_count: i64,
    #[serde(default, skip_serializing_if = "is_default")]
    pub qual_last_main_count: i64,
}
