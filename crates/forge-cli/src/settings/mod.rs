//! Resolved settings: flags > `FORGE_*` environment > repo `.forge/forge.yaml` > global
//! `config.yaml` > defaults, each value remembering where it came from (`forge config show`).

mod file;
pub(crate) mod template;

use std::fmt;
use std::path::{Path, PathBuf};

use file::{FileKind, FileValues};

use crate::error::CliError;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    Default,
    File(PathBuf),
    Env(&'static str),
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Flag(name) => write!(f, "flag {name}"),
        }
    }
}

/// A value and its source.
#[derive(Debug, Clone)]
pub(crate) struct Setting<T> {
    pub(crate) value: T,
    pub(crate) source: Source,
}

impl<T> Setting<T> {
    fn new(value: T) -> Self {
        Setting {
            value,
            source: Source::Default,
        }
    }

    fn set(&mut self, value: Option<T>, source: Source) {
        if let Some(v) = value {
            self.value = v;
            self.source = source;
        }
    }
}

/// The inputs settings are resolved from (besides files).
pub(crate) struct Inputs<'a> {
    /// `--config FILE`.
    pub(crate) config_flag: Option<PathBuf>,
    /// Whether a missing `--config` file is acceptable (`forge config init`).
    pub(crate) allow_missing_config: bool,
    /// Whether an unreadable config file is only a warning (`forge config path` / `init`,
    /// which must work to fix it).
    pub(crate) tolerate_invalid_config: bool,
    pub(crate) log_level_flag: Option<String>,
    pub(crate) log_format_flag: Option<String>,
    /// The working directory after `-C`.
    pub(crate) cwd: PathBuf,
    /// Environment lookup (empty values count as unset).
    pub(crate) env: &'a dyn Fn(&str) -> Option<String>,
}

/// Every resolved setting.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The global config file that was loaded, if any.
    pub(crate) config_file: Option<PathBuf>,
    /// Where `config path` / `config init` point: `--config`, the loaded file, or the default.
    pub(crate) config_target: PathBuf,
    /// `--config` as given (passed on to spawned runners).
    pub(crate) config_flag: Option<PathBuf>,
    /// The repo config that was loaded, if any.
    pub(crate) repo_config: Option<PathBuf>,
    /// Working directory.
    pub(crate) cwd: PathBuf,
    /// The repository `cwd` is in: the nearest ancestor with `.git` or `.forge/`, else `cwd`.
    /// New loops, `.forge/` and the repo config live here.
    pub(crate) repo_root: PathBuf,
    pub(crate) data_dir: Setting<PathBuf>,
    pub(crate) config_dir: Setting<PathBuf>,
    pub(crate) db_path: Setting<PathBuf>,
    pub(crate) busy_timeout_ms: Setting<u64>,
    pub(crate) interval: Setting<String>,
    pub(crate) prompt: Setting<Option<String>>,
    pub(crate) prompt_msg: Setting<Option<String>>,
    pub(crate) default_pool: Setting<Option<String>>,
    /// The repo's `default_prompt` (the prompt file of loops without one; `PROMPT.md`).
    pub(crate) default_prompt: Option<String>,
    pub(crate) log_level: Setting<String>,
    pub(crate) log_format: Setting<String>,
    /// The dashboard's theme name (checked when the dashboard starts).
    pub(crate) tui_theme: Setting<String>,
    /// The most often the dashboard re-reads a store that keeps changing (a duration).
    pub(crate) tui_refresh_interval: Setting<String>,
    /// Harness preset overrides from the config files (the repo's win).
    pub(crate) harnesses: std::collections::BTreeMap<String, file::HarnessOverride>,
    /// Warnings found while loading (unknown keys).
    pub(crate) warnings: Vec<String>,
}

/// The repository a directory is in: the nearest ancestor (itself included) holding `.git` (a
/// directory, or the file of a worktree) or a `.forge/` directory; `dir` itself when none does.
pub(crate) fn repo_root(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|d| d.join(".git").exists() || d.join(".forge").is_dir())
        .unwrap_or(dir)
        .to_path_buf()
}

