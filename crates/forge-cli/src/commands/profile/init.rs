//! `forge profile init [alias…]` (alias `import-aliases`): import harness aliases from shell
//! alias files, and harnesses found on PATH, as profiles.
//!
//! Alias files: `$FORGE_ALIAS_FILE` (or `$FORGE_PROFILE_INIT_ALIAS_FILE`; `:`-separated), else
//! `~/.zsh_aliases`, `~/.bash_aliases`, `~/.bashrc`, `~/.zshrc`, `~/.config/fish/config.fish`.
//! Aliases are read from the files only: no shell is ever run.

use std::path::{Path, PathBuf};

use clap::Args;
use forge_core::ids::new_id;
use forge_core::model::Profile;
use forge_core::time::now_rfc3339;
use forge_harness::preset;
use forge_harness::presets::DEFAULT_OPENCODE_MODEL;
use serde_json::{Value, json};

use super::aliases::{Alias, auth_home_of, direct_harness, harness_of, read_aliases, template_for};
use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge profile init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Alias names to import (default: every harness alias, plus harnesses on PATH)
    aliases: Vec<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The alias files to read, and whether they were chosen by an environment variable.
fn alias_files(home: Option<&Path>) -> (Vec<PathBuf>, bool) {
    let expand = |p: &str| match home {
        Some(h) if p.starts_with("~/") => h.join(&p[2..]),
        Some(h) if p.starts_with("$HOME/") => h.join(&p[6..]),
        _ => PathBuf::from(p),
    };
    if let Some(list) = env("FORGE_ALIAS_FILE").or_else(|| env("FORGE_PROFILE_INIT_ALIAS_FILE")) {
        return (
            list.split(':')
                .filter(|p| !p.is_empty())
                .map(expand)
                .collect(),
            true,
        );
    }
    let defaults = [
        "~/.zsh_aliases",
        "~/.bash_aliases",
        "~/.bashrc",
        "~/.zshrc",
        "~/.config/fish/config.fish",
    ];
    (
        defaults
            .iter()
            .map(|p| expand(p))
            .filter(|p| p.is_file())
            .collect(),
        false,
    )
}

/// Harness binaries looked for on PATH, by harness.
const PATH_HARNESSES: &[(&str, &[&str])] = &[
    ("codex", &["codex"]),
    ("claude", &["claude", "claude-code"]),
    ("opencode", &["opencode"]),
    ("pi", &["pi"]),
    ("droid", &["droid"]),
    ("gemini", &["gemini"]),
];

/// The harnesses whose binary a loop started from this shell would find.
fn harnesses_on_path(ctx: &Ctx) -> Vec<&'static str> {
    let binaries: Vec<String> = PATH_HARNESSES
        .iter()
        .flat_map(|(_, b)| b.iter().map(|s| s.to_string()))
        .collect();
    let found = crate::harness_env::resolve_plain(ctx, &binaries).unwrap_or_default();
    let found_names: Vec<&str> = binaries
        .iter()
        .zip(found)
        .filter(|(_, path)| path.is_some())
        .map(|(name, _)| name.as_str())
        .collect();
    PATH_HARNESSES
        .iter()
        .filter(|(_, b)| b.iter().any(|x| found_names.contains(x)))
        .map(|(harness, _)| *harness)
        .collect()
}

/// Forge's `created`, `skipped`, `missing`, and the reference's `imported`, `profiles`,
/// `harnesses` (found on PATH) and `aliases` (the harness aliases considered).
fn json_result(
    created: &[String],
    skipped: &[String],
    missing: &[String],
    aliases: &[&Alias],
    home: Option<&Path>,
    on_path: &[&str],
) -> Value {
    let aliases: Vec<Value> = aliases
        .iter()
        .map(|a| {
            let mut v = json!({ "name": a.name, "harness": harness_of(a), "command": a.command });
            if let Some(auth_home) = auth_home_of(a, home) {
                v["auth_home"] = json!(auth_home);
            }
            v
        })
        .collect();
    json!({
        "created": created,
        "skipped": skipped,
        "missing": missing,
        "imported": created.len(),
        "profiles": created,
        "harnesses": on_path,
        "aliases": aliases,
    })
}

