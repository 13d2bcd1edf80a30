//! Statement caching for the store's hot paths.
//!
//! `Connection::execute` and `Connection::query_row` compile their SQL on every call; a runner
//! runs the same few dozen statements every iteration, and compiling them was about a third of
//! its SQLite time. [`Cached`] offers the same two calls through the connection's prepared
//! statement cache (sized by [`STATEMENT_CACHE`]), so each statement is compiled once per
//! connection.

use rusqlite::{Connection, Params, Row};

/// Prepared statements kept per connection: every statement the store runs in a loop iteration
/// fits, so none is evicted and recompiled.
pub(crate) const STATEMENT_CACHE: usize = 96;

/// `execute` and `query_row` through the prepared-statement cache.
pub(crate) trait Cached {
    /// Like `Connection::execute`, with the statement compiled once.
    fn exec_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;

    /// Like `Connection::query_row`, with the statement compiled once.
    fn row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}
