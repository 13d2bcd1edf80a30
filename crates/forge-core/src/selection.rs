//! Profile selection for one iteration.
//!
//! A profile is unavailable while its cooldown lasts or while it already runs
//! `max_concurrency` harnesses (0 = unlimited). Pools are walked round robin from a cursor
//! shared by every loop using the pool. When nothing is available the loop waits: until the
//! earliest cooldown ends, or for a short recheck interval when profiles are only busy.

use jiff::Timestamp;

use crate::model::Profile;
use crate::time::{add_seconds, parse_ts};

/// How long a loop waits before re-checking profiles that are busy (not in cooldown).
pub const BUSY_RECHECK_SECONDS: i64 = 5;

/// After a cooldown ends, the profile is re-admitted gradually for this long...
pub const RAMP_WINDOW_SECONDS: i64 = 300;

/// ...starting at most this many runs per minute, so loops that waited for it do not all hit
/// the account at once.
pub const RAMP_STARTS_PER_MINUTE: i64 = 2;

/// Availability of one profile right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Free to run.
    Available,
    /// In cooldown until the given time.
    Cooldown(Timestamp),
    /// Already running `max_concurrency` harnesses.
    AtCapacity,
    /// Out of cooldown recently and already started its share of runs this minute.
    Ramping,
}

/// A profile with the number of runs it currently has in flight.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The profile.
    pub profile: Profile,
    /// Its `running` run rows across all loops.
    pub running: i64,
    /// Runs it started in the last minute (only needed while [`ramping`] says so).
    pub recent_starts: i64,
}

/// Whether a profile's cooldown ended within the re-admission window.
pub fn ramping(profile: &Profile, now: Timestamp) -> bool {
    profile
        .cooldown_until
        .as_deref()
        .and_then(parse_ts)
        .is_some_and(|until| {
            until <= now && now.as_second() - until.as_second() < RAMP_WINDOW_SECONDS
        })
}

/// Decides a candidate's availability at `now`.
pub fn availability(candidate: &Candidate, now: Timestamp) -> Availability {
    let (profile, running) = (&candidate.profile, candidate.running);
    if let Some(until) = profile.cooldown_until.as_deref().and_then(parse_ts)
        && until > now
    {
        return Availability::Cooldown(until);
    }
    if profile.max_concurrency > 0 && running >= profile.max_concurrency {
        return Availability::AtCapacity;
    }
    if ramping(profile, now) && candidate.recent_starts >= RAMP_STARTS_PER_MINUTE {
        return Availability::Ramping;
    }
    Availability::Available
}

/// The result of selecting a profile.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// Run with this profile; `index` is the new pool cursor (pools only).
    Selected {
        profile: Box<Profile>,
        index: Option<i64>,
    },
    /// Nothing available: wait until `until`; `reason` explains why.
    Wait { until: Timestamp, reason: String },
}

