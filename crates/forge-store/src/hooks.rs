//! Hook rows and their delivery record.

use crate::cached::Cached;
use forge_core::events::{EventData, parse_kinds};
use forge_core::hooks::{Hook, HookAction, HookScope};
use forge_core::time::now_rfc3339;
use rusqlite::{OptionalExtension, Row, params};

use crate::decode::bad;
use crate::events::record;
use crate::{Result, Store, StoreError};

/// A hook to create (its id, cursor and creation time come from the store).
#[derive(Debug, Clone)]
pub struct NewHook {
    pub on: String,
    pub scope: HookScope,
    pub action: HookAction,
    pub timeout_ms: u64,
    pub enabled: bool,
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Delivered.
    Ok,
    /// Failed; another attempt follows.
    Retry,
    /// Failed for good.
    Failed,
}

impl DeliveryStatus {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Ok => "ok",
            DeliveryStatus::Retry => "retry",
            DeliveryStatus::Failed => "failed",
        }
    }
}

/// One recorded delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    pub hook_id: i64,
    pub event_id: i64,
    pub attempt: i64,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: i64,
    pub created_at: String,
}

/// An attempt to record with [`Store::record_delivery`].
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    pub hook_id: i64,
    pub event_id: i64,
    pub attempt: u32,
    pub status: DeliveryStatus,
    pub error: Option<&'a str>,
    pub duration_ms: u64,
}

const HOOK_COLUMNS: &str = "id, kinds, entity_type, entity_id, repo, action, command, url, headers_json, timeout_ms, enabled, cursor, created_at";

fn hook_from_row(r: &Row<'_>) -> rusqlite::Result<Hook> {
    let id: i64 = r.get(0)?;
    let who = id.to_string();
    let who = (who.as_str(), who.as_str());
    let kinds: String = r.get(1)?;
    let on = parse_kinds(&kinds).map_err(|e| bad(1, "hook", who, "kinds", e))?;
    let scope = match (
        r.get::<_, Option<String>>(2)?,
        r.get::<_, Option<String>>(3)?,
        r.get::<_, Option<String>>(4)?,
    ) {
        (Some(entity_type), Some(entity_id), _) => HookScope::Entity {
            entity_type,
            entity_id,
        },
        (_, _, Some(repo)) => HookScope::Repo { repo },
        _ => HookScope::All,
    };
    let action: String = r.get(5)?;
    let action = match action.as_str() {
        "command" => HookAction::Command {
            cmd: r
                .get::<_, Option<String>>(6)?
                .ok_or_else(|| bad(6, "hook", who, "command", "it is empty"))?,
        },
        "webhook" => HookAction::Webhook {
            url: r
                .get::<_, Option<String>>(7)?
                .ok_or_else(|| bad(7, "hook", who, "url", "it is empty"))?,
            headers: crate::decode::json_opt(r, 8, "hook", who, "headers_json")?
                .unwrap_or_default(),
        },
        "desktop" => HookAction::Desktop,
        other => {
            return Err(bad(
                5,
                "hook",
                who,
                "action",
                format!("unknown action {other:?}"),
            ));
        }
    };
    Ok(Hook {
        id,
        on,
        scope,
        action,
        timeout_ms: u64::try_from(r.get::<_, i64>(9)?)
            .map_err(|e| bad(9, "hook", who, "timeout_ms", e.to_string()))?,
        enabled: r.get::<_, i64>(10)? != 0,
        cursor: r.get(11)?,
        created_at: r.get(12)?,
    })
}

impl Store {
    /// Creates a hook that fires for events recorded from now on.
    pub fn insert_hook(&mut self, hook: &NewHook) -> Result<Hook> {
        let (entity_type, entity_id, repo) = match &hook.scope {
            HookScope::All => (None, None, None),
            HookScope::Entity {
                entity_type,
                entity_id,
            } => (Some(entity_type.clone()), Some(entity_id.clone()), None),
            HookScope::Repo { repo } => (None, None, Some(repo.clone())),
        };
        let (command, url, headers) = match &hook.action {
            HookAction::Command { cmd } => (Some(cmd.clone()), None, None),
            HookAction::Webhook { url, headers } => (
                None,
                Some(url.clone()),
                (!headers.is_empty())
                    .then(|| serde_json::to_string(headers))
                    .transpose()?,
            ),
            HookAction::Desktop => (None, None, None),
        };
        let timeout = i64::try_from(hook.timeout_ms)
            .map_err(|_| StoreError::Invalid("hook timeout is too long".into()))?;
        let id = self.write(|tx| {
            tx.exec_cached(
                "INSERT INTO hooks (kinds, entity_type, entity_id, repo, action, command, url, headers_json, timeout_ms, enabled, cursor, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, (SELECT COALESCE(MAX(id), 0) FROM events), ?11)",
                params![
                    hook.on, entity_type, entity_id, repo, hook.action.kind(), command, url, headers,
                    timeout, i64::from(hook.enabled), now_rfc3339()
                ],
            )?;
            Ok(tx.last_insert_rowid())
        })?;
        self.get_hook(id)
    }

