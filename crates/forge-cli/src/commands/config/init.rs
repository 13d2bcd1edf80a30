//! `forge config init [--force]`: write the commented default config.

use clap::Args;
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;
use crate::settings::template::CONFIG_TEMPLATE;

/// Arguments of `forge config init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Overwrite an existing file
    #[arg(short = 'f', long)]
    force: bool,
}

/// Runs `forge config init`.
pub(crate) fn run(ctx: &Ctx, args: InitArgs) -> Result<(), CliError> {
    let path = &ctx.settings.config_target;
    if path.exists() && !args.force {
        return Err(
            CliError::exists(format!("config file already exists: {}", path.display()))
                .hint("Pass --force to overwrite it."),
        );
    }
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent)
            .map_err(|e| CliError::failed(format!("unable to create {}: {e}", parent.display())))?;
    }
    fs_err::write(path, CONFIG_TEMPLATE)
        .map_err(|e| CliError::failed(format!("unable to write {}: {e}", path.display())))?;
    ctx.printer.result(
        &json!({ "path": path, "created": true }),
        &format!("Wrote {}", path.display()),
    )
}
