//! Reading one config file (`config.yaml` or a repo's `.forge/forge.yaml`) into optional values.
//!
//! Unknown keys are reported as warnings, never failures, so a config written for a newer or
//! older Forge still loads; invalid YAML and values of the wrong type are errors naming the file.

use std::path::Path;

use serde_json::Value;

use crate::error::CliError;

/// The settings one file provides (None = not set there).
#[derive(Debug, Clone, Default)]
pub(crate) struct FileValues {
    pub(crate) data_dir: Option<String>,
    pub(crate) config_dir: Option<String>,
    pub(crate) db_path: Option<String>,
    pub(crate) busy_timeout_ms: Option<u64>,
    pub(crate) interval: Option<String>,
    pub(crate) prompt: Option<String>,
    pub(crate) prompt_msg: Option<String>,
    pub(crate) default_pool: Option<String>,
    pub(crate) log_level: Option<String>,
    pub(crate) log_format: Option<String>,
    /// `tui.theme`.
    pub(crate) tui_theme: Option<String>,
    /// `tui.refresh_interval`.
    pub(crate) tui_refresh_interval: Option<String>,
    /// Preset overrides: `harnesses.<harness>.command` / `.prompt_mode`.
    pub(crate) harnesses: std::collections::BTreeMap<String, HarnessOverride>,
}

/// A config override of a harness preset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HarnessOverride {
    pub(crate) command: Option<String>,
    pub(crate) prompt_mode: Option<forge_core::model::PromptMode>,
}

/// Which file is being read: the repo file may not move the data dir or the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Global,
    Repo,
}

/// Sections of the reference's config that Forge accepts and ignores without a warning.
const IGNORED_SECTIONS: &[&str] = &[
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
const REPO_KEYS: &[&str] = &["default_prompt", "ledger"];

struct Reader<'a> {
    path: &'a Path,
    kind: FileKind,
    warnings: Vec<String>,
}

impl Reader<'_> {
    fn unknown(&mut self, key: &str) {
        self.warnings.push(format!(
            "{}: unknown config key \"{key}\" (ignored)",
            self.path.display()
        ));
    }

    fn wrong_type(&self, key: &str, expected: &str) -> CliError {
        CliError::invalid(format!(
            "invalid config {}: {key} must be {expected}",
            self.path.display()
        ))
    }

    fn string(&self, key: &str, value: &Value) -> Result<Option<String>, CliError> {
        match value {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            Value::Number(n) => Ok(Some(n.to_string())),
            Value::Bool(b) => Ok(Some(b.to_string())),
            _ => Err(self.wrong_type(key, "a string")),
        }
    }

    fn number(&self, key: &str, value: &Value) -> Result<Option<u64>, CliError> {
        match value {
            Value::Null => Ok(None),
            Value::Number(n) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.wrong_type(key, "a whole number")),
            Value::String(s) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| self.wrong_type(key, "a whole number")),
            _ => Err(self.wrong_type(key, "a whole number")),
        }
    }

    fn section<'v>(
        &mut self,
        name: &str,
        value: &'v Value,
    ) -> Result<Vec<(&'v String, &'v Value)>, CliError> {
        match value {
            Value::Null => Ok(Vec::new()),
            Value::Object(map) => Ok(map.iter().collect()),
            _ => Err(self.wrong_type(name, "a mapping")),
        }
    }

    fn read(&mut self, root: &Value) -> Result<FileValues, CliError> {
        let mut v = FileValues::default();
        let top = match root {
            Value::Null => return Ok(v),
            Value::Object(map) => map,
            _ => {
                return Err(CliError::invalid(format!(
                    "invalid config {}: the top level must be a mapping",
                    self.path.display()
                )));
            }
        };
        let global_ok = self.kind == FileKind::Global;
        for (key, value) in top {
            match key.as_str() {
                "global" if global_ok => {
                    for (k, val) in self.section("global", value)? {
                        match k.as_str() {
                            "data_dir" => v.data_dir = self.string("global.data_dir", val)?,
                            "config_dir" => v.config_dir = self.string("global.config_dir", val)?,
                            "auto_register_local_node" => {}
                            other => self.unknown(&format!("global.{other}")),
                        }
                    }
                }
                "database" if global_ok => {
                    for (k, val) in self.section("database", value)? {
                        match k.as_str() {
                            "path" => v.db_path = self.string("database.path", val)?,
                            "busy_timeout_ms" => {
                                v.busy_timeout_ms = self.number("database.busy_timeout_ms", val)?
                            }
                            "max_connections" => {}
                            other => self.unknown(&format!("database.{other}")),
                        }
                    }
                }
                "loop_defaults" => {
                    for (k, val) in self.section("loop_defaults", value)? {
                        match k.as_str() {
                            "interval" => {
                                v.interval = self.string("loop_defaults.interval", val)?
                            }
                            "prompt" => v.prompt = self.string("loop_defaults.prompt", val)?,
                            "prompt_msg" => {
                                v.prompt_msg = self.string("loop_defaults.prompt_msg", val)?
                            }
                            other => self.unknown(&format!("loop_defaults.{other}")),
                        }
                    }
                }
                "default_pool" => v.default_pool = self.string("default_pool", value)?,
                "tui" => {
                    for (k, val) in self.section("tui", value)? {
                        match k.as_str() {
                            "theme" => v.tui_theme = self.string("tui.theme", val)?,
                            "refresh_interval" => {
                                v.tui_refresh_interval = self.string("tui.refresh_interval", val)?
                            }
                            other => self.unknown(&format!("tui.{other}")),
                        }
                    }
                }
                "logging" => {
                    for (k, val) in self.section("logging", value)? {
                        match k.as_str() {
                            "level" => v.log_level = self.string("logging.level", val)?,
                            "format" => v.log_format = self.string("logging.format", val)?,
                            "file" | "enable_caller" => {}
                            other => self.unknown(&format!("logging.{other}")),
                        }
                    }
                }
                "harnesses" => {
                    for (name, val) in self.section("harnesses", value)? {
                        let Some(harness) = forge_harness::normalize_harness(name) else {
                            return Err(CliError::invalid(format!(
                                "unknown harness \"{name}\" under harnesses in {} (valid: {})",
                                self.path.display(),
                                forge_harness::HARNESS_NAMES.join(", ")
                            )));
                        };
                        let mut o = HarnessOverride::default();
                        for (k, field) in self.section(&format!("harnesses.{name}"), val)? {
                            let key = format!("harnesses.{name}.{k}");
                            match k.as_str() {
                                "command" => o.command = self.string(&key, field)?,
                                "prompt_mode" => o.prompt_mode = match self.string(&key, field)? {
                                    Some(m) => Some(m.parse().map_err(|_| {
                                        CliError::invalid(format!(
                                            "invalid {key} \"{m}\" in {} (valid: env, stdin, path)",
                                            self.path.display()
                                        ))
                                    })?),
                                    None => None,
                                },
                                _ => self.unknown(&key),
                            }
                        }
                        v.harnesses.insert(harness.to_string(), o);
                    }
                }
                k if global_ok && IGNORED_SECTIONS.contains(&k) => {}
                k if !global_ok && REPO_KEYS.contains(&k) => {}
                other => self.unknown(other),
            }
        }
        Ok(v)
    }
}

