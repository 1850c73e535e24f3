//! The text-editing core, written once: every text field, the filter box and the command
//! palette edit through it.
//!
//! Positions are byte offsets on grapheme boundaries, so the cursor never splits an `é`
//! written as `e` + accent or an emoji sequence; widths are display columns measured per
//! grapheme as ratatui draws them (`unicode-width`), so CJK and most emoji take two.
//!
//! Keys: ←/→ one grapheme; Home/End and Ctrl-a/Ctrl-e the ends; Ctrl-←/Ctrl-→ and Alt-b/Alt-f
//! one word; Backspace/Delete one grapheme; Ctrl-w (and Alt-Backspace) the word before the
//! cursor; Ctrl-u to the start; Ctrl-k to the end. A word is a run of letters, digits and `_`:
//! `/`, `.`, `-` and spaces separate words, so in a path or a host name a word is one part.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::cell::Cell;
use std::ops::Range;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// What a key did to the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text changed.
    Changed,
    /// Only the cursor moved (or the key was an editing key that had nothing to do).
    Moved,
    /// Not an editing key.
    Unused,
}

/// Why pasted text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasteError {
    /// Several lines for a one-line field.
    #[error("paste refused: the text has {0} lines and the field takes one")]
    Lines(usize),
    /// Something other than digits for a number field.
    #[error("paste refused: the field takes digits only")]
    NotDigits,
}

/// Pasted text made fit for a one-line field: line breaks around it go (a copied line
/// usually ends with one), other control characters (tabs, escapes) are dropped, and text of
/// several lines is refused rather than joined into something the operator did not copy.
pub(crate) fn clean_paste(raw: &str) -> Result<String, PasteError> {
    let text = raw.trim_matches(['\r', '\n']);
    if text.contains(['\r', '\n']) {
        return Err(PasteError::Lines(text.lines().count()));
    }
    Ok(text.chars().filter(|c| !c.is_control()).collect())
}

/// A line of text being edited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    text: String,
    cursor: usize,
    selection: Option<Range<usize>>,
    // The first column shown. It lives here because only drawing knows the width, and keeping
    // it between frames lets the cursor move inside the view without the text sliding.
    scroll: Cell<usize>,
}

/// What a field of `room` columns shows of an [`Input`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The visible text in runs, each flagged when it is selected.
    pub parts: Vec<(String, bool)>,
    /// The cursor's column inside the view.
    pub cursor: usize,
}

