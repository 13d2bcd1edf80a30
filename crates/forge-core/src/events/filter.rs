//! Choosing events: kind patterns (`run.finished`, `loop.*`, `*`) for `forge events --kind` and
//! hooks, and the follower's cursor that never skips an id that may still commit.

use super::KINDS;

/// Families of kinds a pattern may name (`agent` and `merge` are reserved for agents and the
/// merge queue, so hooks for them can be set up before those exist).
pub const FAMILIES: &[&str] = &[
    "loop", "run", "judge", "queue", "profile", "pool", "hook", "agent", "merge",
];

/// One entry of a `--kind`/`--on` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindPattern {
    /// `*`: every kind.
    Any,
    /// `loop.*`: every kind of a family.
    Family(String),
    /// One kind.
    Exact(String),
}

impl KindPattern {
    /// Whether `kind` matches.
    pub fn matches(&self, kind: &str) -> bool {
        match self {
            KindPattern::Any => true,
            KindPattern::Family(family) => kind
                .strip_prefix(family.as_str())
                .is_some_and(|rest| rest.starts_with('.')),
            KindPattern::Exact(exact) => exact == kind,
        }
    }

    /// The pattern as written (`*`, `loop.*`, `run.finished`).
    pub fn text(&self) -> String {
        match self {
            KindPattern::Any => "*".into(),
            KindPattern::Family(f) => format!("{f}.*"),
            KindPattern::Exact(k) => k.clone(),
        }
    }
}

/// Parses a comma-separated list of kinds and patterns, naming the first unknown one.
pub fn parse_kinds(text: &str) -> Result<Vec<KindPattern>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let pattern = match part {
            "*" | "all" => KindPattern::Any,
            _ => match part.strip_suffix(".*") {
                Some(family) if FAMILIES.contains(&family) => KindPattern::Family(family.into()),
                None if KINDS.contains(&part) => KindPattern::Exact(part.into()),
                _ => {
                    return Err(format!(
                        "unknown event kind {part:?} (kinds: {}; or a family such as loop.*, or *)",
                        KINDS.join(", ")
                    ));
                }
            },
        };
        out.push(pattern);
    }
    if out.is_empty() {
        return Err(
            "no event kind given (for example loop.stopped,run.rate_limited or loop.*)".into(),
        );
    }
    Ok(out)
}

/// Whether any pattern matches `kind` (an empty list matches everything).
pub fn any_matches(patterns: &[KindPattern], kind: &str) -> bool {
    patterns.is_empty() || patterns.iter().any(|p| p.matches(kind))
}

/// How long a follower waits for a missing id before it moves past it, in milliseconds.
pub const GAP_WAIT_MS: u64 = 2_000;

/// The position of a follower in the event log.
///
/// Event ids are SQLite AUTOINCREMENT rowids allocated under the database's single write lock,
/// so they become visible in order and without holes (a rolled back id is reused). The cursor
/// still checks: it hands out ids only while they are consecutive, and at a hole it waits up to
/// [`GAP_WAIT_MS`] for the missing id before moving past it (a row deleted by hand).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowCursor {
    after: i64,
    gap_seen_at_ms: Option<u64>,
}

impl FollowCursor {
    /// A cursor after event `after` (0: from the start).
    pub fn new(after: i64) -> Self {
        FollowCursor {
            after,
            gap_seen_at_ms: None,
        }
    }

    /// The last id handed out.
    pub fn after(&self) -> i64 {
        self.after
    }

    /// Given the ids read after [`FollowCursor::after`] (ascending, all greater), how many of them to hand
    /// out now; the cursor moves past them. `now_ms` is a monotonic clock.
    pub fn advance(&mut self, ids: &[i64], now_ms: u64) -> usize {
        let mut taken = 0;
        for &id in ids {
            if id != self.after + 1 {
                let since = *self.gap_seen_at_ms.get_or_insert(now_ms);
                if now_ms.saturating_sub(since) < GAP_WAIT_MS {
                    break;
                }
            }
            self.gap_seen_at_ms = None;
            self.after = id;
            taken += 1;
        }
        taken
    }
}
