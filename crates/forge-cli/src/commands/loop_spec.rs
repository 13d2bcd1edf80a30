//! Creating and starting loops, shared by `up`, `scale` and `resume`: flag validation (all of
//! it before anything is created), loop rows, the initial-wait pause and the detached runner.

use clap::Args;
use forge_core::duration::parse_flag_secs;
use forge_core::ids::{new_id, new_short_id};
use forge_core::model::{Loop, LoopState, RunnerOwner};
use forge_core::queue::Payload;
use forge_core::slug::slugify;
use forge_core::time::now_rfc3339;
use forge_runner::prompts::resolve_prompt_ref;
use forge_runner::{RunnerPaths, claim_runner};
use forge_store::{LoopUpdate, Store};

use crate::context::Ctx;
use crate::error::CliError;

/// The loop-shaping flags of `up` and `scale`.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct CreateArgs {
    /// Pool to rotate profiles from (default: the default pool)
    #[arg(long, value_name = "POOL")]
    pub(crate) pool: Option<String>,
    /// Pin the loop to one profile
    #[arg(long, value_name = "PROFILE")]
    pub(crate) profile: Option<String>,
    /// Run this command as the harness (prompt on stdin), without making a profile or pool
    #[arg(long, value_name = "CMD")]
    pub(crate) command: Option<String>,
    /// Prompt file (relative to the repo) or name in .forge/prompts
    #[arg(long, value_name = "PATH|NAME")]
    pub(crate) prompt: Option<String>,
    /// Inline prompt text
    #[arg(long, value_name = "TEXT")]
    pub(crate) prompt_msg: Option<String>,
    /// Sleep between iterations, e.g. 30s, 5m, 0 (default: loop_defaults.interval, 30s)
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub(crate) interval: Option<String>,
    /// Pause before the first iteration
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub(crate) initial_wait: Option<String>,
    /// Stop after this much runtime (0 = no limit)
    #[arg(short = 'r', long, value_name = "DURATION", allow_hyphen_values = true)]
    pub(crate) max_runtime: Option<String>,
    /// Stop after this many iterations (0 = no limit)
    #[arg(short = 'i', long, value_name = "N", allow_negative_numbers = true)]
    pub(crate) max_iterations: Option<i64>,
    /// Comma-separated tags
    #[arg(long, value_name = "TAGS", value_delimiter = ',')]
    pub(crate) tags: Vec<String>,
    /// Who owns the runner: local (the only owner so far), daemon or auto
    #[arg(long, value_name = "OWNER")]
    pub(crate) spawn_owner: Option<String>,
    #[command(flatten)]
    pub(crate) stop: super::stop_flags::StopArgs,
    #[command(flatten)]
    pub(crate) guards: super::guard_flags::GuardArgs,
}

/// Validated creation parameters.
#[derive(Debug, Clone)]
pub(crate) struct LoopPlan {
    target: super::loop_target::Target,
    prompt_path: Option<String>,
    prompt_msg: Option<String>,
    interval: i64,
    initial_wait: i64,
    max_runtime: i64,
    max_iterations: i64,
    tags: Vec<String>,
    stop_config: Option<forge_core::stop::StopConfig>,
    guards: Option<forge_core::stop::Guards>,
}

fn duration_flag(flag: &str, value: &str) -> Result<i64, CliError> {
    parse_flag_secs(flag, value).map_err(CliError::invalid)
}

/// Checks `--spawn-owner`: `local` (or nothing) is fine, `auto` falls back to local with a
/// warning, `daemon` fails because Forge has no daemon yet.
pub(crate) fn check_spawn_owner(ctx: &Ctx, owner: Option<&str>) -> Result<(), CliError> {
    match owner.map(str::trim) {
        None | Some("local") => Ok(()),
        Some("auto") => {
            if !ctx.printer.is_json() {
                ctx.printer.warn(
                    "forge has no daemon yet, falling back to local spawn (--spawn-owner auto)",
                );
            }
            Ok(())
        }
        Some("daemon") => Err(CliError::failed(
            "--spawn-owner daemon is unavailable: forge has no daemon yet",
        )
        .hint(
            "Use --spawn-owner local (the default): runners are detached and survive the terminal.",
        )),
        Some(other) => Err(CliError::invalid(format!(
            "invalid --spawn-owner \"{other}\" (valid: local|daemon|auto)"
        ))),
    }
}

