//! `forge pool show <name>`: the pool and its members in rotation order.

use clap::Args;
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;
use crate::table::{or_dash, render};

/// Arguments of `forge pool show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// Pool name or id
    pool: String,
}

/// Runs `forge pool show`.
pub(crate) fn run(ctx: &Ctx, args: ShowArgs) -> Result<(), CliError> {
    let store = ctx.open_store()?;
    let pool = store.resolve_pool(&args.pool)?;
    let members = store.list_pool_members(&pool.id)?;
    if ctx.printer.is_json() {
        let list: Vec<_> = members
            .iter()
            .map(|m| {
                json!({ "profile_id": m.profile.id, "profile_name": m.profile.name, "harness": m.profile.harness,
                        "auth_kind": m.profile.auth_kind, "position": m.member.position })
            })
            .collect();
        return ctx.printer.json(&json!({ "pool": pool, "members": list }));
    }
    let mut out = format!(
        "Pool: {}\nStrategy: {}\nDefault: {}\n\n",
        pool.name,
        pool.strategy,
        if pool.is_default { "yes" } else { "no" }
    );
    if members.is_empty() {
        out.push_str(&format!(
            "No profiles (add one with `forge pool add {} <profile>`)\n",
            pool.name
        ));
    } else {
        let rows: Vec<Vec<String>> = members
            .iter()
            .map(|m| {
                vec![
                    m.profile.name.clone(),
                    m.profile.harness.clone(),
                    or_dash(m.profile.auth_kind.as_deref()),
                ]
            })
            .collect();
        out.push_str(&render(&["PROFILE", "HARNESS", "AUTH_KIND"], &rows));
    }
    ctx.printer.raw(&out)
}
