//! fmail: send, log, messages, watch, register, who, topics, and the message file itself.

use std::time::Duration;

use serde_json::Value;

use super::assert_shape;
use crate::fmail_support::{Sandbox, host_name, json_lines};

fn each_line(stdout: &str, fixture: &str) -> Vec<Value> {
    let lines = json_lines(stdout);
    assert!(!lines.is_empty(), "no JSON lines");
    for line in &lines {
        assert_shape(line, fixture);
    }
    lines
}

#[test]
fn fmail_send_json_and_message_file() {
    let sandbox = Sandbox::new();
    let out: Value =
        serde_json::from_str(&sandbox.ok(Some("alice"), &["send", "task", "hello", "--json"]))
            .unwrap();
    assert_shape(&out, "fmail-message");
    assert_eq!(out["host"], host_name());
    let id = out["id"].as_str().unwrap();
    let file = sandbox
        .fmail_dir()
        .join("topics/task")
        .join(format!("{id}.json"));
    let text = std::fs::read_to_string(file).unwrap();
    let stored: Value = serde_json::from_str(&text).unwrap();
    assert_shape(&stored, "fmail-message");
    // The reference's field order: id, from, to, time, body, reply_to?, priority?, host?, tags?.
    let keys: Vec<&String> = stored.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "from", "to", "time", "body", "host"]);
}

#[test]
fn fmail_log_json() {
    let sandbox = Sandbox::new();
    sandbox.send("alice", "task", "hello");
    let lines = each_line(
        &sandbox.ok(None, &["log", "task", "--json"]),
        "fmail-message",
    );
    assert_eq!(lines[0]["host"], host_name());
}

#[test]
fn fmail_messages_json() {
    let sandbox = Sandbox::new();
    sandbox.send("alice", "task", "hello");
    sandbox.send("alice", "@bob", "psst");
    let lines = each_line(&sandbox.ok(None, &["messages", "--json"]), "fmail-message");
    assert_eq!(lines.len(), 2);
}

#[test]
fn fmail_watch_json() {
    let sandbox = Sandbox::new();
    let mut watch = sandbox.spawn_lines(None, &["watch", "task", "--json", "--timeout", "60s"]);
    // Keep sending until the watcher shows it is live.
    let mut sent = 0;
    while !watch.wait_until(Duration::from_millis(300), |seen| !seen.is_empty()) {
        sandbox.send("alice", "task", "ping");
        sent += 1;
        assert!(sent < 50, "watch never delivered");
    }
    let lines = watch.stop();
    for line in &lines {
        assert_shape(&serde_json::from_str(line).unwrap(), "fmail-message");
    }
}

#[test]
fn fmail_register_json() {
    let sandbox = Sandbox::new();
    let out: Value =
        serde_json::from_str(&sandbox.ok(None, &["register", "worker", "--json"])).unwrap();
    assert_shape(&out, "fmail-agent");
    assert_eq!(out["host"], host_name());
}

#[test]
fn fmail_who_json() {
    let sandbox = Sandbox::new();
    sandbox.ok(None, &["register", "worker"]);
    sandbox.send("alice", "task", "hello");
    let out: Value = serde_json::from_str(&sandbox.ok(None, &["who", "--json"])).unwrap();
    assert_shape(&out, "fmail-who");
    assert_eq!(out.as_array().unwrap().len(), 2);
}

#[test]
fn fmail_topics_json() {
    let sandbox = Sandbox::new();
    sandbox.send("alice", "task", "hello");
    let out: Value = serde_json::from_str(&sandbox.ok(None, &["topics", "--json"])).unwrap();
    assert_shape(&out, "fmail-topics");
}
