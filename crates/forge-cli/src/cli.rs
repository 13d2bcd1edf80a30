//! The clap definition of `forge`: global flags (accepted anywhere on the line) and the
//! command tree. Each command's arguments live next to its `run` function in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands::{
    clean, completion, config, doctor, events, hook, init, kill, logs, loop_cmd, msg, pool,
    profile, ps, queue, resume, rm, run, scale, status, stop, up, usage,
};
use crate::commands::{mem, prompt, seq, template, tui, work};

/// Flags every command accepts, at any position.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct GlobalArgs {
    /// Config file (default: $XDG_CONFIG_HOME/forge/config.yaml or ~/.config/forge/config.yaml)
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// JSON output (pretty)
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// JSON Lines output (one compact object per line)
    #[arg(long, global = true)]
    pub(crate) jsonl: bool,
    /// Print nothing on success for commands that change things
    #[arg(long, global = true)]
    pub(crate) quiet: bool,
    /// Disable colour (also NO_COLOR)
    #[arg(long, global = true)]
    pub(crate) no_color: bool,
    /// Run as if started in DIR
    #[arg(short = 'C', long, global = true, value_name = "DIR")]
    pub(crate) chdir: Option<PathBuf>,
    /// Skip confirmations
    #[arg(short = 'y', long, global = true)]
    pub(crate) yes: bool,
    /// Never prompt (also FORGE_NON_INTERACTIVE)
    #[arg(long, global = true)]
    pub(crate) non_interactive: bool,
    /// Debug logging on stderr
    #[arg(short = 'v', long, global = true)]
    pub(crate) verbose: bool,
    /// Log level: debug, info, warn, error
    #[arg(long, global = true, value_name = "LEVEL")]
    pub(crate) log_level: Option<String>,
    /// Log format: console or json
    #[arg(long, global = true, value_name = "FORMAT")]
    pub(crate) log_format: Option<String>,
}

/// `forge`: run AI coding agents in loops, per repository.
#[derive(Debug, Parser)]
#[command(
    name = "forge",
    about = "Run AI coding agents (harnesses) in loops, per repository",
    disable_version_flag = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    /// Print the version
    #[arg(short = 'V', long)]
    pub(crate) version: bool,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// Every `forge` command.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Scaffold .forge/, PROMPT.md and the .fmail/ ignore entry in the current repo
    Init(init::InitArgs),
    /// Start loop(s) for the current repo
    Up(up::UpArgs),
    /// List loops
    #[command(visible_alias = "ls")]
    Ps(ps::PsArgs),
    /// Show a loop's log
    #[command(visible_alias = "log")]
    Logs(logs::LogsArgs),
    /// Queue a message for loop(s)
    Msg(msg::MsgArgs),
    /// Inspect and edit a loop's queue
    Queue(queue::QueueArgs),
    /// Stop loop(s) after the current run
    Stop(stop::StopArgs),
    /// Stop loop(s) now, ending the running harness
    Kill(kill::KillArgs),
    /// Restart a stopped or errored loop
    Resume(resume::ResumeArgs),
    /// Remove loop(s) (logs and ledgers stay on disk)
    #[command(visible_aliases = ["remove", "delete"])]
    Rm(rm::RmArgs),
    /// Remove every stopped or errored loop
    Clean(clean::CleanArgs),
    /// Converge the number of loops in this repo to --count
    Scale(scale::ScaleArgs),
    /// Run one iteration of a loop in the foreground
    Run(run::RunArgs),
    /// Internal runner commands
    #[command(hide = true)]
    Loop(loop_cmd::LoopArgs),
    /// Manage harness profiles
    Profile(profile::ProfileArgs),
    /// Manage profile pools
    Pool(pool::PoolArgs),
    /// Show and create the configuration
    Config(config::ConfigArgs),
    /// Print a shell completion script
    Completion(completion::CompletionArgs),
    /// Summary: loops by state, profiles in cooldown, recent errors
    Status(status::StatusArgs),
    /// Check that this machine can run loops: tools, harness CLIs, config, data dir, database
    Doctor(doctor::DoctorArgs),
    /// Runs, tokens and cost by loop, profile, harness and day
    Usage(usage::UsageArgs),
    /// What happened: the event log, and --follow to stream it
    #[command(visible_alias = "audit")]
    Events(events::EventsArgs),
    /// Commands, webhooks and desktop notices that run when events are recorded
    Hook(hook::HookArgs),
    /// A loop's persistent memory (key/value), shown in every prompt
    Mem(mem::MemArgs),
    /// A loop's current task pointer, shown in every prompt
    Work(work::WorkArgs),
    /// Manage the repo's named prompts (.forge/prompts/)
    Prompt(prompt::PromptArgs),
    /// Manage message templates (for `forge msg --template`)
    #[command(visible_alias = "tmpl")]
    Template(template::TemplateArgs),
    /// Manage message sequences (for `forge msg --seq`)
    #[command(visible_alias = "sequence")]
    Seq(seq::SeqArgs),
    /// Live dashboard of every loop (also `forge` alone on a terminal)
    #[command(visible_alias = "ui")]
    Tui(tui::TuiArgs),
}
