//! Reading one config file (`config.yaml` or a repo's `.forge/forge.yaml`) into optional values,
//! through the strict schema of `forge_core::config`.
//!
//! Unknown keys are warnings, never failures, so a config written for a newer or older Forge
//! still loads; invalid YAML and values of the wrong type are errors naming the file and key.

use std::path::Path;

use forge_core::config::{ConfigError, ConfigFile};
pub(crate) use forge_core::config::{FileKind, HarnessOverride};

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
    pub(crate) default_prompt: Option<String>,
    pub(crate) log_level: Option<String>,
    pub(crate) log_format: Option<String>,
    /// `tui.theme`.
    pub(crate) tui_theme: Option<String>,
    /// `tui.refresh_interval`.
    pub(crate) tui_refresh_interval: Option<String>,
    /// Preset overrides: `harnesses.<harness>.command` / `.prompt_mode`.
    pub(crate) harnesses: std::collections::BTreeMap<String, HarnessOverride>,
}

fn from_file(file: ConfigFile, path: &Path) -> Result<FileValues, CliError> {
    let mut harnesses = std::collections::BTreeMap::new();
    for (name, o) in file.harnesses {
        let Some(harness) = forge_harness::normalize_harness(&name) else {
            return Err(CliError::invalid(format!(
                "unknown harness \"{name}\" under harnesses in {} (valid: {})",
                path.display(),
                forge_harness::HARNESS_NAMES.join(", ")
            )));
        };
        harnesses.insert(harness.to_string(), o);
    }
    Ok(FileValues {
        data_dir: file.global.data_dir,
        config_dir: file.global.config_dir,
        db_path: file.database.path,
        busy_timeout_ms: file.database.busy_timeout_ms,
        interval: file.loop_defaults.interval,
        prompt: file.loop_defaults.prompt,
        prompt_msg: file.loop_defaults.prompt_msg,
        default_pool: file.default_pool,
        default_prompt: file.default_prompt,
        log_level: file.logging.level,
        log_format: file.logging.format,
        tui_theme: file.tui.theme,
        tui_refresh_interval: file.tui.refresh_interval,
        harnesses,
    })
}

/// Parses a config file's text; returns its values and warnings about unknown keys.
pub(crate) fn parse(
    path: &Path,
    text: &str,
    kind: FileKind,
) -> Result<(FileValues, Vec<String>), CliError> {
    let (file, unknown) = ConfigFile::parse(text, kind).map_err(|e| {
        let what = match &e {
            ConfigError::Yaml(_) => format!("invalid YAML in {}: {e}", path.display()),
            ConfigError::Value { .. } => format!("invalid config {}: {e}", path.display()),
        };
        CliError::invalid(what)
            .hint("Fix the file, or move it away to use the defaults.")
            .source(e)
    })?;
    let warnings = unknown
        .into_iter()
        .map(|k| format!("{}: unknown config key \"{k}\" (ignored)", path.display()))
        .collect();
    Ok((from_file(file, path)?, warnings))
}

/// Loads a config file; returns its values and warnings about unknown keys.
pub(crate) fn load(path: &Path, kind: FileKind) -> Result<(FileValues, Vec<String>), CliError> {
    let text = fs_err::read_to_string(path).map_err(|e| {
        CliError::failed(format!("unable to read config {}: {e}", path.display())).source(e)
    })?;
    parse(path, &text, kind)
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
            "global:\n  data_dir: ~/d\n  bogus: 1\ndatabase:\n  busy_timeout_ms: 700\nloop_defaults:\n  interval: 5s\ndefault_pool: p\nscheduler: {}\nextra: 1\n",
        )
        .unwrap();
        let (v, warnings) = load(&path, FileKind::Global).unwrap();
        assert_eq!(v.data_dir.as_deref(), Some("~/d"));
        assert_eq!(v.busy_timeout_ms, Some(700));
        assert_eq!(v.interval.as_deref(), Some("5s"));
        assert_eq!(v.default_pool.as_deref(), Some("p"));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].ends_with("unknown config key \"global.bogus\" (ignored)"));
    }

    #[test]
    fn invalid_yaml_and_wrong_types_name_the_file_and_key() {
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
        fs_err::write(&path, "harnesses:\n  claude:\n    command: 5\n").unwrap();
        let err = load(&path, FileKind::Global).unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "invalid config {}: harnesses.claude.command: invalid type: integer `5`, expected a string",
                path.display()
            )
        );
    }
}
