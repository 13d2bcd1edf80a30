//! Names: topics, agents, tags, message targets, and random agent names for `register`.

use std::fmt;

use crate::error::{MailError, Result};

/// Most tags a message may carry.
pub const MAX_TAGS: usize = 10;
/// Longest tag, in characters.
pub const MAX_TAG_LEN: usize = 50;

/// Trims and lower-cases `raw`, then checks it against `^[a-z0-9-]+$`.
///
/// `kind` names the thing in the error (`topic`, `agent`, `tag`).
pub fn normalize_name(kind: &'static str, raw: &str) -> Result<String> {
    let name = raw.trim().to_lowercase();
    if name.len() > MAX_NAME_LEN {
        return Err(MailError::NameTooLong {
            kind,
            len: name.len(),
        });
    }
    if is_valid_name(&name) {
        Ok(name)
    } else {
        Err(MailError::InvalidName { kind, name })
    }
}

/// The longest topic or agent name: it becomes a directory and a file name (`<name>.json`).
pub(crate) const MAX_NAME_LEN: usize = 128;

/// True if `name` already matches `^[a-z0-9-]+$` (no normalisation).
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Where a message goes: a broadcast topic or one agent's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// A topic such as `task`.
    Topic(String),
    /// A direct message to the named agent (`@agent`).
    Dm(String),
}

impl Target {
    /// Parses `task` or `@agent`; names are normalised and validated.
    pub fn parse(raw: &str) -> Result<Self> {
        let trimmed = raw.trim();
        match trimmed.strip_prefix('@') {
            Some(agent) => Ok(Self::Dm(normalize_name("agent", agent)?)),
            None => Ok(Self::Topic(normalize_name("topic", trimmed)?)),
        }
    }

    /// The bare topic or agent name.
    pub fn name(&self) -> &str {
        match self {
            Self::Topic(name) | Self::Dm(name) => name,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Topic(name) => f.write_str(name),
            Self::Dm(name) => write!(f, "@{name}"),
        }
    }
}

/// Normalises tags: splits on commas, trims, lower-cases, drops empties and duplicates (keeping
/// first-seen order), then enforces the name rule, at most [`MAX_TAGS`] tags and [`MAX_TAG_LEN`]
/// characters each.
pub fn normalize_tags<S: AsRef<str>>(raw: &[S]) -> Result<Vec<String>> {
    let mut tags: Vec<String> = Vec::new();
    for piece in raw.iter().flat_map(|s| s.as_ref().split(',')) {
        let tag = piece.trim().to_lowercase();
        if tag.is_empty() || tags.contains(&tag) {
            continue;
        }
        if tag.chars().count() > MAX_TAG_LEN {
            return Err(MailError::InvalidTags(format!(
                "tag {tag:?} is longer than {MAX_TAG_LEN} characters"
            )));
        }
        if !is_valid_name(&tag) {
            return Err(MailError::InvalidName {
                kind: "tag",
                name: tag,
            });
        }
        tags.push(tag);
    }
    if tags.len() > MAX_TAGS {
        return Err(MailError::InvalidTags(format!(
            "{} tags given, at most {MAX_TAGS} allowed",
            tags.len()
        )));
    }
    Ok(tags)
}

const ADJECTIVES: &[&str] = &[
    "amber", "brisk", "calm", "clever", "cobalt", "crisp", "dapper", "eager", "fluent", "gentle",
    "golden", "hardy", "jolly", "keen", "lucid", "mellow", "nimble", "patient", "quiet", "rapid",
    "sturdy", "swift", "tidy", "vivid",
];
const GIVEN: &[&str] = &[
    "ada",
    "alan",
    "barbara",
    "claude",
    "dennis",
    "edsger",
    "frances",
    "grace",
    "hedy",
    "ivan",
    "john",
    "ken",
    "linus",
    "margaret",
    "niklaus",
    "radia",
    "robin",
    "tony",
    "ward",
    "whitfield",
];
const FAMILY: &[&str] = &[
    "allen", "backus", "conway", "dijkstra", "hamilton", "hopper", "kay", "knuth", "lamport",
    "liskov", "lovelace", "milner", "perlman", "ritchie", "shannon", "thompson", "turing", "wirth",
];

/// A random `adjective-given` name such as `swift-grace`.
pub(crate) fn random_short_name() -> String {
    format!("{}-{}", pick(ADJECTIVES), pick(GIVEN))
}

/// A random `adjective-given-family` name such as `calm-ada-lovelace`, used once short names run out.
pub(crate) fn random_long_name() -> String {
    format!("{}-{}-{}", pick(ADJECTIVES), pick(GIVEN), pick(FAMILY))
}

fn pick(words: &[&'static str]) -> &'static str {
    words
        .get(fastrand::usize(..words.len()))
        .copied()
        .unwrap_or("agent")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_lowercased_and_validated() {
        assert_eq!(normalize_name("topic", "  Build-2 ").unwrap(), "build-2");
        for bad in [
            "",
            "  ",
            "has space",
            "under_score",
            "dot.ted",
            "émoji",
            "a/b",
        ] {
            let err = normalize_name("topic", bad).unwrap_err();
            assert!(
                err.to_string().contains("invalid topic name"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn targets_distinguish_topics_from_dms() {
        assert_eq!(Target::parse("Task").unwrap(), Target::Topic("task".into()));
        assert_eq!(
            Target::parse("@Reviewer").unwrap(),
            Target::Dm("reviewer".into())
        );
        assert_eq!(Target::parse("@reviewer").unwrap().to_string(), "@reviewer");
        assert!(Target::parse("@").is_err());
        assert!(Target::parse("@@x").is_err());
    }

    #[test]
    fn tags_split_dedupe_and_enforce_limits() {
        let tags = normalize_tags(&["A,b", " a ", "", "c,,B"]).unwrap();
        assert_eq!(tags, ["a", "b", "c"]);
        let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert!(
            normalize_tags(&eleven)
                .unwrap_err()
                .to_string()
                .contains("at most 10")
        );
        let ten: Vec<String> = (0..10).map(|i| format!("t{i}")).collect();
        assert_eq!(normalize_tags(&ten).unwrap().len(), 10);
        assert!(normalize_tags(&["x".repeat(51)]).is_err());
        assert!(normalize_tags(&["x".repeat(50)]).is_ok());
        assert!(normalize_tags(&["no_underscores"]).is_err());
    }

    #[test]
    fn random_names_are_valid() {
        for _ in 0..50 {
            assert!(is_valid_name(&random_short_name()));
            assert!(is_valid_name(&random_long_name()));
        }
    }
}
