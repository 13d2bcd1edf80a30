//! `update(state, action)`: the only place the dashboard's state changes. It does no I/O; work
//! for the outside world comes back as a [`Command`].

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use forge_core::model::LoopState;
use jiff::Timestamp;

use crate::action::{Action, Command, DataEvent, Job};
use crate::keys;
use crate::model::{Detail, Snapshot};
use crate::ops::OpError;
use crate::state::{Mode, State, StatusKind, StatusLine, Tab};
use crate::wizard::Check;

/// Applies one action.
pub fn update(state: &mut State, action: Action) -> Command {
    match action {
        Action::Key(key) if key.kind != KeyEventKind::Release => handle_key(state, key),
        Action::Key(_) => Command::None,
        Action::Resize(w, h) => {
            state.width = w;
            state.height = h;
            Command::None
        }
        Action::Tick(now) => {
            state.now = now;
            Command::None
        }
        Action::Data(event) => {
            apply_data(state, event);
            Command::None
        }
        Action::Done(job, result) => {
            finish_job(state, job, result);
            Command::None
        }
    }
}

fn handle_key(state: &mut State, key: KeyEvent) -> Command {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        state.quit = true;
        return Command::Quit;
    }
    match &state.mode {
        Mode::Main => keys::main_key(state, key),
        Mode::Filter => {
            keys::filter_key(state, key);
            Command::None
        }
        Mode::Confirm(_) => keys::confirm_key(state, key),
        Mode::Wizard(_) => keys::wizard_key(state, key),
        Mode::Message(_) => keys::message_key(state, key),
        Mode::Help(_) => {
            if matches!(
                key.code,
                KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Esc
            ) && let Mode::Help(previous) = std::mem::take(&mut state.mode)
            {
                state.mode = *previous;
            }
            Command::None
        }
    }
}

/// Sets the status line.
pub fn set_status(state: &mut State, kind: StatusKind, text: impl Into<String>) {
    state.status = Some(StatusLine {
        text: text.into(),
        kind,
        at: state.now,
    });
}

/// Starts a job unless one is in flight (then says so).
pub fn start_job(state: &mut State, job: Job) -> Command {
    if let Some(running) = &state.action {
        let text = format!("Another action is still running ({running}); wait for it to finish");
        set_status(state, StatusKind::Error, text);
        return Command::None;
    }
    let label = job.label();
    if !matches!(job, Job::Validate(_)) {
        set_status(state, StatusKind::Info, format!("Running: {label}…"));
    }
    state.action = Some(label);
    Command::Run(job)
}

fn finish_job(state: &mut State, job: Job, result: Result<String, OpError>) {
    state.action = None;
    match (&job, &mut state.mode) {
        (Job::Validate(_), Mode::Wizard(w)) => {
            w.check = Some(match result {
                Ok(text) => Check::Passed(text),
                Err(e) => Check::Failed(e.to_string()),
            });
            return;
        }
        (Job::Create(_), Mode::Wizard(w)) => {
            if let Err(e) = &result {
                w.check = Some(Check::Failed(e.to_string()));
                return;
            }
            state.mode = Mode::Main;
        }
        _ => {}
    }
    match result {
        Ok(text) => set_status(state, StatusKind::Ok, text),
        Err(e) => set_status(state, StatusKind::Error, format!("{}: {e}", job.label())),
    }
}

fn apply_data(state: &mut State, event: DataEvent) {
    match event {
        DataEvent::Snapshot(snapshot) => {
            apply_snapshot(state, snapshot);
            state.error = None;
        }
        DataEvent::Detail(detail) => apply_detail(state, detail),
        DataEvent::Log(window) => {
            // A window read for a loop that is no longer selected (or for the live source after
            // switching away from it) is dropped; the loader sends the right one next.
            let for_selection = state
                .selected_row()
                .is_some_and(|r| r.lp.log_path.as_deref().is_none_or(|p| p == window.key));
            if for_selection && state.log_source == crate::state::LogSource::Live {
                state.log.set_window(window);
            }
        }
        DataEvent::Multi(tails) => state.multi_tails = tails,
        DataEvent::Mail(mailbox) => state.mail = Some(mailbox),
        DataEvent::Error(message) => state.error = Some(message),
    }
}

/// Recomputes the visible rows, keeping the selection by id (or by position when its loop is
/// gone, e.g. deleted).
pub fn refilter(state: &mut State) {
    let old_pos = state.selected_index();
    state.visible = state
        .data
        .loops
        .iter()
        .enumerate()
        .filter(|(_, r)| state.filter.accepts(r))
        .map(|(i, _)| i)
        .collect();
    let still_visible = state
        .selected
        .as_deref()
        .is_some_and(|id| state.visible_rows().any(|r| r.lp.id == id));
    if !still_visible {
        let pos = old_pos
            .unwrap_or(0)
            .min(state.visible.len().saturating_sub(1));
        let id = state.visible_rows().nth(pos).map(|r| r.lp.id.clone());
        select(state, id);
    }
}

/// Changes the selected loop; its detail and log are reloaded for it.
pub fn select(state: &mut State, id: Option<String>) {
    if state.selected == id {
        return;
    }
    state.selected = id;
    state.detail = None;
    state.log.set_window(Default::default());
    state.log.follow();
    state.run_output.set_window(Default::default());
    state.run_output.follow();
    state.run_cursor = 0;
}

fn apply_snapshot(state: &mut State, snapshot: Snapshot) {
    state.data = snapshot;
    state.loaded = true;
    let known: Vec<String> = state.data.loops.iter().map(|r| r.lp.id.clone()).collect();
    state.pins.retain(|p| known.contains(p));
    refilter(state);
    let pages = crate::draw::multi::page_count(state);
    state.multi.page = state.multi.page.min(pages.saturating_sub(1));
}

fn apply_detail(state: &mut State, detail: Detail) {
    if state.selected.as_deref() != Some(detail.loop_id.as_str()) {
        return;
    }
    let chosen = state
        .detail
        .as_ref()
        .and_then(|d| d.runs.get(state.run_cursor))
        .map(|r| r.run.id.clone());
    state.run_cursor = chosen
        .and_then(|id| detail.runs.iter().position(|r| r.run.id == id))
        .unwrap_or(0);
    state.detail = Some(detail);
    crate::keys::refresh_run_views(state);
}

/// Whether the selected loop may be resumed; the error names why not.
pub fn check_resumable(state: LoopState, name: &str, short: &str) -> Result<(), String> {
    if matches!(state, LoopState::Stopped | LoopState::Error) {
        Ok(())
    } else {
        Err(format!(
            "loop \"{name}\" is {state}; only stopped or errored loops can be resumed (stop it first with S, or `forge stop {short}`)"
        ))
    }
}

/// A fixed point in time for tests and benchmarks.
pub fn fixed_now() -> Timestamp {
    "2026-12-01T12:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

impl Tab {
    /// Whether the tab shows a log view that scroll keys move.
    pub fn scrolls_log(self) -> bool {
        matches!(self, Tab::Logs | Tab::Runs)
    }
}
