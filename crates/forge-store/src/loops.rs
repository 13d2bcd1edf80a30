//! Loop rows. The runner owns its loop row; every update here touches only the columns it
//! names, so concurrent writers (runner, `ps` reconciliation, `kill`) never
//! overwrite each other's fields.

use crate::cached::Cached;
use std::collections::HashMap;

use crate::events::{loop_ref, record, record_all};
use crate::loop_rows::{LOOP_SELECT, RULES_SELECT, loop_from_row, rules_from_row};
use crate::{Result, Store, StoreError};
use forge_core::events::{EventData, LoopOnly, LoopRef, LoopStateChanged};
use forge_core::model::{ChildJob, Loop, LoopHead, LoopState, RunnerOwner};
use forge_core::stop::{StopConfig, StopState};
use forge_core::time::now_rfc3339;
use rusqlite::{OptionalExtension, params_from_iter, types::Value as SqlValue};

/// Selectors for listing loops (all optional, AND-ed).
#[derive(Debug, Clone, Default)]
pub struct LoopFilter {
    pub repo: Option<String>,
    pub pool_id: Option<String>,
    pub profile_id: Option<String>,
    pub state: Option<LoopState>,
    pub tag: Option<String>,
}

/// A targeted update of one loop; unset fields are left alone (`Some(None)` clears a column).
#[derive(Debug, Clone, Default)]
pub struct LoopUpdate {
    pub state: Option<LoopState>,
    pub last_error: Option<Option<String>>,
    pub last_run_at: Option<String>,
    pub last_exit_code: Option<Option<i64>>,
    pub log_path: Option<String>,
    pub ledger_path: Option<String>,
    pub runner_pid: Option<Option<i64>>,
    pub runner_started_at: Option<Option<String>>,
    pub iteration_count: Option<i64>,
    pub wait_until: Option<Option<String>>,
    pub waiting_since: Option<Option<String>>,
    pub runner_owner: Option<Option<RunnerOwner>>,
    pub runner_instance_id: Option<Option<String>>,
    /// When reconciliation found the runner dead, and why.
    pub reconciled: Option<Option<(String, String)>>,
    pub job: Option<Option<ChildJob>>,
    pub stop_state: Option<StopState>,
    /// Events recorded in the update's transaction (after `loop.state`, when the state changes).
    pub events: Vec<EventData>,
}

impl LoopUpdate {
    /// Sets the state.
    pub fn state(state: LoopState) -> Self {
        Self {
            state: Some(state),
            ..Self::default()
        }
    }

    /// Sets the state and `last_error`.
    pub fn state_with_error(state: LoopState, error: impl Into<String>) -> Self {
        Self {
            state: Some(state),
            last_error: Some(Some(error.into())),
            ..Self::default()
        }
    }

    /// Sets (or clears) `wait_until`.
    pub fn wait_until(mut self, until: Option<String>) -> Self {
        self.wait_until = Some(until);
        self
    }

    /// Sets (or clears) `waiting_since`.
    pub fn waiting_since(mut self, since: Option<String>) -> Self {
        self.waiting_since = Some(since);
        self
    }

    /// Sets the smart-stop counters.
    pub fn stop_state(mut self, state: &StopState) -> Self {
        self.stop_state = Some(state.clone());
        self
    }

    /// Records `event` together with this update.
    pub fn event(mut self, event: EventData) -> Self {
        self.events.push(event);
        self
    }

    /// Records (or clears) the runner's auxiliary child.
    pub fn job(mut self, job: Option<ChildJob>) -> Self {
        self.job = Some(job);
        self
    }

