//! The event log: typed events with loop references, redaction, filters, id order under
//! concurrent writers, and the hook delivery record.

use std::time::Duration;

use forge_core::events::{EventData, HookFailed, parse_kinds};
use forge_core::hooks::{HookAction, HookScope};
use forge_core::ids::{new_id, new_short_id};
use forge_core::model::{Loop, LoopState, Profile, PromptMode};
use forge_core::queue::Payload;
use serde_json::json;

use crate::{Attempt, DeliveryStatus, EventFilter, LoopUpdate, NewHook, Store, StoreError};

fn a_loop(name: &str) -> Loop {
    Loop {
        id: new_id(),
        short_id: new_short_id(),
        name: name.into(),
        repo_path: "/repo".into(),
        interval_seconds: 30,
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
        ..Loop::default()
    }
}

fn kinds(store: &Store) -> Vec<String> {
    let all = store.list_events(&EventFilter::default()).unwrap();
    all.into_iter().map(|e| e.kind).collect()
}

#[test]
fn changes_record_typed_events_that_name_the_loop_and_state_changes_only_when_they_change() {
    let mut store = Store::open_in_memory().unwrap();
    let l = a_loop("demo");
    store.insert_loop(&l).unwrap();
    store
        .update_loop(&l.id, &LoopUpdate::state(LoopState::Running))
        .unwrap();
    store
        .update_loop(&l.id, &LoopUpdate::state(LoopState::Running))
        .unwrap();
    store
        .update_loop(
            &l.id,
            &LoopUpdate::state_with_error(LoopState::Stopped, "done"),
        )
        .unwrap();
    store
        .enqueue(
            &l.id,
            &[Payload::Message {
                text: "hello\nthere".into(),
            }],
        )
        .unwrap();
    assert_eq!(
        kinds(&store),
        ["loop.created", "loop.state", "loop.state", "queue.enqueued"]
    );
    let events = store.list_events(&EventFilter::default()).unwrap();
    let lref = json!({"id": l.id, "short_id": l.short_id, "name": "demo", "repo": "/repo"});
    assert_eq!(events[0].data, json!({ "loop": lref }));
    assert_eq!(events[0].entity_type, "loop");
    assert_eq!(events[0].entity_id, l.id);
    assert_eq!(
        events[2].data,
        json!({"loop": lref, "from": "running", "to": "stopped", "reason": "done"})
    );
    assert_eq!(events[3].data["preview"], "hello there");
    assert_eq!(events[3].data["type"], "message_append");
    store.delete_loop(&l.id).unwrap();
    let removed = store
        .list_events(&EventFilter::default())
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (removed.kind.as_str(), &removed.data),
        ("loop.removed", &json!({ "loop": lref }))
    );
}

#[test]
fn payloads_are_redacted_of_secret_shapes_and_every_profile_env_value() {
    let mut store = Store::open_in_memory().unwrap();
    let now = "2026-01-01T00:00:00Z".to_string();
    let profile = Profile {
        id: new_id(),
        name: "cc".into(),
        harness: "claude".into(),
        auth_kind: None,
        auth_home: None,
        prompt_mode: PromptMode::Stdin,
        command_template: "claude".into(),
        model: None,
        extra_args: vec![],
        env: [("MY_TOKEN_VAR".to_string(), "s3cr3t-value-123".to_string())]
            .into_iter()
            .collect(),
        max_concurrency: 1,
        cooldown_until: None,
        created_at: now.clone(),
        updated_at: now,
    };
    store.insert_profile(&profile).unwrap();
    let l = a_loop("demo");
    store.insert_loop(&l).unwrap();
    store
        .update_loop(
            &l.id,
            &LoopUpdate::state_with_error(
                LoopState::Error,
                "auth: s3cr3t-value-123 and sk-ant-api03-abcdefghijklmnopqrstuv",
            ),
        )
        .unwrap();
    let last = store
        .list_events(&EventFilter::default())
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(last.data["reason"], "auth: [REDACTED] and [REDACTED]");
    assert_eq!(store.profile_env_values().unwrap(), ["s3cr3t-value-123"]);
}

#[test]
fn filters_select_kinds_families_loops_ranges_and_the_newest() {
    let mut store = Store::open_in_memory().unwrap();
    let (a, b) = (a_loop("a"), a_loop("b"));
    store.insert_loop(&a).unwrap();
    store.insert_loop(&b).unwrap();
    for l in [&a, &b] {
        store
            .update_loop(&l.id, &LoopUpdate::state(LoopState::Running))
            .unwrap();
        store
            .enqueue(&l.id, &[Payload::Message { text: "m".into() }])
            .unwrap();
    }
    let ids = |f: EventFilter| -> Vec<i64> {
        store
            .list_events(&f)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect()
    };
    assert_eq!(ids(EventFilter::default()), [1, 2, 3, 4, 5, 6]);
    let loop_kinds = EventFilter {
        kinds: parse_kinds("loop.*").unwrap(),
        ..Default::default()
    };
    assert_eq!(ids(loop_kinds), [1, 2, 3, 5]);
    let exact = EventFilter {
        kinds: parse_kinds("queue.enqueued,loop.created").unwrap(),
        ..Default::default()
    };
    assert_eq!(ids(exact), [1, 2, 4, 6]);
    assert_eq!(
        ids(EventFilter {
            loop_id: Some(b.id.clone()),
            ..Default::default()
        }),
        [2, 5, 6]
    );
    assert_eq!(
        ids(EventFilter {
            after: Some(4),
            ..Default::default()
        }),
        [5, 6]
    );
    assert_eq!(
        ids(EventFilter {
            limit: Some(2),
            newest: true,
            ..Default::default()
        }),
        [5, 6]
    );
    assert_eq!(
        ids(EventFilter {
            limit: Some(2),
            ..Default::default()
        }),
        [1, 2]
    );
    assert_eq!(
        ids(EventFilter {
            since: Some("2999-01-01T00:00:00Z".into()),
            ..Default::default()
        }),
        Vec::<i64>::new()
    );
    assert_eq!(store.events_after(4, 1).unwrap()[0].id, 5);
    assert_eq!(store.last_event_id().unwrap(), 6);
}

