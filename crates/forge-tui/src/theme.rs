//! Themes: semantic colours for every screen element, and a monochrome palette (`NO_COLOR`,
//! `--no-color`) that tells states apart by text attributes alone.

use forge_core::model::LoopState;
use ratatui::style::{Color, Modifier, Style};

use crate::layers::LineClass;

/// The named themes, cycled with `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeName {
    #[default]
    Default,
    HighContrast,
    Ocean,
    Sunset,
}

impl ThemeName {
    pub const ALL: [ThemeName; 4] = [
        ThemeName::Default,
        ThemeName::HighContrast,
        ThemeName::Ocean,
        ThemeName::Sunset,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ThemeName::Default => "default",
            ThemeName::HighContrast => "high-contrast",
            ThemeName::Ocean => "ocean",
            ThemeName::Sunset => "sunset",
        }
    }

    /// Parses a `tui.theme` value.
    pub fn parse(text: &str) -> Option<ThemeName> {
        ThemeName::ALL
            .into_iter()
            .find(|t| t.name() == text.trim().to_ascii_lowercase())
    }

    pub fn next(self) -> ThemeName {
        let i = ThemeName::ALL.iter().position(|t| *t == self).unwrap_or(0);
        ThemeName::ALL[(i + 1) % ThemeName::ALL.len()]
    }
}

/// Semantic styles of one theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub text: Style,
    pub muted: Style,
    pub accent: Style,
    pub focus: Style,
    pub border: Style,
    pub success: Style,
    pub warning: Style,
    pub error: Style,
    pub info: Style,
    /// The selected row.
    pub selected: Style,
    monochrome: bool,
}

fn fg(c: Color) -> Style {
    Style::new().fg(c)
}

impl Palette {
    /// The palette of a theme, or the monochrome one.
    pub fn of(theme: ThemeName, monochrome: bool) -> Palette {
        if monochrome {
            let plain = Style::new();
            return Palette {
                text: plain,
                muted: plain.add_modifier(Modifier::DIM),
                accent: plain.add_modifier(Modifier::BOLD),
                focus: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                border: plain,
                success: plain.add_modifier(Modifier::BOLD),
                warning: plain.add_modifier(Modifier::UNDERLINED),
                error: plain.add_modifier(Modifier::BOLD | Modifier::REVERSED),
                info: plain.add_modifier(Modifier::ITALIC),
                selected: plain.add_modifier(Modifier::REVERSED),
                monochrome,
            };
        }
        let (text, muted, accent, border, success, warning, error, info, sel_bg) = match theme {
            ThemeName::Default => (
                Color::Reset,
                Color::DarkGray,
                Color::Cyan,
                Color::DarkGray,
                Color::Green,
                Color::Yellow,
                Color::Red,
                Color::Blue,
                Color::Indexed(236),
            ),
            ThemeName::HighContrast => (
                Color::White,
                Color::Gray,
                Color::LightCyan,
                Color::White,
                Color::LightGreen,
                Color::LightYellow,
                Color::LightRed,
                Color::LightBlue,
                Color::Blue,
            ),
            ThemeName::Ocean => (
                Color::Indexed(153),
                Color::Indexed(67),
                Color::Indexed(45),
                Color::Indexed(24),
                Color::Indexed(79),
                Color::Indexed(222),
                Color::Indexed(203),
                Color::Indexed(111),
                Color::Indexed(17),
            ),
            ThemeName::Sunset => (
                Color::Indexed(223),
                Color::Indexed(138),
                Color::Indexed(209),
                Color::Indexed(95),
                Color::Indexed(150),
                Color::Indexed(221),
                Color::Indexed(167),
                Color::Indexed(175),
                Color::Indexed(52),
            ),
        };
        Palette {
            text: fg(text),
            muted: fg(muted),
            accent: fg(accent),
            focus: fg(accent).add_modifier(Modifier::BOLD),
            border: fg(border),
            success: fg(success),
            warning: fg(warning),
            error: fg(error),
            info: fg(info),
            selected: Style::new().bg(sel_bg).add_modifier(Modifier::BOLD),
            monochrome,
        }
    }

    pub fn is_monochrome(&self) -> bool {
        self.monochrome
    }

    /// The style of a loop state: running is success, waiting warning, sleeping info, error
    /// error, stopped muted.
    pub fn state(&self, state: LoopState) -> Style {
        match state {
            LoopState::Running => self.success,
            LoopState::Sleeping => self.info,
            LoopState::Waiting => self.warning,
            LoopState::Stopped => self.muted,
            LoopState::Error => self.error,
        }
    }

    /// The style of a log line class.
    pub fn line(&self, class: LineClass) -> Style {
        match class {
            LineClass::Control => self.muted,
            LineClass::Error => self.error,
            LineClass::Tool => self.accent,
            LineClass::DiffAdd => self.success,
            LineClass::DiffRemove => self.error,
            LineClass::DiffMeta => self.info,
            LineClass::Plain => self.text,
        }
    }
}