fn is_word(grapheme: &str) -> bool {
    grapheme
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

impl Input {
    /// `text` with the cursor at its end.
    pub fn new(text: &str) -> Input {
        let mut i = Input::default();
        i.set(text);
        i
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Replaces the text; the cursor goes to the end.
    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = self.text.len();
        self.selection = None;
    }

    /// The cursor as a byte offset.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Columns before the cursor, as the text is drawn.
    pub fn cursor_column(&self) -> usize {
        self.text[..self.cursor]
            .graphemes(true)
            .map(|g| drawn(g, None).1)
            .sum()
    }

    /// Selects bytes `range` (snapped to the text) with the cursor at its start: the next
    /// typed or pasted text replaces it (a prefilled placeholder such as `host`).
    pub fn select(&mut self, range: Range<usize>) {
        let end = range.end.min(self.text.len());
        let start = range.start.min(end);
        if self.text.is_char_boundary(start) && self.text.is_char_boundary(end) {
            self.cursor = start;
            self.selection = (start < end).then_some(start..end);
        }
    }

    /// The selected byte range, if any; the next typed or pasted text replaces it.
    pub fn selection(&self) -> Option<Range<usize>> {
        self.selection.clone()
    }

    /// Inserts `s` at the cursor, replacing the selection.
    pub fn insert(&mut self, s: &str) {
        if let Some(r) = self.selection.take() {
            self.text.replace_range(r.clone(), "");
            self.cursor = r.start;
        }
        self.text.insert_str(self.cursor, s);
        self.cursor += s.len();
    }

    /// Inserts pasted text at the cursor after [`clean_paste`]; returns whether it changed
    /// the text.
    pub fn paste(&mut self, raw: &str) -> Result<bool, PasteError> {
        let text = clean_paste(raw)?;
        if text.is_empty() {
            return Ok(false);
        }
        self.insert(&text);
        Ok(true)
    }

    fn prev(&self, at: usize) -> usize {
        self.text[..at]
            .grapheme_indices(true)
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    fn next(&self, at: usize) -> usize {
        self.text[at..]
            .graphemes(true)
            .next()
            .map_or(at, |g| at + g.len())
    }

    fn word_start(&self, at: usize) -> usize {
        let mut gs = self.text[..at].grapheme_indices(true).rev().peekable();
        let mut pos = at;
        while let Some((i, _)) = gs.next_if(|(_, g)| !is_word(g)) {
            pos = i;
        }
        while let Some((i, _)) = gs.next_if(|(_, g)| is_word(g)) {
            pos = i;
        }
        pos
    }

    fn word_end(&self, at: usize) -> usize {
        let mut gs = self.text[at..].graphemes(true).peekable();
        let mut pos = at;
        while let Some(g) = gs.next_if(|g| !is_word(g)) {
            pos += g.len();
        }
        while let Some(g) = gs.next_if(|g| is_word(g)) {
            pos += g.len();
        }
        pos
    }

    /// Deletes bytes `range` (or the selection, when there is one).
    fn delete(&mut self, range: Range<usize>) -> Edit {
        let range = self.selection.take().unwrap_or(range);
        if range.is_empty() {
            return Edit::Moved;
        }
        self.text.replace_range(range.clone(), "");
        self.cursor = range.start;
        Edit::Changed
    }

    fn to(&mut self, at: usize) -> Edit {
        self.cursor = at;
        Edit::Moved
    }

    /// Applies an editing key (see the module doc).
    pub fn handle(&mut self, key: &KeyEvent) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let (at, end) = (self.cursor, self.text.len());
        let edit = match key.code {
            // Ctrl+Alt together is AltGr on Windows keyboards: a character, not a command.
            KeyCode::Char(c) if ctrl == alt && !c.is_control() => {
                self.insert(c.encode_utf8(&mut [0; 4]));
                return Edit::Changed;
            }
            KeyCode::Char('a') if ctrl => self.to(0),
            KeyCode::Char('e') if ctrl => self.to(end),
            KeyCode::Char('b') if alt => self.to(self.word_start(at)),
            KeyCode::Char('f') if alt => self.to(self.word_end(at)),
            KeyCode::Char('w') if ctrl => self.delete(self.word_start(at)..at),
            KeyCode::Char('u') if ctrl => self.delete(0..at),
            KeyCode::Char('k') if ctrl => self.delete(at..end),
            KeyCode::Home => self.to(0),
            KeyCode::End => self.to(end),
            KeyCode::Left if ctrl || alt => self.to(self.word_start(at)),
            KeyCode::Right if ctrl || alt => self.to(self.word_end(at)),
            KeyCode::Left => self.to(self.prev(at)),
            KeyCode::Right => self.to(self.next(at)),
            KeyCode::Backspace if alt || ctrl => self.delete(self.word_start(at)..at),
            KeyCode::Backspace => self.delete(self.prev(at)..at),
            KeyCode::Delete => self.delete(at..self.next(at)),
            _ => return Edit::Unused,
        };
        // Any editing key other than typing ends the placeholder's selection.
        self.selection = None;
        edit
    }

    /// The first `room` columns of the text: how a field shows it while it is not edited.
    pub fn head(&self, room: usize, mask: Option<char>) -> String {
        let mut out = String::new();
        let mut used = 0;
        for g in self.text.graphemes(true) {
            let (piece, w) = drawn(g, mask);
            if used + w > room {
                break;
            }
            used += w;
            out.push_str(&piece);
        }
        out
    }

    /// What `room` columns show: the view scrolls only as far as needed to keep the cursor
    /// (and one free column after the text, where the cursor sits at the end) visible.
    /// `mask` draws every grapheme as that one-column character (passwords).
    pub fn view(&self, room: usize, mask: Option<char>) -> View {
        let room = room.max(1);
        // (start byte, end byte, width) of each grapheme.
        let cells: Vec<(usize, usize, usize)> = self
            .text
            .grapheme_indices(true)
            .map(|(i, g)| (i, i + g.len(), drawn(g, mask).1))
            .collect();
        let col_of = |byte: usize| -> usize {
            cells
                .iter()
                .take_while(|(s, _, _)| *s < byte)
                .map(|(_, _, w)| w)
                .sum()
        };
        let cursor = col_of(self.cursor);
        let total: usize = cells.iter().map(|(_, _, w)| w).sum();
        let mut start = self.scroll.get().min(cursor);
        if cursor + 1 > start + room {
            start = cursor + 1 - room;
        }
        // Never leave columns empty on the right while text is hidden on the left.
        start = start.min((total + 1).saturating_sub(room));
        // A wide grapheme cut by the left edge is not drawn: start after it.
        let mut col = 0;
        let mut shown = Vec::new();
        for &(s, e, w) in &cells {
            if col >= start && col + w <= start + room {
                shown.push((s, e));
            } else if col < start && col + w > start {
                start = col + w;
            }
            col += w;
        }
        self.scroll.set(start);
        let mut parts: Vec<(String, bool)> = Vec::new();
        for (s, e) in shown {
            let selected = self
                .selection
                .as_ref()
                .is_some_and(|r| r.start <= s && e <= r.end);
            let piece = drawn(&self.text[s..e], mask).0;
            match parts.last_mut() {
                Some((text, sel)) if *sel == selected => text.push_str(&piece),
                _ => parts.push((piece, selected)),
            }
        }
        View {
            parts,
            cursor: cursor - start,
        }
    }
}

/// How one grapheme is drawn and its columns: `mask` for a password, else the grapheme made
/// safe for the terminal (a pasted or loaded ESC shows as `\u{1b}`, whose width it then takes;
/// the text itself keeps the real character).
fn drawn(g: &str, mask: Option<char>) -> (String, usize) {
    match mask {
        Some(m) => (m.to_string(), 1),
        None => {
            let piece = crate::display::terminal_safe(g);
            let w = piece.width();
            (piece.into_owned(), w)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::CONTROL)
    }

    fn alt(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::ALT)
    }

    /// The text with `|` at the cursor.
    fn shown(i: &Input) -> String {
        let mut s = i.text().to_string();
        s.insert(i.cursor(), '|');
        s
    }

    fn at(text: &str) -> Input {
        let (a, b) = text.split_once('|').expect("a cursor mark");
        let mut i = Input::new(&format!("{a}{b}"));
        i.cursor = a.len();
        i
    }

    fn after(start: &str, keys: &[KeyEvent]) -> String {
        let mut i = at(start);
        for k in keys {
            i.handle(k);
        }
        shown(&i)
    }

    #[test]
    fn typing_inserts_at_the_cursor() {
        let mut i = at("cdp|.contoso.com");
        assert_eq!(i.handle(&key(KeyCode::Char('1'))), Edit::Changed);
        let shifted = KeyEvent::new(KeyCode::Char('X'), KeyModifiers::SHIFT);
        assert_eq!(i.handle(&shifted), Edit::Changed);
        assert_eq!(shown(&i), "cdp1X|.contoso.com");
        assert_eq!(i.handle(&ctrl(KeyCode::Char('x'))), Edit::Unused);
        assert_eq!(i.handle(&key(KeyCode::Tab)), Edit::Unused);
    }

    #[test]
    fn arrows_home_and_end_move_the_cursor() {
        assert_eq!(after("ab|c", &[key(KeyCode::Left)]), "a|bc");
        assert_eq!(after("ab|c", &[key(KeyCode::Right)]), "abc|");
        assert_eq!(after("abc|", &[key(KeyCode::Right)]), "abc|");
        assert_eq!(after("|abc", &[key(KeyCode::Left)]), "|abc");
        assert_eq!(after("ab|c", &[key(KeyCode::Home)]), "|abc");
        assert_eq!(after("a|bc", &[key(KeyCode::End)]), "abc|");
        assert_eq!(after("ab|c", &[ctrl(KeyCode::Char('a'))]), "|abc");
        assert_eq!(after("a|bc", &[ctrl(KeyCode::Char('e'))]), "abc|");
        let mut i = at("ab|c");
        assert_eq!(i.handle(&key(KeyCode::Left)), Edit::Moved);
    }

    #[test]
    fn word_jumps_stop_at_path_and_name_parts() {
        let path = "/home/op/certs/cdp1.pfx|";
        assert_eq!(
            after(path, &[ctrl(KeyCode::Left)]),
            "/home/op/certs/cdp1.|pfx"
        );
        assert_eq!(
            after(path, &[alt(KeyCode::Char('b')), alt(KeyCode::Char('b'))]),
            "/home/op/certs/|cdp1.pfx"
        );
        assert_eq!(after("|/home/op", &[ctrl(KeyCode::Right)]), "/home|/op");
        assert_eq!(after("/home|/op", &[alt(KeyCode::Char('f'))]), "/home/op|");
        assert_eq!(after("a  |", &[ctrl(KeyCode::Left)]), "|a  ");
        assert_eq!(
            after("|", &[ctrl(KeyCode::Left), ctrl(KeyCode::Right)]),
            "|"
        );
    }

    #[test]
    fn deleting_keys() {
        assert_eq!(after("ab|c", &[key(KeyCode::Backspace)]), "a|c");
        assert_eq!(after("|abc", &[key(KeyCode::Backspace)]), "|abc");
        assert_eq!(after("a|bc", &[key(KeyCode::Delete)]), "a|c");
        assert_eq!(after("abc|", &[key(KeyCode::Delete)]), "abc|");
        assert_eq!(
            after("proxy.contoso.com|", &[ctrl(KeyCode::Char('w'))]),
            "proxy.contoso.|"
        );
        assert_eq!(
            after("CONTOSO\\svc |x", &[ctrl(KeyCode::Char('w'))]),
            "CONTOSO\\|x"
        );
        assert_eq!(after("one two|", &[alt(KeyCode::Backspace)]), "one |");
        assert_eq!(after("abc|def", &[ctrl(KeyCode::Char('u'))]), "|def");
        assert_eq!(after("abc|def", &[ctrl(KeyCode::Char('k'))]), "abc|");
        let mut i = at("|abc");
        assert_eq!(i.handle(&ctrl(KeyCode::Char('u'))), Edit::Moved);
    }

    #[test]
    fn graphemes_are_never_split() {
        // "é" as e + combining acute, a family emoji (one grapheme of five chars), CJK.
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
        let text = format!("e\u{301}{family}東京|");
        let mut i = at(&text);
        i.handle(&key(KeyCode::Left));
        i.handle(&key(KeyCode::Left));
        assert_eq!(shown(&i), format!("e\u{301}{family}|東京"));
        i.handle(&key(KeyCode::Backspace));
        assert_eq!(shown(&i), "e\u{301}|東京");
        i.handle(&key(KeyCode::Left));
        assert_eq!(i.cursor(), 0);
        i.handle(&key(KeyCode::Delete));
        assert_eq!(shown(&i), "|東京");
    }

    #[test]
    fn the_cursor_column_counts_display_width() {
        // CJK and emoji are two columns wide; the combining accent none.
        let mut i = at("東京|x");
        assert_eq!(i.cursor_column(), 4);
        i.set("e\u{301}\u{1F600}");
        assert_eq!(i.cursor_column(), 3);
        assert_eq!(i.view(10, None).cursor, 3);
        assert_eq!(i.view(10, Some('•')).cursor, 2, "masked: one column each");
    }

    #[test]
    fn the_view_scrolls_by_display_width_and_keeps_the_cursor_in_it() {
        let mut i = Input::new("東京都千代田区");
        // 14 columns of text and the cursor after them do not fit 8: the tail shows, and
        // 千, cut by the left edge, is left out.
        let v = i.view(8, None);
        assert_eq!(v.parts, vec![("代田区".to_string(), false)]);
        assert_eq!(v.cursor, 6);
        // Moving left inside the view does not scroll it.
        i.handle(&key(KeyCode::Left));
        assert_eq!(i.view(8, None).parts[0].0, "代田区");
        assert_eq!(i.view(8, None).cursor, 4);
        // Home scrolls back to the start.
        i.handle(&key(KeyCode::Home));
        let v = i.view(8, None);
        assert_eq!((v.parts[0].0.as_str(), v.cursor), ("東京都千", 0));
        // A wide grapheme cut by the left edge is left out rather than drawn in half.
        let mut i = Input::new("a東京");
        let v = i.view(4, None);
        assert_eq!((v.parts[0].0.as_str(), v.cursor), ("京", 2));
        i.handle(&key(KeyCode::Home));
        assert_eq!(i.view(4, None).parts[0].0, "a東");
    }

    #[test]
    fn a_selection_is_shown_and_replaced_by_typing_or_paste() {
        let mut i = Input::new("host.contoso.com");
        i.select(0..4);
        let v = i.view(30, None);
        assert_eq!(
            v.parts,
            vec![
                ("host".to_string(), true),
                (".contoso.com".to_string(), false)
            ]
        );
        assert_eq!(v.cursor, 0);
        for c in "dp1".chars() {
            i.handle(&key(KeyCode::Char(c)));
        }
        assert_eq!(shown(&i), "dp1|.contoso.com");
        let mut i = Input::new("host.contoso.com");
        i.select(0..4);
        assert_eq!(i.paste("cdp7\n"), Ok(true));
        assert_eq!(i.text(), "cdp7.contoso.com");
        // Moving ends the selection; the text stays.
        let mut i = Input::new("host.contoso.com");
        i.select(0..4);
        i.handle(&key(KeyCode::End));
        assert!(i.selection().is_none());
        i.handle(&key(KeyCode::Char('.')));
        assert_eq!(i.text(), "host.contoso.com.");
        // Backspace removes it whole.
        let mut i = Input::new("host.contoso.com");
        i.select(0..4);
        i.handle(&key(KeyCode::Backspace));
        assert_eq!(shown(&i), "|.contoso.com");
    }

    #[test]
    fn paste_inserts_at_the_cursor_without_line_breaks_or_control_characters() {
        let mut i = at("cdp|.com");
        assert_eq!(i.paste("1.contoso\r\n"), Ok(true));
        assert_eq!(shown(&i), "cdp1.contoso|.com");
        assert_eq!(i.paste("\n"), Ok(false));
        assert_eq!(clean_paste("a\tb\u{1b}[31m"), Ok("ab[31m".to_string()));
        assert_eq!(clean_paste("one\ntwo\n"), Err(PasteError::Lines(2)));
        assert_eq!(i.paste("x\ny"), Err(PasteError::Lines(2)));
        assert_eq!(
            shown(&i),
            "cdp1.contoso|.com",
            "a refused paste changes nothing"
        );
    }
}
