use super::*;

fn lp() -> LoopRef {
    LoopRef {
        id: "L1".into(),
        short_id: "ab12".into(),
        name: "demo".into(),
        repo: "/r".into(),
    }
}

fn profile() -> ProfileRef {
    ProfileRef {
        id: "P1".into(),
        name: "cc".into(),
    }
}

fn pool() -> PoolChanged {
    PoolChanged {
        pool: PoolRef {
            id: "Q1".into(),
            name: "default".into(),
        },
        profile: None,
    }
}

fn item() -> QueueItemEvent {
    QueueItemEvent {
        r#loop: lp(),
        item: "I1".into(),
        r#type: QueueItemType::MessageAppend,
        preview: Some("hi".into()),
        note: None,
    }
}

/// One event of every kind, in [`KINDS`] order.
fn samples() -> Vec<EventData> {
    let only = || LoopOnly { r#loop: lp() };
    let changed = || ProfileChanged {
        profile: profile(),
        harness: None,
    };
    vec![
        EventData::LoopCreated(only()),
        EventData::LoopStarted(LoopStarted {
            r#loop: lp(),
            runner_pid: 7,
        }),
        EventData::LoopState(LoopStateChanged {
            r#loop: lp(),
            from: LoopState::Running,
            to: LoopState::Sleeping,
            reason: None,
        }),
        EventData::LoopWaiting(LoopWaiting {
            r#loop: lp(),
            until: "t".into(),
            reason: "r".into(),
        }),
        EventData::LoopStalled(LoopStalled {
            r#loop: lp(),
            unchanged_iterations: 2,
            action: StallAction::Nudged,
        }),
        EventData::LoopFailover(LoopFailover {
            r#loop: lp(),
            from_profile: "a".into(),
            to_profile: "b".into(),
            after: "rate_limited".into(),
        }),
        EventData::LoopStopped(LoopStopped {
            r#loop: lp(),
            cause: StopCause::Operator,
            reason: "r".into(),
            iterations: 1,
        }),
        EventData::LoopErrored(LoopErrored {
            r#loop: lp(),
            reason: "r".into(),
        }),
        EventData::LoopRemoved(only()),
        EventData::RunStarted(RunStarted {
            r#loop: lp(),
            run: "R1".into(),
            profile: "cc".into(),
            harness: "claude".into(),
            kind: RunKind::Main,
        }),
        EventData::RunFinished(RunFinished {
            r#loop: lp(),
            run: "R1".into(),
            profile: None,
            status: RunStatus::Success,
            outcome: None,
            exit_code: Some(0),
            duration_seconds: 1,
            tokens: None,
            cost_usd: None,
            model: None,
            reason: None,
        }),
        EventData::RunRateLimited(RunRateLimited {
            r#loop: lp(),
            run: "R1".into(),
            profile: None,
            resets_at: None,
            window: None,
        }),
        EventData::JudgeVerdict(JudgeVerdict {
            r#loop: lp(),
            verdict: VerdictKind::Stop,
            stops: true,
        }),
        EventData::QueueEnqueued(item()),
        EventData::QueueConsumed(item()),
        EventData::QueueSkipped(item()),
        EventData::QueueRemoved(item()),
        EventData::QueueCleared(QueueCleared {
            r#loop: lp(),
            cleared: 2,
        }),
        EventData::ProfileCreated(changed()),
        EventData::ProfileUpdated(changed()),
        EventData::ProfileRemoved(changed()),
        EventData::ProfileCooldown(ProfileCooldown {
            profile: profile(),
            until: "t".into(),
            reason: "rate_limited".into(),
        }),
        EventData::ProfileCooldownCleared(ProfileCooldownCleared {
            profile: profile(),
            reason: "operator".into(),
        }),
        EventData::PoolCreated(pool()),
        EventData::PoolDefaultSet(pool()),
        EventData::PoolRemoved(pool()),
        EventData::PoolMemberAdded(pool()),
        EventData::PoolMemberRemoved(pool()),
        EventData::HookFailed(HookFailed {
            hook: 3,
            event: 9,
            event_kind: "loop.stopped".into(),
            r#loop: Some(lp()),
            attempts: 4,
            error: "HTTP 500".into(),
        }),
    ]
}

#[test]
fn every_kind_is_listed_serialized_by_its_name_and_round_trips() {
    let samples = samples();
    let kinds: Vec<&str> = samples.iter().map(EventData::kind).collect();
    assert_eq!(kinds, KINDS);
    for event in samples {
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["kind"], event.kind());
        assert_eq!(json["data"], event.payload());
        let back: EventData = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }
}

#[test]
fn events_name_their_entity_and_loop_payloads_carry_the_loop() {
    let stopped = &samples()[6];
    assert_eq!(stopped.entity(), ("loop", "L1".to_string()));
    assert_eq!(
        stopped.payload(),
        serde_json::json!({
            "loop": {"id": "L1", "short_id": "ab12", "name": "demo", "repo": "/r"},
            "cause": "operator", "reason": "r", "iterations": 1
        })
    );
    let failed = samples().pop().unwrap();
    assert_eq!(failed.entity(), ("hook", "3".to_string()));
    assert_eq!(samples()[21].entity(), ("profile", "P1".to_string()));
}

#[test]
fn kind_lists_accept_kinds_families_and_star_and_name_what_is_unknown() {
    let p = parse_kinds("loop.stopped, run.*").unwrap();
    assert!(any_matches(&p, "loop.stopped"));
    assert!(any_matches(&p, "run.rate_limited"));
    assert!(!any_matches(&p, "loop.started"));
    assert!(!any_matches(&p, "runner.x"));
    assert!(any_matches(&parse_kinds("*").unwrap(), "hook.failed"));
    let err = parse_kinds("loop.stoped").unwrap_err();
    assert!(
        err.starts_with("unknown event kind \"loop.stoped\" (kinds: loop.created,"),
        "{err}"
    );
    assert!(parse_kinds("nope.*").is_err());
    assert!(parse_kinds(" , ").is_err());
    assert_eq!(p[1].text(), "run.*");
}

#[test]
fn the_cursor_hands_out_consecutive_ids_and_waits_a_bounded_time_at_a_hole() {
    let mut c = FollowCursor::new(10);
    assert_eq!(c.advance(&[11, 12, 14, 15], 0), 2);
    assert_eq!(c.after(), 12);
    // 13 is missing: wait for it...
    assert_eq!(c.advance(&[14, 15], 100), 0);
    assert_eq!(c.advance(&[13, 14, 15], 500), 3);
    assert_eq!(c.after(), 15);
    // ...but not for ever.
    assert_eq!(c.advance(&[17], 1_000), 0);
    assert_eq!(c.advance(&[17], 1_000 + GAP_WAIT_MS - 1), 0);
    assert_eq!(c.advance(&[17, 18], 1_000 + GAP_WAIT_MS), 2);
    assert_eq!(c.after(), 18);
}

#[test]
fn previews_are_flat_and_cut_on_a_character() {
    assert_eq!(preview("a\n  b", 10), "a b");
    assert_eq!(preview("héllo wörld", 4), "héll…");
}
