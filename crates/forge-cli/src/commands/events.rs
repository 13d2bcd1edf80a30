//! `forge events` (alias `audit`): read the event log, and follow it as events are recorded.
//!
//! `--follow` re-reads the log whenever the database files change (checked every 50 ms, so an
//! event is printed within ~100 ms) and prints events by id, after the last one printed.
//! Ids become visible in order (SQLite allocates them under its one write lock), and the
//! cursor hands out only consecutive ids, waiting a bounded time at a hole; so a follower
//! restarted with `--after <last id it printed>` neither misses nor repeats an event.

use std::time::{Duration, Instant};

use clap::Args;
use forge_core::events::describe::detail;
use forge_core::events::{FollowCursor, parse_kinds};
use forge_core::model::Event;
use forge_core::time::format_ts;
use forge_store::{EventFilter, ReadGate, Store};

use crate::context::Ctx;
use crate::error::CliError;
use crate::printer::{OutputMode, Printer};
use crate::select::resolve_loop;

/// How often a follower checks the database files for a change.
const POLL: Duration = Duration::from_millis(50);

/// Events read per query while following.
const BATCH: i64 = 500;

/// Arguments of `forge events` / `forge audit`.
#[derive(Debug, Args)]
pub(crate) struct EventsArgs {
    /// Keep printing events as they are recorded, until Ctrl-C
    #[arg(short = 'f', long, visible_alias = "watch")]
    follow: bool,
    /// Only these kinds: kinds or families, comma-separated (loop.stopped,run.*)
    #[arg(long, value_name = "KINDS", visible_alias = "type", alias = "action")]
    kind: Vec<String>,
    /// Only events about this loop (name, short id, id or unique id prefix)
    #[arg(long = "loop", value_name = "LOOP")]
    loop_ref: Option<String>,
    /// Only events about this kind of entity: loop, profile, pool or hook
    #[arg(long, value_name = "TYPE")]
    entity_type: Option<String>,
    /// Only events about this entity id
    #[arg(long, value_name = "ID")]
    entity_id: Option<String>,
    /// Only events newer than a duration (1h) or a time (RFC 3339)
    #[arg(long, value_name = "DURATION|TIME")]
    since: Option<String>,
    /// Only events older than a duration (1h) or a time (RFC 3339)
    #[arg(long, value_name = "DURATION|TIME")]
    until: Option<String>,
    /// Only events after this id: restart a follower from the last id it printed
    #[arg(long, visible_alias = "cursor", value_name = "ID")]
    after: Option<i64>,
    /// At most N events, the newest (default 100; with --follow 10; 0 = all; no limit with --after)
    #[arg(short = 'n', long, value_name = "N")]
    limit: Option<i64>,
}

impl EventsArgs {
    fn filter(&self, store: &Store) -> Result<EventFilter, CliError> {
        let mut kinds = Vec::new();
        for list in &self.kind {
            kinds.extend(parse_kinds(list).map_err(|e| {
                CliError::invalid(format!("invalid --kind: {e}"))
                    .hint("Every kind is listed in docs/events.md; `forge events --kind 'loop.*'` picks a family.")
            })?);
        }
        let loop_id = match &self.loop_ref {
            Some(r) => Some(resolve_loop(store, r)?.id),
            None => None,
        };
        let time = |flag: &str, v: &Option<String>| -> Result<Option<String>, CliError> {
            v.as_deref()
                .map(|t| {
                    super::logs::parse_since(t).map(format_ts).map_err(|_| {
                        CliError::invalid(format!(
                            "invalid {flag} \"{t}\" (use a duration like 30m or 1h, or an RFC 3339 time)"
                        ))
                    })
                })
                .transpose()
        };
        if let Some(after) = self.after.filter(|a| *a < 0) {
            return Err(CliError::invalid(format!(
                "--after must be an event id, 0 or more (got {after})"
            )));
        }
        let limit = match (self.limit, self.after) {
            (Some(n), _) if n < 0 => {
                return Err(CliError::invalid(format!(
                    "--limit must be 0 or more (got {n})"
                )));
            }
            (Some(0), _) | (None, Some(_)) => None,
            (Some(n), _) => Some(n),
            (None, None) => Some(if self.follow { 10 } else { 100 }),
        };
        Ok(EventFilter {
            kinds,
            entity_type: self.entity_type.clone(),
            entity_id: self.entity_id.clone(),
            loop_id,
            since: time("--since", &self.since)?,
            until: time("--until", &self.until)?,
            after: self.after,
            limit,
            newest: self.after.is_none(),
        })
    }
}

/// One event for people: time, id, kind, who, what.
fn human_line(event: &Event) -> String {
    let subject = forge_core::events::describe::subject(event);
    let detail = detail(event);
    let mut line = format!(
        "{} {:>6}  {:<24} {subject}",
        event.created_at,
        format!("#{}", event.id),
        event.kind
    );
    if !detail.is_empty() {
        line.push_str("  ");
        line.push_str(&detail);
    }
    line
}

/// Prints events in the current mode (`--json` prints one array unless following).
fn print(ctx: &Ctx, events: &[Event], streaming: bool) -> Result<(), CliError> {
    match ctx.printer.mode() {
        OutputMode::Human => {
            let mut out = String::new();
            for e in events {
                out.push_str(&human_line(e));
                out.push('\n');
            }
            ctx.printer.raw(&out)
        }
        OutputMode::Json if !streaming => ctx.printer.json(events),
        _ => Printer::new(OutputMode::Jsonl, false, false).json(events),
    }
}

/// Runs `forge events`.
pub(crate) fn run(ctx: &Ctx, args: EventsArgs) -> Result<(), CliError> {
    let store = ctx.open_store()?;
    let filter = args.filter(&store)?;
    let first = store.list_events(&filter)?;
    if !args.follow {
        return print(ctx, &first, false);
    }
    print(ctx, &first, true)?;
    let start = match (first.last(), args.after) {
        (Some(last), _) => last.id,
        (None, Some(after)) => after,
        (None, None) => store.last_event_id()?,
    };
    follow(ctx, &store, &filter, start)
}

/// Prints events recorded after `after` as they come, until Ctrl-C or SIGTERM.
fn follow(ctx: &Ctx, store: &Store, filter: &EventFilter, after: i64) -> Result<(), CliError> {
    let stop = crate::interrupt::Interrupt::try_install()
        .map_err(|e| CliError::failed(format!("unable to watch for Ctrl-C: {e}")))?;
    let clock = Instant::now();
    let mut cursor = FollowCursor::new(after);
    let mut gate = ReadGate::default();
    let mut read_again = false;
    while !stop.raised() {
        if gate.should_read(store, read_again) {
            let batch = store.events_after(cursor.after(), BATCH)?;
            let ids: Vec<i64> = batch.iter().map(|e| e.id).collect();
            let now_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
            let taken = cursor.advance(&ids, now_ms);
            let full = batch.len() == BATCH as usize && taken == batch.len();
            // A hole in the ids (waited for a bounded time) or more to read: look again at once.
            read_again = taken < batch.len() || full;
            let shown: Vec<Event> = batch
                .into_iter()
                .take(taken)
                .filter(|e| filter.matches(e))
                .collect();
            if !shown.is_empty() {
                print(ctx, &shown, true)?;
            }
            if full {
                continue;
            }
        }
        std::thread::sleep(POLL);
    }
    Ok(())
}
