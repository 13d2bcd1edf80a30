//! The event loop: one channel merges key presses, resizes, loader data, finished operations,
//! signals and the once-a-second clock. Loading runs on its own thread and operations on a
//! worker, so a slow store never delays a key press. The terminal is restored on quit, on
//! SIGTERM/SIGHUP/SIGINT and on a panic.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event as TermEvent};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};

use crate::action::{Action, Command, Job};
use crate::data::{Loader, LoaderConfig, Wants, wants};
use crate::ops::Operations;
use crate::state::{State, WizardDefaults};
use crate::theme::ThemeName;
use crate::update::update;

/// How the dashboard starts.
#[derive(Debug, Clone)]
pub struct DashboardConfig {
    pub loader: LoaderConfig,
    pub theme: ThemeName,
    pub monochrome: bool,
    pub wizard: WizardDefaults,
    /// How often files are checked for changes (a `stat` each).
    pub poll: Duration,
}

/// Why the dashboard could not run.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("TUI requires an interactive terminal")]
    NotATerminal,
    #[error("terminal error: {0}")]
    Terminal(#[from] std::io::Error),
    #[error("drawing failed: {0}")]
    Draw(String),
}

/// A backend error as a [`TuiError`].
pub(crate) fn draw_error(e: impl std::fmt::Display) -> TuiError {
    TuiError::Draw(e.to_string())
}

/// Everything the event loop reacts to.
pub enum Event {
    Action(Action),
    /// SIGTERM, SIGHUP or SIGINT.
    Quit,
}

/// How often the loader re-checks for dead runners (what `forge ps` reconciles).
const RECONCILE_EVERY: Duration = Duration::from_secs(5);

/// Runs the dashboard on the process's terminal until the user quits.
pub fn run(config: DashboardConfig, ops: Arc<dyn Operations>) -> Result<(), TuiError> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    install_panic_hook();
    enable_raw_mode()?;
    let mut stdout = std::io::stdout();
    if let Err(e) = execute!(stdout, EnterAlternateScreen, crossterm::cursor::Hide) {
        restore();
        return Err(e.into());
    }
    let result = run_on_terminal(config, ops);
    restore();
    result
}

fn run_on_terminal(config: DashboardConfig, ops: Arc<dyn Operations>) -> Result<(), TuiError> {
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    let (tx, rx) = mpsc::channel();
    spawn_input(tx.clone());
    spawn_signals(tx.clone());
    let wants_tx = spawn_loader(
        config.loader.clone(),
        config.poll,
        Arc::clone(&ops),
        tx.clone(),
    );
    let jobs_tx = spawn_worker(ops, tx);
    let size = terminal.size()?;
    let mut state = State::new(config.theme, config.monochrome, Timestamp::now());
    state.wizard_defaults = config.wizard.clone();
    state.width = size.width;
    state.height = size.height;
    event_loop(&mut terminal, &mut state, &rx, &wants_tx, &jobs_tx, |_| {})
}

