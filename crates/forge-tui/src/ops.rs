//! The operations the dashboard asks for, as a trait: `forge-cli` implements it with the very
//! functions its `stop`, `kill`, `resume`, `rm`, `msg` and `up` commands run, so a key press and
//! a command line do exactly the same thing. forge-tui never changes loops itself.

use std::fmt;

/// A failed operation: what went wrong and, when known, the next step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpError {
    pub message: String,
    pub hint: Option<String>,
}

impl OpError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.hint {
            Some(hint) => write!(f, "{} ({hint})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for OpError {}

/// The new-loop wizard's answers, as `forge up` flags (empty = not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoopSpec {
    pub name: String,
    pub name_prefix: String,
    pub count: i64,
    pub pool: String,
    pub profile: String,
    pub prompt: String,
    pub prompt_msg: String,
    pub interval: String,
    pub max_runtime: String,
    pub max_iterations: i64,
    pub tags: Vec<String>,
}

/// How a message reaches a loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Appended to the next prompt (`forge msg`).
    NextPrompt,
    /// Interrupts the running harness (`forge msg --now`).
    Now,
}

/// Loop operations. Each returns the line shown in the status bar on success. Calls come from
/// one worker thread, one at a time.
pub trait Operations: Send + Sync {
    /// `forge stop <loop>`: after the current run.
    fn stop(&self, loop_id: &str) -> Result<String, OpError>;
    /// `forge kill <loop>`: now, ending the harness group.
    fn kill(&self, loop_id: &str) -> Result<String, OpError>;
    /// `forge resume <loop>`.
    fn resume(&self, loop_id: &str) -> Result<String, OpError>;
    /// `forge rm <loop> [--force]`.
    fn delete(&self, loop_id: &str, force: bool) -> Result<String, OpError>;
    /// `forge msg <loop> [--now] <text>`.
    fn message(&self, loop_id: &str, text: &str, delivery: Delivery) -> Result<String, OpError>;
    /// Checks a wizard spec as `forge up` would, creating nothing.
    fn validate(&self, spec: &LoopSpec) -> Result<String, OpError>;
    /// `forge up` with the wizard's answers.
    fn create(&self, spec: &LoopSpec) -> Result<String, OpError>;
    /// Marks loops whose runner died as stopped (what `forge ps` does first); returns how many.
    fn reconcile(&self) -> Result<usize, OpError>;
}
