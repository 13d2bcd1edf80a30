//! Running one harness process group and capturing its output.
//!
//! Everything happens on the runner's single thread around one `poll`: the harness's stdout
//! and stderr pipes (read as soon as data arrives, so the harness never blocks on a full pipe),
//! its stdin (fed without blocking), a pidfd that becomes readable when it exits, the loop's
//! wake-up FIFO and the runner's signal pipe. Between events the queue is checked every
//! [`CHECK_INTERVAL`] so kills and steers land within a second even without a wake-up.

use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use forge_core::tail::{LineTail, TAIL_LINES};
use forge_harness::BuiltCommand;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::process::{Pid, Signal, kill_process_group};

use crate::logfile::LoopLog;
use crate::signals::{Signals, signal_name};
use crate::spawn::spawn_harness;
use crate::wake::WakeReceiver;

/// How often the queue is checked while a harness runs.
pub(crate) const CHECK_INTERVAL: Duration = Duration::from_millis(250);

/// Grace period between SIGTERM and SIGKILL for a process group.
pub(crate) const TERM_GRACE: Duration = Duration::from_millis(500);

/// When, into a run, the runner hands idle memory back (see [`crate::trim`]): at the first
/// queue check, dropping the start-up and iteration code the wait does not use; and once the
/// database has been quiet long enough that the queue checks stop querying it (see
/// `forge_store::ChangeStamp`), dropping SQLite's code too. Runs shorter than the first point
/// never pay for it.
const TRIM_AT: [Duration; 2] = [CHECK_INTERVAL, Duration::from_secs(1)];

/// Output pipe capacity the runner asks for.
const PIPE_CAPACITY: usize = 1 << 20;

/// After reading a chunk of output, the longest the runner leaves the pipes alone before polling
/// them again. A harness writing fast would otherwise wake the runner for every small write
/// (every 4 KiB with C stdio), and each wake-up costs the harness a cross-CPU wake; with the
/// pause its writes collect in the pipe and are read in one go. The pause is shortened so that
/// at the rate output is arriving, the pipe fills to at most half (see [`read_hold`]), so a fast
/// writer never blocks on a full pipe, and skipped after a big read (the runner is then the
/// slower side and must not idle). Output of an interactive-speed harness reaches the log at
/// most this much later.
const READ_HOLD: Duration = Duration::from_millis(3);

/// How long to leave the pipes alone after reading `bytes` that arrived over `elapsed`.
fn read_hold(bytes: usize, elapsed: Duration) -> Duration {
    let half_pipe = (PIPE_CAPACITY / 2) as f64;
    let rate = bytes as f64 / elapsed.as_secs_f64().max(1e-6);
    READ_HOLD.min(Duration::from_secs_f64(half_pipe / rate.max(1.0)))
}

/// How long to keep reading pipes after the harness exits (a process that escaped the group
/// may hold them open).
const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// Why a run was interrupted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Interrupt {
    /// `forge kill` / a `kill_now` item.
    Kill { reason: String },
    /// `forge msg --now`.
    Steer {
        item_id: String,
        message: String,
        created_at: String,
    },
    /// The runner itself was told to stop.
    Signal(i32),
    /// The run exceeded `--run-timeout` (seconds).
    TimedOut(i64),
    /// The run printed nothing for `--idle-timeout` (seconds).
    Stalled(i64),
}

/// Time limits of one run.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RunLimits {
    /// Kill the run after this long.
    pub(crate) run_timeout: Option<Duration>,
    /// Kill the run after this long without output.
    pub(crate) idle_timeout: Option<Duration>,
}

impl Interrupt {
    fn error_text(&self) -> String {
        match self {
            Interrupt::Kill { reason } => reason.clone(),
            Interrupt::Steer { .. } => "steer interrupt".into(),
            Interrupt::Signal(sig) => format!("runner terminated by {}", signal_name(*sig)),
            Interrupt::TimedOut(secs) => {
                format!(
                    "run timed out after {}",
                    forge_core::duration::format_go_duration(*secs)
                )
            }
            Interrupt::Stalled(secs) => format!(
                "no output for {} (stalled)",
                forge_core::duration::format_go_duration(*secs)
            ),
        }
    }
}

