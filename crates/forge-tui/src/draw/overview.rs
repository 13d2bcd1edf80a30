//! The Overview tab: every field of the selected loop, what its last run did, why and until
//! when it waits, the cooldowns of the profiles it can use, its spend and its queue.

use forge_core::model::{LoopState, QueueItem, RunStatus};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::fmt;
use crate::model::LoopRow;
use crate::state::State;
use crate::theme::Palette;

/// Label column width.
const LABEL: usize = 15;

/// A labelled value; `wrap_fields` later breaks long values under their label.
fn field(label: &str, value: impl Into<String>, style: Style, p: &Palette) -> Field {
    (label.to_string(), value.into(), style, p.muted)
}

/// Lays fields out as `label value`, wrapping values to `width` with continuation lines indented
/// under the value.
fn wrap_fields(fields: Vec<Field>, width: usize) -> Vec<Line<'static>> {
    let room = width.saturating_sub(LABEL).max(10);
    let mut out = Vec::new();
    for (label, value, style, label_style) in fields {
        let chunks = word_wrap(&value, room);
        for (i, chunk) in chunks.into_iter().enumerate() {
            let head = if i == 0 {
                format!("{label:<LABEL$}")
            } else {
                " ".repeat(LABEL)
            };
            out.push(Line::from(vec![
                Span::styled(head, label_style),
                Span::styled(chunk, style),
            ]));
        }
    }
    out
}

/// Profiles the loop can run on: its pinned profile, else its pool's (or the default pool's).
fn candidate_profiles<'a>(state: &'a State, row: &LoopRow) -> Vec<&'a forge_core::model::Profile> {
    if let Some(id) = &row.lp.profile_id {
        return state.data.profile(id).into_iter().collect();
    }
    let pool = match &row.lp.pool_id {
        Some(id) => state.data.pools.iter().find(|p| &p.id == id),
        None => state.data.pools.iter().find(|p| p.is_default),
    };
    pool.map(|pool| {
        pool.members
            .iter()
            .filter_map(|id| state.data.profile(id))
            .collect()
    })
    .unwrap_or_default()
}

fn cooldowns(state: &State, row: &LoopRow) -> String {
    let cooling: Vec<String> = candidate_profiles(state, row)
        .into_iter()
        .filter_map(|p| {
            let until = p.cooldown_until.as_deref()?;
            let t = fmt::parse(until)?;
            (t > state.now).then(|| format!("{} until {}", p.name, fmt::clock(until, state.now)))
        })
        .collect();
    if cooling.is_empty() {
        "none".into()
    } else {
        cooling.join(", ")
    }
}

