//! Runner behaviour exercised in-process against a real SQLite file and real harness processes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use forge_core::model::{Loop, LoopState, PromptMode, RunStatus};
use forge_core::queue::Payload;
#[path = "support/fixture.rs"]
mod fixture;

use forge_runner::{RunMode, RunnerPaths, control, run_loop};
use forge_store::Store;

struct Fixture {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    paths: RunnerPaths,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let data = dir.path().join("data");
    let paths = RunnerPaths {
        data_dir: data.clone(),
        db_path: data.join("forge.db"),
        busy_timeout_ms: 5000,
        config_path: None,
    };
    Fixture {
        _dir: dir,
        repo,
        paths,
    }
}

fn add_loop(
    f: &Fixture,
    name: &str,
    template: &str,
    interval: i64,
    max_iterations: i64,
) -> (Store, Loop) {
    let mut store = Store::open(&f.paths.db_path, 5000).unwrap();
    let profile =
        fixture::command_profile(&format!("{name}-profile"), template, Default::default());
    store.insert_profile(&profile).unwrap();
    let l = fixture::pinned_loop(
        name,
        &f.repo,
        &profile.id,
        "Say the magic word.",
        interval,
        max_iterations,
    );
    store.insert_loop(&l).unwrap();
    (store, l)
}

/// Runs the loop's background runner on a thread.
fn run_in_thread(
    f: &Fixture,
    l: &Loop,
) -> std::thread::JoinHandle<Result<forge_runner::RunEnd, forge_runner::RunnerError>> {
    let paths = f.paths.clone();
    let id = l.id.clone();
    std::thread::spawn(move || run_loop(&paths, &id, RunMode::Background { lock_fd: None }))
}

/// Waits until the loop's run has started its harness.
fn wait_for_harness(store: &Store, l: &Loop) {
    assert!(wait_for(Duration::from_secs(5), || {
        store
            .running_runs(&l.id)
            .unwrap()
            .first()
            .and_then(|r| r.harness_pgid)
            .is_some()
    }));
}

fn wait_for(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    cond()
}

/// Non-zombie processes whose process group is `pgid`.
fn live_group_members(pgid: i32) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(2).and_then(|f| f.parse::<i32>().ok()) == Some(pgid) && fields[0] != "Z" {
            out.push(stat.clone());
        }
    }
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn single_iteration_records_run_log_and_ledger() {
    let f = fixture();
    let (store, l) = add_loop(&f, "single-one", "cat; echo done-$FORGE_LOOP_NAME", 0, 0);
    let end = run_loop(&f.paths, &l.id, RunMode::Single).unwrap();
    assert_eq!(end.state, LoopState::Stopped);
    let runs = store.list_runs(&l.id, 0).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Success);
    assert_eq!(runs[0].exit_code, Some(0));
    let tail = runs[0].output_tail.clone().unwrap();
    assert!(
        tail.starts_with("Say the magic word.\n\n## Loop Context (persistent)"),
        "{tail}"
    );
    assert!(tail.ends_with("done-single-one"), "{tail}");
    let got = store.get_loop(&l.id).unwrap();
    assert_eq!(got.state, LoopState::Stopped);
    assert_eq!(got.iteration_count(), 1);
    let ledger = read(&f.repo.join(".forge/ledgers/single-one.md"));
    assert!(
        ledger.starts_with(&format!("---\nloop_id: {}\nloop_name: single-one\n", l.id)),
        "{ledger}"
    );
    assert!(ledger.contains("- status: success\n- profile: single-one-profile\n- harness: command\n- prompt_source: base\n- prompt_override: false\n"), "{ledger}");
    let log = read(&f.paths.data_dir.join("logs/loops/single-one.log"));
    assert!(log.contains("] loop started\n"), "{log}");
    assert!(log.contains("done-single-one\n"), "{log}");
}

