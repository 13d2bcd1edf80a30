//! `forge mem` and `forge work` as a user and as an agent inside a loop sees them: default loop
//! from FORGE_LOOP_ID/FORGE_LOOP_NAME, exact outputs and errors, JSON shapes, agent defaults,
//! and memory set by the harness showing up in the next prompt's Loop Context block.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::cli_support::{env, fail, insert_loop, ok, wait_stopped};
use serde_json::json;

const NO_LOOP: &str = "Error: loop required (pass --loop or set FORGE_LOOP_ID)\nHint: Inside a loop FORGE_LOOP_ID is set for you; outside, pass --loop <name>.\n";

#[test]
fn mem_set_get_ls_rm_with_exact_outputs_and_errors() {
    let mut env = env();
    let l = insert_loop(&env, "demo", "aaaa1111", &[]);
    insert_loop(&env, "other", "bbbb2222", &[]);

    // No loop given and none in the environment.
    assert_eq!(fail(&env, &["mem", "ls"]), (1, NO_LOOP.into()));
    assert_eq!(fail(&env, &["mem", "set", "k", "v"]), (1, NO_LOOP.into()));

    assert_eq!(
        ok(&env, &["mem", "--loop", "demo", "ls"]).stdout,
        "(empty)\n"
    );
    assert_eq!(
        ok(&env, &["mem", "--loop", "demo", "set", "goal", "ship it"]).stdout,
        "Set goal for loop demo\n"
    );
    // --loop also works after the subcommand, and by short id.
    ok(
        &env,
        &["mem", "set", "a-key", "line1\nline2", "--loop", "aaaa"],
    );
    assert_eq!(
        ok(&env, &["mem", "get", "goal", "--loop", "demo"]).stdout,
        "ship it\n"
    );
    assert_eq!(
        ok(&env, &["mem", "--loop", "demo", "ls"]).stdout,
        "KEY    VALUE\na-key  line1\\nline2\ngoal   ship it\n"
    );
    // Memory is per loop.
    assert_eq!(
        ok(&env, &["mem", "--loop", "other", "ls"]).stdout,
        "(empty)\n"
    );

    // Misses and invalid values.
    let miss = "Error: loop kv not found: \"nope\"\nHint: List keys with `forge mem ls`.\n";
    assert_eq!(
        fail(&env, &["mem", "--loop", "demo", "get", "nope"]),
        (1, miss.into())
    );
    assert_eq!(
        fail(&env, &["mem", "--loop", "demo", "rm", "nope"]),
        (1, miss.into())
    );
    assert_eq!(
        fail(&env, &["mem", "--loop", "demo", "set", "k", ""]),
        (1, "Error: value is required\n".into())
    );
    assert_eq!(
        fail(&env, &["mem", "--loop", "nope", "ls"]),
        (1, "Error: loop 'nope' not found. Example input: 'demo' or 'aaaa1111'\nHint: List loops with `forge ps`.\n".into())
    );
    let out = env.forge(&["mem", "--loop", "demo", "get", "nope", "--json"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["error"]["code"], "ERR_NOT_FOUND");

    // Default loop from FORGE_LOOP_ID (the runner sets it), then FORGE_LOOP_NAME.
    env.set_var("FORGE_LOOP_NAME", "other");
    ok(&env, &["mem", "set", "who", "by-name"]);
    assert_eq!(
        ok(&env, &["mem", "--loop", "other", "get", "who"]).stdout,
        "by-name\n"
    );
    env.set_var("FORGE_LOOP_ID", &l.id);
    assert_eq!(ok(&env, &["mem", "get", "goal"]).stdout, "ship it\n");
    // --loop beats the environment.
    assert_eq!(
        ok(&env, &["mem", "get", "who", "--loop", "other"]).stdout,
        "by-name\n"
    );

    // JSON shapes.
    assert_eq!(
        ok(&env, &["mem", "set", "goal", "v2", "--json"]).json(),
        json!({"loop": "demo", "key": "goal", "ok": true})
    );
    let rows = ok(&env, &["mem", "ls", "--json"]).json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["key"], "goal");
    assert_eq!(rows[1]["value"], "v2");
    assert_eq!(rows[1]["loop_id"], l.id.as_str());
    assert_eq!(
        ok(&env, &["mem", "rm", "goal", "--json"]).json(),
        json!({"loop": "demo", "key": "goal", "ok": true})
    );
    assert_eq!(
        ok(&env, &["mem", "rm", "a-key"]).stdout,
        "Removed a-key from loop demo\n"
    );
    assert_eq!(ok(&env, &["mem", "ls"]).stdout, "(empty)\n");
}

