//! `fmail topics` (alias `topic`).

use forge_mail::{Store, encode_pretty, relative_age};
use jiff::Timestamp;

use super::Ctx;
use super::output::table;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Print a JSON array of {name, messages, last_activity}
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let topics = Store::discover(&ctx.env)?.topics()?;
    if args.json {
        return ctx.printer.line(&encode_pretty(&topics)?);
    }
    if topics.is_empty() {
        return Ok(());
    }
    let now = Timestamp::now();
    let mut rows = vec![vec![
        "TOPIC".to_owned(),
        "MESSAGES".to_owned(),
        "LAST ACTIVITY".to_owned(),
    ]];
    rows.extend(topics.iter().map(|t| {
        vec![
            t.name.clone(),
            t.messages.to_string(),
            relative_age(t.last_activity, now),
        ]
    }));
    ctx.printer.raw(&table(&rows))
}
