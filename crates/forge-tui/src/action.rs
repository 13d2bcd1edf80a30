//! Everything that can happen to the dashboard, and the work it asks the runtime to do.

use std::collections::HashMap;

use crossterm::event::KeyEvent;
use jiff::Timestamp;

use crate::model::{Detail, LogWindow, Mailbox, Snapshot};
use crate::ops::{Delivery, LoopSpec, OpError};

/// An input to [`crate::update::update`].
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Resize(u16, u16),
    /// The clock moved (once a second, and before each frame).
    Tick(Timestamp),
    Data(DataEvent),
    /// An operation finished.
    Done(Job, Result<String, OpError>),
}

/// What the loader read.
#[derive(Debug, Clone)]
pub enum DataEvent {
    Snapshot(Snapshot),
    Detail(Detail),
    /// A window of the selected loop's log file.
    Log(LogWindow),
    /// Tails of the Multi Logs cells, by loop id.
    Multi(HashMap<String, LogWindow>),
    Mail(Mailbox),
    /// A refresh failed; the dashboard keeps the last good data.
    Error(String),
}

/// An operation for the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    Stop {
        loop_id: String,
        display: String,
    },
    Kill {
        loop_id: String,
        display: String,
    },
    Resume {
        loop_id: String,
        display: String,
    },
    Delete {
        loop_id: String,
        display: String,
        force: bool,
    },
    Message {
        loop_id: String,
        display: String,
        text: String,
        delivery: Delivery,
    },
    Validate(Box<LoopSpec>),
    Create(Box<LoopSpec>),
}

impl Job {
    /// What the header and the "still running" message call it.
    pub fn label(&self) -> String {
        match self {
            Job::Stop { display, .. } => format!("stop {display}"),
            Job::Kill { display, .. } => format!("kill {display}"),
            Job::Resume { display, .. } => format!("resume {display}"),
            Job::Delete { display, .. } => format!("delete {display}"),
            Job::Message { display, .. } => format!("message {display}"),
            Job::Validate(_) => "check new loop".to_string(),
            Job::Create(_) => "create loops".to_string(),
        }
    }
}

/// What the runtime must do after an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    None,
    Run(Job),
    Quit,
}