#[test]
fn work_set_current_ls_clear_with_agent_and_iteration_defaults() {
    let mut env = env();
    let l = insert_loop(&env, "demo", "aaaa1111", &[]);
    // The loop has run 7 iterations.
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    conn.execute(
        "UPDATE loops SET iteration_count = 7 WHERE id = ?1",
        [&l.id],
    )
    .unwrap();
    drop(conn);

    assert_eq!(fail(&env, &["work", "current"]), (1, NO_LOOP.into()));
    env.set_var("FORGE_LOOP_ID", &l.id);
    assert_eq!(ok(&env, &["work", "current"]).stdout, "(none)\n");
    assert_eq!(ok(&env, &["work", "ls"]).stdout, "(none)\n");
    assert_eq!(
        ok(&env, &["work", "current", "--json"]).json(),
        json!({"current": null})
    );
    // From a person's shell (no agent variables) the agent is the loop itself.
    let set = ok(&env, &["work", "set", "t1", "--json"]).json();
    assert_eq!(set["current"]["agent_id"], "demo");

    // Agent: the loop < FORGE_LOOP_NAME < SV_ACTOR < FMAIL_AGENT < --agent.
    env.set_var("FORGE_LOOP_NAME", "demo");
    let set = ok(&env, &["work", "set", "t1", "--json"]).json();
    assert_eq!(set["current"]["agent_id"], "demo");
    assert_eq!(set["current"]["status"], "in_progress");
    assert_eq!(set["current"]["loop_iteration"], 7);
    env.set_var("SV_ACTOR", "actor");
    let set = ok(&env, &["work", "set", "t1", "--json"]).json();
    assert_eq!(set["current"]["agent_id"], "actor");
    env.set_var("FMAIL_AGENT", "mailer");
    assert_eq!(
        ok(
            &env,
            &[
                "work",
                "set",
                "t2",
                "--status",
                "blocked",
                "--detail",
                "waiting on CI"
            ]
        )
        .stdout,
        "Current task of loop demo: t2 [blocked]\n"
    );
    let current = ok(&env, &["work", "current", "--json"]).json()["current"].clone();
    assert_eq!(current["task_id"], "t2");
    assert_eq!(current["agent_id"], "mailer");
    assert_eq!(current["status"], "blocked");
    assert_eq!(current["detail"], "waiting on CI");
    assert_eq!(current["is_current"], true);
    let updated = current["updated_at"].as_str().unwrap().to_string();
    assert_eq!(
        ok(&env, &["work", "current"]).stdout,
        format!("t2 [blocked] agent=mailer iter=7 updated={updated} | waiting on CI\n")
    );
    let set = ok(&env, &["work", "set", "t3", "--agent", "me", "--json"]).json();
    assert_eq!(set["current"]["agent_id"], "me");

    // ls: current first, then newest; one row per task.
    let rows = ok(&env, &["work", "ls", "--json"]).json();
    let tasks: Vec<(&str, bool)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["task_id"].as_str().unwrap(),
                r["is_current"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(tasks, [("t3", true), ("t2", false), ("t1", false)]);
    let human = ok(&env, &["work", "ls"]).stdout;
    let lines: Vec<&str> = human.lines().collect();
    assert_eq!(lines.len(), 4, "{human}");
    assert!(lines[0].starts_with("CUR  TASK  STATUS"), "{human}");
    assert!(
        lines[1].starts_with("*    t3    in_progress  me"),
        "{human}"
    );

    assert_eq!(
        ok(&env, &["work", "clear"]).stdout,
        "Cleared the current task of loop demo\n"
    );
    assert_eq!(ok(&env, &["work", "current"]).stdout, "(none)\n");
    assert_eq!(
        ok(&env, &["work", "ls", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn memory_set_by_the_agent_shows_in_the_next_prompt() {
    let env = env();
    ok(&env, &["init"]);
    // The harness echoes its prompt, then records memory the way an agent would: `forge` found
    // by name on the harness PATH, no --loop (the runner's FORGE_LOOP_ID picks the loop).
    let command = "cat; forge mem set seen-by-agent yes; forge work set t-9 --detail halfway";
    ok(
        &env,
        &[
            "profile",
            "add",
            "command",
            "--name",
            "agent",
            "--command",
            command,
        ],
    );
    ok(
        &env,
        &[
            "up",
            "--name",
            "mem-loop",
            "--profile",
            "agent",
            "--max-iterations",
            "2",
            "--interval",
            "0",
            "--prompt-msg",
            "Do the task.",
        ],
    );
    wait_stopped(&env, "mem-loop");
    let log = std::fs::read_to_string(env.log_path("mem-loop")).unwrap();
    // The prompt of each run follows its start line (the command harness echoes it).
    let runs: Vec<&str> = log.split(" start (profile=agent)\n").skip(1).collect();
    assert_eq!(runs.len(), 2, "two runs expected:\n{log}");
    assert!(
        !runs[0].contains("\nMem:\n"),
        "first prompt has no memory yet:\n{log}"
    );
    assert!(
        !runs[0].contains("\nCurrent:\n"),
        "first prompt has no work state yet:\n{log}"
    );
    assert!(
        runs[1].contains("\nMem:\n- seen-by-agent: yes\n"),
        "second prompt shows the memory:\n{log}"
    );
    assert!(
        runs[1].contains("\nCurrent:\n- t-9 [in_progress] agent=mem-loop iter=0 "),
        "second prompt shows the work state:\n{log}"
    );
    assert_eq!(
        ok(&env, &["mem", "--loop", "mem-loop", "get", "seen-by-agent"]).stdout,
        "yes\n"
    );
}

/// The fenced block of `lang` that follows the paragraph starting with `after` in the README.
fn readme_block(after: &str, lang: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let rest = &readme[readme
        .find(after)
        .unwrap_or_else(|| panic!("README.md has no paragraph {after:?}"))..];
    let open = format!("```{lang}\n");
    let start = rest.find(&open).expect("no block after the paragraph") + open.len();
    let len = rest[start..].find("```").expect("unclosed block");
    rest[start..start + len].to_string()
}

#[test]
fn the_readme_loop_memory_example_runs_as_written() {
    let commands = readme_block("Worked example: an agent that remembers", "sh");
    let expected = readme_block("The second prompt ends with:", "text");
    let mut env = env();
    // As a user has it: `forge` installed on their PATH; the loop's agent finds it by name.
    let forge = std::path::Path::new(env!("CARGO_BIN_EXE_forge"));
    let path = format!(
        "{}:{}",
        forge.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    env.set_var("PATH", path);
    let out = forge_testkit::run_output(
        env.cmd_path(std::path::Path::new("bash"))
            .args(["-e", "-c", &commands]),
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    wait_stopped(&env, "mem-demo");
    let log = std::fs::read_to_string(env.log_path("mem-demo")).unwrap();
    let second = log
        .split(" start (profile=rememberer)\n")
        .nth(2)
        .unwrap_or_else(|| panic!("no second run:\n{log}"));
    // Every line of the README's capture, the update time aside, is in the second prompt.
    let updated = regex::Regex::new(r" updated=\S+").unwrap();
    let second = updated.replace_all(second, "");
    for line in expected.lines() {
        let line = updated.replace_all(line, "");
        assert!(
            second.lines().any(|l| l == line),
            "the second prompt lacks the README's line {line:?}:\n{second}"
        );
    }
}
