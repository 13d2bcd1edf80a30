//! Parser throughput: `cargo bench -p forge-harness --bench parse_bench`.
//!
//! Generates ~50 MB streams shaped like real Claude stream-json, Codex `exec --json` and pi
//! `--mode json` output (long tool results, assistant text, per-message usage) and feeds them
//! line by line through the parser, as the runner does. Prints MB/s per harness (best of 7).
//!
//! The machine may be shared, so besides wall time the bench reports throughput over the
//! thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), which other processes disturb far less.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unsafe_code
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use forge_harness::parse::{ExitInfo, Outcome, parser_for};
use serde_json::json;

const TARGET_BYTES: usize = 50 * 1024 * 1024;

/// Deterministic text shaped like tool output and code: lines of 40-100 characters, an
/// indentation tab now and then, and a quoted string every few lines (each of which becomes a
/// JSON escape).
fn filler(seed: usize, len: usize) -> String {
    const WORDS: [&str; 12] = [
        "let",
        "value",
        "=",
        "parser.feed_line(line);",
        "error[E0308]:",
        "mismatched",
        "types",
        "src/parse/claude.rs:142:9",
        "fn",
        "finish(self)",
        "->",
        "RunReport",
    ];
    let mut out = String::with_capacity(len + 128);
    let mut i = seed;
    let mut line_len = 0;
    while out.len() < len {
        if line_len == 0 && i.is_multiple_of(4) {
            out.push('\t');
        }
        let word = WORDS[i % WORDS.len()];
        if i.is_multiple_of(29) {
            out.push_str(&format!("\"{word}\""));
        } else {
            out.push_str(word);
        }
        line_len += word.len() + 1;
        if line_len > 40 + (i % 60) {
            out.push('\n');
            line_len = 0;
        } else {
            out.push(' ');
        }
        i = i.wrapping_mul(31).wrapping_add(7);
    }
    out
}

fn claude_stream() -> String {
    let mut out = String::new();
    out.push_str(&json!({"type":"system","subtype":"init","session_id":"s","model":"claude-sonnet-4-5","tools":["Bash","Edit"]}).to_string());
    out.push('\n');
    let mut n = 0;
    while out.len() < TARGET_BYTES {
        let usage = json!({"input_tokens": 10 + n, "cache_creation_input_tokens": 100, "cache_read_input_tokens": 5000, "output_tokens": 200});
        let id = format!("msg_{n}");
        out.push_str(&json!({"type":"assistant","message":{"id":id,"model":"claude-sonnet-4-5","role":"assistant","content":[{"type":"text","text":filler(n, 600)}],"usage":usage},"session_id":"s"}).to_string());
        out.push('\n');
        out.push_str(&json!({"type":"assistant","message":{"id":id,"model":"claude-sonnet-4-5","role":"assistant","content":[{"type":"tool_use","id":format!("toolu_{n}"),"name":"Bash","input":{"command":filler(n + 1, 120)}}],"usage":usage},"session_id":"s"}).to_string());
        out.push('\n');
        out.push_str(&json!({"type":"user","message":{"role":"user","content":[{"tool_use_id":format!("toolu_{n}"),"type":"tool_result","content":filler(n + 2, 6000),"is_error":false}]},"session_id":"s"}).to_string());
        out.push('\n');
        n += 1;
    }
    out.push_str(&json!({"type":"result","subtype":"success","is_error":false,"num_turns":n,"result":"done","session_id":"s","total_cost_usd":1.5,"usage":{"input_tokens":1,"output_tokens":2}}).to_string());
    out.push('\n');
    out
}

fn codex_stream() -> String {
    let mut out = String::from(
        "{\"type\":\"thread.started\",\"thread_id\":\"t\"}\n{\"type\":\"turn.started\"}\n",
    );
    let mut n = 0;
    while out.len() < TARGET_BYTES {
        let command = filler(n, 100);
        out.push_str(&json!({"type":"item.started","item":{"id":format!("item_{n}"),"type":"command_execution","command":command,"aggregated_output":"","exit_code":null,"status":"in_progress"}}).to_string());
        out.push('\n');
        out.push_str(&json!({"type":"item.completed","item":{"id":format!("item_{n}"),"type":"command_execution","command":command,"aggregated_output":filler(n + 1, 6000),"exit_code":0,"status":"completed"}}).to_string());
        out.push('\n');
        out.push_str(&json!({"type":"item.completed","item":{"id":format!("msg_{n}"),"type":"agent_message","text":filler(n + 2, 500)}}).to_string());
        out.push('\n');
        n += 1;
    }
    out.push_str("{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":1000,\"cached_input_tokens\":500,\"output_tokens\":20}}\n");
    out
}

