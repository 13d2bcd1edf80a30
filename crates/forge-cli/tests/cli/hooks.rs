//! Hooks: a command hook and a webhook each get every matching event exactly once across a
//! runner SIGKILL and resume; a hook that hangs does not slow the loop; a webhook answering 500
//! is retried with backoff and then recorded as failed; desktop notices name the loop; secrets
//! never reach a hook; the `hook` commands check what they are given.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use forge_testkit::{TestEnv, wait_for};
use serde_json::{Value, json};

use crate::cli_support::{env, fail, ok};
use crate::events::loop_events;

/// A local HTTP server answering every request with `status`, keeping each body and its
/// arrival time.
struct TestServer {
    url: String,
    got: Arc<Mutex<Vec<(Instant, Value)>>>,
}

impl TestServer {
    fn start(status: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&got);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                    line.clear();
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                sink.lock().unwrap().push((Instant::now(), value));
                let reply = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = stream.write_all(reply.as_bytes());
            }
        });
        TestServer { url, got }
    }

    fn bodies(&self) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(_, v)| v.clone())
            .collect()
    }
}

fn db(env: &TestEnv) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

/// Event ids a hook file (JSON lines) received.
fn received_ids(path: &std::path::Path) -> Vec<i64> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

fn kinds_of(events: &[Value], pattern: &[&str]) -> Vec<i64> {
    events
        .iter()
        .filter(|e| {
            pattern
                .iter()
                .any(|p| e["kind"].as_str().unwrap().starts_with(p))
        })
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

/// Removes every hook, so the dispatcher exits.
fn remove_hooks(env: &TestEnv) {
    for h in ok(env, &["hook", "ls", "--json"])
        .json()
        .as_array()
        .unwrap()
    {
        ok(env, &["hook", "rm", &h["id"].to_string()]);
    }
}

#[test]
fn command_and_webhook_hooks_get_every_matching_event_once_across_a_runner_sigkill_and_resume() {
    let env = env();
    let server = TestServer::start(200);
    let got = env.root().join("got.jsonl");
    let cmd = format!("cat >> '{}'", got.display());
    ok(
        &env,
        &["hook", "add", "--on", "run.*,loop.*", "--cmd", &cmd],
    );
    ok(
        &env,
        &[
            "hook",
            "add",
            "--on",
            "run.*,loop.*",
            "--url",
            &server.url,
            "--header",
            "X-Team=forge",
        ],
    );
    ok(
        &env,
        &[
            "up",
            "--command",
            "cat >/dev/null; sleep 0.2",
            "--name",
            "hooked",
            "--interval",
            "0",
            "--prompt-msg",
            "x",
        ],
    );
    let finished = |env: &TestEnv| {
        loop_events(env, "hooked")
            .iter()
            .filter(|e| e["kind"] == "run.finished")
            .count()
    };
    wait_for(Duration::from_secs(20), "two runs", || finished(&env) >= 2);
    let pid: i64 = db(&env)
        .query_row(
            "SELECT runner_pid FROM loops WHERE name = 'hooked'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    forge_process::group::signal_process(pid as i32, forge_process::Sig::Kill);
    wait_for(
        Duration::from_secs(10),
        "the dead runner to be noticed",
        || ok(&env, &["ps", "--json"]).json()[0]["state"] == "stopped",
    );
    let before = finished(&env);
    ok(&env, &["resume", "hooked"]);
    wait_for(Duration::from_secs(20), "two more runs", || {
        finished(&env) >= before + 2
    });
    ok(&env, &["stop", "hooked"]);
    wait_for(Duration::from_secs(20), "the loop to stop", || {
        loop_events(&env, "hooked")
            .iter()
            .filter(|e| e["kind"] == "loop.stopped")
            .count()
            == 2
    });
    let events = loop_events(&env, "hooked");
    let expected = kinds_of(&events, &["run.", "loop."]);
    wait_for(Duration::from_secs(20), "both hooks to catch up", || {
        received_ids(&got).len() >= expected.len() && server.bodies().len() >= expected.len()
    });
    std::thread::sleep(Duration::from_millis(300)); // a duplicate would arrive now
    assert_eq!(
        received_ids(&got),
        expected,
        "the command hook got each matching event once, in order"
    );
    let posted: Vec<i64> = server
        .bodies()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        posted, expected,
        "the webhook got each matching event once, in order"
    );
    let died: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "loop.stopped")
        .collect();
    assert_eq!(died[0]["data"]["cause"], "runner_died");
    assert_eq!(died[1]["data"]["cause"], "operator");
    let body = &server.bodies()[0];
    assert_eq!(body["data"]["loop"]["name"], "hooked");
    let bodies = server.bodies();
    let stopped = bodies.iter().find(|b| b["kind"] == "loop.stopped").unwrap();
    assert_eq!(
        stopped["text"],
        "forge: hooked stopped — stale_runner: the runner died (SIGKILL, out of memory or a reboot) (runner_died)"
    );
    assert_eq!(stopped["content"], stopped["text"]);
    assert_eq!(
        body["kind"],
        events.iter().find(|e| e["id"] == body["id"]).unwrap()["kind"]
    );
    let hooks = ok(&env, &["hook", "ls", "--json"]).json();
    assert_eq!(
        hooks[1]["action"],
        json!({"type": "webhook", "url": server.url, "headers": ["X-Team"]})
    );
    assert_eq!(hooks[0]["last_delivery"]["status"], "ok");
    remove_hooks(&env);
}

