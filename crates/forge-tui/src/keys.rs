//! Key handling per mode (called by [`crate::update::update`]).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use forge_harness::render::LogRenderer;
use forge_store::RunRecord;

use crate::action::{Command, Job};
use crate::draw::{log_pane_height, multi};
use crate::model::LogWindow;
use crate::ops::Delivery;
use crate::state::{
    Confirm, ConfirmKind, FilterFocus, LAYOUTS, LogSource, MessageInput, Mode, State, StatusKind,
    Tab,
};
use crate::update::{check_resumable, refilter, select, set_status, start_job};
use crate::wizard::{REVIEW, Wizard};

fn ctrl(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL)
}

/// Keys of the main mode.
pub(crate) fn main_key(state: &mut State, key: KeyEvent) -> Command {
    let key = normalize(key);
    let code = key.code;
    match code {
        KeyCode::Char('q') => {
            state.quit = true;
            return Command::Quit;
        }
        KeyCode::Char(c @ '1'..='5') => {
            state.tab = Tab::ALL[(c as u8 - b'1') as usize];
        }
        KeyCode::Char(']') | KeyCode::Tab => state.tab = state.tab.shifted(1),
        KeyCode::Char('[') | KeyCode::BackTab => state.tab = state.tab.shifted(-1),
        KeyCode::Char('j') | KeyCode::Down => move_selection(state, 1),
        KeyCode::Char('k') | KeyCode::Up => move_selection(state, -1),
        KeyCode::Char(' ') => toggle_pin(state),
        KeyCode::Char('c') if !ctrl(&key) => {
            state.pins.clear();
            set_status(state, StatusKind::Info, "Pins cleared");
        }
        KeyCode::Char('m') if state.tab == Tab::MultiLogs => {
            state.multi.layout = (state.multi.layout + 1) % LAYOUTS.len();
            state.multi.page = 0;
        }
        KeyCode::Char('v') if state.tab == Tab::Logs => {
            state.log_source = state.log_source.next();
            state.log.set_window(LogWindow::default());
            state.log.follow();
            refresh_run_views(state);
        }
        KeyCode::Char('x') => cycle_layer(state),
        KeyCode::Char(',') => step(state, -1),
        KeyCode::Char('.') => step(state, 1),
        KeyCode::Char('u') | KeyCode::PageUp => scroll(state, -1),
        KeyCode::Char('d') | KeyCode::PageDown => scroll(state, 1),
        KeyCode::Char('U') if ctrl(&key) => scroll(state, -1),
        KeyCode::Char('D') if ctrl(&key) => scroll(state, 1),
        KeyCode::Home => home_end(state, true),
        KeyCode::End => home_end(state, false),
        KeyCode::Char('l') => state.expanded = !state.expanded,
        KeyCode::Esc if state.expanded => state.expanded = false,
        KeyCode::Char('z') => state.zen = !state.zen,
        KeyCode::Char('t') => state.theme = state.theme.next(),
        KeyCode::Char('/') => state.mode = Mode::Filter,
        KeyCode::Char('n') => {
            state.mode = Mode::Wizard(Box::new(Wizard::new(&state.wizard_defaults)))
        }
        KeyCode::Char('?') => {
            let previous = std::mem::take(&mut state.mode);
            state.mode = Mode::Help(Box::new(previous));
        }
        KeyCode::Char('r') => return resume(state),
        KeyCode::Char('S') => confirm(state, ConfirmKind::Stop),
        KeyCode::Char('K') => confirm(state, ConfirmKind::Kill),
        KeyCode::Char('D') => confirm(state, ConfirmKind::Delete { force: false }),
        KeyCode::Char(':') => open_message(state, false),
        KeyCode::Char('!') => open_message(state, true),
        _ => {}
    }
    Command::None
}

/// Ctrl+U and Ctrl+D arrive as lower-case letters with the control modifier.
pub(crate) fn normalize(mut key: KeyEvent) -> KeyEvent {
    if key.modifiers.contains(KeyModifiers::CONTROL)
        && let KeyCode::Char(c @ ('u' | 'd')) = key.code
    {
        key.code = KeyCode::Char(c.to_ascii_uppercase());
    }
    key
}

fn move_selection(state: &mut State, by: isize) {
    let n = state.visible.len();
    if n == 0 {
        return;
    }
    let pos = state
        .selected_index()
        .map_or(0, |p| (p as isize + by).clamp(0, n as isize - 1) as usize);
    let id = state.visible_rows().nth(pos).map(|r| r.lp.id.clone());
    select(state, id);
}

fn toggle_pin(state: &mut State) {
    let Some(row) = state.selected_row() else {
        return;
    };
    let (id, shown) = (row.lp.id.clone(), row.display_id().to_string());
    if let Some(i) = state.pins.iter().position(|p| *p == id) {
        state.pins.remove(i);
        set_status(state, StatusKind::Info, format!("Unpinned {shown}"));
    } else {
        state.pins.push(id);
        set_status(state, StatusKind::Info, format!("Pinned {shown}"));
    }
}

