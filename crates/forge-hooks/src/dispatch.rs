//! The dispatcher: one per user, a worker thread per enabled hook.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use forge_core::events::{EventData, HookFailed, LoopRef};
use forge_core::hooks::Hook;
use forge_core::model::Event;
use forge_store::{Attempt, DeliveryStatus, ReadGate, Store, StoreError};

use crate::deliver::{Delivered, Outcome, deliver, event_json};
use crate::ensure::{HookPaths, set_marker};
use forge_process::lockfile::try_lock_exclusive;

/// How often a worker looks for new events (when the database changed), and how often the
/// dispatcher looks for new or removed hooks.
const POLL: Duration = Duration::from_millis(50);

/// Events read per query.
const BATCH: i64 = 200;

/// Why the dispatcher could not run.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error("hook dispatcher lock {path}: {source}")]
    Lock {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot watch for SIGTERM: {0}")]
    Signals(std::io::Error),
    #[error("cannot start a hook worker thread: {0}")]
    Thread(std::io::Error),
}

/// Runs the dispatcher until no enabled hook is left or SIGTERM/SIGINT arrives. Returns at once
/// when another dispatcher holds the lock.
pub fn run_dispatcher(paths: &HookPaths) -> Result<(), DispatchError> {
    let lock_path = paths.lock_path();
    let lock_err = |source| DispatchError::Lock {
        path: lock_path.display().to_string(),
        source,
    };
    let Some(mut lock) = try_lock_exclusive(&lock_path).map_err(lock_err)? else {
        return Ok(());
    };
    let _ = lock.set_len(0);
    let _ = writeln!(lock, "{}", std::process::id());
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop)).map_err(DispatchError::Signals)?;
    }
    let store = Store::open(&paths.db_path, paths.busy_timeout_ms)?;
    tracing::info!(pid = std::process::id(), "hook dispatcher running");
    let mut workers: HashMap<i64, JoinHandle<()>> = HashMap::new();
    let mut gate = ReadGate::default();
    while !stop.load(Ordering::Relaxed) {
        if !paths.db_path.exists() {
            // The data dir went away (a test's temporary home, a reset): nothing left to serve.
            stop.store(true, Ordering::Relaxed);
            break;
        }
        workers.retain(|_, w| !w.is_finished());
        if gate.should_read(&store, false) {
            let hooks = store.list_hooks()?;
            if !hooks.iter().any(|h| h.enabled) && workers.is_empty() {
                // Nothing to deliver: clear the marker, let go of the lock, and look once more,
                // so a hook added meanwhile is served by us or by the dispatcher its adder starts.
                let _ = set_marker(paths, false);
                drop(lock);
                if !store.any_enabled_hook()? {
                    return Ok(());
                }
                let _ = set_marker(paths, true);
                match try_lock_exclusive(&lock_path).map_err(lock_err)? {
                    Some(again) => lock = again,
                    None => return Ok(()),
                }
                continue;
            }
            for hook in hooks.into_iter().filter(|h| h.enabled) {
                if !workers.contains_key(&hook.id) {
                    let (paths, stop) = (paths.clone(), Arc::clone(&stop));
                    let id = hook.id;
                    let handle = std::thread::Builder::new()
                        .name(format!("hook-{id}"))
                        .spawn(move || {
                            if let Err(e) = worker(&paths, id, &stop) {
                                tracing::warn!(hook = id, error = %e, "hook worker stopped");
                            }
                        })
                        .map_err(DispatchError::Thread)?;
                    workers.insert(id, handle);
                }
            }
        }
        std::thread::sleep(POLL * 5);
    }
    for (_, w) in workers.drain() {
        let _ = w.join();
    }
    Ok(())
}

/// Delivers the events after one hook's cursor, in order, until the hook is removed or
/// disabled or the dispatcher stops.
fn worker(paths: &HookPaths, hook_id: i64, stop: &Arc<AtomicBool>) -> Result<(), StoreError> {
    let mut store = Store::open(&paths.db_path, paths.busy_timeout_ms)?;
    let mut gate = ReadGate::default();
    while !stop.load(Ordering::Relaxed) {
        if !gate.should_read(&store, false) {
            std::thread::sleep(POLL);
            continue;
        }
        let hook = match store.get_hook(hook_id) {
            Ok(hook) if hook.enabled => hook,
            Ok(_) | Err(StoreError::NotFound { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        let events = store.events_after(hook.cursor, BATCH)?;
        let Some(last) = events.last().map(|e| e.id) else {
            std::thread::sleep(POLL);
            continue;
        };
        let secrets = store.profile_env_values()?;
        let mut skipped_to = None;
        for event in &events {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            if hook.matches(event) {
                deliver_one(&mut store, paths, &hook, event, &secrets, stop)?;
                skipped_to = None;
            } else {
                skipped_to = Some(event.id);
            }
        }
        if let Some(id) = skipped_to.filter(|id| *id == last) {
            store.advance_hook_cursor(hook.id, id)?;
        }
    }
    Ok(())
}

/// Delivers one event and records every attempt (the final one moves the cursor).
fn deliver_one(
    store: &mut Store,
    paths: &HookPaths,
    hook: &Hook,
    event: &Event,
    secrets: &[String],
    stop: &Arc<AtomicBool>,
) -> Result<(), StoreError> {
    let json = event_json(event, secrets);
    let mut failure: Option<StoreError> = None;
    let mut record = |d: &Delivered| {
        let (status, error) = match &d.outcome {
            Outcome::Delivered => (DeliveryStatus::Ok, None),
            Outcome::Failed { error, retry: true } => (DeliveryStatus::Retry, Some(error.as_str())),
            Outcome::Failed {
                error,
                retry: false,
            } => (DeliveryStatus::Failed, Some(error.as_str())),
        };
        let attempt = Attempt {
            hook_id: hook.id,
            event_id: event.id,
            attempt: d.attempt,
            status,
            error,
            duration_ms: u64::try_from(d.duration.as_millis()).unwrap_or(u64::MAX),
        };
        let failed = (status == DeliveryStatus::Failed)
            .then(|| hook_failed(hook, event, d.attempt, error.unwrap_or("")));
        if status == DeliveryStatus::Failed {
            tracing::warn!(
                hook = hook.id,
                event = event.id,
                error = error.unwrap_or(""),
                "hook delivery failed"
            );
        }
        if let Err(e) = store.record_delivery(&attempt, failed.as_ref()) {
            failure.get_or_insert(e);
        }
    };
    deliver(hook, event, &json, &paths.data_dir, stop, &mut record);
    failure.map_or(Ok(()), Err)
}

/// The `hook.failed` event of a delivery that gave up.
fn hook_failed(hook: &Hook, event: &Event, attempts: u32, error: &str) -> EventData {
    let lref = event
        .data
        .get("loop")
        .and_then(|l| serde_json::from_value::<LoopRef>(l.clone()).ok());
    EventData::HookFailed(HookFailed {
        hook: hook.id,
        event: event.id,
        event_kind: event.kind.clone(),
        r#loop: lref,
        attempts,
        error: error.to_string(),
    })
}
