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

/// xterm's default palette for the 16 ANSI colours, in palette order: terminals differ, and
/// xterm's is the reference most of them start from.
const XTERM16: [(u8, u8, u8); 16] = [
    (0x00, 0x00, 0x00),
    (0xcd, 0x00, 0x00),
    (0x00, 0xcd, 0x00),
    (0xcd, 0xcd, 0x00),
    (0x00, 0x00, 0xee),
    (0xcd, 0x00, 0xcd),
    (0x00, 0xcd, 0xcd),
    (0xe5, 0xe5, 0xe5),
    (0x7f, 0x7f, 0x7f),
    (0xff, 0x00, 0x00),
    (0x00, 0xff, 0x00),
    (0xff, 0xff, 0x00),
    (0x5c, 0x5c, 0xff),
    (0xff, 0x00, 0xff),
    (0x00, 0xff, 0xff),
    (0xff, 0xff, 0xff),
];

/// The levels of each channel in the 6×6×6 colour cube (palette entries 16–231).
const CUBE: [u8; 6] = [0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff];

/// The colour of palette entry `i` in xterm's 256-colour palette.
fn palette_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => XTERM16[usize::from(i)],
        16..=231 => {
            let n = usize::from(i - 16);
            (CUBE[n / 36], CUBE[n / 6 % 6], CUBE[n % 6])
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

/// WCAG 2 relative luminance of an sRGB colour.
fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// The WCAG 2 contrast ratio of two colours, from 1 (the same) to 21 (black on white). Text
/// needs at least 4.5 to be read comfortably (success criterion 1.4.3).
pub fn contrast_ratio(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

impl Color {
    /// The colour as red, green and blue (the 16 ANSI colours and the palette as xterm
    /// draws them); `None` for `Reset`, which is whatever the terminal's own is.
    pub fn rgb(self) -> Option<(u8, u8, u8)> {
        let i = match self {
            Color::Reset => return None,
            Color::Rgb(r, g, b) => return Some((r, g, b)),
            Color::Indexed(i) => i,
            named => BASE16.iter().position(|(_, c)| *c == named)? as u8,
        };
        Some(palette_rgb(i))
    }

    /// The colour a terminal without 24-bit colour can show: a true colour becomes the
    /// nearest entry of the 256-colour palette's cube and grey ramp (entries 16–255, which
    /// every such terminal draws alike; 0–15 follow the terminal's own palette); anything
    /// else is kept.
    pub fn to_palette(self) -> Color {
        let Color::Rgb(r, g, b) = self else {
            return self;
        };
        let dist = |i: u8| {
            let (pr, pg, pb) = palette_rgb(i);
            let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2);
            d(r, pr) + d(g, pg) + d(b, pb)
        };
        let best = (16..=255u8).min_by_key(|&i| dist(i)).unwrap_or(16);
        Color::Indexed(best)
    }

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
    fn true_colours_fall_back_to_the_nearest_palette_entry() {
        // The default theme's blue title, its yellow keys, pure white and a dark grey.
        assert_eq!(
            Color::Rgb(0x8e, 0xc7, 0xff).to_palette(),
            Color::Indexed(117)
        );
        assert_eq!(
            Color::Rgb(0xf0, 0xc6, 0x74).to_palette(),
            Color::Indexed(222)
        );
        assert_eq!(
            Color::Rgb(0xff, 0xff, 0xff).to_palette(),
            Color::Indexed(231)
        );
        assert_eq!(
            Color::Rgb(0x30, 0x30, 0x30).to_palette(),
            Color::Indexed(236)
        );
        assert_eq!(Color::Red.to_palette(), Color::Red);
        assert_eq!(Color::Indexed(24).to_palette(), Color::Indexed(24));
        assert_eq!(Color::Indexed(117).rgb(), Some((0x87, 0xd7, 0xff)));
        assert_eq!(Color::Indexed(236).rgb(), Some((0x30, 0x30, 0x30)));
        assert_eq!(Color::White.rgb(), Some((0xff, 0xff, 0xff)));
        assert_eq!(Color::Reset.rgb(), None);
    }

    #[test]
    fn contrast_ratios_follow_wcag() {
        let r = contrast_ratio((0, 0, 0), (0xff, 0xff, 0xff));
        assert!((r - 21.0).abs() < 1e-9);
        assert!((contrast_ratio((0x77, 0x77, 0x77), (0xff, 0xff, 0xff)) - 4.48).abs() < 0.01);
        assert_eq!(contrast_ratio((1, 2, 3), (1, 2, 3)), 1.0);
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
