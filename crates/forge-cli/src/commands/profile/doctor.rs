//! `forge profile doctor <name>`: can this profile run here? Its programs must resolve in the
//! shell and environment a loop's harness gets, and its auth home must exist.

use std::path::Path;

use clap::Args;
use forge_harness::preset;
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;
use crate::harness_env;

/// Words that run the next word rather than being the program themselves.
const WRAPPERS: &[&str] = &["env", "command", "exec", "sudo", "time", "nice", "nohup"];

/// Arguments of `forge profile doctor`.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// Profile name or id
    profile: String,
}

/// The program a command template runs: the first word that is not a `VAR=value` assignment
/// or a wrapper like `env`, with quotes removed.
pub(crate) fn first_program(template: &str) -> Option<String> {
    template
        .split(|c: char| c.is_whitespace() || ";|&()".contains(c))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '"'))
        .filter(|w| !w.is_empty())
        .find(|w| {
            let assignment = w.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            !assignment && !WRAPPERS.contains(w) && !w.starts_with('-')
        })
        .map(str::to_string)
}

/// The programs a profile's command runs: the template's first program, plus the harness's own
/// binary when the template wraps it (`script -q -c 'claude ...'`).
pub(crate) fn programs_of(p: &forge_core::model::Profile) -> Vec<String> {
    let mut programs: Vec<String> = first_program(&p.command_template).into_iter().collect();
    if let Some(bin) = preset(&p.harness)
        .map(|pr| pr.binary)
        .filter(|b| !b.is_empty())
        && !programs.iter().any(|x| x == bin)
        && p.command_template.contains(bin)
    {
        programs.push(bin.to_string());
    }
    programs
}

/// Runs `forge profile doctor`.
pub(crate) fn run(ctx: &Ctx, args: DoctorArgs) -> Result<(), CliError> {
    let store = ctx.open_store()?;
    let p = store.resolve_profile(&args.profile)?;
    let mut checks: Vec<(String, bool, String)> = Vec::new();
    let programs = programs_of(&p);
    if programs.is_empty() {
        checks.push((
            "command".into(),
            false,
            "the command template names no program".into(),
        ));
    }
    let env = harness_env::harness_env(&p, ctx.cwd());
    match harness_env::resolve(ctx, &programs, &env, ctx.cwd()) {
        Ok(found) => {
            for (program, path) in programs.iter().zip(found) {
                checks.push(match path {
                    Some(path) => (format!("binary {program}"), true, path),
                    None => (
                        format!("binary {program}"),
                        false,
                        "not found on the PATH a loop started from this shell gets (bash -lc: \
                         this shell's PATH, then what the login profile adds)"
                            .into(),
                    ),
                });
            }
        }
        Err(problem) => checks.push(("harness shell".into(), false, problem)),
    }
    if let Some(home) = &p.auth_home {
        let ok = Path::new(home).is_dir();
        checks.push((
            "auth home".into(),
            ok,
            if ok {
                home.clone()
            } else {
                format!("{home} does not exist")
            },
        ));
    }
    let failed = checks.iter().filter(|c| !c.1).count();
    if ctx.printer.is_json() {
        let list: Vec<_> = checks
            .iter()
            .map(|(name, ok, details)| json!({ "name": name, "ok": ok, "status": if *ok { "pass" } else { "fail" }, "details": details }))
            .collect();
        ctx.printer
            .json(&json!({ "profile": p.name, "checks": list, "ok": failed == 0 }))?;
    } else {
        let mut out = format!("Profile \"{}\" ({})\n", p.name, p.harness);
        for (name, ok, details) in &checks {
            out.push_str(&format!(
                "- [{}] {name}: {details}\n",
                if *ok { "OK" } else { "FAIL" }
            ));
        }
        ctx.printer.raw(&out)?;
    }
    if failed > 0 {
        Err(CliError::reported())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::first_program;

    #[test]
    fn finds_the_program_of_a_template() {
        assert_eq!(first_program("cat").as_deref(), Some("cat"));
        assert_eq!(
            first_program("CODEX_HOME=/x env codex exec -").as_deref(),
            Some("codex")
        );
        assert_eq!(
            first_program("script -q -c 'claude -p x' /dev/null").as_deref(),
            Some("script")
        );
        assert_eq!(first_program("  ").as_deref(), None);
        assert_eq!(
            first_program("cat; forge mem set a b").as_deref(),
            Some("cat")
        );
        assert_eq!(first_program("(cd x && make)").as_deref(), Some("cd"));
    }
}
