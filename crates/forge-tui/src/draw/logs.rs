//! The Logs tab, the Runs tab and the expanded log view, all built on one log-view widget that
//! draws only the lines in its viewport.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::fmt;
use crate::layers::classify;
use crate::state::{LogSource, LogView, Scroll, State, Tab};
use crate::theme::Palette;

/// Draws a log view with a title and a line-window indicator.
fn log_view(
    frame: &mut Frame,
    area: Rect,
    title: String,
    view: &LogView,
    empty: &str,
    p: &Palette,
) {
    let block = Block::bordered()
        .border_style(p.border)
        .title(Span::styled(title, p.accent));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let height = (inner.height as usize).saturating_sub(1);
    let width = inner.width as usize;
    let mut lines = vec![indicator(view, height, width, p)];
    if let Some(problem) = &view.window.problem {
        lines.push(Line::styled(fmt::fit(problem, width), p.error));
    } else if view.kept.is_empty() {
        let text = if view.window.lines.is_empty() {
            empty.to_string()
        } else {
            format!(
                "No {} lines in the loaded window (x cycles layers).",
                view.layer.name()
            )
        };
        lines.push(Line::styled(fmt::fit(&text, width), p.muted));
    }
    let top = view.top(height);
    for i in view.kept.iter().skip(top).take(height) {
        if let Some(line) = view.window.lines.get(*i) {
            let style = p.line(classify(&line.text));
            lines.push(Line::styled(fmt::fit(&line.text, width), style));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn indicator(view: &LogView, height: usize, width: usize, p: &Palette) -> Line<'static> {
    let (first, last, kept) = view.range(height);
    let w = &view.window;
    let mut text = format!("lines {first}-{last} of {kept}");
    if w.file_len > 0 && w.key.starts_with('/') {
        text.push_str(&format!(
            " loaded · file {} · at {}",
            fmt::bytes(w.file_len),
            percent(view, height)
        ));
    }
    text.push_str(match view.scroll {
        Scroll::Follow => " · following",
        Scroll::At(_) => " · scrolled (end follows)",
    });
    if !w.at_start() && view.scroll != Scroll::Follow {
        text.push_str(" · more above");
    }
    Line::styled(fmt::fit(&text, width), p.muted)
}

/// Position of the viewport's top line in the file, as a percentage of its size.
fn percent(view: &LogView, height: usize) -> String {
    let top = view.top(height);
    let offset = view
        .kept
        .get(top)
        .and_then(|i| view.window.lines.get(*i))
        .map_or(view.window.start, |l| l.offset);
    let len = view.window.file_len.max(1);
    format!("{}%", offset.saturating_mul(100) / len)
}

fn logs_title(state: &State) -> String {
    let id = state.selected_row().map_or("-", |r| r.display_id());
    let mut title = format!(
        " Logs: {id}  source={}  layer={} ",
        state.log_source.name(),
        state.log.layer.name()
    );
    if state.log_source == LogSource::SelectedRun
        && let Some(r) = state
            .detail
            .as_ref()
            .and_then(|d| d.runs.get(state.run_cursor))
    {
        title.push_str(&format!("run={} ", fmt::fit(&r.run.id, 8)));
    }
    title
}

fn empty_log_text(state: &State) -> &'static str {
    match (state.selected_row(), state.log_source) {
        (None, _) => "No loop selected.",
        (Some(_), LogSource::Live) => "The log is empty: the loop has not written anything yet.",
        (Some(_), _) => "This run has no output.",
    }
}

pub fn logs_tab(state: &State, frame: &mut Frame, area: Rect, p: &Palette) {
    log_view(
        frame,
        area,
        logs_title(state),
        &state.log,
        empty_log_text(state),
        p,
    );
}

/// The full-screen log of the current tab (`l`).
pub fn expanded(state: &State, frame: &mut Frame, area: Rect, p: &Palette) {
    if state.tab == Tab::Runs {
        log_view(
            frame,
            area,
            runs_output_title(state),
            &state.run_output,
            "This run has no output.",
            p,
        );
    } else {
        log_view(
            frame,
            area,
            logs_title(state),
            &state.log,
            empty_log_text(state),
            p,
        );
    }
}

fn runs_output_title(state: &State) -> String {
    match state
        .detail
        .as_ref()
        .and_then(|d| d.runs.get(state.run_cursor))
    {
        Some(r) => format!(
            " Run {}  layer={}  profile={}  started={} ",
            fmt::fit(&r.run.id, 8),
            state.run_output.layer.name(),
            profile_name(r),
            r.run.started_at
        ),
        None => " Run output ".to_string(),
    }
}

fn profile_name(r: &forge_store::RunRecord) -> String {
    r.run
        .metadata
        .get("profile_name")
        .and_then(|v| v.as_str())
        .unwrap_or("-")
        .to_string()
}

fn run_row(
    state: &State,
    i: usize,
    r: &forge_store::RunRecord,
    width: usize,
    p: &Palette,
) -> Line<'static> {
    let selected = i == state.run_cursor;
    let dur = fmt::span(&r.run.started_at, r.run.finished_at.as_deref(), state.now)
        .map_or("-".into(), fmt::duration);
    let exit = r.run.exit_code.map_or("-".into(), |c| c.to_string());
    let (tokens, cost) = match &r.usage {
        Some(u) => (fmt::tokens(fmt::total_tokens(u)), fmt::cost(u.cost_usd)),
        None => ("-".into(), "-".into()),
    };
    let outcome = r.outcome.clone().unwrap_or_else(|| "-".into());
    let status_style = match r.run.status {
        forge_core::model::RunStatus::Success => p.success,
        forge_core::model::RunStatus::Running => p.info,
        forge_core::model::RunStatus::Killed => p.warning,
        forge_core::model::RunStatus::Error => p.error,
    };
    let base = if selected { p.selected } else { p.text };
    let rest = format!(
        "{:<12} {:<4} {:<7} {:<8} {:>7} {:>7}",
        fmt::fit(&outcome, 12),
        exit,
        dur,
        fmt::fit(&profile_name(r), 8),
        tokens,
        cost
    );
    Line::from(vec![
        Span::styled(if selected { "> " } else { "  " }, base),
        Span::styled(format!("{} ", fmt::fit(&r.run.id, 8)), p.accent.patch(base)),
        Span::styled(
            format!("{:<8}", r.run.status.as_str().to_uppercase()),
            status_style.patch(base),
        ),
        Span::styled(fmt::fit(&rest, width.saturating_sub(19)), base),
    ])
}