#[test]
fn messages_are_appended_once_and_max_iterations_stops() {
    let f = fixture();
    let (mut store, l) = add_loop(&f, "msgs", "cat", 0, 2);
    control::send(
        &mut store,
        &f.paths,
        &l.id,
        &[Payload::Message {
            text: "first note".into(),
        }],
    )
    .unwrap();
    let end = run_loop(&f.paths, &l.id, RunMode::Background { lock_fd: None }).unwrap();
    assert_eq!(end.reason, "max iterations reached (2)");
    let runs = store.list_runs(&l.id, 0).unwrap();
    assert_eq!(runs.len(), 2);
    let newest = runs[0].output_tail.clone().unwrap();
    let oldest = runs[1].output_tail.clone().unwrap();
    assert!(oldest.contains("## Operator Message ("), "{oldest}");
    assert!(oldest.ends_with("first note"), "{oldest}");
    assert!(!newest.contains("first note"), "{newest}");
    assert!(store.pending_items(&l.id).unwrap().is_empty());
    assert_eq!(
        store.get_loop(&l.id).unwrap().last_error.as_deref(),
        Some("max iterations reached (2)")
    );
}

#[test]
fn kill_ends_a_running_harness_group_within_a_second() {
    let f = fixture();
    let (mut store, l) = add_loop(&f, "killme", "sleep 600 & sleep 600; wait", 0, 0);
    let handle = run_in_thread(&f, &l);
    wait_for_harness(&store, &l);
    let pgid = store.running_runs(&l.id).unwrap()[0].harness_pgid.unwrap();
    let started = Instant::now();
    let current = store.get_loop(&l.id).unwrap();
    control::kill(&mut store, &f.paths, &current).unwrap();
    let elapsed = started.elapsed();
    let end = handle.join().unwrap().unwrap();
    assert!(elapsed < Duration::from_secs(1), "kill took {elapsed:?}");
    assert_eq!(end.state, LoopState::Stopped);
    assert!(
        live_group_members(pgid as i32).is_empty(),
        "harness group survived: {:?}",
        live_group_members(pgid as i32)
    );
    let run = &store.list_runs(&l.id, 0).unwrap()[0];
    assert_eq!(run.status, RunStatus::Killed);
    assert_eq!(store.get_loop(&l.id).unwrap().state, LoopState::Stopped);
}

/// Sets a file's modification time into the past (what a database nobody wrote to for a while
/// looks like).
fn backdate(path: &Path) {
    if let Ok(file) = std::fs::File::options().write(true).open(path) {
        file.set_modified(std::time::SystemTime::now() - Duration::from_secs(60))
            .unwrap();
    }
}

/// Makes the database look long quiet, lets the runner take that as its baseline for `settle`,
/// then queues `payload` the way another process would without waking the runner. Returns
/// whether the runner ended within 3 s, how long after the enqueue it was seen to, and how it
/// ended (a runner that never noticed is killed the normal way first, so none is left behind).
fn enqueue_unwoken(
    f: &Fixture,
    store: &mut Store,
    l: &Loop,
    handle: std::thread::JoinHandle<Result<forge_runner::RunEnd, forge_runner::RunnerError>>,
    settle: Duration,
    payload: Payload,
) -> (bool, Duration, forge_runner::RunEnd) {
    backdate(&f.paths.db_path);
    backdate(&f.paths.db_path.with_file_name("forge.db-wal"));
    std::thread::sleep(settle);
    let started = Instant::now();
    store.enqueue(&l.id, &[payload]).unwrap();
    let seen = wait_for(Duration::from_secs(3), || handle.is_finished());
    let elapsed = started.elapsed();
    if !seen {
        let current = store.get_loop(&l.id).unwrap();
        control::kill(store, &f.paths, &current).unwrap();
    }
    (seen, elapsed, handle.join().unwrap().unwrap())
}

