//! Row mapping between SQLite and core types.

use std::collections::BTreeMap;

use forge_core::model::{Loop, LoopKv, LoopRun, Pool, PoolMember, Profile, QueueItem, WorkState};
use rusqlite::Row;
use serde_json::{Map, Value};

/// Parses a JSON object column; invalid or missing JSON reads as empty.
pub(crate) fn json_map(text: Option<String>) -> Map<String, Value> {
    text.and_then(|t| serde_json::from_str::<Map<String, Value>>(&t).ok())
        .unwrap_or_default()
}

/// Encodes a map for a JSON column; empty maps are stored as NULL.
pub(crate) fn map_json(map: &Map<String, Value>) -> Option<String> {
    (!map.is_empty()).then(|| Value::Object(map.clone()).to_string())
}

/// Parses an enum column, falling back to a default for values written by other tools.
fn parse_enum<T: std::str::FromStr>(text: String, fallback: T) -> T {
    text.parse().unwrap_or(fallback)
}

pub(crate) const LOOP_COLUMNS: &str = "id, short_id, name, repo_path, base_prompt_path, base_prompt_msg, \
    interval_seconds, max_iterations, max_runtime_seconds, pool_id, profile_id, state, last_run_at, \
    last_exit_code, last_error, log_path, ledger_path, tags_json, metadata_json, created_at, updated_at";

pub(crate) fn loop_from_row(r: &Row<'_>) -> rusqlite::Result<Loop> {
    Ok(Loop {
        id: r.get(0)?,
        short_id: r.get(1)?,
        name: r.get(2)?,
        repo_path: r.get(3)?,
        base_prompt_path: r.get(4)?,
        base_prompt_msg: r.get(5)?,
        interval_seconds: r.get(6)?,
        max_iterations: r.get(7)?,
        max_runtime_seconds: r.get(8)?,
        pool_id: r.get(9)?,
        profile_id: r.get(10)?,
        state: parse_enum(r.get(11)?, forge_core::model::LoopState::Stopped),
        last_run_at: r.get(12)?,
        last_exit_code: r.get(13)?,
        last_error: r.get(14)?,
        log_path: r.get(15)?,
        ledger_path: r.get(16)?,
        tags: r
            .get::<_, Option<String>>(17)?
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default(),
        metadata: json_map(r.get(18)?),
        created_at: r.get(19)?,
        updated_at: r.get(20)?,
    })
}

pub(crate) const PROFILE_COLUMNS: &str = "id, name, harness, auth_kind, auth_home, prompt_mode, \
    command_template, model, extra_args_json, env_json, max_concurrency, cooldown_until, created_at, updated_at";

pub(crate) fn profile_from_row(r: &Row<'_>) -> rusqlite::Result<Profile> {
    Ok(Profile {
        id: r.get(0)?,
        name: r.get(1)?,
        harness: r.get(2)?,
        auth_kind: r.get(3)?,
        auth_home: r.get(4)?,
        prompt_mode: parse_enum(r.get(5)?, forge_core::model::PromptMode::Env),
        command_template: r.get(6)?,
        model: r.get(7)?,
        extra_args: r
            .get::<_, Option<String>>(8)?
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default(),
        env: r
            .get::<_, Option<String>>(9)?
            .and_then(|t| serde_json::from_str::<BTreeMap<String, String>>(&t).ok())
            .unwrap_or_default(),
        max_concurrency: r.get(10)?,
        cooldown_until: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

pub(crate) const POOL_COLUMNS: &str =
    "id, name, strategy, is_default, metadata_json, created_at, updated_at";

pub(crate) fn pool_from_row(r: &Row<'_>) -> rusqlite::Result<Pool> {
    Ok(Pool {
        id: r.get(0)?,
        name: r.get(1)?,
        strategy: r.get(2)?,
        is_default: r.get::<_, i64>(3)? != 0,
        metadata: json_map(r.get(4)?),
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

pub(crate) fn member_from_row(r: &Row<'_>) -> rusqlite::Result<PoolMember> {
    Ok(PoolMember {
        id: r.get(0)?,
        pool_id: r.get(1)?,
        profile_id: r.get(2)?,
        weight: r.get(3)?,
        position: r.get(4)?,
        created_at: r.get(5)?,
    })
}

pub(crate) const QUEUE_COLUMNS: &str = "id, loop_id, type, position, status, attempts, payload_json, \
    error_message, created_at, dispatched_at, completed_at";

pub(crate) fn queue_item_from_row(r: &Row<'_>) -> rusqlite::Result<QueueItem> {
    Ok(QueueItem {
        id: r.get(0)?,
        loop_id: r.get(1)?,
        item_type: parse_enum(r.get(2)?, forge_core::model::QueueItemType::MessageAppend),
        position: r.get(3)?,
        status: parse_enum(r.get(4)?, forge_core::model::QueueItemStatus::Pending),
        attempts: r.get(5)?,
        payload: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or(Value::Null),
        error_message: r.get(7)?,
        created_at: r.get(8)?,
        dispatched_at: r.get(9)?,
        completed_at: r.get(10)?,
    })
}

pub(crate) const RUN_COLUMNS: &str = "id, loop_id, profile_id, status, prompt_source, prompt_path, \
    prompt_override, started_at, finished_at, exit_code, output_tail, harness_pgid, metadata_json";

pub(crate) fn run_from_row(r: &Row<'_>) -> rusqlite::Result<LoopRun> {
    Ok(LoopRun {
        id: r.get(0)?,
        loop_id: r.get(1)?,
        profile_id: r.get(2)?,
        status: parse_enum(r.get(3)?, forge_core::model::RunStatus::Error),
        prompt_source: r.get(4)?,
        prompt_path: r.get(5)?,
        prompt_override: r.get::<_, i64>(6)? != 0,
        started_at: r.get(7)?,
        finished_at: r.get(8)?,
        exit_code: r.get(9)?,
        output_tail: r.get(10)?,
        harness_pgid: r.get(11)?,
        metadata: json_map(r.get(12)?),
    })
}

pub(crate) fn kv_from_row(r: &Row<'_>) -> rusqlite::Result<LoopKv> {
    Ok(LoopKv {
        id: r.get(0)?,
        loop_id: r.get(1)?,
        key: r.get(2)?,
        value: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

pub(crate) fn work_from_row(r: &Row<'_>) -> rusqlite::Result<WorkState> {
    Ok(WorkState {
        id: r.get(0)?,
        loop_id: r.get(1)?,
        agent_id: r.get(2)?,
        task_id: r.get(3)?,
        status: r.get(4)?,
        detail: r.get(5)?,
        loop_iteration: r.get(6)?,
        is_current: r.get::<_, i64>(7)? != 0,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}