fn wait_for(unavailable: &[(String, Availability)], now: Timestamp) -> Selection {
    let earliest = unavailable
        .iter()
        .filter_map(|(_, a)| match a {
            Availability::Cooldown(until) => Some(*until),
            _ => None,
        })
        .min();
    let any_busy = unavailable
        .iter()
        .any(|(_, a)| *a == Availability::AtCapacity);
    let recheck = add_seconds(now, BUSY_RECHECK_SECONDS);
    let until = match earliest {
        Some(t) if any_busy => t.min(recheck),
        Some(t) => t,
        None => recheck,
    };
    let reason = unavailable
        .iter()
        .map(|(name, a)| match a {
            Availability::Cooldown(t) => {
                format!("{name} in cooldown until {}", crate::time::format_ts(*t))
            }
            Availability::AtCapacity => format!("{name} at max concurrency"),
            Availability::Ramping => format!(
                "{name} being re-admitted after its cooldown ({RAMP_STARTS_PER_MINUTE} starts per minute)"
            ),
            Availability::Available => format!("{name} available"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    Selection::Wait { until, reason }
}

/// Selects a pinned profile: it runs if available, otherwise the loop waits for it.
pub fn select_pinned(candidate: &Candidate, now: Timestamp) -> Selection {
    match availability(candidate, now) {
        Availability::Available => Selection::Selected {
            profile: Box::new(candidate.profile.clone()),
            index: None,
        },
        other => wait_for(&[(candidate.profile.name.clone(), other)], now),
    }
}

/// Walks pool members round robin starting after `last_index`.
pub fn select_round_robin(
    members: &[Candidate],
    last_index: Option<i64>,
    now: Timestamp,
) -> Selection {
    let n = members.len() as i64;
    let mut unavailable = Vec::new();
    if n == 0 {
        return wait_for(&unavailable, now);
    }
    let start = last_index.unwrap_or(-1).rem_euclid(n.max(1)) + 1;
    for offset in 0..n {
        let index = (start + offset).rem_euclid(n);
        let candidate = &members[index as usize];
        match availability(candidate, now) {
            Availability::Available => {
                return Selection::Selected {
                    profile: Box::new(candidate.profile.clone()),
                    index: Some(index),
                };
            }
            other => unavailable.push((candidate.profile.name.clone(), other)),
        }
    }
    wait_for(&unavailable, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PromptMode;

    fn profile(name: &str, max: i64, cooldown: Option<&str>) -> Profile {
        Profile {
            id: format!("id-{name}"),
            name: name.into(),
            harness: "command".into(),
            auth_kind: None,
            auth_home: None,
            prompt_mode: PromptMode::Stdin,
            command_template: "true".into(),
            model: None,
            extra_args: vec![],
            env: Default::default(),
            max_concurrency: max,
            cooldown_until: cooldown.map(str::to_string),
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn now() -> Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn rotates_from_shared_cursor_and_skips_unavailable() {
        let members = vec![
            Candidate {
                profile: profile("a", 1, None),
                running: 0,
                recent_starts: 0,
            },
            Candidate {
                profile: profile("b", 1, None),
                running: 1,
                recent_starts: 0,
            },
            Candidate {
                profile: profile("c", 0, None),
                running: 9,
                recent_starts: 0,
            },
        ];
        match select_round_robin(&members, Some(0), now()) {
            Selection::Selected { profile, index } => {
                assert_eq!(profile.name, "c");
                assert_eq!(index, Some(2));
            }
            other => panic!("{other:?}"),
        }
        match select_round_robin(&members, None, now()) {
            Selection::Selected { profile, .. } => assert_eq!(profile.name, "a"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn waits_until_earliest_cooldown() {
        let members = vec![
            Candidate {
                profile: profile("a", 1, Some("2026-01-01T00:10:00Z")),
                running: 0,
                recent_starts: 0,
            },
            Candidate {
                profile: profile("b", 1, Some("2026-01-01T00:05:00Z")),
                running: 0,
                recent_starts: 0,
            },
        ];
        match select_round_robin(&members, None, now()) {
            Selection::Wait { until, reason } => {
                assert_eq!(until, "2026-01-01T00:05:00Z".parse::<Timestamp>().unwrap());
                assert!(
                    reason.contains("b in cooldown until 2026-01-01T00:05:00Z"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_profile_out_of_cooldown_is_readmitted_gradually() {
        let just_ended = profile("a", 0, Some("2025-12-31T23:59:00Z"));
        let ramp = |starts| Candidate {
            profile: just_ended.clone(),
            running: 0,
            recent_starts: starts,
        };
        assert_eq!(availability(&ramp(1), now()), Availability::Available);
        assert_eq!(availability(&ramp(2), now()), Availability::Ramping);
        match select_pinned(&ramp(2), now()) {
            Selection::Wait { until, reason } => {
                assert_eq!(until, add_seconds(now(), BUSY_RECHECK_SECONDS));
                assert!(
                    reason.contains("re-admitted after its cooldown (2 starts per minute)"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
        let long_ago = Candidate {
            profile: profile("b", 0, Some("2025-12-31T23:00:00Z")),
            running: 0,
            recent_starts: 9,
        };
        assert_eq!(availability(&long_ago, now()), Availability::Available);
    }

    #[test]
    fn pinned_busy_profile_rechecks_soon() {
        let c = Candidate {
            profile: profile("a", 1, None),
            running: 1,
            recent_starts: 0,
        };
        match select_pinned(&c, now()) {
            Selection::Wait { until, .. } => assert_eq!(until, add_seconds(now(), 5)),
            other => panic!("{other:?}"),
        }
        let expired = Candidate {
            profile: profile("a", 1, Some("2025-01-01T00:00:00Z")),
            running: 0,
            recent_starts: 0,
        };
        assert!(matches!(
            select_pinned(&expired, now()),
            Selection::Selected { .. }
        ));
    }
}
