//! Compatibility with the reference on-disk format: hand-written fixtures (pretty JSON, reference
//! field order, `YYYYMMDD-HHMMSS-NNNN` ids, 0700 inbox dirs) are listed and replied to, and files
//! our `send` writes match the reference layout byte for byte.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::fmail_support::{Sandbox, host_name, json_lines};
use serde_json::Value;

/// Writes a file the way the reference does (Go `json.MarshalIndent`, 2-space indent, no newline).
fn fixture(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn write_fixtures(sandbox: &Sandbox) {
    let fm = sandbox.fmail_dir();
    fixture(
        &fm.join("project.json"),
        "{\n  \"id\": \"proj-3f9a0c1b2d4e\",\n  \"created\": \"2026-02-10T12:00:00.123456789Z\"\n}",
    );
    fixture(
        &fm.join("topics/task/20260210-120808-0001.json"),
        "{\n  \"id\": \"20260210-120808-0001\",\n  \"from\": \"alice\",\n  \"to\": \"task\",\n  \
         \"time\": \"2026-02-10T12:08:08.123456789Z\",\n  \"body\": \"claimed \\u003cparser\\u003e \\u0026 lexer\"\n}",
    );
    fixture(
        &fm.join("topics/task/20260210-120809-0001.json"),
        "{\n  \"id\": \"20260210-120809-0001\",\n  \"from\": \"carol\",\n  \"to\": \"task\",\n  \
         \"time\": \"2026-02-10T12:08:09.5Z\",\n  \"body\": {\n    \"task\": \"parser\",\n    \"done\": true\n  },\n  \
         \"reply_to\": \"20260210-120808-0001\",\n  \"priority\": \"high\",\n  \"host\": \"build-box\",\n  \
         \"tags\": [\n    \"parser\",\n    \"review\"\n  ]\n}",
    );
    fixture(
        &fm.join("topics/status/20260210-115900-0001.json"),
        "{\n  \"id\": \"20260210-115900-0001\",\n  \"from\": \"alice\",\n  \"to\": \"status\",\n  \
         \"time\": \"2026-02-10T11:59:00Z\",\n  \"body\": 42\n}",
    );
    let inbox = fm.join("dm/bob");
    fixture(
        &inbox.join("20260210-120810-0001.json"),
        "{\n  \"id\": \"20260210-120810-0001\",\n  \"from\": \"alice\",\n  \"to\": \"@bob\",\n  \
         \"time\": \"2026-02-10T12:08:10Z\",\n  \"body\": \"please review the parser\"\n}",
    );
    std::fs::set_permissions(fm.join("dm"), std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(&inbox, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(
        inbox.join("20260210-120810-0001.json"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    fixture(
        &fm.join("agents/alice.json"),
        "{\n  \"name\": \"alice\",\n  \"host\": \"build-box\",\n  \"status\": \"parsing\",\n  \
         \"first_seen\": \"2026-02-10T11:00:00Z\",\n  \"last_seen\": \"2026-02-10T12:08:10Z\"\n}",
    );
    // Things readers must skip: a writer's temp file, a stray file, and an invalid topic dir.
    fixture(
        &fm.join("topics/task/.tmp-123-abcdef"),
        "{\n  \"id\": \"2026",
    );
    fixture(&fm.join("topics/task/README"), "not a message");
    fixture(
        &fm.join("topics/Not_A_Topic/20260210-120808-0009.json"),
        "{}",
    );
}

#[test]
fn reference_fixtures_are_listed_exactly() {
    let sandbox = Sandbox::new();
    write_fixtures(&sandbox);
    assert_eq!(
        sandbox.ok(None, &["log", "task"]),
        "20260210-120808-0001 alice -> task: claimed <parser> & lexer\n\
         20260210-120809-0001 carol -> task: {\"task\":\"parser\",\"done\":true}\n"
    );
    // No target: all topics in id order, no DMs.
    assert_eq!(
        sandbox.ok(None, &["log"]),
        "20260210-115900-0001 alice -> status: 42\n\
         20260210-120808-0001 alice -> task: claimed <parser> & lexer\n\
         20260210-120809-0001 carol -> task: {\"task\":\"parser\",\"done\":true}\n"
    );
    assert_eq!(
        sandbox.ok(None, &["log", "@bob"]),
        "20260210-120810-0001 alice -> @bob: please review the parser\n"
    );
    let everything = sandbox.ok(None, &["messages"]);
    assert_eq!(everything.lines().count(), 4);
    assert!(everything.ends_with("20260210-120810-0001 alice -> @bob: please review the parser\n"));

    let json = json_lines(&sandbox.ok(None, &["log", "task", "--json", "-n", "1"]));
    assert_eq!(json.len(), 1);
    let line = &json[0];
    assert_eq!(line["reply_to"], "20260210-120808-0001");
    assert_eq!(line["priority"], "high");
    assert_eq!(line["host"], "build-box");
    assert_eq!(line["tags"], serde_json::json!(["parser", "review"]));
    assert_eq!(line["time"], "2026-02-10T12:08:09.5Z");
    let keys: Vec<&String> = line.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id", "from", "to", "time", "body", "reply_to", "priority", "host", "tags"
        ]
    );

    assert_eq!(
        sandbox
            .ok(None, &["log", "task", "--from", "@carol"])
            .lines()
            .count(),
        1
    );
    assert_eq!(
        sandbox
            .ok(None, &["log", "--since", "2026-02-10T12:08:09Z"])
            .lines()
            .count(),
        1
    );

    let topics: Value = serde_json::from_str(&sandbox.ok(None, &["topics", "--json"])).unwrap();
    assert_eq!(
        topics,
        serde_json::json!([
            {"name": "status", "messages": 1, "last_activity": "2026-02-10T11:59:00Z"},
            {"name": "task", "messages": 2, "last_activity": "2026-02-10T12:08:09Z"}
        ])
    );
    let who: Value = serde_json::from_str(&sandbox.ok(None, &["who", "--json"])).unwrap();
    assert_eq!(who[0]["name"], "alice");
    assert_eq!(who[0]["status"], "parsing");
    let table = sandbox.ok(None, &["who"]);
    let row = table.lines().nth(1).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells.len(), 4, "{table}");
    assert_eq!(
        (cells[0], cells[2], cells[3]),
        ("alice", "ago", "parsing"),
        "{table}"
    );
    assert!(cells[1].ends_with('d'), "{table}");
}

#[test]
fn replies_to_fixtures_are_written_in_the_reference_layout() {
    let sandbox = Sandbox::new();
    write_fixtures(&sandbox);
    let id = sandbox.ok(
        Some("bob"),
        &[
            "send",
            "task",
            "-r",
            "20260210-120808-0001",
            "ack <ok> & thanks",
        ],
    );
    let id = id.trim();
    assert!(forge_mail::is_message_id(id), "{id}");
    let path = sandbox
        .fmail_dir()
        .join("topics/task")
        .join(format!("{id}.json"));
    let written = std::fs::read_to_string(&path).unwrap();
    let value: Value = serde_json::from_str(&written).unwrap();
    let time = value["time"].as_str().unwrap();
    // Byte for byte: field order, 2-space indent, Go's HTML escaping, no trailing newline, and the
    // sender's host name as the reference's Rust build records it.
    let host = host_name();
    let expected = format!(
        "{{\n  \"id\": \"{id}\",\n  \"from\": \"bob\",\n  \"to\": \"task\",\n  \"time\": \"{time}\",\n  \
         \"body\": \"ack \\u003cok\\u003e \\u0026 thanks\",\n  \"reply_to\": \"20260210-120808-0001\",\n  \"host\": \"{host}\"\n}}"
    );
    assert_eq!(written, expected);
    assert!(time.ends_with('Z') && time.len() >= 20, "{time}");
    assert!(time.parse::<jiff::Timestamp>().is_ok(), "{time}");
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o644
    );
    let last = json_lines(&sandbox.ok(None, &["log", "task", "-n", "1", "--json"]));
    assert_eq!(last[0]["id"], id);
    assert_eq!(last[0]["reply_to"], "20260210-120808-0001");

    // A JSON body with tags and priority, to an existing 0700 inbox.
    let out = sandbox.ok(
        Some("carol"),
        &[
            "send",
            "@bob",
            "{\"ok\": true}",
            "-p",
            "low",
            "-t",
            "Review,parser",
            "-t",
            "review",
        ],
    );
    let path = sandbox
        .fmail_dir()
        .join("dm/bob")
        .join(format!("{}.json", out.trim()));
    let written = std::fs::read_to_string(&path).unwrap();
    let value: Value = serde_json::from_str(&written).unwrap();
    let expected = format!(
        "{{\n  \"id\": \"{}\",\n  \"from\": \"carol\",\n  \"to\": \"@bob\",\n  \"time\": \"{}\",\n  \"body\": {{\n    \
         \"ok\": true\n  }},\n  \"priority\": \"low\",\n  \"host\": \"{}\",\n  \"tags\": [\n    \"review\",\n    \"parser\"\n  ]\n}}",
        out.trim(),
        value["time"].as_str().unwrap(),
        host
    );
    assert_eq!(written, expected);
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    // The fixture project file was read, not replaced.
    let project = std::fs::read_to_string(sandbox.fmail_dir().join("project.json")).unwrap();
    assert!(project.contains("proj-3f9a0c1b2d4e"));
    assert_eq!(sandbox.ok(None, &["log", "@bob"]).lines().count(), 2);
}

#[test]
fn worktrees_share_the_main_checkout_mailbox() {
    let sandbox = Sandbox::new();
    let main = sandbox.root.join("main");
    let worktree = sandbox.root.join("feature");
    std::fs::create_dir_all(main.join(".git/worktrees/feature")).unwrap();
    std::fs::create_dir_all(worktree.join("src")).unwrap();
    std::fs::write(
        worktree.join(".git"),
        format!(
            "gitdir: {}\n",
            main.join(".git/worktrees/feature").display()
        ),
    )
    .unwrap();
    let out = sandbox
        .bare_cmd(Some("alice"), &["send", "task", "from the worktree"])
        .current_dir(worktree.join("src"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8(out.stdout).unwrap();
    assert!(
        main.join(".fmail/topics/task")
            .join(format!("{}.json", id.trim()))
            .is_file()
    );
    let log = sandbox
        .bare_cmd(None, &["log", "task"])
        .current_dir(&main)
        .output()
        .unwrap();
    assert!(
        String::from_utf8(log.stdout)
            .unwrap()
            .contains("alice -> task: from the worktree")
    );
    assert!(!worktree.join(".fmail").exists());
}
