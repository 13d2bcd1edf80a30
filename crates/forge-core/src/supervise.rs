//! The stop policy of every child process Forge runs, as a pure state machine.
//!
//! A supervised job is one process group: a leader Forge started plus whatever it spawned. The
//! job is stopped one way only: the policy's signal to the whole group, a grace period, then
//! SIGKILL to the group; when the leader exits on its own, the rest of its group gets the same
//! treatment, so nothing a harness left behind lives on. [`next`] decides, from the current
//! [`JobState`] and one [`JobEvent`], the next state and the one signal (if any) to send. The
//! I/O around it (spawning, polling pipes, reaping) lives in `forge-process`, which feeds it
//! events and carries out its [`Effect`]s; time is passed in, so every rule is tested here
//! without processes.

use std::fmt;
use std::time::{Duration, Instant};

/// The signals Forge sends to process groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sig {
    /// SIGTERM: ask to end.
    Term,
    /// SIGINT: as Ctrl-C would.
    Int,
    /// SIGHUP: the terminal went away.
    Hup,
    /// SIGKILL: end now; cannot be caught.
    Kill,
}

impl Sig {
    /// The conventional name (`SIGTERM`).
    pub fn name(self) -> &'static str {
        match self {
            Sig::Term => "SIGTERM",
            Sig::Int => "SIGINT",
            Sig::Hup => "SIGHUP",
            Sig::Kill => "SIGKILL",
        }
    }

    /// The signal number on Linux and the BSDs (they agree on these four).
    pub fn number(self) -> i32 {
        match self {
            Sig::Hup => 1,
            Sig::Int => 2,
            Sig::Kill => 9,
            Sig::Term => 15,
        }
    }

    /// The signal with this number, if it is one of the four.
    pub fn from_number(number: i32) -> Option<Sig> {
        [Sig::Hup, Sig::Int, Sig::Kill, Sig::Term]
            .into_iter()
            .find(|s| s.number() == number)
    }
}

