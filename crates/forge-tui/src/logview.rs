//! Log view arithmetic shared by update and draw: which lines the layer keeps, which line is at
//! the top of a viewport of a given height, and scrolling by lines.

use crate::layers::Layer;
use crate::model::LogWindow;
use crate::state::{LogView, Scroll};

impl LogView {
    /// Replaces the window, keeping the scroll position (an offset stays valid across windows).
    pub fn set_window(&mut self, window: LogWindow) {
        self.window = window;
        self.refilter();
    }

    pub fn set_layer(&mut self, layer: Layer) {
        self.layer = layer;
        self.refilter();
    }

    fn refilter(&mut self) {
        let layer = self.layer;
        self.kept = self
            .window
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| layer.keeps(&l.text))
            .map(|(i, _)| i)
            .collect();
    }

    fn offset_at(&self, pos: usize) -> u64 {
        self.kept
            .get(pos)
            .and_then(|i| self.window.lines.get(*i))
            .map_or(self.window.start, |l| l.offset)
    }

    /// Position (in `kept`) of the top line of a viewport `height` lines tall.
    pub fn top(&self, height: usize) -> usize {
        let bottom = self.kept.len().saturating_sub(height);
        match self.scroll {
            Scroll::Follow => bottom,
            Scroll::At(offset) => {
                let pos = self.kept.partition_point(|i| {
                    self.window.lines.get(*i).is_some_and(|l| l.offset < offset)
                });
                pos.min(bottom)
            }
        }
    }

    /// Scrolls by `delta` lines (negative = up). Reaching the bottom of a window that ends at
    /// the end of the file follows again.
    pub fn scroll_by(&mut self, height: usize, delta: isize) {
        let top = self.top(height) as isize;
        let bottom = self.kept.len().saturating_sub(height) as isize;
        let next = (top + delta).clamp(0, bottom.max(0));
        if next >= bottom && delta > 0 && self.window.at_end() {
            self.scroll = Scroll::Follow;
        } else {
            self.scroll = Scroll::At(self.offset_at(next as usize));
        }
    }

    /// The very start of the source.
    pub fn to_top(&mut self) {
        self.scroll = Scroll::At(0);
    }

    pub fn follow(&mut self) {
        self.scroll = Scroll::Follow;
    }

    /// `first..last` (1-based, inclusive) of the visible kept lines, and the kept count.
    pub fn range(&self, height: usize) -> (usize, usize, usize) {
        let top = self.top(height);
        let last = (top + height).min(self.kept.len());
        (top + usize::from(last > top), last, self.kept.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LogLine;

    fn view(n: usize) -> LogView {
        let lines = (0..n)
            .map(|i| LogLine {
                offset: i as u64 * 10,
                text: if i % 2 == 0 {
                    format!("error {i}")
                } else {
                    format!("ok {i}")
                },
            })
            .collect();
        let mut v = LogView::default();
        v.set_window(LogWindow {
            lines,
            start: 0,
            end: n as u64 * 10,
            file_len: n as u64 * 10,
            ..LogWindow::default()
        });
        v
    }

    #[test]
    fn scrolling_up_leaves_follow_and_down_returns_to_it() {
        let mut v = view(100);
        assert_eq!(v.top(10), 90);
        v.scroll_by(10, -25);
        assert_eq!(v.scroll, Scroll::At(650));
        assert_eq!(v.top(10), 65);
        assert_eq!(v.range(10), (66, 75, 100));
        v.scroll_by(10, 100);
        assert_eq!(v.scroll, Scroll::Follow);
        v.to_top();
        assert_eq!(v.top(10), 0);
        v.set_layer(Layer::Errors);
        assert_eq!(v.kept.len(), 50);
        assert_eq!(v.top(10), 0);
    }
}
