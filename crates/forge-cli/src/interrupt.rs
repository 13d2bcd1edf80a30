//! Ctrl-C (SIGINT) and SIGTERM end the streaming commands (`fmail watch`, `fmail log -f`,
//! `forge logs -f`, `forge events --follow`) cleanly with exit 0, as in the reference.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often a streaming command checks for an interrupt while waiting.
const CHECK_EVERY: Duration = Duration::from_millis(100);

/// Set once SIGINT or SIGTERM arrives.
#[derive(Clone)]
pub(crate) struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Installs the handlers; if that fails the signals keep their default (terminating) action.
    pub(crate) fn install() -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let _ = signal_hook::flag::register(signal, Arc::clone(&flag));
        }
        Self(flag)
    }

    /// Installs the handlers, failing when one cannot be installed.
    pub(crate) fn try_install() -> std::io::Result<Self> {
        let flag = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register(signal, Arc::clone(&flag))?;
        }
        Ok(Self(flag))
    }

    /// True once a signal arrived.
    pub(crate) fn raised(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// The next wake-up: `deadline`, but no later than one check interval from now.
    pub(crate) fn slice(deadline: Option<Instant>) -> Instant {
        let check = Instant::now() + CHECK_EVERY;
        deadline.map_or(check, |d| d.min(check))
    }
}
