//! `fmail init [--project ID]`: create `.fmail/` and `project.json`.

use forge_mail::Store;

use super::Ctx;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Set the project id (keeps the creation time)
    #[arg(long, value_name = "ID")]
    project: Option<String>,
}

pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let store = Store::discover(&ctx.env)?;
    match args.project {
        Some(id) if id.trim().is_empty() => Err(CliError::usage("--project must not be empty")),
        Some(id) => store
            .set_project_id(&ctx.env, id.trim())
            .map(drop)
            .map_err(Into::into),
        None => store.ensure_project(&ctx.env).map(drop).map_err(Into::into),
    }
}
