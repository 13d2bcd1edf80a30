//! `forge tui` (alias `ui`; also bare `forge` on a terminal): the live loop dashboard.
//!
//! The dashboard itself lives in `forge-tui`; this module checks the terminal and the `tui.*`
//! settings, and implements the dashboard's [`Operations`] with the same functions the `stop`,
//! `kill`, `resume`, `rm`, `msg` and `up` commands run, so a key press does exactly what the
//! command line does.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use forge_core::duration::parse_duration_nanos;
use forge_core::model::Loop;
use forge_runner::control;
use forge_store::{LoopFilter, Store};
use forge_tui::data::LoaderConfig;
use forge_tui::state::WizardDefaults;
use forge_tui::theme::ThemeName;
use forge_tui::{DashboardConfig, Delivery, LoopSpec, OpError, Operations, TuiError};

use super::loop_spec::CreateArgs;
use super::{msg, resume, rm, up};
use crate::context::{Ctx, Switches};
use crate::error::{CliError, ErrorKind};
use crate::printer::{OutputMode, Printer};

/// Arguments of `forge tui`.
#[derive(Debug, Args)]
pub(crate) struct TuiArgs {}

/// How often the dashboard checks files for changes (two `stat`s of the database, one per
/// visible log).
const POLL: Duration = Duration::from_millis(250);

fn preflight() -> CliError {
    CliError::preflight("TUI requires an interactive terminal")
        .hint("Run `forge` in a terminal; from scripts use `forge ps`, `forge logs -f` or `forge status`.")
}

fn settings(ctx: &Ctx) -> Result<(ThemeName, Duration), CliError> {
    let s = &ctx.settings;
    let theme = ThemeName::parse(&s.tui_theme.value).ok_or_else(|| {
        CliError::invalid(format!(
            "invalid tui.theme \"{}\" (from {}; valid: default|high-contrast|ocean|sunset)",
            s.tui_theme.value, s.tui_theme.source
        ))
    })?;
    let interval = &s.tui_refresh_interval;
    let nanos = parse_duration_nanos(&interval.value)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            CliError::invalid(format!(
                "invalid tui.refresh_interval \"{}\" (from {}): use a positive duration such as 1s or 500ms",
                interval.value, interval.source
            ))
        })?;
    Ok((
        theme,
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX)),
    ))
}

/// Runs the dashboard.
pub(crate) fn run(ctx: &Ctx, _args: TuiArgs) -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(preflight());
    }
    let (theme, refresh_interval) = settings(ctx)?;
    drop(ctx.open_store()?);
    let s = &ctx.settings;
    let config = DashboardConfig {
        loader: LoaderConfig {
            db_path: s.db_path.value.clone(),
            data_dir: s.data_dir.value.clone(),
            busy_timeout_ms: s.busy_timeout_ms.value,
            refresh_interval,
        },
        theme,
        monochrome: !ctx.printer.color(),
        wizard: WizardDefaults {
            interval: s.interval.value.clone(),
            prompt: s.prompt.value.clone().unwrap_or_default(),
            prompt_msg: s.prompt_msg.value.clone().unwrap_or_default(),
        },
        poll: POLL,
    };
    forge_tui::run(config, Arc::new(CliOps::new(ctx))).map_err(|e| match e {
        TuiError::NotATerminal => preflight(),
        other => CliError::with_kind(ErrorKind::OperationFailed, other.to_string()),
    })
}

/// The dashboard's operations, run with a context that never prompts or prints (the
/// dashboard asked for confirmation and shows the result itself).
struct CliOps {
    ctx: Ctx,
}

fn op_error(e: CliError) -> OpError {
    OpError {
        message: e.message,
        hint: e.hint,
    }
}

impl CliOps {
    fn new(ctx: &Ctx) -> Self {
        Self {
            ctx: Ctx {
                settings: ctx.settings.clone(),
                printer: Printer::new(OutputMode::Human, true, false),
                switches: Switches {
                    yes: true,
                    non_interactive: true,
                    ..ctx.switches.clone()
                },
            },
        }
    }

