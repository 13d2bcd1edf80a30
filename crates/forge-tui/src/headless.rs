//! The dashboard without a terminal, for benchmarks and other crates' tests: frames are drawn
//! into an in-memory buffer, and the real event loop can run against it.

use std::sync::mpsc::{Receiver, Sender};
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::action::{Action, Job};
use crate::data::Wants;
use crate::runtime::{Event, TuiError, draw_error, event_loop};
use crate::state::State;

/// An in-memory screen.
pub struct Headless {
    terminal: Terminal<TestBackend>,
}

impl Headless {
    pub fn new(width: u16, height: u16) -> Result<Self, TuiError> {
        Ok(Self {
            terminal: Terminal::new(TestBackend::new(width, height)).map_err(draw_error)?,
        })
    }

    /// Draws one frame of `state`.
    pub fn draw(&mut self, state: &State) -> Result<(), TuiError> {
        self.terminal
            .draw(|f| crate::draw::draw(state, f))
            .map_err(draw_error)?;
        Ok(())
    }

    /// Runs the event loop on this screen (see [`event_loop`]).
    pub fn run(
        &mut self,
        state: &mut State,
        rx: &Receiver<Event>,
        wants_tx: &Sender<Wants>,
        jobs_tx: &Sender<Job>,
        on_frame: impl FnMut(Instant),
    ) -> Result<(), TuiError> {
        event_loop(&mut self.terminal, state, rx, wants_tx, jobs_tx, on_frame)
    }
}

/// The action of pressing a character key.
pub fn char_key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}
