//! Strict decoding of stored values: a column that does not hold what it must is an error that
//! names the row and the column ([`StoreError::Corrupt`]), never a silent default.

use std::str::FromStr;

use rusqlite::Row;
use rusqlite::types::Type;
use serde::de::DeserializeOwned;

use crate::StoreError;

/// A stored value that cannot be read (carried through rusqlite as a conversion failure).
#[derive(Debug)]
pub(crate) struct Undecodable {
    pub(crate) what: &'static str,
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) column: &'static str,
    pub(crate) detail: String,
}

impl std::fmt::Display for Undecodable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {:?}: stored {} cannot be read: {}",
            self.what, self.name, self.column, self.detail
        )
    }
}

impl std::error::Error for Undecodable {}

impl From<Undecodable> for StoreError {
    fn from(u: Undecodable) -> Self {
        StoreError::Corrupt {
            what: u.what,
            id: u.id,
            name: u.name,
            column: u.column,
            detail: u.detail,
        }
    }
}

/// A conversion failure naming the row (`who` = id and name) and the column.
pub(crate) fn bad(
    index: usize,
    what: &'static str,
    who: (&str, &str),
    column: &'static str,
    detail: impl Into<String>,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        index,
        Type::Text,
        Box::new(Undecodable {
            what,
            id: who.0.to_string(),
            name: who.1.to_string(),
            column,
            detail: detail.into(),
        }),
    )
}

/// A required enum column.
pub(crate) fn enum_req<T: FromStr<Err = String>>(
    r: &Row<'_>,
    index: usize,
    what: &'static str,
    who: (&str, &str),
    column: &'static str,
) -> rusqlite::Result<T> {
    let text: Option<String> = r.get(index)?;
    let text = text.ok_or_else(|| bad(index, what, who, column, "it is empty"))?;
    text.parse()
        .map_err(|e: String| bad(index, what, who, column, e))
}

/// An optional enum column.
pub(crate) fn enum_opt<T: FromStr<Err = String>>(
    r: &Row<'_>,
    index: usize,
    what: &'static str,
    who: (&str, &str),
    column: &'static str,
) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = r.get(index)?;
    text.map(|t| {
        t.parse()
            .map_err(|e: String| bad(index, what, who, column, e))
    })
    .transpose()
}

/// An optional JSON column (payloads and lists).
pub(crate) fn json_opt<T: DeserializeOwned>(
    r: &Row<'_>,
    index: usize,
    what: &'static str,
    who: (&str, &str),
    column: &'static str,
) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = r.get(index)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| bad(index, what, who, column, e.to_string())))
        .transpose()
}
