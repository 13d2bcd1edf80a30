//! The loop list: pin marker, coloured state, id, name, runs, then as many of harness/profile,
//! tokens/cost and repo as the width allows. The view scrolls centred on the selection.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{cell, fmt};
use crate::model::LoopRow;
use crate::state::State;
use crate::theme::Palette;

/// Column widths chosen for a list `width` columns wide.
#[derive(Debug, Clone, Copy)]
struct Columns {
    name: usize,
    harness: usize,
    usage: usize,
    repo: usize,
}

/// Marker, pin, state, id and runs.
const FIXED: usize = 2 + 2 + 9 + 9 + 5;

fn columns(width: usize) -> Columns {
    let mut c = Columns {
        name: width.saturating_sub(FIXED),
        harness: 0,
        usage: 0,
        repo: 0,
    };
    for (slot, want) in [(1, 13), (2, 13), (3, 14)] {
        if c.name >= 10 + want {
            c.name -= want;
            match slot {
                1 => c.harness = want,
                2 => c.usage = want,
                _ => c.repo = want,
            }
        }
    }
    if c.repo > 0 {
        // Leftover width goes to the name first, then the repo.
        let spare = c.name.saturating_sub(24);
        c.name -= spare;
        c.repo += spare;
    }
    c
}

fn header(c: &Columns, p: &Palette) -> Line<'static> {
    let mut text = format!(
        "  P {:<8} {:<8} {}",
        "STATUS",
        "ID",
        fmt::pad("NAME", c.name)
    );
    text.push_str(&format!("{:>4} ", "RUNS"));
    if c.harness > 0 {
        text.push_str(&fmt::pad("HARNESS/PROFILE", c.harness));
    }
    if c.usage > 0 {
        text.push_str(&fmt::pad("TOKENS/COST", c.usage));
    }
    if c.repo > 0 {
        text.push_str(&fmt::pad("DIR", c.repo));
    }
    Line::styled(text, p.muted)
}

fn row_line(state: &State, row: &LoopRow, c: &Columns, p: &Palette) -> Line<'static> {
    let selected = state.selected.as_deref() == Some(row.lp.id.as_str());
    let base = if selected { p.selected } else { p.text };
    let state_style = p.state(row.state()).patch(if selected {
        p.selected
    } else {
        Default::default()
    });
    let mut spans = vec![
        Span::styled(if selected { "> " } else { "  " }, base),
        Span::styled(
            if state.is_pinned(&row.lp.id) {
                "P "
            } else {
                "  "
            },
            p.accent.patch(base),
        ),
        cell(&row.state().as_str().to_uppercase(), 9, state_style),
        cell(row.display_id(), 9, p.accent.patch(base)),
        cell(&row.lp.name, c.name, base),
        Span::styled(format!("{:>4} ", row.runs), base),
    ];
    if c.harness > 0 {
        let hp = match (&row.harness, &row.profile) {
            (Some(h), Some(pr)) => format!("{h}/{pr}"),
            (Some(h), None) => h.clone(),
            (None, Some(pr)) => pr.clone(),
            (None, None) => row
                .pool
                .clone()
                .map_or("-".into(), |pool| format!("pool:{pool}")),
        };
        spans.push(cell(&hp, c.harness, base));
    }
    if c.usage > 0 {
        let usage = if state.data.usage_pending {
            "…".to_string()
        } else {
            fmt::usage_cell(row.usage.as_ref())
        };
        spans.push(cell(&usage, c.usage, base));
    }
    if c.repo > 0 {
        spans.push(cell(row.repo_name(), c.repo, p.muted.patch(base)));
    }
    Line::from(spans)
}

/// The first visible row so the selection stays centred in `height` rows.
fn first_row(selected: usize, total: usize, height: usize) -> usize {
    if total <= height {
        return 0;
    }
    selected
        .saturating_sub(height / 2)
        .min(total.saturating_sub(height))
}

fn empty_state(state: &State, p: &Palette) -> Vec<Line<'static>> {
    if !state.loaded {
        return vec![Line::styled("Loading loops…", p.muted)];
    }
    let mut lines = vec![Line::styled("No loops matched.", p.warning)];
    if state.data.loops.is_empty() {
        lines.push(Line::styled("Start one: forge up --count 1", p.text));
        lines.push(Line::styled("or press n for the new-loop wizard.", p.text));
    }
    if state.filter.is_active() {
        lines.push(Line::styled("Press / to clear filter.", p.text));
    }
    lines
}

pub fn draw(state: &State, frame: &mut Frame, area: Rect, p: &Palette) {
    let block = Block::bordered()
        .border_style(p.border)
        .title(Span::styled(" Loops ", p.accent));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let c = columns(inner.width as usize);
    let total = state.visible.len();
    if total == 0 {
        frame.render_widget(Paragraph::new(empty_state(state, p)), inner);
        return;
    }
    let mut lines = vec![header(&c, p)];
    let rows_room = (inner.height as usize).saturating_sub(1);
    let selected = state.selected_index().unwrap_or(0);
    let mut first = first_row(selected, total, rows_room);
    let mut room = rows_room;
    let above = first > 0;
    if above {
        room = room.saturating_sub(1);
        first = first_row(selected, total, room).max(1);
    }
    let below = first + room < total;
    if below {
        room = room.saturating_sub(1);
    }
    if above {
        lines.push(Line::styled(format!("  … {first} more above"), p.muted));
    }
    for row in state.visible_rows().skip(first).take(room) {
        lines.push(row_line(state, row, &c, p));
    }
    if below {
        let more = total - first - room;
        lines.push(Line::styled(format!("  … {more} more"), p.muted));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
