//! Queue payloads and the per-iteration queue plan.
//!
//! Pending items are scanned in position order. Messages (and steer messages found while no
//! run is active) are collected, the first next-prompt override is taken, and scanning stops at
//! the first pause, stop or kill, so anything behind those waits for a later iteration.

use serde_json::{Value, json};

use crate::model::{QueueItem, QueueItemType};

/// A validated queue payload.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// `message_append {"text"}`.
    Message { text: String },
    /// `next_prompt_override {"prompt", "is_path"}`.
    NextPrompt { prompt: String, is_path: bool },
    /// `pause {"duration_seconds", "reason"?}`.
    Pause {
        duration_seconds: i64,
        reason: Option<String>,
    },
    /// `stop_graceful {"reason"?}`.
    Stop { reason: Option<String> },
    /// `kill_now {"reason"?}`.
    Kill { reason: Option<String> },
    /// `steer_message {"message"}`.
    Steer { message: String },
}

/// A payload that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {item_type} queue item: {reason}")]
pub struct PayloadError {
    /// The item type.
    pub item_type: QueueItemType,
    /// What is wrong.
    pub reason: String,
}

impl Payload {
    /// The queue item type of this payload.
    pub fn item_type(&self) -> QueueItemType {
        match self {
            Payload::Message { .. } => QueueItemType::MessageAppend,
            Payload::NextPrompt { .. } => QueueItemType::NextPromptOverride,
            Payload::Pause { .. } => QueueItemType::Pause,
            Payload::Stop { .. } => QueueItemType::StopGraceful,
            Payload::Kill { .. } => QueueItemType::KillNow,
            Payload::Steer { .. } => QueueItemType::SteerMessage,
        }
    }

    /// Checks the per-type rules.
    pub fn validate(&self) -> Result<(), PayloadError> {
        let fail = |reason: &str| {
            Err(PayloadError {
                item_type: self.item_type(),
                reason: reason.to_string(),
            })
        };
        match self {
            Payload::Message { text } if text.trim().is_empty() => fail("text is required"),
            Payload::NextPrompt { prompt, .. } if prompt.trim().is_empty() => {
                fail("prompt is required")
            }
            Payload::Pause {
                duration_seconds, ..
            } if *duration_seconds <= 0 => fail("duration_seconds must be > 0"),
            Payload::Steer { message } if message.trim().is_empty() => fail("message is required"),
            _ => Ok(()),
        }
    }

    /// The JSON stored in `payload_json`.
    pub fn to_json(&self) -> Value {
        let with_reason = |reason: &Option<String>| match reason {
            Some(r) => json!({ "reason": r }),
            None => json!({}),
        };
        match self {
            Payload::Message { text } => json!({ "text": text }),
            Payload::NextPrompt { prompt, is_path } => {
                json!({ "prompt": prompt, "is_path": is_path })
            }
            Payload::Pause {
                duration_seconds,
                reason,
            } => {
                let mut v = json!({ "duration_seconds": duration_seconds });
                if let (Some(r), Some(obj)) = (reason, v.as_object_mut()) {
                    obj.insert("reason".into(), json!(r));
                }
                v
            }
            Payload::Stop { reason } | Payload::Kill { reason } => with_reason(reason),
            Payload::Steer { message } => json!({ "message": message }),
        }
    }

    /// Decodes a stored payload of the given type.
    pub fn from_json(item_type: QueueItemType, value: &Value) -> Result<Self, PayloadError> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
        let fail = |reason: String| PayloadError { item_type, reason };
        let payload = match item_type {
            QueueItemType::MessageAppend => Payload::Message {
                text: text("text").ok_or_else(|| fail("missing \"text\"".into()))?,
            },
            QueueItemType::NextPromptOverride => Payload::NextPrompt {
                prompt: text("prompt").ok_or_else(|| fail("missing \"prompt\"".into()))?,
                is_path: value
                    .get("is_path")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            },
            QueueItemType::Pause => Payload::Pause {
                duration_seconds: value
                    .get("duration_seconds")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| fail("missing \"duration_seconds\"".into()))?,
                reason: text("reason"),
            },
            QueueItemType::StopGraceful => Payload::Stop {
                reason: text("reason"),
            },
            QueueItemType::KillNow => Payload::Kill {
                reason: text("reason"),
            },
            QueueItemType::SteerMessage => Payload::Steer {
                message: text("message").ok_or_else(|| fail("missing \"message\"".into()))?,
            },
        };
        Ok(payload)
    }
}

/// An operator message to append to a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorMessage {
    /// The message text.
    pub text: String,
    /// When it was queued (RFC 3339).
    pub created_at: String,
}

