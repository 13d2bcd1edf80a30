//! fmail command behaviour as a user sees it: exit codes, error text, send body sources, filters,
//! streaming, presence, registration, init, gc, robot help.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::fmail_support::{Sandbox, json_lines};
use serde_json::Value;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn no_arguments_prints_help_and_version_flags_work() {
    let sandbox = Sandbox::new();
    let help = sandbox.ok(None, &[]);
    assert!(
        help.contains("Usage: fmail") && help.contains("send") && help.contains("watch"),
        "{help}"
    );
    let version = format!("fmail version {}\n", env!("CARGO_PKG_VERSION"));
    assert_eq!(sandbox.ok(None, &["-v"]), version);
    assert_eq!(sandbox.ok(None, &["--version"]), version);
}

#[test]
fn usage_errors_exit_2_with_message_blank_line_and_usage() {
    let sandbox = Sandbox::new();
    for (args, message) in [
        (&["send", "task"][..], "Error: message body is required\n\n"),
        (
            &["send", "task", "x", "--file", "f.txt"][..],
            "Error: give the message as an argument or with --file, not both\n\n",
        ),
        (
            &["log", "-n", "-1"][..],
            "Error: --limit must be 0 or more, got -1\n\n",
        ),
        (
            &["log", "--since", "yesterday"][..],
            "Error: invalid --since value \"yesterday\"",
        ),
        (
            &["send", "bad_topic", "x"][..],
            "Error: invalid topic name \"bad_topic\"",
        ),
        (
            &["send", "task", "x", "-p", "urgent"][..],
            "Error: invalid priority \"urgent\"",
        ),
        (
            &["status", "busy", "--clear"][..],
            "Error: give a status or --clear, not both\n\n",
        ),
        (
            &["init", "--project", ""][..],
            "Error: --project must not be empty\n\n",
        ),
        (
            &["gc", "--days", "-1"][..],
            "Error: --days must be 0 or more, got -1\n\n",
        ),
        (
            &["watch", "--timeout", "soon"][..],
            "Error: invalid --timeout \"soon\"",
        ),
        (
            &["frobnicate"][..],
            "Error: unrecognized subcommand 'frobnicate'\n\n",
        ),
        (
            &["log", "--bogus"][..],
            "Error: unexpected argument '--bogus' found\n\n",
        ),
    ] {
        let out = sandbox.run(Some("alice"), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.starts_with(message), "{args:?}: {err}");
        assert!(
            err.contains("\n\n") && err.contains("Usage: fmail"),
            "{args:?} has no usage: {err}"
        );
        assert!(out.stdout.is_empty());
    }
    // The usage block is the subcommand's.
    let err = stderr(&sandbox.run(Some("alice"), &["send", "task"]));
    assert!(
        err.contains("Usage: fmail send [OPTIONS] <TARGET> [MESSAGE]"),
        "{err}"
    );
}

#[test]
fn missing_identity_is_a_runtime_error_naming_the_fix() {
    let sandbox = Sandbox::new();
    for args in [&["send", "task", "hi"][..], &["status"][..]] {
        let out = sandbox.run(None, args);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            stderr(&out),
            "Error: FMAIL_AGENT is not set; export FMAIL_AGENT=<your-agent-name> (lowercase letters, digits, dashes) \
             or run 'fmail register' and export the name it prints\n"
        );
    }
    assert!(
        !sandbox.fmail_dir().join("topics").exists(),
        "nothing is written without an identity"
    );
    let out = sandbox.run(Some("Not Valid"), &["send", "task", "hi"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("Error: invalid agent name \"not valid\""));
}

