//! 20 writer processes x 200 messages to one topic and one inbox while two `fmail watch` processes
//! run: every message is delivered exactly once by the watchers and by `fmail log`, every file
//! parses, and ids are unique.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::fmail_support::{Sandbox, Streaming, json_files, json_lines};
use serde_json::Value;

const WRITERS: usize = 20;
const PER_WRITER: usize = 200;

/// Sends probes until the watcher prints one, so writers start only once it is live.
fn await_ready(sandbox: &Sandbox, watcher: &mut Streaming, target: &str) {
    for attempt in 0..100 {
        sandbox.send("probe", target, &format!("probe-{attempt}"));
        if watcher.wait_until(Duration::from_millis(500), |seen| {
            seen.iter().any(|l| l.contains("probe-"))
        }) {
            return;
        }
    }
    panic!("watcher for {target} never became ready");
}

fn body_of(line: &Value) -> String {
    line["body"].as_str().unwrap_or_default().to_owned()
}

fn writer_bodies(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(body_of)
        .filter(|b| b.starts_with('w'))
        .collect()
}

/// Asserts `bodies` holds each expected body exactly once.
fn assert_exactly_once(what: &str, bodies: &[String], expected: &HashSet<String>) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for body in bodies {
        *counts.entry(body).or_default() += 1;
    }
    let dupes: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dupes.is_empty(), "{what}: duplicated deliveries {dupes:?}");
    let missing: Vec<_> = expected
        .iter()
        .filter(|b| !counts.contains_key(b.as_str()))
        .take(5)
        .collect();
    assert!(
        missing.is_empty(),
        "{what}: missing {} messages, e.g. {missing:?}",
        expected.len() - counts.len()
    );
    assert_eq!(
        bodies.len(),
        expected.len(),
        "{what}: unexpected extra messages"
    );
}

fn assert_unique_ids(what: &str, lines: &[Value]) {
    let mut ids = HashSet::new();
    for line in lines {
        let id = line["id"].as_str().unwrap();
        assert!(forge_mail::is_message_id(id), "{what}: malformed id {id}");
        assert!(ids.insert(id.to_owned()), "{what}: id {id} used twice");
    }
}

