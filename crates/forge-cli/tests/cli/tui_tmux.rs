//! The dashboard in a real terminal: bare `forge` runs in a tmux pane against live loops, and the
//! test types keys and reads the screen the way an operator would. Needs `tmux` on PATH (CI
//! installs it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use forge_testkit::{TestEnv, run_output, wait_until};

use crate::cli_support::{env, loop_row, ok, setup_pool};

const WAIT: Duration = Duration::from_secs(20);

fn tmux_binary() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("tmux"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "tmux not found on PATH: the dashboard's real-terminal test needs it \
                 (install it with `apt-get install tmux`)"
            )
        })
}

/// A private tmux server (its own socket in the test's temp dir), killed on drop.
struct Tmux<'a> {
    env: &'a TestEnv,
    bin: PathBuf,
    socket: PathBuf,
}

impl Tmux<'_> {
    fn run(&self, args: &[&str]) -> String {
        let out = run_output(
            self.env
                .cmd_path(&self.bin)
                .arg("-S")
                .arg(&self.socket)
                .args(args),
        );
        assert_eq!(out.code, 0, "tmux {args:?} failed: {}", out.stderr);
        out.stdout
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "dash"])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "dash"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Types text literally (no key-name lookup).
    fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", "dash", "-l", text]);
    }

    #[track_caller]
    fn wait_screen(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        let found = wait_until(WAIT, || {
            last = self.screen();
            cond(&last)
        });
        assert!(
            found,
            "timed out waiting for {what}; the screen shows:\n{last}"
        );
        last
    }
}

impl Drop for Tmux<'_> {
    fn drop(&mut self) {
        let _ = run_output(
            self.env
                .cmd_path(&self.bin)
                .arg("-S")
                .arg(&self.socket)
                .arg("kill-server"),
        );
    }
}

fn start_dashboard<'a>(env: &'a TestEnv, forge: &Path) -> Tmux<'a> {
    let tmux = Tmux {
        env,
        bin: tmux_binary(),
        socket: env.root().join("tmux.sock"),
    };
    // The pane runs bare `forge` (on a terminal: the dashboard), then reports how it ended and
    // stays open.
    let script = format!("'{}'; echo \"forge exited $?\"; exec cat", forge.display());
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "dash",
        "-x",
        "120",
        "-y",
        "32",
        "sh",
        "-c",
        &script,
    ]);
    tmux
}

/// Tabs, a pin and the filter with its status selector.
fn navigate(tmux: &Tmux<'_>) {
    for (key, tab) in [
        ("2", "tab:Logs"),
        ("3", "tab:Runs"),
        ("4", "tab:Multi Logs"),
        ("5", "tab:Mail"),
        ("1", "tab:Overview"),
    ] {
        tmux.keys(&[key]);
        tmux.wait_screen(tab, |s| s.contains(tab));
    }
    // Pin the selected loop (the first one, "watched").
    tmux.keys(&["Space"]);
    tmux.wait_screen("the pin marker", |s| {
        s.lines()
            .any(|l| l.contains("> P") && l.contains("watched"))
    });
    // Filter to "other", then clear the filter.
    tmux.keys(&["/"]);
    tmux.type_text("other");
    tmux.wait_screen("the filtered list", |s| {
        s.contains("1 of 2 shown") && !s.lines().any(|l| l.contains("│>") && l.contains("watched"))
    });
    tmux.keys(&["BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "Escape"]);
    tmux.wait_screen("the whole list again", |s| {
        s.contains("mode:Main") && !s.contains("shown")
    });
    tmux.keys(&["k", "k"]);
}

/// `:` queues a message that reaches the loop's next prompt; `S` `y` stops the loop.
fn message_and_stop(env: &TestEnv, tmux: &Tmux<'_>) {
    tmux.keys(&[":"]);
    tmux.wait_screen("the message prompt", |s| {
        s.contains("Message for next prompt of")
    });
    tmux.type_text("tui-marker-7f3a");
    tmux.keys(&["Enter"]);
    tmux.wait_screen("the message result", |s| {
        s.contains("Queued message for the next prompt of loop \"watched\"")
    });
    let log = env.log_path("watched");
    assert!(
        wait_until(WAIT, || std::fs::read_to_string(&log)
            .is_ok_and(|t| t.contains("tui-marker-7f3a"))),
        "the next prompt of loop watched (echoed into {}) never contained the message",
        log.display()
    );
    tmux.keys(&["S"]);
    tmux.wait_screen("the stop confirmation", |s| {
        s.contains("after current iteration? [y/N]")
    });
    tmux.keys(&["y"]);
    tmux.wait_screen("the stop result", |s| {
        s.contains("Stop queued for loop \"watched\"")
    });
    assert!(
        wait_until(WAIT, || loop_row(env, "watched")["state"] == "stopped"),
        "loop watched did not stop: {}",
        loop_row(env, "watched")
    );
    tmux.wait_screen("the stopped state on screen", |s| {
        s.lines()
            .any(|l| l.contains("STOPPED") && l.contains("watched"))
    });
}

/// Too small, big enough again, then `q` leaves the terminal in normal mode.
fn resize_and_quit(tmux: &Tmux<'_>) {
    tmux.run(&["resize-window", "-t", "dash", "-x", "40", "-y", "12"]);
    tmux.wait_screen("the too-small message", |s| {
        s.contains("terminal too small (need 80x22)")
    });
    tmux.run(&["resize-window", "-t", "dash", "-x", "120", "-y", "32"]);
    tmux.wait_screen("the dashboard after resizing", |s| {
        s.contains("tab:Overview")
    });
    tmux.keys(&["q"]);
    tmux.wait_screen("the dashboard to exit", |s| s.contains("forge exited 0"));
    let alternate = tmux.run(&["display-message", "-p", "-t", "dash", "#{alternate_on}"]);
    assert_eq!(
        alternate.trim(),
        "0",
        "the pane is still on the alternate screen"
    );
}

#[test]
fn the_dashboard_drives_live_loops_in_a_real_terminal() {
    let mut env = env();
    env.set_var("TERM", "xterm-256color");
    ok(&env, &["init"]);
    setup_pool(&env);
    ok(&env, &["profile", "edit", "echo", "--max-concurrency", "0"]);
    for name in ["watched", "other"] {
        ok(
            &env,
            &[
                "up",
                "--name",
                name,
                "--interval",
                "1s",
                "--prompt-msg",
                "base task",
            ],
        );
    }
    let forge = PathBuf::from(env!("CARGO_BIN_EXE_forge"));
    let tmux = start_dashboard(&env, &forge);
    tmux.wait_screen("the loop list", |s| {
        s.contains("loops:2") && s.contains("watched") && s.contains("other")
    });
    navigate(&tmux);
    message_and_stop(&env, &tmux);
    resize_and_quit(&tmux);
    ok(&env, &["kill", "--all"]);
}
