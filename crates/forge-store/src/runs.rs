//! Run rows: one per harness execution.

use crate::cached::Cached;
use forge_core::events::{EventData, RunFinished, RunKind, RunStarted, Tokens};
use forge_core::model::{LoopRun, RunStatus};
use forge_core::time::{now_rfc3339, parse_ts, seconds_between};
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Map, Value};

use crate::events::{loop_ref, record, record_all};
use crate::rows::{RUN_COLUMNS, map_json, run_from_row};
use crate::{Result, Store, StoreError};

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunFinish {
    pub status: RunStatus,
    pub exit_code: Option<i64>,
    pub output_tail: String,
    /// Metadata keys merged into the run's metadata (outcome details, reason).
    pub metadata: Map<String, Value>,
    /// The typed outcome (`success`, `rate_limited`, ...) when the output was parsed.
    pub outcome: Option<String>,
    /// Token and cost accounting when the harness reported it.
    pub usage: Option<RunUsage>,
    /// Why the run did not succeed (the `reason` of `run.finished`).
    pub reason: Option<String>,
    /// Events recorded after `run.finished`, in the same transaction (`run.rate_limited`).
    pub events: Vec<EventData>,
}

/// Token and cost accounting of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunUsage {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_write_tokens: i64,
    pub cost_usd: Option<f64>,
    pub model: Option<String>,
    pub session_id: Option<String>,
}

/// The summed usage columns of `loop_runs r`, in the order [`totals_at`] reads them.
const SUM_USAGE: &str = "COALESCE(SUM(r.input_tokens), 0), COALESCE(SUM(r.output_tokens), 0), \
    COALESCE(SUM(r.cache_read_tokens), 0), COALESCE(SUM(r.cache_write_tokens), 0), COALESCE(SUM(r.cost_usd), 0)";

/// Reads the [`SUM_USAGE`] columns starting at column `first`.
fn totals_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<UsageTotals> {
    Ok(UsageTotals {
        input_tokens: r.get(first)?,
        output_tokens: r.get(first + 1)?,
        cache_read_tokens: r.get(first + 2)?,
        cache_write_tokens: r.get(first + 3)?,
        cost_usd: r.get(first + 4)?,
    })
}

/// How `forge usage` groups runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageGroup {
    Loop,
    Profile,
    Harness,
    Day,
}

/// One line of a usage report.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRow {
    pub key: String,
    pub runs: i64,
    pub totals: UsageTotals,
}

/// Totals of a loop's runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageTotals {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_write_tokens: i64,
    pub cost_usd: f64,
}

impl Store {
    /// Inserts a run row (status `running`) without any capacity check.
    pub fn create_run(&mut self, run: &LoopRun) -> Result<()> {
        self.create_run_checked(run, 0, None, &[]).map(|_| ())
    }

    /// Inserts a run row unless its profile already runs `max_concurrency` harnesses (0 =
    /// unlimited). The count and the insert happen in one write transaction, so two runners
    /// racing for the last slot cannot both win. Returns false when the profile is full.
    ///
    /// With `start_limit = Some((since, n))` the profile may also have started at most `n - 1`
    /// other runs at or after `since` (gradual re-admission after a cooldown). `events` are
    /// recorded after `run.started` in the same transaction (`loop.failover`).
    pub fn create_run_checked(
        &mut self,
        run: &LoopRun,
        max_concurrency: i64,
        start_limit: Option<(&str, i64)>,
        events: &[EventData],
    ) -> Result<bool> {
        self.write(|tx| {
            if let (Some(profile_id), true) = (&run.profile_id, max_concurrency > 0) {
                let running: i64 = tx.row_cached(
                    "SELECT COUNT(*) FROM loop_runs WHERE profile_id = ?1 AND status = 'running'",
                    [profile_id],
                    |r| r.get(0),
                )?;
                if running >= max_concurrency {
                    return Ok(false);
                }
            }
            if let (Some(profile_id), Some((since, limit))) = (&run.profile_id, start_limit) {
                let started: i64 = tx.row_cached(
                    "SELECT COUNT(*) FROM loop_runs WHERE profile_id = ?1 AND started_at >= ?2",
                    params![profile_id, since],
                    |r| r.get(0),
                )?;
                if started >= limit {
                    return Ok(false);
                }
            }
            tx.exec_cached(
                &format!("INSERT INTO loop_runs ({RUN_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"),
                params![
                    run.id, run.loop_id, run.profile_id, run.status.as_str(), run.prompt_source,
                    run.prompt_path, i64::from(run.prompt_override), run.started_at, run.finished_at,
                    run.exit_code, run.output_tail, run.harness_pgid, map_json(&run.metadata)
                ],
            )?;
            record(tx, &run_started(tx, run)?)?;
            record_all(tx, events)?;
            Ok(true)
        })
    }