#[test]
fn a_kill_queued_without_a_wake_up_is_still_seen_within_a_second() {
    let f = fixture();
    let (mut store, l) = add_loop(&f, "quietkill", "sleep 600", 0, 0);
    let handle = run_in_thread(&f, &l);
    wait_for_harness(&store, &l);
    // Give the runner a few ticks to take the quiet database as its baseline.
    let (seen, elapsed, end) = enqueue_unwoken(
        &f,
        &mut store,
        &l,
        handle,
        Duration::from_millis(600),
        Payload::Kill {
            reason: Some("no wake".into()),
        },
    );
    assert!(seen, "the runner never noticed the queued kill");
    assert!(elapsed < Duration::from_secs(1), "kill took {elapsed:?}");
    assert_eq!(end.state, LoopState::Stopped);
    let run = &store.list_runs(&l.id, 0).unwrap()[0];
    assert_eq!(run.status, RunStatus::Killed);
}

#[test]
fn a_stop_queued_without_a_wake_up_still_ends_a_sleep_within_a_second() {
    let f = fixture();
    let (mut store, l) = add_loop(&f, "quietstop", "true", 3600, 0);
    let handle = run_in_thread(&f, &l);
    assert!(wait_for(Duration::from_secs(5), || store
        .get_loop(&l.id)
        .unwrap()
        .state
        == LoopState::Sleeping));
    // The sleeping runner checks every 500 ms: a second covers two checks.
    let (seen, elapsed, end) = enqueue_unwoken(
        &f,
        &mut store,
        &l,
        handle,
        Duration::from_millis(1100),
        Payload::Stop {
            reason: Some("no wake".into()),
        },
    );
    assert!(seen, "the sleeping runner never noticed the queued stop");
    assert!(elapsed < Duration::from_secs(1), "stop took {elapsed:?}");
    assert_eq!(end.state, LoopState::Stopped);
    assert_eq!(end.reason, "graceful stop requested");
}

#[test]
fn stop_while_sleeping_takes_effect_at_once() {
    let f = fixture();
    let (mut store, l) = add_loop(&f, "sleeper", "true", 3600, 0);
    let handle = run_in_thread(&f, &l);
    assert!(wait_for(Duration::from_secs(5), || store
        .list_runs(&l.id, 0)
        .unwrap()
        .first()
        .is_some_and(|r| r.status == RunStatus::Success)));
    let started = Instant::now();
    control::stop(&mut store, &f.paths, &l).unwrap();
    let end = handle.join().unwrap().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "stop took {:?}",
        started.elapsed()
    );
    // The stop lands either during the interval sleep ("requested") or, if it beats the
    // runner's post-run check, right after the run ("queued"); both must be immediate.
    assert!(
        ["graceful stop requested", "graceful stop queued"].contains(&end.reason.as_str()),
        "{}",
        end.reason
    );
}

#[test]
fn steer_interrupts_and_restarts_with_the_message() {
    let f = fixture();
    let (mut store, l) = add_loop(&f, "steered", "cat; sleep 600", 0, 2);
    let handle = run_in_thread(&f, &l);
    let log_path = f.paths.data_dir.join("logs/loops/steered.log");
    assert!(wait_for(Duration::from_secs(5), || read(&log_path)
        .contains("Say the magic word.")));
    let started = Instant::now();
    control::send(
        &mut store,
        &f.paths,
        &l.id,
        &[Payload::Steer {
            message: "change course".into(),
        }],
    )
    .unwrap();
    assert!(wait_for(Duration::from_secs(3), || read(&log_path)
        .contains("change course")));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "steer took {:?}",
        started.elapsed()
    );
    let runs = store.list_runs(&l.id, 0).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1].status, RunStatus::Killed);
    control::kill(&mut store, &f.paths, &l).unwrap();
    handle.join().unwrap().unwrap();
    let log = read(&log_path);
    let second = log.split("run interrupted: steer").nth(1).unwrap();
    assert!(second.contains("## Operator Message ("), "{second}");
    assert!(
        second.contains("## Interrupt Context\n\nTimestamp: "),
        "{second}"
    );
    assert!(
        second.contains("### Log Tail\n\n```\nSay the magic word."),
        "{second}"
    );
    assert!(second.contains("\n\nchange course\n"), "{second}");
}

