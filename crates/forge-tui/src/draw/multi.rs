//! The Multi Logs grid: pinned loops first, then the filtered order; the requested layout is
//! shrunk so every cell keeps at least 38x8, and the grid is paged.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::fmt;
use crate::layers::classify;
use crate::model::LoopRow;
use crate::state::{LAYOUTS, State};
use crate::theme::Palette;

pub const MIN_CELL_WIDTH: u16 = 38;
pub const MIN_CELL_HEIGHT: u16 = 8;

/// The grid area for the current screen (the right pane minus its header line).
fn grid_size(state: &State) -> (u16, u16) {
    let width = if state.zen || state.expanded {
        state.width
    } else {
        let list = (state.width * 30 / 100).max(34);
        state.width.saturating_sub(list)
    };
    let bottom = 1 + u16::from(state.filter.is_active()) + u16::from(state.error.is_some());
    (width, state.height.saturating_sub(3 + bottom))
}

/// Rows and columns that fit, never more than requested.
pub fn effective(requested: (u16, u16), width: u16, height: u16) -> (u16, u16) {
    let rows = requested.0.min((height / MIN_CELL_HEIGHT).max(1));
    let cols = requested.1.min((width / MIN_CELL_WIDTH).max(1));
    (rows, cols)
}

pub fn per_page(state: &State) -> usize {
    let (w, h) = grid_size(state);
    let (r, c) = effective(LAYOUTS[state.multi.layout], w, h);
    usize::from(r * c).max(1)
}

pub fn page_count(state: &State) -> usize {
    state.multi_order().len().div_ceil(per_page(state)).max(1)
}

/// Ids of the loops on the current page (what the loader tails).
pub fn page_ids(state: &State) -> Vec<String> {
    let per = per_page(state);
    state
        .multi_order()
        .into_iter()
        .skip(state.multi.page * per)
        .take(per)
        .map(|r| r.lp.id.clone())
        .collect()
}

fn cell(state: &State, frame: &mut Frame, area: Rect, row: &LoopRow, p: &Palette) {
    let pin = if state.is_pinned(&row.lp.id) {
        " [PIN]"
    } else {
        ""
    };
    let style = p.state(row.state());
    let block = Block::bordered().border_style(style).title(Span::styled(
        format!(" {} {}{pin} ", row.display_id(), row.lp.name),
        style,
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let meta = format!(
        "{} harness={} runs={} {}",
        row.state().as_str().to_uppercase(),
        row.harness.as_deref().unwrap_or("-"),
        row.runs,
        fmt::usage_cell(row.usage.as_ref())
    );
    let mut lines = vec![Line::styled(fmt::fit(&meta, width), style)];
    let room = (inner.height as usize).saturating_sub(1);
    let layer = state.multi.layer;
    match state.multi_tails.get(&row.lp.id) {
        Some(w) if w.problem.is_some() => {
            lines.push(Line::styled(
                fmt::fit(w.problem.as_deref().unwrap_or(""), width),
                p.muted,
            ));
        }
        Some(w) => {
            let kept: Vec<_> = w.lines.iter().filter(|l| layer.keeps(&l.text)).collect();
            for l in kept.iter().skip(kept.len().saturating_sub(room)) {
                lines.push(Line::styled(
                    fmt::fit(&l.text, width),
                    p.line(classify(&l.text)),
                ));
            }
        }
        None => lines.push(Line::styled("loading…", p.muted)),
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn draw(state: &State, frame: &mut Frame, area: Rect, p: &Palette) {
    let parts = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).split(area);
    let requested = LAYOUTS[state.multi.layout];
    let (rows, cols) = effective(requested, parts[1].width, parts[1].height);
    let order = state.multi_order();
    let per = usize::from(rows * cols);
    let pages = order.len().div_ceil(per).max(1);
    let page = state.multi.page.min(pages - 1);
    let first = page * per;
    let shown = order.iter().skip(first).take(per).count();
    let header = format!(
        "View 4 Matrix  requested={}x{} effective={rows}x{cols}  page={}/{pages}  showing={}-{}/{}  layer={}",
        requested.0,
        requested.1,
        page + 1,
        if shown == 0 { 0 } else { first + 1 },
        first + shown,
        order.len(),
        state.multi.layer.name()
    );
    frame.render_widget(
        Paragraph::new(Line::styled(
            fmt::fit(&header, area.width as usize),
            p.accent,
        )),
        parts[0],
    );
    if order.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "No loops to show. Pin loops with space.",
                p.muted,
            )),
            parts[1],
        );
        return;
    }
    let row_areas = Layout::vertical(vec![Constraint::Ratio(1, u32::from(rows)); rows as usize])
        .split(parts[1]);
    let mut loops = order.into_iter().skip(first).take(per);
    for row_area in row_areas.iter() {
        let cells = Layout::horizontal(vec![Constraint::Ratio(1, u32::from(cols)); cols as usize])
            .split(*row_area);
        for cell_area in cells.iter() {
            if let Some(row) = loops.next() {
                cell(state, frame, *cell_area, row, p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_shrink_to_keep_cells_readable() {
        assert_eq!(effective((4, 4), 120, 30), (3, 3));
        assert_eq!(effective((2, 2), 200, 60), (2, 2));
        assert_eq!(effective((1, 4), 60, 10), (1, 1));
    }
}