#[test]
fn an_event_id_never_becomes_visible_before_a_smaller_one() {
    // Ids are allocated under SQLite's one write lock: while a writer holds an uncommitted
    // event, no other writer can allocate the next id, and readers see neither.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forge.db");
    let mut holder = Store::open(&path, 5000).unwrap();
    let l = a_loop("demo");
    holder.insert_loop(&l).unwrap();
    let reader = Store::open(&path, 5000).unwrap();
    holder.conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    holder
        .conn
        .execute("INSERT INTO events (created_at, kind, entity_type, entity_id) VALUES ('t', 'loop.state', 'loop', 'x')", [])
        .unwrap();
    let held_id = holder.conn.last_insert_rowid();
    let other = std::thread::spawn(move || {
        let mut writer = Store::open(&path, 5000).unwrap();
        writer
            .enqueue(&l.id, &[Payload::Message { text: "m".into() }])
            .unwrap();
        writer.last_event_id().unwrap()
    });
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        reader.last_event_id().unwrap(),
        held_id - 1,
        "nothing past the open transaction is visible"
    );
    holder.conn.execute_batch("COMMIT").unwrap();
    let later = other.join().unwrap();
    assert_eq!(later, held_id + 1);
    let ids: Vec<i64> = reader
        .events_after(0, 100)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, (1..=later).collect::<Vec<_>>());
}

#[test]
fn hooks_start_at_the_newest_event_and_final_deliveries_move_them_on() {
    let mut store = Store::open_in_memory().unwrap();
    let l = a_loop("demo");
    store.insert_loop(&l).unwrap();
    let hook = store
        .insert_hook(&NewHook {
            on: "loop.*,run.finished".into(),
            scope: HookScope::Repo {
                repo: "/repo".into(),
            },
            action: HookAction::Webhook {
                url: "http://127.0.0.1:1/x".into(),
                headers: vec![("X-A".into(), "b".into())],
            },
            timeout_ms: 10_000,
            enabled: true,
        })
        .unwrap();
    assert_eq!(
        (hook.id, hook.cursor, hook.on_text()),
        (1, 1, "loop.*,run.finished".to_string())
    );
    assert!(store.any_enabled_hook().unwrap());
    store
        .update_loop(&l.id, &LoopUpdate::state(LoopState::Running))
        .unwrap();
    let attempt = |n: u32, status| Attempt {
        hook_id: 1,
        event_id: 2,
        attempt: n,
        status,
        error: Some("HTTP 500"),
        duration_ms: 3,
    };
    store
        .record_delivery(&attempt(1, DeliveryStatus::Retry), None)
        .unwrap();
    assert_eq!(
        store.get_hook(1).unwrap().cursor,
        1,
        "a retry does not move the cursor"
    );
    let failed = EventData::HookFailed(HookFailed {
        hook: 1,
        event: 2,
        event_kind: "loop.state".into(),
        r#loop: None,
        attempts: 2,
        error: "HTTP 500".into(),
    });
    store
        .record_delivery(&attempt(2, DeliveryStatus::Failed), Some(&failed))
        .unwrap();
    assert_eq!(store.get_hook(1).unwrap().cursor, 2);
    assert_eq!(kinds(&store).last().unwrap(), "hook.failed");
    let log: Vec<(i64, String)> = store
        .deliveries(1, 10)
        .unwrap()
        .into_iter()
        .map(|d| (d.attempt, d.status))
        .collect();
    assert_eq!(log, [(1, "retry".to_string()), (2, "failed".to_string())]);
    store
        .conn
        .execute("UPDATE hooks SET kinds = 'bogus'", [])
        .unwrap();
    match store.list_hooks() {
        Err(StoreError::Corrupt {
            what: "hook",
            column: "kinds",
            ..
        }) => {}
        other => panic!("expected a corrupt hook, got {other:?}"),
    }
    store.delete_hook(1).unwrap();
    assert!(matches!(
        store.delete_hook(1),
        Err(StoreError::NotFound { what: "hook", .. })
    ));
}

#[test]
fn an_event_whose_payload_is_not_json_is_an_error_naming_it() {
    let store = Store::open_in_memory().unwrap();
    store
        .conn()
        .execute(
            "INSERT INTO events (created_at, kind, entity_type, entity_id, data_json)
             VALUES ('2026-01-01T00:00:00Z', 'loop.started', 'loop', 'x', '{broken')",
            [],
        )
        .unwrap();
    let err = store.list_events(&EventFilter::default()).unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::Corrupt { what: "event", id, column: "data_json", .. } if id == "1"
        ),
        "{err:?}"
    );
}
