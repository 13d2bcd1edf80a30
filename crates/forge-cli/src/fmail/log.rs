//! `fmail log [topic|@agent]` (alias `logs`) and `fmail messages`.

use forge_mail::{Filter, Scope, Store, Target, Watcher, normalize_name, parse_since};
use jiff::Timestamp;

use super::Ctx;
use super::error::as_usage;
use super::output::{print_message, warn_skipped};
use crate::error::CliError;
use crate::interrupt::Interrupt;

/// Flags shared by `log` and `messages`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReadFlags {
    /// Show at most N messages, newest last (0 = all)
    #[arg(
        short = 'n',
        long = "limit",
        default_value_t = 20,
        allow_negative_numbers = true,
        value_name = "N"
    )]
    limit: i64,
    /// Only messages at or after T: now, 90s, 1h30m, 2d, 2026-02-10, or RFC3339
    #[arg(long, value_name = "T")]
    since: Option<String>,
    /// Only messages from this agent
    #[arg(long, value_name = "AGENT")]
    from: Option<String>,
    /// Keep printing new messages as they arrive
    #[arg(short = 'f', long)]
    follow: bool,
    /// One JSON object per line
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A topic, or @agent for that agent's inbox; all topics when omitted
    target: Option<String>,
    #[command(flatten)]
    flags: ReadFlags,
}

#[derive(Debug, clap::Args)]
pub(crate) struct MessagesArgs {
    #[command(flatten)]
    flags: ReadFlags,
}

pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let scope = match args.target {
        Some(raw) => Scope::Target(Target::parse(&raw).map_err(as_usage)?),
        None => Scope::AllTopics,
    };
    show(ctx, scope, args.flags)
}

pub(crate) fn run_messages(ctx: &Ctx, args: MessagesArgs) -> Result<(), CliError> {
    show(ctx, Scope::Everything, args.flags)
}

/// Builds the filter from `--since` and `--from`.
pub(crate) fn filter_from(since: Option<&str>, from: Option<&str>) -> Result<Filter, CliError> {
    let since = since
        .map(|s| parse_since(s, Timestamp::now()))
        .transpose()
        .map_err(as_usage)?;
    let from = from
        .map(|f| normalize_name("agent", f.trim().trim_start_matches('@')))
        .transpose()
        .map_err(as_usage)?;
    Ok(Filter { since, from })
}

fn show(ctx: &Ctx, scope: Scope, flags: ReadFlags) -> Result<(), CliError> {
    let limit = usize::try_from(flags.limit)
        .map_err(|_| CliError::usage(format!("--limit must be 0 or more, got {}", flags.limit)))?;
    let filter = filter_from(flags.since.as_deref(), flags.from.as_deref())?;
    let store = Store::discover(&ctx.env)?;
    let listing = store.list(&scope)?;
    let selection = listing.select(&filter, limit);
    warn_skipped(&ctx.printer, &selection.skipped);
    for message in &selection.messages {
        print_message(&ctx.printer, message, flags.json)?;
    }
    if !flags.follow {
        return Ok(());
    }
    let mut watcher = Watcher::after_listing(&store, scope, &listing)?;
    let interrupt = Interrupt::install();
    while !interrupt.raised() {
        let batch = watcher.next_batch(Some(Interrupt::slice(None)))?;
        warn_skipped(&ctx.printer, &batch.skipped);
        for message in batch.messages.iter().filter(|m| filter.accepts(m)) {
            print_message(&ctx.printer, message, flags.json)?;
        }
    }
    Ok(())
}
