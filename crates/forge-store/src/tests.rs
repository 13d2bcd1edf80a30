//! Store tests against in-memory and on-disk databases.

use forge_core::ids::{new_id, new_short_id};
use forge_core::model::{
    Loop, LoopRun, LoopState, Profile, PromptMode, QueueItemStatus, RunStatus,
};
use forge_core::queue::Payload;

use crate::{LoopFilter, LoopUpdate, MoveTarget, RunFinish, Store, StoreError};

fn sample_loop(name: &str) -> Loop {
    Loop {
        id: new_id(),
        short_id: new_short_id(),
        name: name.into(),
        repo_path: "/repo".into(),
        base_prompt_path: None,
        base_prompt_msg: None,
        interval_seconds: 30,
        max_iterations: 0,
        max_runtime_seconds: 0,
        pool_id: None,
        profile_id: None,
        state: LoopState::Stopped,
        last_run_at: None,
        last_exit_code: None,
        last_error: None,
        log_path: None,
        ledger_path: None,
        tags: vec!["a".into(), "b".into()],
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
        ..Loop::default()
    }
}

fn sample_profile(name: &str) -> Profile {
    Profile {
        id: new_id(),
        name: name.into(),
        harness: "command".into(),
        auth_kind: None,
        auth_home: None,
        prompt_mode: PromptMode::Stdin,
        command_template: "cat".into(),
        model: None,
        extra_args: vec![],
        env: Default::default(),
        max_concurrency: 1,
        cooldown_until: None,
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
    }
}

#[test]
fn schema_snapshot() {
    let store = Store::open_in_memory().unwrap();
    assert_eq!(store.schema_version().unwrap(), 6);
    insta::assert_snapshot!(store.schema_dump().unwrap());
}

#[test]
fn reopening_a_migrated_file_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/forge.db");
    Store::open(&path, 1000).unwrap();
    let store = Store::open(&path, 1000).unwrap();
    assert_eq!(store.schema_version().unwrap(), 6);
    let mode: String = store
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = store
        .conn()
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
}

#[test]
fn loops_insert_filter_update_and_unique_names() {
    let mut store = Store::open_in_memory().unwrap();
    let l = sample_loop("alpha");
    store.insert_loop(&l).unwrap();
    let dup = sample_loop("alpha");
    assert!(matches!(
        store.insert_loop(&dup),
        Err(StoreError::AlreadyExists {
            what: "loop name",
            ..
        })
    ));
    let filter = LoopFilter {
        tag: Some("b".into()),
        ..Default::default()
    };
    assert_eq!(store.list_loops(&filter).unwrap().len(), 1);
    let filter = LoopFilter {
        tag: Some("zzz".into()),
        ..Default::default()
    };
    assert!(store.list_loops(&filter).unwrap().is_empty());

    store
        .update_loop(
            &l.id,
            &LoopUpdate {
                runner_pid: Some(Some(42)),
                iteration_count: Some(3),
                ..LoopUpdate::state_with_error(LoopState::Error, "boom")
            },
        )
        .unwrap();
    store
        .update_loop(
            &l.id,
            &LoopUpdate {
                runner_pid: Some(None),
                ..LoopUpdate::default()
            },
        )
        .unwrap();
    let got = store.get_loop(&l.id).unwrap();
    assert_eq!(got.state, LoopState::Error);
    assert_eq!(got.last_error.as_deref(), Some("boom"));
    assert_eq!(got.pid(), None);
    assert_eq!(got.iteration_count(), 3);
    assert_eq!(got.tags, vec!["a", "b"]);
}

#[test]
fn queue_positions_move_and_finish() {
    let mut store = Store::open_in_memory().unwrap();
    let l = sample_loop("q");
    store.insert_loop(&l).unwrap();
    let items = store
        .enqueue(
            &l.id,
            &[
                Payload::Message { text: "one".into() },
                Payload::Stop {
                    reason: Some("operator".into()),
                },
            ],
        )
        .unwrap();
    assert_eq!(
        items.iter().map(|i| i.position).collect::<Vec<_>>(),
        vec![1, 2]
    );
    let more = store
        .enqueue(&l.id, &[Payload::Message { text: "two".into() }])
        .unwrap();
    assert_eq!(more[0].position, 3);
    store
        .move_item(&l.id, &more[0].id, MoveTarget::Front)
        .unwrap();
    let pending = store.pending_items(&l.id).unwrap();
    assert_eq!(pending[0].id, more[0].id);
    store
        .finish_items(&[items[0].id.clone()], QueueItemStatus::Completed, None)
        .unwrap();
    assert_eq!(store.pending_items(&l.id).unwrap().len(), 2);
    assert!(
        store
            .has_pending(&l.id, &[forge_core::model::QueueItemType::StopGraceful])
            .unwrap()
    );
    let err = store
        .enqueue(&l.id, &[Payload::Message { text: "  ".into() }])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid queue item at index 0: invalid message_append queue item: text is required"
    );
    assert!(matches!(
        store.enqueue("nope", &[Payload::Kill { reason: None }]),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.clear_pending(&l.id).unwrap(), 2);
}

