//! `forge events`: the exact kinds and payloads a scripted loop records (it runs, gets a
//! message, is rate limited, fails over, stalls and stops), the reader's filters and output
//! modes, and `--follow` seeing every event of 20 busy loops in order, without a gap, also
//! across a restart with `--after`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use forge_testkit::{TestEnv, wait_for};
use serde_json::{Value, json};

use crate::cli_support::{command_profile, env, fail, ok};

/// A repository with one commit (the stall rule compares repository states).
fn git_env() -> TestEnv {
    let env = env().with_git();
    std::fs::write(env.repo().join("README"), "start\n").unwrap();
    for args in [&["add", "README"][..], &["commit", "-qm", "start"]] {
        let out = env
            .cmd_path(std::path::Path::new("git"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    env
}

/// Every event of a loop, oldest first.
pub(crate) fn loop_events(env: &TestEnv, name: &str) -> Vec<Value> {
    ok(env, &["events", "--loop", name, "--limit", "0", "--jsonl"]).jsonl()
}

/// A Claude-shaped harness that waits for `go`, changes the repository, then hits its
/// five-hour limit (resetting in an hour) and exits 0.
fn limited_script(go: &std::path::Path) -> String {
    format!(
        r#"cat >/dev/null
while [ ! -f '{go}' ]; do sleep 0.02; done
echo change >> work.txt
echo '{{"type":"rate_limit_event","rate_limit_info":{{"status":"rejected","resetsAt":1893456000,"rateLimitType":"five_hour"}},"session_id":"s"}}'
echo '{{"type":"result","subtype":"success","is_error":true,"num_turns":1,"result":"You have hit your limit","session_id":"s","total_cost_usd":0,"usage":{{"input_tokens":0,"output_tokens":0}}}}'
"#,
        go = go.display()
    )
}

#[test]
fn a_scripted_loop_records_exactly_what_happened_to_it() {
    let env = git_env();
    let go = env.root().join("go");
    let limited = env.write_script("limited.sh", &limited_script(&go));
    ok(
        &env,
        &[
            "profile",
            "add",
            "claude",
            "--name",
            "limited",
            "--prompt-mode",
            "stdin",
            "--command",
            &limited.display().to_string(),
        ],
    );
    command_profile(&env, "backup", "cat >/dev/null; echo backup-ran");
    ok(&env, &["pool", "create", "mixed"]);
    ok(&env, &["pool", "add", "mixed", "limited", "backup"]);
    ok(
        &env,
        &[
            "up",
            "--pool",
            "mixed",
            "--name",
            "scripted",
            "--interval",
            "0",
            "--stall-iterations",
            "1",
            "--max-iterations",
            "10",
            "--prompt-msg",
            "Work.",
        ],
    );
    wait_for(Duration::from_secs(15), "the first run to start", || {
        loop_events(&env, "scripted")
            .iter()
            .any(|e| e["kind"] == "run.started")
    });
    ok(&env, &["msg", "scripted", "hello from the operator"]);
    std::fs::write(&go, "").unwrap();
    wait_for(Duration::from_secs(30), "the loop to stop", || {
        loop_events(&env, "scripted")
            .iter()
            .any(|e| e["kind"] == "loop.stopped")
    });
    let events = loop_events(&env, "scripted");
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "loop.created",
            "loop.state", // stopped → running: `forge up` claims the loop
            "loop.started",
            "run.started",    // on `limited`
            "queue.enqueued", // the operator's message, while the run goes on
            "run.finished",
            "run.rate_limited",
            "loop.state",    // running → sleeping
            "run.started",   // on `backup`...
            "loop.failover", // ...because `limited` is cooling down
            "loop.state",    // sleeping → running
            "run.finished",
            "loop.state",
            "queue.consumed", // the message went into this run's prompt
            "queue.enqueued", // the stall rule's corrective message...
            "loop.stalled",   // ...nudged
            "run.started",
            "loop.state",
            "run.finished",
            "loop.state",
            "queue.consumed", // the corrective message
            "loop.state",     // sleeping → stopped, with...
            "loop.stalled",   // ...the stall rule's decision
            "loop.stopped",
        ],
        "{events:#?}"
    );
    let l = &events[0]["data"]["loop"];
    assert_eq!(l["name"], "scripted");
    assert_eq!(l["repo"], env.repo().display().to_string());
    for e in &events {
        assert_eq!(&e["data"]["loop"], l, "every event names the loop: {e}");
        assert_eq!(
            (&e["entity_type"], &e["entity_id"]),
            (&json!("loop"), &l["id"])
        );
    }
    let data = |i: usize| {
        let mut d = events[i]["data"].clone();
        let obj = d.as_object_mut().unwrap();
        obj.remove("loop");
        for volatile in ["run", "item", "runner_pid", "duration_seconds"] {
            obj.remove(volatile);
        }
        d
    };
    assert_eq!(
        data(3),
        json!({"profile": "limited", "harness": "claude", "kind": "main"})
    );
    assert_eq!(
        data(4),
        json!({"type": "message_append", "preview": "hello from the operator"})
    );
    assert_eq!(
        data(5),
        json!({"profile": "limited", "status": "error", "outcome": "rate_limited", "exit_code": 0,
               "tokens": {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0},
               "cost_usd": 0.0, "reason": "rate_limited"})
    );
    assert_eq!(
        data(6),
        json!({"profile": "limited", "resets_at": "2030-01-01T00:00:00Z", "window": "five_hour"})
    );
    assert_eq!(
        data(9),
        json!({"from_profile": "limited", "to_profile": "backup", "after": "rate_limited"})
    );
    assert_eq!(
        data(11),
        json!({"profile": "backup", "status": "success", "outcome": "success", "exit_code": 0})
    );
    assert_eq!(events[13]["data"]["item"], events[4]["data"]["item"]);
    assert_eq!(
        data(15),
        json!({"unchanged_iterations": 1, "action": "nudged"})
    );
    assert_eq!(
        data(22),
        json!({"unchanged_iterations": 1, "action": "stopped"})
    );
    assert_eq!(
        data(23),
        json!({"cause": "stalled", "reason": "stalled: no repository change in 1 iterations", "iterations": 3})
    );
    assert!(
        events
            .windows(2)
            .all(|w| w[0]["id"].as_i64() < w[1]["id"].as_i64())
    );
    // The profile's cooldown is an event about the profile.
    let cooldown = ok(&env, &["events", "--kind", "profile.cooldown", "--json"]).json();
    assert_eq!(cooldown[0]["data"]["profile"]["name"], "limited");
    assert_eq!(cooldown[0]["data"]["until"], "2030-01-01T00:00:00Z");
    assert_eq!(cooldown[0]["data"]["reason"], "rate_limited");
}

#[test]
fn the_reader_filters_by_kind_loop_time_and_id_and_prints_for_people_and_scripts() {
    let env = env();
    ok(
        &env,
        &[
            "up",
            "--command",
            "cat >/dev/null",
            "--name",
            "one",
            "--max-iterations",
            "1",
            "--interval",
            "0",
            "--prompt-msg",
            "x",
        ],
    );
    wait_for(Duration::from_secs(15), "loop one to stop", || {
        loop_events(&env, "one")
            .iter()
            .any(|e| e["kind"] == "loop.stopped")
    });
    let all = ok(&env, &["events", "--json"]).json();
    let all = all.as_array().unwrap();
    let stopped = ok(&env, &["audit", "--type", "loop.stopped", "--jsonl"]).jsonl();
    assert_eq!(stopped.len(), 1);
    assert_eq!(stopped[0]["data"]["cause"], "max_iterations");
    let runs = ok(&env, &["events", "--kind", "run.*", "--jsonl"]).jsonl();
    assert_eq!(
        runs.iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["run.started", "run.finished"]
    );
    let last_id = all.last().unwrap()["id"].as_i64().unwrap();
    let after = ok(
        &env,
        &["events", "--after", &(last_id - 2).to_string(), "--jsonl"],
    )
    .jsonl();
    assert_eq!(after.len(), 2);
    assert_eq!(
        ok(&env, &["events", "--since", "1h", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        all.len()
    );
    assert_eq!(
        ok(&env, &["events", "--until", "1h", "--json"]).json(),
        json!([])
    );
    assert_eq!(
        ok(&env, &["events", "-n", "1", "--jsonl"]).jsonl()[0]["id"],
        last_id
    );
    let human = ok(&env, &["events", "--kind", "loop.stopped"]).stdout;
    let line = human.lines().next().unwrap();
    assert!(
        line.ends_with(&format!(
            "#{last_id}  loop.stopped             one  max iterations reached (1) (max_iterations)"
        )),
        "{human}"
    );
    let (code, err) = fail(&env, &["events", "--kind", "loop.stoped"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with(
            "Error: invalid --kind: unknown event kind \"loop.stoped\" (kinds: loop.created, "
        ),
        "{err}"
    );
    let (code, err) = fail(&env, &["events", "--loop", "nope"]);
    assert!(err.starts_with("Error: loop 'nope' not found."), "{err}");
    assert_eq!(code, 1);
}

/// A `forge events --follow --jsonl` process and a thread collecting its lines.
struct Follower {
    child: Child,
    lines: mpsc::Receiver<Value>,
}

impl Follower {
    fn start(env: &TestEnv, extra: &[&str]) -> Self {
        let mut cmd = env.cmd("forge");
        cmd.args(["events", "--follow", "--jsonl"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx
                    .send(serde_json::from_str::<Value>(&line).unwrap())
                    .is_err()
                {
                    return;
                }
            }
        });
        Follower { child, lines }
    }

    /// Collects events until `until` holds for the newest or `timeout` passes.
    fn take_until(&self, timeout: Duration, mut until: impl FnMut(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        let mut got = Vec::new();
        while !until(&got) && Instant::now() < deadline {
            if let Ok(v) = self.lines.recv_timeout(Duration::from_millis(50)) {
                got.push(v);
            }
        }
        got
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn follow_sees_a_new_event_within_200_ms() {
    let env = env();
    crate::cli_support::insert_loop(&env, "quiet", "qq11", &[]);
    let follower = Follower::start(&env, &[]);
    // The follower is up once it prints the loop's creation (the last event).
    let first = follower.take_until(Duration::from_secs(10), |got| !got.is_empty());
    assert_eq!(first[0]["kind"], "loop.created");
    let (mut worst, mut worst_total) = (Duration::ZERO, Duration::ZERO);
    for i in 0..5 {
        let started = Instant::now();
        ok(&env, &["msg", "quiet", &format!("m{i}")]);
        // `forge msg` has committed its event once it returns: from here on it is up to the
        // follower.
        let committed = Instant::now();
        let got = follower.take_until(Duration::from_secs(5), |got| !got.is_empty());
        assert_eq!(got[0]["data"]["preview"], format!("m{i}"));
        worst = worst.max(committed.elapsed());
        worst_total = worst_total.max(started.elapsed());
    }
    eprintln!(
        "events --follow: slowest of 5 events printed {worst:?} after its commit ({worst_total:?} after `forge msg` started)"
    );
    assert!(
        worst < Duration::from_millis(200),
        "an event took {worst:?} after its commit to reach the follower"
    );
}

#[test]
fn follow_sees_1000_events_from_20_loops_in_order_without_a_gap_and_resumes_after_an_id() {
    let env = env();
    let names: Vec<String> = (0..20).map(|i| format!("busy-{i:02}")).collect();
    for (i, name) in names.iter().enumerate() {
        crate::cli_support::insert_loop(&env, name, &format!("bz{i:02}"), &[]);
    }
    let start = ok(&env, &["events", "-n", "1", "--jsonl"]).jsonl()[0]["id"]
        .as_i64()
        .unwrap();
    let follower = Follower::start(&env, &["--after", &start.to_string()]);
    // 20 writers at once, 50 messages each: 1,000 `queue.enqueued` events from 20 processes.
    let script = r#"i=0; while [ $i -lt 50 ]; do "$FORGE" msg "$1" "m$i" >/dev/null 2>&1 || exit 1; i=$((i+1)); done"#;
    let writers: Vec<Child> = names
        .iter()
        .map(|name| {
            let mut cmd = env.cmd_path(std::path::Path::new("sh"));
            cmd.args(["-c", script, "sh", name])
                .env("FORGE", env!("CARGO_BIN_EXE_forge"));
            cmd.spawn().unwrap()
        })
        .collect();
    let half = follower.take_until(Duration::from_secs(120), |got| got.len() >= 500);
    drop(follower); // the reader goes away mid-stream...
    let resume_after = half.last().unwrap()["id"].as_i64().unwrap();
    let follower = Follower::start(&env, &["--after", &resume_after.to_string()]);
    let rest = follower.take_until(Duration::from_secs(120), |got| {
        half.len() + got.len() >= 1000
    });
    for mut w in writers {
        assert!(w.wait().unwrap().success());
    }
    let seen: Vec<&Value> = half.iter().chain(rest.iter()).collect();
    let ids: Vec<i64> = seen.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(
        ids,
        ((start + 1)..=(start + 1000)).collect::<Vec<_>>(),
        "in order, each exactly once, no gap"
    );
    for name in &names {
        let previews: Vec<&str> = seen
            .iter()
            .filter(|e| e["data"]["loop"]["name"] == name.as_str())
            .map(|e| e["data"]["preview"].as_str().unwrap())
            .collect();
        let expected: Vec<String> = (0..50).map(|i| format!("m{i}")).collect();
        assert_eq!(
            previews, expected,
            "{name}'s messages in the order it sent them"
        );
    }
}

#[test]
fn a_judge_verdict_is_recorded_with_the_stop_it_causes() {
    let env = env();
    ok(
        &env,
        &[
            "up",
            "--command",
            "cat >/dev/null; echo 0",
            "--name",
            "judged",
            "--interval",
            "0",
            "--qualitative-stop-every",
            "1",
            "--qualitative-stop-prompt-msg",
            "Done? Answer 0 to stop.",
            "--prompt-msg",
            "Work.",
        ],
    );
    wait_for(Duration::from_secs(20), "the loop to stop", || {
        loop_events(&env, "judged")
            .iter()
            .any(|e| e["kind"] == "loop.stopped")
    });
    let events = loop_events(&env, "judged");
    let picked: Vec<(String, Value)> = events
        .iter()
        .filter(|e| {
            ["run.started", "judge.verdict", "loop.stopped"].contains(&e["kind"].as_str().unwrap())
        })
        .map(|e| {
            let d = &e["data"];
            let key = match e["kind"].as_str().unwrap() {
                "run.started" => d["kind"].clone(),
                "judge.verdict" => json!([d["verdict"], d["stops"]]),
                _ => json!([d["cause"], d["reason"]]),
            };
            (e["kind"].as_str().unwrap().to_string(), key)
        })
        .collect();
    assert_eq!(
        picked,
        [
            ("run.started".to_string(), json!("main")),
            ("run.started".to_string(), json!("judge")),
            ("judge.verdict".to_string(), json!(["stop", true])),
            (
                "loop.stopped".to_string(),
                json!(["judge", "qual stop: signaled stop"])
            ),
        ]
    );
}