#[test]
fn send_takes_the_body_from_argument_file_or_stdin() {
    let sandbox = Sandbox::new();
    sandbox.send("alice", "notes", "from argument");
    std::fs::write(sandbox.root.join("body.txt"), "from file\n").unwrap();
    sandbox.ok(Some("alice"), &["send", "notes", "--file", "body.txt"]);
    let out = sandbox.run_with_stdin(Some("alice"), &["send", "notes"], "{\"from\": \"stdin\"}\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sandbox.run_with_stdin(Some("alice"), &["send", "notes"], "  \n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("Error: message body is required"));
    let log = json_lines(&sandbox.ok(None, &["log", "notes", "--json"]));
    let bodies: Vec<&Value> = log.iter().map(|l| &l["body"]).collect();
    assert_eq!(
        bodies,
        [
            &Value::from("from argument"),
            &Value::from("from file\n"),
            &serde_json::json!({"from": "stdin"})
        ]
    );
    let out = sandbox.run(Some("alice"), &["send", "notes", "--file", "missing.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("missing.txt"), "{}", stderr(&out));
}

#[test]
fn send_json_prints_the_stored_message_and_oversize_fails() {
    let sandbox = Sandbox::new();
    let out = sandbox.ok(
        Some("Alice"),
        &[
            "send", "Task", "hi", "--json", "-t", "a,B", "-t", "a", "-p", "HIGH",
        ],
    );
    let msg: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(msg["from"], "alice");
    assert_eq!(msg["to"], "task");
    assert_eq!(msg["tags"], serde_json::json!(["a", "b"]));
    assert_eq!(msg["priority"], "high");
    assert_eq!(msg["host"], crate::fmail_support::host_name());
    assert!(out.starts_with("{\n  \"id\": "));
    let stored = std::fs::read_to_string(
        sandbox
            .fmail_dir()
            .join("topics/task")
            .join(format!("{}.json", msg["id"].as_str().unwrap())),
    )
    .unwrap();
    assert_eq!(out, format!("{stored}\n"));
    let plain = sandbox.ok(Some("alice"), &["send", "task", "plain"]);
    let stored = std::fs::read_to_string(
        sandbox
            .fmail_dir()
            .join("topics/task")
            .join(format!("{}.json", plain.trim())),
    )
    .unwrap();
    assert!(
        !stored.contains("priority"),
        "priority is written only when given: {stored}"
    );
    let big = "x".repeat(1 << 20);
    let out = sandbox.run_with_stdin(Some("alice"), &["send", "task"], &big);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "Error: message exceeds 1MB limit\n");
}

#[test]
fn log_limits_filters_and_scopes() {
    let sandbox = Sandbox::new();
    for i in 0..25 {
        sandbox.send(
            if i % 2 == 0 { "alice" } else { "bob" },
            "task",
            &format!("m{i}"),
        );
    }
    sandbox.send("alice", "@bob", "secret");
    let default = sandbox.ok(None, &["log", "task"]);
    assert_eq!(default.lines().count(), 20, "default limit is 20");
    assert!(
        default
            .lines()
            .last()
            .unwrap()
            .ends_with("alice -> task: m24")
    );
    assert!(default.lines().next().unwrap().ends_with("bob -> task: m5"));
    assert_eq!(
        sandbox
            .ok(None, &["log", "task", "-n", "0"])
            .lines()
            .count(),
        25
    );
    assert_eq!(
        sandbox
            .ok(None, &["logs", "task", "-n", "3"])
            .lines()
            .count(),
        3
    );
    let from_bob = sandbox.ok(None, &["log", "task", "-n", "0", "--from", "@bob"]);
    assert_eq!(from_bob.lines().count(), 12);
    assert!(from_bob.lines().all(|l| l.contains(" bob -> task: ")));
    assert_eq!(
        sandbox
            .ok(None, &["log", "task", "--since", "1h", "-n", "0"])
            .lines()
            .count(),
        25
    );
    assert_eq!(
        sandbox.ok(None, &["log", "task", "--since", "2099-01-01"]),
        ""
    );
    assert!(
        !sandbox.ok(None, &["log", "-n", "0"]).contains("secret"),
        "log without target has no DMs"
    );
    assert!(
        sandbox
            .ok(None, &["messages", "-n", "0"])
            .contains("alice -> @bob: secret")
    );
    assert_eq!(sandbox.ok(None, &["log", "@bob"]).lines().count(), 1);
    assert_eq!(sandbox.ok(None, &["log", "nothing-here"]), "");
}

#[test]
fn watch_streams_new_messages_and_stops_on_count_or_timeout() {
    let sandbox = Sandbox::new();
    sandbox.send("alice", "task", "before the watch");
    let started = Instant::now();
    let out = sandbox.run(None, &["watch", "task", "--timeout", "300ms"]);
    assert!(out.status.success());
    assert!(
        out.stdout.is_empty(),
        "old messages are not replayed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(started.elapsed() >= Duration::from_millis(300));

    let mut watch = sandbox.spawn_lines(None, &["watch", "task", "-c", "2", "--timeout", "60s"]);
    // Keep sending until the watcher shows it is live, then one more: exactly two lines, then exit.
    let mut sent = 0;
    while !watch.wait_until(Duration::from_millis(300), |seen| !seen.is_empty()) {
        sandbox.send("alice", "task", &format!("ping {sent}"));
        sent += 1;
        assert!(sent < 50, "watch never delivered");
    }
    sandbox.send("bob", "other", "not watched");
    sandbox.send("bob", "task", "last");
    assert!(watch.wait_until(Duration::from_secs(10), |seen| seen.len() >= 2));
    let status = watch.child.wait().unwrap();
    assert!(status.success());
    let lines = watch.stop();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("alice -> task: ping"));
    assert!(!lines.iter().any(|l| l.contains("not watched")));
}

#[test]
fn watch_all_topics_skips_dms_and_json_is_one_line_per_message() {
    let sandbox = Sandbox::new();
    let mut watch = sandbox.spawn_lines(None, &["watch", "--json", "--timeout", "60s"]);
    let mut n = 0;
    while !watch.wait_until(Duration::from_millis(300), |seen| !seen.is_empty()) {
        sandbox.send("alice", "@bob", "dm");
        sandbox.send("alice", &format!("topic-{n}"), "broadcast");
        n += 1;
        assert!(n < 50);
    }
    let lines = watch.stop();
    for line in &lines {
        let value: Value = serde_json::from_str(line).unwrap();
        assert_eq!(value["body"], "broadcast");
    }
}

#[test]
fn log_follow_prints_backlog_then_new_messages() {
    let sandbox = Sandbox::new();
    sandbox.send("alice", "task", "old one");
    let mut follow = sandbox.spawn_lines(None, &["log", "task", "-f"]);
    assert!(follow.wait_until(Duration::from_secs(10), |seen| seen.len() == 1));
    assert!(follow.seen[0].ends_with("alice -> task: old one"));
    sandbox.send("bob", "task", "new one");
    assert!(follow.wait_until(Duration::from_secs(10), |seen| seen.len() == 2));
    assert!(follow.seen[1].ends_with("bob -> task: new one"));
    let lines = follow.stop();
    assert_eq!(lines.len(), 2, "{lines:?}");
}

#[test]
fn presence_status_and_who() {
    let sandbox = Sandbox::new();
    assert_eq!(sandbox.ok(None, &["who", "--json"]), "null\n");
    sandbox.send("alice", "task", "hi");
    assert_eq!(sandbox.ok(Some("bob"), &["status"]), "");
    sandbox.ok(Some("bob"), &["status", "reviewing PR 12"]);
    assert_eq!(sandbox.ok(Some("bob"), &["status"]), "reviewing PR 12\n");
    let who = sandbox.ok(None, &["who"]);
    assert_eq!(
        who,
        "NAME   LAST SEEN  STATUS\nalice  active     -\nbob    active     reviewing PR 12\n",
    );
    sandbox.ok(Some("bob"), &["status", "--clear"]);
    assert_eq!(sandbox.ok(Some("bob"), &["status"]), "");
    // Someone last seen two hours ago is offline.
    let old = "{\n  \"name\": \"carol\",\n  \"first_seen\": \"2020-01-01T00:00:00Z\",\n  \"last_seen\": \"2020-01-01T00:00:00Z\"\n}";
    std::fs::write(sandbox.fmail_dir().join("agents/carol.json"), old).unwrap();
    let who = sandbox.ok(None, &["who"]);
    let carol = who.lines().find(|l| l.starts_with("carol")).unwrap();
    let cells: Vec<&str> = carol.split_whitespace().collect();
    assert_eq!(cells[2..], ["ago", "offline"], "{who}");
    assert!(cells[1].ends_with('d'), "{who}");
    let records: Value = serde_json::from_str(&sandbox.ok(None, &["who", "--json"])).unwrap();
    let alice = &records[0];
    assert_eq!(alice["name"], "alice");
    assert!(alice["first_seen"].as_str().unwrap() <= alice["last_seen"].as_str().unwrap());
}

#[test]
fn register_claims_names_exclusively() {
    let sandbox = Sandbox::new();
    assert_eq!(sandbox.ok(None, &["register", "Worker-1"]), "worker-1\n");
    let out = sandbox.run(None, &["register", "worker-1"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "Error: agent name already registered: worker-1\n"
    );
    let random = sandbox.ok(None, &["register"]);
    let name = random.trim();
    assert!(
        forge_mail::is_valid_name(name) && name.contains('-'),
        "{name}"
    );
    assert!(
        sandbox
            .fmail_dir()
            .join("agents")
            .join(format!("{name}.json"))
            .is_file()
    );
    let record: Value =
        serde_json::from_str(&sandbox.ok(None, &["register", "json-agent", "--json"])).unwrap();
    assert_eq!(record["name"], "json-agent");
}

#[test]
fn init_creates_and_renames_the_project() {
    let sandbox = Sandbox::new();
    sandbox.ok(None, &["init"]);
    let read = || -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(sandbox.fmail_dir().join("project.json")).unwrap(),
        )
        .unwrap()
    };
    let first = read();
    assert!(
        first["id"].as_str().unwrap().starts_with("proj-")
            && first["id"].as_str().unwrap().len() == 17
    );
    sandbox.ok(None, &["init"]);
    assert_eq!(read(), first, "init does not rewrite an existing project");
    sandbox.ok(None, &["init", "--project", "my-project"]);
    let renamed = read();
    assert_eq!(renamed["id"], "my-project");
    assert_eq!(renamed["created"], first["created"]);
    let other = Sandbox::new();
    other
        .cmd(None, &["init"])
        .env("FMAIL_PROJECT", "from-env")
        .output()
        .unwrap();
    let project: Value = serde_json::from_str(
        &std::fs::read_to_string(other.fmail_dir().join("project.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(project["id"], "from-env");
}

#[test]
fn gc_removes_messages_older_than_the_cutoff() {
    let sandbox = Sandbox::new();
    let store = forge_mail::Store::open(&sandbox.root);
    for (to, id) in [
        ("task", "20200101-000000-0001"),
        ("@bob", "20200101-000000-0002"),
    ] {
        let msg = forge_mail::Message {
            id: id.into(),
            from: "alice".into(),
            to: to.into(),
            time: "2020-01-01T00:00:00Z".parse().unwrap(),
            body: Value::from("old"),
            reply_to: String::new(),
            priority: String::new(),
            host: String::new(),
            tags: Vec::new(),
        };
        store.save_exact(&msg).unwrap();
    }
    sandbox.send("alice", "task", "fresh");
    assert_eq!(
        sandbox.ok(None, &["gc", "--dry-run"]),
        "dm/bob/20200101-000000-0002.json\ntopics/task/20200101-000000-0001.json\n"
    );
    assert_eq!(
        sandbox.ok(None, &["messages", "-n", "0"]).lines().count(),
        3
    );
    assert_eq!(sandbox.ok(None, &["gc"]), "");
    let left = sandbox.ok(None, &["messages", "-n", "0"]);
    assert_eq!(left.lines().count(), 1);
    assert!(left.contains("fresh"));
    assert!(
        sandbox.fmail_dir().join("agents/alice.json").is_file(),
        "gc keeps agents"
    );
}

#[test]
fn topics_table_lists_counts() {
    let sandbox = Sandbox::new();
    sandbox.send("alice", "build", "ok");
    sandbox.send("alice", "build", "ok again");
    sandbox.send("alice", "task", "one");
    sandbox.send("alice", "@bob", "not a topic");
    let table = sandbox.ok(None, &["topic"]);
    assert_eq!(
        table,
        "TOPIC  MESSAGES  LAST ACTIVITY\nbuild  2         just now\ntask   1         just now\n"
    );
}

#[test]
fn robot_help_anywhere_and_completion() {
    let sandbox = Sandbox::new();
    for args in [
        &["--robot-help"][..],
        &["send", "--robot-help"][..],
        &["log", "x", "--robot-help", "-n", "bad"][..],
    ] {
        let guide: Value = serde_json::from_str(&sandbox.ok(None, args)).unwrap();
        for key in [
            "name",
            "version",
            "description",
            "setup",
            "commands",
            "patterns",
            "env",
            "message_format",
            "storage",
        ] {
            assert!(guide.get(key).is_some(), "{args:?} lacks {key}");
        }
        assert_eq!(guide["name"], "fmail");
        for command in [
            "send", "log", "watch", "who", "status", "register", "topics", "gc", "init",
        ] {
            assert!(guide["commands"][command]["usage"].is_string(), "{command}");
        }
    }
    for shell in ["bash", "zsh", "fish", "powershell"] {
        assert!(
            sandbox.ok(None, &["completion", shell]).contains("fmail"),
            "{shell}"
        );
    }
}

#[test]
fn closed_stdout_is_a_quiet_exit() {
    let sandbox = Sandbox::new();
    let store = forge_mail::Store::open(&sandbox.root);
    for i in 0..3000 {
        let mut draft = forge_mail::Draft::new(
            "alice",
            forge_mail::Target::Topic("big".into()),
            Value::from(format!("message {i} {}", "x".repeat(40))),
        );
        draft.time = None;
        store.save(draft).unwrap();
    }
    let mut child = sandbox
        .cmd(None, &["log", "big", "-n", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    drop(reader);
    let out = child.wait_with_output().unwrap();
    assert!(first.contains("alice -> big: message"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");
}

#[test]
fn unreadable_files_are_skipped_with_a_warning() {
    let sandbox = Sandbox::new();
    sandbox.send("alice", "task", "good");
    std::fs::write(
        sandbox
            .fmail_dir()
            .join("topics/task/20200101-000000-0001.json"),
        "{\"id\": ",
    )
    .unwrap();
    let out = sandbox.run(None, &["log", "task", "-n", "0"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("alice -> task: good"));
    assert!(
        stderr(&out).starts_with("warning: skipping unreadable message "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ctrl_c_ends_watch_and_follow_with_exit_0() {
    for args in [&["watch", "task"][..], &["log", "task", "-f"][..]] {
        let sandbox = Sandbox::new();
        let mut streaming = sandbox.spawn_lines(None, args);
        let mut sent = 0;
        while !streaming.wait_until(Duration::from_millis(300), |seen| !seen.is_empty()) {
            sandbox.send("alice", "task", &format!("probe {sent}"));
            sent += 1;
            assert!(sent < 50, "{args:?} never printed");
        }
        let pid =
            rustix::process::Pid::from_raw(i32::try_from(streaming.child.id()).unwrap()).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = streaming.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "{args:?} ignored SIGINT");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(0), "{args:?}: {status:?}");
    }
}
