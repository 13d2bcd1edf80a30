//! The append-only event log: typed events recorded inside the transactions of the changes they
//! describe, and the readers behind `forge events`, `--follow` and the hook dispatcher.

use crate::cached::Cached;
use forge_core::events::{EventData, KindPattern, LoopRef, ProfileRef};
use forge_core::model::Event;
use forge_core::redact::redact_json;
use forge_core::time::now_rfc3339;
use rusqlite::{
    OptionalExtension, Transaction, params, params_from_iter, types::Value as SqlValue,
};
use serde_json::Value;

use crate::{Result, Store, StoreError};

/// Filters for [`Store::list_events`] (all optional, AND-ed).
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Kinds or families; empty = every kind.
    pub kinds: Vec<KindPattern>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Events about this loop: its entity id, or a `loop` named in the payload (hook failures).
    pub loop_id: Option<String>,
    /// Events at or after this time (RFC 3339, second precision).
    pub since: Option<String>,
    /// Events at or before this time.
    pub until: Option<String>,
    /// Events with a larger id.
    pub after: Option<i64>,
    /// At most this many (None: all).
    pub limit: Option<i64>,
    /// With a limit: the newest events rather than the oldest.
    pub newest: bool,
}

impl EventFilter {
    /// Whether `event` passes the filter (ignoring `after` and `limit`), as the SQL does: what a
    /// follower applies to the events it reads after its cursor.
    pub fn matches(&self, event: &Event) -> bool {
        let text =
            |v: &Option<String>, actual: &str| v.as_deref().is_none_or(|want| want == actual);
        let about_loop = |id: &str| {
            (event.entity_type == "loop" && event.entity_id == id)
                || forge_core::hooks::event_loop_field(event, "id") == Some(id)
        };
        forge_core::events::any_matches(&self.kinds, &event.kind)
            && text(&self.entity_type, &event.entity_type)
            && text(&self.entity_id, &event.entity_id)
            && self.loop_id.as_deref().is_none_or(about_loop)
            && self
                .since
                .as_deref()
                .is_none_or(|s| event.created_at.as_str() >= s)
            && self
                .until
                .as_deref()
                .is_none_or(|u| event.created_at.as_str() <= u)
    }
}

/// Every value of every profile's environment: never written into an event.
fn known_secrets(conn: &rusqlite::Connection) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT env_json FROM profiles WHERE env_json IS NOT NULL")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for text in rows {
        if let Ok(Value::Object(env)) = serde_json::from_str::<Value>(&text?) {
            out.extend(
                env.into_iter()
                    .filter_map(|(_, v)| v.as_str().map(str::to_string)),
            );
        }
    }
    Ok(out)
}