/// Expands a leading `~` and makes the path absolute against `cwd`.
fn expand(path: &str, home: Option<&Path>, cwd: &Path) -> PathBuf {
    let expanded = match (path, home) {
        ("~", Some(h)) => h.to_path_buf(),
        (p, Some(h)) if p.starts_with("~/") => h.join(&p[2..]),
        (p, _) => PathBuf::from(p),
    };
    if expanded.is_absolute() {
        expanded
    } else {
        cwd.join(expanded)
    }
}

impl Settings {
    /// Resolves settings from files, environment and flags.
    pub(crate) fn resolve(inputs: &Inputs<'_>) -> Result<Settings, CliError> {
        let env = |name: &str| (inputs.env)(name).filter(|v| !v.is_empty());
        let home = env("HOME").map(PathBuf::from);
        let cwd = inputs.cwd.clone();
        let xdg_config = env("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute());
        let xdg_data = env("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute());
        let home_or_cwd = home.clone().unwrap_or_else(|| cwd.clone());

        let default_config_dir = xdg_config
            .clone()
            .unwrap_or_else(|| home_or_cwd.join(".config"))
            .join("forge");
        let default_data_dir = xdg_data
            .unwrap_or_else(|| home_or_cwd.join(".local").join("share"))
            .join("forge");

        let mut warnings = Vec::new();
        // The global config file.
        let (config_file, config_target) = match &inputs.config_flag {
            Some(flag) => {
                let path = expand(&flag.to_string_lossy(), home.as_deref(), &cwd);
                if path.is_file() {
                    (Some(path.clone()), path)
                } else if inputs.allow_missing_config {
                    (None, path)
                } else {
                    return Err(CliError::not_found(format!(
                        "config file not found: {}",
                        path.display()
                    ))
                    .hint(
                        "Create it with `forge config init --config <file>`, or drop --config.",
                    ));
                }
            }
            None => {
                let mut candidates = Vec::new();
                if let Some(x) = &xdg_config {
                    candidates.push(x.join("forge").join("config.yaml"));
                }
                if let Some(h) = &home {
                    candidates.push(h.join(".config").join("forge").join("config.yaml"));
                }
                let found = candidates.iter().find(|p| p.is_file()).cloned();
                let target = found
                    .clone()
                    .unwrap_or_else(|| default_config_dir.join("config.yaml"));
                (found, target)
            }
        };
        let mut load = |path: &Path, kind: FileKind| match file::load(path, kind) {
            Ok((values, w)) => {
                warnings.extend(w);
                Ok(values)
            }
            Err(e) if inputs.tolerate_invalid_config => {
                warnings.push(format!("{} (ignored by this command)", e.message));
                Ok(FileValues::default())
            }
            Err(e) => Err(e),
        };
        let global = match &config_file {
            Some(path) => load(path, FileKind::Global)?,
            None => FileValues::default(),
        };
        let repo_root = repo_root(&cwd);
        let repo_path = repo_root.join(".forge").join("forge.yaml");
        let (repo_config, repo) = if repo_path.is_file() {
            let values = load(&repo_path, FileKind::Repo)?;
            (Some(repo_path), values)
        } else {
            (None, FileValues::default())
        };
        let default_prompt = repo.default_prompt.clone().filter(|p| !p.trim().is_empty());

        let mut s = Settings {
            config_file: config_file.clone(),
            config_target,
            config_flag: inputs.config_flag.clone(),
            repo_config: repo_config.clone(),
            cwd: cwd.clone(),
            repo_root,
            data_dir: Setting::new(default_data_dir),
            config_dir: Setting::new(default_config_dir),
            db_path: Setting::new(PathBuf::new()),
            busy_timeout_ms: Setting::new(forge_store::DEFAULT_BUSY_TIMEOUT_MS),
            interval: Setting::new("30s".to_string()),
            prompt: Setting::new(None),
            prompt_msg: Setting::new(None),
            default_pool: Setting::new(None),
            default_prompt,
            log_level: Setting::new("info".to_string()),
            log_format: Setting::new("console".to_string()),
            tui_theme: Setting::new("default".to_string()),
            tui_refresh_interval: Setting::new("1s".to_string()),
            harnesses: Default::default(),
            warnings,
        };
        let path_of = |v: Option<String>| v.map(|p| expand(&p, home.as_deref(), &cwd));
        let mut db_set = false;
        let layers: [(FileValues, Option<Source>); 2] = [
            (global, config_file.map(Source::File)),
            (repo, repo_config.map(Source::File)),
        ];
        for (values, source) in layers {
            let Some(source) = source else { continue };
            s.data_dir.set(path_of(values.data_dir), source.clone());
            s.config_dir.set(path_of(values.config_dir), source.clone());
            db_set |= values.db_path.is_some();
            s.db_path.set(path_of(values.db_path), source.clone());
            s.busy_timeout_ms
                .set(values.busy_timeout_ms, source.clone());
            s.interval.set(values.interval, source.clone());
            s.prompt.set(values.prompt.map(Some), source.clone());
            s.prompt_msg
                .set(values.prompt_msg.map(Some), source.clone());
            s.default_pool
                .set(values.default_pool.map(Some), source.clone());
            s.log_level.set(values.log_level, source.clone());
            s.log_format.set(values.log_format, source.clone());
            s.tui_theme.set(values.tui_theme, source.clone());
            s.tui_refresh_interval
                .set(values.tui_refresh_interval, source);
            s.harnesses.extend(values.harnesses);
        }

        // Environment.
        for name in ["FORGE_DATA_DIR", "FORGE_GLOBAL_DATA_DIR"] {
            s.data_dir.set(path_of(env(name)), Source::Env(name));
        }
        s.config_dir.set(
            path_of(env("FORGE_GLOBAL_CONFIG_DIR")),
            Source::Env("FORGE_GLOBAL_CONFIG_DIR"),
        );
        for name in ["FORGE_DB_PATH", "FORGE_DATABASE_PATH"] {
            if let Some(p) = path_of(env(name)) {
                db_set = true;
                s.db_path.set(Some(p), Source::Env(name));
            }
        }
        if let Some(ms) = env("FORGE_DATABASE_BUSY_TIMEOUT_MS") {
            let ms = ms.trim().parse::<u64>().map_err(|_| {
                CliError::invalid(format!("invalid FORGE_DATABASE_BUSY_TIMEOUT_MS {ms:?}: must be a whole number of milliseconds"))
            })?;
            s.busy_timeout_ms
                .set(Some(ms), Source::Env("FORGE_DATABASE_BUSY_TIMEOUT_MS"));
        }
        s.interval.set(
            env("FORGE_LOOP_DEFAULTS_INTERVAL"),
            Source::Env("FORGE_LOOP_DEFAULTS_INTERVAL"),
        );
        s.prompt.set(
            env("FORGE_LOOP_DEFAULTS_PROMPT").map(Some),
            Source::Env("FORGE_LOOP_DEFAULTS_PROMPT"),
        );
        s.prompt_msg.set(
            env("FORGE_LOOP_DEFAULTS_PROMPT_MSG").map(Some),
            Source::Env("FORGE_LOOP_DEFAULTS_PROMPT_MSG"),
        );
        s.default_pool.set(
            env("FORGE_DEFAULT_POOL").map(Some),
            Source::Env("FORGE_DEFAULT_POOL"),
        );
        s.log_level.set(
            env("FORGE_LOGGING_LEVEL"),
            Source::Env("FORGE_LOGGING_LEVEL"),
        );
        s.log_format.set(
            env("FORGE_LOGGING_FORMAT"),
            Source::Env("FORGE_LOGGING_FORMAT"),
        );

        s.tui_theme
            .set(env("FORGE_TUI_THEME"), Source::Env("FORGE_TUI_THEME"));
        s.tui_refresh_interval.set(
            env("FORGE_TUI_REFRESH_INTERVAL"),
            Source::Env("FORGE_TUI_REFRESH_INTERVAL"),
        );

        // Flags.
        s.log_level
            .set(inputs.log_level_flag.clone(), Source::Flag("--log-level"));
        s.log_format
            .set(inputs.log_format_flag.clone(), Source::Flag("--log-format"));

        if !db_set {
            s.db_path = Setting {
                value: s.data_dir.value.join("forge.db"),
                source: Source::Default,
            };
        }
        Ok(s)
    }

    /// Every setting as `(key, value, source)` rows, for `forge config show`.
    pub(crate) fn rows(&self) -> Vec<(&'static str, String, String)> {
        let path = |s: &Setting<PathBuf>| (s.value.display().to_string(), s.source.to_string());
        let opt = |s: &Setting<Option<String>>| {
            (s.value.clone().unwrap_or_default(), s.source.to_string())
        };
        let rows = [
            ("global.data_dir", path(&self.data_dir)),
            ("global.config_dir", path(&self.config_dir)),
            ("database.path", path(&self.db_path)),
            (
                "database.busy_timeout_ms",
                (
                    self.busy_timeout_ms.value.to_string(),
                    self.busy_timeout_ms.source.to_string(),
                ),
            ),
            (
                "loop_defaults.interval",
                (
                    self.interval.value.clone(),
                    self.interval.source.to_string(),
                ),
            ),
            ("loop_defaults.prompt", opt(&self.prompt)),
            ("loop_defaults.prompt_msg", opt(&self.prompt_msg)),
            ("default_pool", opt(&self.default_pool)),
            (
                "logging.level",
                (
                    self.log_level.value.clone(),
                    self.log_level.source.to_string(),
                ),
            ),
            (
                "logging.format",
                (
                    self.log_format.value.clone(),
                    self.log_format.source.to_string(),
                ),
            ),
            (
                "tui.theme",
                (
                    self.tui_theme.value.clone(),
                    self.tui_theme.source.to_string(),
                ),
            ),
            (
                "tui.refresh_interval",
                (
                    self.tui_refresh_interval.value.clone(),
                    self.tui_refresh_interval.source.to_string(),
                ),
            ),
        ];
        rows.into_iter().map(|(k, (v, s))| (k, v, s)).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn resolve(
        vars: &[(&str, &str)],
        cwd: &Path,
        config: Option<PathBuf>,
    ) -> Result<Settings, CliError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |k: &str| map.get(k).cloned();
        Settings::resolve(&Inputs {
            config_flag: config,
            allow_missing_config: false,
            tolerate_invalid_config: false,
            log_level_flag: None,
            log_format_flag: Some("json".into()),
            cwd: cwd.to_path_buf(),
            env: &env,
        })
    }

    #[test]
    fn precedence_flag_env_repo_file_default() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let repo = dir.path().join("repo");
        fs_err::create_dir_all(home.join(".config/forge")).unwrap();
        fs_err::create_dir_all(repo.join(".forge")).unwrap();
        let global = home.join(".config/forge/config.yaml");
        fs_err::write(&global, "global:\n  data_dir: ~/data\nloop_defaults:\n  interval: 10s\n  prompt: g.md\ndefault_pool: fromfile\nlogging:\n  level: warn\n").unwrap();
        fs_err::write(
            repo.join(".forge/forge.yaml"),
            "default_prompt: PROMPT.md\nloop_defaults:\n  interval: 20s\n",
        )
        .unwrap();
        let s = resolve(
            &[
                ("HOME", home.to_str().unwrap()),
                ("FORGE_DEFAULT_POOL", "fromenv"),
                ("FORGE_LOGGING_LEVEL", ""),
            ],
            &repo,
            None,
        )
        .unwrap();
        assert_eq!(s.data_dir.value, home.join("data"));
        assert_eq!(s.data_dir.source, Source::File(global.clone()));
        assert_eq!(s.db_path.value, home.join("data/forge.db"));
        assert_eq!(s.interval.value, "20s");
        assert_eq!(
            s.interval.source,
            Source::File(repo.join(".forge/forge.yaml"))
        );
        assert_eq!(s.prompt.value.as_deref(), Some("g.md"));
        assert_eq!(s.default_pool.value.as_deref(), Some("fromenv"));
        assert_eq!(s.default_pool.source.to_string(), "env FORGE_DEFAULT_POOL");
        assert_eq!(s.log_level.value, "warn");
        assert_eq!(s.log_format.source.to_string(), "flag --log-format");
        assert_eq!(s.busy_timeout_ms.value, 5000);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn missing_explicit_config_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = resolve(&[], dir.path(), Some(dir.path().join("nope.yaml"))).unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "config file not found: {}",
                dir.path().join("nope.yaml").display()
            )
        );
    }
}