    /// The column assignments of this update (without `updated_at`).
    fn assignments(&self) -> Vec<(&'static str, SqlValue)> {
        let text = |v: &Option<String>| v.clone().map_or(SqlValue::Null, SqlValue::Text);
        let int = |v: Option<i64>| v.map_or(SqlValue::Null, SqlValue::Integer);
        let mut out: Vec<(&'static str, SqlValue)> = Vec::new();
        if let Some(state) = self.state {
            out.push(("state", SqlValue::Text(state.as_str().into())));
        }
        if let Some(v) = &self.last_error {
            out.push(("last_error", text(v)));
        }
        if let Some(at) = &self.last_run_at {
            out.push(("last_run_at", SqlValue::Text(at.clone())));
        }
        if let Some(code) = self.last_exit_code {
            out.push(("last_exit_code", int(code)));
        }
        if let Some(p) = &self.log_path {
            out.push(("log_path", SqlValue::Text(p.clone())));
        }
        if let Some(p) = &self.ledger_path {
            out.push(("ledger_path", SqlValue::Text(p.clone())));
        }
        if let Some(pid) = self.runner_pid {
            out.push(("runner_pid", int(pid)));
        }
        if let Some(v) = &self.runner_started_at {
            out.push(("runner_started_at", text(v)));
        }
        if let Some(n) = self.iteration_count {
            out.push(("iteration_count", SqlValue::Integer(n)));
        }
        if let Some(v) = &self.wait_until {
            out.push(("wait_until", text(v)));
        }
        if let Some(v) = &self.waiting_since {
            out.push(("waiting_since", text(v)));
        }
        if let Some(owner) = self.runner_owner {
            out.push(("runner_owner", text(&owner.map(|o| o.as_str().to_string()))));
        }
        if let Some(v) = &self.runner_instance_id {
            out.push(("runner_instance_id", text(v)));
        }
        if let Some(rec) = &self.reconciled {
            let (at, why) = rec.clone().unzip();
            out.push(("reconciled_at", text(&at)));
            out.push(("reconcile_reason", text(&why)));
        }
        if let Some(job) = &self.job {
            out.push((
                "job_kind",
                text(&job.as_ref().map(|j| j.kind.as_str().to_string())),
            ));
            out.push(("job_token", text(&job.as_ref().map(|j| j.token.clone()))));
            out.push(("job_pgid", int(job.as_ref().and_then(|j| j.pgid))));
        }
        if let Some(st) = &self.stop_state {
            out.push((
                "stop_main_count",
                SqlValue::Integer(st.main_iteration_count),
            ));
            out.push((
                "stop_qual_count",
                SqlValue::Integer(st.qual_iteration_count),
            ));
            out.push((
                "stop_qual_last_main",
                SqlValue::Integer(st.qual_last_main_count),
            ));
            out.push(("stall_unchanged", SqlValue::Integer(st.stall_unchanged)));
            out.push((
                "stall_nudged",
                SqlValue::Integer(i64::from(st.stall_nudged)),
            ));
        }
        out
    }
}

impl Store {
    /// Inserts a new loop (and its stop rules).
    pub fn insert_loop(&mut self, l: &Loop) -> Result<()> {
        self.write(|tx| {
            crate::loop_rows::insert(tx, l)?;
            record(
                tx,
                &EventData::LoopCreated(LoopOnly {
                    r#loop: LoopRef::of(l),
                }),
            )?;
            Ok(())
        })
    }

    /// Fetches a loop by id.
    pub fn get_loop(&self, id: &str) -> Result<Loop> {
        let mut l = self
            .conn()
            .row_cached(&format!("{LOOP_SELECT} WHERE id = ?1"), [id], loop_from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "loop",
                name: id.to_string(),
            })?;
        let who = (l.id.clone(), l.name.clone());
        if let Some(rules) = self
            .conn()
            .row_cached(&format!("{RULES_SELECT} WHERE loop_id = ?1"), [id], |r| {
                rules_from_row(r, (&who.0, &who.1))
            })
            .optional()?
        {
            l.stop_rules = rules;
        }
        Ok(l)
    }

