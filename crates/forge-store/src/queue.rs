//! Operator queue items.

use crate::cached::Cached;
use forge_core::events::{EventData, QueueCleared, QueueItemEvent, preview};
use forge_core::ids::new_id;
use forge_core::model::{QueueItem, QueueItemStatus, QueueItemType};
use forge_core::queue::Payload;
use forge_core::time::now_rfc3339;
use rusqlite::{OptionalExtension, Transaction, params};

use crate::events::{loop_ref, record, record_all};
use crate::rows::{QUEUE_COLUMNS, queue_item_from_row};
use crate::{Result, Store, StoreError};

/// Where `queue move` puts an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveTarget {
    Front,
    Back,
}

impl Store {
    /// Enqueues payloads for a loop in one transaction, at consecutive positions after every
    /// existing item.
    pub fn enqueue(&mut self, loop_id: &str, payloads: &[Payload]) -> Result<Vec<QueueItem>> {
        self.enqueue_with(loop_id, payloads, &[])
    }

    /// [`Store::enqueue`], recording `events` in the same transaction (the stall rule's
    /// `loop.stalled` with its corrective message).
    pub fn enqueue_with(
        &mut self,
        loop_id: &str,
        payloads: &[Payload],
        events: &[EventData],
    ) -> Result<Vec<QueueItem>> {
        for (index, payload) in payloads.iter().enumerate() {
            payload.validate().map_err(|e| {
                StoreError::Invalid(format!("invalid queue item at index {index}: {e}"))
            })?;
        }
        self.write(|tx| {
            let base: i64 = tx.row_cached(
                "SELECT COALESCE(MAX(position), 0) FROM loop_queue_items WHERE loop_id = ?1",
                [loop_id],
                |r| r.get(0),
            )?;
            let now = now_rfc3339();
            let mut items = Vec::with_capacity(payloads.len());
            for (index, payload) in payloads.iter().enumerate() {
                let item = QueueItem {
                    id: new_id(),
                    loop_id: loop_id.to_string(),
                    item_type: payload.item_type(),
                    position: base + index as i64 + 1,
                    status: QueueItemStatus::Pending,
                    attempts: 0,
                    payload: payload.to_json(),
                    created_at: now.clone(),
                    dispatched_at: None,
                    completed_at: None,
                    error_message: None,
                };
                tx.exec_cached(
                    "INSERT INTO loop_queue_items (id, loop_id, type, position, status, attempts, payload_json, created_at)
                     VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5, ?6)",
                    params![item.id, loop_id, item.item_type.as_str(), item.position, item.payload.to_string(), item.created_at],
                )
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Sqlite(inner) if inner.to_string().contains("FOREIGN KEY") => {
                        StoreError::NotFound { what: "loop", name: loop_id.to_string() }
                    }
                    other => other,
                })?;
                let enqueued = QueueItemEvent {
                    r#loop: loop_ref(tx, loop_id)?,
                    item: item.id.clone(),
                    r#type: item.item_type,
                    preview: payload_preview(payload),
                    note: None,
                };
                record(tx, &EventData::QueueEnqueued(enqueued))?;
                items.push(item);
            }
            record_all(tx, events)?;
            Ok(items)
        })
    }

    /// Pending items of a loop in position order.
    pub fn pending_items(&self, loop_id: &str) -> Result<Vec<QueueItem>> {
        self.query_items(loop_id, true)
    }

    /// All items of a loop in position order.
    pub fn all_items(&self, loop_id: &str) -> Result<Vec<QueueItem>> {
        self.query_items(loop_id, false)
    }

    fn query_items(&self, loop_id: &str, pending_only: bool) -> Result<Vec<QueueItem>> {
        let filter = if pending_only {
            "AND status = 'pending'"
        } else {
            ""
        };
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {QUEUE_COLUMNS} FROM loop_queue_items WHERE loop_id = ?1 {filter} ORDER BY position, created_at"
        ))?;
        let rows = stmt.query_map([loop_id], queue_item_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Whether any pending item of the given types exists for the loop.
    pub fn has_pending(&self, loop_id: &str, types: &[QueueItemType]) -> Result<bool> {
        let list = types
            .iter()
            .map(|t| format!("'{}'", t.as_str()))
            .collect::<Vec<_>>()
            .join(",");
        Ok(self
            .conn()
            .row_cached(
                &format!("SELECT 1 FROM loop_queue_items WHERE loop_id = ?1 AND status = 'pending' AND type IN ({list}) LIMIT 1"),
                [loop_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Marks items `completed` (consumed) or `skipped`, with an optional note.
    pub fn finish_items(
        &mut self,
        ids: &[String],
        status: QueueItemStatus,
        note: Option<&str>,
    ) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            let now = now_rfc3339();
            for id in ids {
                let n = tx.exec_cached(
                    "UPDATE loop_queue_items SET status = ?2, error_message = ?3, completed_at = ?4 WHERE id = ?1 AND status = 'pending'",
                    params![id, status.as_str(), note, now],
                )?;
                if n > 0 {
                    let event = item_event(tx, id, note)?;
                    record(tx, &match status {
                        QueueItemStatus::Skipped => EventData::QueueSkipped(event),
                        _ => EventData::QueueConsumed(event),
                    })?;
                }
            }
            Ok(())
        })
    }

    /// Deletes a loop's pending items; returns how many.
    pub fn clear_pending(&mut self, loop_id: &str) -> Result<usize> {
        self.write(|tx| {
            let n = tx.exec_cached(
                "DELETE FROM loop_queue_items WHERE loop_id = ?1 AND status = 'pending'",
                [loop_id],
            )?;
            let cleared = QueueCleared {
                r#loop: loop_ref(tx, loop_id)?,
                cleared: n as i64,
            };
            record(tx, &EventData::QueueCleared(cleared))?;
            Ok(n)
        })
    }

    /// Deletes one item of a loop.
    pub fn remove_item(&mut self, loop_id: &str, item_id: &str) -> Result<()> {
        self.write(|tx| {
            let removed = match item_event(tx, item_id, None) {
                Ok(event) if event.r#loop.id == loop_id => event,
                Ok(_) | Err(StoreError::Missing(_)) => {
                    return Err(StoreError::Missing(format!(
                        "queue item {item_id} not found in loop"
                    )));
                }
                Err(e) => return Err(e),
            };
            tx.exec_cached(
                "DELETE FROM loop_queue_items WHERE loop_id = ?1 AND id = ?2",
                params![loop_id, item_id],
            )?;
            record(tx, &EventData::QueueRemoved(removed))?;
            Ok(())
        })
    }

    /// Moves a pending item to the front or back; pending items are renumbered 1..n after
    /// every finished item.
    pub fn move_item(&mut self, loop_id: &str, item_id: &str, to: MoveTarget) -> Result<()> {
        let pending = self.pending_items(loop_id)?;
        if pending.is_empty() {
            return Err(StoreError::Invalid("no pending items".into()));
        }
        let Some(index) = pending.iter().position(|i| i.id == item_id) else {
            return Err(StoreError::Invalid(format!(
                "queue item {item_id} not found"
            )));
        };
        let mut order: Vec<String> = pending.iter().map(|i| i.id.clone()).collect();
        let moved = order.remove(index);
        match to {
            MoveTarget::Front => order.insert(0, moved),
            MoveTarget::Back => order.push(moved),
        }
        self.write(|tx| {
            let base: i64 = tx.row_cached(
                "SELECT COALESCE(MAX(position), 0) FROM loop_queue_items WHERE loop_id = ?1 AND status != 'pending'",
                [loop_id],
                |r| r.get(0),
            )?;
            for (i, id) in order.iter().enumerate() {
                tx.exec_cached("UPDATE loop_queue_items SET position = ?2 WHERE id = ?1", params![id, base + i as i64 + 1])?;
            }
            Ok(())
        })
    }
}

/// Characters of a message kept in queue events.
const PREVIEW_CHARS: usize = 120;

/// The text a queue event shows of an item: the message, prompt or reason.
fn payload_preview(payload: &Payload) -> Option<String> {
    let text = match payload {
        Payload::Message { text } => Some(text.as_str()),
        Payload::Steer { message } => Some(message.as_str()),
        Payload::NextPrompt { prompt, .. } => Some(prompt.as_str()),
        Payload::Pause { reason, .. } | Payload::Stop { reason } | Payload::Kill { reason } => {
            reason.as_deref()
        }
    };
    text.map(|t| preview(t, PREVIEW_CHARS))
}

/// A queue event for a stored item.
fn item_event(tx: &Transaction<'_>, item_id: &str, note: Option<&str>) -> Result<QueueItemEvent> {
    let item = tx
        .row_cached(
            &format!("SELECT {QUEUE_COLUMNS} FROM loop_queue_items WHERE id = ?1"),
            [item_id],
            queue_item_from_row,
        )
        .optional()?
        .ok_or_else(|| StoreError::Missing(format!("queue item {item_id} not found")))?;
    // A payload that does not decode has no preview; the runner's queue planner reports it.
    let preview = Payload::from_json(item.item_type, &item.payload)
        .ok()
        .and_then(|p| payload_preview(&p));
    Ok(QueueItemEvent {
        r#loop: loop_ref(tx, &item.loop_id)?,
        item: item.id,
        r#type: item.item_type,
        preview,
        note: note.map(str::to_string),
    })
}
