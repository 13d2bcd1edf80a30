//! Running one harness through the supervisor: output to the loop log, a tail and the parser.

use std::path::Path;

use forge_core::supervise::Sig;
use forge_core::tail::{LineTail, TAIL_LINES};
use forge_harness::BuiltCommand;
use forge_process::{HarnessShell, Sink};

use crate::logfile::LoopLog;
use crate::watch::RunWatch;

/// Why a job was interrupted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Interrupt {
    /// `forge kill` / a `kill_now` item.
    Kill { reason: String },
    /// `forge stop` during a job that a stop ends (a check, git, a judge iteration).
    Stop,
    /// `forge msg --now`.
    Steer { message: String, created_at: String },
    /// The runner itself was told to stop.
    Signal(Sig),
    /// The run exceeded `--run-timeout` (seconds).
    TimedOut(i64),
    /// The run printed nothing for `--idle-timeout` (seconds).
    Stalled(i64),
}

impl Interrupt {
    pub(crate) fn error_text(&self) -> String {
        let go = forge_core::duration::format_go_duration;
        match self {
            Interrupt::Kill { reason } => reason.clone(),
            Interrupt::Stop => "stopped by operator".into(),
            Interrupt::Steer { .. } => "steer interrupt".into(),
            Interrupt::Signal(sig) => format!("runner terminated by {sig}"),
            Interrupt::TimedOut(secs) => format!("run timed out after {}", go(*secs)),
            Interrupt::Stalled(secs) => format!("no output for {} (stalled)", go(*secs)),
        }
    }
}

/// How a harness run ended.
#[derive(Debug)]
pub(crate) struct ExecResult {
    /// Exit code; -1 when killed by a signal or not started.
    pub(crate) exit_code: i64,
    /// `exit status N`, `signal: killed`, the interrupt reason, or a start failure.
    pub(crate) error_text: Option<String>,
    pub(crate) interrupt: Option<Interrupt>,
    /// The last lines of output.
    pub(crate) tail: String,
}

/// The loop log, the tail and the parser, fed with every chunk of output.
struct HarnessSink<'a> {
    log: &'a mut LoopLog,
    tail: LineTail,
    /// The harness's parser: one more receiver of every chunk.
    observer: &'a mut dyn Sink,
}

impl Sink for HarnessSink<'_> {
    fn stdout(&mut self, bytes: &[u8]) {
        self.log.raw(bytes);
        self.tail.push(bytes);
        self.observer.stdout(bytes);
    }

    fn stderr(&mut self, bytes: &[u8]) {
        self.log.raw(bytes);
        self.tail.push(bytes);
        self.observer.stderr(bytes);
    }
}

/// Runs the harness to completion (or interruption); `started` gets its process group.
pub(crate) fn execute(
    shell: &HarnessShell,
    cmd: &BuiltCommand,
    cwd: &Path,
    log: &mut LoopLog,
    watch: &mut RunWatch<'_>,
    observer: &mut dyn Sink,
) -> ExecResult {
    let mut spec = shell.job(&cmd.script, &cmd.env).cwd(cwd);
    if let Some(input) = &cmd.stdin {
        spec = spec.stdin(input.as_bytes().to_vec());
    }
    let job = match spec.spawn() {
        Ok(job) => job,
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
    watch.started(job.pgid());
    let mut sink = HarnessSink {
        log,
        tail: LineTail::new(TAIL_LINES),
        observer,
    };
    let finished = job.supervise(watch, &mut sink);
    let mut error_text = finished.exit_text();
    if let Some(i) = &finished.stopped {
        error_text = Some(i.error_text());
    }
    ExecResult {
        exit_code: finished.exit_code(),
        error_text,
        interrupt: finished.stopped,
        tail: sink.tail.text(),
    }
}