/// Restores the terminal: leaves the alternate screen, shows the cursor, ends raw mode.
pub fn restore() {
    let _ = execute!(
        std::io::stdout(),
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// The loop proper, generic over the backend so benchmarks and tests drive it in memory.
/// `on_frame` is called after each drawn frame with the time the frame's first event arrived.
pub fn event_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    state: &mut State,
    rx: &Receiver<Event>,
    wants_tx: &Sender<Wants>,
    jobs_tx: &Sender<Job>,
    mut on_frame: impl FnMut(Instant),
) -> Result<(), TuiError> {
    let mut last_wants = wants(state);
    let _ = wants_tx.send(last_wants.clone());
    let mut next_tick = Instant::now() + Duration::from_secs(1);
    let mut first: Option<Instant> = Some(Instant::now());
    loop {
        if let Some(arrived) = first.take() {
            update(state, Action::Tick(Timestamp::now()));
            terminal
                .draw(|f| crate::draw::draw(state, f))
                .map_err(draw_error)?;
            on_frame(arrived);
            let w = wants(state);
            if w != last_wants {
                let _ = wants_tx.send(w.clone());
                last_wants = w;
            }
        }
        let timeout = next_tick.saturating_duration_since(Instant::now());
        let event = match rx.recv_timeout(timeout) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => {
                next_tick += Duration::from_secs(1);
                first = Some(Instant::now());
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        first = Some(Instant::now());
        // Apply everything already queued before drawing once.
        let mut pending = Some(event);
        while let Some(event) = pending.take().or_else(|| rx.try_recv().ok()) {
            let action = match event {
                Event::Quit => return Ok(()),
                Event::Action(action) => action,
            };
            if let Action::Resize(_, _) = action {
                terminal.autoresize().map_err(draw_error)?;
            }
            match update(state, action) {
                Command::Quit => return Ok(()),
                Command::Run(job) => {
                    let _ = jobs_tx.send(job);
                }
                Command::None => {}
            }
        }
    }
}

fn spawn_input(tx: Sender<Event>) {
    std::thread::spawn(move || {
        loop {
            let action = match event::read() {
                Ok(TermEvent::Key(key)) => Action::Key(key),
                Ok(TermEvent::Resize(w, h)) => Action::Resize(w, h),
                Ok(_) => continue,
                Err(_) => {
                    let _ = tx.send(Event::Quit);
                    return;
                }
            };
            if tx.send(Event::Action(action)).is_err() {
                return;
            }
        }
    });
}

fn spawn_signals(tx: Sender<Event>) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT]) else {
        return;
    };
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            let _ = tx.send(Event::Quit);
        }
    });
}

/// The loader thread: polls at `poll`, immediately when the wants change.
pub fn spawn_loader(
    cfg: LoaderConfig,
    poll: Duration,
    ops: Arc<dyn Operations>,
    tx: Sender<Event>,
) -> Sender<Wants> {
    let (wants_tx, wants_rx) = mpsc::channel::<Wants>();
    std::thread::spawn(move || {
        let mut loader = Loader::new(cfg);
        let mut current = Wants::default();
        let mut reconciled = Instant::now();
        loop {
            match wants_rx.recv_timeout(poll) {
                Ok(w) => current = w,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            while let Ok(w) = wants_rx.try_recv() {
                current = w;
            }
            if reconciled.elapsed() >= RECONCILE_EVERY {
                reconciled = Instant::now();
                if let Err(e) = ops.reconcile() {
                    let _ = tx.send(Event::Action(Action::Data(
                        crate::action::DataEvent::Error(format!(
                            "reconciling dead runners failed: {e}"
                        )),
                    )));
                }
            }
            let mut gone = false;
            loader.poll_into(&current, &mut |event| {
                gone |= tx.send(Event::Action(Action::Data(event))).is_err();
            });
            if gone {
                return;
            }
        }
    });
    wants_tx
}

/// The worker: runs one operation at a time and reports its result.
pub fn spawn_worker(ops: Arc<dyn Operations>, tx: Sender<Event>) -> Sender<Job> {
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
    std::thread::spawn(move || {
        for job in jobs_rx {
            let result = run_job(ops.as_ref(), &job);
            if tx.send(Event::Action(Action::Done(job, result))).is_err() {
                return;
            }
        }
    });
    jobs_tx
}

fn run_job(ops: &dyn Operations, job: &Job) -> Result<String, crate::ops::OpError> {
    match job {
        Job::Stop { loop_id, .. } => ops.stop(loop_id),
        Job::Kill { loop_id, .. } => ops.kill(loop_id),
        Job::Resume { loop_id, .. } => ops.resume(loop_id),
        Job::Delete { loop_id, force, .. } => ops.delete(loop_id, *force),
        Job::Message {
            loop_id,
            text,
            delivery,
            ..
        } => ops.message(loop_id, text, *delivery),
        Job::Validate(spec) => ops.validate(spec),
        Job::Create(spec) => ops.create(spec),
    }
}