fn queue_summary(items: &[QueueItem]) -> String {
    items
        .iter()
        .take(3)
        .map(|i| {
            let text = i
                .payload
                .get("text")
                .or_else(|| i.payload.get("message"))
                .and_then(|v| v.as_str())
                .map(|t| format!(" \"{}\"", fmt::fit(t, 30)))
                .unwrap_or_default();
            format!("{}{text}", i.item_type)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn status_value(state: &State, row: &LoopRow) -> String {
    let l = &row.lp;
    let mut s = l.state.as_str().to_uppercase();
    match l.state {
        LoopState::Waiting => {
            if let Some(until) = l.wait_until() {
                s.push_str(&format!(" until {}", fmt::clock(until, state.now)));
            }
        }
        LoopState::Running | LoopState::Sleeping => {
            if let Some(pid) = l.pid() {
                s.push_str(&format!("  runner pid {pid}"));
            }
        }
        _ => {}
    }
    s
}

fn run_snapshot(state: &State) -> String {
    let Some(d) = &state.detail else {
        return "loading…".into();
    };
    let n = |s: RunStatus| d.run_counts.get(&s).copied().unwrap_or(0);
    let total: i64 = d.run_counts.values().sum();
    let mut text = format!(
        "total={total} success={} error={} killed={} running={}",
        n(RunStatus::Success),
        n(RunStatus::Error),
        n(RunStatus::Killed),
        n(RunStatus::Running)
    );
    if let Some(r) = d.runs.first() {
        let dur = fmt::span(&r.run.started_at, r.run.finished_at.as_deref(), state.now)
            .map_or("-".into(), fmt::duration);
        let exit = r.run.exit_code.map_or("-".into(), |c| c.to_string());
        text.push_str(&format!(
            "  latest {} {} exit={exit} dur={dur}",
            fmt::fit(&r.run.id, 8),
            r.run.status.as_str().to_uppercase()
        ));
    }
    text
}

type Field = (String, String, Style, Style);

/// Who the loop is and what it runs on.
fn identity(state: &State, row: &LoopRow, p: &Palette) -> Vec<Field> {
    let l = &row.lp;
    let t = p.text;
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let profile = row
        .profile
        .as_deref()
        .and_then(|name| state.data.profiles.iter().find(|p| p.name == name));
    let harness_auth = match profile {
        Some(pr) => format!("{}/{}", pr.harness, pr.auth_kind.as_deref().unwrap_or("-")),
        None => dash(&row.harness),
    };
    let iterations = if l.max_iterations > 0 {
        format!("{} of {}", l.iteration_count(), l.max_iterations)
    } else {
        format!("{} (no limit)", l.iteration_count())
    };
    let mut out = vec![
        field(
            "ID",
            format!("{}  ({})", row.display_id(), l.id),
            p.accent,
            p,
        ),
        field("Name", l.name.clone(), t, p),
        field("Status", status_value(state, row), p.state(l.state), p),
        field(
            "Runs",
            format!("{}  iteration {iterations}", row.runs),
            t,
            p,
        ),
        field("Dir", l.repo_path.clone(), t, p),
        field("Pool", dash(&row.pool), t, p),
        field("Profile", dash(&row.profile), t, p),
        field("Harness/Auth", harness_auth, t, p),
    ];
    if l.state == LoopState::Waiting {
        let reason = l
            .last_error
            .clone()
            .unwrap_or_else(|| "waiting for a profile".into());
        out.insert(3, field("Waiting", reason, p.warning, p));
    }
    out
}

/// What the last run did, what is queued, the limits, the spend and the cooldowns.
fn activity(state: &State, row: &LoopRow, p: &Palette) -> Vec<Field> {
    let l = &row.lp;
    let now = state.now;
    let t = p.text;
    let last_run = match &l.last_run_at {
        Some(at) => format!(
            "{} (exit {})",
            fmt::relative(at, now),
            l.last_exit_code.map_or("-".into(), |c| c.to_string())
        ),
        None => "never".into(),
    };
    let runtime = match l.started_at() {
        Some(started) => format!(
            "{}, started {}",
            fmt::limit(l.max_runtime_seconds),
            fmt::relative(started, now)
        ),
        None => fmt::limit(l.max_runtime_seconds),
    };
    let usage = match &row.usage {
        Some(u) => format!(
            "in={} out={} cache_read={} cache_write={}  cost {}",
            fmt::tokens(u.input_tokens),
            fmt::tokens(u.output_tokens),
            fmt::tokens(u.cache_read_tokens),
            fmt::tokens(u.cache_write_tokens),
            fmt::cost(u.cost_usd)
        ),
        None => "no usage reported".into(),
    };
    let queue = state
        .detail
        .as_ref()
        .map(|d| queue_summary(&d.queue))
        .unwrap_or_default();
    let queue = if queue.is_empty() {
        row.queue_depth.to_string()
    } else {
        format!("{}  next: {queue}", row.queue_depth)
    };
    let interval = if l.interval_seconds == 0 {
        "0s (none)".to_string()
    } else {
        fmt::duration(l.interval_seconds)
    };
    let outcome = row.last_outcome.clone().unwrap_or_else(|| "-".into());
    let mut out = vec![
        field("Last Run", last_run, t, p),
        field("Last Outcome", outcome, outcome_style(row, p), p),
        field("Queue Depth", queue, t, p),
        field("Interval", interval, t, p),
        field("Max Runtime", runtime, t, p),
        field("Max Iterations", fmt::count_limit(l.max_iterations), t, p),
        field("Usage", usage, t, p),
        field("Cooldowns", cooldowns(state, row), p.warning, p),
    ];
    if l.state != LoopState::Waiting
        && let Some(e) = &l.last_error
    {
        out.push(field("Last Error", e.clone(), p.error, p));
    }
    out
}

fn lines(state: &State, row: &LoopRow, p: &Palette, width: usize) -> Vec<Line<'static>> {
    let mut fields = identity(state, row, p);
    fields.extend(activity(state, row, p));
    fields.push(field("", "", p.text, p));
    fields.push(field("Run snapshot", run_snapshot(state), p.text, p));
    let mut lines = wrap_fields(fields, width);
    lines.push(Line::styled(
        fmt::fit(
            "S stop  K kill  r resume  D delete  : message  ! interrupt  2 logs",
            width,
        ),
        p.muted,
    ));
    lines
}

fn outcome_style(row: &LoopRow, p: &Palette) -> Style {
    match row.last_outcome.as_deref() {
        Some("success") => p.success,
        Some("rate_limited" | "overloaded") => p.warning,
        Some(_) => p.error,
        None => p.muted,
    }
}

/// Greedy word wrap to `room` columns; words longer than a line are cut.
fn word_wrap(text: &str, room: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let current = lines.last().map_or(0, |l| l.chars().count());
        let len = word.chars().count();
        if current > 0 && current + 1 + len > room {
            lines.push(String::new());
        }
        if let Some(last) = lines.last_mut() {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(&fmt::fit(word, room));
        }
    }
    lines
}

pub fn draw(state: &State, frame: &mut Frame, area: Rect, p: &Palette) {
    let title = match state.selected_row() {
        Some(row) => format!(" Overview: {} ", row.display_id()),
        None => " Overview ".to_string(),
    };
    let block = Block::bordered()
        .border_style(p.border)
        .title(Span::styled(title, p.accent));
    let width = block.inner(area).width as usize;
    let body = match state.selected_row() {
        Some(row) => lines(state, row, p, width),
        None => vec![Line::styled("No loop selected.", p.muted)],
    };
    frame.render_widget(Paragraph::new(body).block(block), area);
}
