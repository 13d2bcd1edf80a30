//! Loop commands as a user sees them: `up` validation, lifecycle with real runners (a `command`
//! profile running `cat`), `ps`, `logs`, `msg`, `queue`, `stop`, `kill`, `resume`, `rm`,
//! `clean`, `run`, loop references and the JSON shapes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::cli_support::{
    env, fail, insert_loop, loop_row, ok, ps, setup_pool, wait_state, wait_stopped,
};
use serde_json::json;

#[test]
fn up_validates_before_creating_anything() {
    let env = env();
    ok(&env, &["init"]);
    assert_eq!(
        fail(&env, &["up", "--prompt-msg", "x"]),
        (1, "Error: no --profile, --pool or --command given and no default pool exists\nHint: Quickest: forge up --command 'your-agent-cli ...'. Or make profiles of the agent CLIs you have: forge profile init, then forge pool create default; forge pool add default <profile>.\n".into())
    );
    setup_pool(&env);
    let cases: &[(&[&str], &str)] = &[
        (
            &["up", "-n", "0"],
            "Error: --count must be at least 1 (got 0)\n",
        ),
        (
            &["up", "-n", "2", "--name", "a"],
            "Error: --name requires --count=1\n",
        ),
        (
            &["up", "--pool", "default", "--profile", "echo"],
            "Error: use either --pool or --profile, not both\n",
        ),
        (
            &["up", "--spawn-owner", "bogus"],
            "Error: invalid --spawn-owner \"bogus\" (valid: local|daemon|auto)\n",
        ),
        (
            &["up", "--spawn-owner", "daemon"],
            "Error: --spawn-owner daemon is unavailable: forge has no daemon yet\nHint: Use --spawn-owner local (the default): runners are detached and survive the terminal.\n",
        ),
        (
            &["up", "--interval", "5"],
            "Error: invalid --interval \"5\": missing unit (e.g. 5s or 5m)\n",
        ),
        (
            &["up", "--interval=-5s"],
            "Error: invalid --interval \"-5s\": a duration must not be negative\n",
        ),
        (
            &["up", "--initial-wait", "soon"],
            "Error: invalid --initial-wait \"soon\": use a number with a unit, e.g. 30s, 5m, 1h30m, 1.5h\n",
        ),
        (
            &["up", "--max-iterations=-1"],
            "Error: --max-iterations must be >= 0 (got -1)\n",
        ),
        (
            &["up", "--pool", "nope"],
            "Error: pool \"nope\" not found\nHint: List pools with `forge pool ls`.\n",
        ),
        (
            &["up", "--profile", "nope"],
            "Error: profile \"nope\" not found\nHint: List profiles with `forge profile ls`.\n",
        ),
    ];
    for (args, expected) in cases {
        assert_eq!(fail(&env, args), (1, expected.to_string()), "{args:?}");
    }
    let (code, stderr) = fail(&env, &["up", "--prompt", "nope"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("Error: prompt not found: nope"),
        "{stderr}"
    );
    // Nothing was created by any of the failures.
    assert_eq!(ok(&env, &["ps"]).stdout, "No loops found\n");
    // JSON mode: the envelope on stdout.
    let out = env.forge(&["up", "-n", "0", "--json"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.json(),
        json!({"error": {"code": "ERR_INVALID", "message": "--count must be at least 1 (got 0)"}})
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn up_requires_a_prompt_source() {
    let env = env();
    setup_pool(&env);
    let (code, stderr) = fail(&env, &["up"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "Error: no prompt for the loop: [ROOT]/repo/PROMPT.md does not exist\nHint: Pass --prompt-msg 'text' or --prompt <file>, or run `forge init` to create PROMPT.md.\n"
    );
}

#[test]
fn loop_lifecycle_up_ps_logs_resume_run() {
    let env = env();
    ok(&env, &["init"]);
    setup_pool(&env);
    let out = ok(
        &env,
        &[
            "up",
            "--name",
            "demo",
            "--max-iterations",
            "1",
            "--interval",
            "0",
            "--prompt-msg",
            "Say hello",
        ],
    );
    let short = out
        .stdout
        .strip_prefix("Loop \"demo\" started (")
        .and_then(|s| s.strip_suffix(")\n"))
        .unwrap()
        .to_string();
    assert_eq!(short.len(), 8);
    assert_eq!(out.stderr, "");
    wait_stopped(&env, "demo");
    let row = loop_row(&env, "demo");
    assert_eq!(row["runs"], 1);
    assert_eq!(row["short_id"], short.as_str());
    assert_eq!(row["pending_queue"], 0);
    assert_eq!(row["base_prompt_msg"], "Say hello");
    assert_eq!(row["max_iterations"], 1);
    assert_eq!(row["interval_seconds"], 0);
    assert_eq!(row["metadata"]["runner_owner"], "local");
    assert_eq!(row["log_path"], env.log_path("demo").display().to_string());
    assert_eq!(
        row["ledger_path"],
        env.ledger_path("demo").display().to_string()
    );

    // Human table.
    let table = ok(&env, &["ps"]).stdout;
    let mut lines = table.lines();
    assert_eq!(
        lines.next().unwrap(),
        "ID        NAME  RUNS  STATE    WAIT_UNTIL  PROFILE  POOL     QUEUE  LAST_RUN              TOKENS  COST  REPO"
    );
    let cells: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        cells[..8],
        [
            short.as_str(),
            "demo",
            "1",
            "stopped",
            "-",
            "-",
            "default",
            "0"
        ],
        "a loop on the default pool shows it"
    );
    assert_eq!(
        cells[9..11],
        ["-", "-"],
        "no usage from a plain command harness"
    );
    assert_eq!(cells[11], env.repo().display().to_string());
    assert!(lines.next().is_none());

    // The ledger and the log hold the prompt the harness echoed.
    let ledger = std::fs::read_to_string(env.ledger_path("demo")).unwrap();
    assert!(
        ledger.contains("# Loop Ledger: demo") && ledger.contains("Say hello"),
        "{ledger}"
    );
    let logs = ok(&env, &["logs", "demo"]).stdout;
    assert!(logs.starts_with("==> demo <==\n"), "{logs}");
    assert!(logs.contains("\nSay hello\n"), "{logs}");
    let tail = ok(&env, &["logs", "demo", "-n", "1", "--quiet"]).stdout;
    assert_eq!(tail.lines().count(), 1, "{tail}");
    let logs_json = ok(&env, &["logs", "demo", "--json"]).json();
    assert_eq!(logs_json[0]["name"], "demo");
    assert!(
        logs_json[0]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "Say hello")
    );

    // Resume runs it again with fresh counters.
    let out = ok(&env, &["resume", "demo"]);
    assert_eq!(out.stdout, format!("Loop \"demo\" resumed ({short})\n"));
    wait_stopped(&env, "demo");
    assert_eq!(loop_row(&env, "demo")["runs"], 2);
    let out = ok(&env, &["resume", &short, "--json"]);
    assert_eq!(
        out.json(),
        json!({"resumed": true, "loop_id": row["id"], "name": "demo"})
    );
    wait_stopped(&env, "demo");

    // One foreground iteration.
    ok(&env, &["run", "demo"]);
    assert_eq!(loop_row(&env, "demo")["runs"], 4);

    // Duplicate names are refused.
    assert_eq!(
        fail(&env, &["up", "--name", "demo", "--prompt-msg", "x"]),
        (1, "Error: loop name \"demo\" already exists\nHint: Pick another --name, or remove the old loop with `forge rm`.\n".into())
    );

    // rm by reference.
    assert_eq!(ok(&env, &["rm", "demo"]).stdout, "Loop 'demo' removed\n");
    assert_eq!(ok(&env, &["ps"]).stdout, "No loops found\n");
    // Logs and ledgers stay.
    assert!(env.log_path("demo").is_file() && env.ledger_path("demo").is_file());
}

#[test]
fn up_names_counts_tags_and_json() {
    let env = env();
    setup_pool(&env);
    let out = ok(
        &env,
        &[
            "up",
            "-n",
            "2",
            "--name-prefix",
            "w",
            "--max-iterations",
            "1",
            "--interval",
            "0",
            "--prompt-msg",
            "hi",
            "--tags",
            " a,b,a,,",
            "--json",
        ],
    );
    let loops = out.json();
    let names: Vec<&str> = loops
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["w-1", "w-2"]);
    assert_eq!(loops[0]["tags"], json!(["a", "b"]));
    let out = ok(
        &env,
        &[
            "up",
            "--max-iterations",
            "1",
            "--interval",
            "0",
            "--prompt-msg",
            "hi",
            "--spawn-owner",
            "auto",
        ],
    );
    assert_eq!(
        out.stderr,
        "warning: forge has no daemon yet, falling back to local spawn (--spawn-owner auto)\n"
    );
    let generated = out
        .stdout
        .strip_prefix("Loop \"")
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        generated.split('-').count(),
        2,
        "friendly two-part name: {generated}"
    );
    for name in ["w-1", "w-2", generated.as_str()] {
        wait_stopped(&env, name);
    }
    // Selectors on ps.
    let tagged = ok(&env, &["ps", "--tag", "b", "--json"]).json();
    assert_eq!(tagged.as_array().unwrap().len(), 2);
    assert_eq!(
        ok(&env, &["ps", "--state", "running"]).stdout,
        "No loops found\n"
    );
    assert_eq!(
        fail(&env, &["ps", "--state", "bogus"]),
        (
            1,
            "Error: invalid --state \"bogus\" (valid: running|sleeping|waiting|stopped|error)\n"
                .into()
        )
    );
    // JSON Lines: one loop per line.
    assert_eq!(ok(&env, &["ps", "--jsonl"]).jsonl().len(), 3);
    // clean removes every inactive loop.
    assert_eq!(
        ok(&env, &["clean"]).stdout,
        "Removed 3 loop(s); skipped 0 active loop(s)\n"
    );
    assert_eq!(
        fail(&env, &["clean"]),
        (1, "Error: no inactive loops matched\n".into())
    );
}

#[test]
fn control_of_a_sleeping_loop() {
    let env = env();
    setup_pool(&env);
    let out = ok(
        &env,
        &[
            "up",
            "--name",
            "sleepy",
            "--interval",
            "1h",
            "--prompt-msg",
            "hi",
        ],
    );
    let short = out
        .stdout
        .strip_prefix("Loop \"sleepy\" started (")
        .and_then(|s| s.strip_suffix(")\n"))
        .unwrap()
        .to_string();
    wait_state(&env, "sleepy", &["sleeping"]);
    assert_eq!(
        fail(&env, &["resume", "sleepy"]),
        (
            1,
            format!(
                "Error: loop \"sleepy\" is sleeping; only stopped or errored loops can be resumed\nHint: Stop it first with `forge stop {short}`.\n"
            )
        )
    );
    assert_eq!(
        fail(&env, &["rm", "sleepy"]),
        (
            1,
            format!(
                "Error: loop \"sleepy\" is sleeping; use --force to remove anyway\nHint: Stop it first with `forge stop {short}`, or pass --force.\n"
            )
        )
    );
    // Messages queue up while it sleeps.
    assert_eq!(
        ok(&env, &["msg", "sleepy", "focus", "on", "tests"]).stdout,
        "Queued message for 1 loop(s)\n"
    );
    let items = ok(&env, &["queue", "ls", "sleepy", "--json"]).json();
    assert_eq!(items[0]["type"], "message_append");
    assert_eq!(items[0]["payload"], json!({"text": "focus on tests"}));
    // stop takes effect at once while sleeping (interval 1h).
    let started = std::time::Instant::now();
    assert_eq!(
        ok(&env, &["stop", "sleepy", "--json"]).json(),
        json!({"action": "stop_graceful", "loops": 1})
    );
    wait_stopped(&env, "sleepy");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "stop took {:?}",
        started.elapsed()
    );

    // kill a running loop.
    ok(
        &env,
        &[
            "up",
            "--name",
            "victim",
            "--interval",
            "1h",
            "--prompt-msg",
            "hi",
        ],
    );
    wait_state(&env, "victim", &["sleeping"]);
    assert_eq!(ok(&env, &["kill", "victim"]).stdout, "Killed 1 loop(s)\n");
    let row = loop_row(&env, "victim");
    assert_eq!(row["state"], "stopped");
    assert_eq!(row["runner_alive"], false);
    // rm --force on a live loop kills it first.
    ok(
        &env,
        &[
            "up",
            "--name",
            "doomed",
            "--interval",
            "1h",
            "--prompt-msg",
            "hi",
        ],
    );
    wait_state(&env, "doomed", &["sleeping"]);
    assert_eq!(
        ok(&env, &["rm", "doomed", "--force", "--json"]).json()["removed"],
        1
    );
    assert!(ps(&env).iter().all(|l| l["name"] != "doomed"));
}

