//! A hand-built dashboard state (no store, no files) and a frame renderer for snapshots.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use forge_core::model::{
    Loop, LoopRun, LoopState, Profile, PromptMode, QueueItem, QueueItemStatus, QueueItemType,
    RunStatus,
};
use forge_store::{RunRecord, UsageTotals};
use forge_tui::action::{Action, Command, DataEvent};
use forge_tui::model::{
    Detail, LogLine, LogWindow, LoopRow, MailItem, Mailbox, PoolInfo, Snapshot,
};
use forge_tui::state::State;
use forge_tui::theme::ThemeName;
use forge_tui::update::{fixed_now, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Map, json};

pub(crate) fn a_loop(n: usize, name: &str, state: LoopState) -> Loop {
    let mut metadata = Map::new();
    if state.is_active() {
        metadata.insert("pid".into(), json!(4100 + n));
        metadata.insert("started_at".into(), json!("2026-12-01T11:00:00Z"));
        metadata.insert("iteration_count".into(), json!(n * 3));
    }
    if state == LoopState::Waiting {
        metadata.insert("wait_until".into(), json!("2026-12-01T12:12:00Z"));
    }
    Loop {
        id: format!("{n:02}aa7d3e-0000-4000-8000-00000000000{n}"),
        short_id: format!("k{n}x9q2"),
        name: name.into(),
        repo_path: format!("/home/op/src/{}", ["api", "web", "docs", "infra"][n % 4]),
        base_prompt_path: None,
        base_prompt_msg: Some("Fix the failing tests".into()),
        interval_seconds: 30,
        max_iterations: if n == 1 { 10 } else { 0 },
        max_runtime_seconds: if n == 2 { 7200 } else { 0 },
        pool_id: None,
        profile_id: if n == 3 { Some("p-cc1".into()) } else { None },
        state,
        last_run_at: Some("2026-12-01T11:58:00Z".into()),
        last_exit_code: Some(if state == LoopState::Error { 1 } else { 0 }),
        last_error: match state {
            LoopState::Waiting => {
                Some("waiting for profile availability until 2026-12-01T12:12:00Z".into())
            }
            LoopState::Error => Some("harness failed to start: claude not found".into()),
            _ => None,
        },
        log_path: Some(format!("/data/logs/loops/{name}.log")),
        ledger_path: None,
        tags: vec![],
        metadata,
        created_at: format!("2026-11-30T10:0{n}:00Z"),
        updated_at: "2026-12-01T11:58:00Z".into(),
    }
}

fn profile(id: &str, name: &str, harness: &str, cooldown: Option<&str>) -> Profile {
    Profile {
        id: id.into(),
        name: name.into(),
        harness: harness.into(),
        auth_kind: Some("oauth".into()),
        auth_home: None,
        prompt_mode: PromptMode::Stdin,
        command_template: harness.into(),
        model: None,
        extra_args: vec![],
        env: Default::default(),
        max_concurrency: 1,
        cooldown_until: cooldown.map(str::to_string),
        created_at: "2026-11-01T00:00:00Z".into(),
        updated_at: "2026-11-01T00:00:00Z".into(),
    }
}

pub(crate) fn snapshot() -> Snapshot {
    let states = [
        ("builder", LoopState::Running),
        ("reviewer", LoopState::Sleeping),
        ("docs-writer", LoopState::Waiting),
        ("janitor", LoopState::Stopped),
        ("flaky", LoopState::Error),
    ];
    let loops = states
        .iter()
        .enumerate()
        .map(|(i, (name, state))| LoopRow {
            lp: a_loop(i, name, *state),
            runs: [42, 17, 3, 120, 1][i],
            queue_depth: if i == 0 { 2 } else { 0 },
            usage: (i < 3).then(|| UsageTotals {
                input_tokens: 12_000 * (i as i64 + 1),
                output_tokens: 3_400,
                cache_read_tokens: 250_000,
                cache_write_tokens: 8_000,
                cost_usd: 1.25 * (i as f64 + 1.0),
            }),
            profile: Some(["cc1", "codex1", "cc2", "cc1", "cc1"][i].into()),
            harness: Some(["claude", "codex", "claude", "claude", "claude"][i].into()),
            pool: Some("default".into()),
            last_outcome: Some(["success", "success", "rate_limited", "killed", "error"][i].into()),
        })
        .collect();
    Snapshot {
        loops,
        profiles: vec![
            profile("p-cc1", "cc1", "claude", None),
            profile("p-cc2", "cc2", "claude", Some("2026-12-01T12:12:00Z")),
            profile("p-codex1", "codex1", "codex", None),
        ],
        pools: vec![PoolInfo {
            id: "pool-1".into(),
            name: "default".into(),
            is_default: true,
            members: vec!["p-cc1".into(), "p-cc2".into(), "p-codex1".into()],
        }],
    }
}