#[test]
fn concurrent_writers_are_seen_exactly_once_by_watchers_and_log() {
    let sandbox = Sandbox::new();
    sandbox.ok(None, &["init"]);
    let mut topic_watch = sandbox.spawn_lines(None, &["watch", "load", "--json"]);
    let mut dm_watch = sandbox.spawn_lines(None, &["watch", "@hub", "--json"]);
    await_ready(&sandbox, &mut topic_watch, "load");
    await_ready(&sandbox, &mut dm_watch, "@hub");

    let mut expected_topic = HashSet::new();
    let mut expected_dm = HashSet::new();
    for w in 0..WRITERS {
        for i in 0..PER_WRITER {
            let body = format!("w{w}-{i}");
            if i % 2 == 0 {
                expected_topic.insert(body)
            } else {
                expected_dm.insert(body)
            };
        }
    }

    // A reader that opens every message file the moment it appears: with atomic writes the first
    // read of a file always parses (a create-then-write writer would be caught with an empty file).
    let stop_reader = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let dirs = [
            sandbox.fmail_dir().join("topics/load"),
            sandbox.fmail_dir().join("dm/hub"),
        ];
        let stop = stop_reader.clone();
        std::thread::spawn(move || {
            let mut checked = HashSet::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for dir in &dirs {
                    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        if name.starts_with('.')
                            || !name.ends_with(".json")
                            || !checked.insert(entry.path())
                        {
                            continue;
                        }
                        let text = std::fs::read_to_string(entry.path()).unwrap();
                        assert!(
                            serde_json::from_str::<Value>(&text).is_ok(),
                            "reader saw a torn file {name}: {text:?}"
                        );
                    }
                }
            }
            checked.len()
        })
    };

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let root = sandbox.root.clone();
            let home = sandbox.home.clone();
            std::thread::spawn(move || {
                let mut sent = Vec::new();
                for i in 0..PER_WRITER {
                    let target = if i % 2 == 0 { "load" } else { "@hub" };
                    let out = std::process::Command::new(crate::fmail_support::FMAIL)
                        .env_clear()
                        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                        .env("HOME", &home)
                        .env("FMAIL_ROOT", &root)
                        .env("FMAIL_AGENT", format!("writer-{w}"))
                        .stdin(std::process::Stdio::null())
                        .args(["send", target, &format!("w{w}-{i}")])
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "send failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    sent.push((
                        target,
                        String::from_utf8(out.stdout).unwrap().trim().to_owned(),
                    ));
                }
                sent
            })
        })
        .collect();
    let sent: Vec<(&str, String)> = writers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert_eq!(sent.len(), WRITERS * PER_WRITER);
    stop_reader.store(true, std::sync::atomic::Ordering::Relaxed);
    let read_live = reader.join().unwrap();
    assert!(
        read_live >= WRITERS * PER_WRITER / 2,
        "the live reader only checked {read_live} files"
    );

    let wait = Duration::from_secs(120);
    let count_writers =
        |seen: &[String]| seen.iter().filter(|l| l.contains("\"body\":\"w")).count();
    assert!(
        topic_watch.wait_until(wait, |s| count_writers(s) >= expected_topic.len()),
        "topic watcher fell short"
    );
    assert!(
        dm_watch.wait_until(wait, |s| count_writers(s) >= expected_dm.len()),
        "dm watcher fell short"
    );
    // An end marker flushes out any late duplicate delivery before we stop the watchers.
    sandbox.send("probe", "load", "end-marker");
    sandbox.send("probe", "@hub", "end-marker");
    for watcher in [&mut topic_watch, &mut dm_watch] {
        assert!(watcher.wait_until(wait, |s| s.iter().any(|l| l.contains("end-marker"))));
    }
    let topic_lines = json_lines(&topic_watch.stop().join("\n"));
    let dm_lines = json_lines(&dm_watch.stop().join("\n"));
    assert_exactly_once("watch load", &writer_bodies(&topic_lines), &expected_topic);
    assert_exactly_once("watch @hub", &writer_bodies(&dm_lines), &expected_dm);
    assert_unique_ids("watch load", &topic_lines);
    assert_unique_ids("watch @hub", &dm_lines);

    // The ids the watchers saw are the ids `send` printed.
    let sent_topic: HashSet<&str> = sent
        .iter()
        .filter(|(t, _)| *t == "load")
        .map(|(_, id)| id.as_str())
        .collect();
    let watched_topic: HashSet<&str> = topic_lines
        .iter()
        .filter(|l| body_of(l).starts_with('w'))
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(sent_topic, watched_topic);

    for (target, expected) in [("load", &expected_topic), ("@hub", &expected_dm)] {
        let log = json_lines(&sandbox.ok(None, &["log", target, "-n", "0", "--json"]));
        assert_exactly_once(&format!("log {target}"), &writer_bodies(&log), expected);
        assert_unique_ids(&format!("log {target}"), &log);
        let ids: Vec<&str> = log.iter().map(|l| l["id"].as_str().unwrap()).collect();
        assert!(
            ids.windows(2).all(|w| w[0] <= w[1]),
            "log {target} is not in id order"
        );
    }

    // None torn: every file in the mailbox parses, and no temp file is left behind.
    let files = json_files(&sandbox.fmail_dir());
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy();
        assert!(
            !name.starts_with(".tmp-"),
            "leftover temp file {}",
            file.display()
        );
        let text = std::fs::read_to_string(file).unwrap();
        serde_json::from_str::<Value>(&text)
            .unwrap_or_else(|e| panic!("torn file {}: {e}", file.display()));
    }
    let message_files = files.iter().filter(|f| {
        f.components()
            .any(|c| c.as_os_str() == "topics" || c.as_os_str() == "dm")
    });
    assert!(message_files.count() >= WRITERS * PER_WRITER);
    // Presence was recorded for every writer.
    let who: Value = serde_json::from_str(&sandbox.ok(None, &["who", "--json"])).unwrap();
    let names: HashSet<&str> = who
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!((0..WRITERS).all(|w| names.contains(format!("writer-{w}").as_str())));
}
