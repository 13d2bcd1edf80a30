//! Loop memory (key/value) and work state.

use forge_core::ids::new_id;
use forge_core::model::{LoopKv, WorkState};
use forge_core::time::now_rfc3339;
use rusqlite::{OptionalExtension, params};

use crate::rows::{kv_from_row, work_from_row};
use crate::{Result, Store, StoreError};

const WORK_COLUMNS: &str = "id, loop_id, agent_id, task_id, status, detail, loop_iteration, is_current, created_at, updated_at";

impl Store {
    /// Sets a memory key (insert or update, keeping id and created_at).
    pub fn kv_set(&mut self, loop_id: &str, key: &str, value: &str) -> Result<()> {
        let (key, now) = (key.trim(), now_rfc3339());
        if key.is_empty() {
            return Err(StoreError::Invalid("key is required".into()));
        }
        if value.is_empty() {
            return Err(StoreError::Invalid("value is required".into()));
        }
        self.write(|tx| {
            tx.execute(
                "INSERT INTO loop_kv (id, loop_id, key, value, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT (loop_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![new_id(), loop_id, key, value, now],
            )?;
            Ok(())
        })
    }

    /// Reads a memory key.
    pub fn kv_get(&self, loop_id: &str, key: &str) -> Result<LoopKv> {
        self.conn()
            .query_row(
                "SELECT id, loop_id, key, value, created_at, updated_at FROM loop_kv WHERE loop_id = ?1 AND key = ?2",
                params![loop_id, key.trim()],
                kv_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound { what: "loop kv", name: key.trim().to_string() })
    }

    /// A loop's memory, sorted by key.
    pub fn kv_list(&self, loop_id: &str) -> Result<Vec<LoopKv>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, loop_id, key, value, created_at, updated_at FROM loop_kv WHERE loop_id = ?1 ORDER BY key",
        )?;
        let rows = stmt.query_map([loop_id], kv_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Deletes a memory key.
    pub fn kv_delete(&mut self, loop_id: &str, key: &str) -> Result<()> {
        self.write(|tx| {
            if tx.execute(
                "DELETE FROM loop_kv WHERE loop_id = ?1 AND key = ?2",
                params![loop_id, key.trim()],
            )? == 0
            {
                return Err(StoreError::NotFound {
                    what: "loop kv",
                    name: key.trim().to_string(),
                });
            }
            Ok(())
        })
    }

    /// Makes `state.task_id` the loop's current task (creating or updating its row).
    pub fn work_set_current(&mut self, state: &WorkState) -> Result<()> {
        let now = now_rfc3339();
        self.write(|tx| {
            tx.execute("UPDATE loop_work_state SET is_current = 0 WHERE loop_id = ?1 AND is_current = 1", [&state.loop_id])?;
            tx.execute(
                "INSERT INTO loop_work_state (id, loop_id, agent_id, task_id, status, detail, loop_iteration, is_current, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8)
                 ON CONFLICT (loop_id, task_id) DO UPDATE SET agent_id = excluded.agent_id, status = excluded.status,
                   detail = excluded.detail, loop_iteration = excluded.loop_iteration, is_current = 1,
                   updated_at = excluded.updated_at",
                params![new_id(), state.loop_id, state.agent_id, state.task_id, state.status, state.detail, state.loop_iteration, now],
            )?;
            Ok(())
        })
    }

    /// Clears the loop's current task pointer.
    pub fn work_clear_current(&mut self, loop_id: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE loop_work_state SET is_current = 0 WHERE loop_id = ?1",
                [loop_id],
            )?;
            Ok(())
        })
    }

    /// The loop's current task, if any.
    pub fn work_current(&self, loop_id: &str) -> Result<Option<WorkState>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {WORK_COLUMNS} FROM loop_work_state WHERE loop_id = ?1 AND is_current = 1 ORDER BY updated_at DESC, rowid DESC LIMIT 1"),
                [loop_id],
                work_from_row,
            )
            .optional()?)
    }

    /// Work-state rows: current first, then newest (`limit` ≤ 0 = 200).
    pub fn work_list(&self, loop_id: &str, limit: i64) -> Result<Vec<WorkState>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {WORK_COLUMNS} FROM loop_work_state WHERE loop_id = ?1 ORDER BY is_current DESC, updated_at DESC, rowid DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(
            params![loop_id, if limit <= 0 { 200 } else { limit }],
            work_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
