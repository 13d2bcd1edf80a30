//! `draw(&State, frame)`: the whole screen from the state, nothing else.
//!
//! Rows: header, tab bar, body (loop list left, the tab's pane right), then the filter or
//! message bar when open, the status line and, after a failed refresh, an error line. Dialogs
//! (confirm, wizard, help) are drawn over the body.

pub mod dialogs;
pub mod fmt;
pub mod list;
pub mod logs;
pub mod mail;
pub mod multi;
pub mod overview;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::state::{Mode, State, StatusKind, Tab};
use crate::theme::Palette;

/// The smallest screen the layout works on.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 22;

/// Draws one frame.
pub fn draw(state: &State, frame: &mut Frame) {
    let area = frame.area();
    let p = palette(state);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, &p);
        return;
    }
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(bottom_rows(state)),
    ])
    .split(area);
    frame.render_widget(Paragraph::new(header(state, &p, area.width)), rows[0]);
    frame.render_widget(Paragraph::new(tab_bar(state, &p, area.width)), rows[1]);
    body(state, frame, rows[2], &p);
    bottom(state, frame, rows[3], &p);
    match &state.mode {
        Mode::Confirm(c) => dialogs::confirm(frame, rows[2], c, &p),
        Mode::Wizard(w) => dialogs::wizard(frame, rows[2], w, &p),
        Mode::Help(_) => dialogs::help(frame, rows[2], &p),
        _ => {}
    }
}

pub fn palette(state: &State) -> Palette {
    Palette::of(state.theme, state.monochrome)
}

fn too_small(frame: &mut Frame, area: Rect, p: &Palette) {
    let lines = vec![
        Line::styled(
            format!("terminal too small (need {MIN_WIDTH}x{MIN_HEIGHT})"),
            p.warning,
        ),
        Line::styled(format!("now {}x{}", area.width, area.height), p.muted),
        Line::styled("enlarge the window, or q to quit", p.muted),
    ];
    let top = area.height.saturating_sub(lines.len() as u16) / 2;
    let rect = Rect::new(area.x, area.y + top, area.width, area.height - top);
    frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center), rect);
}

fn bottom_rows(state: &State) -> u16 {
    let bar = matches!(state.mode, Mode::Filter | Mode::Message(_)) || state.filter.is_active();
    1 + u16::from(bar) + u16::from(state.error.is_some())
}

fn header(state: &State, p: &Palette, width: u16) -> Line<'static> {
    let mut text = format!(
        "Forge loops  mode:{}  tab:{}  loops:{} running:{}  theme:{}",
        state.mode.label(state.expanded),
        state.tab.name(),
        state.data.loops.len(),
        state.running_count(),
        state.theme.name(),
    );
    if state.action.is_some() {
        text.push_str("  action:running");
    }
    if state.zen {
        text.push_str("  zen:on");
    }
    let keys = "  keys:/ filter n new S/K/D r l ? q";
    let room = (width as usize).saturating_sub(text.chars().count());
    let keys = fmt::fit(keys, room);
    Line::from(vec![
        Span::styled(text, p.accent),
        Span::styled(keys, p.muted),
    ])
}

fn tab_hints(tab: Tab) -> &'static str {
    match tab {
        Tab::Overview => "j/k select  space pin  : msg  ! now",
        Tab::Logs => "v source  x layer  ,/. run  u/d scroll  home/end",
        Tab::Runs => ",/. run  x layer  u/d scroll  home/end",
        Tab::MultiLogs => "m layout  space pin  x layer  ,/. page",
        Tab::Mail => "newest first, live",
    }
}

fn tab_bar(state: &State, p: &Palette, width: u16) -> Line<'static> {
    let compact = width < 110;
    let mut spans = Vec::new();
    let mut used = 0;
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let label = if compact {
            let short = ["ov", "logs", "runs", "multi", "mail"][i];
            if *tab == state.tab {
                format!("[{}:{short}]", i + 1)
            } else {
                format!(" {}:{short} ", i + 1)
            }
        } else {
            format!(" {} {} ", i + 1, tab.name())
        };
        used += label.chars().count() + 1;
        let style = if *tab == state.tab {
            p.selected
        } else {
            p.muted
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    let room = (width as usize).saturating_sub(used + 2);
    spans.push(Span::styled(
        format!("  {}", fmt::fit(tab_hints(state.tab), room)),
        p.muted,
    ));
    Line::from(spans)
}

/// Width of the loop list for a body of `width` columns.
fn list_width(state: &State, width: u16) -> u16 {
    let share = if state.tab == Tab::MultiLogs { 30 } else { 44 };
    (width * share / 100).max(34).min(width)
}

fn body(state: &State, frame: &mut Frame, area: Rect, p: &Palette) {
    if state.expanded {
        logs::expanded(state, frame, area, p);
        return;
    }
    let right = if state.zen {
        area
    } else {
        let cols = Layout::horizontal([
            Constraint::Length(list_width(state, area.width)),
            Constraint::Min(1),
        ])
        .split(area);
        list::draw(state, frame, cols[0], p);
        cols[1]
    };
    match state.tab {
        Tab::Overview => overview::draw(state, frame, right, p),
        Tab::Logs => logs::logs_tab(state, frame, right, p),
        Tab::Runs => logs::runs_tab(state, frame, right, p),
        Tab::MultiLogs => multi::draw(state, frame, right, p),
        Tab::Mail => mail::draw(state, frame, right, p),
    }
}

fn bottom(state: &State, frame: &mut Frame, area: Rect, p: &Palette) {
    let mut lines = Vec::new();
    if let Some(bar) = dialogs::bar(state, p) {
        lines.push(bar);
    }
    lines.push(match state.live_status() {
        Some(s) => {
            let style = match s.kind {
                StatusKind::Info => p.info,
                StatusKind::Ok => p.success,
                StatusKind::Error => p.error,
            };
            Line::styled(fmt::fit(&s.text, area.width as usize), style)
        }
        None => Line::styled(
            fmt::fit(
                "1-5 tabs  j/k move  S stop  K kill  r resume  : message  ? help",
                area.width as usize,
            ),
            p.muted,
        ),
    });
    if let Some(e) = &state.error {
        lines.push(Line::styled(
            fmt::fit(
                &format!("Error: {e} (retrying; the data shown may be stale)"),
                area.width as usize,
            ),
            p.error,
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Rows of log text in the log pane for the current screen (used to size scroll steps).
pub fn log_pane_height(state: &State) -> usize {
    let fixed = 2 + bottom_rows(state) + 2 + 1;
    let body = state.height.saturating_sub(fixed) as usize;
    if state.tab == Tab::Runs && !state.expanded {
        body.saturating_sub(body / 3 + 3).max(1)
    } else {
        body.max(1)
    }
}

/// One styled cell helper: text cut to width.
pub(crate) fn cell(text: &str, width: usize, style: Style) -> Span<'static> {
    Span::styled(fmt::pad(text, width), style)
}
