//! Loop commands: init, up, ps, msg, queue, stop, kill, resume, rm, clean, scale, status, mem,
//! work, and the error envelope.

use forge_core::model::LoopState;
use forge_store::{LoopUpdate, Store};
use forge_testkit::TestEnv;
use serde_json::Value;

use super::{assert_shape, lines_as_array, single_line};
use crate::cli_support::{env, insert_loop, ok, setup_pool, wait_state, wait_stopped};

const ONE_RUN: &[&str] = &[
    "--max-iterations",
    "1",
    "--interval",
    "0s",
    "--prompt-msg",
    "hi",
];

/// A `command` pool and a loop `demo` that ran once and stopped.
fn ran_once(env: &TestEnv) {
    setup_pool(env);
    let mut args = vec!["up", "--name", "demo"];
    args.extend_from_slice(ONE_RUN);
    ok(env, &args);
    wait_stopped(env, "demo");
}

/// A stopped loop `demo` (no runner) with two pending messages; returns the item ids.
fn queued(env: &TestEnv) -> Vec<String> {
    insert_loop(env, "demo", "aaaa1111", &[]);
    ok(env, &["msg", "demo", "first"]);
    ok(env, &["msg", "demo", "second"]);
    ok(env, &["queue", "ls", "demo", "--json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn init_json_second_run() {
    let env = env();
    ok(&env, &["init"]);
    let again = ok(&env, &["init", "--json"]).json();
    assert_shape(&again, "init");
    // As the reference lists them: the .forge/ directories are in `created` on every run.
    assert_eq!(again["created"][0], ".forge/prompts");
}

#[test]
fn up_json_and_jsonl() {
    let env = env();
    setup_pool(&env);
    let mut args = vec!["up", "--name", "one", "--json"];
    args.extend_from_slice(ONE_RUN);
    assert_shape(&ok(&env, &args).json(), "up");
    let mut args = vec!["up", "--name", "two", "--jsonl"];
    args.extend_from_slice(ONE_RUN);
    assert_shape(&lines_as_array(&ok(&env, &args).stdout), "up");
    wait_stopped(&env, "one");
    wait_stopped(&env, "two");
}

#[test]
fn ps_json() {
    let env = env();
    ran_once(&env);
    let rows = ok(&env, &["ps", "--json"]).json();
    assert_shape(&rows, "ps");
    let row = &rows[0];
    assert_eq!(row["last_run"], row["last_run_at"]);
    assert_eq!(row["runner_pid_alive"], false);
    assert_eq!(row["runs"], 1);

    // A loop whose runner is alive (sleeping between runs).
    ok(
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
    wait_state(&env, "sleepy", &["sleeping"]);
    let rows = ok(&env, &["ps", "--json"]).json();
    let sleepy = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "sleepy")
        .unwrap();
    assert_eq!(sleepy["runner_pid_alive"], true);
    assert_ne!(sleepy["runner_instance_id"], row["runner_instance_id"]);
    ok(&env, &["kill", "sleepy"]);
    wait_stopped(&env, "sleepy");
}

#[test]
fn ps_jsonl() {
    let env = env();
    ran_once(&env);
    assert_shape(&lines_as_array(&ok(&env, &["ps", "--jsonl"]).stdout), "ps");
}

#[test]
fn msg_json() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    assert_shape(&ok(&env, &["msg", "demo", "hello", "--json"]).json(), "msg");
}

#[test]
fn queue_ls_json() {
    let env = env();
    queued(&env);
    assert_shape(
        &ok(&env, &["queue", "ls", "demo", "--all", "--json"]).json(),
        "queue-ls",
    );
}

#[test]
fn queue_clear_json() {
    let env = env();
    queued(&env);
    assert_shape(
        &ok(&env, &["queue", "clear", "demo", "--json"]).json(),
        "queue-clear",
    );
}

#[test]
fn queue_rm_json() {
    let env = env();
    let ids = queued(&env);
    assert_shape(
        &ok(&env, &["queue", "rm", "demo", &ids[0], "--json"]).json(),
        "queue-rm",
    );
}

#[test]
fn queue_move_json() {
    let env = env();
    let ids = queued(&env);
    assert_shape(
        &ok(&env, &["queue", "move", "demo", &ids[1], "--json"]).json(),
        "queue-move",
    );
}

#[test]
fn stop_json() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    assert_shape(&ok(&env, &["stop", "demo", "--json"]).json(), "stop");
}

#[test]
fn kill_json() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    assert_shape(&ok(&env, &["kill", "demo", "--json"]).json(), "kill");
}

#[test]
fn resume_json() {
    let env = env();
    ran_once(&env);
    assert_shape(&ok(&env, &["resume", "demo", "--json"]).json(), "resume");
    wait_stopped(&env, "demo");
}

