//! The data layer: what the screen needs ([`Wants`], derived from the state) and the
//! [`Loader`] that reads it from the store, the log files and the mailbox, off the input path.
//!
//! Each poll is cheap when nothing changed: two `stat`s of the database files (the store's
//! [`forge_store::ChangeStamp`]) and one per followed log. The store is re-read only when its
//! files changed (and at most once per refresh interval), a log only when its size or identity
//! changed or the view left the loaded window, the mailbox once a second while the Mail tab
//! shows.

pub(crate) mod logfile;
mod mailbox;
mod snapshot;
pub(crate) mod tails;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use forge_core::slug::slugify;
use forge_store::{ChangeStamp, Store};

pub use snapshot::RUN_HISTORY;

use crate::action::DataEvent;
use crate::model::{LoopRow, Snapshot};
use crate::state::{LogSource, Scroll, State, Tab};
use tails::{CELL_LINES, RenderInfo, TAIL_LINES, Tail};

/// What the current screen shows, i.e. what the loader must keep fresh.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wants {
    pub selected: Option<String>,
    /// The selected loop's log file and where its view is, when a live log is visible.
    pub log: Option<Scroll>,
    /// Loops of the visible Multi Logs page.
    pub multi: Vec<String>,
    /// Whether the Mail tab shows.
    pub mail: bool,
}

/// Derives the wants of a state.
pub fn wants(state: &State) -> Wants {
    let log_visible = state.log_source == LogSource::Live
        && (state.tab == Tab::Logs || (state.expanded && state.tab != Tab::Runs));
    Wants {
        selected: state.selected.clone(),
        log: log_visible.then_some(state.log.scroll),
        multi: if state.tab == Tab::MultiLogs && !state.expanded {
            crate::draw::multi::page_ids(state)
        } else {
            Vec::new()
        },
        mail: state.tab == Tab::Mail,
    }
}

/// Where the loader reads from.
#[derive(Debug, Clone)]
pub struct LoaderConfig {
    pub db_path: PathBuf,
    /// For loops without a recorded log path: `<data_dir>/logs/loops/<slug>.log`.
    pub data_dir: PathBuf,
    pub busy_timeout_ms: u64,
    /// The most often the store is re-read while it keeps changing.
    pub refresh_interval: Duration,
}

/// The log file of a loop.
pub fn log_path(data_dir: &Path, row: &LoopRow) -> PathBuf {
    match row.lp.log_path.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => data_dir
            .join("logs")
            .join("loops")
            .join(format!("{}.log", slugify(&row.lp.name, &row.lp.id))),
    }
}

/// Reads what the screen wants; owned by the loader thread (or a test).
pub struct Loader {
    cfg: LoaderConfig,
    store: Option<Store>,
    stamp: Option<ChangeStamp>,
    loaded_at: Option<Instant>,
    snapshot: Snapshot,
    last: Wants,
    log: Option<Tail>,
    cells: HashMap<String, Tail>,
    mail: mailbox::MailPoller,
    usage: snapshot::UsageCache,
}

impl Loader {
    pub fn new(cfg: LoaderConfig) -> Self {
        Self {
            cfg,
            store: None,
            stamp: None,
            loaded_at: None,
            snapshot: Snapshot::default(),
            last: Wants::default(),
            log: None,
            cells: HashMap::new(),
            mail: mailbox::MailPoller::default(),
            usage: snapshot::UsageCache::default(),
        }
    }

    /// One poll: returns what changed since the last one.
    pub fn poll(&mut self, wants: &Wants) -> Vec<DataEvent> {
        let mut events = Vec::new();
        self.poll_into(wants, &mut |e| events.push(e));
        events
    }

