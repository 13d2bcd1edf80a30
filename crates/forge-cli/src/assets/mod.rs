//! Message templates and sequences: where they are looked up (`<repo>/.forge/<kind>`, then
//! `<config_dir>/<kind>`, then the built-ins), how they are loaded and listed, and how they
//! render (see [`render`]).

pub(crate) mod editor;
pub(crate) mod expand;
pub(crate) mod manage;
pub(crate) mod model;
pub(crate) mod reference;
pub(crate) mod render;

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{CliError, ErrorKind};
use model::{BUILTIN_SEQUENCES, BUILTIN_TEMPLATES, Sequence, Template, Variable};

/// Where an asset was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Source {
    Repo,
    User,
    Builtin,
}

impl Source {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Source::Repo => "repo",
            Source::User => "user",
            Source::Builtin => "builtin",
        }
    }
}

/// What templates and sequences have in common.
pub(crate) trait Asset: DeserializeOwned + Serialize + Clone {
    /// `template` or `sequence` (in messages).
    const NOUN: &'static str;
    /// The directory name under `.forge/` and the config dir.
    const DIR: &'static str;
    /// The command that manages them (`template`, `seq`).
    const COMMAND: &'static str;

    fn builtins() -> &'static [(&'static str, &'static str)];
    fn name(&self) -> &str;
    fn set_name(&mut self, name: String);
    fn tags(&self) -> &[String];
    fn description(&self) -> &str;
    fn variables(&self) -> &[Variable];
    /// Checks the content after loading (e.g. a template has a message).
    fn validate(&self) -> Result<(), String>;
    /// Keys the reference prints for this asset in JSON besides ours (none by default).
    fn reference_keys(&self, _path: Option<&Path>) -> Map<String, Value> {
        Map::new()
    }
    fn skeleton(name: &str) -> String;
    /// The kind-specific part of `show`: the message or the steps.
    fn body(&self) -> String;
}

impl Asset for Template {
    const NOUN: &'static str = "template";
    const DIR: &'static str = "templates";
    const COMMAND: &'static str = "template";
    fn builtins() -> &'static [(&'static str, &'static str)] {
        BUILTIN_TEMPLATES
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn set_name(&mut self, name: String) {
        self.name = name;
    }
    fn tags(&self) -> &[String] {
        &self.tags
    }
    fn description(&self) -> &str {
        &self.description
    }
    fn variables(&self) -> &[Variable] {
        &self.variables
    }
    fn validate(&self) -> Result<(), String> {
        if self.message.trim().is_empty() {
            return Err("it has no message".into());
        }
        Ok(())
    }
    fn skeleton(name: &str) -> String {
        model::template_skeleton(name)
    }
    fn body(&self) -> String {
        format!("Message:\n{}", self.message.trim_end())
    }
}

impl Asset for Sequence {
    const NOUN: &'static str = "sequence";
    const DIR: &'static str = "sequences";
    const COMMAND: &'static str = "seq";
    fn builtins() -> &'static [(&'static str, &'static str)] {
        BUILTIN_SEQUENCES
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn set_name(&mut self, name: String) {
        self.name = name;
    }
    fn tags(&self) -> &[String] {
        &self.tags
    }
    fn description(&self) -> &str {
        &self.description
    }
    fn variables(&self) -> &[Variable] {
        &self.variables
    }
    fn validate(&self) -> Result<(), String> {
        if self.steps.is_empty() {
            return Err("it has no steps".into());
        }
        Ok(())
    }
    fn skeleton(name: &str) -> String {
        model::sequence_skeleton(name)
    }
    fn reference_keys(&self, path: Option<&Path>) -> Map<String, Value> {
        reference::sequence_keys(self, path)
    }
    fn body(&self) -> String {
        let mut out = String::from("Steps:");
        for (i, step) in self.steps.iter().enumerate() {
            let n = i + 1;
            match step.kind.as_str() {
                "pause" => out.push_str(&format!(
                    "\n  {n}. pause {}",
                    step.duration.as_deref().unwrap_or_default()
                )),
                kind => {
                    out.push_str(&format!("\n  {n}. {kind}"));
                    for line in step.text().trim_end().lines() {
                        out.push_str(&format!("\n     {line}"));
                    }
                }
            }
        }
        out
    }
}

/// A loaded asset and where it came from.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Found<T> {
    #[serde(flatten)]
    pub(crate) asset: T,
    pub(crate) source: Source,
    /// The file (None for built-ins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<PathBuf>,
}

impl<T: Asset> Found<T> {
    /// The JSON of `ls` and `show`: ours, then the reference's keys for the same asset.
    pub(crate) fn to_json(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(fields) = &mut value {
            fields.extend(self.asset.reference_keys(self.path.as_deref()));
        }
        value
    }
}

/// The writable directories, in search order: repo, then user.
pub(crate) fn search_dirs<T: Asset>(repo: &Path, config_dir: &Path) -> [(Source, PathBuf); 2] {
    [
        (Source::Repo, repo.join(".forge").join(T::DIR)),
        (Source::User, config_dir.join(T::DIR)),
    ]
}

