//! Colours a theme may name: reset, the 16 ANSI colours, `#rrggbb` and the 256-colour index.

use std::fmt;
use std::str::FromStr;

/// A terminal colour, independent of any terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Color {
    /// The terminal's own default colour.
    Reset,
    /// ANSI 0.
    Black,
    /// ANSI 1.
    Red,
    /// ANSI 2.
    Green,
    /// ANSI 3.
    Yellow,
    /// ANSI 4.
    Blue,
    /// ANSI 5.
    Magenta,
    /// ANSI 6.
    Cyan,
    /// ANSI 7 (the normal "white" of most palettes).
    Gray,
    /// ANSI 8 (bright black).
    DarkGray,
    /// ANSI 9.
    LightRed,
    /// ANSI 10.
    LightGreen,
    /// ANSI 11.
    LightYellow,
    /// ANSI 12.
    LightBlue,
    /// ANSI 13.
    LightMagenta,
    /// ANSI 14.
    LightCyan,
    /// ANSI 15 (bright white).
    White,
    /// A true colour, `#rrggbb`.
    Rgb(u8, u8, u8),
    /// An entry of the 256-colour palette.
    Indexed(u8),
}

/// The 16 ANSI colours with their canonical names, in palette order.
const BASE16: [(&str, Color); 16] = [
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("darkgray", Color::DarkGray),
    ("lightred", Color::LightRed),
    ("lightgreen", Color::LightGreen),
    ("lightyellow", Color::LightYellow),
    ("lightblue", Color::LightBlue),
    ("lightmagenta", Color::LightMagenta),
    ("lightcyan", Color::LightCyan),
    ("white", Color::White),
];

impl Color {
    /// Whether every 16-colour terminal can show it: one of the 16 ANSI colours, or `Reset`.
    pub fn is_base16(self) -> bool {
        !matches!(self, Color::Rgb(..) | Color::Indexed(_))
    }

    /// The palette entry `index` (0–255) as a colour.
    pub fn from_index(index: i64) -> Result<Color, String> {
        u8::try_from(index)
            .map(Color::Indexed)
            .map_err(|_| format!("colour index must be from 0 to 255 (got {index})"))
    }
}

impl FromStr for Color {
    type Err = String;

    /// Parses a colour name (case-insensitive, `-`/`_`/spaces ignored), `#rrggbb`, or `reset`.
    fn from_str(s: &str) -> Result<Color, String> {
        let trimmed = s.trim();
        if let Some(hex) = trimmed.strip_prefix('#') {
            return parse_hex(hex).ok_or_else(|| {
                format!("'{trimmed}' is not a colour: write #rrggbb with six hex digits")
            });
        }
        let key: String = trimmed
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .map(|c| c.to_ascii_lowercase())
            .collect();
        // British spelling is common enough in hand-written themes to accept silently.
        let key = key.replace("grey", "gray");
        if key == "reset" || key == "default" {
            return Ok(Color::Reset);
        }
        BASE16
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, c)| *c)
            .ok_or_else(|| {
                format!(
                    "'{trimmed}' is not a colour: use reset, one of the 16 ANSI names \
                     (black, red, …, lightcyan, white), #rrggbb, or an index 0-255"
                )
            })
    }
}

fn parse_hex(hex: &str) -> Option<Color> {
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some(Color::Rgb(byte(0)?, byte(2)?, byte(4)?))
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Color::Reset => f.write_str("reset"),
            Color::Rgb(r, g, b) => write!(f, "#{r:02x}{g:02x}{b:02x}"),
            Color::Indexed(i) => write!(f, "{i}"),
            named => {
                let name = BASE16
                    .iter()
                    .find(|(_, c)| c == named)
                    .map_or("?", |(n, _)| n);
                f.write_str(name)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_accept_separators_and_case() {
        assert_eq!("light-red".parse(), Ok(Color::LightRed));
        assert_eq!("dark_gray".parse(), Ok(Color::DarkGray));
        assert_eq!("DarkGrey".parse(), Ok(Color::DarkGray));
        assert_eq!("Reset".parse(), Ok(Color::Reset));
    }

    #[test]
    fn hex_and_index() {
        assert_eq!("#1e90FF".parse(), Ok(Color::Rgb(0x1e, 0x90, 0xff)));
        assert!("#12345".parse::<Color>().is_err());
        assert!("#12345g".parse::<Color>().is_err());
        assert_eq!(Color::from_index(255), Ok(Color::Indexed(255)));
        assert!(Color::from_index(256).is_err());
        assert!(Color::from_index(-1).is_err());
    }

    #[test]
    fn base16_and_display_round_trip() {
        for (name, c) in BASE16 {
            assert!(c.is_base16());
            assert_eq!(c.to_string(), name);
            assert_eq!(name.parse(), Ok(c));
        }
        assert!(Color::Reset.is_base16());
        assert!(!Color::Indexed(3).is_base16());
        assert!(!Color::Rgb(0, 0, 0).is_base16());
        assert!("purple".parse::<Color>().is_err());
    }
}
