//! `forge pool ls`.

use clap::Args;
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;
use crate::table::render;

/// Arguments of `forge pool ls`.
#[derive(Debug, Args)]
pub(crate) struct LsArgs {}

/// Runs `forge pool ls`.
pub(crate) fn run(ctx: &Ctx, _args: LsArgs) -> Result<(), CliError> {
    let store = ctx.open_store()?;
    let pools = store.list_pools()?;
    let mut rows = Vec::with_capacity(pools.len());
    let mut out = Vec::with_capacity(pools.len());
    for p in &pools {
        let members = store.list_pool_members(&p.id)?;
        let names: Vec<String> = members.iter().map(|m| m.profile.name.clone()).collect();
        rows.push(vec![
            p.name.clone(),
            p.strategy.clone(),
            if p.is_default { "yes" } else { "no" }.into(),
            names.len().to_string(),
        ]);
        let mut v = serde_json::to_value(p).unwrap_or_default();
        if let Some(obj) = v.as_object_mut() {
            obj.insert("members".into(), json!(names));
        }
        out.push(v);
    }
    if ctx.printer.is_json() {
        return ctx.printer.json(&out);
    }
    if pools.is_empty() {
        return ctx.printer.line("No pools found");
    }
    ctx.printer
        .raw(&render(&["NAME", "STRATEGY", "DEFAULT", "MEMBERS"], &rows))
}
