//! What to start: program, arguments, directory, environment, input, and how.

use std::ffi::OsString;
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};

use crate::job::Job;

/// A child process to start. Every way Forge starts a child goes through here.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub(crate) program: OsString,
    pub(crate) args: Vec<OsString>,
    pub(crate) cwd: Option<PathBuf>,
    pub(crate) env: Vec<(OsString, OsString)>,
    pub(crate) stdin: Option<Vec<u8>>,
}

impl JobSpec {
    /// A job running `program` (looked up on the `PATH` when it has no `/`).
    pub fn new(program: impl Into<OsString>) -> Self {
        JobSpec {
            program: program.into(),
            args: Vec::new(),
            cwd: None,
            env: Vec::new(),
            stdin: None,
        }
    }

    /// Adds one argument.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Runs in this directory.
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// Sets one environment variable on top of this process's environment (later wins).
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Sets environment variables, in order.
    pub fn envs<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Feeds these bytes to standard input, then closes it (without it, input is /dev/null).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// The program, for messages.
    pub fn program(&self) -> String {
        self.program.to_string_lossy().into_owned()
    }

    #[allow(clippy::disallowed_methods)]
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args);
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Starts the job supervised, as the leader of a new process group, with its output piped to
    /// this process.
    pub fn spawn(self) -> std::io::Result<Job> {
        let mut cmd = self.command();
        let piped = |on: bool| if on { Stdio::piped() } else { Stdio::null() };
        cmd.stdin(piped(self.stdin.is_some()))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let child = cmd.spawn()?;
        Ok(Job::started(child, self.stdin.unwrap_or_default()))
    }

    /// Starts a long-lived process detached from this one: a new session (so it outlives the
    /// terminal and is not in any job-control group), standard streams on /dev/null. A thread
    /// reaps it when it ends, so a long-lived parent never collects zombies. Returns its pid.
    pub fn spawn_detached(self) -> std::io::Result<u32> {
        let mut cmd = self.command();
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: `setsid` is async-signal-safe and touches no Rust state between fork and exec.
        #[allow(unsafe_code)]
        unsafe {
            cmd.pre_exec(|| {
                rustix::process::setsid()
                    .map(|_| ())
                    .map_err(std::io::Error::from)
            });
        }
        let mut child = cmd.spawn()?;
        let pid = child.id();
        let _ = std::thread::Builder::new()
            .name("reap-detached".into())
            .stack_size(32 * 1024)
            .spawn(move || child.wait());
        Ok(pid)
    }

    /// Runs an interactive program (an editor) in the foreground of this terminal: standard
    /// streams inherited and, unlike every other job, in this process's group, because only the
    /// terminal's foreground group may read from it.
    pub fn run_interactive(self) -> std::io::Result<ExitStatus> {
        let mut cmd = self.command();
        cmd.stdin(Stdio::inherit())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit());
        cmd.status()
    }
}

/// Clears close-on-exec on a descriptor so a detached child inherits it (the runner lock).
pub fn inheritable(fd: impl AsFd) -> std::io::Result<()> {
    rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::empty()).map_err(std::io::Error::from)
}
