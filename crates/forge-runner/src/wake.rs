//! Waking a runner at once: a FIFO per loop (`<data_dir>/run/<loop-id>.wake`).
//!
//! The runner opens its FIFO read-write and non-blocking, so it never sees end-of-file and can
//! poll it alongside the harness pipes. The CLI writes one byte after queueing a control item;
//! if no runner has the FIFO open the write fails harmlessly. The runner also re-checks the
//! queue on a timer, so a lost wake-up only costs latency, never correctness.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;

use rustix::fs::{CWD, FileType, Mode, mknodat};

use crate::RunnerError;
use crate::paths::RunnerPaths;

/// The runner's end of its wake-up FIFO.
#[derive(Debug)]
pub(crate) struct WakeReceiver {
    fifo: File,
}

impl WakeReceiver {
    /// Creates (if needed) and opens the loop's FIFO.
    pub(crate) fn open(paths: &RunnerPaths, loop_id: &str) -> Result<Self, RunnerError> {
        let path = paths.wake_path(loop_id);
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent).map_err(|e| RunnerError::io(parent, e))?;
        }
        match mknodat(CWD, &path, FileType::Fifo, Mode::from_raw_mode(0o600), 0) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(e) => return Err(RunnerError::io(&path, e.into())),
        }
        let fifo = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc_nonblock())
            .open(&path)
            .map_err(|e| RunnerError::io(&path, e))?;
        Ok(Self { fifo })
    }

    /// The descriptor to poll.
    pub(crate) fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.fifo.as_fd()
    }

    /// Discards pending wake-up bytes.
    pub(crate) fn drain(&mut self) {
        let mut buf = [0u8; 256];
        while matches!(self.fifo.read(&mut buf), Ok(n) if n > 0) {}
    }
}

fn libc_nonblock() -> i32 {
    rustix::fs::OFlags::NONBLOCK.bits() as i32
}

/// Wakes the loop's runner if one is listening (best effort).
pub fn wake(paths: &RunnerPaths, loop_id: &str) {
    let path = paths.wake_path(loop_id);
    if let Ok(mut fifo) = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc_nonblock())
        .open(path)
    {
        let _ = fifo.write(&[1]);
    }
}
