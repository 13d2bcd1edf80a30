//! Typed runtime state: round trips, the v4 → v5 migration of legacy metadata, and strict
//! decoding errors that name the loop.

use forge_core::ids::{new_id, new_short_id};
use forge_core::model::{ChildJob, JobKind, Loop, LoopState, RunnerOwner};
use forge_core::stop::{
    Guards, OnInvalid, QualPrompt, QualStop, QuantStop, QuantWhen, StallStop, StopConfig,
    StopState, StreamMode,
};
use rusqlite::Connection;

use crate::{LoopUpdate, Store, StoreError};

fn loop_with_rules(name: &str) -> Loop {
    Loop {
        id: new_id(),
        short_id: new_short_id(),
        name: name.into(),
        repo_path: "/repo".into(),
        interval_seconds: 30,
        state: LoopState::Stopped,
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
        stop_rules: StopConfig {
            quant: Some(QuantStop {
                cmd: "cargo test".into(),
                every_n: 3,
                when: QuantWhen::Both,
                exit_codes: vec![0, 2],
                stdout_mode: StreamMode::Nonempty,
                stdout_regex: "ok".into(),
                timeout_seconds: 60,
                ..Default::default()
            }),
            qual: Some(QualStop {
                every_n: 5,
                prompt: QualPrompt {
                    prompt: "Done?".into(),
                    is_path: false,
                },
                on_invalid: OnInvalid::Stop,
            }),
            stall: Some(StallStop { iterations: 4 }),
        },
        guards: Guards {
            run_timeout_seconds: 1800,
            idle_timeout_seconds: 300,
            max_cost_usd: 5.5,
            max_tokens: 2_000_000,
        },
        ..Loop::default()
    }
}

#[test]
fn typed_fields_round_trip_and_updates_touch_only_what_they_name() {
    let mut store = Store::open_in_memory().unwrap();
    let l = loop_with_rules("typed");
    store.insert_loop(&l).unwrap();
    assert_eq!(store.get_loop(&l.id).unwrap(), l);

    let counters = StopState {
        main_iteration_count: 2,
        stall_nudged: true,
        ..Default::default()
    };
    let job = ChildJob {
        kind: JobKind::QuantCheck,
        token: "tok".into(),
        pgid: Some(4242),
    };
    let update = LoopUpdate {
        runner_pid: Some(Some(77)),
        runner_started_at: Some(Some("2026-01-02T00:00:00Z".into())),
        iteration_count: Some(4),
        runner_owner: Some(Some(RunnerOwner::Local)),
        ..LoopUpdate::state(LoopState::Running)
    }
    .wait_until(Some("2026-01-02T01:00:00Z".into()))
    .stop_state(&counters)
    .job(Some(job.clone()));
    store.update_loop(&l.id, &update).unwrap();
    let got = store.get_loop(&l.id).unwrap();
    assert_eq!(got.pid(), Some(77));
    assert_eq!(got.iteration_count(), 4);
    assert_eq!(got.runner_owner(), Some("local"));
    assert_eq!(got.wait_until(), Some("2026-01-02T01:00:00Z"));
    assert_eq!(got.stop_state, counters);
    assert_eq!(got.job, Some(job));
    assert_eq!(got.stop_rules, l.stop_rules, "rules untouched");
    assert_eq!(got.guards, l.guards, "guards untouched");

    store
        .update_loop(&l.id, &LoopUpdate::default().job(None).wait_until(None))
        .unwrap();
    let got = store.get_loop(&l.id).unwrap();
    assert_eq!((got.job.clone(), got.wait_until()), (None, None));
}

#[test]
fn a_value_that_does_not_decode_is_an_error_naming_the_loop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forge.db");
    let mut store = Store::open(&path, 1000).unwrap();
    let l = loop_with_rules("broken");
    store.insert_loop(&l).unwrap();
    let raw = Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE loop_stop_rules SET quant_exit_codes = '0,x' WHERE loop_id = ?1",
        [&l.id],
    )
    .unwrap();
    let err = store.get_loop(&l.id).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "loop \"broken\": stored quant_exit_codes cannot be read: \"x\" is not an exit code"
    );
}

