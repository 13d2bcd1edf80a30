//! Profile rows.

use crate::cached::Cached;
use forge_core::events::{
    EventData, ProfileChanged, ProfileCooldown, ProfileCooldownCleared, ProfileRef,
};
use forge_core::model::Profile;
use forge_core::time::now_rfc3339;
use rusqlite::{OptionalExtension, params};
use serde_json::json;

use crate::events::{profile_ref, record};
use crate::rows::{PROFILE_COLUMNS, profile_from_row};
use crate::{Result, Store, StoreError};

fn encode(p: &Profile) -> (Option<String>, Option<String>) {
    let args = (!p.extra_args.is_empty()).then(|| json!(p.extra_args).to_string());
    let env = (!p.env.is_empty()).then(|| json!(p.env).to_string());
    (args, env)
}

fn changed(p: &Profile) -> ProfileChanged {
    ProfileChanged {
        profile: ProfileRef {
            id: p.id.clone(),
            name: p.name.clone(),
        },
        harness: Some(p.harness.clone()),
    }
}

impl Store {
    /// Inserts a profile.
    pub fn insert_profile(&mut self, p: &Profile) -> Result<()> {
        let (args, env) = encode(p);
        self.write(|tx| {
            tx.exec_cached(
                &format!("INSERT INTO profiles ({PROFILE_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)"),
                params![
                    p.id, p.name, p.harness, p.auth_kind, p.auth_home, p.prompt_mode.as_str(),
                    p.command_template, p.model, args, env, p.max_concurrency, p.cooldown_until,
                    p.created_at, p.updated_at
                ],
            )
            .map_err(|e| StoreError::from(e).unique("profile", &p.name))?;
            record(tx, &EventData::ProfileCreated(changed(p)))?;
            Ok(())
        })
    }

    /// Rewrites a profile's editable fields.
    pub fn update_profile(&mut self, p: &Profile) -> Result<()> {
        let (args, env) = encode(p);
        let n = self.write(|tx| {
            let n = tx
                .exec_cached(
                    "UPDATE profiles SET name=?2, harness=?3, auth_kind=?4, auth_home=?5, prompt_mode=?6,
                     command_template=?7, model=?8, extra_args_json=?9, env_json=?10, max_concurrency=?11,
                     cooldown_until=?12, updated_at=?13 WHERE id=?1",
                    params![
                        p.id, p.name, p.harness, p.auth_kind, p.auth_home, p.prompt_mode.as_str(),
                        p.command_template, p.model, args, env, p.max_concurrency, p.cooldown_until,
                        now_rfc3339()
                    ],
                )
                .map_err(|e| StoreError::from(e).unique("profile", &p.name))?;
            if n > 0 {
                record(tx, &EventData::ProfileUpdated(changed(p)))?;
            }
            Ok(n)
        })?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "profile",
                name: p.name.clone(),
            });
        }
        Ok(())
    }

    /// Fetches a profile by id.
    pub fn get_profile(&self, id: &str) -> Result<Profile> {
        self.conn()
            .row_cached(
                &format!("SELECT {PROFILE_COLUMNS} FROM profiles WHERE id = ?1"),
                [id],
                profile_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "profile",
                name: id.to_string(),
            })
    }

    /// Finds a profile by name first, then by id.
    pub fn resolve_profile(&self, name_or_id: &str) -> Result<Profile> {
        let found = self
            .conn()
            .row_cached(
                &format!("SELECT {PROFILE_COLUMNS} FROM profiles WHERE name = ?1 UNION ALL SELECT {PROFILE_COLUMNS} FROM profiles WHERE id = ?1 LIMIT 1"),
                [name_or_id],
                profile_from_row,
            )
            .optional()?;
        found.ok_or_else(|| StoreError::NotFound {
            what: "profile",
            name: name_or_id.to_string(),
        })
    }

    /// Lists profiles by name.
    pub fn list_profiles(&self) -> Result<Vec<Profile>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {PROFILE_COLUMNS} FROM profiles ORDER BY name"
        ))?;
        let rows = stmt.query_map([], profile_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Deletes a profile (pool memberships cascade; loops and runs keep NULL).
    pub fn delete_profile(&mut self, id: &str) -> Result<()> {
        self.write(|tx| {
            let profile = profile_ref(tx, id)?;
            tx.exec_cached("DELETE FROM profiles WHERE id = ?1", [id])?;
            let removed = ProfileChanged {
                profile,
                harness: None,
            };
            record(tx, &EventData::ProfileRemoved(removed))?;
            Ok(())
        })
    }

    /// Sets or clears a profile's cooldown, recording why.
    pub fn set_cooldown(&mut self, id: &str, until: Option<&str>, reason: &str) -> Result<()> {
        self.write(|tx| {
            let n = tx.exec_cached(
                "UPDATE profiles SET cooldown_until = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, until, now_rfc3339()],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound {
                    what: "profile",
                    name: id.to_string(),
                });
            }
            let profile = profile_ref(tx, id)?;
            let reason = reason.to_string();
            let event = match until {
                Some(until) => EventData::ProfileCooldown(ProfileCooldown {
                    profile,
                    until: until.to_string(),
                    reason,
                }),
                None => {
                    EventData::ProfileCooldownCleared(ProfileCooldownCleared { profile, reason })
                }
            };
            record(tx, &event)?;
            Ok(())
        })
    }

    /// Number of runs started with this profile at or after `since` (RFC 3339), across all loops.
    pub fn count_runs_started_since(&self, profile_id: &str, since: &str) -> Result<i64> {
        Ok(self.conn().row_cached(
            "SELECT COUNT(*) FROM loop_runs WHERE profile_id = ?1 AND started_at >= ?2",
            params![profile_id, since],
            |r| r.get(0),
        )?)
    }

    /// Number of runs currently `running` with this profile, across all loops.
    pub fn count_running_by_profile(&self, profile_id: &str) -> Result<i64> {
        Ok(self.conn().row_cached(
            "SELECT COUNT(*) FROM loop_runs WHERE profile_id = ?1 AND status = 'running'",
            [profile_id],
            |r| r.get(0),
        )?)
    }
}
