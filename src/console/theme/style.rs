//! How one role is drawn (its own module so the theme file parser can use it without the
//! theme loader).

use super::color::Color;

/// How one role is drawn: colours (unset means the terminal's own) and modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Style {
    /// Foreground colour; `None` is the terminal's own.
    pub fg: Option<Color>,
    /// Background colour; `None` is the terminal's own.
    pub bg: Option<Color>,
    /// Bold text.
    pub bold: bool,
    /// Italic text.
    pub italic: bool,
    /// Underlined text.
    pub underline: bool,
    /// Foreground and background swapped.
    pub reverse: bool,
    /// Faint text.
    pub dim: bool,
}

impl Style {
    /// The same modifiers without any colour.
    pub fn without_colors(self) -> Style {
        Style {
            fg: None,
            bg: None,
            ..self
        }
    }
}
