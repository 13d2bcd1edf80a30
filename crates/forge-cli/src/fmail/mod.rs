//! The `fmail` command line: agent-to-agent mail over plain files (standalone mode).
//!
//! One module per command; each has an `Args` struct (clap derive) and a `run` function.
//! Exit codes: 0 success, 1 runtime failure (`Error: <msg>`), 2 usage error (`Error: <msg>`, a
//! blank line, then usage).

mod completion;
mod error;
mod gc;
mod init;
mod log;
mod output;
mod register;
mod robot_help;
mod send;
mod status;
mod topics;
mod watch;
mod who;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use forge_mail::MailEnv;

use crate::error::CliError;
use crate::printer::{OutputMode, Printer};

/// The version printed by `fmail -v` and `--robot-help`.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every command gets: the captured environment and the printer.
pub(crate) struct Ctx {
    pub(crate) env: MailEnv,
    pub(crate) printer: Printer,
}

#[derive(Debug, Parser)]
#[command(
    name = "fmail",
    about = "Agent-to-agent mail: topics and direct messages stored as files under .fmail/",
    long_about = None,
    disable_version_flag = true,
    after_help = "Environment: FMAIL_AGENT (your name), FMAIL_ROOT (project root), FMAIL_PROJECT (project id).\n\
                  Run 'fmail --robot-help' for a machine-readable guide."
)]
struct Cli {
    /// Print the version
    #[arg(short = 'v', long = "version")]
    version: bool,

    /// Print a JSON guide for agents (accepted anywhere on the command line)
    #[arg(long = "robot-help")]
    robot_help: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Send a message to a topic or to @agent
    Send(send::Args),
    /// Show messages of a topic, of @agent's inbox, or of all topics
    #[command(alias = "logs")]
    Log(log::Args),
    /// Show messages of all topics and all inboxes
    Messages(log::MessagesArgs),
    /// Stream new messages as they arrive
    Watch(watch::Args),
    /// List topics with message counts and last activity
    #[command(alias = "topic")]
    Topics(topics::Args),
    /// List known agents with last seen time and status
    Who(who::Args),
    /// Show, set or clear your status
    Status(status::Args),
    /// Claim an agent name (random if none given)
    Register(register::Args),
    /// Create .fmail/ and project.json
    Init(init::Args),
    /// Delete old messages
    Gc(gc::Args),
    /// Print a shell completion script
    Completion(completion::Args),
}

/// Runs `fmail` with the process arguments and returns its exit code.
pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let printer = Printer::new(OutputMode::Human, false, false);
    match run(&args, &printer) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.exit == 2 => {
            let usage = usage_text(&args);
            printer.usage_error(&e, usage.trim_end());
            ExitCode::from(2)
        }
        Err(e) => {
            printer.error(&e);
            ExitCode::from(e.exit)
        }
    }
}

fn run(args: &[OsString], printer: &Printer) -> Result<(), CliError> {
    if args.iter().skip(1).any(|a| a == "--robot-help") {
        return robot_help::run(printer);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            use clap::error::ErrorKind;
            return match err.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    printer.raw(&err.to_string())
                }
                _ => Err(CliError::usage(clap_message(&err))),
            };
        }
    };
    if cli.version {
        return printer.line(&format!("fmail version {VERSION}"));
    }
    let Some(command) = cli.command else {
        return printer.raw(&Cli::command().render_help().to_string());
    };
    let ctx = Ctx {
        env: MailEnv::from_process()?,
        printer: printer.clone(),
    };
    match command {
        Command::Send(args) => send::run(&ctx, args),
        Command::Log(args) => log::run(&ctx, args),
        Command::Messages(args) => log::run_messages(&ctx, args),
        Command::Watch(args) => watch::run(&ctx, args),
        Command::Topics(args) => topics::run(&ctx, args),
        Command::Who(args) => who::run(&ctx, args),
        Command::Status(args) => status::run(&ctx, args),
        Command::Register(args) => register::run(&ctx, args),
        Command::Init(args) => init::run(&ctx, args),
        Command::Gc(args) => gc::run(&ctx, args),
        Command::Completion(args) => completion::run(&ctx, args, Cli::command()),
    }
}

/// A clap error's message (the lines before its usage block) without the `error: ` prefix.
fn clap_message(err: &clap::Error) -> String {
    let text = err.to_string();
    let lines: Vec<&str> = text
        .lines()
        .take_while(|line| !line.trim().is_empty() && !line.starts_with("Usage:"))
        .map(str::trim)
        .collect();
    let joined = lines.join(" ");
    let message = joined.strip_prefix("error: ").unwrap_or(&joined);
    if message.is_empty() {
        "invalid arguments".to_owned()
    } else {
        message.to_owned()
    }
}

/// Help of the subcommand named in `args` (or of `fmail` itself), used after a usage error.
fn usage_text(args: &[OsString]) -> String {
    let mut root = Cli::command();
    root.build();
    let named = args
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .find_map(|arg| {
            root.get_subcommands()
                .find(|sub| {
                    sub.get_name() == arg || sub.get_all_aliases().any(|alias| alias == arg)
                })
                .map(|sub| sub.get_name().to_owned())
        });
    match named.and_then(|name| {
        root.find_subcommand_mut(&name)
            .map(|sub| sub.render_help().to_string())
    }) {
        Some(help) => help,
        None => root.render_help().to_string(),
    }
}
