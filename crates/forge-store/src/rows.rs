//! Row mapping between SQLite and core types.

use std::collections::BTreeMap;

use forge_core::model::{LoopKv, LoopRun, Pool, PoolMember, Profile, QueueItem, WorkState};

use crate::decode::{enum_req, json_opt};
use rusqlite::Row;
use serde_json::{Map, Value};

/// Encodes a map for a JSON column; empty maps are stored as NULL.
pub(crate) fn map_json(map: &Map<String, Value>) -> Option<String> {
    (!map.is_empty()).then(|| Value::Object(map.clone()).to_string())
}

pub(crate) const PROFILE_COLUMNS: &str = "id, name, harness, auth_kind, auth_home, prompt_mode, \
    command_template, model, extra_args_json, env_json, max_concurrency, cooldown_until, created_at, updated_at";

pub(crate) fn profile_from_row(r: &Row<'_>) -> rusqlite::Result<Profile> {
    let id: String = r.get(0)?;
    let name: String = r.get(1)?;
    let who = (id.as_str(), name.as_str());
    Ok(Profile {
        harness: r.get(2)?,
        auth_kind: r.get(3)?,
        auth_home: r.get(4)?,
        prompt_mode: enum_req(r, 5, "profile", who, "prompt_mode")?,
        command_template: r.get(6)?,
        model: r.get(7)?,
        extra_args: json_opt(r, 8, "profile", who, "extra_args")?.unwrap_or_default(),
        env: json_opt::<BTreeMap<String, String>>(r, 9, "profile", who, "env")?.unwrap_or_default(),
        max_concurrency: r.get(10)?,
        cooldown_until: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
        id,
        name,
    })
}

pub(crate) const POOL_COLUMNS: &str =
    "id, name, strategy, is_default, last_index, created_at, updated_at";

pub(crate) fn pool_from_row(r: &Row<'_>) -> rusqlite::Result<Pool> {
    Ok(Pool {
        id: r.get(0)?,
        name: r.get(1)?,
        strategy: r.get(2)?,
        is_default: r.get::<_, i64>(3)? != 0,
        last_index: r.get(4)?,
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
    let id: String = r.get(0)?;
    let who = (id.as_str(), id.as_str());
    Ok(QueueItem {
        loop_id: r.get(1)?,
        item_type: enum_req(r, 2, "queue item", who, "type")?,
        position: r.get(3)?,
        status: enum_req(r, 4, "queue item", who, "status")?,
        attempts: r.get(5)?,
        payload: json_opt(r, 6, "queue item", who, "payload")?.unwrap_or(Value::Null),
        error_message: r.get(7)?,
        created_at: r.get(8)?,
        dispatched_at: r.get(9)?,
        completed_at: r.get(10)?,
        id,
    })
}

pub(crate) const RUN_COLUMNS: &str = "id, loop_id, profile_id, status, prompt_source, prompt_path, \
    prompt_override, started_at, finished_at, exit_code, output_tail, harness_pgid, metadata_json";

pub(crate) fn run_from_row(r: &Row<'_>) -> rusqlite::Result<LoopRun> {
    let id: String = r.get(0)?;
    let who = (id.as_str(), id.as_str());
    Ok(LoopRun {
        loop_id: r.get(1)?,
        profile_id: r.get(2)?,
        status: enum_req(r, 3, "run", who, "status")?,
        prompt_source: r.get(4)?,
        prompt_path: r.get(5)?,
        prompt_override: r.get::<_, i64>(6)? != 0,
        started_at: r.get(7)?,
        finished_at: r.get(8)?,
        exit_code: r.get(9)?,
        output_tail: r.get(10)?,
        harness_pgid: r.get(11)?,
        metadata: json_opt(r, 12, "run", who, "metadata")?.unwrap_or_default(),
        id,
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
