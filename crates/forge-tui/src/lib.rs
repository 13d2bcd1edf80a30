//! Forge's loop dashboard: a live terminal view of every loop, its logs, runs and mail.
//!
//! Built like gitui: [`state::State`] is changed only by [`update::update`] from an
//! [`action::Action`] (a key, a resize, a tick, data from the loader, a finished operation), and
//! [`draw::draw`] renders a frame from `&State`. The [`data`] layer reads the store, the log
//! files (from the end, never whole) and the mailbox on its own thread; loop operations go
//! through the [`ops::Operations`] trait, which `forge-cli` implements with the same functions
//! as its commands. This is the only crate that uses ratatui and crossterm.

pub mod action;
pub mod data;
pub mod draw;
pub mod headless;
mod keys;
pub mod layers;
pub mod logview;
pub mod model;
pub mod ops;
pub mod runtime;
pub mod state;
pub mod theme;
pub mod update;
pub mod wizard;

pub use ops::{Delivery, LoopSpec, OpError, Operations};
pub use runtime::{DashboardConfig, TuiError, run};
