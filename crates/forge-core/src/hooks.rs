//! Hooks: what runs when a matching event is recorded (a command, a webhook, a desktop notice),
//! and which events match.

use serde::Serialize;
use serde_json::Value;

use crate::events::{ENTITY_LOOP, KindPattern, any_matches};
use crate::model::Event;

/// What a hook does with an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HookAction {
    /// Runs `cmd` in `bash -lc` with the event JSON on stdin and `FORGE_EVENT_*` variables.
    Command { cmd: String },
    /// POSTs the event JSON to `url` with these extra headers.
    Webhook {
        url: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        headers: Vec<(String, String)>,
    },
    /// Shows a desktop notification (`notify-send`, or `osascript` on macOS).
    Desktop,
}

impl HookAction {
    /// `command`, `webhook` or `desktop`.
    pub fn kind(&self) -> &'static str {
        match self {
            HookAction::Command { .. } => "command",
            HookAction::Webhook { .. } => "webhook",
            HookAction::Desktop => "desktop",
        }
    }

    /// One line for listings (header values are never shown).
    pub fn summary(&self) -> String {
        match self {
            HookAction::Command { cmd } => format!("command: {cmd}"),
            HookAction::Webhook { url, headers } if headers.is_empty() => format!("webhook: {url}"),
            HookAction::Webhook { url, headers } => {
                let names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
                format!("webhook: {url} (headers: {})", names.join(", "))
            }
            HookAction::Desktop => "desktop notification".into(),
        }
    }
}

/// Which events a hook is for, besides their kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum HookScope {
    /// Every event of the kinds.
    All,
    /// Events about one loop, profile, pool or hook (`entity_type`, `entity_id`).
    Entity {
        entity_type: String,
        entity_id: String,
    },
    /// Events about loops of one repository (absolute path).
    Repo { repo: String },
}

/// A stored hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    pub id: i64,
    pub on: Vec<KindPattern>,
    pub scope: HookScope,
    pub action: HookAction,
    pub timeout_ms: u64,
    pub enabled: bool,
    /// The last event id this hook is done with (created hooks start at the newest event).
    pub cursor: i64,
    pub created_at: String,
}

impl Hook {
    /// Whether this hook fires for `event`. A hook never fires for its own failures, so a
    /// failing hook subscribed to `hook.failed` cannot feed itself.
    pub fn matches(&self, event: &Event) -> bool {
        if !any_matches(&self.on, &event.kind) {
            return false;
        }
        if event.kind == "hook.failed"
            && event.data.get("hook").and_then(Value::as_i64) == Some(self.id)
        {
            return false;
        }
        match &self.scope {
            HookScope::All => true,
            HookScope::Entity {
                entity_type,
                entity_id,
            } => {
                (&event.entity_type == entity_type && &event.entity_id == entity_id)
                    || (entity_type == ENTITY_LOOP
                        && event_loop_field(event, "id") == Some(entity_id))
            }
            HookScope::Repo { repo } => event_loop_field(event, "repo") == Some(repo),
        }
    }

    /// The kinds as written (`loop.stopped,run.*`).
    pub fn on_text(&self) -> String {
        self.on
            .iter()
            .map(KindPattern::text)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// `data.loop.<field>` of an event, when it names a loop.
pub fn event_loop_field<'e>(event: &'e Event, field: &str) -> Option<&'e str> {
    event.data.get("loop")?.get(field)?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::parse_kinds;
    use serde_json::json;

    fn event(kind: &str, data: Value) -> Event {
        Event {
            id: 1,
            created_at: "t".into(),
            kind: kind.into(),
            entity_type: "loop".into(),
            entity_id: "L1".into(),
            data,
        }
    }

    fn hook(on: &str, scope: HookScope) -> Hook {
        Hook {
            id: 5,
            on: parse_kinds(on).unwrap(),
            scope,
            action: HookAction::Desktop,
            timeout_ms: 1000,
            enabled: true,
            cursor: 0,
            created_at: "t".into(),
        }
    }

    #[test]
    fn hooks_match_kind_scope_and_never_their_own_failures() {
        let stopped = event("loop.stopped", json!({"loop": {"id": "L1", "repo": "/r"}}));
        assert!(hook("loop.*", HookScope::All).matches(&stopped));
        assert!(!hook("run.*", HookScope::All).matches(&stopped));
        let repo = |r: &str| HookScope::Repo { repo: r.into() };
        assert!(hook("*", repo("/r")).matches(&stopped));
        assert!(!hook("*", repo("/other")).matches(&stopped));
        let of = |id: &str| HookScope::Entity {
            entity_type: "loop".into(),
            entity_id: id.into(),
        };
        assert!(hook("*", of("L1")).matches(&stopped));
        assert!(!hook("*", of("L2")).matches(&stopped));
        let mut own = event("hook.failed", json!({"hook": 5, "loop": {"id": "L1"}}));
        own.entity_type = "hook".into();
        assert!(!hook("hook.failed", HookScope::All).matches(&own));
        let mut other = own.clone();
        other.data["hook"] = json!(6);
        assert!(hook("hook.failed", HookScope::All).matches(&other));
        assert!(
            hook("hook.failed", of("L1")).matches(&other),
            "a loop's hook hears of its loop's failed deliveries"
        );
    }
}
