//! `forge config path`: where the global config file is (or would be).

use clap::Args;
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;

/// Arguments of `forge config path`.
#[derive(Debug, Args)]
pub(crate) struct PathArgs {}

/// Runs `forge config path`.
pub(crate) fn run(ctx: &Ctx, _args: PathArgs) -> Result<(), CliError> {
    let path = &ctx.settings.config_target;
    if ctx.printer.is_json() {
        return ctx
            .printer
            .json(&json!({ "path": path, "exists": path.is_file() }));
    }
    ctx.printer.line(&path.display().to_string())
}