/// Runs `forge profile init`.
pub(crate) fn run(ctx: &Ctx, args: InitArgs) -> Result<(), CliError> {
    let home = env("HOME").map(PathBuf::from);
    let (files, from_env) = alias_files(home.as_deref());
    let aliases = read_aliases(&files);
    let opencode_model =
        env("FORGE_OPENCODE_MODEL").unwrap_or_else(|| DEFAULT_OPENCODE_MODEL.to_string());
    let on_path = harnesses_on_path(ctx);
    let mut missing: Vec<String> = Vec::new();
    // (name, harness, template, auth_home)
    let mut wanted: Vec<(String, &'static str, String, Option<String>)> = Vec::new();
    let from_alias = |a: &Alias| {
        let harness = harness_of(a);
        (
            a.name.clone(),
            harness,
            template_for(harness, &a.command, &opencode_model),
            auth_home_of(a, home.as_deref()),
        )
    };
    if args.aliases.is_empty() {
        for a in aliases
            .iter()
            .filter(|a| direct_harness(&a.command).is_some())
        {
            wanted.push(from_alias(a));
        }
        if !from_env {
            for harness in on_path.iter().copied() {
                if !aliases.iter().any(|a| a.name == harness)
                    && !wanted.iter().any(|w| w.0 == harness)
                {
                    let template = preset(harness)
                        .and_then(|p| p.default_template(None))
                        .unwrap_or_else(|| harness.to_string());
                    wanted.push((harness.to_string(), harness, template, None));
                }
            }
        }
    } else {
        for name in &args.aliases {
            match aliases.iter().find(|a| &a.name == name) {
                Some(a) => wanted.push(from_alias(a)),
                None => missing.push(name.clone()),
            }
        }
    }
    let wanted_names: Vec<String> = wanted.iter().map(|w| w.0.clone()).collect();
    let mut store = ctx.open_store()?;
    let (mut created, mut skipped) = (Vec::new(), Vec::new());
    for (name, harness, template, auth_home) in wanted {
        if store.resolve_profile(&name).is_ok() {
            skipped.push(name);
            continue;
        }
        let now = now_rfc3339();
        let mode = preset(harness)
            .map(|p| p.prompt_mode)
            .unwrap_or(forge_core::model::PromptMode::Env);
        let profile = Profile {
            id: new_id(),
            name: name.clone(),
            harness: harness.to_string(),
            auth_kind: Some(harness.to_string()),
            auth_home,
            prompt_mode: mode,
            command_template: template,
            model: None,
            extra_args: Vec::new(),
            env: Default::default(),
            max_concurrency: 1,
            cooldown_until: None,
            created_at: now.clone(),
            updated_at: now,
        };
        store.insert_profile(&profile)?;
        created.push(name);
    }
    if ctx.printer.is_json() {
        let detected: Vec<&Alias> = aliases
            .iter()
            .filter(|a| wanted_names.contains(&a.name))
            .collect();
        return ctx.printer.json(&json_result(
            &created,
            &skipped,
            &missing,
            &detected,
            home.as_deref(),
            &on_path,
        ));
    }
    if created.is_empty() && skipped.is_empty() && missing.is_empty() {
        if on_path.is_empty() {
            let looked_for: Vec<&str> = PATH_HARNESSES.iter().map(|(h, _)| *h).collect();
            ctx.printer.note(&format!(
                "no agent CLI ({}) on the PATH a loop started from this shell gets, and no shell \
                 alias that runs one; install one and run `forge profile init` again, or add any \
                 program with `forge profile add command --name NAME --command CMD`",
                looked_for.join(", ")
            ));
        }
        return ctx.printer.line("No aliases processed");
    }
    let mut out = String::new();
    for (title, list) in [
        ("Created", &created),
        ("Skipped", &skipped),
        ("Missing", &missing),
    ] {
        if !list.is_empty() {
            out.push_str(&format!("{title}: {}\n", list.join(", ")));
        }
    }
    ctx.printer.raw(&out)
}
