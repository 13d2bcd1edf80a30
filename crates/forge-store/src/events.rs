//! The append-only audit log.

use crate::cached::Cached;
use forge_core::model::Event;
use forge_core::time::now_rfc3339;
use rusqlite::{Transaction, params};
use serde_json::Value;

use crate::{Result, Store};

/// Filters for [`Store::list_events`].
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub kind_prefix: Option<String>,
    pub entity_id: Option<String>,
    pub since: Option<String>,
    pub limit: i64,
}

/// Appends an event inside an open write transaction.
pub(crate) fn record(
    tx: &Transaction<'_>,
    kind: &str,
    entity_type: &str,
    entity_id: &str,
    data: &Value,
) -> Result<()> {
    let data_json = (!data.is_null()).then(|| data.to_string());
    tx.exec_cached(
        "INSERT INTO events (created_at, kind, entity_type, entity_id, data_json) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now_rfc3339(), kind, entity_type, entity_id, data_json],
    )?;
    Ok(())
}

impl Store {
    /// Appends one event in its own transaction.
    pub fn record_event(
        &mut self,
        kind: &str,
        entity_type: &str,
        entity_id: &str,
        data: &Value,
    ) -> Result<()> {
        self.write(|tx| record(tx, kind, entity_type, entity_id, data))
    }

    /// Lists events, newest last.
    pub fn list_events(&self, filter: &EventFilter) -> Result<Vec<Event>> {
        let limit = if filter.limit <= 0 { 100 } else { filter.limit };
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, created_at, kind, entity_type, entity_id, data_json FROM events
             WHERE (?1 IS NULL OR kind LIKE ?1 || '%') AND (?2 IS NULL OR entity_id = ?2)
               AND (?3 IS NULL OR created_at >= ?3)
             ORDER BY id DESC LIMIT ?4",
        )?;
        let rows = stmt.query_map(
            params![filter.kind_prefix, filter.entity_id, filter.since, limit],
            |r| {
                Ok(Event {
                    id: r.get(0)?,
                    created_at: r.get(1)?,
                    kind: r.get(2)?,
                    entity_type: r.get(3)?,
                    entity_id: r.get(4)?,
                    data: r
                        .get::<_, Option<String>>(5)?
                        .and_then(|t| serde_json::from_str(&t).ok())
                        .unwrap_or(Value::Null),
                })
            },
        )?;
        let mut events = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        events.reverse();
        Ok(events)
    }
}