    /// Opens the store and reads the loop, then runs `f`.
    fn with_loop<T>(
        &self,
        loop_id: &str,
        f: impl FnOnce(&mut Store, Loop) -> Result<T, CliError>,
    ) -> Result<T, OpError> {
        let mut store = self.ctx.open_store().map_err(op_error)?;
        let l = store.get_loop(loop_id).map_err(|e| op_error(e.into()))?;
        f(&mut store, l).map_err(op_error)
    }
}

fn up_spec(spec: &LoopSpec) -> up::UpSpec {
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    up::UpSpec {
        count: spec.count,
        name: some(&spec.name),
        name_prefix: some(&spec.name_prefix),
        create: CreateArgs {
            pool: some(&spec.pool),
            profile: some(&spec.profile),
            prompt: some(&spec.prompt),
            prompt_msg: some(&spec.prompt_msg),
            interval: some(&spec.interval),
            max_runtime: some(&spec.max_runtime),
            max_iterations: Some(spec.max_iterations),
            tags: spec.tags.clone(),
            ..CreateArgs::default()
        },
    }
}

fn names(loops: &[Loop]) -> String {
    loops
        .iter()
        .map(|l| format!("{} ({})", l.name, l.short_id))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Operations for CliOps {
    fn stop(&self, loop_id: &str) -> Result<String, OpError> {
        let paths = self.ctx.runner_paths();
        self.with_loop(loop_id, |store, l| {
            control::stop(store, &paths, &l)?;
            Ok(format!(
                "Stop queued for loop \"{}\": it stops after the current run",
                l.name
            ))
        })
    }

    fn kill(&self, loop_id: &str) -> Result<String, OpError> {
        let paths = self.ctx.runner_paths();
        self.with_loop(loop_id, |store, l| {
            control::kill(store, &paths, &l)?;
            Ok(format!("Killed loop \"{}\"", l.name))
        })
    }

    fn resume(&self, loop_id: &str) -> Result<String, OpError> {
        self.with_loop(loop_id, |store, l| {
            let l = resume::resume_loop(&self.ctx, store, l)?;
            Ok(format!("Loop \"{}\" resumed ({})", l.name, l.short_id))
        })
    }

    fn delete(&self, loop_id: &str, force: bool) -> Result<String, OpError> {
        self.with_loop(loop_id, |store, l| {
            let removed = rm::delete_loops(&self.ctx, store, vec![l], force)?;
            Ok(format!("Removed {}", names(&removed)))
        })
    }

    fn message(&self, loop_id: &str, text: &str, delivery: Delivery) -> Result<String, OpError> {
        let paths = self.ctx.runner_paths();
        let now = delivery == Delivery::Now;
        self.with_loop(loop_id, |store, l| {
            control::send(
                store,
                &paths,
                &l.id,
                &[msg::message_payload(text.to_string(), now)],
            )?;
            Ok(if now {
                format!("Interrupting loop \"{}\" with the message", l.name)
            } else {
                format!("Queued message for the next prompt of loop \"{}\"", l.name)
            })
        })
    }

    fn validate(&self, spec: &LoopSpec) -> Result<String, OpError> {
        let store = self.ctx.open_store().map_err(op_error)?;
        let (_, names) = up::check(&self.ctx, &store, &up_spec(spec)).map_err(op_error)?;
        Ok(format!(
            "ready to start {} loop(s) in {}: {}",
            names.len(),
            self.ctx.cwd().display(),
            names.join(", ")
        ))
    }

    fn create(&self, spec: &LoopSpec) -> Result<String, OpError> {
        let mut store = self.ctx.open_store().map_err(op_error)?;
        let started =
            up::start(&self.ctx, &mut store, &up_spec(spec), &mut |_| Ok(())).map_err(op_error)?;
        Ok(format!("Started {}", names(&started)))
    }

    fn reconcile(&self) -> Result<usize, OpError> {
        let mut store = self.ctx.open_store().map_err(op_error)?;
        let mut active: Vec<Loop> = store
            .list_loops(&LoopFilter::default())
            .map_err(|e| op_error(e.into()))?
            .into_iter()
            .filter(|l| l.state.is_active())
            .collect();
        let before = active.len();
        control::reconcile(&mut store, &self.ctx.runner_paths(), &mut active)
            .map_err(|e| op_error(e.into()))?;
        Ok(before - active.iter().filter(|l| l.state.is_active()).count())
    }
}