/// Appends an event inside an open write transaction; returns its id. Every string of the
/// payload is redacted first (secret shapes, secret-named keys, profile environment values).
/// Set once this process has recorded an event (see [`events_recorded`]).
static RECORDED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether this process has recorded an event (possibly in a transaction that then rolled
/// back): a command that did can hand them to hooks, one that did not has nothing to deliver.
pub fn events_recorded() -> bool {
    RECORDED.load(std::sync::atomic::Ordering::Relaxed)
}

pub(crate) fn record(tx: &Transaction<'_>, event: &EventData) -> Result<i64> {
    RECORDED.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut data = event.payload();
    redact_json(&mut data, &known_secrets(tx)?);
    let (entity_type, entity_id) = event.entity();
    tx.exec_cached(
        "INSERT INTO events (created_at, kind, entity_type, entity_id, data_json) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now_rfc3339(), event.kind(), entity_type, entity_id, data.to_string()],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Records each event in order.
pub(crate) fn record_all(tx: &Transaction<'_>, events: &[EventData]) -> Result<()> {
    for event in events {
        record(tx, event)?;
    }
    Ok(())
}

/// The reference of a loop, read inside a transaction.
pub(crate) fn loop_ref(tx: &Transaction<'_>, loop_id: &str) -> Result<LoopRef> {
    tx.row_cached(
        "SELECT id, short_id, name, repo_path FROM loops WHERE id = ?1",
        [loop_id],
        |r| {
            Ok(LoopRef {
                id: r.get(0)?,
                short_id: r.get(1)?,
                name: r.get(2)?,
                repo: r.get(3)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound {
        what: "loop",
        name: loop_id.to_string(),
    })
}

/// The reference of a profile, read inside a transaction.
pub(crate) fn profile_ref(tx: &Transaction<'_>, id: &str) -> Result<ProfileRef> {
    tx.row_cached("SELECT id, name FROM profiles WHERE id = ?1", [id], |r| {
        Ok(ProfileRef {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    })
    .optional()?
    .ok_or_else(|| StoreError::NotFound {
        what: "profile",
        name: id.to_string(),
    })
}

const EVENT_COLUMNS: &str = "id, created_at, kind, entity_type, entity_id, data_json";

fn event_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Event> {
    let id: i64 = r.get(0)?;
    let shown = id.to_string();
    Ok(Event {
        id,
        created_at: r.get(1)?,
        kind: r.get(2)?,
        entity_type: r.get(3)?,
        entity_id: r.get(4)?,
        data: crate::decode::json_opt(r, 5, "event", (&shown, &shown), "data_json")?
            .unwrap_or(Value::Null),
    })
}

/// The WHERE clause and arguments of a filter.
fn where_clause(filter: &EventFilter) -> (String, Vec<SqlValue>) {
    let mut sql = String::from("WHERE 1=1");
    let mut args: Vec<SqlValue> = Vec::new();
    let arg = |args: &mut Vec<SqlValue>, v: SqlValue| {
        args.push(v);
        format!("?{}", args.len())
    };
    if !filter.kinds.is_empty() && !filter.kinds.contains(&KindPattern::Any) {
        let mut kinds = Vec::new();
        for pattern in &filter.kinds {
            let (op, value) = match pattern {
                KindPattern::Exact(k) => ("=", k.clone()),
                KindPattern::Family(f) => ("LIKE", format!("{f}.%")),
                KindPattern::Any => continue,
            };
            kinds.push(format!(
                "kind {op} {}",
                arg(&mut args, SqlValue::Text(value))
            ));
        }
        sql.push_str(&format!(" AND ({})", kinds.join(" OR ")));
    }
    let text = |v: &Option<String>| v.clone().map(SqlValue::Text);
    for (clause, value) in [
        ("entity_type =", text(&filter.entity_type)),
        ("entity_id =", text(&filter.entity_id)),
        ("created_at >=", text(&filter.since)),
        ("created_at <=", text(&filter.until)),
        ("id >", filter.after.map(SqlValue::Integer)),
    ] {
        if let Some(v) = value {
            sql.push_str(&format!(" AND {clause} {}", arg(&mut args, v)));
        }
    }
    if let Some(id) = &filter.loop_id {
        let p = arg(&mut args, SqlValue::Text(id.clone()));
        sql.push_str(&format!(
            " AND ((entity_type = 'loop' AND entity_id = {p}) OR json_extract(data_json, '$.loop.id') = {p})"
        ));
    }
    (sql, args)
}

impl Store {
    /// Events matching `filter`, oldest first.
    pub fn list_events(&self, filter: &EventFilter) -> Result<Vec<Event>> {
        let (clause, mut args) = where_clause(filter);
        let order = if filter.newest && filter.limit.is_some() {
            "DESC"
        } else {
            "ASC"
        };
        let mut sql = format!("SELECT {EVENT_COLUMNS} FROM events {clause} ORDER BY id {order}");
        if let Some(limit) = filter.limit {
            args.push(SqlValue::Integer(limit));
            sql.push_str(&format!(" LIMIT ?{}", args.len()));
        }
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), event_from_row)?;
        let mut events = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        if order == "DESC" {
            events.reverse();
        }
        Ok(events)
    }

    /// Up to `limit` events with an id greater than `after`, oldest first (every kind).
    pub fn events_after(&self, after: i64, limit: i64) -> Result<Vec<Event>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE id > ?1 ORDER BY id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![after, limit], event_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The id of the newest event (0 when there is none).
    pub fn last_event_id(&self) -> Result<i64> {
        Ok(self
            .conn()
            .row_cached("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))?)
    }

    /// The values of every profile's environment (to redact from what hooks receive).
    pub fn profile_env_values(&self) -> Result<Vec<String>> {
        known_secrets(self.conn())
    }
}
