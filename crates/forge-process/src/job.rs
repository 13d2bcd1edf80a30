//! A running job and its supervision loop.
//!
//! Everything happens on the caller's thread around one `poll`: the job's stdout and stderr
//! pipes (read as soon as data arrives, so the child never blocks on a full pipe), its stdin (fed
//! without blocking), a pidfd that becomes readable when the leader exits, and the descriptors
//! the caller's [`Control`] watches (a wake-up FIFO, a signal pipe). The control is asked at
//! every wake-up and at least every [`Control::interval`] whether the job must stop; the stop
//! itself follows `forge_core::supervise` (policy signal to the group, grace, SIGKILL to the
//! group), as does the end of a job whose leader exited while others of its group ran on.

use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, ExitStatus};
use std::time::{Duration, Instant};

use forge_core::supervise::{Effect, JobEvent, JobState, StopPolicy, deadline, next};
use rustix::event::{PollFd, PollFlags, Timespec, poll};

use crate::group::{END_WAIT, group_exists, signal_group, wait_group_gone};

/// Output pipe capacity asked for.
const PIPE_CAPACITY: usize = 1 << 20;

/// After reading a chunk of output, the longest the pipes are left alone before polling them
/// again. A child writing fast would otherwise wake the supervisor for every small write (every
/// 4 KiB with C stdio), and each wake-up costs the child a cross-CPU wake; with the pause its
/// writes collect in the pipe and are read in one go. The pause is shortened so that, at the rate
/// output arrives, the pipe fills to at most half (see [`read_hold`]) and skipped after a big
/// read. Output of an interactive-speed child reaches the sink at most this much later.
const READ_HOLD: Duration = Duration::from_millis(3);

/// How long to leave the pipes alone after reading `bytes` that arrived over `elapsed`.
pub(crate) fn read_hold(bytes: usize, elapsed: Duration) -> Duration {
    let half_pipe = (PIPE_CAPACITY / 2) as f64;
    let rate = bytes as f64 / elapsed.as_secs_f64().max(1e-6);
    READ_HOLD.min(Duration::from_secs_f64(half_pipe / rate.max(1.0)))
}

/// What a [`Control`] is told when it is asked.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// One of the control's descriptors was readable (something asked for attention).
    pub woken: bool,
    /// Time since the job started.
    pub elapsed: Duration,
    /// Time since the job last printed anything.
    pub idle: Duration,
    /// A stop is under way: only a harsher one (a kill) can change anything now, so a control
    /// must not consume requests it cannot act on.
    pub stopping: bool,
}

/// Decides, while a job runs, whether it must stop.
pub trait Control {
    /// Why a job was stopped.
    type Reason;
    /// Descriptors that wake the job's loop when readable.
    fn wake_fds(&self) -> Vec<BorrowedFd<'_>>;
    /// How often [`Control::check`] runs when nothing wakes the loop.
    fn interval(&self) -> Duration {
        Duration::from_millis(250)
    }
    /// A stop request (policy and reason), or None to let the job run on. Called on every
    /// wake-up and every [`Control::interval`] until the leader exits, also while stopping
    /// (a harsher request then escalates the stop).
    fn check(&mut self, at: Check) -> Option<(StopPolicy, Self::Reason)>;
}

/// Receives a job's output as it arrives.
pub trait Sink {
    fn stdout(&mut self, bytes: &[u8]);
    fn stderr(&mut self, bytes: &[u8]);
}

/// How a supervised job ended.
#[derive(Debug)]
pub struct Finished<R> {
    /// The leader's exit status (None if it could not be waited for).
    pub status: Option<ExitStatus>,
    /// Why the job was stopped, when it was.
    pub stopped: Option<R>,
    /// How long it ran.
    pub elapsed: Duration,
}

impl<R> Finished<R> {
    /// The exit code; -1 when the leader died of a signal or could not be waited for.
    pub fn exit_code(&self) -> i64 {
        describe(self.status).0
    }

