//! Embedded, append-only migrations tracked in `PRAGMA user_version`.

use crate::{Result, Store, StoreError};

/// A Rust step run after a migration's SQL, in the same transaction.
type Step = fn(&rusqlite::Transaction<'_>) -> Result<()>;

/// The migrations, in order; index + 1 is the version.
const MIGRATIONS: &[(&str, &str, Option<Step>)] = &[
    (
        "loop runtime",
        include_str!("migrations/0001_loop_runtime.sql"),
        None,
    ),
    (
        "loop run count",
        include_str!("migrations/0002_loop_run_count.sql"),
        None,
    ),
    (
        "run usage",
        include_str!("migrations/0003_run_usage.sql"),
        None,
    ),
    (
        "run usage index",
        include_str!("migrations/0004_run_usage_index.sql"),
        None,
    ),
    (
        "typed runtime state",
        include_str!("migrations/0005_typed_runtime_state.sql"),
        Some(crate::migrate_v5::copy_metadata),
    ),
    (
        "events and hooks",
        include_str!("migrations/0006_events_and_hooks.sql"),
        None,
    ),
];

/// The latest schema version this build knows.
pub(crate) const LATEST: i64 = MIGRATIONS.len() as i64;

pub(crate) fn migrate(store: &mut Store) -> Result<()> {
    let current: i64 = store
        .conn()
        .query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current == LATEST {
        return Ok(());
    }
    if current > LATEST {
        return Err(StoreError::TooNew {
            found: current,
            supported: LATEST,
        });
    }
    store.write(|tx| {
        // Re-read inside the write lock: another process may have migrated meanwhile.
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (index, (_name, sql, step)) in
            MIGRATIONS.iter().enumerate().skip(version.max(0) as usize)
        {
            tx.execute_batch(sql)?;
            if let Some(step) = step {
                step(tx)?;
            }
            tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
        }
        Ok(())
    })
}