/// A v4 database with a loop whose state still lives in `metadata_json`.
fn v4_database(path: &std::path::Path, metadata: &str) -> String {
    let conn = Connection::open(path).unwrap();
    for sql in [
        include_str!("migrations/0001_loop_runtime.sql"),
        include_str!("migrations/0002_loop_run_count.sql"),
        include_str!("migrations/0003_run_usage.sql"),
        include_str!("migrations/0004_run_usage_index.sql"),
    ] {
        conn.execute_batch(sql).unwrap();
    }
    conn.execute_batch(
        "PRAGMA user_version = 4;
         INSERT INTO pools (id, name, strategy, is_default, metadata_json, created_at, updated_at)
         VALUES ('pool1', 'default', 'round_robin', 1, '{\"last_index\": 2}', 'x', 'x');",
    )
    .unwrap();
    let id = new_id();
    conn.execute(
        "INSERT INTO loops (id, short_id, name, repo_path, interval_seconds, state, metadata_json, created_at, updated_at)
         VALUES (?1, 'abc12345', 'old', '/repo', 30, 'stopped', ?2, 'x', 'x')",
        rusqlite::params![id, metadata],
    )
    .unwrap();
    id
}

#[test]
fn the_v5_migration_carries_legacy_metadata_into_typed_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forge.db");
    let meta = r#"{"pid": 99, "iteration_count": 7, "started_at": "2026-01-01T00:00:00Z", "runner_owner": "local",
        "stop_config": {"quant": {"cmd": "true", "every_n": 2, "when": "after", "decision": "continue", "exit_codes": [0], "stdout_mode": "empty"},
                        "stall": {"iterations": 3}},
        "guards": {"max_cost_usd": 5.0, "run_timeout_seconds": 600},
        "stop_state": {"main_iteration_count": 4}}"#;
    let id = v4_database(&path, meta);
    let store = Store::open(&path, 1000).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        Store::latest_schema_version()
    );
    let l = store.get_loop(&id).unwrap();
    assert_eq!(l.pid(), Some(99));
    assert_eq!(l.iteration_count(), 7);
    assert_eq!(l.runner_owner(), Some("local"));
    let quant = l.stop_rules.quant.clone().unwrap();
    assert_eq!((quant.every_n, quant.when), (2, QuantWhen::After));
    assert_eq!(quant.stdout_mode, StreamMode::Empty);
    assert!(!quant.stops());
    assert_eq!(l.stop_rules.stall, Some(StallStop { iterations: 3 }));
    assert_eq!(l.guards.max_cost_usd, 5.0);
    assert_eq!(l.guards.run_timeout_seconds, 600);
    assert_eq!(l.stop_state.main_iteration_count, 4);
    assert_eq!(l.config_error, None);
    assert_eq!(
        l.pool_id.as_deref(),
        Some("pool1"),
        "implicit default pool recorded"
    );
    assert_eq!(store.resolve_pool("default").unwrap().last_index, Some(2));
}

#[test]
fn a_corrupt_legacy_guard_is_reported_on_the_loop_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forge.db");
    let id = v4_database(&path, r#"{"guards": {"max_cost_usd": "five dollars"}}"#);
    let store = Store::open(&path, 1000).unwrap();
    let l = store.get_loop(&id).unwrap();
    let err = l.config_error.expect("config_error set");
    assert!(
        err.starts_with("loop \"old\": its stop rules or guards could not be read"),
        "{err}"
    );
    assert!(err.contains("guards:"), "{err}");
    // The raw value is still there for inspection.
    let raw = Connection::open(&path).unwrap();
    let kept: String = raw
        .query_row(
            "SELECT metadata_json FROM loops WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(kept.contains("five dollars"));
}
