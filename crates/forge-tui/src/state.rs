//! The dashboard's state. Only [`crate::update::update`] changes it; drawing reads it.

use std::collections::HashMap;

use forge_core::model::LoopState;
use jiff::Timestamp;

use crate::layers::Layer;
use crate::model::{Detail, LogWindow, LoopRow, Mailbox, Snapshot};
use crate::theme::ThemeName;
use crate::wizard::Wizard;

/// The tabs, in key order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Overview,
    Logs,
    Runs,
    MultiLogs,
    Mail,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Overview,
        Tab::Logs,
        Tab::Runs,
        Tab::MultiLogs,
        Tab::Mail,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Logs => "Logs",
            Tab::Runs => "Runs",
            Tab::MultiLogs => "Multi Logs",
            Tab::Mail => "Mail",
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn shifted(self, by: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        Tab::ALL[(self.index() as isize + by).rem_euclid(n) as usize]
    }
}

/// Status selector of the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    All,
    Only(LoopState),
}

impl StatusFilter {
    pub const ALL: [StatusFilter; 6] = [
        StatusFilter::All,
        StatusFilter::Only(LoopState::Running),
        StatusFilter::Only(LoopState::Sleeping),
        StatusFilter::Only(LoopState::Waiting),
        StatusFilter::Only(LoopState::Stopped),
        StatusFilter::Only(LoopState::Error),
    ];

    pub fn name(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Only(s) => s.as_str(),
        }
    }

    pub fn shifted(self, by: isize) -> StatusFilter {
        let i = StatusFilter::ALL
            .iter()
            .position(|s| *s == self)
            .unwrap_or(0) as isize;
        let n = StatusFilter::ALL.len() as isize;
        StatusFilter::ALL[(i + by).rem_euclid(n) as usize]
    }

    pub fn accepts(self, state: LoopState) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Only(s) => s == state,
        }
    }
}

/// Which part of the filter bar takes keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FilterFocus {
    #[default]
    Text,
    Status,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
    pub status: StatusFilter,
    pub focus: FilterFocus,
}

impl Filter {
    pub fn is_active(&self) -> bool {
        !self.text.is_empty() || self.status != StatusFilter::All
    }

    /// Substring match on the display id, id, name or repo path, plus the status selector.
    pub fn accepts(&self, row: &LoopRow) -> bool {
        if !self.status.accepts(row.state()) {
            return false;
        }
        let needle = self.text.trim().to_lowercase();
        needle.is_empty()
            || [
                row.display_id(),
                &row.lp.id,
                &row.lp.name,
                &row.lp.repo_path,
            ]
            .iter()
            .any(|h| h.to_lowercase().contains(&needle))
    }
}

/// The operation a confirmation asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmKind {
    Stop,
    Kill,
    Delete { force: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub kind: ConfirmKind,
    pub loop_id: String,
    pub display_id: String,
}

impl Confirm {
    pub fn question(&self) -> String {
        let id = &self.display_id;
        match self.kind {
            ConfirmKind::Stop => format!("Stop loop {id} after current iteration? [y/N]"),
            ConfirmKind::Kill => format!("Kill loop {id} immediately? [y/N]"),
            ConfirmKind::Delete { force: false } => format!("Delete loop record {id}? [y/N]"),
            ConfirmKind::Delete { force: true } => {
                format!("Loop is still running. Force delete record {id}? [y/N]")
            }
        }
    }
}

/// The message prompt opened by `:` (next prompt) or `!` (interrupt now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageInput {
    pub loop_id: String,
    pub display_id: String,
    pub now: bool,
    pub text: String,
}

/// Input modes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Main,
    Filter,
    Confirm(Confirm),
    Wizard(Box<Wizard>),
    Message(MessageInput),
    /// Help over the mode it was opened from.
    Help(Box<Mode>),
}

impl Mode {
    pub fn label(&self, expanded: bool) -> &'static str {
        match self {
            Mode::Main if expanded => "Expanded Logs",
            Mode::Main => "Main",
            Mode::Filter => "Filter",
            Mode::Confirm(_) => "Confirm",
            Mode::Wizard(_) => "New Loop Wizard",
            Mode::Message(_) => "Message",
            Mode::Help(_) => "Help",
        }
    }
}

/// Where a log view reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogSource {
    /// The loop's log file, followed.
    #[default]
    Live,
    /// The output tail of the latest run.
    LatestRun,
    /// The output tail of the run chosen with `,` and `.`.
    SelectedRun,
}

impl LogSource {
    pub fn name(self) -> &'static str {
        match self {
            LogSource::Live => "live",
            LogSource::LatestRun => "latest-run",
            LogSource::SelectedRun => "selected-run",
        }
    }

    pub fn next(self) -> LogSource {
        match self {
            LogSource::Live => LogSource::LatestRun,
            LogSource::LatestRun => LogSource::SelectedRun,
            LogSource::SelectedRun => LogSource::Live,
        }
    }
}

