//! `forge logs [loop]` (alias `log`): print the tail of loop logs, optionally following them.
//!
//! Follow mode polls the files every 250 ms and prints appended complete lines; it ends with
//! exit code 0 on Ctrl-C/SIGTERM or when the reader of stdout goes away.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use forge_core::duration::parse_duration_secs_ceil;
use forge_core::model::Loop;
use forge_core::slug::slugify;
use forge_core::time::{add_seconds, parse_ts};
use forge_store::LoopFilter;
use jiff::Timestamp;
use serde_json::json;

use crate::context::Ctx;
use crate::error::CliError;
use crate::printer::{OutputMode, Printer};
use crate::select::resolve_loop;

const POLL: Duration = Duration::from_millis(250);

/// Arguments of `forge logs`.
#[derive(Debug, Args)]
pub(crate) struct LogsArgs {
    /// Loop name, short id, id or unique id prefix
    #[arg(value_name = "LOOP")]
    reference: Option<String>,
    /// Keep printing lines as they are appended
    #[arg(short = 'f', long)]
    follow: bool,
    /// Number of lines to show (default 50)
    #[arg(short = 'n', long, default_value_t = 50, allow_negative_numbers = true)]
    lines: i64,
    /// Only control lines newer than a duration (1h) or time (RFC 3339); output lines are kept
    #[arg(long, value_name = "DURATION|TIME")]
    since: Option<String>,
    /// Every loop of the current repo
    #[arg(long)]
    all: bool,
    /// Show structured harness output (JSON events) as written instead of one line per event
    #[arg(long)]
    raw: bool,
}

struct Target {
    name: String,
    loop_id: String,
    path: PathBuf,
    /// The human renderer (None with --raw or in JSON modes).
    renderer: Option<std::cell::RefCell<forge_harness::render::LogRenderer>>,
}

/// The harness of each profile by name, and of the loop's latest run.
fn renderer_for(
    store: &forge_store::Store,
    loop_id: &str,
) -> Result<forge_harness::render::LogRenderer, CliError> {
    let profiles = store.list_profiles()?;
    let latest = store
        .list_runs(loop_id, 1)?
        .into_iter()
        .next()
        .and_then(|r| r.profile_id)
        .and_then(|id| {
            profiles
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.harness.clone())
        });
    let harness_of = profiles.into_iter().map(|p| (p.name, p.harness)).collect();
    Ok(forge_harness::render::LogRenderer::new(
        harness_of,
        latest.as_deref(),
    ))
}

/// Renders complete lines for a person (`text` ends with a newline or is empty).
fn render_lines(target: &Target, text: &str) -> String {
    let Some(renderer) = &target.renderer else {
        return text.to_string();
    };
    let mut renderer = renderer.borrow_mut();
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if let Some(shown) = renderer.render(line) {
            out.push_str(&shown);
            out.push('\n');
        }
    }
    out
}

fn log_path(ctx: &Ctx, l: &Loop) -> PathBuf {
    match l.log_path.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => ctx.runner_paths().log_path(&slugify(&l.name, &l.id)),
    }
}

pub(crate) fn parse_since(text: &str) -> Result<Timestamp, CliError> {
    if let Ok(secs) = parse_duration_secs_ceil(text) {
        return Ok(add_seconds(Timestamp::now(), -secs));
    }
    parse_ts(text).ok_or_else(|| {
        CliError::invalid(format!(
            "invalid --since \"{text}\" (use a duration like 30m or 1h, or an RFC 3339 time)"
        ))
    })
}

/// The timestamp of a `[YYYY-MM-DDTHH:MM:SSZ] …` control line.
fn line_time(line: &str) -> Option<Timestamp> {
    let rest = line.strip_prefix('[')?;
    let end = rest.find(']')?;
    parse_ts(&rest[..end])
}