#[test]
fn a_steer_sent_while_a_run_is_stopping_is_not_lost() {
    let f = fixture();
    // The harness ignores SIGTERM, so a steered run takes its whole grace period to end.
    let (mut store, l) = add_loop(&f, "steered-twice", "cat; trap '' TERM; sleep 600", 0, 4);
    let handle = run_in_thread(&f, &l);
    let log_path = f.paths.data_dir.join("logs/loops/steered-twice.log");
    assert!(wait_for(Duration::from_secs(5), || read(&log_path)
        .contains("Say the magic word.")));
    for message in ["first course", "second course"] {
        control::send(
            &mut store,
            &f.paths,
            &l.id,
            &[Payload::Steer {
                message: message.into(),
            }],
        )
        .unwrap();
    }
    assert!(
        wait_for(Duration::from_secs(10), || read(&log_path)
            .split("run interrupted: steer")
            .skip(1)
            .any(|prompt| prompt.contains("second course"))),
        "the second steer never reached a prompt:\n{}",
        read(&log_path)
    );
    control::kill(&mut store, &f.paths, &l).unwrap();
    handle.join().unwrap().unwrap();
}

#[allow(clippy::disallowed_methods)]
fn git(repo: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ledger_has_git_summary_when_enabled_and_redacts_secrets_but_the_log_keeps_them() {
    let f = fixture();
    git(&f.repo, &["init", "-q"]);
    std::fs::create_dir_all(f.repo.join(".forge")).unwrap();
    std::fs::write(
        f.repo.join(".forge/forge.yaml"),
        "ledger:\n  git_status: true\n  git_diff_stat: true\n",
    )
    .unwrap();
    let secret = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345";
    let (store, l) = add_loop(
        &f,
        "summary",
        &format!("cat >/dev/null; echo new > file.txt; echo 'key={secret}'"),
        0,
        0,
    );
    run_loop(&f.paths, &l.id, RunMode::Single).unwrap();
    let ledger = read(&f.repo.join(".forge/ledgers/summary.md"));
    assert!(ledger.contains("```\nkey=[REDACTED]\n```\n"), "{ledger}");
    assert!(!ledger.contains(secret), "{ledger}");
    assert!(
        ledger.contains("\n### Git Summary\n\n```\nstatus --porcelain:\n?? .forge/\n?? file.txt\ndiff --stat:\n  (clean)\n```\n\n"),
        "{ledger}"
    );
    let log = read(&f.paths.data_dir.join("logs/loops/summary.log"));
    assert!(log.contains(secret), "the local log keeps raw output");
    let runs = store.list_runs(&l.id, 0).unwrap();
    assert_eq!(runs[0].status, RunStatus::Success);
}

#[test]
fn an_env_prompt_too_large_for_the_environment_arrives_on_stdin_and_in_a_file() {
    let f = fixture();
    let (mut store, l) = add_loop(
        &f,
        "bigprompt",
        "echo env=${#FORGE_PROMPT_CONTENT}; echo stdin=$(wc -c); echo file=$(wc -c < \"$FORGE_PROMPT_PATH\")",
        0,
        0,
    );
    let mut profile = store.get_profile(l.profile_id.as_deref().unwrap()).unwrap();
    profile.prompt_mode = PromptMode::Env;
    store.update_profile(&profile).unwrap();
    let big = "x".repeat(200 * 1024);
    control::send(
        &mut store,
        &f.paths,
        &l.id,
        &[Payload::NextPrompt {
            prompt: big,
            is_path: false,
        }],
    )
    .unwrap();
    run_loop(&f.paths, &l.id, RunMode::Single).unwrap();
    let run = &store.list_runs(&l.id, 0).unwrap()[0];
    assert_eq!(run.status, RunStatus::Success, "{:?}", run.output_tail);
    let tail = run.output_tail.clone().unwrap();
    let size: usize = tail
        .lines()
        .find_map(|l| l.strip_prefix("stdin="))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(size > 200 * 1024, "{tail}");
    assert!(tail.starts_with("env=0\n"), "{tail}");
    assert!(tail.ends_with(&format!("file={size}")), "{tail}");
    let log = read(&f.paths.data_dir.join("logs/loops/bigprompt.log"));
    assert!(
        log.contains("too large for the environment; delivered on stdin and in "),
        "{log}"
    );
}
