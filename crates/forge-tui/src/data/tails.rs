//! Live windows of log files: the selected loop's log (followed, or anchored where the operator
//! scrolled) and the Multi Logs cells. Each poll costs one `stat` per file; bytes are read only
//! when the file changed or the view moved out of the loaded window.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use forge_harness::render::LogRenderer;

use super::logfile::{self, FileStat, RawWindow};
use crate::model::{LogLine, LogWindow};
use crate::state::Scroll;

/// Lines kept in a followed window (the scroll-back before another read is needed).
pub(crate) const TAIL_LINES: usize = 2000;
/// Lines kept per Multi Logs cell.
pub(crate) const CELL_LINES: usize = 120;
/// Bytes read on each side of an anchor when the view leaves the loaded window.
const AROUND_BYTES: u64 = 512 * 1024;
/// A window is re-read around the anchor when fewer lines than this remain above or below it.
const MARGIN_LINES: usize = 300;

/// What a renderer needs: profile name → harness, and the harness of the latest run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RenderInfo {
    pub(crate) harness_of: HashMap<String, String>,
    pub(crate) current: Option<String>,
}

impl RenderInfo {
    fn renderer(&self) -> LogRenderer {
        LogRenderer::new(self.harness_of.clone(), self.current.as_deref())
    }
}

/// One followed or anchored file.
pub(crate) struct Tail {
    path: PathBuf,
    raw: RawWindow,
    stat: Option<FileStat>,
    renderer: LogRenderer,
    info: RenderInfo,
    rendered: LogWindow,
    max_lines: usize,
    anchored: Option<u64>,
}

fn render_lines(renderer: &mut LogRenderer, raw: &[(u64, String)], out: &mut Vec<LogLine>) {
    for (offset, text) in raw {
        if let Some(shown) = renderer.render(text) {
            for piece in shown.split('\n') {
                out.push(LogLine {
                    offset: *offset,
                    text: piece.to_string(),
                });
            }
        }
    }
}

impl Tail {
    pub(crate) fn new(path: &Path, info: RenderInfo, max_lines: usize) -> Self {
        Self {
            path: path.to_path_buf(),
            raw: RawWindow::default(),
            stat: None,
            renderer: info.renderer(),
            info,
            rendered: LogWindow::default(),
            max_lines,
            anchored: None,
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn window(&self) -> &LogWindow {
        &self.rendered
    }

    /// Brings the window up to date for `scroll`; returns true when it changed.
    pub(crate) fn refresh(&mut self, scroll: Scroll, info: &RenderInfo) -> bool {
        if *info != self.info {
            self.info = info.clone();
            self.stat = None;
        }
        let stat = match logfile::stat(&self.path) {
            Ok(s) => s,
            Err(e) => return self.fail(e),
        };
        let changed = self.stat != Some(stat);
        let result = match scroll {
            Scroll::Follow if self.anchored.is_some() || self.stat.is_none() => self.reload_tail(),
            Scroll::Follow if changed => self.follow(stat),
            Scroll::Follow => return false,
            Scroll::At(offset) if self.needs_window(offset) => self.reload_around(offset),
            Scroll::At(_) if changed && self.raw.end >= self.raw.file_len => self.follow(stat),
            Scroll::At(_) => return false,
        };
        match result {
            Ok(()) => {
                self.stat = Some(stat);
                self.publish();
                true
            }
            Err(e) => self.fail(e),
        }
    }

    fn fail(&mut self, e: std::io::Error) -> bool {
        let problem = if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "No log yet: {} does not exist (the loop has not run).",
                self.path.display()
            )
        } else {
            format!("Cannot read {}: {e}", self.path.display())
        };
        let changed = self.rendered.problem.as_deref() != Some(problem.as_str());
        self.raw = RawWindow::default();
        self.stat = None;
        self.rendered = LogWindow {
            key: self.path.display().to_string(),
            problem: Some(problem),
            ..LogWindow::default()
        };
        changed
    }