/// A pause found in the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPause {
    /// The pause item.
    pub item_id: String,
    /// How long.
    pub seconds: i64,
    /// True when nothing was collected before it, so it happens before the run.
    pub before_run: bool,
}

/// What the next iteration does with the pending queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueuePlan {
    /// Messages to append, in order.
    pub messages: Vec<OperatorMessage>,
    /// The prompt override for this iteration: (prompt, is_path).
    pub override_prompt: Option<(String, bool)>,
    /// A pause, before or after the run.
    pub pause: Option<PlannedPause>,
    /// A graceful stop was requested.
    pub stop: bool,
    /// A kill was requested.
    pub kill: bool,
    /// Items consumed by a run of this iteration (messages, steers, the override).
    pub consumed_ids: Vec<String>,
    /// The stop/kill items that ended the scan.
    pub control_ids: Vec<String>,
}

/// Builds the plan from pending items (already in position order).
pub fn build_plan(pending: &[QueueItem]) -> Result<QueuePlan, PayloadError> {
    let mut plan = QueuePlan::default();
    for item in pending {
        match Payload::from_json(item.item_type, &item.payload)? {
            Payload::Message { text } | Payload::Steer { message: text } => {
                plan.messages.push(OperatorMessage {
                    text,
                    created_at: item.created_at.clone(),
                });
                plan.consumed_ids.push(item.id.clone());
            }
            Payload::NextPrompt { prompt, is_path } => {
                if plan.override_prompt.is_none() {
                    plan.override_prompt = Some((prompt, is_path));
                    plan.consumed_ids.push(item.id.clone());
                }
            }
            Payload::Pause {
                duration_seconds, ..
            } => {
                let before_run = plan.messages.is_empty() && plan.override_prompt.is_none();
                plan.pause = Some(PlannedPause {
                    item_id: item.id.clone(),
                    seconds: duration_seconds,
                    before_run,
                });
                break;
            }
            Payload::Stop { .. } => {
                plan.stop = true;
                plan.control_ids.push(item.id.clone());
                break;
            }
            Payload::Kill { .. } => {
                plan.kill = true;
                plan.control_ids.push(item.id.clone());
                break;
            }
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QueueItemStatus;

    fn item(id: &str, payload: Payload) -> QueueItem {
        QueueItem {
            id: id.into(),
            loop_id: "l".into(),
            item_type: payload.item_type(),
            position: 0,
            status: QueueItemStatus::Pending,
            attempts: 0,
            payload: payload.to_json(),
            created_at: "2026-01-01T00:00:00Z".into(),
            dispatched_at: None,
            completed_at: None,
            error_message: None,
        }
    }

    #[test]
    fn messages_then_stop() {
        let plan = build_plan(&[
            item("a", Payload::Message { text: "hi".into() }),
            item("b", Payload::Stop { reason: None }),
            item(
                "c",
                Payload::Message {
                    text: "later".into(),
                },
            ),
        ])
        .unwrap();
        assert!(plan.stop);
        assert_eq!(plan.messages.len(), 1);
        assert_eq!(plan.consumed_ids, vec!["a"]);
        assert_eq!(plan.control_ids, vec!["b"]);
    }

    #[test]
    fn one_override_per_iteration_and_pause_placement() {
        let plan = build_plan(&[
            item(
                "o1",
                Payload::NextPrompt {
                    prompt: "p1".into(),
                    is_path: false,
                },
            ),
            item(
                "o2",
                Payload::NextPrompt {
                    prompt: "p2".into(),
                    is_path: false,
                },
            ),
            item(
                "p",
                Payload::Pause {
                    duration_seconds: 5,
                    reason: None,
                },
            ),
        ])
        .unwrap();
        assert_eq!(plan.override_prompt, Some(("p1".into(), false)));
        assert_eq!(plan.consumed_ids, vec!["o1"]);
        assert!(!plan.pause.as_ref().unwrap().before_run);

        let plan = build_plan(&[item(
            "p",
            Payload::Pause {
                duration_seconds: 5,
                reason: None,
            },
        )])
        .unwrap();
        assert!(plan.pause.unwrap().before_run);
    }

    #[test]
    fn validation_and_decoding_errors() {
        assert!(Payload::Message { text: " ".into() }.validate().is_err());
        assert!(
            Payload::Pause {
                duration_seconds: 0,
                reason: None
            }
            .validate()
            .is_err()
        );
        let mut bad = item("x", Payload::Message { text: "a".into() });
        bad.payload = json!({});
        let err = build_plan(&[bad]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid message_append queue item: missing \"text\""
        );
    }
}