fn cycle_layer(state: &mut State) {
    match state.tab {
        Tab::Runs => {
            let next = state.run_output.layer.next();
            state.run_output.set_layer(next);
        }
        Tab::MultiLogs => state.multi.layer = state.multi.layer.next(),
        _ => {
            let next = state.log.layer.next();
            state.log.set_layer(next);
        }
    }
}

/// `,` and `.`: the run (Logs, Runs) or the page (Multi Logs).
fn step(state: &mut State, by: isize) {
    if state.tab == Tab::MultiLogs {
        let pages = multi::page_count(state);
        state.multi.page = (state.multi.page as isize + by).clamp(0, pages as isize - 1) as usize;
        return;
    }
    let n = state.detail.as_ref().map_or(0, |d| d.runs.len());
    if n == 0 {
        return;
    }
    state.run_cursor = (state.run_cursor as isize + by).clamp(0, n as isize - 1) as usize;
    state.run_output.follow();
    if state.tab == Tab::Logs && state.log_source == LogSource::SelectedRun {
        state.log.follow();
    }
    refresh_run_views(state);
}

fn scroll(state: &mut State, direction: isize) {
    let height = log_pane_height(state);
    let amount = (height / 2).max(5) as isize * direction;
    if state.tab == Tab::Runs && !state.expanded {
        state.run_output.scroll_by(height, amount);
    } else {
        state.log.scroll_by(height, amount);
    }
}

fn home_end(state: &mut State, home: bool) {
    if state.tab == Tab::MultiLogs {
        let pages = multi::page_count(state);
        state.multi.page = if home { 0 } else { pages.saturating_sub(1) };
        return;
    }
    let view = if state.tab == Tab::Runs && !state.expanded {
        &mut state.run_output
    } else {
        &mut state.log
    };
    if home {
        view.to_top();
    } else {
        view.follow();
    }
}

fn resume(state: &mut State) -> Command {
    let Some(row) = state.selected_row() else {
        set_status(state, StatusKind::Error, "No loop selected");
        return Command::None;
    };
    let (id, shown) = (row.lp.id.clone(), row.display_id().to_string());
    if let Err(e) = check_resumable(row.state(), &row.lp.name, &row.lp.short_id) {
        set_status(state, StatusKind::Error, e);
        return Command::None;
    }
    start_job(
        state,
        Job::Resume {
            loop_id: id,
            display: shown,
        },
    )
}

fn confirm(state: &mut State, kind: ConfirmKind) {
    if let Some(running) = &state.action {
        let text = format!("Another action is still running ({running}); wait for it to finish");
        set_status(state, StatusKind::Error, text);
        return;
    }
    let Some(row) = state.selected_row() else {
        set_status(state, StatusKind::Error, "No loop selected");
        return;
    };
    let kind = match kind {
        ConfirmKind::Delete { .. } => ConfirmKind::Delete {
            force: row.state().is_active(),
        },
        other => other,
    };
    state.mode = Mode::Confirm(Confirm {
        kind,
        loop_id: row.lp.id.clone(),
        display_id: row.display_id().to_string(),
    });
}

fn open_message(state: &mut State, now: bool) {
    let Some(row) = state.selected_row() else {
        set_status(state, StatusKind::Error, "No loop selected");
        return;
    };
    state.mode = Mode::Message(MessageInput {
        loop_id: row.lp.id.clone(),
        display_id: row.display_id().to_string(),
        now,
        text: String::new(),
    });
}

/// Keys of the filter bar: text edits apply live; Tab moves to the status selector.
pub(crate) fn filter_key(state: &mut State, key: KeyEvent) {
    match (state.filter.focus, key.code) {
        (_, KeyCode::Esc) | (_, KeyCode::Enter) if state.filter.focus == FilterFocus::Text => {
            state.mode = Mode::Main;
        }
        (_, KeyCode::Tab) | (_, KeyCode::BackTab) => {
            state.filter.focus = match state.filter.focus {
                FilterFocus::Text => FilterFocus::Status,
                FilterFocus::Status => FilterFocus::Text,
            };
        }
        (FilterFocus::Status, KeyCode::Esc) => state.mode = Mode::Main,
        (
            FilterFocus::Status,
            KeyCode::Right | KeyCode::Down | KeyCode::Char('j') | KeyCode::Enter,
        ) => {
            state.filter.status = state.filter.status.shifted(1);
        }
        (FilterFocus::Status, KeyCode::Left | KeyCode::Up | KeyCode::Char('k')) => {
            state.filter.status = state.filter.status.shifted(-1);
        }
        (FilterFocus::Text, KeyCode::Backspace) => {
            state.filter.text.pop();
        }
        (FilterFocus::Text, KeyCode::Char('u')) if ctrl(&key) => state.filter.text.clear(),
        (FilterFocus::Text, KeyCode::Char(c)) if !ctrl(&key) => state.filter.text.push(c),
        _ => return,
    }
    refilter(state);
}