/// The last `max_lines` lines of a file, reading backwards in blocks (logs can be large).
fn tail_lines(path: &Path, max_lines: usize) -> std::io::Result<(Vec<String>, u64)> {
    let mut file = fs_err::File::open(path)?;
    let len = file.metadata()?.len();
    let mut buf: Vec<u8> = Vec::new();
    let mut pos = len;
    const BLOCK: u64 = 64 * 1024;
    while pos > 0 && buf.iter().filter(|b| **b == b'\n').count() <= max_lines {
        let start = pos.saturating_sub(BLOCK);
        let mut chunk = vec![0u8; (pos - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&buf);
        buf = chunk;
        pos = start;
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if pos > 0 && !lines.is_empty() {
        lines.remove(0); // possibly partial first line
    }
    let skip = lines.len().saturating_sub(max_lines);
    Ok((lines.split_off(skip), len))
}

fn read_all_lines(path: &Path) -> std::io::Result<(Vec<String>, u64)> {
    let bytes = fs_err::read(path)?;
    let len = bytes.len() as u64;
    Ok((
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_string)
            .collect(),
        len,
    ))
}

/// Runs `forge logs`.
pub(crate) fn run(ctx: &Ctx, args: LogsArgs) -> Result<(), CliError> {
    if args.lines < 0 {
        return Err(CliError::invalid(format!(
            "--lines must be 0 or more (got {})",
            args.lines
        )));
    }
    let max_lines = if args.lines <= 0 {
        50
    } else {
        args.lines as usize
    };
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let targets: Vec<Target> = {
        let store = ctx.open_store()?;
        let loops = match (&args.reference, args.all) {
            (Some(r), _) => vec![resolve_loop(&store, r)?],
            (None, true) => {
                let filter = LoopFilter {
                    repo: Some(ctx.repo().display().to_string()),
                    ..LoopFilter::default()
                };
                let loops = store.list_loops(&filter)?;
                if loops.is_empty() {
                    return Err(CliError::other(format!(
                        "no loops found for repo {}",
                        ctx.repo().display()
                    )));
                }
                loops
            }
            (None, false) => {
                return Err(CliError::invalid("loop name required (or use --all)").hint(
                    "Usage: forge logs <loop>, or forge logs --all for every loop of this repo",
                ));
            }
        };
        let human = ctx.printer.mode() == OutputMode::Human && !args.raw;
        let mut targets = Vec::with_capacity(loops.len());
        for l in &loops {
            targets.push(Target {
                name: l.name.clone(),
                loop_id: l.id.clone(),
                path: log_path(ctx, l),
                renderer: if human {
                    Some(std::cell::RefCell::new(renderer_for(&store, &l.id)?))
                } else {
                    None
                },
            });
        }
        targets
    };

    let mut offsets = Vec::with_capacity(targets.len());
    let mut json_out = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let read = if since.is_some() {
            read_all_lines(&t.path)
        } else {
            tail_lines(&t.path, max_lines)
        };
        let (mut lines, len) = match read {
            Ok(v) => v,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && args.follow => (Vec::new(), 0),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(CliError::not_found(format!(
                    "log file not found for loop \"{}\": {}",
                    t.name,
                    t.path.display()
                ))
                .hint("The loop has not written anything yet; check `forge ps`."));
            }
            Err(e) => {
                return Err(CliError::failed(format!(
                    "unable to read {}: {e}",
                    t.path.display()
                )));
            }
        };
        if let Some(cutoff) = since {
            lines.retain(|l| line_time(l).is_none_or(|ts| ts >= cutoff));
            let skip = lines.len().saturating_sub(max_lines);
            lines.drain(..skip);
        }
        offsets.push(len);
        match ctx.printer.mode() {
            OutputMode::Json if !args.follow => {
                json_out.push(json!({ "loop_id": t.loop_id, "name": t.name, "log_path": t.path, "lines": lines }));
            }
            OutputMode::Json | OutputMode::Jsonl => {
                // Streams (and follow mode) are JSON Lines: one object per log line.
                let rows: Vec<_> = lines
                    .iter()
                    .map(|l| json!({ "loop": t.name, "line": l }))
                    .collect();
                Printer::new(OutputMode::Jsonl, false, false).json(&rows)?;
            }
            OutputMode::Human => {
                let mut out = String::new();
                if i > 0 {
                    out.push('\n');
                }
                if !ctx.printer.quiet() {
                    out.push_str(&format!("==> {} <==\n", t.name));
                }
                let mut text = String::new();
                for l in &lines {
                    text.push_str(l);
                    text.push('\n');
                }
                out.push_str(&render_lines(t, &text));
                ctx.printer.raw(&out)?;
            }
        }
    }
    if ctx.printer.mode() == OutputMode::Json && !args.follow {
        return ctx.printer.json(&json_out);
    }
    if args.follow {
        follow(ctx, &targets, offsets)?;
    }
    Ok(())
}

/// Polls the files and prints appended complete lines until interrupted.
fn follow(ctx: &Ctx, targets: &[Target], mut offsets: Vec<u64>) -> Result<(), CliError> {
    let stop = crate::interrupt::Interrupt::try_install()
        .map_err(|e| CliError::failed(format!("unable to watch for Ctrl-C: {e}")))?;
    let mut partial: Vec<Vec<u8>> = vec![Vec::new(); targets.len()];
    let mut last_shown = targets.len().saturating_sub(1);
    while !stop.raised() {
        for (i, t) in targets.iter().enumerate() {
            let Ok(mut file) = fs_err::File::open(&t.path) else {
                continue;
            };
            let Ok(len) = file.metadata().map(|m| m.len()) else {
                continue;
            };
            if len < offsets[i] {
                offsets[i] = 0; // truncated or replaced
                partial[i].clear();
            }
            if len == offsets[i] {
                continue;
            }
            let mut chunk = Vec::new();
            if file.seek(SeekFrom::Start(offsets[i])).is_err()
                || file.read_to_end(&mut chunk).is_err()
            {
                continue;
            }
            offsets[i] += chunk.len() as u64;
            partial[i].extend_from_slice(&chunk);
            let Some(cut) = partial[i].iter().rposition(|b| *b == b'\n') else {
                continue;
            };
            let complete: Vec<u8> = partial[i].drain(..=cut).collect();
            let text = String::from_utf8_lossy(&complete);
            match ctx.printer.mode() {
                OutputMode::Human => {
                    let mut out = String::new();
                    if targets.len() > 1 && last_shown != i && !ctx.printer.quiet() {
                        out.push_str(&format!("\n==> {} <==\n", t.name));
                    }
                    out.push_str(&render_lines(t, &text));
                    ctx.printer.raw(&out)?;
                }
                _ => {
                    let rows: Vec<_> = text
                        .lines()
                        .map(|l| json!({ "loop": t.name, "line": l }))
                        .collect();
                    Printer::new(OutputMode::Jsonl, false, false).json(&rows)?;
                }
            }
            last_shown = i;
        }
        std::thread::sleep(POLL);
    }
    Ok(())
}