#[test]
fn a_hook_that_hangs_for_60_s_does_not_slow_the_loop() {
    let timed_loop = |env: &TestEnv, name: &str| -> Duration {
        ok(
            env,
            &[
                "up",
                "--command",
                "cat >/dev/null",
                "--name",
                name,
                "--interval",
                "0",
                "--max-iterations",
                "5",
                "--prompt-msg",
                "x",
            ],
        );
        let started = Instant::now();
        wait_for(Duration::from_secs(60), "the loop to stop", || {
            loop_events(env, name)
                .iter()
                .any(|e| e["kind"] == "loop.stopped")
        });
        started.elapsed()
    };
    let env = env();
    let baseline = timed_loop(&env, "plain");
    let started = env.root().join("hook-started");
    let cmd = format!("touch '{}'; sleep 60", started.display());
    ok(
        &env,
        &[
            "hook",
            "add",
            "--on",
            "run.finished",
            "--cmd",
            &cmd,
            "--timeout",
            "2m",
        ],
    );
    let hooked = timed_loop(&env, "hooked");
    wait_for(Duration::from_secs(10), "the hook to be running", || {
        started.exists()
    });
    eprintln!("5 iterations: {baseline:?} without hooks, {hooked:?} with a hook that sleeps 60 s");
    assert!(
        hooked < baseline + Duration::from_secs(1) && hooked < Duration::from_secs(10),
        "5 iterations took {hooked:?} with the hanging hook, {baseline:?} without"
    );
    let runs = loop_events(&env, "hooked")
        .iter()
        .filter(|e| e["kind"] == "run.finished")
        .count();
    assert_eq!(runs, 5);
    remove_hooks(&env);
}

