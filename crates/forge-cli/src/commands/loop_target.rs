//! What a new loop runs on: `--pool`, `--profile`, `--command` (an ad-hoc `command` harness,
//! no profile or pool needed), or the default pool — which is recorded on the loop, so `ps
//! --pool`, `stop --pool` and the POOL column see it.

use forge_core::ids::new_id;
use forge_core::model::{Profile, PromptMode};
use forge_core::time::now_rfc3339;
use forge_store::{Store, StoreError};

use crate::context::Ctx;
use crate::error::CliError;

/// Where a loop gets its profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Pool(String),
    Profile(String),
    /// Run this command (prompt on stdin); its profile is made on creation.
    Command(String),
}

/// The profile name of an ad-hoc `--command` (stable: the same command reuses one profile).
fn command_profile_name(command: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in command.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("cmd-{:08x}", hash as u32)
}

/// Chooses the target from the flags, checking it can run; creates nothing.
pub(crate) fn choose(
    ctx: &Ctx,
    store: &Store,
    pool: Option<&str>,
    profile: Option<&str>,
    command: Option<&str>,
) -> Result<Target, CliError> {
    if pool.is_some() && profile.is_some() {
        return Err(CliError::invalid(
            "use either --pool or --profile, not both",
        ));
    }
    if command.is_some() && (pool.is_some() || profile.is_some()) {
        return Err(CliError::invalid(
            "use only one of --pool, --profile and --command",
        ));
    }
    if let Some(cmd) = command {
        if cmd.trim().is_empty() {
            return Err(CliError::invalid("--command must not be empty"));
        }
        return Ok(Target::Command(cmd.trim().to_string()));
    }
    if let Some(p) = profile {
        return Ok(Target::Profile(store.resolve_profile(p)?.id));
    }
    let pool = match pool {
        Some(name) => store.resolve_pool(name)?,
        None => default_pool(ctx, store)?,
    };
    require_members(store, &pool.id, &pool.name)?;
    Ok(Target::Pool(pool.id))
}

/// The configured `default_pool`, else the pool marked default; an error says how to get one.
fn default_pool(ctx: &Ctx, store: &Store) -> Result<forge_core::model::Pool, CliError> {
    let setting = &ctx.settings.default_pool;
    if let Some(name) = &setting.value {
        return match store.resolve_pool(name) {
            Ok(pool) => Ok(pool),
            Err(StoreError::NotFound { .. }) => Err(CliError::invalid(format!(
                "default_pool \"{name}\" (from {}) names no pool",
                setting.source
            ))
            .hint("Create it with `forge pool create`, or fix default_pool; `forge pool ls` lists pools.")),
            Err(e) => Err(e.into()),
        };
    }
    if let Some(pool) = store.default_pool()? {
        return Ok(pool);
    }
    let pools = store.list_pools()?;
    let err =
        CliError::invalid("no --profile, --pool or --command given and no default pool exists");
    Err(match pools.first() {
        Some(p) => err.hint(format!(
            "Make one of your pools the default: forge pool set-default {}",
            p.name
        )),
        None if store.list_profiles()?.is_empty() => err.hint(
            "Quickest: forge up --command 'your-agent-cli ...'. Or make profiles of the agent CLIs \
             you have: forge profile init, then forge pool create default; forge pool add default <profile>.",
        ),
        None => err.hint(
            "Put a profile in a pool: forge pool create default; forge pool add default <profile> \
             (or pass --profile <name>).",
        ),
    })
}

fn require_members(store: &Store, pool_id: &str, name: &str) -> Result<(), CliError> {
    if store.list_pool_members(pool_id)?.is_empty() {
        return Err(
            CliError::invalid(format!("pool \"{name}\" has no profiles"))
                .hint(format!("Add one with `forge pool add {name} <profile>`.")),
        );
    }
    Ok(())
}

/// `(pool_id, profile_id)` of a loop on `target`, making the ad-hoc profile of a `--command`.
pub(crate) fn ids(
    store: &mut Store,
    target: &Target,
) -> Result<(Option<String>, Option<String>), CliError> {
    Ok(match target {
        Target::Pool(id) => (Some(id.clone()), None),
        Target::Profile(id) => (None, Some(id.clone())),
        Target::Command(cmd) => (None, Some(command_profile(store, cmd)?)),
    })
}

/// The profile of an ad-hoc command (reused when the same command ran before).
fn command_profile(store: &mut Store, command: &str) -> Result<String, CliError> {
    let name = command_profile_name(command);
    if let Ok(existing) = store.resolve_profile(&name)
        && existing.command_template == command
    {
        return Ok(existing.id);
    }
    let now = now_rfc3339();
    let profile = Profile {
        id: new_id(),
        name,
        harness: "command".into(),
        auth_kind: Some("command".into()),
        auth_home: None,
        prompt_mode: PromptMode::Stdin,
        command_template: command.to_string(),
        model: None,
        extra_args: Vec::new(),
        env: Default::default(),
        max_concurrency: 0,
        cooldown_until: None,
        created_at: now.clone(),
        updated_at: now,
    };
    store.insert_profile(&profile)?;
    Ok(profile.id)
}

/// The longest loop name accepted: it becomes a file name and a table cell.
pub(crate) const MAX_NAME_CHARS: usize = 100;

/// Checks a loop name the runner and `ps` can use.
pub(crate) fn check_name(name: &str) -> Result<(), CliError> {
    let chars = name.chars().count();
    if chars == 0 {
        return Err(CliError::invalid("--name must not be empty"));
    }
    if chars > MAX_NAME_CHARS {
        return Err(CliError::invalid(format!(
            "invalid loop name: {chars} characters long (at most {MAX_NAME_CHARS})"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(CliError::invalid(format!(
            "invalid loop name {name:?}: no control characters"
        )));
    }
    Ok(())
}