/// Trims, drops empty and de-duplicates tags, keeping their order.
fn clean_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if !out.iter().any(|t| t == tag) {
            out.push(tag.to_string());
        }
    }
    out
}

/// Validates every creation flag against the store and the repo; creates nothing.
pub(crate) fn plan(ctx: &Ctx, store: &Store, args: &CreateArgs) -> Result<LoopPlan, CliError> {
    if args.prompt.is_some() && args.prompt_msg.is_some() {
        return Err(CliError::invalid(
            "use either --prompt or --prompt-msg, not both",
        ));
    }
    check_spawn_owner(ctx, args.spawn_owner.as_deref())?;
    let interval = match &args.interval {
        Some(v) => duration_flag("--interval", v)?,
        None => {
            let setting = &ctx.settings.interval;
            duration_flag(
                &format!("loop_defaults.interval (from {})", setting.source),
                &setting.value,
            )?
        }
    };
    let initial_wait = args
        .initial_wait
        .as_deref()
        .map(|v| duration_flag("--initial-wait", v))
        .transpose()?
        .unwrap_or(0);
    let max_runtime = args
        .max_runtime
        .as_deref()
        .map(|v| duration_flag("--max-runtime", v))
        .transpose()?
        .unwrap_or(0);
    let max_iterations = args.max_iterations.unwrap_or(0);
    if max_iterations < 0 {
        return Err(CliError::invalid(format!(
            "--max-iterations must be >= 0 (got {max_iterations})"
        )));
    }
    let repo = ctx.repo();
    let stop_config = args
        .stop
        .config(repo, |v| duration_flag("--quantitative-stop-timeout", v))?;
    let (prompt_ref, prompt_msg) = if args.prompt.is_some() || args.prompt_msg.is_some() {
        (args.prompt.clone(), args.prompt_msg.clone())
    } else {
        (
            ctx.settings.prompt.value.clone(),
            ctx.settings.prompt_msg.value.clone(),
        )
    };
    let prompt_msg = prompt_msg.filter(|m| !m.trim().is_empty());
    let prompt_path = match prompt_ref.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(p) => Some(resolve_prompt_ref(repo, p).map_err(CliError::from)?),
        None => None,
    };
    if prompt_path.is_none() && prompt_msg.is_none() {
        let default_prompt = ctx.settings.default_prompt.as_deref();
        let file = forge_runner::prompts::default_prompt_file(repo, default_prompt);
        if !file.is_file() {
            let named = repo.join(default_prompt.unwrap_or("PROMPT.md"));
            return Err(CliError::invalid(format!("no prompt for the loop: {} does not exist", named.display()))
                .hint("Pass --prompt-msg 'text' or --prompt <file>, or run `forge init` to create PROMPT.md."));
        }
    }
    let target = super::loop_target::choose(
        ctx,
        store,
        args.pool.as_deref(),
        args.profile.as_deref(),
        args.command.as_deref(),
    )?;
    Ok(LoopPlan {
        target,
        prompt_path: prompt_path.map(|p| p.display().to_string()),
        prompt_msg,
        interval,
        initial_wait,
        max_runtime,
        max_iterations,
        tags: clean_tags(&args.tags),
        stop_config,
        guards: args.guards.guards()?,
    })
}