#[test]
fn pools_default_members_cursor_and_running_counts() {
    let mut store = Store::open_in_memory().unwrap();
    let a = sample_profile("a");
    let b = sample_profile("b");
    store.insert_profile(&a).unwrap();
    store.insert_profile(&b).unwrap();
    let first = store.create_pool("first", "round_robin").unwrap();
    let second = store.create_pool("second", "round_robin").unwrap();
    assert!(first.is_default && !second.is_default);
    store.set_default_pool(&second.id).unwrap();
    assert_eq!(store.default_pool().unwrap().unwrap().name, "second");
    store.add_pool_member(&first, &b).unwrap();
    store.add_pool_member(&first, &a).unwrap();
    assert!(matches!(
        store.add_pool_member(&first, &a),
        Err(StoreError::AlreadyExists { .. })
    ));
    let members = store.list_pool_members(&first.id).unwrap();
    assert_eq!(
        members
            .iter()
            .map(|m| m.profile.name.as_str())
            .collect::<Vec<_>>(),
        vec!["b", "a"]
    );
    store.set_pool_cursor(&first.id, 1).unwrap();
    assert_eq!(store.resolve_pool("first").unwrap().last_index, Some(1));

    let l = sample_loop("r");
    store.insert_loop(&l).unwrap();
    let run = LoopRun {
        id: new_id(),
        loop_id: l.id.clone(),
        profile_id: Some(a.id.clone()),
        status: RunStatus::Running,
        prompt_source: "base".into(),
        prompt_path: None,
        prompt_override: false,
        started_at: "2026-01-01T00:00:00Z".into(),
        finished_at: None,
        exit_code: None,
        output_tail: None,
        harness_pgid: Some(1234),
        metadata: Default::default(),
    };
    store.create_run(&run).unwrap();
    assert_eq!(store.count_running_by_profile(&a.id).unwrap(), 1);
    let finish = RunFinish {
        status: RunStatus::Killed,
        exit_code: Some(-1),
        output_tail: "x".into(),
        metadata: Default::default(),
        outcome: None,
        usage: None,
        reason: None,
        events: Vec::new(),
    };
    assert!(store.finish_run(&run.id, &finish).unwrap());
    assert!(
        !store.finish_run(&run.id, &finish).unwrap(),
        "a closed run keeps its first verdict"
    );
    assert_eq!(store.count_running_by_profile(&a.id).unwrap(), 0);
    let mut second = run.clone();
    second.id = new_id();
    store.create_run(&second).unwrap();
    let usage = crate::RunUsage {
        input_tokens: 10,
        output_tokens: 5,
        cache_read_tokens: 7,
        cache_write_tokens: 3,
        cost_usd: Some(0.25),
        model: Some("m".into()),
        session_id: None,
    };
    let accounted = RunFinish {
        status: RunStatus::Success,
        exit_code: Some(0),
        output_tail: String::new(),
        metadata: Default::default(),
        outcome: Some("success".into()),
        usage: Some(usage),
        reason: None,
        events: Vec::new(),
    };
    store.finish_run(&second.id, &accounted).unwrap();
    let totals = store.usage_totals().unwrap();
    let expected = crate::UsageTotals {
        input_tokens: 10,
        output_tokens: 5,
        cache_read_tokens: 7,
        cache_write_tokens: 3,
        cost_usd: 0.25,
    };
    assert_eq!(totals[&l.id], expected);
    assert_eq!(
        store
            .count_outcomes_since(&a.id, "success", "2000-01-01T00:00:00Z")
            .unwrap(),
        1
    );
    assert_eq!(store.run_counts().unwrap()[&l.id], 2);
    store.delete_profile(&a.id).unwrap();
    assert_eq!(store.list_pool_members(&first.id).unwrap().len(), 1);
}

#[test]
fn memory_and_work_state() {
    let mut store = Store::open_in_memory().unwrap();
    let l = sample_loop("m");
    store.insert_loop(&l).unwrap();
    store.kv_set(&l.id, "goal", "ship").unwrap();
    let first = store.kv_get(&l.id, "goal").unwrap();
    store.kv_set(&l.id, "goal", "ship more").unwrap();
    let second = store.kv_get(&l.id, "goal").unwrap();
    assert_eq!(
        (first.id.as_str(), second.value.as_str()),
        (second.id.as_str(), "ship more")
    );
    assert!(store.kv_set(&l.id, "k", "").is_err());
    store.kv_delete(&l.id, "goal").unwrap();
    assert!(matches!(
        store.kv_get(&l.id, "goal"),
        Err(StoreError::NotFound { .. })
    ));

    let mut w = forge_core::model::WorkState {
        id: String::new(),
        loop_id: l.id.clone(),
        agent_id: "agent".into(),
        task_id: "t1".into(),
        status: "in_progress".into(),
        detail: None,
        loop_iteration: 1,
        is_current: true,
        created_at: String::new(),
        updated_at: String::new(),
    };
    store.work_set_current(&w).unwrap();
    w.task_id = "t2".into();
    store.work_set_current(&w).unwrap();
    assert_eq!(store.work_current(&l.id).unwrap().unwrap().task_id, "t2");
    assert_eq!(store.work_list(&l.id, 0).unwrap().len(), 2);
    store.work_clear_current(&l.id).unwrap();
    assert!(store.work_current(&l.id).unwrap().is_none());
}