#[test]
fn rm_json() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    assert_shape(&ok(&env, &["rm", "demo", "--json"]).json(), "rm");
    insert_loop(&env, "a", "aaaa2222", &[]);
    insert_loop(&env, "b", "bbbb2222", &[]);
    assert_shape(
        &ok(&env, &["rm", "--all", "--force", "--json"]).json(),
        "rm-many",
    );
}

#[test]
fn clean_json() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    assert_shape(&ok(&env, &["clean", "--json"]).json(), "clean");
    insert_loop(&env, "a", "aaaa2222", &[]);
    insert_loop(&env, "b", "bbbb2222", &[]);
    assert_shape(&ok(&env, &["clean", "--json"]).json(), "clean-many");
}

#[test]
fn scale_json() {
    let env = env();
    assert_shape(&ok(&env, &["scale", "-n", "0", "--json"]).json(), "scale");
    assert_shape(
        &single_line(&ok(&env, &["scale", "-n", "0", "--jsonl"]).stdout),
        "scale",
    );
}

/// One errored loop, so the fleet view has an alert.
fn errored_loop(env: &TestEnv) -> String {
    let l = insert_loop(env, "broken", "errr0001", &[]);
    let mut store = Store::open(&env.db_path(), 5000).unwrap();
    store
        .update_loop(
            &l.id,
            &LoopUpdate::state_with_error(LoopState::Error, "harness crashed"),
        )
        .unwrap();
    l.short_id
}

#[test]
fn status_json() {
    let env = env();
    let short = errored_loop(&env);
    let status = ok(&env, &["status", "--json"]).json();
    assert_shape(&status, "status");
    assert_eq!(status["agents"]["total"], 1);
    assert_eq!(status["agents"]["by_state"]["error"], 1);
    assert_eq!(status["workspaces"], 1);
    assert_eq!(status["alerts"]["total"], 1);
    let alert = &status["alerts"]["items"][0];
    assert_eq!(
        (&alert["type"], &alert["severity"], &alert["agent_id"]),
        (
            &Value::from("error"),
            &Value::from("error"),
            &Value::from(short)
        )
    );
    assert_eq!(alert["message"], "Loop 'broken' error: harness crashed");
    // Forge's own keys stay.
    assert_eq!(status["loops"]["by_state"]["error"], 1);
    assert_eq!(status["errors"][0]["name"], "broken");
    assert_shape(
        &single_line(&ok(&env, &["status", "--jsonl"]).stdout),
        "status",
    );
}

#[test]
fn mem_set_json() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    assert_shape(
        &ok(&env, &["mem", "--loop", "demo", "set", "k", "v", "--json"]).json(),
        "mem-set",
    );
}

#[test]
fn mem_get_json() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    ok(&env, &["mem", "--loop", "demo", "set", "k", "v"]);
    assert_shape(
        &ok(&env, &["mem", "--loop", "demo", "get", "k", "--json"]).json(),
        "mem-get",
    );
}

#[test]
fn mem_ls_json() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    ok(&env, &["mem", "--loop", "demo", "set", "k", "v"]);
    assert_shape(
        &ok(&env, &["mem", "--loop", "demo", "ls", "--json"]).json(),
        "mem-ls",
    );
}

#[test]
fn mem_rm_json() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    ok(&env, &["mem", "--loop", "demo", "set", "k", "v"]);
    assert_shape(
        &ok(&env, &["mem", "--loop", "demo", "rm", "k", "--json"]).json(),
        "mem-rm",
    );
}

const WORK_SET: &[&str] = &[
    "work",
    "--loop",
    "demo",
    "set",
    "T-1",
    "--agent",
    "ag",
    "--detail",
    "tests pass",
];

#[test]
fn work_set_json() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    let mut args = WORK_SET.to_vec();
    args.push("--json");
    let set = ok(&env, &args).json();
    assert_shape(&set, "work");
    assert_eq!(set["task_id"], "T-1");
    // Forge's own keys stay.
    assert_eq!(set["current"]["task_id"], "T-1");
    assert_eq!(set["loop"], "demo");
}

#[test]
fn work_current_json() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    let args = ["work", "--loop", "demo", "current", "--json"];
    assert_shape(&ok(&env, &args).json(), "work-none");
    ok(&env, WORK_SET);
    let current = ok(&env, &args).json();
    assert_shape(&current, "work");
    assert_eq!(current["detail"], "tests pass");
    assert_eq!(current["current"]["detail"], "tests pass");
}

#[test]
fn work_ls_json() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    ok(&env, WORK_SET);
    assert_shape(
        &ok(&env, &["work", "--loop", "demo", "ls", "--json"]).json(),
        "work-ls",
    );
}

#[test]
fn work_clear_json() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    ok(&env, WORK_SET);
    assert_shape(
        &ok(&env, &["work", "--loop", "demo", "clear", "--json"]).json(),
        "work-clear",
    );
}

#[test]
fn error_envelope_json() {
    let env = env();
    let out = env.forge(&["stop", "nope", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_shape(&out.json(), "error");
    assert_eq!(out.json()["error"]["code"], "ERR_NOT_FOUND");
}
