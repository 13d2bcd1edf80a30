//! The file operations behind `forge prompt`.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::assets::editor::edit_file;
use crate::context::Ctx;
use crate::error::{CliError, ErrorKind};
use crate::table::render;

fn prompts_dir(ctx: &Ctx) -> PathBuf {
    ctx.repo().join(".forge").join("prompts")
}

/// The repo-relative form of a path for messages.
fn rel(ctx: &Ctx, path: &Path) -> String {
    path.strip_prefix(ctx.repo())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// `<name>` or `<name>.md` → (name, path); names are file names, not paths.
fn prompt_path(ctx: &Ctx, name: &str) -> Result<(String, PathBuf), CliError> {
    let name = name.trim();
    let name = name.strip_suffix(".md").unwrap_or(name);
    if name.is_empty() || name.starts_with('.') || name.contains(['/', '\\']) {
        return Err(CliError::invalid(format!(
            "invalid prompt name \"{name}\" (a file name in .forge/prompts/, without .md)"
        )));
    }
    Ok((
        name.to_string(),
        prompts_dir(ctx).join(format!("{name}.md")),
    ))
}

fn existing(ctx: &Ctx, name: &str) -> Result<(String, PathBuf), CliError> {
    let (name, path) = prompt_path(ctx, name)?;
    if !path.is_file() {
        return Err(CliError::with_kind(
            ErrorKind::NotFound,
            format!("prompt \"{name}\" not found in .forge/prompts/"),
        )
        .hint("List prompts with `forge prompt ls`, or add one with `forge prompt add <name> <file>`."));
    }
    Ok((name, path))
}

fn copy(from: &Path, to: &Path) -> Result<(), CliError> {
    if let Some(dir) = to.parent() {
        fs_err::create_dir_all(dir)
            .map_err(|e| CliError::failed(format!("unable to create {}: {e}", dir.display())))?;
    }
    fs_err::copy(from, to).map_err(|e| {
        CliError::failed(format!(
            "unable to copy {} to {}: {e}",
            from.display(),
            to.display()
        ))
    })?;
    Ok(())
}

/// `prompt ls`.
pub(super) fn ls(ctx: &Ctx) -> Result<(), CliError> {
    let mut names: Vec<(String, PathBuf)> = match fs_err::read_dir(prompts_dir(ctx)) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "md"))
            .filter_map(|p| {
                let stem = p.file_stem()?.to_string_lossy().into_owned();
                Some((stem, p))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    if ctx.printer.is_json() {
        // The reference prints the names only (each file is `.forge/prompts/<name>.md`).
        let rows: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
        return ctx.printer.json(&rows);
    }
    if names.is_empty() {
        return ctx.printer.line("No prompts found in .forge/prompts/");
    }
    let rows: Vec<Vec<String>> = names
        .iter()
        .map(|(n, p)| vec![n.clone(), rel(ctx, p)])
        .collect();
    ctx.printer.raw(&render(&["NAME", "PATH"], &rows))
}

/// `prompt show <name>`: the file as is.
pub(super) fn show(ctx: &Ctx, name: &str) -> Result<(), CliError> {
    let (name, path) = existing(ctx, name)?;
    let content = fs_err::read_to_string(&path)
        .map_err(|e| CliError::failed(format!("unable to read {}: {e}", path.display())))?;
    if ctx.printer.is_json() {
        return ctx
            .printer
            .json(&json!({ "name": name, "path": path, "content": content }));
    }
    ctx.printer.raw(&content)
}

/// `prompt add <name> <file> [--force]`.
pub(super) fn add(ctx: &Ctx, name: &str, from: &Path, force: bool) -> Result<(), CliError> {
    let (name, path) = prompt_path(ctx, name)?;
    let from = ctx.absolute(from);
    if !from.is_file() {
        return Err(CliError::with_kind(
            ErrorKind::NotFound,
            format!("file not found: {}", from.display()),
        ));
    }
    if path.exists() && !force {
        return Err(CliError::with_kind(
            ErrorKind::Exists,
            format!("prompt \"{name}\" already exists ({})", rel(ctx, &path)),
        )
        .hint("Pass --force to replace it."));
    }
    copy(&from, &path)?;
    ctx.printer.result(
        &json!({ "name": name, "prompt": name, "path": path }),
        &format!("Added prompt \"{name}\" ({})", rel(ctx, &path)),
    )
}

/// `prompt edit <name>`: a missing prompt is created by the editor.
pub(super) fn edit(ctx: &Ctx, name: &str) -> Result<(), CliError> {
    let (name, path) = prompt_path(ctx, name)?;
    let dir = prompts_dir(ctx);
    fs_err::create_dir_all(&dir)
        .map_err(|e| CliError::failed(format!("unable to create {}: {e}", dir.display())))?;
    edit_file(ctx, &path)?;
    ctx.printer.result(
        &json!({ "name": name, "path": path }),
        &format!("Edited prompt \"{name}\" ({})", rel(ctx, &path)),
    )
}

/// `prompt rm <name>`.
pub(super) fn rm(ctx: &Ctx, name: &str) -> Result<(), CliError> {
    let (name, path) = existing(ctx, name)?;
    fs_err::remove_file(&path)
        .map_err(|e| CliError::failed(format!("unable to remove {}: {e}", path.display())))?;
    ctx.printer.result(
        &json!({ "name": name, "removed": true }),
        &format!("Removed prompt \"{name}\" ({})", rel(ctx, &path)),
    )
}

/// `prompt set-default <name>`: copies it over `.forge/prompts/default.md`.
pub(super) fn set_default(ctx: &Ctx, name: &str) -> Result<(), CliError> {
    let (name, path) = existing(ctx, name)?;
    let target = prompts_dir(ctx).join("default.md");
    if path != target {
        copy(&path, &target)?;
    }
    ctx.printer.result(
        &json!({ "name": name, "default_prompt": name, "path": target }),
        &format!(
            "Default prompt set to \"{name}\" (copied to {})",
            rel(ctx, &target)
        ),
    )
}
