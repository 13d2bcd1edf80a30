//! fmail benchmarks (run with `cargo bench -p forge-cli --bench fmail_bench`; cargo builds the
//! release `fmail` binary first):
//! (a) `fmail send` latency, (b) `fmail log -n 20` on a topic with 100,000 messages: right after a
//! new message (the listing cache cannot be trusted, the directory is listed), on the first read
//! once the topic has been quiet for the racy margin (listed, cache rewritten), and in the steady
//! state of a quiet topic (cache valid, not listed), (c) `fmail watch` delivery latency from `send`
//! returning to the watcher printing the line.
#![allow(
    clippy::disallowed_methods,
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use forge_mail::{Draft, Message, RACY_MARGIN, Store, Target, encode_message};

const FMAIL: &str = env!("CARGO_BIN_EXE_fmail");
const SEND_RUNS: usize = 60;
const LOG_MESSAGES: usize = 100_000;
const LOG_RUNS: usize = 30;
/// Each of these runs waits out the racy margin first (about 2 s).
const LOG_REWRITE_RUNS: usize = 10;
const WATCH_MESSAGES: usize = 30;

fn fmail(root: &Path, home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(FMAIL);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("FMAIL_ROOT", root)
        .env("FMAIL_AGENT", "bench")
        .args(args)
        .stdin(Stdio::null());
    cmd
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

struct Stats {
    median: Duration,
    p90: Duration,
    max: Duration,
    runs: usize,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p90: at(0.9),
        max: *samples.last().unwrap(),
        runs: samples.len(),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn bench_send(root: &Path, home: &Path) -> Stats {
    for i in 0..5 {
        run_ok(&mut fmail(
            root,
            home,
            &["send", "warmup", &format!("warm {i}")],
        ));
    }
    let samples = (0..SEND_RUNS)
        .map(|i| {
            let start = Instant::now();
            run_ok(&mut fmail(
                root,
                home,
                &["send", "latency", &format!("message {i}")],
            ));
            start.elapsed()
        })
        .collect();
    stats(samples)
}

/// Writes 100,000 messages straight through the library's encoder (ids spread over seconds, 5,000
/// per second), which is much faster than 100,000 `fmail send` processes.
fn fill_topic(store: &Store, topic: &str) {
    let dir = store.target_dir(&Target::Topic(topic.into()));
    std::fs::create_dir_all(&dir).unwrap();
    let base: jiff::Timestamp = "2026-02-10T12:00:00Z".parse().unwrap();
    for i in 0..LOG_MESSAGES {
        let second = base
            .checked_add(jiff::SignedDuration::from_secs((i / 5000) as i64))
            .unwrap();
        let id = format!("{}-{:04}", second.strftime("%Y%m%d-%H%M%S"), i % 5000 + 1);
        let message = Message {
            id: id.clone(),
            from: if i % 3 == 0 {
                "alice".into()
            } else {
                "bob".into()
            },
            to: topic.into(),
            time: second,
            body: serde_json::Value::from(format!("message number {i} with a little payload")),
            reply_to: String::new(),
            priority: String::new(),
            host: String::new(),
            tags: Vec::new(),
        };
        std::fs::write(
            dir.join(format!("{id}.json")),
            encode_message(&message).unwrap(),
        )
        .unwrap();
    }
}

fn bench_log(root: &Path, home: &Path, args: &[&str], expect_lines: usize) -> Stats {
    run_ok(&mut fmail(root, home, args)); // warm the page cache
    let samples = (0..LOG_RUNS)
        .map(|_| {
            let start = Instant::now();
            let out = run_ok(&mut fmail(root, home, args));
            let elapsed = start.elapsed();
            assert_eq!(out.lines().count(), expect_lines, "{args:?}");
            elapsed
        })
        .collect();
    stats(samples)
}

/// A message from a writer that is not `fmail log` (the next read must see it).
fn add_message(store: &Store, topic: &str, i: usize) {
    store
        .save(Draft::new(
            "writer",
            Target::Topic(topic.into()),
            serde_json::Value::from(format!("new message {i}")),
        ))
        .unwrap();
}

/// Waits until the directory's last change (mtime or ctime) is more than the racy margin in the
/// past, which is when a listing of it may be cached: what a quiet topic looks like.
fn wait_until_quiet(dir: &Path) {
    let nanos = |sec: i64, nsec: i64| i128::from(sec) * 1_000_000_000 + i128::from(nsec);
    loop {
        let meta = std::fs::metadata(dir).unwrap();
        let changed =
            nanos(meta.mtime(), meta.mtime_nsec()).max(nanos(meta.ctime(), meta.ctime_nsec()));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i128;
        if now - changed > RACY_MARGIN.as_nanos() as i128 + 50_000_000 {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `log` timed right after a new message lands in the topic: the cache cannot be trusted, so
/// every run lists the directory (and, within the racy margin, writes no cache).
fn bench_log_after_message(root: &Path, home: &Path, store: &Store, args: &[&str]) -> Stats {
    let samples = (0..LOG_RUNS)
        .map(|i| {
            add_message(store, "big", i);
            let start = Instant::now();
            let out = run_ok(&mut fmail(root, home, args));
            let elapsed = start.elapsed();
            assert_eq!(out.lines().count(), 20, "{args:?}");
            elapsed
        })
        .collect();
    stats(samples)
}

/// The first `log` once the topic has been quiet for the racy margin after a new message: it
/// lists the directory and rewrites the cache.
fn bench_log_rewrite(root: &Path, home: &Path, store: &Store, args: &[&str]) -> Stats {
    let dir = store.target_dir(&Target::Topic("big".into()));
    let cache = store.dir().join(".cache").join("list-topic-big");
    let samples = (0..LOG_REWRITE_RUNS)
        .map(|i| {
            add_message(store, "big", 1000 + i);
            wait_until_quiet(&dir);
            let before = std::fs::metadata(&cache)
                .ok()
                .map(|m| m.modified().unwrap());
            let start = Instant::now();
            let out = run_ok(&mut fmail(root, home, args));
            let elapsed = start.elapsed();
            assert_eq!(out.lines().count(), 20, "{args:?}");
            let after = std::fs::metadata(&cache).unwrap().modified().unwrap();
            assert_ne!(before, Some(after), "the cache was not rewritten");
            elapsed
        })
        .collect();
    stats(samples)
}

fn bench_watch(root: &Path, home: &Path) -> (Stats, Stats) {
    let mut child = fmail(root, home, &["watch", "live"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send((Instant::now(), line));
        }
    });
    // Wait until the watcher is live.
    loop {
        run_ok(&mut fmail(root, home, &["send", "live", "probe"]));
        if rx.recv_timeout(Duration::from_millis(500)).is_ok() {
            break;
        }
    }
    while rx.try_recv().is_ok() {}
    let mut from_return = Vec::new();
    let mut from_start = Vec::new();
    for i in 0..WATCH_MESSAGES {
        let body = format!("latency probe {i}");
        let started = Instant::now();
        run_ok(&mut fmail(root, home, &["send", "live", &body]));
        let returned = Instant::now();
        let printed = loop {
            let (at, line) = rx
                .recv_timeout(Duration::from_secs(10))
                .expect("watch did not deliver");
            if line.ends_with(&body) {
                break at;
            }
        };
        from_return.push(printed.saturating_duration_since(returned));
        from_start.push(printed.saturating_duration_since(started));
    }
    let _ = child.kill();
    let _ = child.wait();
    (stats(from_return), stats(from_start))
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("project");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    run_ok(&mut fmail(&root, &home, &["init"]));

    let send = bench_send(&root, &home);
    let spawn_floor = stats(
        (0..SEND_RUNS)
            .map(|_| {
                let start = Instant::now();
                run_ok(&mut fmail(&root, &home, &["-v"]));
                start.elapsed()
            })
            .collect(),
    );

    let store = Store::open(&root);
    let fill_start = Instant::now();
    fill_topic(&store, "big");
    let fill = fill_start.elapsed();
    let big_dir = store.target_dir(&Target::Topic("big".into()));
    let floor = stats(
        (0..LOG_RUNS)
            .map(|_| {
                let start = Instant::now();
                let n = std::fs::read_dir(&big_dir).unwrap().count();
                assert_eq!(n, LOG_MESSAGES);
                start.elapsed()
            })
            .collect(),
    );
    let log_args = ["log", "big", "-n", "20"];
    let log_cold = bench_log_after_message(&root, &home, &store, &log_args);
    let log_rewrite = bench_log_rewrite(&root, &home, &store, &log_args);
    // Steady state of a quiet topic: the rewrite above left a valid cache; make sure it is still
    // the one in use (no run may rewrite it).
    wait_until_quiet(&big_dir);
    let cache = store.dir().join(".cache").join("list-topic-big");
    run_ok(&mut fmail(&root, &home, &log_args));
    let cache_written = std::fs::metadata(&cache).unwrap().modified().unwrap();
    let log = bench_log(&root, &home, &log_args, 20);
    let log_json = bench_log(&root, &home, &["log", "big", "-n", "20", "--json"], 20);
    let log_since = bench_log(
        &root,
        &home,
        &["log", "big", "-n", "0", "--since", "2026-02-10T12:00:19Z"],
        // The last second of the fill plus the messages added above (ids of today).
        5000 + LOG_RUNS + LOG_REWRITE_RUNS,
    );

    assert_eq!(
        std::fs::metadata(&cache).unwrap().modified().unwrap(),
        cache_written,
        "a steady-state read rewrote the cache, so it did not use it"
    );

    let (watch_return, watch_start) = bench_watch(&root, &home);

    println!("fmail benchmarks (release binary {FMAIL})");
    println!(
        "{:<58} {:>6} {:>10} {:>10} {:>10} {:>8}",
        "benchmark", "runs", "median", "p90", "max", "target"
    );
    let row = |name: &str, s: &Stats, target: &str| {
        println!(
            "{:<58} {:>6} {:>10} {:>10} {:>10} {:>8}",
            name,
            s.runs,
            ms(s.median),
            ms(s.p90),
            ms(s.max),
            target
        );
    };
    row("send (process start to exit)", &send, "< 3 ms");
    row(
        "floor: fmail -v (process start to exit, no I/O)",
        &spawn_floor,
        "-",
    );
    row("log -n 20, 100,000 messages, cache valid", &log, "< 50 ms");
    row(
        "log -n 20 right after a new message (full listing)",
        &log_cold,
        "-",
    );
    row(
        "log -n 20, first read 2 s after a message (lists, rewrites)",
        &log_rewrite,
        "-",
    );
    row(
        "floor: in-process read_dir of that topic (no fmail)",
        &floor,
        "-",
    );
    row("log -n 20 --json, cache valid", &log_json, "-");
    row(
        "log -n 0 --since (last 5,040 of 100,040), cache valid",
        &log_since,
        "-",
    );
    row(
        "watch delivery, send returned -> line printed",
        &watch_return,
        "< 50 ms",
    );
    row(
        "watch delivery, send started -> line printed",
        &watch_start,
        "-",
    );
    println!(
        "(generated {LOG_MESSAGES} messages with the library in {})",
        ms(fill)
    );
}
