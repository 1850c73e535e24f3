//! Scrolling a block of text whose length only drawing knows (it depends on the width the
//! text is wrapped to): the keys move a wanted top line, and drawing clamps it and records how
//! far it can go and how tall a page is, for the next key.

use crossterm::event::KeyCode;
use std::cell::Cell;

/// A scroll position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scroll {
    top: usize,
    // (furthest top line, page height) as last drawn; `None` before the first frame.
    drawn: Cell<Option<(usize, usize)>>,
}

impl Scroll {
    /// Applies a scrolling key — ↑/↓ one line, PgUp/PgDn a page, Home/End the ends — and
    /// returns whether it was one.
    pub fn key(&mut self, code: KeyCode) -> bool {
        let (most, page) = self.drawn.get().unwrap_or((usize::MAX, 1));
        let at = self.top.min(most);
        let step = page.saturating_sub(1).max(1);
        self.top = match code {
            KeyCode::Up => at.saturating_sub(1),
            KeyCode::Down => at.saturating_add(1).min(most),
            KeyCode::PageUp => at.saturating_sub(step),
            KeyCode::PageDown => at.saturating_add(step).min(most),
            KeyCode::Home => 0,
            KeyCode::End => most,
            _ => return false,
        };
        true
    }

    /// Back to the top (another row was selected).
    pub fn reset(&mut self) {
        self.top = 0;
    }

    /// The first line to draw of `total` lines in `height` rows; remembers the bounds for the
    /// keys.
    pub fn place(&self, total: usize, height: usize) -> usize {
        let most = total.saturating_sub(height);
        self.drawn.set(Some((most, height)));
        self.top.min(most)
    }

    /// Whether lines are hidden above or below, as drawn last: (above, below).
    pub fn more(&self) -> (bool, bool) {
        match self.drawn.get() {
            Some((most, _)) => (self.top.min(most) > 0, self.top < most),
            None => (false, false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_move_within_what_was_drawn() {
        let mut s = Scroll::default();
        assert_eq!(s.place(100, 10), 0);
        assert!(s.key(KeyCode::End));
        assert_eq!(s.place(100, 10), 90);
        assert!(s.key(KeyCode::Down));
        assert_eq!(s.place(100, 10), 90, "no further than the last page");
        s.key(KeyCode::PageUp);
        assert_eq!(s.place(100, 10), 81);
        s.key(KeyCode::Up);
        assert_eq!(s.place(100, 10), 80);
        s.key(KeyCode::Home);
        assert_eq!(s.place(100, 10), 0);
        assert!(!s.key(KeyCode::Enter));
        // Text shorter than the pane does not scroll.
        s.key(KeyCode::Down);
        assert_eq!(s.place(5, 10), 0);
        assert_eq!(s.more(), (false, false));
    }
}
