//! The Mail tab: the fmail topics and direct messages of the selected loop's repo, newest first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::fmt;
use crate::state::State;
use crate::theme::Palette;

pub fn draw(state: &State, frame: &mut Frame, area: Rect, p: &Palette) {
    let Some(mail) = &state.mail else {
        let text = if state.selected_row().is_some() {
            "Loading mail…"
        } else {
            "No loop selected: the Mail tab shows the selected loop's repo mailbox."
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, p.muted))
                .block(Block::bordered().border_style(p.border).title(" Mail ")),
            area,
        );
        return;
    };
    let parts = Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).split(area);
    let topics = if mail.topics.is_empty() {
        "no topics yet".to_string()
    } else {
        mail.topics
            .iter()
            .map(|(name, n)| format!("{name}({n})"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let block = Block::bordered().border_style(p.border).title(Span::styled(
        format!(" Mail: {}/.fmail ", mail.root),
        p.accent,
    ));
    frame.render_widget(
        Paragraph::new(Line::styled(
            fmt::fit(
                &format!("topics: {topics}"),
                (area.width as usize).saturating_sub(2),
            ),
            p.text,
        ))
        .block(block),
        parts[0],
    );
    let block = Block::bordered()
        .border_style(p.border)
        .title(Span::styled(" Messages (newest first) ", p.accent));
    let inner = block.inner(parts[1]);
    frame.render_widget(block, parts[1]);
    let width = inner.width as usize;
    let mut lines = Vec::new();
    if mail.messages.is_empty() {
        lines.push(Line::styled(
            "No messages. Agents post with `fmail send <topic> <text>`.",
            p.muted,
        ));
    }
    for m in mail.messages.iter().take(inner.height as usize) {
        let when = fmt::relative(&m.time, state.now);
        let dm = m.to.starts_with('@');
        lines.push(Line::from(vec![
            Span::styled(format!("{:<12} ", fmt::fit(&when, 12)), p.muted),
            Span::styled(format!("{} ", m.from), p.accent),
            Span::styled(
                format!("-> {}: ", m.to),
                if dm { p.warning } else { p.info },
            ),
            Span::styled(
                fmt::fit(
                    &m.body,
                    width.saturating_sub(20 + m.from.len() + m.to.len()),
                ),
                p.text,
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
