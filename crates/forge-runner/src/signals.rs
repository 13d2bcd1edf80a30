//! Termination signals (SIGTERM, SIGINT, SIGHUP) delivered to the runner as a pollable pipe.

use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

use forge_core::supervise::Sig;

use crate::RunnerError;

/// Installed handlers for the runner's termination signals.
#[derive(Debug)]
pub(crate) struct Signals {
    read: UnixStream,
    last: Arc<AtomicUsize>,
}

impl Signals {
    pub(crate) fn install() -> Result<Self, RunnerError> {
        let (read, write) =
            UnixStream::pair().map_err(|e| RunnerError::Other(format!("signal pipe: {e}")))?;
        read.set_nonblocking(true)
            .map_err(|e| RunnerError::Other(format!("signal pipe: {e}")))?;
        let last = Arc::new(AtomicUsize::new(0));
        for sig in [SIGTERM, SIGINT, SIGHUP] {
            let writer = write
                .try_clone()
                .map_err(|e| RunnerError::Other(format!("signal pipe: {e}")))?;
            signal_hook::low_level::pipe::register(sig, writer)
                .map_err(|e| RunnerError::Other(format!("signal handler: {e}")))?;
            signal_hook::flag::register_usize(sig, Arc::clone(&last), sig as usize)
                .map_err(|e| RunnerError::Other(format!("signal handler: {e}")))?;
        }
        Ok(Self { read, last })
    }

    /// The descriptor to poll.
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }

    /// The signal received, if any (sticky).
    pub(crate) fn received(&mut self) -> Option<Sig> {
        let mut buf = [0u8; 64];
        while matches!(self.read.read(&mut buf), Ok(n) if n > 0) {}
        match self.last.load(Ordering::SeqCst) {
            0 => None,
            sig => Some(Sig::from_number(sig as i32).unwrap_or(Sig::Term)),
        }
    }
}
