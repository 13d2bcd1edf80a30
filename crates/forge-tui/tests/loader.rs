//! The data layer against a real store and log file: what the first poll reads, that an
//! unchanged store and log are not re-read, and that usage totals follow finished runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use forge_core::model::{Loop, LoopRun, LoopState, RunStatus};
use forge_store::{RunFinish, RunUsage, Store};
use forge_tui::action::DataEvent;
use forge_tui::data::{Loader, LoaderConfig, Wants};
use forge_tui::state::Scroll;
use serde_json::Map;

fn a_loop(dir: &std::path::Path, name: &str) -> Loop {
    Loop {
        id: format!("id-{name}"),
        short_id: format!("s-{name}"),
        name: name.into(),
        repo_path: dir.display().to_string(),
        base_prompt_path: None,
        base_prompt_msg: Some("x".into()),
        interval_seconds: 0,
        max_iterations: 0,
        max_runtime_seconds: 0,
        pool_id: None,
        profile_id: None,
        state: LoopState::Stopped,
        last_run_at: None,
        last_exit_code: None,
        last_error: None,
        log_path: Some(dir.join(format!("{name}.log")).display().to_string()),
        ledger_path: None,
        tags: vec![],
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
        ..Loop::default()
    }
}

fn finished_run(store: &mut Store, loop_id: &str, id: &str, cost: f64) {
    store
        .create_run(&LoopRun {
            id: id.into(),
            loop_id: loop_id.into(),
            profile_id: None,
            status: RunStatus::Running,
            prompt_source: "base".into(),
            prompt_path: None,
            prompt_override: false,
            started_at: "2026-01-01T00:00:01Z".into(),
            finished_at: None,
            exit_code: None,
            output_tail: None,
            harness_pgid: None,
            metadata: Map::new(),
        })
        .unwrap();
    let usage = RunUsage {
        input_tokens: 100,
        output_tokens: 10,
        cost_usd: Some(cost),
        ..RunUsage::default()
    };
    let finish = RunFinish {
        status: RunStatus::Success,
        exit_code: Some(0),
        output_tail: String::new(),
        metadata: Map::new(),
        outcome: Some("success".into()),
        usage: Some(usage),
        reason: None,
        events: Vec::new(),
    };
    store.finish_run(id, &finish).unwrap();
    store
        .update_loop(
            loop_id,
            &forge_store::LoopUpdate {
                last_run_at: Some("2026-01-01T00:00:02Z".into()),
                ..Default::default()
            },
        )
        .unwrap();
}

#[test]
fn polls_read_what_changed_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("forge.db");
    let mut store = Store::open(&db, 5000).unwrap();
    let a = a_loop(dir.path(), "a");
    store.insert_loop(&a).unwrap();
    finished_run(&mut store, &a.id, "r1", 0.5);
    std::fs::write(
        dir.path().join("a.log"),
        "[2026-01-01T00:00:00Z] started\nhello\n",
    )
    .unwrap();
    let mut loader = Loader::new(LoaderConfig {
        db_path: db.clone(),
        data_dir: dir.path().to_path_buf(),
        busy_timeout_ms: 5000,
        refresh_interval: Duration::ZERO,
    });
    let wants = Wants {
        selected: Some(a.id.clone()),
        log: Some(Scroll::Follow),
        ..Wants::default()
    };
    let events = loader.poll(&wants);
    let snapshots: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            DataEvent::Snapshot(s) => Some(s),
            _ => None,
        })
        .collect();
    assert!(
        snapshots[0].usage_pending,
        "the first snapshot comes before the usage sums"
    );
    let last = snapshots.last().unwrap();
    assert_eq!(last.loops[0].usage.as_ref().unwrap().cost_usd, 0.5);
    assert_eq!(last.loops[0].last_outcome.as_deref(), Some("success"));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, DataEvent::Detail(d) if d.runs.len() == 1))
    );
    let log = events
        .iter()
        .find_map(|e| match e {
            DataEvent::Log(w) => Some(w),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        log.lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>(),
        ["[2026-01-01T00:00:00Z] started", "hello"]
    );

    // Backdate the database files so their stamp is trusted, then nothing is re-read.
    for f in [db.clone(), dir.path().join("forge.db-wal")] {
        let file = std::fs::File::options().write(true).open(&f).unwrap();
        file.set_modified(std::time::SystemTime::now() - Duration::from_secs(60))
            .unwrap();
    }
    let _ = loader.poll(&wants);
    assert!(
        loader.poll(&wants).is_empty(),
        "an unchanged store and log are not re-read"
    );

    finished_run(&mut store, &a.id, "r2", 0.25);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("a.log"))
        .unwrap();
    std::io::Write::write_all(&mut f, b"more\n").unwrap();
    let events = loader.poll(&wants);
    let snap = events
        .iter()
        .rev()
        .find_map(|e| match e {
            DataEvent::Snapshot(s) => Some(s),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        snap.loops[0].usage.as_ref().unwrap().cost_usd,
        0.75,
        "usage follows finished runs"
    );
    let log = events
        .iter()
        .find_map(|e| match e {
            DataEvent::Log(w) => Some(w),
            _ => None,
        })
        .unwrap();
    assert_eq!(log.lines.last().unwrap().text, "more");
}
