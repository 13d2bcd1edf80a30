//! Forge's SQLite store.
//!
//! [`Store::open`] is the one place a database is opened: it sets WAL, the busy timeout,
//! foreign keys and `synchronous=NORMAL`, then applies the embedded append-only migrations.
//! Every multi-statement write runs in `BEGIN IMMEDIATE` through [`Store::write`], which also
//! retries when SQLite reports the database busy, so many runners and CLI processes can write
//! at once without "database is locked" ever reaching a user.

mod cached;
mod decode;
mod error;
mod events;
mod hooks;
mod loop_rows;
mod loops;
mod memory;
mod migrate;
mod migrate_v5;
mod pools;
mod profiles;
mod queue;
mod rows;
mod runs;
mod runs_view;
mod stamp;
mod unusable;

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

pub use error::StoreError;
pub use events::{EventFilter, events_recorded};
pub use hooks::{Attempt, Delivery, DeliveryStatus, NewHook};
pub use loops::{LoopFilter, LoopUpdate};
pub use pools::PoolMemberView;
pub use queue::MoveTarget;
pub use runs::{RunFinish, RunUsage, UsageGroup, UsageRow, UsageTotals};
pub use runs_view::RunRecord;
pub use stamp::{ChangeStamp, ReadGate, SETTLE};

/// Result type of store operations.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Default busy timeout when the config does not set one.
pub const DEFAULT_BUSY_TIMEOUT_MS: u64 = 5000;

/// How long [`Store::write`] keeps retrying a busy database before giving up.
const WRITE_RETRY_BUDGET: Duration = Duration::from_secs(60);

/// An open Forge database.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it to the latest schema.
    pub fn open(path: &Path, busy_timeout_ms: u64) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs_err::create_dir_all(parent).map_err(StoreError::Io)?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::Open {
            path: path.display().to_string(),
            source: e,
        })?;
        Self::configure(conn, busy_timeout_ms).map_err(|e| unusable::explain(path, e))
    }

    /// Opens a private in-memory database (tests).
    pub fn open_in_memory() -> Result<Self> {
        Self::configure(Connection::open_in_memory()?, DEFAULT_BUSY_TIMEOUT_MS)
    }

    fn configure(conn: Connection, busy_timeout_ms: u64) -> Result<Self> {
        conn.busy_timeout(Duration::from_millis(busy_timeout_ms))?;
        conn.set_prepared_statement_cache_capacity(cached::STATEMENT_CACHE);
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
            retry_busy(|| {
                conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
            })?;
        }
        conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")?;
        // Short-lived CLI processes are often the last connection: without this, each one would
        // checkpoint and delete the WAL on close and the next would re-create it. Checkpoints
        // still run automatically as writers fill the WAL.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )?;
        let mut store = Store { conn };
        migrate::migrate(&mut store)?;
        Ok(store)
    }

    /// The schema version applied to this database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// The schema version of the database file at `path` as it is, read without opening a store
    /// (which would migrate it); `None` when it cannot be read.
    pub fn file_schema_version(path: &Path) -> Option<i64> {
        let conn =
            Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
        conn.query_row("PRAGMA user_version", [], |r| r.get(0)).ok()
    }

    /// The schema version this build migrates databases to.
    pub fn latest_schema_version() -> i64 {
        migrate::LATEST
    }

    /// SQLite's quick integrity check (`ok` when healthy) and the journal mode.
    pub fn health(&self) -> Result<(String, String)> {
        let check: String = self
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        Ok((check, mode))
    }

    /// The schema as `type|name|sql` lines (for snapshot tests and diagnostics).
    pub fn schema_dump(&self) -> Result<String> {
        let mut stmt = self.conn.prepare(
            "SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(format!(
                "{}|{}|{}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?
            ))
        })?;
        Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?.join("\n"))
    }

    /// Runs `f` in an immediate write transaction, retrying while the database is busy.
    pub fn write<T>(
        &mut self,
        mut f: impl FnMut(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let started = Instant::now();
        let mut backoff = Duration::from_millis(2);
        loop {
            let attempt: Result<T> = (|| {
                let tx = self
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)?;
                let value = f(&tx)?;
                tx.commit()?;
                Ok(value)
            })();
            match attempt {
                Err(e) if e.is_busy() && started.elapsed() < WRITE_RETRY_BUDGET => {
                    thread::sleep(backoff + Duration::from_micros(fastish_jitter()));
                    backoff = (backoff * 2).min(Duration::from_millis(100));
                }
                other => return other,
            }
        }
    }

    /// Gives back the memory this connection holds for speed: its page cache always and, when
    /// `statements` is set, its compiled statements (each is compiled again on next use, a few
    /// tens of microseconds). For a process that is about to wait a long time.
    pub fn release_memory(&self, statements: bool) {
        if statements {
            self.conn.flush_prepared_statement_cache();
        }
        // Best effort: a failure only means the memory stays held.
        let _ = self.conn.execute_batch("PRAGMA shrink_memory");
    }

    /// The underlying connection, for read queries.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// Retries a single statement while SQLite reports busy.
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> Result<T> {
    let started = Instant::now();
    loop {
        match f().map_err(StoreError::from) {
            Err(e) if e.is_busy() && started.elapsed() < WRITE_RETRY_BUDGET => {
                thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// A little jitter so retrying writers do not stay in lock step.
fn fastish_jitter() -> u64 {
    u64::from(std::process::id() % 997)
}

#[cfg(test)]
mod events_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod typed_state_tests;
