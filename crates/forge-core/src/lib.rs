//! Forge domain types and pure logic.
//!
//! This crate owns everything about loops that can be decided without I/O: identifiers and
//! names, durations and timestamps, the loop/profile/pool/queue/run model, queue planning,
//! profile selection, prompt composition, ledger rendering, secret redaction and loop-reference
//! matching. It has no SQLite, no argument parsing and no process spawning, so every rule here
//! is unit-tested directly.

pub mod config;
pub mod duration;
pub mod events;
pub mod hooks;
pub mod ids;
pub mod ledger;
pub mod loopref;
pub mod model;
pub mod names;
pub mod prompt;
pub mod queue;
pub mod redact;
pub mod selection;
pub mod slug;
pub mod stop;
pub mod supervise;
pub mod tail;
pub mod time;
