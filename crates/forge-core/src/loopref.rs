//! Resolving a loop reference typed by a user: short id, full id, name, or a unique prefix of
//! a short or full id (names are never prefix-matched).

use crate::model::Loop;

/// Why a reference did not resolve to exactly one loop.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoopRefError {
    /// The reference was blank.
    #[error("loop name or ID required")]
    Empty,
    /// Several loops match the prefix.
    #[error("loop '{reference}' is ambiguous; matches: {matches} (use a longer prefix or full ID)")]
    Ambiguous { reference: String, matches: String },
    /// Nothing matches and no loops exist.
    #[error("loop '{0}' not found (no loops registered yet)")]
    NoLoops(String),
    /// Nothing matches.
    #[error("loop '{reference}' not found. Example input: '{example_name}' or '{example_short}'")]
    NotFound {
        reference: String,
        example_name: String,
        example_short: String,
    },
}

fn short_label(l: &Loop) -> String {
    if l.short_id.is_empty() {
        l.id.chars().take(8).collect()
    } else {
        l.short_id.clone()
    }
}

/// Finds the loop `reference` names among `candidates`.
pub fn match_loop_ref<'a>(
    candidates: &'a [Loop],
    reference: &str,
) -> Result<&'a Loop, LoopRefError> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(LoopRefError::Empty);
    }
    let lower = reference.to_lowercase();
    if let Some(l) = candidates
        .iter()
        .find(|l| l.short_id.to_lowercase() == lower)
    {
        return Ok(l);
    }
    if let Some(l) = candidates.iter().find(|l| l.id == reference) {
        return Ok(l);
    }
    if let Some(l) = candidates.iter().find(|l| l.name == reference) {
        return Ok(l);
    }
    let mut hits: Vec<&Loop> = candidates
        .iter()
        .filter(|l| l.short_id.to_lowercase().starts_with(&lower) || l.id.starts_with(reference))
        .collect();
    hits.dedup_by(|a, b| a.id == b.id);
    match hits.len() {
        1 => Ok(hits[0]),
        0 if candidates.is_empty() => Err(LoopRefError::NoLoops(reference.to_string())),
        0 => {
            let first = &candidates[0];
            Err(LoopRefError::NotFound {
                reference: reference.to_string(),
                example_name: first.name.clone(),
                example_short: short_label(first),
            })
        }
        _ => {
            hits.sort_by(|a, b| {
                a.name
                    .to_lowercase()
                    .cmp(&b.name.to_lowercase())
                    .then(a.short_id.cmp(&b.short_id))
            });
            let matches = hits
                .iter()
                .map(|l| format!("{} ({})", l.name, short_label(l)))
                .collect::<Vec<_>>()
                .join(", ");
            Err(LoopRefError::Ambiguous {
                reference: reference.to_string(),
                matches,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LoopState;

    fn lp(id: &str, short: &str, name: &str) -> Loop {
        Loop {
            id: id.into(),
            short_id: short.into(),
            name: name.into(),
            repo_path: "/r".into(),
            interval_seconds: 30,
            state: LoopState::Stopped,
            ..Loop::default()
        }
    }

    #[test]
    fn resolution_order_and_errors() {
        let loops = vec![
            lp("aaaa-1", "ab12cd34", "alpha"),
            lp("bbbb-2", "ab99zz00", "beta"),
        ];
        assert_eq!(match_loop_ref(&loops, "AB12CD34").unwrap().name, "alpha");
        assert_eq!(match_loop_ref(&loops, "bbbb-2").unwrap().name, "beta");
        assert_eq!(match_loop_ref(&loops, "beta").unwrap().name, "beta");
        assert_eq!(match_loop_ref(&loops, "ab9").unwrap().name, "beta");
        assert_eq!(match_loop_ref(&loops, "bbbb").unwrap().name, "beta");
        assert_eq!(
            match_loop_ref(&loops, "ab").unwrap_err().to_string(),
            "loop 'ab' is ambiguous; matches: alpha (ab12cd34), beta (ab99zz00) (use a longer prefix or full ID)"
        );
        assert_eq!(
            match_loop_ref(&loops, "alp").unwrap_err().to_string(),
            "loop 'alp' not found. Example input: 'alpha' or 'ab12cd34'"
        );
        assert_eq!(
            match_loop_ref(&[], "x").unwrap_err().to_string(),
            "loop 'x' not found (no loops registered yet)"
        );
        assert_eq!(
            match_loop_ref(&loops, " ").unwrap_err(),
            LoopRefError::Empty
        );
    }
}