pub fn runs_tab(state: &State, frame: &mut Frame, area: Rect, p: &Palette) {
    let list_height = (area.height / 3).max(5);
    let parts = Layout::vertical([Constraint::Length(list_height), Constraint::Min(3)]).split(area);
    let id = state.selected_row().map_or("-", |r| r.display_id());
    let block = Block::bordered().border_style(p.border).title(Span::styled(
        format!(" Runs: {id}  (,/. choose) "),
        p.accent,
    ));
    let inner = block.inner(parts[0]);
    frame.render_widget(block, parts[0]);
    let width = inner.width as usize;
    let mut lines = vec![Line::styled(
        fmt::fit(
            "  RUN      STATUS  OUTCOME      EXIT DUR     PROFILE   TOKENS    COST",
            width,
        ),
        p.muted,
    )];
    match &state.detail {
        None => lines.push(Line::styled("Loading runs…", p.muted)),
        Some(d) if d.runs.is_empty() => lines.push(Line::styled("No runs yet.", p.muted)),
        Some(d) => {
            let room = (inner.height as usize).saturating_sub(1);
            let first = state.run_cursor.saturating_sub(room.saturating_sub(1));
            for (i, r) in d.runs.iter().enumerate().skip(first).take(room) {
                lines.push(run_row(state, i, r, width, p));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
    log_view(
        frame,
        parts[1],
        runs_output_title(state),
        &state.run_output,
        "This run has no output.",
        p,
    );
}