    /// `exit status N`, `signal: killed`, ...; None for a clean exit.
    pub fn exit_text(&self) -> Option<String> {
        describe(self.status).1
    }
}

/// An exit status as `(code, text)`: code -1 for a death by signal.
pub fn describe(status: Option<ExitStatus>) -> (i64, Option<String>) {
    use std::os::unix::process::ExitStatusExt;
    let Some(status) = status else {
        return (-1, Some("could not wait for the process".into()));
    };
    match (status.code(), status.signal()) {
        (Some(0), _) => (0, None),
        (Some(code), _) => (i64::from(code), Some(format!("exit status {code}"))),
        (None, Some(9)) => (-1, Some("signal: killed".into())),
        (None, Some(15)) => (-1, Some("signal: terminated".into())),
        (None, Some(sig)) => (-1, Some(format!("signal: {sig}"))),
        (None, None) => (-1, Some("exited abnormally".into())),
    }
}

/// A started job: the leader of its own process group.
#[derive(Debug)]
pub struct Job {
    child: Child,
    pgid: i32,
    pidfd: Option<OwnedFd>,
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
    stdin: Option<ChildStdin>,
    stdin_data: Vec<u8>,
    written: usize,
    big_pipes: bool,
}

fn set_nonblocking(fd: BorrowedFd<'_>) {
    let _ = rustix::io::ioctl_fionbio(fd, true);
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

/// Readiness of one poll round.
#[derive(Debug, Default, Clone, Copy)]
struct Ready {
    out: bool,
    err: bool,
    input: bool,
    exit: bool,
    woken: bool,
}

impl Job {
    pub(crate) fn started(mut child: Child, stdin_data: Vec<u8>) -> Job {
        let pgid = child.id() as i32;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let stdin = child.stdin.take().filter(|_| !stdin_data.is_empty());
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
        Job {
            big_pipes: grow_pipes(&stdout, &stderr),
            pidfd: open_pidfd(pgid),
            child,
            pgid,
            stdout,
            stderr,
            stdin,
            stdin_data,
            written: 0,
        }
    }

    /// The leader's pid, which is also the job's process group id.
    pub fn pgid(&self) -> i32 {
        self.pgid
    }

    fn poll_once<C: Control>(&self, ctl: &C, wait: Duration, holding: bool, exited: bool) -> Ready {
        let mut fds: Vec<PollFd<'_>> = Vec::with_capacity(6);
        fn slot<'a>(
            fds: &mut Vec<PollFd<'a>>,
            fd: Option<BorrowedFd<'a>>,
            flags: PollFlags,
        ) -> Option<usize> {
            fd.map(|fd| {
                fds.push(PollFd::from_borrowed_fd(fd, flags));
                fds.len() - 1
            })
        }
        let out = slot(
            &mut fds,
            self.stdout.as_ref().filter(|_| !holding).map(AsFd::as_fd),
            PollFlags::IN,
        );
        let err = slot(
            &mut fds,
            self.stderr.as_ref().filter(|_| !holding).map(AsFd::as_fd),
            PollFlags::IN,
        );
        let input = slot(
            &mut fds,
            self.stdin.as_ref().map(AsFd::as_fd),
            PollFlags::OUT,
        );
        let exit = slot(
            &mut fds,
            self.pidfd.as_ref().filter(|_| !exited).map(AsFd::as_fd),
            PollFlags::IN,
        );
        // Once the leader exited the control is no longer asked, so nothing drains its
        // descriptors: polling them would return at once on every pass.
        let wakes: Vec<usize> = if exited {
            Vec::new()
        } else {
            ctl.wake_fds()
                .into_iter()
                .filter_map(|fd| slot(&mut fds, Some(fd), PollFlags::IN))
                .collect()
        };
        let timeout = Timespec {
            tv_sec: wait.as_secs() as i64,
            tv_nsec: i64::from(wait.subsec_nanos()),
        };
        let _ = poll(&mut fds, Some(&timeout));
        let ready = |i: Option<usize>| i.is_some_and(|i| !fds[i].revents().is_empty());
        Ready {
            out: ready(out),
            err: ready(err),
            input: ready(input),
            exit: ready(exit),
            woken: wakes.iter().any(|i| ready(Some(*i))),
        }
    }

    /// Reads available output into `sink`; returns the bytes read.
    fn read_output(&mut self, ready: Ready, buf: &mut [u8], sink: &mut dyn Sink) -> usize {
        let mut read = 0usize;
        if ready.out
            && let Some(s) = self.stdout.as_mut()
        {
            let open = pump(s, buf, |chunk| {
                read += chunk.len();
                sink.stdout(chunk);
            });
            if !open {
                self.stdout = None;
            }
        }
        if ready.err
            && let Some(s) = self.stderr.as_mut()
        {
            let open = pump(s, buf, |chunk| {
                read += chunk.len();
                sink.stderr(chunk);
            });
            if !open {
                self.stderr = None;
            }
        }
        read
    }

    fn feed_stdin(&mut self) {
        let Some(s) = self.stdin.as_mut() else { return };
        match s.write(&self.stdin_data[self.written..]) {
            Ok(n) => self.written += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {}
            Err(_) => self.written = self.stdin_data.len(),
        }
        if self.written >= self.stdin_data.len() {
            self.stdin = None;
        }
    }

    /// Supervises the job until it is done: output to `sink`, stop requests from `ctl`.
    pub fn supervise<C: Control>(
        mut self,
        ctl: &mut C,
        sink: &mut dyn Sink,
    ) -> Finished<C::Reason> {
        let started = Instant::now();
        let mut run = Supervision::<C::Reason>::new(started, ctl.interval());
        // Zeroed by the allocator (fresh pages): only the part reads fill becomes resident.
        let mut buf = vec![0u8; 256 * 1024];
        while run.state != JobState::Done {
            let now = Instant::now();
            let holding = run.hold_until.is_some_and(|t| now < t);
            let wait = run.wait(now, holding, self.pidfd.is_some());
            let ready = self.poll_once(ctl, wait, holding, run.status.is_some());
            let read = self.read_output(ready, &mut buf, sink);
            let live = self.stdout.is_some() || self.stderr.is_some();
            run.note_output(read, self.big_pipes && live);
            if ready.input {
                self.feed_stdin();
            }
            if run.status.is_none()
                && (ready.exit || self.pidfd.is_none())
                && let Ok(Some(st)) = self.child.try_wait()
            {
                run.status = Some(st);
                self.stdin = None;
                run.hold_until = None;
                run.apply(
                    self.pgid,
                    JobEvent::LeaderExited {
                        group_left: group_exists(self.pgid),
                    },
                );
            }
            let now = Instant::now();
            if run.status.is_none() && (ready.woken || now >= run.next_check) {
                let at = Check {
                    woken: ready.woken,
                    elapsed: now - started,
                    idle: now - run.last_output,
                    stopping: run.stopped.is_some(),
                };
                if let Some((policy, reason)) = ctl.check(at) {
                    run.request(self.pgid, policy, reason);
                }
                run.next_check = Instant::now() + ctl.interval();
            }
            if self.stdout.is_none() && self.stderr.is_none() {
                run.apply(self.pgid, JobEvent::OutputClosed);
            }
            run.apply(self.pgid, JobEvent::Tick);
        }
        self.finish(run, started)
    }

    fn finish<R>(mut self, run: Supervision<R>, started: Instant) -> Finished<R> {
        self.stdout = None;
        self.stderr = None;
        self.stdin = None;
        signal_group(self.pgid, forge_core::supervise::Sig::Kill);
        let status = run.status.or_else(|| self.child.wait().ok());
        if group_exists(self.pgid) {
            wait_group_gone(self.pgid, END_WAIT);
        }
        Finished {
            status,
            stopped: run.stopped.map(|(_, r)| r),
            elapsed: started.elapsed(),
        }
    }
}