fn pi_stream() -> String {
    let mut out =
        String::from("{\"type\":\"session\",\"version\":3,\"id\":\"p\",\"cwd\":\"/r\"}\n");
    let mut n = 0;
    while out.len() < TARGET_BYTES {
        let text = filler(n, 600);
        let message = json!({"role":"assistant","content":[{"type":"text","text":text},{"type":"toolCall","id":format!("c{n}"),"name":"bash","arguments":{"command":"ls"}}],"model":"m","usage":{"input":100,"output":20,"cacheRead":1000,"cacheWrite":0,"cost":{"total":0.001}},"stopReason":"toolUse"});
        // pi repeats the growing message in every update: a few per message.
        for _ in 0..3 {
            out.push_str(&json!({"type":"message_update","message":message,"assistantMessageEvent":{"type":"text_delta","delta":"x"}}).to_string());
            out.push('\n');
        }
        out.push_str(&json!({"type":"message_end","message":message}).to_string());
        out.push('\n');
        out.push_str(&json!({"type":"tool_execution_end","toolCallId":format!("c{n}"),"toolName":"bash","result":{"content":[{"type":"text","text":filler(n + 1, 4000)}]},"isError":false}).to_string());
        out.push('\n');
        n += 1;
    }
    out
}

/// CPU time used by this thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Best-of-seven (wall, cpu) time of `f`.
fn best_of(mut f: impl FnMut()) -> (Duration, Duration) {
    let mut best = (Duration::MAX, Duration::MAX);
    for _ in 0..7 {
        let (wall, cpu) = (Instant::now(), thread_cpu());
        f();
        best = (best.0.min(wall.elapsed()), best.1.min(thread_cpu() - cpu));
    }
    best
}

fn row(name: &str, bytes: usize, (wall, cpu): (Duration, Duration)) {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    println!(
        "{name:<10} {mb:>8.1} {:>10.1} {:>10.0} {:>10.1} {:>10.0}",
        wall.as_secs_f64() * 1000.0,
        mb / wall.as_secs_f64(),
        cpu.as_secs_f64() * 1000.0,
        mb / cpu.as_secs_f64()
    );
}

/// Parses `stream` with the harness's parser, line by line, as the runner does.
fn measure(harness: &str, stream: &str) -> (Duration, Duration) {
    let now = jiff::Timestamp::UNIX_EPOCH.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    best_of(|| {
        let mut parser = parser_for(harness);
        let mut rendered = 0usize;
        for line in stream.lines() {
            if let Some(text) = parser.feed_line(line) {
                rendered += text.len();
            }
        }
        let report = parser.finish(ExitInfo::exited(0, now.clone()));
        assert_eq!(report.outcome, Outcome::Success);
        black_box((rendered, report));
    })
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument selects harnesses.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    type Case = (&'static str, fn() -> String);
    let cases: [Case; 4] = [
        ("claude", claude_stream),
        ("codex", codex_stream),
        ("pi", pi_stream),
        ("command", claude_stream),
    ];
    println!(
        "{:<10} {:>8} {:>10} {:>10} {:>10} {:>10}",
        "parser", "MB", "wall ms", "wall MB/s", "cpu ms", "cpu MB/s"
    );
    if filter.is_empty() || filter.iter().any(|f| f == "baseline") {
        // Floors for comparison: serde_json skipping every line, and parsing it to a Value.
        let stream = claude_stream();
        let skip = best_of(|| {
            for line in stream.lines() {
                black_box(serde_json::from_str::<serde::de::IgnoredAny>(line).is_ok());
            }
        });
        row("skip-json", stream.len(), skip);
        let value = best_of(|| {
            for line in stream.lines() {
                black_box(serde_json::from_str::<serde_json::Value>(line).is_ok());
            }
        });
        row("value-json", stream.len(), value);
    }
    for (harness, make) in cases {
        if !filter.is_empty() && !filter.iter().any(|f| harness.contains(f.as_str())) {
            continue;
        }
        let stream = make();
        row(harness, stream.len(), measure(harness, &stream));
    }
}
