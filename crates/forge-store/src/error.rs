//! Store errors.

/// Errors from the store; messages name the thing that was not found or already exists.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened.
    #[error("could not open database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    /// The database file exists but cannot be used: not a database, damaged, read-only,
    /// unreachable. `hint` says what to do next.
    #[error("database {path} {problem}")]
    Unusable {
        path: String,
        problem: String,
        hint: String,
    },
    /// A row was not found.
    #[error("{what} {name:?} not found")]
    NotFound { what: &'static str, name: String },
    /// Something looked up inside another thing is not there (the message says what and where).
    #[error("{0}")]
    Missing(String),
    /// A unique name is taken.
    #[error("{what} {name:?} already exists")]
    AlreadyExists { what: &'static str, name: String },
    /// Invalid input.
    #[error("{0}")]
    Invalid(String),
    /// The database was created by a newer Forge.
    #[error(
        "database schema version {found} is newer than this forge supports ({supported}); upgrade forge"
    )]
    TooNew { found: i64, supported: i64 },
    /// A filesystem error.
    #[error(transparent)]
    Io(std::io::Error),
    /// A stored value does not hold what it must (written by hand or by another tool).
    #[error("{what} {name:?}: stored {column} cannot be read: {detail}")]
    Corrupt {
        what: &'static str,
        id: String,
        name: String,
        column: &'static str,
        detail: String,
    },
    /// Any other SQLite error.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// A stored JSON column could not be encoded.
    #[error("could not encode JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl StoreError {
    /// Whether SQLite reported the database busy or locked.
    pub fn is_busy(&self) -> bool {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            _ => false,
        }
    }

    /// Maps a UNIQUE constraint failure to `AlreadyExists`.
    pub(crate) fn unique(self, what: &'static str, name: &str) -> Self {
        match &self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                StoreError::AlreadyExists {
                    what,
                    name: name.to_string(),
                }
            }
            _ => self,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::FromSqlConversionFailure(_, _, source)
                if source.is::<crate::decode::Undecodable>() =>
            {
                match source.downcast::<crate::decode::Undecodable>() {
                    Ok(u) => (*u).into(),
                    Err(other) => StoreError::Invalid(other.to_string()),
                }
            }
            other => StoreError::Sqlite(other),
        }
    }
}
