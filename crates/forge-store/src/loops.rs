//! Loop rows. The runner owns its loop row; every update here touches only the columns and
//! metadata keys it names, so concurrent writers (runner, `ps` reconciliation, `kill`) never
//! overwrite each other's fields.

use crate::cached::Cached;
use std::collections::HashMap;

use forge_core::model::{Loop, LoopState};
use forge_core::time::now_rfc3339;
use rusqlite::{OptionalExtension, params, params_from_iter, types::Value as SqlValue};
use serde_json::{Value, json};

use crate::events::record;
use crate::rows::{LOOP_COLUMNS, loop_from_row, map_json};
use crate::{Result, Store, StoreError};

/// Selectors for listing loops (all optional, AND-ed).
#[derive(Debug, Clone, Default)]
pub struct LoopFilter {
    pub repo: Option<String>,
    pub pool_id: Option<String>,
    pub profile_id: Option<String>,
    pub state: Option<LoopState>,
    pub tag: Option<String>,
}

/// A targeted update of one loop; unset fields are left alone.
#[derive(Debug, Clone, Default)]
pub struct LoopUpdate {
    pub state: Option<LoopState>,
    pub last_error: Option<Option<String>>,
    pub last_run_at: Option<String>,
    pub last_exit_code: Option<Option<i64>>,
    pub log_path: Option<String>,
    pub ledger_path: Option<String>,
    pub meta_set: Vec<(String, Value)>,
    pub meta_remove: Vec<String>,
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

    /// Adds a metadata key to set.
    pub fn meta(mut self, key: &str, value: Value) -> Self {
        self.meta_set.push((key.to_string(), value));
        self
    }

    /// Adds a metadata key to remove.
    pub fn unmeta(mut self, key: &str) -> Self {
        self.meta_remove.push(key.to_string());
        self
    }
}

fn json_path(key: &str) -> String {
    format!("$.\"{}\"", key.replace('"', ""))
}

impl Store {
    /// Inserts a new loop.
    pub fn insert_loop(&mut self, l: &Loop) -> Result<()> {
        let tags = (!l.tags.is_empty()).then(|| json!(l.tags).to_string());
        self.write(|tx| {
            tx.exec_cached(
                &format!("INSERT INTO loops ({LOOP_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21)"),
                params![
                    l.id, l.short_id, l.name, l.repo_path, l.base_prompt_path, l.base_prompt_msg,
                    l.interval_seconds, l.max_iterations, l.max_runtime_seconds, l.pool_id, l.profile_id,
                    l.state.as_str(), l.last_run_at, l.last_exit_code, l.last_error, l.log_path,
                    l.ledger_path, tags, map_json(&l.metadata), l.created_at, l.updated_at
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
            record(tx, "loop.created", "loop", &l.id, &json!({ "name": l.name, "repo_path": l.repo_path }))
        })
    }

    /// Fetches a loop by id.
    pub fn get_loop(&self, id: &str) -> Result<Loop> {
        self.conn()
            .row_cached(
                &format!("SELECT {LOOP_COLUMNS} FROM loops WHERE id = ?1"),
                [id],
                loop_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "loop",
                name: id.to_string(),
            })
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

    /// Lists loops matching `filter`, oldest first.
    pub fn list_loops(&self, filter: &LoopFilter) -> Result<Vec<Loop>> {
        let mut sql = format!("SELECT {LOOP_COLUMNS} FROM loops WHERE 1=1");
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
        let rows = stmt.query_map(params_from_iter(args), loop_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Applies a targeted update.
    pub fn update_loop(&mut self, id: &str, update: &LoopUpdate) -> Result<()> {
        let mut sets: Vec<String> = vec!["updated_at = ?1".into()];
        let mut args: Vec<SqlValue> = vec![SqlValue::Text(now_rfc3339())];
        let mut push = |column: &str, value: SqlValue| {
            args.push(value);
            sets.push(format!("{column} = ?{}", args.len()));
        };
        let text = |v: &Option<String>| v.clone().map_or(SqlValue::Null, SqlValue::Text);
        if let Some(state) = update.state {
            push("state", SqlValue::Text(state.as_str().into()));
        }
        if let Some(err) = &update.last_error {
            push("last_error", text(err));
        }
        if let Some(at) = &update.last_run_at {
            push("last_run_at", SqlValue::Text(at.clone()));
        }
        if let Some(code) = update.last_exit_code {
            push(
                "last_exit_code",
                code.map_or(SqlValue::Null, SqlValue::Integer),
            );
        }
        if let Some(p) = &update.log_path {
            push("log_path", SqlValue::Text(p.clone()));
        }
        if let Some(p) = &update.ledger_path {
            push("ledger_path", SqlValue::Text(p.clone()));
        }
        if !update.meta_set.is_empty() || !update.meta_remove.is_empty() {
            let mut expr = "COALESCE(metadata_json, '{}')".to_string();
            for key in &update.meta_remove {
                expr = format!("json_remove({expr}, '{}')", json_path(key));
            }
            for (key, value) in &update.meta_set {
                args.push(SqlValue::Text(value.to_string()));
                expr = format!(
                    "json_set({expr}, '{}', json(?{}))",
                    json_path(key),
                    args.len()
                );
            }
            sets.push(format!("metadata_json = {expr}"));
        }
        args.push(SqlValue::Text(id.to_string()));
        let sql = format!(
            "UPDATE loops SET {} WHERE id = ?{}",
            sets.join(", "),
            args.len()
        );
        let state = update.state;
        let last_error = update.last_error.clone().flatten();
        let changed = self.write(|tx| {
            let n = tx.exec_cached(&sql, params_from_iter(args.iter()))?;
            if let (true, Some(state)) = (n > 0, state) {
                record(
                    tx,
                    "loop.state",
                    "loop",
                    id,
                    &json!({ "state": state.as_str(), "reason": last_error }),
                )?;
            }
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
            let n = tx.exec_cached("DELETE FROM loops WHERE id = ?1", [id])?;
            if n == 0 {
                return Err(StoreError::NotFound {
                    what: "loop",
                    name: id.to_string(),
                });
            }
            record(tx, "loop.removed", "loop", id, &Value::Null)
        })
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