/// Callbacks into the runner while a harness runs.
pub(crate) trait RunHooks {
    /// The harness started as process group `pgid`.
    fn started(&mut self, pgid: i32);
    /// Whether the run must be interrupted now. `woken` is true when the runner was woken up
    /// (a control item was queued) rather than reaching its periodic check.
    fn check(&mut self, woken: bool) -> Option<Interrupt>;
}

/// Receives harness output as it arrives (the seam for structured-output parsers).
pub(crate) trait OutputObserver {
    /// A chunk of standard output.
    fn stdout(&mut self, bytes: &[u8]);
    /// A chunk of standard error.
    fn stderr(&mut self, bytes: &[u8]);
}

/// How a harness run ended.
#[derive(Debug)]
pub(crate) struct ExecResult {
    /// Exit code; -1 when killed by a signal or not started.
    pub(crate) exit_code: i64,
    /// `exit status N`, `signal: killed`, the interrupt reason, or a start failure.
    pub(crate) error_text: Option<String>,
    /// Set when the run was interrupted.
    pub(crate) interrupt: Option<Interrupt>,
    /// The last lines of output.
    pub(crate) tail: String,
}

/// The runner's poll sources that outlive one run.
pub(crate) struct Waiters<'a> {
    pub(crate) wake: &'a mut WakeReceiver,
    pub(crate) signals: &'a mut Signals,
}

fn set_nonblocking(fd: BorrowedFd<'_>) {
    let _ = rustix::io::ioctl_fionbio(fd, true);
}

fn kill_group(pgid: i32, signal: Signal) {
    if let Some(pid) = Pid::from_raw(pgid) {
        let _ = kill_process_group(pid, signal);
    }
}

/// Whether any process (zombies included) still has process group `pgid`.
pub(crate) fn group_exists(pgid: i32) -> bool {
    Pid::from_raw(pgid).is_some_and(|pid| rustix::process::test_kill_process_group(pid).is_ok())
}

fn describe(status: ExitStatus) -> (i64, Option<String>) {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(0), _) => (0, None),
        (Some(code), _) => (i64::from(code), Some(format!("exit status {code}"))),
        (None, Some(9)) => (-1, Some("signal: killed".into())),
        (None, Some(15)) => (-1, Some("signal: terminated".into())),
        (None, Some(sig)) => (-1, Some(format!("signal: {sig}"))),
        (None, None) => (-1, Some("exited abnormally".into())),
    }
}

fn add_fd<'a>(
    fds: &mut Vec<PollFd<'a>>,
    slots: &mut [usize; 6],
    slot: usize,
    fd: BorrowedFd<'a>,
    flags: PollFlags,
) {
    slots[slot] = fds.len();
    fds.push(PollFd::from_borrowed_fd(fd, flags));
}

