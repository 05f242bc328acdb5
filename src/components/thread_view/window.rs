//! Which rows of a long thread are in the DOM: those near the viewport, while
//! two spacers stand in for the rows above and below at their measured (or,
//! before they were ever shown, estimated) height.

use std::collections::HashMap;
use std::hash::Hash;

/// Threads up to this many rows are rendered whole.
pub const WINDOW_FROM_ROWS: usize = 60;
/// Most rows in the DOM at once, whatever the viewport (about 300 elements
/// for text messages with a product card among them).
pub const MAX_ROWS: usize = 40;
/// Rows kept rendered beyond each edge of the viewport (px), so that fast
/// scrolling and Tab reach rows that are already there.
pub const OVERSCAN_PX: f64 = 320.0;
/// Assumed viewport before the thread is laid out (px).
pub const INITIAL_VIEWPORT_PX: f64 = 600.0;
/// Height assumed for a row before any row was measured (px).
const DEFAULT_ROW_PX: f64 = 64.0;

/// The rows `start..end` are rendered, between spacers of `above_px` and `below_px`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Window {
    pub start: usize,
    pub end: usize,
    pub above_px: f64,
    pub below_px: f64,
}

impl Window {
    pub fn whole(len: usize) -> Window {
        Window { start: 0, end: len, above_px: 0.0, below_px: 0.0 }
    }

    /// The rows that overlap `[top, top + viewport]` (px from the first row's
    /// top), with an overscan on each side.
    pub fn around(heights: &[f64], top: f64, viewport: f64) -> Window {
        let len = heights.len();
        if len <= WINDOW_FROM_ROWS {
            return Window::whole(len);
        }
        let (from, to) = (top - OVERSCAN_PX, top + viewport.max(0.0) + OVERSCAN_PX);
        let (mut start, mut y) = (0, 0.0);
        while start < len - 1 && y + heights[start] <= from {
            y += heights[start];
            start += 1;
        }
        let above_px = y;
        let mut end = start;
        while end < len && (y < to || end == start) && end - start < MAX_ROWS {
            y += heights[end];
            end += 1;
        }
        if end == len {
            // Near the end: fill the viewport from the bottom instead.
            let tail = Window::tail(heights, viewport);
            if tail.start < start {
                return tail;
            }
        }
        let below_px = heights[end..].iter().sum();
        Window { start, end, above_px, below_px }
    }

    /// The newest rows, filling the viewport from the bottom.
    pub fn tail(heights: &[f64], viewport: f64) -> Window {
        let len = heights.len();
        if len <= WINDOW_FROM_ROWS {
            return Window::whole(len);
        }
        let (mut start, mut y) = (len, 0.0);
        while start > 0 && y < viewport.max(0.0) + OVERSCAN_PX && len - start < MAX_ROWS {
            start -= 1;
            y += heights[start];
        }
        Window { start, end: len, above_px: heights[..start].iter().sum(), below_px: 0.0 }
    }
}

/// Distance from the first row's top to row `index`'s top.
pub fn offset_of(heights: &[f64], index: usize) -> f64 {
    heights[..index.min(heights.len())].iter().sum()
}

/// Row heights (including the gap after each row) as they were last shown.
#[derive(Debug)]
pub struct RowHeights<K> {
    measured: HashMap<K, f64>,
    sum: f64,
}

impl<K> Default for RowHeights<K> {
    fn default() -> Self {
        RowHeights { measured: HashMap::new(), sum: 0.0 }
    }
}

impl<K: Hash + Eq> RowHeights<K> {
    pub fn record(&mut self, key: K, px: f64) {
        if px <= 0.0 || !px.is_finite() {
            return;
        }
        let old = self.measured.insert(key, px).unwrap_or(0.0);
        self.sum += px - old;
    }

    /// A row never shown is assumed to be as tall as the average shown one.
    pub fn estimate(&self) -> f64 {
        if self.measured.is_empty() {
            DEFAULT_ROW_PX
        } else {
            self.sum / self.measured.len() as f64
        }
    }

    pub fn of(&self, key: &K, estimate: f64) -> f64 {
        self.measured.get(key).copied().unwrap_or(estimate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_thread_is_rendered_whole() {
        let heights = vec![50.0; WINDOW_FROM_ROWS];
        assert_eq!(Window::around(&heights, 1_000.0, 100.0), Window::whole(WINDOW_FROM_ROWS));
        assert_eq!(Window::tail(&heights, 100.0), Window::whole(WINDOW_FROM_ROWS));
    }

    #[test]
    fn the_window_covers_the_viewport_and_spacers_the_rest() {
        let heights = vec![50.0; 10_000];
        let w = Window::around(&heights, 100_000.0, 600.0);
        let (first_shown, last_shown) = (100_000.0 / 50.0, 100_600.0 / 50.0);
        assert!(w.start as f64 <= first_shown && w.end as f64 >= last_shown, "{w:?}");
        assert!(w.end - w.start <= MAX_ROWS);
        assert_eq!(w.above_px, w.start as f64 * 50.0);
        assert_eq!(w.above_px + (w.end - w.start) as f64 * 50.0 + w.below_px, 500_000.0);
    }

    #[test]
    fn the_top_and_the_tail_hold_the_first_and_the_last_rows() {
        let heights = vec![50.0; 10_000];
        let top = Window::around(&heights, 0.0, 600.0);
        assert_eq!((top.start, top.above_px), (0, 0.0));
        let tail = Window::tail(&heights, 600.0);
        assert_eq!((tail.end, tail.below_px), (10_000, 0.0));
        assert!(tail.end - tail.start <= MAX_ROWS);
        // Scrolled past the end (the estimate was too high): still the last rows.
        let past = Window::around(&heights, 1e9, 600.0);
        assert_eq!(past.end, 10_000);
    }

    #[test]
    fn unmeasured_rows_take_the_average_measured_height() {
        let mut heights = RowHeights::default();
        assert_eq!(heights.estimate(), DEFAULT_ROW_PX);
        heights.record(1, 40.0);
        heights.record(2, 80.0);
        heights.record(2, 60.0);
        assert_eq!(heights.estimate(), 50.0);
        assert_eq!(heights.of(&2, heights.estimate()), 60.0);
        assert_eq!(heights.of(&3, heights.estimate()), 50.0);
    }
}
