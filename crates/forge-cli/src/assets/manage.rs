//! `ls`, `show`, `add`, `edit` and `rm` of `forge template` and `forge seq`, written once for
//! both kinds.

use std::path::PathBuf;

use serde_json::json;

use crate::assets::editor::edit_file;
use crate::assets::{Asset, Found, Source, builtin_yaml, check_name, find, list};
use crate::context::Ctx;
use crate::error::{CliError, ErrorKind};
use crate::table::render;

fn config_dir(ctx: &Ctx) -> PathBuf {
    ctx.settings.config_dir.value.clone()
}

/// `ls [--tags a,b]`: every visible asset (an asset matches when it has any of the tags).
pub(crate) fn ls<T: Asset>(ctx: &Ctx, tags: Option<&str>) -> Result<(), CliError> {
    let (mut found, warnings) = list::<T>(ctx.repo(), &config_dir(ctx));
    for w in &warnings {
        ctx.printer.warn(w);
    }
    let wanted: Vec<&str> = tags
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if !wanted.is_empty() {
        found.retain(|f| f.asset.tags().iter().any(|t| wanted.contains(&t.as_str())));
    }
    if ctx.printer.is_json() {
        let rows: Vec<serde_json::Value> = found.iter().map(Found::to_json).collect();
        return ctx.printer.json(&rows);
    }
    if found.is_empty() {
        return ctx.printer.line(&format!("No {}s found", T::NOUN));
    }
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|f| {
            vec![
                f.asset.name().to_string(),
                f.source.as_str().to_string(),
                f.asset.tags().join(","),
                f.asset.description().to_string(),
            ]
        })
        .collect();
    ctx.printer
        .raw(&render(&["NAME", "SOURCE", "TAGS", "DESCRIPTION"], &rows))
}

/// `show <name>`.
pub(crate) fn show<T: Asset>(ctx: &Ctx, name: &str) -> Result<(), CliError> {
    let f = find::<T>(ctx.repo(), &config_dir(ctx), name)?;
    if ctx.printer.is_json() {
        return ctx.printer.json(&f.to_json());
    }
    let a = &f.asset;
    let mut out = format!("Name: {}\nSource: {}\n", a.name(), f.source.as_str());
    if let Some(path) = &f.path {
        out.push_str(&format!("Path: {}\n", path.display()));
    }
    if !a.description().is_empty() {
        out.push_str(&format!("Description: {}\n", a.description()));
    }
    if !a.tags().is_empty() {
        out.push_str(&format!("Tags: {}\n", a.tags().join(", ")));
    }
    if !a.variables().is_empty() {
        out.push_str("Variables:\n");
        for v in a.variables() {
            let mut line = format!("  {}", v.name);
            if v.required {
                line.push_str(" (required)");
            } else if let Some(d) = &v.default {
                line.push_str(&format!(" (default: {d})"));
            }
            if !v.description.is_empty() {
                line.push_str(&format!(": {}", v.description));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push_str(&a.body());
    out.push('\n');
    ctx.printer.raw(&out)
}

/// `add <name> [--repo] [--no-edit]`: writes a skeleton to the user config dir (or the repo)
/// and opens the editor when a terminal is attached.
pub(crate) fn add<T: Asset>(
    ctx: &Ctx,
    name: &str,
    in_repo: bool,
    no_edit: bool,
) -> Result<(), CliError> {
    let name = check_name::<T>(name)?;
    let (source, dir) = if in_repo {
        (Source::Repo, ctx.repo().join(".forge").join(T::DIR))
    } else {
        (Source::User, config_dir(ctx).join(T::DIR))
    };
    let path = dir.join(format!("{name}.yaml"));
    if path.exists() || dir.join(format!("{name}.yml")).exists() {
        return Err(CliError::with_kind(
            ErrorKind::Exists,
            format!(
                "{} \"{name}\" already exists at {}",
                T::NOUN,
                path.display()
            ),
        )
        .hint(format!(
            "Change it with `forge {} edit {name}`.",
            T::COMMAND
        )));
    }
    fs_err::create_dir_all(&dir)
        .map_err(|e| CliError::failed(format!("unable to create {}: {e}", dir.display())))?;
    fs_err::write(&path, T::skeleton(&name))
        .map_err(|e| CliError::failed(format!("unable to write {}: {e}", path.display())))?;
    if !no_edit && ctx.may_prompt() {
        edit_file(ctx, &path)?;
    }
    ctx.printer.result(
        &json!({ "name": name, "source": source, "path": path }),
        &format!("Created {} \"{name}\" at {}", T::NOUN, path.display()),
    )
}

/// `edit <name>`: opens the file that `show` would read; a built-in is first copied to the
/// user config dir, where it then overrides the built-in.
pub(crate) fn edit<T: Asset>(ctx: &Ctx, name: &str) -> Result<(), CliError> {
    let f = find::<T>(ctx.repo(), &config_dir(ctx), name)?;
    let path = match f.path {
        Some(p) => p,
        None => {
            let dir = config_dir(ctx).join(T::DIR);
            let path = dir.join(format!("{}.yaml", f.asset.name()));
            let yaml = builtin_yaml::<T>(f.asset.name()).unwrap_or_default();
            fs_err::create_dir_all(&dir).map_err(|e| {
                CliError::failed(format!("unable to create {}: {e}", dir.display()))
            })?;
            fs_err::write(&path, yaml).map_err(|e| {
                CliError::failed(format!("unable to write {}: {e}", path.display()))
            })?;
            ctx.printer.warn(&format!(
                "copied the built-in {} \"{}\" to {}; the copy now overrides it",
                T::NOUN,
                f.asset.name(),
                path.display()
            ));
            path
        }
    };
    edit_file(ctx, &path)?;
    let name = f.asset.name().to_string();
    // Say so now if the edit broke the file, rather than at the next `msg`.
    let reloaded: Result<Found<T>, CliError> = find::<T>(ctx.repo(), &config_dir(ctx), &name);
    if let Err(e) = reloaded {
        ctx.printer.warn(&e.message);
    }
    ctx.printer.result(
        &json!({ "name": name, "path": path }),
        &format!("Edited {} \"{name}\" ({})", T::NOUN, path.display()),
    )
}

/// `rm <name>`: removes the repo or user file that wins the lookup; built-ins cannot be removed.
pub(crate) fn rm<T: Asset>(ctx: &Ctx, name: &str) -> Result<(), CliError> {
    let f = find::<T>(ctx.repo(), &config_dir(ctx), name)?;
    let Some(path) = f.path else {
        return Err(CliError::invalid(format!(
            "{} \"{}\" is built in and cannot be removed",
            T::NOUN,
            f.asset.name()
        ))
        .hint(format!(
            "Override it instead: `forge {} edit {}` saves a copy you can change.",
            T::COMMAND,
            f.asset.name()
        )));
    };
    fs_err::remove_file(&path)
        .map_err(|e| CliError::failed(format!("unable to remove {}: {e}", path.display())))?;
    let name = f.asset.name().to_string();
    ctx.printer.result(
        &json!({ "name": name, "removed": true, "path": path }),
        &format!("Removed {} \"{name}\" ({})", T::NOUN, path.display()),
    )
}
