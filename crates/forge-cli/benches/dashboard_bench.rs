//! Dashboard benchmarks (issue #10), against 200 loops, 100,000 runs and a 1 GB log on the
//! selected loop:
//! - a frame (update + draw) in process, p50/p99 (target p99 < 10 ms),
//! - a key press to the next drawn frame through the real event loop in process, and end to end
//!   in tmux (target < 50 ms),
//! - opening the dashboard until the loop list shows, in tmux (target < 150 ms),
//! - CPU while idle over 60 s (target < 1 % of a core) and memory as RSS, PSS and private bytes
//!   (target RSS < 30 MiB).
//!
//! `cargo bench -p forge-cli --bench dashboard_bench` (needs tmux; `DASHBOARD_IDLE_SECS` shortens
//! the idle measurement).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::disallowed_methods
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use forge_tui::action::Action;
use forge_tui::data::{Loader, LoaderConfig, wants};
use forge_tui::headless::{Headless, char_key};
use forge_tui::runtime::Event;
use forge_tui::state::State;
use forge_tui::theme::ThemeName;
use forge_tui::update::update;

const LOOPS: usize = 200;
const RUNS: usize = 100_000;
const BIG_LOG: u64 = 1 << 30;
const WIDTH: u16 = 160;
const HEIGHT: u16 = 48;

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Fixture {
    fn db(&self) -> PathBuf {
        self.root.join("data/forge/forge.db")
    }
    fn data_dir(&self) -> PathBuf {
        self.root.join("data/forge")
    }
}

fn build_fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    for sub in ["home", "config", "data/forge/logs/loops", "repo"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    let fixture = Fixture { _dir: dir, root };
    drop(forge_store::Store::open(&fixture.db(), 5000).unwrap());
    let mut conn = rusqlite::Connection::open(fixture.db()).unwrap();
    let tx = conn.transaction().unwrap();
    let repo = fixture.root.join("repo").display().to_string();
    for i in 0..LOOPS {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        let log = fixture
            .data_dir()
            .join(format!("logs/loops/loop-{i:03}.log"));
        tx.execute(
            "INSERT INTO loops (id, short_id, name, repo_path, interval_seconds, state, log_path, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 30, ?5, ?6, ?7, ?7)",
            rusqlite::params![id, format!("s{i:07}"), format!("loop-{i:03}"), repo,
                if i % 10 == 0 { "error" } else { "stopped" }, log.display().to_string(),
                format!("2026-01-01T00:{:02}:{:02}Z", i / 60, i % 60)],
        )
        .unwrap();
        for r in 0..RUNS / LOOPS {
            tx.execute(
                "INSERT INTO loop_runs (id, loop_id, status, prompt_source, started_at, finished_at, exit_code,
                   output_tail, outcome, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd)
                 VALUES (?1, ?2, 'success', 'base', ?3, ?3, 0, 'done', 'success', 1000, 200, 5000, 100, 0.01)",
                rusqlite::params![format!("{id}-{r:04}"), id, format!("2026-01-02T{:02}:{:02}:00Z", r / 60, r % 60)],
            )
            .unwrap();
        }
        if i > 0 {
            std::fs::write(
                &log,
                "[2026-01-01T00:00:00Z] run 1 start (profile=p)\nhello\n",
            )
            .unwrap();
        }
    }
    tx.commit().unwrap();
    write_big_log(&fixture.data_dir().join("logs/loops/loop-000.log"));
    fixture
}

fn write_big_log(path: &Path) {
    let mut chunk = String::new();
    let mut n = 0u64;
    while chunk.len() < 1 << 20 {
        chunk.push_str(&format!(
            "[2026-01-01T00:00:00Z] run {n} start (profile=p)\nworking on step {n}: editing src/lib.rs\n$ cargo test -q\nerror: test t{n} failed\n"
        ));
        n += 1;
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut written = 0;
    while written < BIG_LOG {
        file.write_all(chunk.as_bytes()).unwrap();
        written += chunk.len() as u64;
    }
    file.flush().unwrap();
}

fn loader(f: &Fixture) -> Loader {
    Loader::new(LoaderConfig {
        db_path: f.db(),
        data_dir: f.data_dir(),
        busy_timeout_ms: 5000,
        refresh_interval: Duration::from_secs(1),
    })
}

fn percentile(samples: &mut [f64], p: usize) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[((samples.len() - 1) * p) / 100]
}

