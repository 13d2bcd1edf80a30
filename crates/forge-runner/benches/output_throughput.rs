//! Does capturing output slow a harness down? A harness that prints ~200 MB of text lines is run
//! once with its output sent to `/dev/null` and once as a loop iteration, where the runner reads
//! it through pipes, appends it to the loop log, keeps the tail and feeds every line to the
//! harness parser. Target: the iteration takes less than 10 % longer. For context the bench also
//! times the same output piped into `cat > file`, the floor of any design that captures output
//! through a pipe into a file, and written straight into a file by the harness itself, the cost
//! of storing the output at all.
//!
//! `cargo bench -p forge-runner --bench output_throughput`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::disallowed_methods
)]

use std::process::{Command, Stdio};
use std::time::Instant;

#[path = "../tests/support/fixture.rs"]
mod fixture;

use forge_runner::{RunMode, RunnerPaths, run_loop};
use forge_store::Store;

/// Rounds of the four measurements.
const ROUNDS: usize = 9;

/// ~200 MB of 76-byte lines, at the speed of C stdio (~200 MB/s): the target's harness.
const WRITER: &str = "awk 'BEGIN { for (i = 0; i < 2640000; i++) printf \"harness output line %09d: reading files, running tests, editing code..\\n\", i }'";

/// 600 MB of zero bytes as fast as the kernel copies them (~1 GB/s into a file): a check that
/// the runner's read pauses never throttle a harness faster than itself.
const FAST_WRITER: &str = "head -c 600000000 /dev/zero";

fn main() {
    measure(
        WRITER,
        "200,640,000 bytes in 2,640,000 lines (awk)",
        ROUNDS,
        200_000_000,
    );
    println!();
    measure(
        FAST_WRITER,
        "600,000,000 zero bytes (head -c /dev/zero)",
        5,
        600_000_000,
    );
}

fn measure(writer: &str, label: &str, rounds: usize, size: u64) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let data = dir.path().join("data");
    let paths = RunnerPaths {
        data_dir: data.clone(),
        db_path: data.join("forge.db"),
        busy_timeout_ms: 5000,
        config_path: None,
    };
    let mut store = Store::open(&paths.db_path, 5000).unwrap();
    let profile = fixture::command_profile(
        "writer",
        &format!("cat >/dev/null; {writer}"),
        // A hermetic HOME: a login shell would otherwise source the machine's profile files.
        [("HOME".to_string(), home.display().to_string())]
            .into_iter()
            .collect(),
    );
    store.insert_profile(&profile).unwrap();
    let sink = dir.path().join("sink.txt");
    let shell = |script: String| {
        let started = Instant::now();
        let status = Command::new("bash")
            .args(["-lc", &script])
            .env("HOME", &home)
            .stdin(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        started.elapsed().as_secs_f64()
    };
    // The four ways alternate within each round so that machine noise hits them alike.
    let mut null = Vec::new();
    let mut file = Vec::new();
    let mut cat = Vec::new();
    let mut looped = Vec::new();
    for round in 0..rounds {
        null.push(shell(format!("{writer} > /dev/null")));

        // Storing the output at all: the harness writes straight into a file (no pipe, no reader).
        file.push(shell(format!("{writer} > '{}'", sink.display())));
        std::fs::remove_file(&sink).unwrap();

        // The floor of any capture through a pipe: the same output piped into `cat > file`.
        cat.push(shell(format!("{writer} | cat > '{}'", sink.display())));
        std::fs::remove_file(&sink).unwrap();

        let l = fixture::pinned_loop(
            &format!("writer-{round}"),
            &repo,
            &profile.id,
            "write",
            0,
            1,
        );
        store.insert_loop(&l).unwrap();
        let started = Instant::now();
        run_loop(&paths, &l.id, RunMode::Single).unwrap();
        looped.push(started.elapsed().as_secs_f64());
        let log = data.join("logs/loops").join(format!("writer-{round}.log"));
        let logged = std::fs::metadata(&log).unwrap().len();
        assert!(logged >= size, "log holds the output ({logged} bytes)");
        std::fs::remove_file(log).unwrap();
    }
    let stats = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0])
    };
    let (null_med, null_best) = stats(&mut null);
    let (file_med, file_best) = stats(&mut file);
    let (cat_med, cat_best) = stats(&mut cat);
    let (loop_med, loop_best) = stats(&mut looped);
    let pct = |a: f64, b: f64| (a / b - 1.0) * 100.0;
    println!("output: {label}, {rounds} rounds");
    println!(
        "| harness output goes to | median | best | median vs /dev/null | best vs /dev/null |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (name, med, best) in [
        ("`/dev/null`", null_med, null_best),
        ("a file, written by the harness itself", file_med, file_best),
        ("a pipe into `cat > file`", cat_med, cat_best),
        (
            "a loop iteration (pipes, log, tail, parser)",
            loop_med,
            loop_best,
        ),
    ] {
        println!(
            "| {name} | {med:.3} s | {best:.3} s | {:+.1} % | {:+.1} % |",
            pct(med, null_med),
            pct(best, null_best)
        );
    }
    println!(
        "loop iteration vs `| cat > file`: {:+.1} % (median), {:+.1} % (best)",
        pct(loop_med, cat_med),
        pct(loop_best, cat_best)
    );
}
