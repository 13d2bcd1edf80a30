//! Identifiers: UUID v4 primary keys and 8-character loop short ids.

/// Alphabet of loop short ids.
const SHORT_ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A new lowercase hyphenated UUID v4.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A new random 8-character short id from `[a-z0-9]`.
pub fn new_short_id() -> String {
    (0..8)
        .map(|_| char::from(SHORT_ID_ALPHABET[fastrand::usize(..SHORT_ID_ALPHABET.len())]))
        .collect()
}

/// Whether `text` is a valid short id (6-9 ASCII alphanumerics).
pub fn is_valid_short_id(text: &str) -> bool {
    (6..=9).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_are_valid() {
        for _ in 0..100 {
            let id = new_short_id();
            assert!(is_valid_short_id(&id), "{id}");
            assert_eq!(id, id.to_lowercase());
        }
        assert_eq!(new_id().len(), 36);
    }
}