/// Reads whatever is available; returns false at end of file.
fn pump(reader: &mut impl Read, buf: &mut [u8], mut sink: impl FnMut(&[u8])) -> bool {
    loop {
        match reader.read(buf) {
            Ok(0) => return false,
            Ok(n) => sink(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
}

/// Runs the harness to completion (or interruption).
pub(crate) fn execute(
    cmd: &BuiltCommand,
    cwd: &Path,
    log: &mut LoopLog,
    waiters: &mut Waiters<'_>,
    hooks: &mut dyn RunHooks,
    observer: &mut dyn OutputObserver,
    limits: RunLimits,
) -> ExecResult {
    let mut tail = LineTail::new(TAIL_LINES);
    let mut child: Child = match spawn_harness(&cmd.program, &cmd.args, cwd, &cmd.env) {
        Ok(child) => child,
        Err(e) => {
            let text = format!("failed to start harness in {}: {e}", cwd.display());
            log.line(&text);
            return ExecResult {
                exit_code: -1,
                error_text: Some(text),
                interrupt: None,
                tail: String::new(),
            };
        }
    };
    let pgid = child.id() as i32;
    hooks.started(pgid);

    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let stdin_data = cmd.stdin.as_deref().unwrap_or("").as_bytes();
    let mut stdin = child.stdin.take().filter(|_| !stdin_data.is_empty());
    let mut written = 0usize;
    for fd in [
        stdout.as_ref().map(AsFd::as_fd),
        stderr.as_ref().map(AsFd::as_fd),
        stdin.as_ref().map(AsFd::as_fd),
    ]
    .into_iter()
    .flatten()
    {
        set_nonblocking(fd);
    }
    // Bigger pipes let a fast harness keep writing while the runner handles a chunk; only with
    // them are reads paused (see READ_HOLD).
    #[cfg(target_os = "linux")]
    let big_pipes = [
        stdout.as_ref().map(AsFd::as_fd),
        stderr.as_ref().map(AsFd::as_fd),
    ]
    .into_iter()
    .flatten()
    .fold(true, |all, fd| {
        let got = rustix::pipe::fcntl_setpipe_size(fd, PIPE_CAPACITY);
        got.is_ok_and(|n| n >= PIPE_CAPACITY) && all
    });
    #[cfg(not(target_os = "linux"))]
    let big_pipes = false;
    #[cfg(target_os = "linux")]
    let pidfd = Pid::from_raw(pgid).and_then(|pid| {
        rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok()
    });
    #[cfg(not(target_os = "linux"))]
    let pidfd: Option<std::os::fd::OwnedFd> = None;

    // Zeroed by the allocator (fresh pages): only the part reads actually fill becomes resident.
    let mut buf = vec![0u8; 256 * 1024];
    let mut status: Option<ExitStatus> = None;
    let mut interrupt: Option<Interrupt> = None;
    let mut kill_at: Option<Instant> = None;
    let mut drain_until: Option<Instant> = None;
    let mut next_check = Instant::now() + CHECK_INTERVAL;
    let started = Instant::now();
    let mut last_output = started;
    let mut trims_done = 0usize;
    let mut hold_until: Option<Instant> = None;
    let over = |limit: Option<Duration>, since: Instant| limit.filter(|d| since.elapsed() >= *d);

    loop {
        if status.is_some() && stdout.is_none() && stderr.is_none() {
            break;
        }
        let now = Instant::now();
        let mut deadline = next_check;
        let holding = hold_until.is_some_and(|t| now < t);
        if !holding {
            hold_until = None;
        }
        for d in [kill_at, drain_until, hold_until].into_iter().flatten() {
            deadline = deadline.min(d);
        }
        let mut wait = deadline.saturating_duration_since(now);
        if pidfd.is_none() && status.is_none() {
            wait = wait.min(Duration::from_millis(10));
        }
        let (out_ev, err_ev, in_ev, exit_ev, wake_ev, sig_ev) = {
            let mut fds: Vec<PollFd<'_>> = Vec::with_capacity(6);
            let mut slots = [usize::MAX; 6];
            if let (Some(s), false) = (&stdout, holding) {
                add_fd(&mut fds, &mut slots, 0, s.as_fd(), PollFlags::IN);
            }
            if let (Some(s), false) = (&stderr, holding) {
                add_fd(&mut fds, &mut slots, 1, s.as_fd(), PollFlags::IN);
            }
            if let Some(s) = &stdin {
                add_fd(&mut fds, &mut slots, 2, s.as_fd(), PollFlags::OUT);
            }
            if let (Some(p), None) = (&pidfd, &status) {
                add_fd(&mut fds, &mut slots, 3, p.as_fd(), PollFlags::IN);
            }
            add_fd(&mut fds, &mut slots, 4, waiters.wake.fd(), PollFlags::IN);
            add_fd(&mut fds, &mut slots, 5, waiters.signals.fd(), PollFlags::IN);
            let timeout = Timespec {
                tv_sec: wait.as_secs() as i64,
                tv_nsec: i64::from(wait.subsec_nanos()),
            };
            let _ = poll(&mut fds, Some(&timeout));
            let ready =
                |slot: usize| slots[slot] != usize::MAX && !fds[slots[slot]].revents().is_empty();
            (ready(0), ready(1), ready(2), ready(3), ready(4), ready(5))
        };

        let mut read_now = 0usize;
        if out_ev && let Some(s) = stdout.as_mut() {
            let open = pump(s, &mut buf, |chunk| {
                read_now += chunk.len();
                log.raw(chunk);
                tail.push(chunk);
                observer.stdout(chunk);
            });
            if !open {
                stdout = None;
            }
        }
        if err_ev && let Some(s) = stderr.as_mut() {
            let open = pump(s, &mut buf, |chunk| {
                read_now += chunk.len();
                log.raw(chunk);
                tail.push(chunk);
                observer.stderr(chunk);
            });
            if !open {
                stderr = None;
            }
        }
        if read_now > 0 {
            let now = Instant::now();
            // A big read means the runner, not the harness, is the slower side: read on. Only
            // a live writer is worth batching: a pipe that just hung up, or a harness that has
            // exited, means the rest is (nearly) all there, so drain without pausing.
            if big_pipes
                && read_now < PIPE_CAPACITY / 4
                && status.is_none()
                && (stdout.is_some() || stderr.is_some())
            {
                hold_until = Some(now + read_hold(read_now, now - last_output));
            }
            last_output = now;
        }
        if in_ev && let Some(s) = stdin.as_mut() {
            match s.write(&stdin_data[written..]) {
                Ok(n) => written += n,
                Err(e)
                    if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {}
                Err(_) => written = stdin_data.len(),
            }
            if written >= stdin_data.len() {
                stdin = None;
            }
        }
        if status.is_none()
            && (exit_ev || pidfd.is_none())
            && let Ok(Some(st)) = child.try_wait()
        {
            status = Some(st);
            stdin = None;
            hold_until = None;
            // End whatever the harness left behind in its group, then drain the pipes.
            if group_exists(pgid) {
                kill_group(pgid, Signal::TERM);
                kill_at = Some(Instant::now() + TERM_GRACE);
            }
            drain_until = Some(Instant::now() + DRAIN_LIMIT);
        }
        if wake_ev {
            waiters.wake.drain();
        }
        if sig_ev || wake_ev || Instant::now() >= next_check {
            if interrupt.is_none() && status.is_none() {
                interrupt = waiters
                    .signals
                    .received()
                    .map(Interrupt::Signal)
                    .or_else(|| hooks.check(sig_ev || wake_ev))
                    .or_else(|| {
                        over(limits.run_timeout, started)
                            .map(|d| Interrupt::TimedOut(d.as_secs() as i64))
                    })
                    .or_else(|| {
                        over(limits.idle_timeout, last_output)
                            .map(|d| Interrupt::Stalled(d.as_secs() as i64))
                    });
                match &interrupt {
                    Some(Interrupt::Kill { .. }) => kill_group(pgid, Signal::KILL),
                    Some(_) => {
                        kill_group(pgid, Signal::TERM);
                        kill_at = Some(Instant::now() + TERM_GRACE);
                    }
                    None => {}
                }
            }
            next_check = Instant::now() + CHECK_INTERVAL;
            if status.is_none()
                && TRIM_AT
                    .get(trims_done)
                    .is_some_and(|at| started.elapsed() >= *at)
            {
                trims_done += 1;
                crate::trim::release_idle_memory();
            }
        }
        let now = Instant::now();
        if kill_at.is_some_and(|t| now >= t) {
            kill_group(pgid, Signal::KILL);
            kill_at = None;
        }
        if drain_until.is_some_and(|t| now >= t) {
            stdout = None;
            stderr = None;
        }
    }
    kill_group(pgid, Signal::KILL);
    let status = match status {
        Some(st) => st,
        None => match child.wait() {
            Ok(st) => st,
            Err(e) => {
                return ExecResult {
                    exit_code: -1,
                    error_text: Some(format!("could not wait for harness: {e}")),
                    interrupt,
                    tail: tail.text(),
                };
            }
        },
    };
    let (exit_code, mut error_text) = describe(status);
    if let Some(i) = &interrupt {
        error_text = Some(i.error_text());
    }
    ExecResult {
        exit_code,
        error_text,
        interrupt,
        tail: tail.text(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_hold_never_lets_the_pipe_fill_past_half() {
        // A trickle gets the full pause.
        assert_eq!(read_hold(100, Duration::from_millis(50)), READ_HOLD);
        // 200 MB/s: half a MiB arrives in ~2.6 ms.
        let hold = read_hold(200_000, Duration::from_millis(1));
        assert!(
            hold > Duration::from_millis(2) && hold < READ_HOLD,
            "{hold:?}"
        );
        // 2 GB/s: a quarter of a millisecond.
        let hold = read_hold(2_000_000, Duration::from_millis(1));
        assert!(hold < Duration::from_micros(300), "{hold:?}");
        // No time elapsed at all is not a division by zero.
        assert!(read_hold(1, Duration::ZERO) <= READ_HOLD);
    }
}
