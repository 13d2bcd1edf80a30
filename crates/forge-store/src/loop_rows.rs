//! Loop rows: the typed columns of `loops` and `loop_stop_rules`, read strictly. A stored value
//! that does not decode is an error naming the loop and the column, never a silent default (a
//! corrupt stop rule must not quietly switch a guard off).

use forge_core::model::{ChildJob, Loop, LoopHead, RunnerState};
use forge_core::stop::{Guards, QualPrompt, QualStop, QuantStop, StallStop, StopConfig, StopState};
use rusqlite::{Row, Transaction, params};

use crate::cached::Cached;
use crate::decode::{enum_opt, enum_req, json_opt};
use crate::{Result, StoreError};

/// `SELECT` of every loop column but the stop rules (see [`RULES_SELECT`]); append `WHERE ...`.
pub(crate) const LOOP_SELECT: &str = "SELECT loops.id, short_id, name, repo_path, base_prompt_path, \
    base_prompt_msg, interval_seconds, max_iterations, max_runtime_seconds, pool_id, profile_id, state, \
    last_run_at, last_exit_code, last_error, log_path, ledger_path, tags_json, created_at, updated_at, \
    runner_pid, runner_started_at, iteration_count, wait_until, waiting_since, runner_owner, \
    runner_instance_id, reconciled_at, reconcile_reason, job_kind, job_token, job_pgid, config_error, \
    run_timeout_seconds, idle_timeout_seconds, max_cost_usd, max_tokens, \
    stop_main_count, stop_qual_count, stop_qual_last_main, stall_unchanged, stall_nudged \
    FROM loops";

/// `SELECT` of the stop rules (after the loop id), for [`rules_from_row`]; append `WHERE ...`.
/// Read apart from the loop row: SQLite re-compiles a join keyed by a bound id on every
/// execution (its plan depends on the parameter), which had doubled a runner's per-iteration
/// cost.
pub(crate) const RULES_SELECT: &str = "SELECT loop_id, quant_cmd, quant_every, quant_when, \
    quant_decision, quant_exit_codes, quant_exit_invert, quant_stdout_mode, quant_stderr_mode, \
    quant_stdout_regex, quant_stderr_regex, quant_timeout_seconds, qual_every, qual_prompt, \
    qual_prompt_is_path, qual_on_invalid, stall_iterations FROM loop_stop_rules";

pub(crate) fn loop_from_row(r: &Row<'_>) -> rusqlite::Result<Loop> {
    let id: String = r.get(0)?;
    let name: String = r.get(2)?;
    let who = (id.as_str(), name.as_str());
    Ok(Loop {
        short_id: r.get(1)?,
        repo_path: r.get(3)?,
        base_prompt_path: r.get(4)?,
        base_prompt_msg: r.get(5)?,
        interval_seconds: r.get(6)?,
        max_iterations: r.get(7)?,
        max_runtime_seconds: r.get(8)?,
        pool_id: r.get(9)?,
        profile_id: r.get(10)?,
        state: enum_req(r, 11, "loop", who, "state")?,
        last_run_at: r.get(12)?,
        last_exit_code: r.get(13)?,
        last_error: r.get(14)?,
        log_path: r.get(15)?,
        ledger_path: r.get(16)?,
        tags: json_opt(r, 17, "loop", who, "tags")?.unwrap_or_default(),
        created_at: r.get(18)?,
        updated_at: r.get(19)?,
        runner: runner_state(r, who)?,
        job: child_job(r, who)?,
        config_error: r.get(32)?,
        guards: Guards {
            run_timeout_seconds: r.get(33)?,
            idle_timeout_seconds: r.get(34)?,
            max_cost_usd: r.get(35)?,
            max_tokens: r.get(36)?,
        },
        stop_state: StopState {
            main_iteration_count: r.get(37)?,
            qual_iteration_count: r.get(38)?,
            qual_last_main_count: r.get(39)?,
            stall_unchanged: r.get(40)?,
            stall_nudged: r.get::<_, i64>(41)? != 0,
        },
        stop_rules: StopConfig::default(),
        id,
        name,
    })
}

/// The columns of [`LOOP_SELECT`]'s light sibling in `list_loop_heads`.
pub(crate) fn head_from_row(r: &Row<'_>) -> rusqlite::Result<LoopHead> {
    let id: String = r.get(0)?;
    let name: String = r.get(2)?;
    let state = enum_req(r, 4, "loop", (id.as_str(), name.as_str()), "state")?;
    Ok(LoopHead {
        short_id: r.get(1)?,
        repo_path: r.get(3)?,
        state,
        pool_id: r.get(5)?,
        profile_id: r.get(6)?,
        last_run_at: r.get(7)?,
        wait_until: r.get(8)?,
        id,
        name,
    })
}

fn runner_state(r: &Row<'_>, who: (&str, &str)) -> rusqlite::Result<RunnerState> {
    Ok(RunnerState {
        pid: r.get(20)?,
        started_at: r.get(21)?,
        iteration_count: r.get(22)?,
        wait_until: r.get(23)?,
        waiting_since: r.get(24)?,
        owner: enum_opt(r, 25, "loop", who, "runner_owner")?,
        instance_id: r.get(26)?,
        reconciled_at: r.get(27)?,
        reconcile_reason: r.get(28)?,
    })
}

fn child_job(r: &Row<'_>, who: (&str, &str)) -> rusqlite::Result<Option<ChildJob>> {
    let Some(kind) = enum_opt(r, 29, "loop", who, "job_kind")? else {
        return Ok(None);
    };
    Ok(Some(ChildJob {
        kind,
        token: r.get::<_, Option<String>>(30)?.unwrap_or_default(),
        pgid: r.get(31)?,
    }))
}

