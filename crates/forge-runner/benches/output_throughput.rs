//! Does capturing output slow a harness down? A harness that prints ~200 MB of text lines is run
//! once with its output sent to `/dev/null` and once as a loop iteration, where the runner reads
//! it through pipes, appends it to the loop log, keeps the tail and feeds every line to the
//! harness parser. Target: the iteration takes less than 10 % longer. For context the bench also
//! times the same output piped into `cat > file`, the floor of any design that captures output
//! through a pipe into a file.
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

/// ~200 MB of 76-byte lines.
const WRITER: &str = "awk 'BEGIN { for (i = 0; i < 2640000; i++) printf \"harness output line %09d: reading files, running tests, editing code..\\n\", i }'";

fn main() {
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
        &format!("cat >/dev/null; {WRITER}"),
        // A hermetic HOME: a login shell would otherwise source the machine's profile files.
        [("HOME".to_string(), home.display().to_string())]
            .into_iter()
            .collect(),
    );
    store.insert_profile(&profile).unwrap();
    let mut best_null = f64::MAX;
    let mut best_cat = f64::MAX;
    let mut best_loop = f64::MAX;
    let sink = dir.path().join("sink.txt");
    for round in 0..3 {
        let started = Instant::now();
        let status = Command::new("bash")
            .args(["-lc", &format!("{WRITER} > /dev/null")])
            .env("HOME", &home)
            .stdin(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        best_null = best_null.min(started.elapsed().as_secs_f64());

        // The floor of any capture: the same output through a pipe into a file, with `cat`.
        let started = Instant::now();
        let status = Command::new("bash")
            .args(["-lc", &format!("{WRITER} | cat > '{}'", sink.display())])
            .env("HOME", &home)
            .stdin(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        best_cat = best_cat.min(started.elapsed().as_secs_f64());
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
        best_loop = best_loop.min(started.elapsed().as_secs_f64());
        let log = data.join("logs/loops").join(format!("writer-{round}.log"));
        let size = std::fs::metadata(&log).unwrap().len();
        assert!(size > 200_000_000, "log holds the output ({size} bytes)");
        std::fs::remove_file(log).unwrap();
    }
    println!("output: 200,640,000 bytes in 2,640,000 lines");
    println!("harness writing to /dev/null:     {best_null:.3} s (best of 3)");
    println!("harness piped into `cat > file`:  {best_cat:.3} s (best of 3)");
    println!("same harness as a loop iteration: {best_loop:.3} s (best of 3)");
    let pct = |base: f64| (best_loop / base - 1.0) * 100.0;
    println!(
        "slowdown vs /dev/null:            {:.1} % (target < 10 %)",
        pct(best_null)
    );
    println!("slowdown vs `| cat > file`:       {:.1} %", pct(best_cat));
}
