//! Resolving prompt references and reading the base prompt of an iteration.

use std::path::{Path, PathBuf};

use forge_core::model::Loop;

use crate::RunnerError;

/// Resolves a prompt reference given to `--prompt`, `--qualitative-stop-prompt` or
/// `msg --next-prompt`: the value as a path (relative to the repo), else
/// `.forge/prompts/<value>.md` / `.forge/prompts/<value>`. Returns an absolute path.
pub fn resolve_prompt_ref(repo: &Path, value: &str) -> Result<PathBuf, RunnerError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(RunnerError::Prompt("prompt reference is empty".into()));
    }
    let direct = repo.join(value);
    if direct.is_file() {
        return Ok(absolute(&direct));
    }
    let prompts = repo.join(".forge").join("prompts");
    let named = if value.ends_with(".md") {
        prompts.join(value)
    } else {
        prompts.join(format!("{value}.md"))
    };
    if named.is_file() {
        return Ok(absolute(&named));
    }
    Err(RunnerError::PromptNotFound(format!(
        "prompt not found: {value} (looked for {} and {}; pass a file path or put the prompt in .forge/prompts/<name>.md)",
        direct.display(),
        named.display()
    )))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The base prompt of a loop for this iteration, re-read every time so edits apply to the next
/// run: inline message, else the prompt file, else the repo's `default_prompt` (`PROMPT.md`
/// unless `.forge/forge.yaml` names another file), else `.forge/prompts/default.md`.
/// Returns the text and the file it came from (None for inline prompts).
pub fn read_base_prompt(
    l: &Loop,
    default_prompt: Option<&str>,
) -> Result<(String, Option<PathBuf>), RunnerError> {
    let repo = Path::new(&l.repo_path);
    if let Some(msg) = l
        .base_prompt_msg
        .as_deref()
        .filter(|m| !m.trim().is_empty())
    {
        return Ok((msg.to_string(), None));
    }
    let path = match l
        .base_prompt_path
        .as_deref()
        .filter(|p| !p.trim().is_empty())
    {
        Some(p) => repo.join(p),
        None => default_prompt_file(repo, default_prompt),
    };
    read_prompt_file(&path).map(|text| (text, Some(path)))
}

/// Reads a prompt file with an error that says what to do.
pub fn read_prompt_file(path: &Path) -> Result<String, RunnerError> {
    fs_err::read_to_string(path).map_err(|e| {
        RunnerError::Prompt(format!(
            "{e} (create it, or give the loop a prompt with `forge up --prompt` / `--prompt-msg`)"
        ))
    })
}

/// The file a loop without a prompt of its own reads: the repo's `default_prompt` (default
/// `PROMPT.md`) when it exists, else `.forge/prompts/default.md`.
pub fn default_prompt_file(repo: &Path, default_prompt: Option<&str>) -> PathBuf {
    let configured = repo.join(default_prompt.unwrap_or("PROMPT.md"));
    if configured.is_file() {
        configured
    } else {
        repo.join(".forge").join("prompts").join("default.md")
    }
}
