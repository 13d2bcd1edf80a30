//! `forge usage`: runs, tokens and cost by loop, profile, harness and day.

use clap::{Args, ValueEnum};
use forge_core::time::format_ts;
use forge_store::{UsageGroup, UsageRow};
use serde_json::{Value, json};

use super::logs::parse_since;
use crate::context::Ctx;
use crate::error::CliError;
use crate::table::render;

/// A grouping of `forge usage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum By {
    Loop,
    Profile,
    Harness,
    Day,
}

impl By {
    const ALL: [By; 4] = [By::Loop, By::Profile, By::Harness, By::Day];

    fn name(self) -> &'static str {
        match self {
            By::Loop => "loop",
            By::Profile => "profile",
            By::Harness => "harness",
            By::Day => "day",
        }
    }

    fn group(self) -> UsageGroup {
        match self {
            By::Loop => UsageGroup::Loop,
            By::Profile => UsageGroup::Profile,
            By::Harness => UsageGroup::Harness,
            By::Day => UsageGroup::Day,
        }
    }
}

/// Arguments of `forge usage`.
#[derive(Debug, Args)]
pub(crate) struct UsageArgs {
    /// Only this grouping (default: all four)
    #[arg(long, value_enum)]
    by: Option<By>,
    /// Only runs started since a duration ago (e.g. 24h) or an RFC 3339 time
    #[arg(long, value_name = "DURATION|TIME")]
    since: Option<String>,
}

fn row_json(by: By, row: &UsageRow) -> Value {
    json!({
        by.name(): row.key,
        "runs": row.runs,
        "input_tokens": row.totals.input_tokens,
        "output_tokens": row.totals.output_tokens,
        "cache_read_tokens": row.totals.cache_read_tokens,
        "cache_write_tokens": row.totals.cache_write_tokens,
        "cost_usd": row.totals.cost_usd,
    })
}

fn table(by: By, rows: &[UsageRow]) -> String {
    let header = [
        by.name().to_uppercase(),
        "RUNS".into(),
        "INPUT".into(),
        "OUTPUT".into(),
        "CACHE_READ".into(),
        "CACHE_WRITE".into(),
        "COST_USD".into(),
    ];
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.key.clone(),
                r.runs.to_string(),
                r.totals.input_tokens.to_string(),
                r.totals.output_tokens.to_string(),
                r.totals.cache_read_tokens.to_string(),
                r.totals.cache_write_tokens.to_string(),
                format!("{:.4}", r.totals.cost_usd),
            ]
        })
        .collect();
    render(&header, &body)
}

/// Runs `forge usage`.
pub(crate) fn run(ctx: &Ctx, args: UsageArgs) -> Result<(), CliError> {
    let store = ctx.open_store()?;
    let since = args
        .since
        .as_deref()
        .map(parse_since)
        .transpose()?
        .map(format_ts);
    let groups: Vec<By> = args.by.map_or_else(|| By::ALL.to_vec(), |b| vec![b]);
    let mut reports = Vec::with_capacity(groups.len());
    for by in groups {
        reports.push((by, store.usage_report(by.group(), since.as_deref())?));
    }
    if ctx.printer.is_json() {
        if let [(by, rows)] = reports.as_slice() {
            return ctx
                .printer
                .json(&rows.iter().map(|r| row_json(*by, r)).collect::<Vec<_>>());
        }
        let mut doc = serde_json::Map::new();
        for (by, rows) in &reports {
            doc.insert(
                format!("by_{}", by.name()),
                Value::Array(rows.iter().map(|r| row_json(*by, r)).collect()),
            );
        }
        return ctx.printer.json(&Value::Object(doc));
    }
    if reports.iter().all(|(_, rows)| rows.is_empty()) {
        return ctx.printer.line("No runs recorded");
    }
    let text = reports
        .iter()
        .map(|(by, rows)| table(*by, rows))
        .collect::<Vec<_>>()
        .join("\n");
    ctx.printer.raw(&text)
}