fn run(loop_id: &str, i: usize, status: RunStatus, outcome: &str) -> RunRecord {
    let mut metadata = Map::new();
    metadata.insert("profile_name".into(), json!("cc1"));
    metadata.insert("harness".into(), json!("command"));
    RunRecord {
        run: LoopRun {
            id: format!("r{i}b7c2d9-run"),
            loop_id: loop_id.into(),
            profile_id: Some("p-cc1".into()),
            status,
            prompt_source: "base".into(),
            prompt_path: None,
            prompt_override: false,
            started_at: format!("2026-12-01T11:{:02}:00Z", 50 - i * 5),
            finished_at: (status != RunStatus::Running)
                .then(|| format!("2026-12-01T11:{:02}:42Z", 50 - i * 5)),
            exit_code: (status != RunStatus::Running).then_some(if status == RunStatus::Success {
                0
            } else {
                1
            }),
            output_tail: Some(format!(
                "running tests for run {i}\n$ cargo test\nerror: test auth::login failed\n+ fixed line\ndone"
            )),
            harness_pgid: None,
            metadata,
        },
        outcome: (status != RunStatus::Running).then(|| outcome.to_string()),
        usage: Some(UsageTotals {
            input_tokens: 1200,
            output_tokens: 340,
            cache_read_tokens: 25_000,
            cache_write_tokens: 800,
            cost_usd: 0.12,
        }),
        model: Some("claude-opus-4-5".into()),
    }
}

pub(crate) fn detail(loop_id: &str) -> Detail {
    let runs = vec![
        run(loop_id, 0, RunStatus::Running, ""),
        run(loop_id, 1, RunStatus::Success, "success"),
        run(loop_id, 2, RunStatus::Error, "rate_limited"),
        run(loop_id, 3, RunStatus::Killed, "killed"),
    ];
    let mut run_counts = HashMap::new();
    run_counts.insert(RunStatus::Success, 38);
    run_counts.insert(RunStatus::Error, 2);
    run_counts.insert(RunStatus::Killed, 1);
    run_counts.insert(RunStatus::Running, 1);
    let queue = vec![QueueItem {
        id: "q1".into(),
        loop_id: loop_id.into(),
        item_type: QueueItemType::MessageAppend,
        position: 1,
        status: QueueItemStatus::Pending,
        attempts: 0,
        payload: json!({"text": "Rebase on main first"}),
        created_at: "2026-12-01T11:59:00Z".into(),
        dispatched_at: None,
        completed_at: None,
        error_message: None,
    }];
    Detail {
        loop_id: loop_id.into(),
        runs,
        run_counts,
        queue,
    }
}

pub(crate) fn log_window(lines: usize) -> LogWindow {
    let texts = [
        "[2026-12-01T11:50:00Z] run r0b7c2d9 start (profile=cc1)",
        "Reading src/auth.rs",
        "$ cargo test -q",
        "error: test auth::login_rejects_bad_password failed",
        "@@ -10,3 +10,3 @@",
        "-    if pw == \"\" {",
        "+    if pw.is_empty() {",
        "All tests pass now.",
    ];
    let mut offset = 1_073_741_000u64;
    let lines = (0..lines)
        .map(|i| {
            let text = texts[i % texts.len()].to_string();
            let line = LogLine { offset, text };
            offset += 60;
            line
        })
        .collect();
    LogWindow {
        key: "/data/logs/loops/builder.log".into(),
        lines,
        start: 1_073_741_000,
        end: offset,
        file_len: offset,
        problem: None,
    }
}

pub(crate) fn mailbox() -> Mailbox {
    Mailbox {
        root: "/home/op/src/api".into(),
        topics: vec![("editing".into(), 12), ("status".into(), 40)],
        messages: vec![
            MailItem {
                id: "20261201-115930-0001".into(),
                from: "builder".into(),
                to: "@reviewer".into(),
                time: "2026-12-01T11:59:30Z".into(),
                body: "please review the parser change".into(),
            },
            MailItem {
                id: "20261201-115500-0001".into(),
                from: "reviewer".into(),
                to: "status".into(),
                time: "2026-12-01T11:55:00Z".into(),
                body: "waiting for review requests".into(),
            },
        ],
    }
}

/// A state with the fixture data loaded, sized `w`x`h`.
pub(crate) fn loaded(w: u16, h: u16) -> State {
    let mut s = State::new(ThemeName::Default, false, fixed_now());
    update(&mut s, Action::Resize(w, h));
    update(&mut s, Action::Data(DataEvent::Snapshot(snapshot())));
    let id = s.selected.clone().unwrap();
    update(&mut s, Action::Data(DataEvent::Detail(detail(&id))));
    update(&mut s, Action::Data(DataEvent::Log(log_window(60))));
    s
}

pub(crate) fn key(s: &mut State, code: KeyCode) -> Command {
    update(s, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub(crate) fn keys(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
}

pub(crate) fn terminal(s: &State) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(s.width, s.height)).unwrap();
    t.draw(|f| forge_tui::draw::draw(s, f)).unwrap();
    t
}

/// The frame as text, one line per row, trailing spaces removed.
pub(crate) fn frame(s: &State) -> String {
    let t = terminal(s);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
