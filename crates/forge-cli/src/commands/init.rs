//! `forge init`: scaffold `.forge/` (config, prompts, templates, sequences, workflows, ledgers),
//! `PROMPT.md` and the `.fmail/` entry in `.gitignore`.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{Value, json};

use crate::context::Ctx;
use crate::error::CliError;

const FORGE_YAML: &str = "# Forge loop config\n# This file is committed with the repo.\n\ndefault_prompt: PROMPT.md\n\n# Optional ledger settings.\nledger:\n  git_status: false\n  git_diff_stat: false\n";
const PROMPT_MD: &str = "# Prompt\n\nDescribe the task you want the loop to perform.\n";
const DIRS: &[&str] = &["prompts", "templates", "sequences", "workflows", "ledgers"];

/// Arguments of `forge init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Overwrite existing scaffold files
    #[arg(short = 'f', long)]
    force: bool,
    /// Copy *.md files from DIR into .forge/prompts/
    #[arg(long, value_name = "DIR")]
    prompts_from: Option<PathBuf>,
    /// Do not create PROMPT.md
    #[arg(long)]
    no_create_prompt: bool,
}

fn io_err(path: &Path, e: std::io::Error) -> CliError {
    CliError::failed(format!("unable to write {}: {e}", path.display()))
}

/// The JSON result. As the reference lists them, the `.forge/` directories are in `created` on
/// every run (they are ensured), and `skipped` holds the files left alone.
fn json_result(repo: &Path, dirs: &[String], created: &[String], skipped: &[String]) -> Value {
    let is_dir = |p: &&String| dirs.contains(*p);
    let created: Vec<&String> = dirs
        .iter()
        .chain(created.iter().filter(|p| !is_dir(p)))
        .collect();
    let skipped: Vec<&String> = skipped.iter().filter(|p| !is_dir(p)).collect();
    json!({ "repo_path": repo, "created": created, "skipped": skipped })
}

/// Runs `forge init`.
pub(crate) fn run(ctx: &Ctx, args: InitArgs) -> Result<(), CliError> {
    ctx.note_repo_root();
    let repo = ctx.repo().to_path_buf();
    let rel = |p: &Path| p.strip_prefix(&repo).unwrap_or(p).display().to_string();
    let mut created: Vec<String> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let forge_dir = repo.join(".forge");
    let mut dirs: Vec<String> = Vec::new();
    for dir in DIRS {
        let path = forge_dir.join(dir);
        dirs.push(rel(&path));
        if path.is_dir() {
            skipped.push(rel(&path));
        } else {
            fs_err::create_dir_all(&path).map_err(|e| io_err(&path, e))?;
            created.push(rel(&path));
        }
    }
    let write_file =
        |path: PathBuf, content: &str, created: &mut Vec<String>, skipped: &mut Vec<String>| {
            if path.exists() && !args.force {
                skipped.push(rel(&path));
                return Ok::<(), CliError>(());
            }
            fs_err::write(&path, content).map_err(|e| io_err(&path, e))?;
            created.push(rel(&path));
            Ok(())
        };
    write_file(
        forge_dir.join("forge.yaml"),
        FORGE_YAML,
        &mut created,
        &mut skipped,
    )?;
    if !args.no_create_prompt {
        write_file(
            repo.join("PROMPT.md"),
            PROMPT_MD,
            &mut created,
            &mut skipped,
        )?;
    }
    // .gitignore: make sure .fmail/ is ignored.
    let gitignore = repo.join(".gitignore");
    let existing = match fs_err::read_to_string(&gitignore) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(CliError::failed(format!(
                "unable to read {}: {e}",
                gitignore.display()
            )));
        }
    };
    let has_entry = existing.as_deref().is_some_and(|t| {
        t.lines()
            .any(|l| matches!(l.trim(), ".fmail/" | ".fmail" | "/.fmail/"))
    });
    if has_entry {
        skipped.push(format!("{} (.fmail/ entry)", rel(&gitignore)));
    } else {
        let mut text = existing.unwrap_or_default();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(".fmail/\n");
        fs_err::write(&gitignore, text).map_err(|e| io_err(&gitignore, e))?;
        created.push(format!("{} (.fmail/ entry)", rel(&gitignore)));
    }
    if let Some(from) = &args.prompts_from {
        let from = ctx.absolute(from);
        let entries = fs_err::read_dir(&from).map_err(|e| {
            CliError::failed(format!(
                "unable to read --prompts-from {}: {e}",
                from.display()
            ))
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "md"))
            .collect();
        files.sort();
        for src in files {
            let Some(name) = src.file_name() else {
                continue;
            };
            let dest = forge_dir.join("prompts").join(name);
            if dest.exists() && !args.force {
                skipped.push(rel(&dest));
                continue;
            }
            fs_err::copy(&src, &dest).map_err(|e| io_err(&dest, e))?;
            created.push(rel(&dest));
        }
    }
    if ctx.printer.is_json() {
        return ctx
            .printer
            .json(&json_result(&repo, &dirs, &created, &skipped));
    }
    if ctx.printer.quiet() {
        return Ok(());
    }
    let mut out = format!("Initialized Forge scaffolding in {}\n", repo.display());
    for (title, list) in [("Created", &created), ("Skipped", &skipped)] {
        if !list.is_empty() {
            out.push_str(&format!("{title}:\n"));
            for p in list {
                out.push_str(&format!("  - {p}\n"));
            }
        }
    }
    ctx.printer.raw(&out)
}
