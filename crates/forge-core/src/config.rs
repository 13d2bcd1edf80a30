//! The schema of Forge's config files: the global `config.yaml` and a repo's
//! `.forge/forge.yaml`, parsed strictly.
//!
//! A value of the wrong type (`ledger.git_status: maybe`, `harnesses.claude.command: 5`) is an
//! error naming the key; an unknown key is a warning (a file written for another version still
//! loads); sections of the reference's config that Forge does not use are accepted silently.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::model::PromptMode;

/// Which file is read: the repo file may not move the data dir or the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Global,
    Repo,
}

/// A config file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Not YAML.
    #[error("invalid YAML: {0}")]
    Yaml(String),
    /// A key holds a value of the wrong type or an invalid value.
    #[error("{key}: {message}")]
    Value { key: String, message: String },
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected a string or a number, found {other}"
        ))),
    }
}

/// A section written with only comments under it (`global:`) reads as YAML null: empty.
fn section<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct GlobalSection {
    pub data_dir: Option<String>,
    pub config_dir: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct DatabaseSection {
    pub path: Option<String>,
    pub busy_timeout_ms: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct LoopDefaults {
    #[serde(deserialize_with = "scalar")]
    pub interval: Option<String>,
    pub prompt: Option<String>,
    pub prompt_msg: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct LedgerSection {
    pub git_status: Option<bool>,
    pub git_diff_stat: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct LoggingSection {
    pub level: Option<String>,
    pub format: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct TuiSection {
    pub theme: Option<String>,
    #[serde(deserialize_with = "scalar")]
    pub refresh_interval: Option<String>,
}

/// A config override of a harness preset.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct HarnessOverride {
    pub command: Option<String>,
    pub prompt_mode: Option<PromptMode>,
}

/// Everything a config file may set (None / empty = not set there).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct ConfigFile {
    #[serde(deserialize_with = "section")]
    pub global: GlobalSection,
    #[serde(deserialize_with = "section")]
    pub database: DatabaseSection,
    #[serde(deserialize_with = "section")]
    pub loop_defaults: LoopDefaults,
    #[serde(deserialize_with = "scalar")]
    pub default_pool: Option<String>,
    /// Repo file: the prompt file of loops without `--prompt`/`--prompt-msg` (default
    /// `PROMPT.md`).
    pub default_prompt: Option<String>,
    /// Repo file: what the ledger records besides each run.
    #[serde(deserialize_with = "section")]
    pub ledger: LedgerSection,
    #[serde(deserialize_with = "section")]
    pub logging: LoggingSection,
    #[serde(deserialize_with = "section")]
    pub harnesses: BTreeMap<String, HarnessOverride>,
    #[serde(deserialize_with = "section")]
    pub tui: TuiSection,
}

/// Known keys per section; `*` accepts any key (checked by the section's own type).
const KNOWN: &[(&str, &[&str])] = &[
    (
        "global",
        &["data_dir", "config_dir", "auto_register_local_node"],
    ),
    ("database", &["path", "busy_timeout_ms", "max_connections"]),
    ("loop_defaults", &["interval", "prompt", "prompt_msg"]),
    ("default_pool", &[]),
    ("default_prompt", &[]),
    ("ledger", &["git_status", "git_diff_stat"]),
    ("logging", &["level", "format", "file", "enable_caller"]),
    ("harnesses", &["*"]),
    ("tui", &["theme", "refresh_interval"]),
];

/// Sections of the reference's config that Forge accepts and ignores.
const IGNORED: &[&str] = &[
    "profiles",
    "pools",
    "scheduler",
    "node_defaults",
    "agent_defaults",
    "workspace_defaults",
    "event_retention",
    "mail",
    "daemon",
];

/// Sections only the global file may set.
const GLOBAL_ONLY: &[&str] = &["global", "database", "tui"];

/// Log levels and formats Forge knows.
pub const LOG_LEVELS: &[&str] = &["debug", "info", "warn", "error"];
pub const LOG_FORMATS: &[&str] = &["console", "json"];

fn unknown_keys(top: &Map<String, Value>, kind: FileKind) -> Vec<String> {
    let mut out = Vec::new();
    for (key, value) in top {
        if IGNORED.contains(&key.as_str()) && kind == FileKind::Global {
            continue;
        }
        if kind == FileKind::Repo && GLOBAL_ONLY.contains(&key.as_str()) {
            out.push(format!("{key} (only the global config may set it)"));
            continue;
        }
        let Some((_, keys)) = KNOWN.iter().find(|(k, _)| k == key) else {
            out.push(key.clone());
            continue;
        };
        if let (Value::Object(section), false) = (value, keys.contains(&"*")) {
            for sub in section.keys().filter(|k| !keys.contains(&k.as_str())) {
                out.push(format!("{key}.{sub}"));
            }
        }
        if key == "harnesses"
            && let Value::Object(map) = value
        {
            for (name, entry) in map {
                if let Value::Object(fields) = entry {
                    for f in fields
                        .keys()
                        .filter(|f| !["command", "prompt_mode"].contains(&f.as_str()))
                    {
                        out.push(format!("harnesses.{name}.{f}"));
                    }
                }
            }
        }
    }
    out
}

fn check_one_of(key: &str, value: &Option<String>, valid: &[&str]) -> Result<(), ConfigError> {
    match value {
        Some(v) if !valid.contains(&v.trim().to_lowercase().as_str()) => Err(ConfigError::Value {
            key: key.into(),
            message: format!("invalid value {v:?} (valid: {})", valid.join("|")),
        }),
        _ => Ok(()),
    }
}

impl ConfigFile {
    /// Parses one file's text; returns the values and the unknown keys (for warnings).
    pub fn parse(text: &str, kind: FileKind) -> Result<(ConfigFile, Vec<String>), ConfigError> {
        if text.trim().is_empty() {
            return Ok((ConfigFile::default(), Vec::new()));
        }
        let root: Value =
            serde_saphyr::from_str(text).map_err(|e| ConfigError::Yaml(e.to_string()))?;
        let mut top = match root {
            Value::Null => return Ok((ConfigFile::default(), Vec::new())),
            Value::Object(map) => map,
            _ => {
                return Err(ConfigError::Value {
                    key: "(top level)".into(),
                    message: "must be a mapping of keys to values".into(),
                });
            }
        };
        let unknown = unknown_keys(&top, kind);
        top.retain(|k, _| KNOWN.iter().any(|(known, _)| known == k));
        if kind == FileKind::Repo {
            top.retain(|k, _| !GLOBAL_ONLY.contains(&k.as_str()));
        }
        let file: ConfigFile =
            serde_path_to_error::deserialize(Value::Object(top)).map_err(|e| {
                ConfigError::Value {
                    key: e.path().to_string(),
                    message: e.inner().to_string(),
                }
            })?;
        check_one_of("logging.level", &file.logging.level, LOG_LEVELS)?;
        check_one_of("logging.format", &file.logging.format, LOG_FORMATS)?;
        Ok((file, unknown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_known_keys_and_lists_unknown_ones() {
        let text = "global:\n  data_dir: ~/d\n  bogus: 1\ndatabase:\n  busy_timeout_ms: 700\n\
                    loop_defaults:\n  interval: 5\ndefault_pool: p\nscheduler: {}\nextra: 1\n\
                    harnesses:\n  claude:\n    command: claude -p\n    promptmode: env\n";
        let (f, unknown) = ConfigFile::parse(text, FileKind::Global).unwrap();
        assert_eq!(f.global.data_dir.as_deref(), Some("~/d"));
        assert_eq!(f.database.busy_timeout_ms, Some(700));
        assert_eq!(f.loop_defaults.interval.as_deref(), Some("5"));
        assert_eq!(f.default_pool.as_deref(), Some("p"));
        assert_eq!(f.harnesses["claude"].command.as_deref(), Some("claude -p"));
        assert_eq!(
            unknown,
            ["global.bogus", "extra", "harnesses.claude.promptmode"]
        );
    }

    #[test]
    fn wrong_types_are_errors_naming_the_key() {
        let err = |text: &str, kind| ConfigFile::parse(text, kind).unwrap_err().to_string();
        assert_eq!(
            err("ledger:\n  git_status: maybe\n", FileKind::Repo),
            "ledger.git_status: invalid type: string \"maybe\", expected a boolean"
        );
        assert_eq!(
            err("harnesses:\n  claude:\n    command: 5\n", FileKind::Global),
            "harnesses.claude.command: invalid type: integer `5`, expected a string"
        );
        assert!(
            err(
                "harnesses:\n  pi:\n    prompt_mode: file\n",
                FileKind::Global
            )
            .starts_with("harnesses.pi.prompt_mode: unknown variant `file`")
        );
        assert_eq!(
            err("logging:\n  level: loud\n", FileKind::Global),
            "logging.level: invalid value \"loud\" (valid: debug|info|warn|error)"
        );
        assert!(err("a: [", FileKind::Global).starts_with("invalid YAML"));
        assert_eq!(
            err("- a\n", FileKind::Global),
            "(top level): must be a mapping of keys to values"
        );
    }

    #[test]
    fn the_repo_file_cannot_move_the_database() {
        let (f, unknown) = ConfigFile::parse(
            "database:\n  path: /x.db\ndefault_prompt: TASK.md\nledger:\n  git_status: true\n",
            FileKind::Repo,
        )
        .unwrap();
        assert_eq!(f.database.path, None);
        assert_eq!(f.default_prompt.as_deref(), Some("TASK.md"));
        assert_eq!(f.ledger.git_status, Some(true));
        assert_eq!(unknown, ["database (only the global config may set it)"]);
    }
}