    /// A hook by id.
    pub fn get_hook(&self, id: i64) -> Result<Hook> {
        self.conn()
            .row_cached(
                &format!("SELECT {HOOK_COLUMNS} FROM hooks WHERE id = ?1"),
                [id],
                hook_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "hook",
                name: id.to_string(),
            })
    }

    /// Every hook, oldest first.
    pub fn list_hooks(&self) -> Result<Vec<Hook>> {
        let mut stmt = self
            .conn()
            .prepare_cached(&format!("SELECT {HOOK_COLUMNS} FROM hooks ORDER BY id"))?;
        let rows = stmt.query_map([], hook_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Whether any hook is enabled.
    pub fn any_enabled_hook(&self) -> Result<bool> {
        Ok(self.conn().row_cached(
            "SELECT EXISTS (SELECT 1 FROM hooks WHERE enabled = 1)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Deletes a hook and its delivery record.
    pub fn delete_hook(&mut self, id: i64) -> Result<()> {
        let n = self.write(|tx| Ok(tx.exec_cached("DELETE FROM hooks WHERE id = ?1", [id])?))?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "hook",
                name: id.to_string(),
            });
        }
        Ok(())
    }

    /// Moves a hook's cursor forward to `event_id` (events it had nothing to do for).
    pub fn advance_hook_cursor(&mut self, hook_id: i64, event_id: i64) -> Result<()> {
        self.write(|tx| {
            tx.exec_cached(
                "UPDATE hooks SET cursor = MAX(cursor, ?2) WHERE id = ?1",
                params![hook_id, event_id],
            )?;
            Ok(())
        })
    }

    /// Records one delivery attempt. A final one (`ok` or `failed`) moves the hook's cursor
    /// past the event in the same transaction, and `failed` also records `failure`
    /// (`hook.failed`), so a delivery is never repeated once recorded, and never lost.
    pub fn record_delivery(
        &mut self,
        attempt: &Attempt<'_>,
        failure: Option<&EventData>,
    ) -> Result<()> {
        let duration = i64::try_from(attempt.duration_ms).unwrap_or(i64::MAX);
        self.write(|tx| {
            tx.exec_cached(
                "INSERT INTO hook_deliveries (hook_id, event_id, attempt, status, error, duration_ms, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    attempt.hook_id, attempt.event_id, attempt.attempt, attempt.status.as_str(),
                    attempt.error, duration, now_rfc3339()
                ],
            )?;
            if attempt.status != DeliveryStatus::Retry {
                tx.exec_cached(
                    "UPDATE hooks SET cursor = MAX(cursor, ?2) WHERE id = ?1",
                    params![attempt.hook_id, attempt.event_id],
                )?;
            }
            if let (DeliveryStatus::Failed, Some(event)) = (attempt.status, failure) {
                record(tx, event)?;
            }
            Ok(())
        })
    }

    /// The delivery attempts of a hook, oldest first (the last `limit`).
    pub fn deliveries(&self, hook_id: i64, limit: i64) -> Result<Vec<Delivery>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT hook_id, event_id, attempt, status, error, duration_ms, created_at FROM hook_deliveries
             WHERE hook_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![hook_id, limit], |r| {
            Ok(Delivery {
                hook_id: r.get(0)?,
                event_id: r.get(1)?,
                attempt: r.get(2)?,
                status: r.get(3)?,
                error: r.get(4)?,
                duration_ms: r.get(5)?,
                created_at: r.get(6)?,
            })
        })?;
        let mut out = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        out.reverse();
        Ok(out)
    }
}