    /// Records the harness process group of a running run.
    pub fn set_run_pgid(&mut self, run_id: &str, pgid: i64) -> Result<()> {
        self.write(|tx| {
            tx.exec_cached(
                "UPDATE loop_runs SET harness_pgid = ?2 WHERE id = ?1",
                params![run_id, pgid],
            )?;
            Ok(())
        })
    }

    /// Closes a run row. Only a run still `running` is changed, so a run closed by someone
    /// else (e.g. `forge kill` reconciling a dead runner) keeps its first verdict.
    pub fn finish_run(&mut self, run_id: &str, finish: &RunFinish) -> Result<bool> {
        self.write(|tx| {
            let u = finish.usage.clone().unwrap_or_default();
            let has_usage = finish.usage.is_some();
            let n = tx.exec_cached(
                "UPDATE loop_runs SET status = ?2, exit_code = ?3, output_tail = ?4, finished_at = ?5,
                 harness_pgid = NULL, outcome = ?7,
                 input_tokens = CASE WHEN ?8 THEN ?9 END, output_tokens = CASE WHEN ?8 THEN ?10 END,
                 cache_read_tokens = CASE WHEN ?8 THEN ?11 END, cache_write_tokens = CASE WHEN ?8 THEN ?12 END,
                 cost_usd = ?13, model = ?14, session_id = ?15,
                 metadata_json = CASE WHEN ?6 IS NULL THEN metadata_json
                                      ELSE json_patch(COALESCE(metadata_json, '{}'), ?6) END
                 WHERE id = ?1 AND status = 'running'",
                params![
                    run_id, finish.status.as_str(), finish.exit_code, finish.output_tail,
                    now_rfc3339(), map_json(&finish.metadata), finish.outcome, has_usage,
                    u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens,
                    u.cost_usd, u.model, u.session_id
                ],
            )?;
            if n > 0 {
                record(tx, &run_finished(tx, run_id, finish)?)?;
                record_all(tx, &finish.events)?;
            }
            Ok(n > 0)
        })
    }

