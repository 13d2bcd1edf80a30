//! `fmail watch [topic|@agent]`: stream messages that arrive after the start.

use std::time::{Duration, Instant};

use forge_mail::{Store, Target, Watcher, parse_go_duration, scope_for};

use super::Ctx;
use super::error::as_usage;
use super::output::{print_message, warn_skipped};
use crate::error::CliError;
use crate::interrupt::Interrupt;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A topic, or @agent for that agent's inbox; all topics (no DMs) when omitted
    target: Option<String>,
    /// Stop after this long, e.g. 30s or 2m (0 = never)
    #[arg(long, value_name = "DUR", default_value = "0")]
    timeout: String,
    /// Stop after N messages (0 = never)
    #[arg(short = 'c', long = "count", default_value_t = 0, value_name = "N")]
    count: u64,
    /// One JSON object per line
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let target = args
        .target
        .as_deref()
        .map(Target::parse)
        .transpose()
        .map_err(as_usage)?;
    let timeout = parse_go_duration(&args.timeout).ok_or_else(|| {
        CliError::usage(format!(
            "invalid --timeout {:?}: use a duration like 30s or 2m",
            args.timeout
        ))
    })?;
    let timeout = Duration::try_from(timeout).map_err(|_| {
        CliError::usage(format!(
            "--timeout must not be negative, got {}",
            args.timeout
        ))
    })?;
    let deadline = (!timeout.is_zero()).then(|| Instant::now() + timeout);
    let store = Store::discover(&ctx.env)?;
    let mut watcher = Watcher::from_now(&store, scope_for(target))?;
    let interrupt = Interrupt::install();
    let mut delivered = 0u64;
    loop {
        let batch = watcher.next_batch(Some(Interrupt::slice(deadline)))?;
        warn_skipped(&ctx.printer, &batch.skipped);
        for message in &batch.messages {
            print_message(&ctx.printer, message, args.json)?;
            delivered += 1;
            if args.count > 0 && delivered >= args.count {
                return Ok(());
            }
        }
        if interrupt.raised() || deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(());
        }
    }
}
