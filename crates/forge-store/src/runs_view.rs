//! Read-only run views for dashboards: a run row together with its outcome and usage columns,
//! the latest run of every loop in one statement, and per-status run counts.

use std::collections::HashMap;

use forge_core::model::{LoopRun, RunStatus};
use rusqlite::params;

use crate::rows::run_from_row;
use crate::{Result, Store, UsageTotals};

/// A run row plus what the harness reported about it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub run: LoopRun,
    /// The typed outcome (`success`, `rate_limited`, ...) when the output was parsed.
    pub outcome: Option<String>,
    /// Tokens and cost when the harness reported them.
    pub usage: Option<UsageTotals>,
    pub model: Option<String>,
}

/// Run columns prefixed with `r.`, then the outcome and usage columns (indexes 13..=20).
const RECORD_COLUMNS: &str = "r.id, r.loop_id, r.profile_id, r.status, r.prompt_source, r.prompt_path, \
    r.prompt_override, r.started_at, r.finished_at, r.exit_code, r.output_tail, r.harness_pgid, \
    r.metadata_json, r.outcome, r.input_tokens, r.output_tokens, r.cache_read_tokens, \
    r.cache_write_tokens, r.cost_usd, r.model";

fn record_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    let input: Option<i64> = r.get(14)?;
    let usage = match input {
        Some(input_tokens) => Some(UsageTotals {
            input_tokens,
            output_tokens: r.get::<_, Option<i64>>(15)?.unwrap_or(0),
            cache_read_tokens: r.get::<_, Option<i64>>(16)?.unwrap_or(0),
            cache_write_tokens: r.get::<_, Option<i64>>(17)?.unwrap_or(0),
            cost_usd: r.get::<_, Option<f64>>(18)?.unwrap_or(0.0),
        }),
        None => None,
    };
    Ok(RunRecord {
        run: run_from_row(r)?,
        outcome: r.get(13)?,
        usage,
        model: r.get(19)?,
    })
}

impl Store {
    /// Runs of a loop with outcome and usage, newest first (`limit` ≤ 0 = all).
    pub fn list_run_records(&self, loop_id: &str, limit: i64) -> Result<Vec<RunRecord>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM loop_runs r WHERE r.loop_id = ?1 \
             ORDER BY r.started_at DESC, r.rowid DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(
            params![loop_id, if limit <= 0 { -1 } else { limit }],
            record_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The newest run of every loop that has one, keyed by loop id: one index seek per loop.
    pub fn latest_run_records(&self) -> Result<HashMap<String, RunRecord>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM loops l JOIN loop_runs r ON r.id = \
             (SELECT id FROM loop_runs WHERE loop_id = l.id ORDER BY started_at DESC, rowid DESC LIMIT 1)"
        ))?;
        let rows = stmt.query_map([], |r| {
            let record = record_from_row(r)?;
            Ok((record.run.loop_id.clone(), record))
        })?;
        Ok(rows.collect::<rusqlite::Result<HashMap<_, _>>>()?)
    }

    /// How many runs of a loop are in each status.
    pub fn run_status_counts(&self, loop_id: &str) -> Result<HashMap<RunStatus, i64>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT status, COUNT(*) FROM loop_runs WHERE loop_id = ?1 GROUP BY status",
        )?;
        let rows = stmt.query_map([loop_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut counts = HashMap::new();
        for row in rows {
            let (status, n) = row?;
            if let Ok(status) = status.parse::<RunStatus>() {
                counts.insert(status, n);
            }
        }
        Ok(counts)
    }

    /// Path of the database file (None for an in-memory database).
    pub fn path(&self) -> Option<std::path::PathBuf> {
        self.conn()
            .path()
            .filter(|p| !p.is_empty())
            .map(std::path::PathBuf::from)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use forge_core::model::{Loop, LoopState};
    use serde_json::Map;

    use super::*;
    use crate::{RunFinish, RunUsage};

    fn a_loop(store: &mut Store, name: &str) -> Loop {
        let l = Loop {
            id: format!("id-{name}"),
            short_id: format!("s{name}"),
            name: name.into(),
            repo_path: "/r".into(),
            base_prompt_path: None,
            base_prompt_msg: None,
            interval_seconds: 0,
            max_iterations: 0,
            max_runtime_seconds: 0,
            pool_id: None,
            profile_id: None,
            state: LoopState::Stopped,
            last_run_at: None,
            last_exit_code: None,
            last_error: None,
            log_path: None,
            ledger_path: None,
            tags: vec![],
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
            ..Loop::default()
        };
        store.insert_loop(&l).unwrap();
        l
    }

    fn a_run(store: &mut Store, loop_id: &str, id: &str, started: &str) {
        store
            .create_run(&LoopRun {
                id: id.into(),
                loop_id: loop_id.into(),
                profile_id: None,
                status: RunStatus::Running,
                prompt_source: "base".into(),
                prompt_path: None,
                prompt_override: false,
                started_at: started.into(),
                finished_at: None,
                exit_code: None,
                output_tail: None,
                harness_pgid: None,
                metadata: Map::new(),
            })
            .unwrap();
    }

    #[test]
    fn records_carry_outcome_and_usage_and_latest_is_per_loop() {
        let mut store = Store::open_in_memory().unwrap();
        let a = a_loop(&mut store, "a");
        let b = a_loop(&mut store, "b");
        a_run(&mut store, &a.id, "a1", "2026-01-01T00:00:01Z");
        a_run(&mut store, &a.id, "a2", "2026-01-01T00:00:02Z");
        a_run(&mut store, &b.id, "b1", "2026-01-01T00:00:03Z");
        let finish = RunFinish {
            status: RunStatus::Error,
            exit_code: Some(0),
            output_tail: "limit".into(),
            metadata: Map::new(),
            outcome: Some("rate_limited".into()),
            usage: Some(RunUsage {
                input_tokens: 10,
                output_tokens: 5,
                cost_usd: Some(0.25),
                model: Some("m".into()),
                ..RunUsage::default()
            }),
            reason: None,
            events: Vec::new(),
        };
        store.finish_run("a2", &finish).unwrap();
        let records = store.list_run_records(&a.id, 10).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].run.id, "a2");
        assert_eq!(records[0].outcome.as_deref(), Some("rate_limited"));
        assert_eq!(records[0].usage.as_ref().unwrap().cost_usd, 0.25);
        assert_eq!(records[0].model.as_deref(), Some("m"));
        assert!(records[1].usage.is_none());
        let latest = store.latest_run_records().unwrap();
        assert_eq!(latest.len(), 2);
        assert_eq!(latest[&a.id].run.id, "a2");
        assert_eq!(latest[&b.id].run.id, "b1");
        let counts = store.run_status_counts(&a.id).unwrap();
        assert_eq!(counts[&RunStatus::Error], 1);
        assert_eq!(counts[&RunStatus::Running], 1);
    }
}
