//! Turning SQLite's failures to open a database into errors that name the file and the next
//! step: a file that is not a database, a damaged database or WAL, a read-only data dir.

use std::path::Path;

use rusqlite::ErrorCode;

use crate::StoreError;

/// The SQLite error code behind a store error, if any.
fn code(e: &StoreError) -> Option<ErrorCode> {
    match e {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
        | StoreError::Open {
            source: rusqlite::Error::SqliteFailure(f, _),
            ..
        } => Some(f.code),
        _ => None,
    }
}

/// Explains an error met while opening and migrating the database at `path`.
pub(crate) fn explain(path: &Path, e: StoreError) -> StoreError {
    let shown = path.display().to_string();
    let dir = path
        .parent()
        .map_or_else(|| ".".into(), |d| d.display().to_string());
    let (problem, hint) = match code(&e) {
        Some(ErrorCode::NotADatabase) => (
            "is not a SQLite database".to_string(),
            format!(
                "Move it aside (`mv {shown} {shown}.bad`) and forge creates an empty one, or restore a backup; \
                 `forge kill --all` still ends running loops."
            ),
        ),
        Some(ErrorCode::DatabaseCorrupt) => (
            "is damaged (database disk image is malformed, or its -wal file is)".to_string(),
            format!(
                "Stop the loops (`forge kill --all`), then try `sqlite3 {shown} '.recover' | sqlite3 {shown}.new` \
                 and move the result in place, or move the file and its -wal/-shm aside to start empty."
            ),
        ),
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => (
            format!("cannot be written (is {dir} writable by you?)"),
            format!(
                "Fix the permissions (`chmod u+rwx {dir}` and `chmod u+rw {shown}*`), or point forge elsewhere \
                 with FORGE_DATA_DIR."
            ),
        ),
        _ => return e,
    };
    StoreError::Unusable {
        path: shown,
        problem,
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_error(code: std::ffi::c_int) -> StoreError {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        ))
    }

    // A read-only data dir cannot be made for root, who runs CI here, so the mapping is checked
    // on the error SQLite reports for it.
    #[test]
    fn a_read_only_data_dir_names_the_directory_and_the_fix() {
        let path = Path::new("/data/forge/forge.db");
        let StoreError::Unusable {
            path: p,
            problem,
            hint,
        } = explain(path, sqlite_error(rusqlite::ffi::SQLITE_READONLY))
        else {
            panic!("not explained");
        };
        assert_eq!(p, "/data/forge/forge.db");
        assert_eq!(
            problem,
            "cannot be written (is /data/forge writable by you?)"
        );
        assert!(hint.contains("chmod u+rwx /data/forge") && hint.contains("FORGE_DATA_DIR"));
    }

    #[test]
    fn other_errors_pass_through() {
        let e = explain(Path::new("x.db"), sqlite_error(rusqlite::ffi::SQLITE_BUSY));
        assert!(matches!(e, StoreError::Sqlite(_)), "{e:?}");
    }
}
