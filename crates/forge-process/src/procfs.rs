//! The one reader of `/proc`: a process's state, parent and process group, and its environment.
//!
//! Forge marks every child it starts with an environment variable (`FORGE_RUN_ID` for harness
//! runs, `FORGE_JOB_ID` for other jobs), so that a process group recorded by a runner that has
//! since died is only ever signalled while one of its members still carries that mark: a
//! process-group id reused by an unrelated program is never hit.

/// What `/proc/<pid>/stat` says about a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    pub pid: i32,
    /// One letter: `R`, `S`, `D`, `T`, `Z` (zombie), `X` (dead), ...
    pub state: char,
    pub ppid: i32,
    pub pgrp: i32,
}

impl ProcStat {
    /// Whether the process has exited (a zombie waiting to be reaped counts as exited).
    pub fn exited(&self) -> bool {
        matches!(self.state, 'Z' | 'X')
    }
}

/// Parses the content of `/proc/<pid>/stat`. The command name is in parentheses and may itself
/// contain spaces and parentheses, so the fields are read after the last `)`.
pub fn parse_stat(pid: i32, text: &str) -> Option<ProcStat> {
    let (_, rest) = text.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some(ProcStat {
        pid,
        state,
        ppid,
        pgrp,
    })
}

/// The stat of one process, if it exists.
#[cfg(target_os = "linux")]
pub fn stat(pid: i32) -> Option<ProcStat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(pid, &text)
}

/// The stat of one process, if it exists.
#[cfg(not(target_os = "linux"))]
pub fn stat(_pid: i32) -> Option<ProcStat> {
    None
}

/// Every process visible in `/proc`.
#[cfg(target_os = "linux")]
pub fn all() -> Vec<ProcStat> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(stat)
        .collect()
}

/// Every process visible in `/proc`.
#[cfg(not(target_os = "linux"))]
pub fn all() -> Vec<ProcStat> {
    Vec::new()
}

/// The members of process group `pgid`.
pub fn group_members(pgid: i32) -> Vec<ProcStat> {
    all().into_iter().filter(|p| p.pgrp == pgid).collect()
}

/// Whether process `pid` has `NAME=value` in its environment (`marker` is `NAME=value`).
#[cfg(target_os = "linux")]
pub fn has_env(pid: i32, marker: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|environ| {
        environ
            .split(|b| *b == 0)
            .any(|var| var == marker.as_bytes())
    })
}

/// Whether process `pid` has `NAME=value` in its environment (`marker` is `NAME=value`).
/// Without `/proc` nothing can be verified, so every process is taken to carry it.
#[cfg(not(target_os = "linux"))]
pub fn has_env(_pid: i32, _marker: &str) -> bool {
    true
}

/// The process groups of every live process carrying `marker` in its environment.
pub fn groups_with_env(marker: &str) -> Vec<i32> {
    let mut groups: Vec<i32> = all()
        .into_iter()
        .filter(|p| !p.exited() && has_env(p.pid, marker))
        .map(|p| p.pgrp)
        .collect();
    groups.sort_unstable();
    groups.dedup();
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_lines_with_odd_command_names() {
        let line = "4242 (my (weird) cmd) S 1 4242 4242 0 -1 4194560 ...";
        assert_eq!(
            parse_stat(4242, line),
            Some(ProcStat {
                pid: 4242,
                state: 'S',
                ppid: 1,
                pgrp: 4242
            })
        );
        assert_eq!(parse_stat(1, "garbage"), None);
        assert!(parse_stat(7, "7 (z) Z 1 7 7").is_some_and(|p| p.exited()));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn finds_this_process_and_its_environment() {
        let me = std::process::id() as i32;
        let st = stat(me).expect("own stat");
        assert_eq!(st.pid, me);
        assert!(!st.exited());
        let path = std::env::var("PATH").unwrap_or_default();
        assert!(has_env(me, &format!("PATH={path}")));
        assert!(!has_env(me, "FORGE_NO_SUCH_MARKER=1"));
    }
}
