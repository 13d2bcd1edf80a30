//! The Rust step of schema v5: copies each loop's runner state, stop rules, guards and counters
//! from its legacy `metadata_json` into the typed columns.
//!
//! Stop rules and guards are decoded strictly. A loop whose rules or guards cannot be read keeps
//! its legacy JSON untouched and gets `config_error` naming the problem, so it refuses to run
//! (a corrupt `--max-cost` must never become "no budget") until it is recreated. Runner state
//! (pid, clocks, counters) is transient: a value of the wrong type there is dropped.

use forge_core::model::RunnerOwner;
use forge_core::stop::{Guards, StopConfig, StopState};
use rusqlite::{Transaction, params};
use serde_json::{Map, Value};

use crate::Result;

/// What one loop's metadata held, decoded.
#[derive(Debug, Default)]
struct Legacy {
    pid: Option<i64>,
    started_at: Option<String>,
    iteration_count: i64,
    wait_until: Option<String>,
    owner: Option<RunnerOwner>,
    instance_id: Option<String>,
    reconciled: Option<(String, String)>,
    rules: StopConfig,
    guards: Guards,
    stop_state: StopState,
    problems: Vec<String>,
}

fn decode<T: serde::de::DeserializeOwned + Default>(
    meta: &Map<String, Value>,
    key: &str,
    problems: &mut Vec<String>,
) -> T {
    match meta.get(key) {
        None | Some(Value::Null) => T::default(),
        Some(v) => serde_json::from_value(v.clone()).unwrap_or_else(|e| {
            problems.push(format!("{key}: {e}"));
            T::default()
        }),
    }
}

fn legacy(meta: &Map<String, Value>) -> Legacy {
    let text = |k: &str| meta.get(k).and_then(Value::as_str).map(str::to_string);
    let mut problems = Vec::new();
    let rules = decode::<StopConfig>(meta, "stop_config", &mut problems);
    let guards = decode::<Guards>(meta, "guards", &mut problems);
    let mut ignored = Vec::new();
    let stop_state = decode::<StopState>(meta, "stop_state", &mut ignored);
    let reconciled = meta.get("runner_liveness").and_then(|v| {
        Some((
            v.get("reconciled_at")?.as_str()?.to_string(),
            v.get("reason")?
                .as_str()
                .unwrap_or("stale_runner")
                .to_string(),
        ))
    });
    Legacy {
        pid: meta.get("pid").and_then(Value::as_i64),
        started_at: text("started_at"),
        iteration_count: meta
            .get("iteration_count")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            .max(0),
        wait_until: text("wait_until"),
        owner: text("runner_owner").and_then(|o| o.parse().ok()),
        instance_id: text("runner_instance_id"),
        reconciled,
        rules,
        guards,
        stop_state,
        problems,
    }
}

/// Copies every loop's metadata into the typed columns.
pub(crate) fn copy_metadata(tx: &Transaction<'_>) -> Result<()> {
    let rows: Vec<(String, String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT id, name, metadata_json FROM loops WHERE metadata_json IS NOT NULL AND metadata_json != ''",
        )?;
        let mapped = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        mapped.collect::<rusqlite::Result<_>>()?
    };
    for (id, name, text) in rows {
        let meta = match serde_json::from_str::<Map<String, Value>>(&text) {
            Ok(meta) => meta,
            Err(e) => {
                set_config_error(
                    tx,
                    &id,
                    &name,
                    &format!("metadata is not a JSON object ({e})"),
                )?;
                continue;
            }
        };
        let l = legacy(&meta);
        write_runtime(tx, &id, &l)?;
        if l.problems.is_empty() {
            crate::loop_rows::write_stop_rules(tx, &id, &l.rules)?;
        } else {
            set_config_error(tx, &id, &name, &l.problems.join("; "))?;
        }
    }
    Ok(())
}

fn write_runtime(tx: &Transaction<'_>, id: &str, l: &Legacy) -> Result<()> {
    let g = &l.guards;
    let st = &l.stop_state;
    let (reconciled_at, reason) = l.reconciled.clone().unzip();
    tx.execute(
        "UPDATE loops SET runner_pid = ?2, runner_started_at = ?3, iteration_count = ?4, \
         wait_until = ?5, runner_owner = ?6, runner_instance_id = ?7, reconciled_at = ?8, \
         reconcile_reason = ?9, run_timeout_seconds = ?10, idle_timeout_seconds = ?11, \
         max_cost_usd = ?12, max_tokens = ?13, stop_main_count = ?14, stop_qual_count = ?15, \
         stop_qual_last_main = ?16, stall_unchanged = ?17, stall_nudged = ?18 WHERE id = ?1",
        params![
            id,
            l.pid,
            l.started_at,
            l.iteration_count,
            l.wait_until,
            l.owner.map(|o| o.as_str()),
            l.instance_id,
            reconciled_at,
            reason,
            g.run_timeout_seconds.max(0),
            g.idle_timeout_seconds.max(0),
            g.max_cost_usd.max(0.0),
            g.max_tokens.max(0),
            st.main_iteration_count,
            st.qual_iteration_count,
            st.qual_last_main_count,
            st.stall_unchanged,
            st.stall_nudged,
        ],
    )?;
    Ok(())
}

fn set_config_error(tx: &Transaction<'_>, id: &str, name: &str, detail: &str) -> Result<()> {
    let text = format!(
        "loop {name:?}: its stop rules or guards could not be read during the upgrade to schema v5 \
         ({detail}); they are kept in the loop's legacy metadata. Remove the loop (`forge rm {name}`) \
         and start it again with the flags you want."
    );
    tx.execute(
        "UPDATE loops SET config_error = ?2 WHERE id = ?1",
        params![id, text],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn legacy_metadata_decodes_and_bad_guards_are_reported_not_dropped() {
        let meta = json!({
            "pid": 42, "iteration_count": 3, "runner_owner": "local",
            "stop_config": {"quant": {"cmd": "true", "every_n": 2, "when": "after", "exit_codes": [0]}},
            "guards": {"max_cost_usd": 5.0},
            "runner_liveness": {"reconciled_at": "2026-01-01T00:00:00Z", "reason": "stale_runner"}
        });
        let l = legacy(meta.as_object().unwrap());
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        assert_eq!(l.pid, Some(42));
        assert_eq!(l.guards.max_cost_usd, 5.0);
        assert_eq!(l.rules.quant.as_ref().unwrap().every_n, 2);
        assert_eq!(l.owner, Some(RunnerOwner::Local));
        assert!(l.reconciled.is_some());

        let bad = json!({"guards": {"max_cost_usd": "five"}, "stop_config": {"quant": {"when": "later"}}});
        let l = legacy(bad.as_object().unwrap());
        assert_eq!(l.problems.len(), 2, "{:?}", l.problems);
    }
}
