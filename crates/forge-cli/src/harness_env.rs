//! What a loop's harness would find: programs resolved in exactly the shell and environment the
//! runner gives a harness (`forge_process::HarnessShell`: `bash -lc`, the caller's `PATH` kept
//! after the login profile, the running `forge` and `fmail` first, the profile's environment and
//! auth home). `profile doctor`, `doctor` and `profile init` use it, so they report `[OK]` only
//! when a loop started from this shell would really find the program.

use std::path::Path;

use forge_core::model::Profile;
use forge_harness::{CommandInput, build_command};
use forge_process::{Deadline, HarnessShell};

use crate::context::Ctx;

/// Prints the path of each argument's command (an empty line when not found).
const RESOLVE: &str = r#"for p in "$@"; do
  if r=$(command -v -- "$p"); then printf '%s\n' "$r"; else printf '\n'; fi
done"#;

/// How long a lookup may take (a login profile that hangs must not hang `doctor`).
const LOOKUP_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The environment the runner would give `profile`'s harness (without the prompt).
pub(crate) fn harness_env(profile: &Profile, repo: &Path) -> Vec<(String, String)> {
    let input = CommandInput {
        profile,
        loop_id: "doctor",
        loop_name: "doctor",
        repo_path: repo,
        run_id: "doctor",
        prompt: "",
        prompt_file: Path::new("/dev/null"),
    };
    build_command(&input)
        .map(|c| {
            c.env
                .into_iter()
                .filter(|(k, _)| !k.starts_with("FORGE_PROMPT"))
                .collect()
        })
        .unwrap_or_default()
}

/// Resolves `programs` in the harness shell with `env`, from `cwd`. `Err` when the shell itself
/// cannot run (no `bash`, or the login profile fails or hangs).
pub(crate) fn resolve(
    ctx: &Ctx,
    programs: &[String],
    env: &[(String, String)],
    cwd: &Path,
) -> Result<Vec<Option<String>>, String> {
    let shell = HarnessShell::current(&ctx.settings.data_dir.value);
    let args: Vec<&str> = programs.iter().map(String::as_str).collect();
    let job = shell
        .job_with_args(RESOLVE, &args, env)
        .cwd(cwd)
        .spawn()
        .map_err(|e| format!("cannot start bash (the shell harnesses run in): {e}"))?;
    let out = job.capture(&mut Deadline(Some(LOOKUP_LIMIT)));
    if out.finished.stopped.is_some() {
        return Err(format!(
            "`bash -lc` did not finish within {}s: check your login profile (~/.profile, ~/.bash_profile)",
            LOOKUP_LIMIT.as_secs()
        ));
    }
    let text = out.stdout_text();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() != programs.len() {
        let err = out.stderr_text();
        return Err(format!(
            "`bash -lc` failed (exit {}): {}",
            out.finished.exit_code(),
            err.trim()
        ));
    }
    Ok(lines
        .into_iter()
        .map(|l| Some(l.trim().to_string()).filter(|l| !l.is_empty()))
        .collect())
}

/// Resolves programs for a harness with no profile yet (its default environment).
pub(crate) fn resolve_plain(ctx: &Ctx, programs: &[String]) -> Result<Vec<Option<String>>, String> {
    resolve(ctx, programs, &[], ctx.cwd())
}