/// Inserts a loop row (state `stopped`) and its initial-wait pause.
pub(crate) fn create_loop(
    ctx: &Ctx,
    store: &mut Store,
    plan: &LoopPlan,
    name: &str,
) -> Result<Loop, CliError> {
    let paths = ctx.runner_paths();
    let (pool_id, profile_id) = super::loop_target::ids(store, &plan.target)?;
    let id = new_id();
    let mut short_id = new_short_id();
    while store.short_id_exists(&short_id)? {
        short_id = new_short_id();
    }
    let slug = unique_slug(store, slugify(name, &id), &short_id)?;
    let repo = ctx.repo();
    let now = now_rfc3339();
    let l = Loop {
        id: id.clone(),
        short_id,
        name: name.to_string(),
        repo_path: repo.display().to_string(),
        base_prompt_path: plan.prompt_path.clone(),
        base_prompt_msg: plan.prompt_msg.clone(),
        interval_seconds: plan.interval,
        max_iterations: plan.max_iterations,
        max_runtime_seconds: plan.max_runtime,
        pool_id,
        profile_id,
        state: LoopState::Stopped,
        last_run_at: None,
        last_exit_code: None,
        last_error: None,
        log_path: Some(paths.log_path(&slug).display().to_string()),
        ledger_path: Some(RunnerPaths::ledger_path(repo, &slug).display().to_string()),
        tags: plan.tags.clone(),
        stop_rules: plan.stop_config.clone().unwrap_or_default(),
        guards: plan.guards.clone().unwrap_or_default(),
        created_at: now.clone(),
        updated_at: now,
        ..Loop::default()
    };
    store.insert_loop(&l)?;
    if plan.initial_wait > 0 {
        let pause = Payload::Pause {
            duration_seconds: plan.initial_wait,
            reason: Some("initial wait".into()),
        };
        store.enqueue(&id, &[pause])?;
    }
    Ok(l)
}

/// `slug`, or `<slug>-<short id>` when another loop's log or ledger already uses it (`a/b` and
/// `ab` both slug to `ab`), so two loops never share files.
fn unique_slug(store: &Store, slug: String, short_id: &str) -> Result<String, CliError> {
    let taken = store.loop_files_taken(&format!("{slug}.log"), &format!("{slug}.md"))?;
    Ok(if taken {
        format!("{slug}-{short_id}")
    } else {
        slug
    })
}

/// Claims the loop's runner lock, marks the loop running, then starts its detached runner;
/// returns the fresh row.
///
/// The lock is held from before the state write until the runner owns it, so `ps` never takes
/// the loop for one whose runner died; the state is written before the spawn so a fast runner's
/// own updates (e.g. `stopped` after one iteration) are never overwritten by ours.
pub(crate) fn start_runner(ctx: &Ctx, store: &mut Store, l: &Loop) -> Result<Loop, CliError> {
    let paths = ctx.runner_paths();
    let claim = claim_runner(&paths, &l.id)?;
    let update = LoopUpdate {
        state: Some(LoopState::Running),
        last_error: Some(None),
        runner_owner: Some(Some(RunnerOwner::Local)),
        runner_instance_id: Some(Some(format!("local-{}", uuid::Uuid::new_v4().simple()))),
        ..LoopUpdate::default()
    };
    store.update_loop(&l.id, &update)?;
    match claim.spawn(&paths) {
        Ok(_) => {}
        Err(e) => {
            let reason = format!("runner spawn failed: {e}");
            let _ = store.update_loop(
                &l.id,
                &LoopUpdate::state_with_error(LoopState::Stopped, reason),
            );
            return Err(e.into());
        }
    }
    Ok(store.get_loop(&l.id)?)
}

/// A name not used by any loop nor by `batch`.
pub(crate) fn generated_name(store: &Store, batch: &[String]) -> String {
    let hhmmss = jiff::Timestamp::now().strftime("%H%M%S").to_string();
    forge_core::names::generate_name(
        &|n: &str| batch.iter().any(|b| b == n) || store.loop_name_exists(n).unwrap_or(true),
        &hhmmss,
    )
}