/// The bookkeeping of one supervision loop.
struct Supervision<R> {
    state: JobState,
    status: Option<ExitStatus>,
    stopped: Option<(StopPolicy, R)>,
    next_check: Instant,
    last_output: Instant,
    hold_until: Option<Instant>,
}

impl<R> Supervision<R> {
    fn new(started: Instant, interval: Duration) -> Self {
        Supervision {
            state: JobState::Running,
            status: None,
            stopped: None,
            next_check: started + interval,
            last_output: started,
            hold_until: None,
        }
    }

    fn apply(&mut self, pgid: i32, event: JobEvent) {
        let (state, effect) = next(self.state, event, Instant::now());
        self.state = state;
        if let Some(Effect::SignalGroup(sig)) = effect {
            signal_group(pgid, sig);
        }
    }

    /// A stop request: the first reason is kept unless a harsher policy (SIGKILL) replaces it.
    fn request(&mut self, pgid: i32, policy: StopPolicy, reason: R) {
        let harsher = self.stopped.as_ref().is_none_or(|(p, _)| {
            p.signal != forge_core::supervise::Sig::Kill
                && policy.signal == forge_core::supervise::Sig::Kill
        });
        if harsher {
            self.stopped = Some((policy, reason));
        }
        self.apply(pgid, JobEvent::Stop(policy));
    }