/// Checks a user-given asset name (it becomes a file name).
pub(crate) fn check_name<T: Asset>(name: &str) -> Result<String, CliError> {
    let name = name.trim();
    let bad = name.is_empty()
        || name.starts_with('.')
        || name.contains(['/', '\\'])
        || name.chars().any(char::is_whitespace);
    if bad {
        return Err(CliError::invalid(format!(
            "invalid {} name \"{name}\" (use letters, digits, '-' and '_')",
            T::NOUN
        )));
    }
    Ok(name.to_string())
}

fn parse<T: Asset>(text: &str, origin: &str, stem: &str) -> Result<T, CliError> {
    let mut asset: T = serde_saphyr::from_str(text).map_err(|e| {
        CliError::invalid(format!("invalid {} {origin}: {e}", T::NOUN))
            .hint("Fix the YAML, or move the file away.")
    })?;
    if asset.name().trim().is_empty() {
        asset.set_name(stem.to_string());
    }
    asset
        .validate()
        .map_err(|e| CliError::invalid(format!("invalid {} {origin}: {e}", T::NOUN)))?;
    Ok(asset)
}

fn load_file<T: Asset>(path: &Path, source: Source) -> Result<Found<T>, CliError> {
    let text = fs_err::read_to_string(path)
        .map_err(|e| CliError::failed(format!("unable to read {}: {e}", path.display())))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Found {
        asset: parse::<T>(&text, &path.display().to_string(), &stem)?,
        source,
        path: Some(path.to_path_buf()),
    })
}

/// The YAML files of a directory, sorted (a missing directory has none).
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs_err::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    files
}

fn builtin<T: Asset>(name: &str) -> Option<Result<Found<T>, CliError>> {
    T::builtins()
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, yaml)| {
            parse::<T>(yaml, &format!("built-in {n}"), n).map(|asset| Found {
                asset,
                source: Source::Builtin,
                path: None,
            })
        })
}

/// Finds an asset by name: `<dir>/<name>.yaml|.yml` (or a file whose `name:` matches) in the
/// repo dir, then the user dir, then the built-ins.
pub(crate) fn find<T: Asset>(
    repo: &Path,
    config_dir: &Path,
    name: &str,
) -> Result<Found<T>, CliError> {
    let name = name.trim();
    let dirs = search_dirs::<T>(repo, config_dir);
    for (source, dir) in &dirs {
        for ext in ["yaml", "yml"] {
            let path = dir.join(format!("{name}.{ext}"));
            if path.is_file() {
                return load_file(&path, *source);
            }
        }
        let by_field = yaml_files(dir)
            .into_iter()
            .filter_map(|p| load_file::<T>(&p, *source).ok())
            .find(|f| f.asset.name() == name);
        if let Some(found) = by_field {
            return Ok(found);
        }
    }
    if let Some(found) = builtin::<T>(name) {
        return found;
    }
    Err(CliError::with_kind(
        ErrorKind::NotFound,
        format!(
            "{} \"{name}\" not found (looked in {}, {} and the built-ins; see forge {} ls)",
            T::NOUN,
            dirs[0].1.display(),
            dirs[1].1.display(),
            T::COMMAND
        ),
    ))
}

/// Every asset visible from `repo`, one per name (repo shadows user shadows built-in), sorted
/// by name; files that fail to load are returned as warnings.
pub(crate) fn list<T: Asset>(repo: &Path, config_dir: &Path) -> (Vec<Found<T>>, Vec<String>) {
    let mut found: Vec<Found<T>> = Vec::new();
    let mut warnings = Vec::new();
    let add = |f: Found<T>, found: &mut Vec<Found<T>>| {
        if !found.iter().any(|g| g.asset.name() == f.asset.name()) {
            found.push(f);
        }
    };
    for (source, dir) in search_dirs::<T>(repo, config_dir) {
        for path in yaml_files(&dir) {
            match load_file::<T>(&path, source) {
                Ok(f) => add(f, &mut found),
                Err(e) => warnings.push(e.message),
            }
        }
    }
    for (name, _) in T::builtins() {
        if let Some(Ok(f)) = builtin::<T>(name) {
            add(f, &mut found);
        }
    }
    found.sort_by(|a, b| a.asset.name().cmp(b.asset.name()));
    (found, warnings)
}

/// The YAML text of a built-in.
pub(crate) fn builtin_yaml<T: Asset>(name: &str) -> Option<&'static str> {
    T::builtins()
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, yaml)| *yaml)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse() {
        for (name, _) in BUILTIN_TEMPLATES {
            assert!(matches!(builtin::<Template>(name), Some(Ok(_))), "{name}");
        }
        for (name, _) in BUILTIN_SEQUENCES {
            let seq = builtin::<Sequence>(name).unwrap().unwrap();
            assert!(
                seq.asset
                    .steps
                    .iter()
                    .all(|s| s.kind == "message" || s.kind == "pause")
            );
        }
    }
}