/// Parses `0,2,130` (the stored exit codes of a quantitative rule).
fn exit_codes(text: &str) -> std::result::Result<Vec<i64>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<i64>()
                .map_err(|_| format!("{t:?} is not an exit code"))
        })
        .collect()
}

/// The stop rules of one [`RULES_SELECT`] row; `who` names the loop in decoding errors.
pub(crate) fn rules_from_row(r: &Row<'_>, who: (&str, &str)) -> rusqlite::Result<StopConfig> {
    let quant = match r.get::<_, Option<String>>(1)? {
        None => None,
        Some(cmd) => Some(QuantStop {
            cmd,
            every_n: r.get::<_, Option<i64>>(2)?.unwrap_or(1),
            when: enum_req(r, 3, "loop", who, "quant_when")?,
            decision: enum_req(r, 4, "loop", who, "quant_decision")?,
            exit_codes: exit_codes(&r.get::<_, String>(5)?)
                .map_err(|e| crate::decode::bad(5, "loop", who, "quant_exit_codes", e))?,
            exit_invert: r.get::<_, i64>(6)? != 0,
            stdout_mode: enum_req(r, 7, "loop", who, "quant_stdout_mode")?,
            stderr_mode: enum_req(r, 8, "loop", who, "quant_stderr_mode")?,
            stdout_regex: r.get(9)?,
            stderr_regex: r.get(10)?,
            timeout_seconds: r.get(11)?,
        }),
    };
    let qual = match r.get::<_, Option<i64>>(12)? {
        None => None,
        Some(every_n) => Some(QualStop {
            every_n,
            prompt: QualPrompt {
                prompt: r.get(13)?,
                is_path: r.get::<_, i64>(14)? != 0,
            },
            on_invalid: enum_req(r, 15, "loop", who, "qual_on_invalid")?,
        }),
    };
    let stall = r
        .get::<_, Option<i64>>(16)?
        .map(|iterations| StallStop { iterations });
    Ok(StopConfig { quant, qual, stall })
}

/// Inserts a loop row and its stop rules.
pub(crate) fn insert(tx: &Transaction<'_>, l: &Loop) -> Result<()> {
    let tags = (!l.tags.is_empty()).then(|| serde_json::json!(l.tags).to_string());
    let g = &l.guards;
    tx.exec_cached(
        "INSERT INTO loops (id, short_id, name, repo_path, base_prompt_path, base_prompt_msg, \
         interval_seconds, max_iterations, max_runtime_seconds, pool_id, profile_id, state, \
         last_run_at, last_exit_code, last_error, log_path, ledger_path, tags_json, created_at, \
         updated_at, run_timeout_seconds, idle_timeout_seconds, max_cost_usd, max_tokens, \
         runner_owner, config_error) \
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26)",
        params![
            l.id, l.short_id, l.name, l.repo_path, l.base_prompt_path, l.base_prompt_msg,
            l.interval_seconds, l.max_iterations, l.max_runtime_seconds, l.pool_id, l.profile_id,
            l.state.as_str(), l.last_run_at, l.last_exit_code, l.last_error, l.log_path,
            l.ledger_path, tags, l.created_at, l.updated_at, g.run_timeout_seconds,
            g.idle_timeout_seconds, g.max_cost_usd, g.max_tokens,
            l.runner.owner.map(|o| o.as_str()), l.config_error
        ],
    )
    .map_err(|e| {
        let e = StoreError::from(e);
        if e.to_string().contains("loops.short_id") {
            e.unique("loop short id", &l.short_id)
        } else {
            e.unique("loop name", &l.name)
        }
    })?;
    write_stop_rules(tx, &l.id, &l.stop_rules)
}

/// Replaces a loop's stop rules.
pub(crate) fn write_stop_rules(
    tx: &Transaction<'_>,
    loop_id: &str,
    rules: &StopConfig,
) -> Result<()> {
    tx.exec_cached("DELETE FROM loop_stop_rules WHERE loop_id = ?1", [loop_id])?;
    if rules.is_empty() {
        return Ok(());
    }
    let q = rules.quant.clone().unwrap_or_default();
    let codes: Vec<String> = q.exit_codes.iter().map(i64::to_string).collect();
    let qual = rules.qual.clone();
    tx.exec_cached(
        "INSERT INTO loop_stop_rules (loop_id, quant_cmd, quant_every, quant_when, quant_decision, \
         quant_exit_codes, quant_exit_invert, quant_stdout_mode, quant_stderr_mode, quant_stdout_regex, \
         quant_stderr_regex, quant_timeout_seconds, qual_every, qual_prompt, qual_prompt_is_path, \
         qual_on_invalid, stall_iterations) \
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
        params![
            loop_id,
            rules.quant.as_ref().map(|q| q.cmd.clone()),
            q.every_n.max(1),
            q.when.as_str(),
            q.decision.as_str(),
            codes.join(","),
            q.exit_invert,
            q.stdout_mode.as_str(),
            q.stderr_mode.as_str(),
            q.stdout_regex,
            q.stderr_regex,
            q.timeout_seconds,
            qual.as_ref().map(|q| q.every_n),
            qual.as_ref().map(|q| q.prompt.prompt.clone()).unwrap_or_default(),
            qual.as_ref().is_some_and(|q| q.prompt.is_path),
            qual.as_ref().map_or("continue", |q| q.on_invalid.as_str()),
            rules.stall.as_ref().map(|s| s.iterations),
        ],
    )?;
    Ok(())
}
