//! One line about an event for people: what `forge events` prints, and the title and body of
//! desktop notifications. It reads the stored JSON, so events of any version print.

use serde_json::Value;

use crate::model::Event;

fn text<'a>(data: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(data, |v, key| v.get(key))?.as_str()
}

fn num(data: &Value, key: &str) -> Option<String> {
    data.get(key)
        .filter(|v| v.is_number())
        .map(Value::to_string)
}

/// Who the event is about: the loop's name, else the profile, pool or hook.
pub fn subject(event: &Event) -> String {
    let d = &event.data;
    text(d, &["loop", "name"])
        .or_else(|| text(d, &["profile", "name"]))
        .or_else(|| text(d, &["pool", "name"]))
        .map(str::to_string)
        .or_else(|| d.get("hook").map(|h| format!("hook {h}")))
        .unwrap_or_else(|| format!("{} {}", event.entity_type, event.entity_id))
}

/// What happened, in a few words (`stopped`, `rate limited`, `run finished: success`).
pub fn headline(event: &Event) -> String {
    let d = &event.data;
    let or = |key: &str, default: &str| text(d, &[key]).unwrap_or(default).to_string();
    match event.kind.as_str() {
        "loop.started" => "started".into(),
        "loop.stopped" => "stopped".into(),
        "loop.errored" => "errored".into(),
        "loop.waiting" => "waiting for a profile".into(),
        "loop.stalled" => format!("stalled ({})", or("action", "?")),
        "loop.failover" => "failed over".into(),
        "loop.state" => format!("{} → {}", or("from", "?"), or("to", "?")),
        "run.finished" => format!("run finished: {}", or("outcome", &or("status", "?"))),
        "run.rate_limited" => "rate limited".into(),
        "judge.verdict" => format!("judge said {}", or("verdict", "?")),
        "profile.cooldown" => "cooling down".into(),
        "hook.failed" => "hook failed".into(),
        other => other.replace(['.', '_'], " "),
    }
}

/// The details: the reason and the numbers.
pub fn detail(event: &Event) -> String {
    let d = &event.data;
    let get = |key: &str| text(d, &[key]).map(str::to_string);
    let mut parts: Vec<String> = Vec::new();
    match event.kind.as_str() {
        "loop.failover" => parts.push(format!(
            "{} → {} after {}",
            get("from_profile").unwrap_or_default(),
            get("to_profile").unwrap_or_default(),
            get("after").unwrap_or_default()
        )),
        "loop.waiting" | "profile.cooldown" => {
            parts.extend(get("until").map(|u| format!("until {u}")));
            parts.extend(get("reason"));
        }
        "run.started" => parts.extend(get("profile").map(|p| format!("profile {p}"))),
        "run.finished" => {
            parts.extend(get("profile").map(|p| format!("profile {p}")));
            parts.extend(num(d, "exit_code").map(|c| format!("exit {c}")));
            if let Some(t) = d.get("tokens") {
                let n = |k: &str| t.get(k).and_then(Value::as_i64).unwrap_or(0);
                parts.push(format!("{} in / {} out tokens", n("input"), n("output")));
            }
            parts.extend(
                d.get("cost_usd")
                    .and_then(Value::as_f64)
                    .map(|c| format!("${c:.4}")),
            );
            parts.extend(get("reason"));
        }
        "run.rate_limited" => {
            parts.extend(get("profile").map(|p| format!("profile {p}")));
            parts.extend(get("window").map(|w| format!("window {w}")));
            parts.extend(get("resets_at").map(|r| format!("resets {r}")));
        }
        "queue.enqueued" | "queue.consumed" | "queue.skipped" | "queue.removed" => {
            parts.extend(get("type"));
            parts.extend(get("preview").map(|p| format!("{p:?}")));
            parts.extend(get("note"));
        }
        "hook.failed" => {
            parts.extend(num(d, "event").map(|e| format!("event #{e}")));
            parts.extend(get("event_kind"));
            parts.extend(get("error"));
        }
        "loop.state" => {
            parts.push(format!(
                "{} → {}",
                get("from").unwrap_or_default(),
                get("to").unwrap_or_default()
            ));
            parts.extend(get("reason"));
        }
        _ => {
            let reason = get("reason").unwrap_or_default();
            let cause = get("cause").map(|c| format!("({c})")).unwrap_or_default();
            parts.extend(
                Some(format!("{reason} {cause}").trim().to_string()).filter(|s| !s.is_empty()),
            );
        }
    }
    parts.join(" · ")
}