/// Scroll position of a log view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scroll {
    /// Pinned to the newest line.
    #[default]
    Follow,
    /// The top visible line starts at this file offset (file sources) or index (run tails).
    At(u64),
}

/// A log view: what is loaded, which lines the layer keeps, where the view is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogView {
    pub window: LogWindow,
    pub layer: Layer,
    pub scroll: Scroll,
    /// Indexes of `window.lines` the layer keeps.
    pub kept: Vec<usize>,
}

/// The Multi Logs grid layouts, cycled with `m`.
pub const LAYOUTS: [(u16, u16); 10] = [
    (1, 1),
    (1, 2),
    (1, 3),
    (1, 4),
    (2, 2),
    (2, 3),
    (2, 4),
    (3, 3),
    (3, 4),
    (4, 4),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Multi {
    /// Index into [`LAYOUTS`].
    pub layout: usize,
    pub page: usize,
    pub layer: Layer,
}

impl Default for Multi {
    fn default() -> Self {
        Self {
            layout: 4,
            page: 0,
            layer: Layer::Raw,
        }
    }
}

/// Severity of a status-line message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Ok,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    pub text: String,
    pub kind: StatusKind,
    pub at: Timestamp,
}

/// How long a status message stays.
pub const STATUS_TTL_SECONDS: i64 = 5;

/// Defaults the wizard starts from (`loop_defaults.*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WizardDefaults {
    pub interval: String,
    pub prompt: String,
    pub prompt_msg: String,
}

/// The whole dashboard state.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub mode: Mode,
    pub tab: Tab,
    pub theme: ThemeName,
    pub monochrome: bool,
    pub zen: bool,
    pub expanded: bool,
    pub data: Snapshot,
    /// Whether a first snapshot arrived.
    pub loaded: bool,
    pub filter: Filter,
    /// Indexes into `data.loops` that pass the filter, in list order.
    pub visible: Vec<usize>,
    /// The selected loop, by id (kept across refreshes and filtering).
    pub selected: Option<String>,
    /// Pinned loop ids, in pin order.
    pub pins: Vec<String>,
    pub detail: Option<Detail>,
    /// The Logs tab (and expanded view).
    pub log: LogView,
    /// The Runs tab's output pane.
    pub run_output: LogView,
    /// Index into `detail.runs` of the chosen run (Runs tab, selected-run source).
    pub run_cursor: usize,
    pub log_source: LogSource,
    pub multi: Multi,
    /// Tails of the Multi Logs cells, by loop id.
    pub multi_tails: HashMap<String, LogWindow>,
    pub mail: Option<Mailbox>,
    pub status: Option<StatusLine>,
    /// The last refresh error, cleared by the next good refresh.
    pub error: Option<String>,
    /// Description of the operation in flight.
    pub action: Option<String>,
    pub wizard_defaults: WizardDefaults,
    /// Terminal size.
    pub width: u16,
    pub height: u16,
    /// The clock, advanced by ticks (fixed in tests).
    pub now: Timestamp,
    pub quit: bool,
}

impl State {
    pub fn new(theme: ThemeName, monochrome: bool, now: Timestamp) -> Self {
        Self {
            theme,
            monochrome,
            now,
            width: 80,
            height: 24,
            ..Self::default()
        }
    }

    /// Rows that pass the filter, in list order.
    pub fn visible_rows(&self) -> impl Iterator<Item = &LoopRow> {
        self.visible.iter().filter_map(|i| self.data.loops.get(*i))
    }

    pub fn selected_row(&self) -> Option<&LoopRow> {
        let id = self.selected.as_deref()?;
        self.data.loops.iter().find(|r| r.lp.id == id)
    }

    /// Position of the selection among the visible rows.
    pub fn selected_index(&self) -> Option<usize> {
        let id = self.selected.as_deref()?;
        self.visible_rows().position(|r| r.lp.id == id)
    }

    pub fn is_pinned(&self, id: &str) -> bool {
        self.pins.iter().any(|p| p == id)
    }

    /// The loops of the Multi Logs grid: pinned first (pin order), then the filtered order.
    pub fn multi_order(&self) -> Vec<&LoopRow> {
        let mut out: Vec<&LoopRow> = self
            .pins
            .iter()
            .filter_map(|id| self.data.loops.iter().find(|r| &r.lp.id == id))
            .collect();
        out.extend(self.visible_rows().filter(|r| !self.is_pinned(&r.lp.id)));
        out
    }

    pub fn running_count(&self) -> usize {
        self.data
            .loops
            .iter()
            .filter(|r| r.state() == LoopState::Running)
            .count()
    }

    /// The status message, unless it has expired.
    pub fn live_status(&self) -> Option<&StatusLine> {
        self.status
            .as_ref()
            .filter(|s| self.now.as_second() - s.at.as_second() < STATUS_TTL_SECONDS)
    }
}