/// `y` runs the confirmed operation; any other key cancels.
pub(crate) fn confirm_key(state: &mut State, key: KeyEvent) -> Command {
    let Mode::Confirm(c) = std::mem::take(&mut state.mode) else {
        return Command::None;
    };
    if !matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
        set_status(state, StatusKind::Info, "Cancelled");
        return Command::None;
    }
    let (loop_id, display) = (c.loop_id, c.display_id);
    let job = match c.kind {
        ConfirmKind::Stop => Job::Stop { loop_id, display },
        ConfirmKind::Kill => Job::Kill { loop_id, display },
        ConfirmKind::Delete { force } => Job::Delete {
            loop_id,
            display,
            force,
        },
    };
    start_job(state, job)
}

/// The `:`/`!` prompt: Enter sends, Esc cancels.
pub(crate) fn message_key(state: &mut State, key: KeyEvent) -> Command {
    let Mode::Message(input) = &mut state.mode else {
        return Command::None;
    };
    match key.code {
        KeyCode::Esc => state.mode = Mode::Main,
        KeyCode::Backspace => {
            input.text.pop();
        }
        KeyCode::Char(c) if !ctrl(&key) => input.text.push(c),
        KeyCode::Enter => {
            let input = input.clone();
            if input.text.trim().is_empty() {
                set_status(
                    state,
                    StatusKind::Error,
                    "Message is empty; type it, or Esc to cancel",
                );
                return Command::None;
            }
            state.mode = Mode::Main;
            let delivery = if input.now {
                Delivery::Now
            } else {
                Delivery::NextPrompt
            };
            return start_job(
                state,
                Job::Message {
                    loop_id: input.loop_id,
                    display: input.display_id,
                    text: input.text,
                    delivery,
                },
            );
        }
        _ => {}
    }
    Command::None
}

/// Wizard keys: Tab/↓ next field, Shift+Tab/↑ previous, Enter next step (or create on the
/// review), ← back a step (and `b` on the review), Esc cancels.
pub(crate) fn wizard_key(state: &mut State, key: KeyEvent) -> Command {
    let Mode::Wizard(w) = &mut state.mode else {
        return Command::None;
    };
    match key.code {
        KeyCode::Esc => {
            state.mode = Mode::Main;
            set_status(state, StatusKind::Info, "New loop cancelled");
        }
        KeyCode::Tab | KeyCode::Down => w.move_focus(1),
        KeyCode::BackTab | KeyCode::Up => w.move_focus(-1),
        KeyCode::Left => w.back(),
        KeyCode::Char('b') if w.step == REVIEW => w.back(),
        KeyCode::Backspace => w.backspace(),
        KeyCode::Char(c) if !ctrl(&key) => w.type_char(c),
        KeyCode::Enter if w.step == REVIEW => {
            let spec = Box::new(w.spec());
            return start_job(state, Job::Create(spec));
        }
        KeyCode::Enter => return next_step(state),
        _ => {}
    }
    Command::None
}

/// Enter on an input step: checks it and, on reaching the review, asks for the store check.
fn next_step(state: &mut State) -> Command {
    let Mode::Wizard(w) = &mut state.mode else {
        return Command::None;
    };
    if !w.advance() {
        return Command::None;
    }
    let spec = Box::new(w.spec());
    start_job(state, Job::Validate(spec))
}

/// Rebuilds the run-output views from the detail: the Runs tab's chosen run and, for the run
/// sources of the Logs tab, the latest or chosen run.
pub(crate) fn refresh_run_views(state: &mut State) {
    let Some(detail) = &state.detail else {
        return;
    };
    let harness_of: std::collections::HashMap<String, String> = state
        .data
        .profiles
        .iter()
        .map(|p| (p.name.clone(), p.harness.clone()))
        .collect();
    let chosen = detail.runs.get(state.run_cursor);
    let runs_window = chosen
        .map(|r| run_window(r, &harness_of))
        .unwrap_or_default();
    let log_window = match state.log_source {
        LogSource::Live => None,
        LogSource::LatestRun => Some(detail.runs.first().map(|r| run_window(r, &harness_of))),
        LogSource::SelectedRun => Some(chosen.map(|r| run_window(r, &harness_of))),
    };
    state.run_output.set_window(runs_window);
    if let Some(window) = log_window {
        state.log.set_window(window.unwrap_or_default());
    }
}

/// A run's output tail, rendered as `forge logs` would (lines numbered as offsets).
fn run_window(
    record: &RunRecord,
    harness_of: &std::collections::HashMap<String, String>,
) -> LogWindow {
    let harness = record.run.metadata.get("harness").and_then(|v| v.as_str());
    let mut renderer = LogRenderer::new(harness_of.clone(), harness);
    let tail = record.run.output_tail.as_deref().unwrap_or("");
    let lines: Vec<String> = tail
        .lines()
        .filter_map(|l| renderer.render(&crate::data::logfile::clean_line(l.as_bytes())))
        .collect();
    let mut window = LogWindow::from_text(format!("run:{}", record.run.id), lines);
    for (i, line) in window.lines.iter_mut().enumerate() {
        line.offset = i as u64;
    }
    window.end = window.lines.len() as u64;
    window.file_len = window.end;
    window
}