    /// How long the next poll may wait.
    fn wait(&mut self, now: Instant, holding: bool, has_pidfd: bool) -> Duration {
        if !holding {
            self.hold_until = None;
        }
        let mut until = deadline(self.state);
        if self.status.is_none() {
            until = Some(until.map_or(self.next_check, |d| d.min(self.next_check)));
        }
        if let Some(h) = self.hold_until {
            until = Some(until.map_or(h, |d| d.min(h)));
        }
        let mut wait = until.map_or(Duration::from_millis(250), |d| {
            d.saturating_duration_since(now)
        });
        if !has_pidfd && self.status.is_none() {
            wait = wait.min(Duration::from_millis(10));
        }
        wait
    }

    /// After a read of `bytes`: a small read from a live writer pauses reading briefly (see
    /// [`READ_HOLD`]); a big read means the supervisor is the slower side and must read on.
    fn note_output(&mut self, bytes: usize, batching: bool) {
        if bytes == 0 {
            return;
        }
        let now = Instant::now();
        if batching && bytes < PIPE_CAPACITY / 4 && self.status.is_none() {
            self.hold_until = Some(now + read_hold(bytes, now - self.last_output));
        }
        self.last_output = now;
    }
}

/// Bigger pipes let a fast child keep writing while a chunk is handled; only with them are
/// reads paused (see [`READ_HOLD`]).
fn grow_pipes(stdout: &Option<ChildStdout>, stderr: &Option<ChildStderr>) -> bool {
    #[cfg(target_os = "linux")]
    {
        let fds = [
            stdout.as_ref().map(AsFd::as_fd),
            stderr.as_ref().map(AsFd::as_fd),
        ];
        let any = fds.iter().any(Option::is_some);
        any && fds.into_iter().flatten().fold(true, |all, fd| {
            let got = rustix::pipe::fcntl_setpipe_size(fd, PIPE_CAPACITY);
            got.is_ok_and(|n| n >= PIPE_CAPACITY) && all
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (stdout, stderr);
        false
    }
}

fn open_pidfd(pid: i32) -> Option<OwnedFd> {
    #[cfg(target_os = "linux")]
    {
        rustix::process::Pid::from_raw(pid).and_then(|pid| {
            rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok()
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_hold_never_lets_the_pipe_fill_past_half() {
        assert_eq!(read_hold(100, Duration::from_millis(50)), READ_HOLD);
        let hold = read_hold(200_000, Duration::from_millis(1));
        assert!(
            hold > Duration::from_millis(2) && hold < READ_HOLD,
            "{hold:?}"
        );
        let hold = read_hold(2_000_000, Duration::from_millis(1));
        assert!(hold < Duration::from_micros(300), "{hold:?}");
        assert!(read_hold(1, Duration::ZERO) <= READ_HOLD);
    }
}