/// Parses YAML text into a JSON value, with an error naming the file and the position.
fn parse_yaml(path: &Path, text: &str) -> Result<Value, CliError> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_saphyr::from_str::<Value>(text).map_err(|e| {
        CliError::invalid(format!("invalid YAML in {}: {e}", path.display()))
            .hint("Fix the file, or move it away to use the defaults.")
    })
}

/// Loads a config file; returns its values and warnings about unknown keys.
pub(crate) fn load(path: &Path, kind: FileKind) -> Result<(FileValues, Vec<String>), CliError> {
    let text = fs_err::read_to_string(path)
        .map_err(|e| CliError::new(format!("unable to read config {}: {e}", path.display())))?;
    let root = parse_yaml(path, &text)?;
    let mut reader = Reader {
        path,
        kind,
        warnings: Vec::new(),
    };
    let values = reader.read(&root)?;
    Ok((values, reader.warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_known_keys_and_warns_on_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        fs_err::write(
            &path,
            "global:\n  data_dir: ~/d\n  bogus: 1\ndatabase:\n  busy_timeout_ms: 700\nloop_defaults:\n  interval: 5s\ndefault_pool: p\nscheduler: {}\nextra: 1\ntui:\n  theme: ocean\n  refresh_interval: 3s\n",
        )
        .unwrap();
        let (v, warnings) = load(&path, FileKind::Global).unwrap();
        assert_eq!(v.data_dir.as_deref(), Some("~/d"));
        assert_eq!(v.busy_timeout_ms, Some(700));
        assert_eq!(v.interval.as_deref(), Some("5s"));
        assert_eq!(v.default_pool.as_deref(), Some("p"));
        assert_eq!(v.tui_theme.as_deref(), Some("ocean"));
        assert_eq!(v.tui_refresh_interval.as_deref(), Some("3s"));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].ends_with("unknown config key \"global.bogus\" (ignored)"));
    }

    #[test]
    fn invalid_yaml_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        fs_err::write(&path, "global:\n  data_dir: [unclosed\n").unwrap();
        let err = load(&path, FileKind::Global).unwrap_err();
        assert!(
            err.message
                .starts_with(&format!("invalid YAML in {}", path.display())),
            "{}",
            err.message
        );
    }
}
