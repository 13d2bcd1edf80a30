//! `fmail who`: known agents, when they were last seen, and their status.

use forge_mail::{AgentRecord, Store, encode_pretty, last_seen_label};
use jiff::Timestamp;

use super::Ctx;
use super::output::table;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Print the agent records as a JSON array (null when there are none yet)
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let agents = Store::discover(&ctx.env)?.agents()?;
    if args.json {
        return ctx.printer.line(&encode_pretty(&agents)?);
    }
    let now = Timestamp::now();
    let mut rows = vec![vec![
        "NAME".to_owned(),
        "LAST SEEN".to_owned(),
        "STATUS".to_owned(),
    ]];
    rows.extend(agents.unwrap_or_default().iter().map(|a| row(a, now)));
    ctx.printer.raw(&table(&rows))
}

fn row(agent: &AgentRecord, now: Timestamp) -> Vec<String> {
    let never_seen = agent.last_seen.as_second() <= Timestamp::UNIX_EPOCH.as_second();
    let last_seen = if never_seen {
        "-".to_owned()
    } else {
        last_seen_label(agent, now)
    };
    let status = if !agent.status.is_empty() {
        agent.status.clone()
    } else if never_seen || !agent.is_active(now) {
        "offline".to_owned()
    } else {
        "-".to_owned()
    };
    vec![agent.name.clone(), last_seen, status]
}
