//! Choosing loops: by reference (short id, id, name, unique id prefix) and by selectors
//! (`--all --repo --pool --profile --state --tag`).

use std::path::PathBuf;
use std::str::FromStr;

use clap::Args;
use forge_core::loopref::match_loop_ref;
use forge_core::model::{Loop, LoopState};
use forge_store::{LoopFilter, Store};

use crate::context::Ctx;
use crate::error::CliError;

/// Filters shared by `ps`, `stop`, `kill`, `msg` and `rm`.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct FilterArgs {
    /// Only loops of this repo (path)
    #[arg(long, value_name = "PATH")]
    pub(crate) repo: Option<PathBuf>,
    /// Only loops using this pool (name or id)
    #[arg(long, value_name = "POOL")]
    pub(crate) pool: Option<String>,
    /// Only loops pinned to this profile (name or id)
    #[arg(long, value_name = "PROFILE")]
    pub(crate) profile: Option<String>,
    /// Only loops in this state (running, sleeping, waiting, stopped, error)
    #[arg(long, value_name = "STATE")]
    pub(crate) state: Option<String>,
    /// Only loops with this tag
    #[arg(long, value_name = "TAG")]
    pub(crate) tag: Option<String>,
}

/// Selectors of commands that act on several loops at once.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct SelectorArgs {
    /// Every loop
    #[arg(long)]
    pub(crate) all: bool,
    #[command(flatten)]
    pub(crate) filter: FilterArgs,
}

impl FilterArgs {
    /// Whether any filter is given.
    pub(crate) fn any(&self) -> bool {
        self.repo.is_some()
            || self.pool.is_some()
            || self.profile.is_some()
            || self.state.is_some()
            || self.tag.is_some()
    }

    /// Resolves names into a store filter (pool/profile by name, then id).
    pub(crate) fn to_filter(&self, ctx: &Ctx, store: &Store) -> Result<LoopFilter, CliError> {
        let mut filter = LoopFilter::default();
        if let Some(repo) = &self.repo {
            filter.repo = Some(ctx.absolute(repo).display().to_string());
        }
        if let Some(pool) = &self.pool {
            filter.pool_id = Some(store.resolve_pool(pool)?.id);
        }
        if let Some(profile) = &self.profile {
            filter.profile_id = Some(store.resolve_profile(profile)?.id);
        }
        if let Some(state) = &self.state {
            filter.state = Some(parse_state(state)?);
        }
        filter.tag = self.tag.clone();
        Ok(filter)
    }
}

impl SelectorArgs {
    /// Whether any selector (including `--all`) is given.
    pub(crate) fn any(&self) -> bool {
        self.all || self.filter.any()
    }
}

/// Parses a `--state` value.
pub(crate) fn parse_state(text: &str) -> Result<LoopState, CliError> {
    LoopState::from_str(text).map_err(|_| {
        CliError::invalid(format!(
            "invalid --state \"{text}\" (valid: running|sleeping|waiting|stopped|error)"
        ))
    })
}

/// The loops a selector command acts on: the reference matched within the filtered set, or the
/// whole filtered set; errors `specify a loop or selector` and `no loops matched`.
pub(crate) fn select_loops(
    ctx: &Ctx,
    store: &Store,
    selectors: &SelectorArgs,
    reference: Option<&str>,
) -> Result<Vec<Loop>, CliError> {
    let reference = reference.map(str::trim).filter(|r| !r.is_empty());
    if reference.is_none() && !selectors.any() {
        return Err(CliError::invalid("specify a loop or selector")
            .hint("Pass a loop name or ID, or a selector such as --all, --repo, --pool, --profile, --state or --tag."));
    }
    let loops = store.list_loops(&selectors.filter.to_filter(ctx, store)?)?;
    let selected = match reference {
        Some(r) => vec![match_loop_ref(&loops, r)?.clone()],
        None => loops,
    };
    if selected.is_empty() {
        return Err(CliError::other("no loops matched").hint("List loops with `forge ps`."));
    }
    Ok(selected)
}

/// Resolves one loop reference against every loop.
pub(crate) fn resolve_loop(store: &Store, reference: &str) -> Result<Loop, CliError> {
    let loops = store.list_loops(&LoopFilter::default())?;
    Ok(match_loop_ref(&loops, reference)?.clone())
}
