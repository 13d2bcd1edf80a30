//! Dialogs over the body (confirm, wizard, help) and the one-line bars (filter, message).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::state::{Confirm, FilterFocus, Mode, State, StatusFilter};
use crate::theme::Palette;
use crate::wizard::{Check, REVIEW, STEPS, Wizard};

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn dialog(frame: &mut Frame, rect: Rect, title: &str, lines: Vec<Line<'static>>, p: &Palette) {
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(p.focus)
        .title(Span::styled(format!(" {title} "), p.focus));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

pub fn confirm(frame: &mut Frame, area: Rect, c: &Confirm, p: &Palette) {
    let question = c.question();
    let width = (question.chars().count() as u16 + 6).max(40);
    let lines = vec![
        Line::styled(question, p.warning),
        Line::raw(""),
        Line::styled("y confirms; any other key cancels", p.muted),
    ];
    dialog(frame, centered(area, width, 5), "Confirm", lines, p);
}

pub fn wizard(frame: &mut Frame, area: Rect, w: &Wizard, p: &Palette) {
    let mut lines = vec![Line::styled(
        format!(
            "Step {} of {}: {}",
            w.step + 1,
            REVIEW + 1,
            ["names", "pool or profile", "prompt and limits", "review"][w.step.min(REVIEW)]
        ),
        p.accent,
    )];
    lines.push(Line::raw(""));
    if w.step < REVIEW {
        for (i, field) in STEPS[w.step].iter().enumerate() {
            let focused = i == w.focus;
            let value = w.value(*field);
            let shown = if focused {
                format!("{value}_")
            } else {
                value.to_string()
            };
            lines.push(Line::from(vec![
                Span::styled(if focused { "> " } else { "  " }, p.focus),
                Span::styled(
                    format!("{:<15}", field.label()),
                    if focused { p.focus } else { p.muted },
                ),
                Span::styled(shown, p.text),
            ]));
            if focused {
                lines.push(Line::styled(
                    format!("                 {}", field.help()),
                    p.muted,
                ));
            }
        }
    } else {
        for field in STEPS.iter().flat_map(|s| s.iter()) {
            let value = w.value(*field);
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<15}", field.label()), p.muted),
                Span::styled(
                    if value.is_empty() {
                        "-".to_string()
                    } else {
                        value.to_string()
                    },
                    p.text,
                ),
            ]));
        }
        lines.push(Line::raw(""));
        lines.push(match &w.check {
            Some(Check::Pending) | None => Line::styled("Checking with the store…", p.info),
            Some(Check::Passed(text)) => Line::styled(format!("✓ {text}"), p.success),
            Some(Check::Failed(text)) => Line::styled(format!("✗ {text}"), p.error),
        });
    }
    if let Some(e) = &w.error {
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("✗ {e}"), p.error));
    }
    lines.push(Line::raw(""));
    let keys = if w.step < REVIEW {
        "Tab/↓ next field  Shift+Tab/↑ previous  Enter next step  ← back  Esc cancel"
    } else {
        "Enter create  b/← back  Esc cancel"
    };
    lines.push(Line::styled(keys, p.muted));
    let height = lines.len() as u16 + 4;
    dialog(
        frame,
        centered(area, 76, height),
        "New loop (forge up)",
        lines,
        p,
    );
}

/// The key table (also in README.md and docs/dashboard.md).
pub const HELP: &[(&str, &str)] = &[
    ("1-5  [ ]", "switch tab / next, previous tab"),
    ("j k  ↑ ↓", "move the loop selection"),
    ("space  c", "pin or unpin the loop / clear all pins"),
    ("m", "cycle the Multi Logs layout (1x1 … 4x4)"),
    ("v", "cycle the log source: live, latest run, selected run"),
    ("x", "cycle the layer: raw, events, errors, tools, diff"),
    (", .", "previous/next run (Logs, Runs) or page (Multi Logs)"),
    ("u d  PgUp PgDn  ^U ^D", "scroll the log half a pane"),
    (
        "home  end",
        "top of the log / follow (first/last page in Multi Logs)",
    ),
    (
        "l  z  t",
        "expanded log / zen (right pane only) / next theme",
    ),
    ("/", "filter: type text; Tab moves to the status selector"),
    ("n", "new-loop wizard (forge up)"),
    ("r", "resume the selected loop (stopped or errored)"),
    ("S  K  D", "stop / kill / delete, each asks y/N"),
    (
        ":  !",
        "message for the next prompt / interrupt now (msg --now)",
    ),
    ("?  q", "help / quit"),
];

pub fn help(frame: &mut Frame, area: Rect, p: &Palette) {
    let mut lines: Vec<Line<'static>> = HELP
        .iter()
        .map(|(k, v)| {
            Line::from(vec![
                Span::styled(format!("{k:<22}"), p.accent),
                Span::styled(*v, p.text),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled("?, q or Esc closes this help", p.muted));
    let height = lines.len() as u16 + 2;
    dialog(frame, centered(area, 80, height), "Keys", lines, p);
}

/// The filter or message bar, when open (or when a filter is set).
pub fn bar(state: &State, p: &Palette) -> Option<Line<'static>> {
    match &state.mode {
        Mode::Message(m) => {
            let what = if m.now {
                "Interrupt"
            } else {
                "Message for next prompt of"
            };
            Some(Line::from(vec![
                Span::styled(format!("{what} {}: ", m.display_id), p.focus),
                Span::styled(format!("{}_", m.text), p.text),
                Span::styled("  (Enter send, Esc cancel)", p.muted),
            ]))
        }
        Mode::Filter => Some(filter_line(state, p, true)),
        _ if state.filter.is_active() => Some(filter_line(state, p, false)),
        _ => None,
    }
}

fn filter_line(state: &State, p: &Palette, editing: bool) -> Line<'static> {
    let f = &state.filter;
    let text_focus = editing && f.focus == FilterFocus::Text;
    let status_focus = editing && f.focus == FilterFocus::Status;
    let mut spans = vec![
        Span::styled("Filter: ", if editing { p.focus } else { p.muted }),
        Span::styled(
            if text_focus {
                format!("{}_", f.text)
            } else {
                f.text.clone()
            },
            if text_focus { p.focus } else { p.text },
        ),
        Span::styled("  status: ", p.muted),
    ];
    for s in StatusFilter::ALL {
        let style = if s == f.status {
            if status_focus { p.selected } else { p.accent }
        } else {
            p.muted
        };
        spans.push(Span::styled(format!("{} ", s.name()), style));
    }
    let n = state.visible.len();
    spans.push(Span::styled(
        format!(" {n} of {} shown", state.data.loops.len()),
        p.muted,
    ));
    if editing {
        spans.push(Span::styled("  (Tab status, Enter/Esc done)", p.muted));
    }
    Line::from(spans)
}
