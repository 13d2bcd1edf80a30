//! From process arguments to an exit code: parse, resolve settings, dispatch, render errors.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind as ClapErrorKind;

use crate::cli::{Cli, Command};
use crate::commands;
use crate::context::{Ctx, Switches};
use crate::error::{CliError, ErrorKind};
use crate::printer::{OutputMode, Printer, render_json};
use crate::settings::{Inputs, Settings};
use crate::version::version_line;

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn truthy(value: Option<String>) -> bool {
    value.is_some_and(|v| {
        !matches!(
            v.trim().to_lowercase().as_str(),
            "" | "0" | "false" | "no" | "off"
        )
    })
}

/// Runs `forge` with `args` (including the program name).
pub(crate) fn run(args: Vec<OsString>) -> ExitCode {
    // Fast path: `forge --version` must not build the command tree, read config or open the DB.
    if args.len() == 2 && (args[1] == "--version" || args[1] == "-V") {
        let printer = Printer::new(OutputMode::Human, false, false);
        return finish(&printer, printer.line(&version_line()));
    }
    let raw_json = args.iter().any(|a| a == "--json");
    let raw_jsonl = args.iter().any(|a| a == "--jsonl");
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return clap_error(&e, raw_json, raw_jsonl),
    };
    let g = &cli.global;
    let mode = match (g.json, g.jsonl) {
        (true, true) => {
            let printer = Printer::new(OutputMode::Json, false, false);
            let err = CliError::usage("--json and --jsonl cannot be used together");
            printer.error(&err);
            return ExitCode::from(err.exit);
        }
        (true, false) => OutputMode::Json,
        (false, true) => OutputMode::Jsonl,
        _ => OutputMode::Human,
    };
    let color = !g.no_color && env_var("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    let printer = Printer::new(mode, g.quiet, color);
    if cli.version {
        let result = if printer.is_json() {
            printer.json(&serde_json::json!({ "version": version_line() }))
        } else {
            printer.line(&version_line())
        };
        return finish(&printer, result);
    }
    let Some(command) = cli.command.or_else(bare_forge_command) else {
        // Bare `forge` without a terminal prints the help, as it always did.
        let _ = <Cli as clap::CommandFactory>::command().print_help();
        return ExitCode::SUCCESS;
    };
    let result = prepare(&cli.global, &command, printer.clone()).and_then(|ctx| {
        crate::logging::init(&cli.global, &ctx.settings)?;
        tracing::debug!(command = command_name(&command), cwd = %ctx.cwd().display(), "running");
        let result = commands::dispatch(&ctx, command);
        if forge_store::events_recorded() {
            // Events this command recorded (a stop, a removal, a dead runner found by `ps`) reach
            // hooks through the dispatcher; make sure one runs (one `stat` when no hook exists).
            forge_hooks::ensure_dispatcher(&ctx.runner_paths().hook_paths());
        }
        result
    });
    if let Err(e) = &result {
        tracing::debug!(kind = e.kind.code(), source = ?e.source, "command failed: {}", e.message);
    }
    finish(&printer, result)
}

/// Bare `forge` on a terminal opens the dashboard.
fn bare_forge_command() -> Option<Command> {
    (std::io::stdin().is_terminal() && std::io::stdout().is_terminal())
        .then_some(Command::Tui(commands::tui::TuiArgs {}))
}

fn finish(printer: &Printer, result: Result<(), CliError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            printer.error(&e);
            ExitCode::from(e.exit)
        }
    }
}

/// Changes directory, resolves settings and builds the context.
fn prepare(
    g: &crate::cli::GlobalArgs,
    command: &Command,
    printer: Printer,
) -> Result<Ctx, CliError> {
    if let Some(dir) = &g.chdir {
        std::env::set_current_dir(dir).map_err(|e| {
            CliError::failed(format!(
                "unable to change directory to {}: {e}",
                dir.display()
            ))
        })?;
    }
    let cwd = std::env::current_dir()
        .map_err(|e| CliError::failed(format!("unable to read the current directory: {e}")))?;
    let cwd = fs_err::canonicalize(&cwd).unwrap_or(cwd);
    let allow_missing_config = matches!(command, Command::Config(c) if c.is_init());
    let tolerate_invalid_config = matches!(command, Command::Config(c) if c.repairs_config());
    let env = |name: &str| std::env::var(name).ok();
    let settings = Settings::resolve(&Inputs {
        config_flag: g.config.clone(),
        allow_missing_config,
        tolerate_invalid_config,
        log_level_flag: g.log_level.clone(),
        log_format_flag: g.log_format.clone(),
        cwd: cwd.clone(),
        env: &env,
    })?;
    for w in &settings.warnings {
        printer.warn(w);
    }
    let switches = Switches {
        yes: g.yes,
        non_interactive: g.non_interactive || truthy(env_var("FORGE_NON_INTERACTIVE")),
        chdir_given: g.chdir.is_some(),
    };
    Ok(Ctx {
        settings,
        printer,
        switches,
    })
}

/// Renders a clap error: help and version go to stdout with exit 0; usage errors exit 2, as an
/// envelope on stdout in JSON modes.
fn clap_error(e: &clap::Error, json: bool, jsonl: bool) -> ExitCode {
    match e.kind() {
        ClapErrorKind::DisplayHelp | ClapErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ClapErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // A group without its subcommand (`forge pool`) is a usage error.
            let _ = e.print();
            ExitCode::from(2)
        }
        kind if json || jsonl => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or_default();
            let message = first.strip_prefix("error: ").unwrap_or(first).to_string();
            let code = if kind == ClapErrorKind::UnknownArgument {
                ErrorKind::InvalidFlag
            } else {
                ErrorKind::Invalid
            };
            let err = CliError {
                exit: 2,
                ..CliError::with_kind(code, message)
            };
            let mode = if jsonl && !json {
                OutputMode::Jsonl
            } else {
                OutputMode::Json
            };
            let printer = Printer::new(mode, false, false);
            let _ = printer.raw(&render_json(&err.envelope(), mode));
            ExitCode::from(2)
        }
        _ => {
            let _ = e.print();
            ExitCode::from(2)
        }
    }
}

/// The command's name for operator logs (`Up`, `Ps`, ...), without its arguments.
fn command_name(command: &Command) -> String {
    let debug = format!("{command:?}");
    debug
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .to_string()
}
