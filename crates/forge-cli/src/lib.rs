//! The `forge` command line.
//!
//! `forge` parses its arguments with clap ([`cli`]), resolves them into a plain [`settings`]
//! struct (flags > `FORGE_*` environment > repo `.forge/forge.yaml` > global `config.yaml` >
//! defaults), and hands a [`context::Ctx`] to one command module under [`commands`]. All output
//! goes through the [`printer`]; every failure is a [`error::CliError`] rendered once, as
//! `Error:`/`Hint:` lines or a JSON error envelope, with fixed exit codes (0 ok, 1 runtime or
//! user error, 2 usage error).

mod app;
mod assets;
mod cli;
mod commands;
mod context;
mod error;
pub mod fmail;
mod harness_env;
mod interrupt;
mod logging;
mod printer;
mod select;
mod settings;
mod table;
mod version;

use std::process::ExitCode;

/// Runs `forge` with the process arguments.
pub fn main() -> ExitCode {
    app::run(std::env::args_os().collect())
}