/// A loaded state: the first poll's data, then the Logs tab's window of the 1 GB log.
fn loaded_state(f: &Fixture) -> (State, Loader, f64) {
    let mut state = State::new(ThemeName::Default, false, forge_tui::update::fixed_now());
    update(&mut state, Action::Resize(WIDTH, HEIGHT));
    let mut loader = loader(f);
    let started = Instant::now();
    for event in loader.poll(&wants(&state)) {
        update(&mut state, Action::Data(event));
    }
    let first_poll = started.elapsed().as_secs_f64() * 1000.0;
    update(&mut state, char_key('2'));
    for event in loader.poll(&wants(&state)) {
        update(&mut state, Action::Data(event));
    }
    (state, loader, first_poll)
}

fn frame_times(f: &Fixture) {
    let (mut state, _loader, first_poll) = loaded_state(f);
    let mut screen = Headless::new(WIDTH, HEIGHT).unwrap();
    let keys = [
        'j', 'k', 'u', 'u', 'd', 'x', '1', '3', '4', '2', 'd', 'd', 'd',
    ];
    let mut samples = Vec::new();
    for i in 0..5_000 {
        let started = Instant::now();
        update(&mut state, char_key(keys[i % keys.len()]));
        screen.draw(&state).unwrap();
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let started = Instant::now();
    let _ = loader(f).poll(&forge_tui::data::Wants::default());
    let store_only = started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "first data load (200 loops, 100,000 runs, the selected loop's runs): {first_poll:.1} ms; the store part alone: {store_only:.1} ms"
    );
    println!(
        "frame (update + draw, {WIDTH}x{HEIGHT}): p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms (target p99 < 10 ms)",
        percentile(&mut samples, 50),
        percentile(&mut samples, 99),
        percentile(&mut samples, 100)
    );
}

/// Key press to drawn frame through the real event loop (channel, update, draw), in process.
fn key_to_frame_in_process(f: &Fixture) {
    let (mut state, mut loader, _) = loaded_state(f);
    let mut screen = Headless::new(WIDTH, HEIGHT).unwrap();
    let (tx, rx) = mpsc::channel();
    let (wants_tx, wants_rx) = mpsc::channel();
    let (jobs_tx, _jobs_rx) = mpsc::channel();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        for i in 0..400 {
            let c = if i % 2 == 0 { 'u' } else { 'j' };
            tx.send(Event::Action(char_key(c))).unwrap();
            std::thread::sleep(Duration::from_millis(5));
        }
        tx.send(Event::Quit).unwrap();
    });
    let loader_thread = std::thread::spawn(move || {
        for w in wants_rx {
            let _ = loader.poll(&w);
        }
    });
    let mut samples = Vec::new();
    screen
        .run(&mut state, &rx, &wants_tx, &jobs_tx, |arrived| {
            samples.push(arrived.elapsed().as_secs_f64() * 1000.0);
        })
        .unwrap();
    drop(wants_tx);
    sender.join().unwrap();
    loader_thread.join().unwrap();
    println!(
        "key press to drawn frame, in process: p50 {:.3} ms  p99 {:.3} ms (target < 50 ms)",
        percentile(&mut samples, 50),
        percentile(&mut samples, 99)
    );
}

struct Tmux {
    socket: PathBuf,
    root: PathBuf,
}