impl fmt::Display for Sig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a job is stopped: `signal` to the group, then SIGKILL to the group after `grace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopPolicy {
    pub signal: Sig,
    pub grace: Duration,
}

impl StopPolicy {
    /// The default for every job: SIGTERM, then SIGKILL after half a second.
    pub const GRACEFUL: StopPolicy = StopPolicy {
        signal: Sig::Term,
        grace: Duration::from_millis(500),
    };

    /// SIGKILL at once (`forge kill`).
    pub const KILL: StopPolicy = StopPolicy {
        signal: Sig::Kill,
        grace: Duration::ZERO,
    };
}

/// How long the pipes of a job whose leader exited are still read: a process that escaped the
/// group may hold them open, and its output should not be lost nor wait forever.
pub const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// The leader runs; nobody asked it to stop.
    Running,
    /// The stop signal went to the group; SIGKILL follows at `kill_at` (None once sent).
    Stopping { kill_at: Option<Instant> },
    /// The leader exited; the rest of the group is being ended (SIGKILL at `kill_at`, None
    /// once sent or when nothing was left) and the pipes drained until `drain_until`.
    Exited {
        kill_at: Option<Instant>,
        drain_until: Instant,
    },
    /// Finished: the group gets a last SIGKILL and the leader is reaped.
    Done,
}

/// What happened to a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobEvent {
    /// Someone asked the job to stop with this policy.
    Stop(StopPolicy),
    /// The leader exited; `group_left` tells whether other members of its group still exist.
    LeaderExited { group_left: bool },
    /// Both output pipes reached end of file.
    OutputClosed,
    /// Time passed (a poll timed out or returned).
    Tick,
}

/// What to do after a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Send this signal to the job's process group.
    SignalGroup(Sig),
}

/// The next state of a job and the signal to send, if any.
pub fn next(state: JobState, event: JobEvent, now: Instant) -> (JobState, Option<Effect>) {
    use JobEvent as E;
    use JobState as S;
    match (state, event) {
        (S::Done, _) => (S::Done, None),
        (S::Running, E::Stop(policy)) => start_stop(policy, now),
        (S::Stopping { kill_at }, E::Stop(policy)) => escalate(S::Stopping { kill_at }, policy),
        (S::Exited { .. }, E::Stop(policy)) => escalate(state, policy),
        (S::Running, E::LeaderExited { group_left }) => leader_exited(None, group_left, now),
        (S::Stopping { kill_at }, E::LeaderExited { group_left }) => {
            leader_exited(kill_at, group_left, now)
        }
        (S::Exited { .. }, E::LeaderExited { .. }) => (state, None),
        (S::Exited { .. }, E::OutputClosed) => (S::Done, None),
        (S::Running | S::Stopping { .. }, E::OutputClosed) => (state, None),
        (_, E::Tick) => tick(state, now),
    }
}

fn start_stop(policy: StopPolicy, now: Instant) -> (JobState, Option<Effect>) {
    if policy.signal == Sig::Kill || policy.grace.is_zero() {
        return (
            JobState::Stopping { kill_at: None },
            Some(Effect::SignalGroup(Sig::Kill)),
        );
    }
    (
        JobState::Stopping {
            kill_at: Some(now + policy.grace),
        },
        Some(Effect::SignalGroup(policy.signal)),
    )
}

/// A second stop request only matters when it is harsher: SIGKILL now.
fn escalate(state: JobState, policy: StopPolicy) -> (JobState, Option<Effect>) {
    if policy.signal != Sig::Kill {
        return (state, None);
    }
    let state = match state {
        JobState::Stopping { .. } => JobState::Stopping { kill_at: None },
        JobState::Exited { drain_until, .. } => JobState::Exited {
            kill_at: None,
            drain_until,
        },
        other => other,
    };
    (state, Some(Effect::SignalGroup(Sig::Kill)))
}

/// The leader is gone. What it left in its group is stopped the same way (keeping an earlier
/// SIGKILL deadline), and the pipes are drained for at most [`DRAIN_LIMIT`].
fn leader_exited(
    pending_kill: Option<Instant>,
    group_left: bool,
    now: Instant,
) -> (JobState, Option<Effect>) {
    let drain_until = now + DRAIN_LIMIT;
    if !group_left {
        return (
            JobState::Exited {
                kill_at: None,
                drain_until,
            },
            None,
        );
    }
    match pending_kill {
        Some(at) => (
            JobState::Exited {
                kill_at: Some(at),
                drain_until,
            },
            None,
        ),
        None => (
            JobState::Exited {
                kill_at: Some(now + StopPolicy::GRACEFUL.grace),
                drain_until,
            },
            Some(Effect::SignalGroup(StopPolicy::GRACEFUL.signal)),
        ),
    }
}

fn tick(state: JobState, now: Instant) -> (JobState, Option<Effect>) {
    match state {
        JobState::Stopping { kill_at: Some(at) } if now >= at => (
            JobState::Stopping { kill_at: None },
            Some(Effect::SignalGroup(Sig::Kill)),
        ),
        JobState::Exited { drain_until, .. } if now >= drain_until => (JobState::Done, None),
        JobState::Exited {
            kill_at: Some(at),
            drain_until,
        } if now >= at => (
            JobState::Exited {
                kill_at: None,
                drain_until,
            },
            Some(Effect::SignalGroup(Sig::Kill)),
        ),
        other => (other, None),
    }
}

/// The next moment [`next`] must be called with [`JobEvent::Tick`], if any.
pub fn deadline(state: JobState) -> Option<Instant> {
    match state {
        JobState::Stopping { kill_at } => kill_at,
        JobState::Exited {
            kill_at,
            drain_until,
        } => Some(kill_at.map_or(drain_until, |k| k.min(drain_until))),
        JobState::Running | JobState::Done => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_graceful_stop_terms_the_group_then_kills_it_after_the_grace() {
        let t0 = Instant::now();
        let (s, e) = next(JobState::Running, JobEvent::Stop(StopPolicy::GRACEFUL), t0);
        assert_eq!(e, Some(Effect::SignalGroup(Sig::Term)));
        assert_eq!(deadline(s), Some(t0 + ms(500)));
        assert_eq!(next(s, JobEvent::Tick, t0 + ms(499)), (s, None));
        let (s, e) = next(s, JobEvent::Tick, t0 + ms(500));
        assert_eq!(e, Some(Effect::SignalGroup(Sig::Kill)));
        assert_eq!(s, JobState::Stopping { kill_at: None });
        assert_eq!(deadline(s), None);
    }

    #[test]
    fn kill_is_immediate_and_escalates_a_pending_stop() {
        let t0 = Instant::now();
        let (s, e) = next(JobState::Running, JobEvent::Stop(StopPolicy::KILL), t0);
        assert_eq!(
            (s, e),
            (
                JobState::Stopping { kill_at: None },
                Some(Effect::SignalGroup(Sig::Kill))
            )
        );
        let (s, _) = next(JobState::Running, JobEvent::Stop(StopPolicy::GRACEFUL), t0);
        let (s, e) = next(s, JobEvent::Stop(StopPolicy::KILL), t0 + ms(1));
        assert_eq!(e, Some(Effect::SignalGroup(Sig::Kill)));
        assert_eq!(s, JobState::Stopping { kill_at: None });
        // A second graceful request changes nothing.
        let (s2, e2) = next(s, JobEvent::Stop(StopPolicy::GRACEFUL), t0 + ms(2));
        assert_eq!((s2, e2), (s, None));
    }

    #[test]
    fn what_the_leader_left_behind_is_stopped_and_the_pipes_drained() {
        let t0 = Instant::now();
        let (s, e) = next(
            JobState::Running,
            JobEvent::LeaderExited { group_left: true },
            t0,
        );
        assert_eq!(e, Some(Effect::SignalGroup(Sig::Term)));
        assert_eq!(deadline(s), Some(t0 + ms(500)));
        let (s, e) = next(s, JobEvent::Tick, t0 + ms(500));
        assert_eq!(e, Some(Effect::SignalGroup(Sig::Kill)));
        assert_eq!(deadline(s), Some(t0 + DRAIN_LIMIT));
        assert_eq!(
            next(s, JobEvent::OutputClosed, t0 + ms(600)).0,
            JobState::Done
        );
    }

    #[test]
    fn a_clean_exit_waits_only_for_the_pipes_and_at_most_the_drain_limit() {
        let t0 = Instant::now();
        let (s, e) = next(
            JobState::Running,
            JobEvent::LeaderExited { group_left: false },
            t0,
        );
        assert_eq!(e, None);
        assert_eq!(next(s, JobEvent::Tick, t0 + ms(10)), (s, None));
        assert_eq!(next(s, JobEvent::Tick, t0 + DRAIN_LIMIT).0, JobState::Done);
    }

    #[test]
    fn an_exit_while_stopping_keeps_the_earlier_kill_deadline() {
        let t0 = Instant::now();
        let (s, _) = next(JobState::Running, JobEvent::Stop(StopPolicy::GRACEFUL), t0);
        let (s, e) = next(s, JobEvent::LeaderExited { group_left: true }, t0 + ms(100));
        assert_eq!(e, None, "the group already got its signal");
        assert_eq!(deadline(s), Some(t0 + ms(500)));
    }

    #[test]
    fn output_closing_before_the_exit_changes_nothing_and_done_is_final() {
        let t0 = Instant::now();
        assert_eq!(
            next(JobState::Running, JobEvent::OutputClosed, t0),
            (JobState::Running, None)
        );
        assert_eq!(
            next(JobState::Done, JobEvent::Stop(StopPolicy::KILL), t0),
            (JobState::Done, None)
        );
        assert_eq!(Sig::from_number(15), Some(Sig::Term));
        assert_eq!(Sig::Kill.to_string(), "SIGKILL");
    }
}
