//! `forge doctor`: is this machine ready to run loops? Dependencies, harness CLIs on the PATH a
//! loop gets, every profile's programs, config files, the data dir, the database and its
//! migrations, and the runner locks. `[✓]` pass, `[!]` warning, `[✗]` failure; exit 1 when any
//! check fails. It never needs a working database to report that the database is broken.

use std::os::unix::fs::PermissionsExt;

use clap::Args;
use forge_store::Store;
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;
use crate::harness_env;

/// Arguments of `forge doctor`.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {}

/// How a check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    fn mark(self) -> &'static str {
        match self {
            Status::Pass => "[✓]",
            Status::Warn => "[!]",
            Status::Fail => "[✗]",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One check's result.
struct Check {
    category: &'static str,
    name: String,
    status: Status,
    details: String,
}

#[derive(Default)]
struct Report(Vec<Check>);

impl Report {
    fn add(
        &mut self,
        category: &'static str,
        name: impl Into<String>,
        status: Status,
        details: impl Into<String>,
    ) {
        self.0.push(Check {
            category,
            name: name.into(),
            status,
            details: details.into(),
        });
    }

    fn count(&self, status: Status) -> usize {
        self.0.iter().filter(|c| c.status == status).count()
    }
}

fn dependencies(ctx: &Ctx, report: &mut Report) {
    let names = vec!["bash".to_string(), "git".to_string()];
    let found = match harness_env::resolve_plain(ctx, &names) {
        Ok(found) => found,
        Err(problem) => {
            // Without a working bash the harness shell itself is the problem; say so once.
            report.add("dependencies", "bash", Status::Fail, problem);
            return;
        }
    };
    for (name, path) in names.iter().zip(found) {
        let (status, why) = match (name.as_str(), path) {
            (_, Some(p)) => (Status::Pass, p),
            ("bash", None) => (
                Status::Fail,
                "not found: every harness runs in bash -lc".into(),
            ),
            (_, None) => (
                Status::Warn,
                "not found: the stall rule and the ledger's git summary need it".into(),
            ),
        };
        report.add("dependencies", name.clone(), status, why);
    }
}

fn harnesses(ctx: &Ctx, store: Option<&Store>, report: &mut Report) {
    // The CLI of every harness preset (the `command` harness has none).
    let names: Vec<String> = forge_harness::presets::HARNESS_NAMES
        .iter()
        .filter_map(|h| forge_harness::presets::preset(h))
        .map(|p| p.binary.to_string())
        .filter(|b| !b.is_empty())
        .collect();
    if let Ok(found) = harness_env::resolve_plain(ctx, &names) {
        for (name, path) in names.iter().zip(found) {
            match path {
                Some(p) => report.add("harnesses", name.clone(), Status::Pass, p),
                None => report.add(
                    "harnesses",
                    name.clone(),
                    Status::Warn,
                    "not on the PATH a loop started from this shell gets",
                ),
            }
        }
    }
    let Some(profiles) = store.and_then(|s| s.list_profiles().ok()) else {
        return;
    };
    for p in profiles {
        let programs: Vec<String> = super::profile::doctor::programs_of(&p);
        let env = harness_env::harness_env(&p, ctx.cwd());
        let found = harness_env::resolve(ctx, &programs, &env, ctx.cwd()).unwrap_or_default();
        let missing: Vec<&String> = programs
            .iter()
            .zip(found.iter().chain(std::iter::repeat(&None)))
            .filter(|(_, path)| path.is_none())
            .map(|(name, _)| name)
            .collect();
        let name = format!("profile {}", p.name);
        if missing.is_empty() {
            report.add(
                "harnesses",
                name,
                Status::Pass,
                format!("runs {}", programs.join(", ")),
            );
        } else {
            let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
            report.add(
                "harnesses",
                name,
                Status::Fail,
                format!(
                    "{} not found: its loops would fail (see `forge profile doctor {}`)",
                    list.join(", "),
                    p.name
                ),
            );
        }
    }
}

fn config(ctx: &Ctx, report: &mut Report) {
    let s = &ctx.settings;
    let files = [
        (
            "global config",
            s.config_file.clone(),
            Some(s.config_target.clone()),
        ),
        ("repo config", s.repo_config.clone(), None),
    ];
    for (name, loaded, target) in files {
        match (loaded, target) {
            (Some(path), _) => report.add("config", name, Status::Pass, path.display().to_string()),
            (None, Some(target)) => report.add(
                "config",
                name,
                Status::Pass,
                format!(
                    "none ({} absent; defaults apply; `forge config init` writes one)",
                    target.display()
                ),
            ),
            (None, None) => report.add("config", name, Status::Pass, "none in this directory"),
        }
    }
    for w in &s.warnings {
        report.add("config", "warning", Status::Warn, w.clone());
    }
}

fn data_dir(ctx: &Ctx, report: &mut Report) {
    let dir = &ctx.settings.data_dir.value;
    let Ok(meta) = std::fs::metadata(dir) else {
        report.add(
            "data",
            "data dir",
            Status::Pass,
            format!("{} (created on first use)", dir.display()),
        );
        return;
    };
    let mode = meta.permissions().mode() & 0o777;
    let probe = dir.join(format!(".doctor-{}", std::process::id()));
    let writable = std::fs::write(&probe, b"").is_ok();
    let _ = std::fs::remove_file(&probe);
    if !writable {
        report.add(
            "data",
            "data dir",
            Status::Fail,
            format!(
                "{} is not writable: fix its permissions (chmod u+rwx) or set FORGE_DATA_DIR",
                dir.display()
            ),
        );
    } else if mode & 0o077 != 0 {
        report.add(
            "data",
            "data dir",
            Status::Warn,
            format!(
                "{} has mode {mode:03o}: logs and prompts may hold secrets; `chmod 700 {}`",
                dir.display(),
                dir.display()
            ),
        );
    } else {
        report.add(
            "data",
            "data dir",
            Status::Pass,
            format!("{} (mode {mode:03o})", dir.display()),
        );
    }
}

fn database(ctx: &Ctx, report: &mut Report) -> Option<Store> {
    let path = &ctx.settings.db_path.value;
    if !path.exists() {
        report.add(
            "database",
            "database",
            Status::Pass,
            format!("{} (created on first use)", path.display()),
        );
        return None;
    }
    let before = Store::file_schema_version(path);
    let store = match Store::open(path, ctx.settings.busy_timeout_ms.value) {
        Ok(store) => store,
        Err(e) => {
            let err = CliError::from(e);
            let hint = err.hint.map(|h| format!(" — {h}")).unwrap_or_default();
            report.add(
                "database",
                "database",
                Status::Fail,
                format!("{}{hint}", err.message),
            );
            return None;
        }
    };
    // Opening migrated the database (or failed above, for one newer than this forge).
    let latest = Store::latest_schema_version();
    let detail = match before {
        Some(v) if v < latest => format!("schema v{v} migrated to v{latest} (this forge)"),
        _ => format!("schema v{latest} (this forge: v{latest})"),
    };
    report.add("database", "migrations", Status::Pass, detail);
    match store.health() {
        Ok((check, mode)) if check == "ok" => {
            report.add(
                "database",
                "integrity",
                Status::Pass,
                format!("{} (journal {mode})", path.display()),
            );
        }
        Ok((check, _)) => report.add(
            "database",
            "integrity",
            Status::Fail,
            format!(
                "{}: {check} — stop the loops and recover it (`sqlite3 {} .recover`)",
                path.display(),
                path.display()
            ),
        ),
        Err(e) => report.add("database", "integrity", Status::Fail, e.to_string()),
    }
    Some(store)
}

fn runners(ctx: &Ctx, store: &Store, report: &mut Report) {
    let paths = ctx.runner_paths();
    let Ok(loops) = store.list_loops(&Default::default()) else {
        return;
    };
    let (mut live, mut dead) = (0, Vec::new());
    for l in loops.iter().filter(|l| l.state.is_active()) {
        if forge_runner::runner_alive(&paths, &l.id) {
            live += 1;
        } else {
            dead.push(l.name.clone());
        }
    }
    let known: Vec<&str> = loops.iter().map(|l| l.id.as_str()).collect();
    let stale: Vec<String> = forge_runner::lock_file_ids(&paths)
        .into_iter()
        .filter(|id| !known.contains(&id.as_str()))
        .collect();
    report.add(
        "runners",
        "runner locks",
        Status::Pass,
        format!("{live} runner(s) hold their loop's lock"),
    );
    if !dead.is_empty() {
        report.add(
            "runners",
            "dead runners",
            Status::Warn,
            format!(
                "{} marked active without a runner: `forge ps` reconciles them",
                dead.join(", ")
            ),
        );
    }
    if !stale.is_empty() {
        report.add(
            "runners",
            "stale lock files",
            Status::Warn,
            format!(
                "{} lock file(s) of removed loops in {} (safe to delete)",
                stale.len(),
                paths.run_dir().display()
            ),
        );
    }
}

/// Runs `forge doctor`.
pub(crate) fn run(ctx: &Ctx, _args: DoctorArgs) -> Result<(), CliError> {
    let mut report = Report::default();
    dependencies(ctx, &mut report);
    config(ctx, &mut report);
    data_dir(ctx, &mut report);
    let store = database(ctx, &mut report);
    harnesses(ctx, store.as_ref(), &mut report);
    if let Some(store) = &store {
        runners(ctx, store, &mut report);
    }
    print(ctx, &report)?;
    if report.count(Status::Fail) > 0 {
        Err(CliError::reported())
    } else {
        Ok(())
    }
}

fn print(ctx: &Ctx, report: &Report) -> Result<(), CliError> {
    let (pass, warn, fail) = (
        report.count(Status::Pass),
        report.count(Status::Warn),
        report.count(Status::Fail),
    );
    if ctx.printer.is_json() {
        let checks: Vec<_> = report
            .0
            .iter()
            .map(|c| json!({"category": c.category, "name": c.name, "status": c.status.word(), "details": c.details}))
            .collect();
        return ctx.printer.json(&json!({
            "checks": checks,
            "summary": {"total": report.0.len(), "pass": pass, "warn": warn, "fail": fail},
            "ok": fail == 0,
        }));
    }
    let mut out = String::new();
    for c in &report.0 {
        out.push_str(&format!(
            "{} {:<12} {}: {}\n",
            c.status.mark(),
            c.category,
            c.name,
            c.details
        ));
    }
    out.push_str(&format!(
        "{} checks: {pass} passed, {warn} warnings, {fail} failed\n",
        report.0.len()
    ));
    ctx.printer.raw(&out)
}