    /// Token and cost totals per loop (loops without accounted runs are absent).
    pub fn usage_totals(&self) -> Result<std::collections::HashMap<String, UsageTotals>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT r.loop_id, {SUM_USAGE} FROM loop_runs r
             WHERE r.input_tokens IS NOT NULL GROUP BY r.loop_id"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, totals_at(r, 1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Runs and spend grouped by `by` (`loop`, `profile`, `harness` or `day`), largest cost
    /// first, for runs started at or after `since` (all when None).
    pub fn usage_report(&self, by: UsageGroup, since: Option<&str>) -> Result<Vec<UsageRow>> {
        let key = match by {
            UsageGroup::Loop => "COALESCE(l.name, r.loop_id)",
            UsageGroup::Profile => {
                "COALESCE(p.name, json_extract(r.metadata_json, '$.profile_name'), '-')"
            }
            UsageGroup::Harness => {
                "COALESCE(NULLIF(json_extract(r.metadata_json, '$.harness'), ''), p.harness, '-')"
            }
            UsageGroup::Day => "substr(r.started_at, 1, 10)",
        };
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {key} AS k, COUNT(*), {SUM_USAGE}
             FROM loop_runs r LEFT JOIN loops l ON l.id = r.loop_id LEFT JOIN profiles p ON p.id = r.profile_id
             WHERE (?1 IS NULL OR r.started_at >= ?1)
             GROUP BY k ORDER BY 7 DESC, 3 + 4 DESC, k"
        ))?;
        let rows = stmt.query_map([since], |r| {
            Ok(UsageRow {
                key: r.get(0)?,
                runs: r.get(1)?,
                totals: totals_at(r, 2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Token and cost totals of one loop's runs.
    pub fn loop_usage_totals(&self, loop_id: &str) -> Result<UsageTotals> {
        Ok(self.conn().row_cached(
            &format!(
                "SELECT {SUM_USAGE} FROM loop_runs r WHERE r.loop_id = ?1 AND r.input_tokens IS NOT NULL"
            ),
            [loop_id],
            |r| totals_at(r, 0),
        )?)
    }

    /// Number of runs of a profile with this outcome since `since` (RFC 3339).
    pub fn count_outcomes_since(
        &self,
        profile_id: &str,
        outcome: &str,
        since: &str,
    ) -> Result<i64> {
        Ok(self.conn().row_cached(
            "SELECT COUNT(*) FROM loop_runs WHERE profile_id = ?1 AND outcome = ?2 AND started_at >= ?3",
            params![profile_id, outcome, since],
            |r| r.get(0),
        )?)
    }

    /// Fetches a run by id.
    pub fn get_run(&self, run_id: &str) -> Result<LoopRun> {
        self.conn()
            .row_cached(
                &format!("SELECT {RUN_COLUMNS} FROM loop_runs WHERE id = ?1"),
                [run_id],
                run_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "run",
                name: run_id.to_string(),
            })
    }

    /// Runs of a loop, newest first (`limit` ≤ 0 = all).
    pub fn list_runs(&self, loop_id: &str, limit: i64) -> Result<Vec<LoopRun>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM loop_runs WHERE loop_id = ?1 ORDER BY started_at DESC, rowid DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(
            params![loop_id, if limit <= 0 { -1 } else { limit }],
            run_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Runs of a loop still marked `running`.
    pub fn running_runs(&self, loop_id: &str) -> Result<Vec<LoopRun>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM loop_runs WHERE loop_id = ?1 AND status = 'running'"
        ))?;
        let rows = stmt.query_map([loop_id], run_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

/// `run.started` for a run row about to be inserted.
fn run_started(tx: &Transaction<'_>, run: &LoopRun) -> Result<EventData> {
    let (profile, harness) = match &run.profile_id {
        Some(id) => tx
            .row_cached(
                "SELECT name, harness FROM profiles WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or_default(),
        None => (String::new(), String::new()),
    };
    let kind = if run.prompt_source == "qual_stop" {
        RunKind::Judge
    } else {
        RunKind::Main
    };
    Ok(EventData::RunStarted(RunStarted {
        r#loop: loop_ref(tx, &run.loop_id)?,
        run: run.id.clone(),
        profile,
        harness,
        kind,
    }))
}

/// `run.finished` for a run row just closed.
fn run_finished(tx: &Transaction<'_>, run_id: &str, finish: &RunFinish) -> Result<EventData> {
    // Two keyed reads rather than a join: SQLite re-compiles a join keyed by a bound id on
    // every execution.
    type RunKeys = (
        String,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
    );
    let (loop_id, profile_id, recorded_name, started, finished): RunKeys = tx.row_cached(
        "SELECT loop_id, profile_id, json_extract(metadata_json, '$.profile_name'), started_at, finished_at
         FROM loop_runs WHERE id = ?1",
        [run_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let current_name = match &profile_id {
        Some(id) => tx
            .row_cached("SELECT name FROM profiles WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?,
        None => None,
    };
    let profile: Option<String> = current_name.or(recorded_name);
    let duration_seconds = match (parse_ts(&started), finished.as_deref().and_then(parse_ts)) {
        (Some(a), Some(b)) => seconds_between(a, b).max(0),
        _ => 0,
    };
    let usage = finish.usage.as_ref();
    Ok(EventData::RunFinished(RunFinished {
        r#loop: loop_ref(tx, &loop_id)?,
        run: run_id.to_string(),
        profile,
        status: finish.status,
        outcome: finish.outcome.clone(),
        exit_code: finish.exit_code,
        duration_seconds,
        tokens: usage.map(|u| Tokens {
            input: u.input_tokens,
            output: u.output_tokens,
            cache_read: u.cache_read_tokens,
            cache_write: u.cache_write_tokens,
        }),
        cost_usd: usage.and_then(|u| u.cost_usd),
        model: usage.and_then(|u| u.model.clone()),
        reason: finish.reason.clone(),
    }))
}