    /// One poll, handing each change to `sink` as soon as it is read (the loop list shows
    /// before the logs are read).
    pub fn poll_into(&mut self, wants: &Wants, sink: &mut dyn FnMut(DataEvent)) {
        let selection_changed = wants.selected != self.last.selected;
        match self.poll_store(wants, selection_changed, sink) {
            Ok(()) => {}
            Err(e) => {
                self.store = None;
                self.stamp = None;
                sink(DataEvent::Error(format!(
                    "cannot read the store {}: {e}",
                    self.cfg.db_path.display()
                )));
            }
        }
        if let Some(event) = self.poll_log(wants) {
            sink(event);
        }
        if let Some(event) = self.poll_cells(wants) {
            sink(event);
        }
        let repo = self
            .row(wants.selected.as_deref())
            .map(|r| r.lp.repo_path.clone());
        if let Some(event) = self.mail.poll(wants.mail, repo.as_deref()) {
            sink(event);
        }
        self.last = wants.clone();
    }

    fn row(&self, id: Option<&str>) -> Option<&LoopRow> {
        let id = id?;
        self.snapshot.loops.iter().find(|r| r.lp.id == id)
    }

    fn poll_store(
        &mut self,
        wants: &Wants,
        selection_changed: bool,
        sink: &mut dyn FnMut(DataEvent),
    ) -> forge_store::Result<()> {
        if self.store.is_none() {
            self.store = Some(Store::open(&self.cfg.db_path, self.cfg.busy_timeout_ms)?);
        }
        let Some(store) = &self.store else {
            return Ok(());
        };
        let now = ChangeStamp::of(&self.cfg.db_path);
        let unchanged = self
            .stamp
            .as_ref()
            .is_some_and(|before| before.settled() && before.same_files(&now));
        let too_soon = self
            .loaded_at
            .is_some_and(|at| at.elapsed() < self.cfg.refresh_interval);
        let reload = self.stamp.is_none() || (!unchanged && !too_soon);
        if reload {
            self.stamp = Some(now);
            self.loaded_at = Some(Instant::now());
            self.snapshot = snapshot::load_snapshot(store)?;
            if self.usage.is_empty() {
                // First load: the list now, the (slow on a big store) usage sums right after.
                sink(DataEvent::Snapshot(self.snapshot.clone()));
            }
            self.usage.fill(store, &mut self.snapshot)?;
            sink(DataEvent::Snapshot(self.snapshot.clone()));
        }
        if (reload || selection_changed)
            && let Some(id) = &wants.selected
        {
            sink(DataEvent::Detail(snapshot::load_detail(store, id)?));
        }
        Ok(())
    }

    fn render_info(&self, row: &LoopRow) -> RenderInfo {
        RenderInfo {
            harness_of: self
                .snapshot
                .profiles
                .iter()
                .map(|p| (p.name.clone(), p.harness.clone()))
                .collect(),
            current: row.harness.clone(),
        }
    }

    fn poll_log(&mut self, wants: &Wants) -> Option<DataEvent> {
        let scroll = wants.log?;
        let row = self.row(wants.selected.as_deref())?;
        let path = log_path(&self.cfg.data_dir, row);
        let info = self.render_info(row);
        let fresh = self.log.as_ref().is_none_or(|t| t.path() != path);
        if fresh {
            self.log = Some(Tail::new(&path, info.clone(), TAIL_LINES));
        }
        let tail = self.log.as_mut()?;
        let changed = tail.refresh(scroll, &info);
        (changed || fresh || self.last.log != wants.log || self.last.selected != wants.selected)
            .then(|| DataEvent::Log(tail.window().clone()))
    }

    fn poll_cells(&mut self, wants: &Wants) -> Option<DataEvent> {
        if wants.multi.is_empty() {
            self.cells.clear();
            return None;
        }
        self.cells.retain(|id, _| wants.multi.contains(id));
        let mut changed = self.last.multi != wants.multi;
        for id in &wants.multi {
            let Some(row) = self.row(Some(id)) else {
                continue;
            };
            let path = log_path(&self.cfg.data_dir, row);
            let info = self.render_info(row);
            let tail = self
                .cells
                .entry(id.clone())
                .or_insert_with(|| Tail::new(&path, info.clone(), CELL_LINES));
            changed |= tail.refresh(Scroll::Follow, &info);
        }
        changed.then(|| {
            DataEvent::Multi(
                self.cells
                    .iter()
                    .map(|(id, t)| (id.clone(), t.window().clone()))
                    .collect(),
            )
        })
    }
}