    /// Whether a loop with this name exists.
    pub fn loop_name_exists(&self, name: &str) -> Result<bool> {
        Ok(self
            .conn()
            .row_cached("SELECT 1 FROM loops WHERE name = ?1", [name], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Whether a loop with this short id exists.
    pub fn short_id_exists(&self, short_id: &str) -> Result<bool> {
        Ok(self
            .conn()
            .row_cached(
                "SELECT 1 FROM loops WHERE short_id = ?1",
                [short_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Whether a loop's log file is named `log_file` or its ledger `ledger_file` (file names,
    /// in any directory).
    pub fn loop_files_taken(&self, log_file: &str, ledger_file: &str) -> Result<bool> {
        let (log_tail, ledger_tail) = (format!("/{log_file}"), format!("/{ledger_file}"));
        Ok(self
            .conn()
            .row_cached(
                "SELECT 1 FROM loops WHERE log_path = ?1 OR substr(log_path, -length(?2)) = ?2 \
                 OR ledger_path = ?3 OR substr(ledger_path, -length(?4)) = ?4",
                [log_file, &log_tail, ledger_file, &ledger_tail],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Lists loops matching `filter`, oldest first.
    pub fn list_loops(&self, filter: &LoopFilter) -> Result<Vec<Loop>> {
        let mut loops = self.select_loops(LOOP_SELECT, filter, loop_from_row)?;
        if loops.is_empty() {
            return Ok(loops);
        }
        // Few loops have stop rules: read them all in one statement and attach them.
        let names: HashMap<String, String> = loops
            .iter()
            .map(|l| (l.id.clone(), l.name.clone()))
            .collect();
        let mut stmt = self.conn().prepare_cached(RULES_SELECT)?;
        let mut rows = stmt.query([])?;
        let mut rules: HashMap<String, StopConfig> = HashMap::new();
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let Some(name) = names.get(&id) else { continue };
            rules.insert(id.clone(), rules_from_row(r, (&id, name))?);
        }
        for l in &mut loops {
            if let Some(r) = rules.remove(&l.id) {
                l.stop_rules = r;
            }
        }
        Ok(loops)
    }

    /// Lists the columns a loop table shows (`ps`), oldest first: much cheaper than
    /// [`Store::list_loops`] for large fleets (no stop rules, guards or counters).
    pub fn list_loop_heads(&self, filter: &LoopFilter) -> Result<Vec<LoopHead>> {
        self.select_loops(
            "SELECT id, short_id, name, repo_path, state, pool_id, profile_id, last_run_at, \
             wait_until FROM loops",
            filter,
            crate::loop_rows::head_from_row,
        )
    }

    fn select_loops<T>(
        &self,
        select: &str,
        filter: &LoopFilter,
        map: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut sql = format!("{select} WHERE 1=1");
        let mut args: Vec<SqlValue> = Vec::new();
        let mut add = |clause: &str, value: &str| {
            args.push(SqlValue::Text(value.to_string()));
            sql.push_str(&format!(" AND {clause} ?{}", args.len()));
        };
        if let Some(repo) = &filter.repo {
            add("repo_path =", repo);
        }
        if let Some(pool) = &filter.pool_id {
            add("pool_id =", pool);
        }
        if let Some(profile) = &filter.profile_id {
            add("profile_id =", profile);
        }
        if let Some(state) = filter.state {
            add("state =", state.as_str());
        }
        if let Some(tag) = &filter.tag {
            add(
                "EXISTS (SELECT 1 FROM json_each(loops.tags_json) WHERE json_each.value =",
                tag,
            );
            sql.push(')');
        }
        sql.push_str(" ORDER BY created_at, rowid");
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), map)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Applies a targeted update.
    pub fn update_loop(&mut self, id: &str, update: &LoopUpdate) -> Result<()> {
        let mut sets: Vec<String> = vec!["updated_at = ?1".into()];
        let mut args: Vec<SqlValue> = vec![SqlValue::Text(now_rfc3339())];
        for (column, value) in update.assignments() {
            args.push(value);
            sets.push(format!("{column} = ?{}", args.len()));
        }
        args.push(SqlValue::Text(id.to_string()));
        let sql = format!(
            "UPDATE loops SET {} WHERE id = ?{}",
            sets.join(", "),
            args.len()
        );
        let changed = self.write(|tx| {
            let before: Option<LoopState> = match update.state {
                Some(_) => tx
                    .row_cached("SELECT state FROM loops WHERE id = ?1", [id], |r| {
                        crate::decode::enum_req(r, 0, "loop", (id, id), "state")
                    })
                    .optional()?,
                None => None,
            };
            let n = tx.exec_cached(&sql, params_from_iter(args.iter()))?;
            if n == 0 {
                return Ok(0);
            }
            if let (Some(to), Some(from)) = (update.state, before)
                && from != to
            {
                let reason = update.last_error.clone().flatten();
                let changed = LoopStateChanged {
                    r#loop: loop_ref(tx, id)?,
                    from,
                    to,
                    reason,
                };
                record(tx, &EventData::LoopState(changed))?;
            }
            record_all(tx, &update.events)?;
            Ok(n)
        })?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "loop",
                name: id.to_string(),
            });
        }
        Ok(())
    }

    /// Deletes a loop (its queue, runs and memory cascade).
    pub fn delete_loop(&mut self, id: &str) -> Result<()> {
        self.write(|tx| {
            let removed = loop_ref(tx, id)?;
            tx.exec_cached("DELETE FROM loops WHERE id = ?1", [id])?;
            record(tx, &EventData::LoopRemoved(LoopOnly { r#loop: removed }))?;
            Ok(())
        })
    }

    /// Loops waiting (state `waiting`, `waiting_since` set) since before `since` (all waiting
    /// loops when `since` is None) that could run on `profile_id`: pinned to it, or on a pool it
    /// belongs to. Oldest first. A loop other than `loop_id` takes a slot of the profile only
    /// after these, so busy profiles serve waiting loops in the order they started waiting.
    pub fn earlier_waiters(
        &self,
        loop_id: &str,
        since: Option<&str>,
        profile_id: &str,
    ) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id FROM loops WHERE id != ?1 AND state = 'waiting' AND waiting_since IS NOT NULL              AND (?2 IS NULL OR waiting_since < ?2)              AND (profile_id = ?3 OR pool_id IN (SELECT pool_id FROM pool_members WHERE profile_id = ?3))              ORDER BY waiting_since, id",
        )?;
        let rows = stmt.query_map(rusqlite::params![loop_id, since, profile_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    }

    /// Number of run rows per loop (from the trigger-maintained `loops.run_count`).
    pub fn run_counts(&self) -> Result<HashMap<String, i64>> {
        self.counts("SELECT id, run_count FROM loops")
    }

    /// Number of pending queue items per loop.
    pub fn pending_counts(&self) -> Result<HashMap<String, i64>> {
        self.counts("SELECT loop_id, COUNT(*) FROM loop_queue_items WHERE status = 'pending' GROUP BY loop_id")
    }

    fn counts(&self, sql: &str) -> Result<HashMap<String, i64>> {
        let mut stmt = self.conn().prepare_cached(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<HashMap<_, _>>>()?)
    }
}
