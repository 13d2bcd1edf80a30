//! Pools and pool members.

use crate::cached::Cached;
use forge_core::events::{EventData, PoolChanged, PoolRef};
use forge_core::ids::new_id;
use forge_core::model::{Pool, PoolMember, Profile};
use forge_core::time::now_rfc3339;
use rusqlite::Transaction;
use rusqlite::{OptionalExtension, params};

use crate::events::record;
use crate::rows::{
    POOL_COLUMNS, PROFILE_COLUMNS, member_from_row, pool_from_row, profile_from_row,
};
use crate::{Result, Store, StoreError};

/// A pool member joined with its profile.
#[derive(Debug, Clone)]
pub struct PoolMemberView {
    pub member: PoolMember,
    pub profile: Profile,
}

impl Store {
    /// Creates a pool; the first pool ever created becomes the default.
    pub fn create_pool(&mut self, name: &str, strategy: &str) -> Result<Pool> {
        let now = now_rfc3339();
        let mut pool = Pool {
            id: new_id(),
            name: name.to_string(),
            strategy: strategy.to_string(),
            is_default: false,
            last_index: None,
            created_at: now.clone(),
            updated_at: now,
        };
        let is_default = self.write(|tx| {
            let any: i64 = tx.row_cached("SELECT COUNT(*) FROM pools", [], |r| r.get(0))?;
            let is_default = any == 0;
            tx.exec_cached(
                &format!("INSERT INTO pools ({POOL_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7)"),
                params![
                    pool.id,
                    pool.name,
                    pool.strategy,
                    i64::from(is_default),
                    pool.last_index,
                    pool.created_at,
                    pool.updated_at
                ],
            )
            .map_err(|e| StoreError::from(e).unique("pool", name))?;
            record(
                tx,
                &EventData::PoolCreated(pool_changed(tx, &pool.id, None)?),
            )?;
            Ok(is_default)
        })?;
        pool.is_default = is_default;
        Ok(pool)
    }

    /// Finds a pool by name first, then by id.
    pub fn resolve_pool(&self, name_or_id: &str) -> Result<Pool> {
        self.conn()
            .row_cached(
                &format!("SELECT {POOL_COLUMNS} FROM pools WHERE name = ?1 UNION ALL SELECT {POOL_COLUMNS} FROM pools WHERE id = ?1 LIMIT 1"),
                [name_or_id],
                pool_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound { what: "pool", name: name_or_id.to_string() })
    }

    /// The default pool, if any.
    pub fn default_pool(&self) -> Result<Option<Pool>> {
        Ok(self
            .conn()
            .row_cached(
                &format!("SELECT {POOL_COLUMNS} FROM pools WHERE is_default = 1 LIMIT 1"),
                [],
                pool_from_row,
            )
            .optional()?)
    }

    /// Lists pools by name.
    pub fn list_pools(&self) -> Result<Vec<Pool>> {
        let mut stmt = self
            .conn()
            .prepare_cached(&format!("SELECT {POOL_COLUMNS} FROM pools ORDER BY name"))?;
        let rows = stmt.query_map([], pool_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Makes `pool_id` the only default pool.
    pub fn set_default_pool(&mut self, pool_id: &str) -> Result<()> {
        self.write(|tx| {
            tx.exec_cached("UPDATE pools SET is_default = 0 WHERE is_default = 1", [])?;
            if tx.exec_cached(
                "UPDATE pools SET is_default = 1, updated_at = ?2 WHERE id = ?1",
                params![pool_id, now_rfc3339()],
            )? == 0
            {
                return Err(StoreError::NotFound {
                    what: "pool",
                    name: pool_id.to_string(),
                });
            }
            record(
                tx,
                &EventData::PoolDefaultSet(pool_changed(tx, pool_id, None)?),
            )?;
            Ok(())
        })
    }

    /// Deletes a pool (its memberships cascade; loops keep NULL).
    pub fn delete_pool(&mut self, pool_id: &str) -> Result<()> {
        self.write(|tx| {
            let removed = pool_changed(tx, pool_id, None)?;
            tx.exec_cached("DELETE FROM pools WHERE id = ?1", [pool_id])?;
            record(tx, &EventData::PoolRemoved(removed))?;
            Ok(())
        })
    }

    /// Appends a profile to a pool at the next position.
    pub fn add_pool_member(&mut self, pool: &Pool, profile: &Profile) -> Result<PoolMember> {
        self.write(|tx| {
            let position: i64 = tx.row_cached(
                "SELECT COALESCE(MAX(position), 0) + 1 FROM pool_members WHERE pool_id = ?1",
                [&pool.id],
                |r| r.get(0),
            )?;
            let member = PoolMember {
                id: new_id(),
                pool_id: pool.id.clone(),
                profile_id: profile.id.clone(),
                weight: 1,
                position,
                created_at: now_rfc3339(),
            };
            tx.exec_cached(
                "INSERT INTO pool_members (id, pool_id, profile_id, weight, position, created_at) VALUES (?1,?2,?3,?4,?5,?6)",
                params![member.id, member.pool_id, member.profile_id, member.weight, member.position, member.created_at],
            )
            .map_err(|e| StoreError::from(e).unique("pool member", &format!("{} in {}", profile.name, pool.name)))?;
            let added = pool_changed(tx, &pool.id, Some(&profile.name))?;
            record(tx, &EventData::PoolMemberAdded(added))?;
            Ok(member)
        })
    }

    /// Removes a profile from a pool.
    pub fn remove_pool_member(&mut self, pool: &Pool, profile: &Profile) -> Result<()> {
        self.write(|tx| {
            let n = tx.exec_cached(
                "DELETE FROM pool_members WHERE pool_id = ?1 AND profile_id = ?2",
                params![pool.id, profile.id],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound {
                    what: "pool member",
                    name: format!("{} in {}", profile.name, pool.name),
                });
            }
            let removed = pool_changed(tx, &pool.id, Some(&profile.name))?;
            record(tx, &EventData::PoolMemberRemoved(removed))?;
            Ok(())
        })
    }

    /// Members of a pool with their profiles, in rotation order.
    pub fn list_pool_members(&self, pool_id: &str) -> Result<Vec<PoolMemberView>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, pool_id, profile_id, weight, position, created_at FROM pool_members
             WHERE pool_id = ?1 ORDER BY position, created_at",
        )?;
        let members = stmt
            .query_map([pool_id], member_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut views = Vec::with_capacity(members.len());
        for member in members {
            let profile = self.conn().row_cached(
                &format!("SELECT {PROFILE_COLUMNS} FROM profiles WHERE id = ?1"),
                [&member.profile_id],
                profile_from_row,
            )?;
            views.push(PoolMemberView { member, profile });
        }
        Ok(views)
    }

    /// Stores the shared round-robin cursor of a pool.
    pub fn set_pool_cursor(&mut self, pool_id: &str, last_index: i64) -> Result<()> {
        self.write(|tx| {
            tx.exec_cached(
                "UPDATE pools SET last_index = ?2 WHERE id = ?1",
                params![pool_id, last_index],
            )?;
            Ok(())
        })
    }
}

/// A pool event's payload, read inside the transaction.
fn pool_changed(tx: &Transaction<'_>, pool_id: &str, profile: Option<&str>) -> Result<PoolChanged> {
    let name = tx
        .row_cached("SELECT name FROM pools WHERE id = ?1", [pool_id], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: "pool",
            name: pool_id.to_string(),
        })?;
    Ok(PoolChanged {
        pool: PoolRef {
            id: pool_id.to_string(),
            name,
        },
        profile: profile.map(str::to_string),
    })
}
