//! One module per command: an `XxxArgs` struct (clap derive) and one `run` function.

pub(crate) mod clean;
pub(crate) mod completion;
pub(crate) mod config;
pub(crate) mod doctor;
pub(crate) mod events;
mod guard_flags;
pub(crate) mod hook;
pub(crate) mod init;
pub(crate) mod kill;
pub(crate) mod logs;
pub(crate) mod loop_cmd;
mod loop_spec;
mod loop_target;
pub(crate) mod mem;
pub(crate) mod msg;
pub(crate) mod pool;
pub(crate) mod profile;
pub(crate) mod prompt;
pub(crate) mod ps;
pub(crate) mod queue;
pub(crate) mod resume;
pub(crate) mod rm;
pub(crate) mod run;
pub(crate) mod scale;
pub(crate) mod seq;
pub(crate) mod status;
pub(crate) mod stop;
mod stop_flags;
pub(crate) mod template;
pub(crate) mod tui;
pub(crate) mod up;
pub(crate) mod usage;
pub(crate) mod work;

use crate::cli::Command;
use crate::context::Ctx;
use crate::error::CliError;

/// Runs one command.
pub(crate) fn dispatch(ctx: &Ctx, command: Command) -> Result<(), CliError> {
    match command {
        Command::Init(a) => init::run(ctx, a),
        Command::Up(a) => up::run(ctx, a),
        Command::Ps(a) => ps::run(ctx, a),
        Command::Logs(a) => logs::run(ctx, a),
        Command::Msg(a) => msg::run(ctx, a),
        Command::Queue(a) => queue::run(ctx, a),
        Command::Stop(a) => stop::run(ctx, a),
        Command::Kill(a) => kill::run(ctx, a),
        Command::Resume(a) => resume::run(ctx, a),
        Command::Rm(a) => rm::run(ctx, a),
        Command::Clean(a) => clean::run(ctx, a),
        Command::Scale(a) => scale::run(ctx, a),
        Command::Run(a) => run::run(ctx, a),
        Command::Loop(a) => loop_cmd::run(ctx, a),
        Command::Profile(a) => profile::run(ctx, a),
        Command::Pool(a) => pool::run(ctx, a),
        Command::Config(a) => config::run(ctx, a),
        Command::Completion(a) => completion::run(ctx, a),
        Command::Status(a) => status::run(ctx, a),
        Command::Doctor(a) => doctor::run(ctx, a),
        Command::Usage(a) => usage::run(ctx, a),
        Command::Events(a) => events::run(ctx, a),
        Command::Hook(a) => hook::run(ctx, a),
        Command::Mem(a) => mem::run(ctx, a),
        Command::Work(a) => work::run(ctx, a),
        Command::Prompt(a) => prompt::run(ctx, a),
        Command::Template(a) => template::run(ctx, a),
        Command::Seq(a) => seq::run(ctx, a),
        Command::Tui(a) => tui::run(ctx, a),
    }
}