#[test]
fn loop_references_and_selectors() {
    let env = env();
    assert_eq!(
        fail(&env, &["queue", "ls", "x"]),
        (1, "Error: loop 'x' not found (no loops registered yet)\nHint: Start one with `forge up`.\n".into())
    );
    ok(&env, &["ps"]); // creates the database
    let alpha = insert_loop(&env, "alpha", "ab12cd34", &["t1"]);
    insert_loop(&env, "beta", "ab99zz00", &[]);
    assert_eq!(
        fail(&env, &["stop", "ab"]),
        (1, "Error: loop 'ab' is ambiguous; matches: alpha (ab12cd34), beta (ab99zz00) (use a longer prefix or full ID)\nHint: Use a longer prefix or full ID.\n".into())
    );
    let out = env.forge(&["stop", "ab", "--json"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["error"]["code"], "ERR_AMBIGUOUS");
    assert_eq!(
        fail(&env, &["logs", "gamma"]),
        (1, "Error: loop 'gamma' not found. Example input: 'alpha' or 'ab12cd34'\nHint: List loops with `forge ps`.\n".into())
    );
    assert_eq!(
        env.forge(&["logs", "gamma", "--jsonl"]).jsonl()[0]["error"]["code"],
        "ERR_NOT_FOUND"
    );
    assert_eq!(
        fail(&env, &["stop"]),
        (1, "Error: specify a loop or selector\nHint: Pass a loop name or ID, or a selector such as --all, --repo, --pool, --profile, --state or --tag.\n".into())
    );
    assert_eq!(
        fail(&env, &["kill", "--tag", "nope"]),
        (
            1,
            "Error: no loops matched\nHint: List loops with `forge ps`.\n".into()
        )
    );
    assert_eq!(
        fail(&env, &["logs"]).1,
        "Error: loop name required (or use --all)\nHint: Usage: forge logs <loop>, or forge logs --all for every loop of this repo\n"
    );
    // Unique prefixes of short ids and full ids resolve.
    // (These loops are rows without runners: already stopped, so not counted.)
    assert_eq!(
        ok(&env, &["stop", "ab1"]).stdout,
        "Stopped 0 loop(s) (1 already stopped)\n"
    );
    assert_eq!(ok(&env, &["stop", &alpha.id[..10], "--quiet"]).stdout, "");
    assert_eq!(
        ok(&env, &["kill", "--tag", "t1", "--json"]).json(),
        json!({"action": "kill_now", "loops": 0})
    );
    assert_eq!(
        ok(&env, &["stop", "--all"]).stdout,
        "Stopped 0 loop(s) (2 already stopped)\n"
    );
    let repo = env.repo().display().to_string();
    assert_eq!(
        ok(&env, &["stop", "--repo", &repo]).stdout,
        "Stopped 0 loop(s) (2 already stopped)\n"
    );
    assert_eq!(
        fail(&env, &["stop", "--pool", "nope"]).1,
        "Error: pool \"nope\" not found\nHint: List pools with `forge pool ls`.\n"
    );

    // msg argument rules.
    assert_eq!(
        fail(&env, &["msg"]).1,
        "Error: specify a loop or selector\nHint: Usage: forge msg <loop> <message…>, or forge msg --all <message…>\n"
    );
    assert_eq!(
        fail(&env, &["msg", "alpha"]).1,
        "Error: message text required\nHint: Usage: forge msg <loop> <message…>\n"
    );
    assert_eq!(
        fail(&env, &["msg", "--all"]).1,
        "Error: message, --seq, or --next-prompt required\n"
    );
    assert_eq!(
        ok(&env, &["msg", "--all", "hello", "all", "--json"]).json(),
        json!({"loops": 2, "queued": true})
    );
    ok(&env, &["msg", "beta", "--now"]);
    let (code, stderr) = fail(&env, &["msg", "beta", "--next-prompt", "missing"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("Error: prompt not found: missing"),
        "{stderr}"
    );
    env.write("repo/.forge/prompts/review.md", "Review the code.\n");
    ok(&env, &["msg", "beta", "--next-prompt", "review"]);
    let items = ok(&env, &["queue", "ls", "beta", "--json"]).json();
    let kinds: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    // The messages in order (no stop items: stopping an already stopped loop queues nothing).
    assert_eq!(
        kinds,
        ["message_append", "steer_message", "next_prompt_override"]
    );
    assert_eq!(
        items[1]["payload"],
        json!({"message": "Operator interrupt"})
    );
    assert_eq!(
        items[2]["payload"],
        json!({"prompt": format!("{}/.forge/prompts/review.md", env.repo().display()), "is_path": true})
    );
}

#[test]
fn queue_commands() {
    let env = env();
    ok(&env, &["ps"]);
    insert_loop(&env, "q", "qq11qq11", &[]);
    assert_eq!(ok(&env, &["queue", "ls", "q"]).stdout, "No queue items\n");
    ok(&env, &["msg", "q", "one"]);
    ok(&env, &["msg", "q", "two"]);
    let items = ok(&env, &["queue", "ls", "q", "--json"]).json();
    let (first, second) = (
        items[0]["id"].as_str().unwrap().to_string(),
        items[1]["id"].as_str().unwrap().to_string(),
    );
    let table = ok(&env, &["queue", "ls", "q"]).stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["ID", "TYPE", "STATUS", "POSITION", "CREATED"]
    );
    assert_eq!(
        lines[1].split_whitespace().take(4).collect::<Vec<_>>(),
        [first.as_str(), "message_append", "pending", "1"]
    );
    assert_eq!(
        fail(&env, &["queue", "move", "q", &second, "--to", "middle"]),
        (
            1,
            "Error: unknown move target \"middle\" (valid: front|back)\n".into()
        )
    );
    assert_eq!(
        ok(&env, &["queue", "move", "q", &second]).stdout,
        format!("Moved item {second} to front\n")
    );
    let items = ok(&env, &["queue", "ls", "q", "--json"]).json();
    assert_eq!(items[0]["id"], second.as_str());
    assert_eq!(
        ok(
            &env,
            &["queue", "move", "q", &second[..8], "--to", "back", "--json"]
        )
        .json(),
        json!({"moved": second, "to": "back"})
    );
    assert_eq!(
        fail(&env, &["queue", "rm", "q", "nope"]),
        (1, "Error: queue item nope not found in loop\n".into())
    );
    let out = env.forge(&["queue", "rm", "q", "nope", "--json"]);
    assert_eq!(out.json()["error"]["code"], "ERR_NOT_FOUND");
    assert_eq!(
        ok(&env, &["queue", "rm", "q", &first]).stdout,
        format!("Removed item {first}\n")
    );
    assert_eq!(
        fail(&env, &["queue", "move", "q", &first]),
        (1, format!("Error: queue item {first} not found\n"))
    );
    assert_eq!(
        ok(&env, &["queue", "clear", "q", "--json"]).json(),
        json!({"cleared": 1})
    );
    assert_eq!(
        fail(&env, &["queue", "move", "q", &second]),
        (1, "Error: no pending items\n".into())
    );
    assert_eq!(
        ok(&env, &["queue", "clear", "q"]).stdout,
        "Cleared 0 item(s)\n"
    );
}

#[test]
fn rm_rules_and_shapes() {
    let env = env();
    ok(&env, &["ps"]);
    insert_loop(&env, "a", "aaaa1111", &["x"]);
    insert_loop(&env, "b", "bbbb2222", &["x"]);
    insert_loop(&env, "c", "cccc3333", &[]);
    assert_eq!(
        fail(&env, &["rm", "--tag", "x"]),
        (1, "Error: selector-based removal requires --force\n".into())
    );
    let out = ok(&env, &["rm", "--tag", "x", "--force", "--json"]).json();
    assert_eq!(out["removed"], 2);
    assert_eq!(out["names"], json!(["a", "b"]));
    assert_eq!(ok(&env, &["delete", "c", "--json"]).json()["name"], "c");
    assert_eq!(ok(&env, &["ps", "--json"]).json(), json!([]));
}

#[test]
fn global_flags_and_output_modes() {
    let env = env();
    let out = env.forge(&["ps", "--json", "--jsonl"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.json(),
        json!({"error": {"code": "ERR_INVALID_FLAG", "message": "--json and --jsonl cannot be used together"}})
    );
    // Global flags anywhere on the line.
    assert_eq!(ok(&env, &["--json", "ps"]).stdout, "[]\n");
    assert_eq!(ok(&env, &["ps", "--jsonl"]).stdout, "");
    // -C changes the repo.
    std::fs::create_dir_all(env.root().join("other")).unwrap();
    assert_eq!(
        ok(&env, &["-C", "../other", "init", "--json"]).json()["repo_path"],
        env.root().join("other").display().to_string()
    );
    assert_eq!(
        fail(&env, &["-C", "/nonexistent/dir", "ps"]).1,
        "Error: unable to change directory to /nonexistent/dir: No such file or directory (os error 2)\n"
    );
    // Usage errors exit 2; in JSON mode as an envelope.
    let out = env.forge(&["ps", "--bogus"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("error: unexpected argument '--bogus' found"),
        "{}",
        out.stderr
    );
    let out = env.forge(&["ps", "--bogus", "--json"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.json()["error"]["code"], "ERR_INVALID_FLAG");
    // Help and version.
    let help = ok(&env, &["up", "--help"]).stdout;
    assert!(help.contains("--max-iterations <N>"), "{help}");
    assert!(!env.data_dir().join("forge.db").exists() || ok(&env, &["ps"]).code == 0);
    let version = ok(&env, &["--version"]).stdout;
    assert!(
        version.starts_with("forge version ") && version.contains(" (commit: "),
        "{version}"
    );
}

#[test]
fn ps_survives_a_closed_pipe() {
    let env = env();
    ok(&env, &["ps"]);
    for i in 0..300 {
        insert_loop(&env, &format!("l{i:03}"), &format!("p{i:07}"), &[]);
    }
    let mut child = env
        .cmd("forge")
        .arg("ps")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once, like `| head -0`
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