impl Tmux {
    fn cmd(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-S")
            .arg(&self.socket)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("TERM", "xterm-256color")
            .env("HOME", self.root.join("home"))
            .env("XDG_CONFIG_HOME", self.root.join("config"))
            .env("XDG_DATA_HOME", self.root.join("data"))
            .stdin(Stdio::null());
        cmd
    }
    fn run(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("tmux on PATH");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "b"])
    }
    fn wait(&self, cond: impl Fn(&str) -> bool) -> Instant {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if cond(&self.screen()) {
                return Instant::now();
            }
            assert!(
                Instant::now() < deadline,
                "timed out; screen:\n{}",
                self.screen()
            );
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
    }
}

fn proc_field(path: &str, key: &str) -> f64 {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// The dashboard's process: `forge tui` running in the fixture's repo.
fn forge_pid(root: &Path) -> u32 {
    let repo = root.join("repo");
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).ok();
            cmdline.ends_with(b"tui\0") && cwd.as_deref() == Some(repo.as_path())
        })
        .expect("the dashboard's process")
}

fn in_tmux(f: &Fixture) {
    let tmux = Tmux {
        socket: f.root.join("tmux.sock"),
        root: f.root.clone(),
    };
    let script = format!(
        "cd '{}' && exec '{}' tui; exec cat",
        f.root.join("repo").display(),
        env!("CARGO_BIN_EXE_forge")
    );
    let _ = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "b",
        "-x",
        "160",
        "-y",
        "48",
        "sh",
        "-c",
        "exec cat",
    ]);
    let started = Instant::now();
    tmux.run(&["respawn-pane", "-k", "-t", "b", "sh", "-c", &script]);
    let shown = tmux.wait(|s| s.contains("loops:200") && s.contains("loop-000"));
    println!(
        "opening the dashboard until the loop list shows (tmux, incl. capture polling): {:.1} ms (target < 150 ms)",
        (shown - started).as_secs_f64() * 1000.0
    );
    tmux.run(&["send-keys", "-t", "b", "2"]);
    tmux.wait(|s| s.contains("file 1.0 GiB"));
    let mut samples = Vec::new();
    for i in 0..40 {
        let (k, expect) = if i % 2 == 0 {
            ("3", "tab:Runs")
        } else {
            ("2", "tab:Logs")
        };
        let sent = Instant::now();
        tmux.run(&["send-keys", "-t", "b", k]);
        let drawn = tmux.wait(|s| s.contains(expect));
        samples.push((drawn - sent).as_secs_f64() * 1000.0);
    }
    println!(
        "key press to drawn frame, tmux end to end (send-keys + capture polling): p50 {:.1} ms  p99 {:.1} ms (target < 50 ms)",
        percentile(&mut samples, 50),
        percentile(&mut samples, 99)
    );
    let pid = forge_pid(&f.root);
    let idle: u64 = std::env::var("DASHBOARD_IDLE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(idle));
    let used = cpu_ticks(pid) - before;
    let hz = 100.0;
    println!(
        "CPU while idle on the Logs tab of the 1 GB log: {:.2} % of a core over {idle} s ({used} ticks) (target < 1 %)",
        used as f64 / hz / idle as f64 * 100.0
    );
    let rollup = format!("/proc/{pid}/smaps_rollup");
    let private = proc_field(&rollup, "Private_Clean:") + proc_field(&rollup, "Private_Dirty:");
    println!(
        "memory: RSS {:.1} MiB  PSS {:.1} MiB  private {:.1} MiB  peak RSS {:.1} MiB (target RSS < 30 MiB)",
        proc_field(&rollup, "Rss:"),
        proc_field(&rollup, "Pss:"),
        private,
        proc_field(&format!("/proc/{pid}/status"), "VmHWM:")
    );
    tmux.run(&["send-keys", "-t", "b", "q"]);
}

fn main() {
    let started = Instant::now();
    let f = build_fixture();
    println!(
        "fixture: {LOOPS} loops, {RUNS} runs, 1 GiB log ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    frame_times(&f);
    key_to_frame_in_process(&f);
    in_tmux(&f);
}