#[test]
fn a_webhook_answering_500_is_retried_with_backoff_then_recorded_as_failed() {
    let env = env();
    let server = TestServer::start(500);
    crate::cli_support::insert_loop(&env, "quiet", "qq22", &[]);
    ok(
        &env,
        &[
            "hook",
            "add",
            "--on",
            "queue.enqueued",
            "--loop",
            "quiet",
            "--url",
            &server.url,
        ],
    );
    ok(&env, &["msg", "quiet", "hello"]);
    wait_for(Duration::from_secs(20), "hook.failed", || {
        !ok(&env, &["events", "--kind", "hook.failed", "--json"])
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    });
    let arrivals: Vec<Instant> = server.got.lock().unwrap().iter().map(|(t, _)| *t).collect();
    assert_eq!(arrivals.len(), 4, "one attempt and three retries");
    let gaps: Vec<Duration> = arrivals.windows(2).map(|w| w[1] - w[0]).collect();
    eprintln!("webhook retries after {gaps:?}");
    for (gap, backoff) in gaps.iter().zip([500, 1000, 2000]) {
        assert!(*gap >= Duration::from_millis(backoff), "gaps {gaps:?}");
        assert!(
            *gap < Duration::from_millis(backoff + 1500),
            "gaps {gaps:?}"
        );
    }
    let failed = &ok(&env, &["events", "--kind", "hook.failed", "--json"]).json()[0];
    let enqueued = &ok(&env, &["events", "--kind", "queue.enqueued", "--json"]).json()[0];
    assert_eq!(failed["entity_type"], "hook");
    assert_eq!(failed["data"]["hook"], 1);
    assert_eq!(failed["data"]["event"], enqueued["id"]);
    assert_eq!(failed["data"]["event_kind"], "queue.enqueued");
    assert_eq!(failed["data"]["attempts"], 4);
    assert_eq!(failed["data"]["error"], "HTTP 500");
    assert_eq!(failed["data"]["loop"]["name"], "quiet");
    let statuses: Vec<(i64, String)> = db(&env)
        .prepare("SELECT attempt, status FROM hook_deliveries ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let expected: Vec<(i64, String)> = [(1, "retry"), (2, "retry"), (3, "retry"), (4, "failed")]
        .into_iter()
        .map(|(a, s)| (a, s.to_string()))
        .collect();
    assert_eq!(statuses, expected);
    let ls = ok(&env, &["hook", "ls"]).stdout;
    assert!(
        ls.lines()
            .nth(1)
            .unwrap()
            .ends_with(&format!("failed #{}: HTTP 500", enqueued["id"])),
        "{ls}"
    );
    remove_hooks(&env);
}

#[test]
fn desktop_notices_name_the_loop_and_hooks_never_see_secrets() {
    let mut env = env();
    let bin = env.root().join("fake-bin");
    let notices = env.root().join("notices.txt");
    env.write_script(
        "fake-bin/notify-send",
        &format!(
            "#!/bin/sh\nprintf '%s|%s|%s\\n' \"$1\" \"$2\" \"$3\" >> '{}'\n",
            notices.display()
        ),
    );
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    env.set_var("PATH", &path);
    ok(
        &env,
        &[
            "profile",
            "add",
            "command",
            "--name",
            "p",
            "--command",
            "cat >/dev/null",
            "--env",
            "SERVICE_TOKEN=tok-1234567890-secret",
        ],
    );
    let got = env.root().join("got.jsonl");
    ok(&env, &["hook", "add", "--on", "loop.stopped", "--desktop"]);
    ok(
        &env,
        &[
            "hook",
            "add",
            "--on",
            "queue.*",
            "--cmd",
            &format!(
                "cat >> '{}'; printf '%s\\n' \"$FORGE_EVENT_KIND|$FORGE_EVENT_LOOP_NAME\" >> '{}.env'",
                got.display(),
                got.display()
            ),
        ],
    );
    ok(
        &env,
        &[
            "up",
            "--profile",
            "p",
            "--name",
            "noisy",
            "--interval",
            "0",
            "--max-iterations",
            "1",
            "--prompt-msg",
            "x",
        ],
    );
    ok(
        &env,
        &[
            "msg",
            "noisy",
            "the key is tok-1234567890-secret and sk-ant-api03-abcdefghijklmnopqrstuv",
        ],
    );
    wait_for(Duration::from_secs(20), "the notice", || notices.exists());
    let notice = std::fs::read_to_string(&notices).unwrap();
    assert_eq!(
        notice,
        "--app-name=forge|forge: noisy stopped|max iterations reached (1) (max_iterations)\n"
    );
    // The hook has run through once when its second file holds a whole line (the first file
    // exists, still empty, from the moment `cat` opens it).
    let env_file = format!("{}.env", got.display());
    wait_for(Duration::from_secs(20), "the command hook", || {
        std::fs::read_to_string(&env_file).is_ok_and(|t| t.ends_with('\n'))
    });
    let received = std::fs::read_to_string(&got).unwrap();
    assert!(
        !received.contains("tok-1234567890-secret") && !received.contains("sk-ant-api03"),
        "{received}"
    );
    assert!(
        received.contains("the key is [REDACTED] and [REDACTED]"),
        "{received}"
    );
    let env_lines = std::fs::read_to_string(&env_file).unwrap();
    assert!(
        env_lines.starts_with("queue.enqueued|noisy\n"),
        "{env_lines}"
    );
    remove_hooks(&env);
}

#[test]
fn hook_commands_check_their_input_list_test_and_remove() {
    let env = env();
    crate::cli_support::insert_loop(&env, "quiet", "qq33", &[]);
    let (code, err) = fail(&env, &["hook", "add", "--on", "loop.stoped", "--desktop"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("Error: invalid --on: unknown event kind \"loop.stoped\""),
        "{err}"
    );
    let (_, err) = fail(&env, &["hook", "add", "--on", "loop.*", "--url", "ftp://x"]);
    assert_eq!(
        err.lines().next().unwrap(),
        "Error: invalid --url \"ftp://x\": a webhook URL starts with http:// or https://"
    );
    let (_, err) = fail(
        &env,
        &[
            "hook",
            "add",
            "--on",
            "loop.*",
            "--desktop",
            "--header",
            "A=b",
        ],
    );
    assert_eq!(
        err.lines().next().unwrap(),
        "Error: --header is only for webhooks (--url)"
    );
    let (code, _) = fail(
        &env,
        &[
            "hook",
            "add",
            "--on",
            "loop.*",
            "--desktop",
            "--cmd",
            "true",
        ],
    );
    assert_eq!(code, 2, "one action only");
    let (code, _) = fail(&env, &["hook", "add", "--on", "loop.*"]);
    assert_eq!(code, 2, "an action is required");
    let (_, err) = fail(
        &env,
        &[
            "hook",
            "add",
            "--on",
            "loop.*",
            "--desktop",
            "--timeout",
            "2h",
        ],
    );
    assert_eq!(
        err.lines().next().unwrap(),
        "Error: invalid --timeout \"2h\": a hook may take from 1s to 1h"
    );
    let out = ok(
        &env,
        &[
            "hook",
            "on-event",
            "--cmd",
            "true",
            "--type",
            "loop.stopped,run.rate_limited",
            "--entity-type",
            "loop",
            "--entity-id",
            "abc",
            "--timeout",
            "30s",
        ],
    );
    assert_eq!(
        out.stdout,
        "Hook 1 added: on loop.stopped,run.rate_limited → command: true\n"
    );
    let added = ok(
        &env,
        &[
            "hook", "add", "--on", "*", "--loop", "quiet", "--cmd", "exit 3", "--json",
        ],
    )
    .json();
    assert_eq!(added["scope"]["scope"], "entity");
    assert_eq!(added["scope"]["entity_type"], "loop");
    let ls = ok(&env, &["hook", "ls"]).stdout;
    let header: Vec<&str> = ls.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "ON", "SCOPE", "ACTION", "TIMEOUT", "ENABLED", "LAST"]
    );
    assert!(
        ls.lines()
            .nth(1)
            .unwrap()
            .starts_with("1   loop.stopped,run.rate_limited  loop abc (no such loop)"),
        "{ls}"
    );
    // A loop scope reads as the loop's name and short id, not its stored UUID.
    assert!(ls.lines().nth(2).unwrap().contains(" loop quiet ("), "{ls}");
    assert_eq!(
        ok(&env, &["hook", "test", "1"])
            .stdout
            .split(" (")
            .next()
            .unwrap(),
        "attempt 1: delivered"
    );
    let out = env.forge(&["hook", "test", "2"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.starts_with("attempt 1: exit status 3 ("),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .starts_with("Error: hook 2 failed: exit status 3\nHint: "),
        "{}",
        out.stderr
    );
    ok(&env, &["hook", "rm", "1"]);
    let (_, err) = fail(&env, &["hook", "rm", "1"]);
    assert_eq!(err.lines().next().unwrap(), "Error: hook \"1\" not found");
    remove_hooks(&env);
}
