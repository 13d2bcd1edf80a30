//! The supervisor against real children: shell scripts standing in for harnesses that ignore
//! SIGTERM, leave grandchildren behind, read stdin or print a lot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use forge_process::group::{group_exists, group_running};
use forge_process::{Check, Control, Deadline, JobSpec, Sig, StopPolicy, procfs};

fn sh(script: &str) -> JobSpec {
    JobSpec::new("sh").arg("-c").arg(script)
}

/// A control that stops the job when its socket becomes readable, or after `after`.
struct Trigger {
    read: UnixStream,
    policy: StopPolicy,
    after: Option<Duration>,
    checks: usize,
    woken: usize,
}

impl Trigger {
    fn new(policy: StopPolicy) -> (Self, UnixStream) {
        let (read, write) = UnixStream::pair().unwrap();
        read.set_nonblocking(true).unwrap();
        (
            Trigger {
                read,
                policy,
                after: None,
                checks: 0,
                woken: 0,
            },
            write,
        )
    }
}

impl Control for Trigger {
    type Reason = &'static str;

    fn wake_fds(&self) -> Vec<BorrowedFd<'_>> {
        vec![self.read.as_fd()]
    }

    fn check(&mut self, at: Check) -> Option<(StopPolicy, &'static str)> {
        self.checks += 1;
        if at.woken {
            use std::io::Read;
            let mut buf = [0u8; 16];
            while matches!((&self.read).read(&mut buf), Ok(n) if n > 0) {}
            self.woken += 1;
            return Some((self.policy, "woken"));
        }
        self.after
            .filter(|d| at.elapsed >= *d)
            .map(|_| (self.policy, "timer"))
    }
}

fn marker_groups(marker: &str) -> Vec<i32> {
    procfs::groups_with_env(marker)
}

#[test]
fn output_exit_code_and_stdin_reach_the_caller() {
    let out = sh("cat; echo err >&2; exit 3")
        .stdin(b"hello\n".to_vec())
        .spawn()
        .unwrap()
        .capture(&mut Deadline(None));
    assert_eq!(out.stdout_text(), "hello\n");
    assert_eq!(out.stderr_text(), "err\n");
    assert_eq!(out.finished.exit_code(), 3);
    assert_eq!(out.finished.exit_text().as_deref(), Some("exit status 3"));
    assert!(out.finished.stopped.is_none());
}

#[test]
fn a_wake_up_stops_a_long_job_at_once_and_nothing_of_its_group_is_left() {
    let marker = format!("FORGE_JOB_ID=test-wake-{}", std::process::id());
    let (key, value) = marker.split_once('=').unwrap();
    let job = sh("sleep 30 & sleep 30 & wait")
        .env(key, value)
        .spawn()
        .unwrap();
    let pgid = job.pgid();
    let (mut ctl, mut write) = Trigger::new(StopPolicy::GRACEFUL);
    let handle = std::thread::spawn(move || {
        let finished = job.capture(&mut ctl).finished;
        (finished, ctl.woken)
    });
    // Wait until the grandchildren run, then ask for the stop.
    let deadline = Instant::now() + Duration::from_secs(5);
    while marker_groups(&marker).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let asked = Instant::now();
    write.write_all(b"x").unwrap();
    let (finished, woken) = handle.join().unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!(finished.stopped, Some("woken"));
    assert_eq!(woken, 1);
    assert!(!group_running(pgid));
    assert!(marker_groups(&marker).is_empty());
}

#[test]
fn a_child_ignoring_sigterm_is_killed_after_the_grace_period() {
    let job = sh("trap '' TERM; echo ready; while :; do sleep 0.05; done")
        .spawn()
        .unwrap();
    let pgid = job.pgid();
    let (mut ctl, _write) = Trigger::new(StopPolicy {
        signal: Sig::Term,
        grace: Duration::from_millis(300),
    });
    ctl.after = Some(Duration::from_millis(100));
    let started = Instant::now();
    let out = job.capture(&mut ctl);
    let took = started.elapsed();
    assert_eq!(out.finished.stopped, Some("timer"));
    assert_eq!(out.finished.exit_text().as_deref(), Some("signal: killed"));
    assert!(took >= Duration::from_millis(400), "{took:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert!(!group_exists(pgid) || !group_running(pgid));
}

#[test]
fn a_kill_request_escalates_a_pending_graceful_stop() {
    struct TwoStep(usize);
    impl Control for TwoStep {
        type Reason = &'static str;
        fn wake_fds(&self) -> Vec<BorrowedFd<'_>> {
            Vec::new()
        }
        fn interval(&self) -> Duration {
            Duration::from_millis(20)
        }
        fn check(&mut self, _at: Check) -> Option<(StopPolicy, &'static str)> {
            self.0 += 1;
            match self.0 {
                3 => Some((
                    StopPolicy {
                        signal: Sig::Term,
                        grace: Duration::from_secs(30),
                    },
                    "stop",
                )),
                6 => Some((StopPolicy::KILL, "kill")),
                _ => None,
            }
        }
    }
    let started = Instant::now();
    let out = sh("trap '' TERM; while :; do sleep 0.05; done")
        .spawn()
        .unwrap()
        .capture(&mut TwoStep(0));
    assert_eq!(out.finished.stopped, Some("kill"));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn what_a_leader_leaves_behind_is_ended_when_it_exits() {
    let marker = format!("FORGE_JOB_ID=test-leftover-{}", std::process::id());
    let (key, value) = marker.split_once('=').unwrap();
    let started = Instant::now();
    let out = sh("sleep 30 >/dev/null 2>&1 & echo done")
        .env(key, value)
        .spawn()
        .unwrap()
        .capture(&mut Deadline(None));
    assert_eq!(out.stdout_text(), "done\n");
    assert_eq!(out.finished.exit_code(), 0);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(marker_groups(&marker).is_empty());
}

#[test]
fn a_deadline_stops_the_job_and_a_missing_program_fails_to_start() {
    let out = sh("sleep 30")
        .spawn()
        .unwrap()
        .capture(&mut Deadline(Some(Duration::from_millis(150))));
    assert!(out.finished.stopped.is_some());
    assert!(out.finished.elapsed < Duration::from_secs(2));
    let err = JobSpec::new("forge-no-such-program-xyz")
        .spawn()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn a_fast_writer_is_read_whole() {
    let out = sh("head -c 5000000 /dev/zero")
        .spawn()
        .unwrap()
        .capture(&mut Deadline(None));
    assert_eq!(out.stdout.len(), 5_000_000);
    assert!(!out.truncated);
}