    fn needs_window(&self, offset: u64) -> bool {
        if self.anchored.is_none() && self.raw.lines.is_empty() {
            return true;
        }
        let lines = &self.raw.lines;
        let pos = lines.partition_point(|l| l.0 < offset);
        let inside = offset >= self.raw.start
            && (offset < self.raw.end || self.raw.end >= self.raw.file_len);
        let short_above = pos < MARGIN_LINES && self.raw.start > 0;
        let short_below = lines.len() - pos < MARGIN_LINES && self.raw.end < self.raw.file_len;
        !inside || short_above || short_below
    }

    fn reload_tail(&mut self) -> std::io::Result<()> {
        self.raw = logfile::read_tail(&self.path, self.max_lines)?;
        self.anchored = None;
        self.render_all();
        Ok(())
    }

    fn reload_around(&mut self, offset: u64) -> std::io::Result<()> {
        self.raw = logfile::read_around(&self.path, offset, AROUND_BYTES, AROUND_BYTES)?;
        self.anchored = Some(offset);
        self.render_all();
        Ok(())
    }

    /// Appends what was written since the last read (rendering only the new lines), or re-reads
    /// the tail when the file was replaced, truncated or grew by more than one read.
    fn follow(&mut self, stat: FileStat) -> std::io::Result<()> {
        let same_file = self.raw.identity == stat.identity && stat.len >= self.raw.end;
        if !same_file {
            return self.reload_tail();
        }
        let Some((lines, end, _)) = logfile::read_appended(&self.path, self.raw.end)? else {
            return self.reload_tail();
        };
        render_lines(&mut self.renderer, &lines, &mut self.rendered.lines);
        self.raw.lines.extend(lines);
        self.raw.end = end;
        self.raw.file_len = stat.len;
        if self.anchored.is_none() {
            let drop = self.raw.lines.len().saturating_sub(self.max_lines);
            self.raw.lines.drain(..drop);
            self.raw.start = self.raw.lines.first().map_or(end, |l| l.0);
            let start = self.raw.start;
            let keep_from = self.rendered.lines.partition_point(|l| l.offset < start);
            self.rendered.lines.drain(..keep_from);
        }
        Ok(())
    }

    /// Renders the whole raw window with a fresh renderer (its parser state must start at the
    /// window's first line).
    fn render_all(&mut self) {
        self.renderer = self.info.renderer();
        self.rendered.lines.clear();
        render_lines(
            &mut self.renderer,
            &self.raw.lines,
            &mut self.rendered.lines,
        );
    }

    fn publish(&mut self) {
        self.rendered.key = self.path.display().to_string();
        self.rendered.start = self.raw.start;
        self.rendered.end = self.raw.end;
        self.rendered.file_len = self.raw.file_len;
        self.rendered.problem = None;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn follows_appends_and_anchors_far_back_without_reading_everything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.log");
        let text: String = (0..200_000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&path, &text).unwrap();
        let info = RenderInfo::default();
        let mut tail = Tail::new(&path, info.clone(), 100);
        assert!(tail.refresh(Scroll::Follow, &info));
        assert_eq!(tail.window().lines.len(), 100);
        assert_eq!(tail.window().lines[99].text, "line 199999");
        assert!(
            !tail.refresh(Scroll::Follow, &info),
            "unchanged file: no read"
        );
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        std::io::Write::write_all(&mut f, b"fresh\n").unwrap();
        assert!(tail.refresh(Scroll::Follow, &info));
        assert_eq!(tail.window().lines.last().unwrap().text, "fresh");
        assert_eq!(tail.window().lines.len(), 100);
        assert!(tail.refresh(Scroll::At(0), &info));
        assert_eq!(tail.window().lines[0].text, "line 0");
        assert!(tail.window().lines.len() < 100_000);
    }
}
