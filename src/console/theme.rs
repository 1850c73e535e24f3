//! Themes: semantic roles mapped to styles, loaded from TOML.
//!
//! A theme file maps roles (`status.ready`, `border.focused`, …) to styles. A theme with
//! `parent = "name"` inherits every role it does not set; a theme without a parent must set
//! them all. Built-in themes are compiled in; the operator's own live in `Paths::themes_dir`
//! as `NAME.toml` and win over a built-in of the same name.

mod color;
mod error;
mod parse;
mod role;
mod style;

use std::path::Path;

pub use color::{Color, contrast_ratio};
pub use error::ThemeError;
pub use role::Role;
pub use style::Style;

use crate::config::located::line_column;
use parse::ThemeFile;

/// A fully resolved theme: a style for every role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// The theme's display name (its `name` key, else its file name).
    pub name: String,
    styles: [Style; Role::COUNT],
}

/// The built-in themes: name and file text.
const BUILTIN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("ansi16", include_str!("../../themes/ansi16.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

const BUILTIN_NAMES: [&str; BUILTIN.len()] = {
    let mut names = [""; BUILTIN.len()];
    let mut i = 0;
    while i < BUILTIN.len() {
        names[i] = BUILTIN[i].0;
        i += 1;
    }
    names
};

/// The names of the built-in themes, `default` first.
pub fn builtin_names() -> &'static [&'static str] {
    &BUILTIN_NAMES
}

/// Every theme name that [`Theme::load`] accepts: built-ins first, then the user's own, sorted.
pub fn available(user_dir: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = BUILTIN_NAMES.iter().map(|n| n.to_string()).collect();
    let mut user: Vec<String> = user_dir
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            if path.extension()? != "toml" {
                return None;
            }
            let stem = path.file_stem()?.to_str()?.to_string();
            valid_name(&stem).then_some(stem)
        })
        .filter(|n| !names.contains(n))
        .collect();
    user.sort();
    names.append(&mut user);
    names
}

/// Theme names are file names; refusing separators keeps `../x` from escaping the themes folder.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Where a theme in an inheritance chain came from.
struct Found {
    name: String,
    user: bool,
    label: String,
    text: String,
    file: ThemeFile,
}

impl Found {
    fn chain_label(&self) -> String {
        if self.user {
            self.name.clone()
        } else {
            format!("{} (built-in)", self.name)
        }
    }
}

/// Finds and parses the theme `name`; `builtin_only` skips the user folder.
fn find(
    name: &str,
    user_dir: Option<&Path>,
    builtin_only: bool,
) -> Result<Option<Found>, ThemeError> {
    if !valid_name(name) {
        return Err(ThemeError::BadName { name: name.into() });
    }
    if let (Some(dir), false) = (user_dir, builtin_only) {
        let path = dir.join(format!("{name}.toml"));
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let label = path.display().to_string();
                let file = parse::parse(&text, &label)?;
                return Ok(Some(Found {
                    name: name.into(),
                    user: true,
                    label,
                    text,
                    file,
                }));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(ThemeError::Read { path, source }),
        }
    }
    let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name) else {
        return Ok(None);
    };
    let label = format!("themes/{name}.toml");
    let file = parse::parse(text, &label)?;
    Ok(Some(Found {
        name: name.into(),
        user: false,
        label,
        text: text.to_string(),
        file,
    }))
}

impl Theme {
    /// Loads theme `name`, from `user_dir` if it holds `NAME.toml`, else from the built-ins,
    /// resolving its parents.
    ///
    /// A user theme's parent is looked up the same way, except that a parent with the theme's
    /// own name means the built-in: a user `default.toml` with `parent = "default"` tweaks the
    /// built-in default. Built-in themes inherit only from built-ins.
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        let Some(first) = find(name, user_dir, false)? else {
            return Err(ThemeError::NotFound {
                name: name.into(),
                available: available(user_dir),
            });
        };
        let mut chain = vec![first];
        let mut current = 0;
        while let Some((parent, offset)) = chain[current].file.parent.clone() {
            let child = &chain[current];
            let builtin_only = !child.user || parent == child.name;
            let labels = || chain.iter().map(Found::chain_label).collect::<Vec<_>>();
            // A malformed parent name is reported like a missing one, with its place in the file.
            let found = match valid_name(&parent) {
                true => find(&parent, user_dir, builtin_only)?,
                false => None,
            };
            let Some(next) = found else {
                let (line, column) = line_column(&child.text, offset);
                return Err(ThemeError::UnknownParent {
                    place: format!("{}:{line}:{column}", child.label),
                    parent,
                    chain: labels(),
                });
            };
            if chain
                .iter()
                .any(|f| f.name == next.name && f.user == next.user)
            {
                let mut looped = labels();
                looped.push(next.chain_label());
                return Err(ThemeError::Cycle { chain: looped });
            }
            chain.push(next);
            current += 1;
        }
        let root = chain.last().map(|f| (&f.label, &f.file.styles));
        let mut styles = [Style::default(); Role::COUNT];
        if let Some((label, root_styles)) = root {
            let missing: Vec<String> = Role::ALL
                .iter()
                .filter(|r| root_styles[r.index()].is_none())
                .map(|r| r.as_str().to_string())
                .collect();
            if !missing.is_empty() {
                return Err(ThemeError::MissingRoles {
                    file: label.clone(),
                    missing,
                });
            }
        }
        // Root first, so each child overwrites exactly the roles it sets.
        for found in chain.iter().rev() {
            for (slot, set) in styles.iter_mut().zip(found.file.styles.iter()) {
                if let Some(style) = set {
                    *slot = *style;
                }
            }
        }
        let name = chain
            .first()
            .map(|f| f.file.name.clone().unwrap_or_else(|| f.name.clone()))
            .unwrap_or_else(|| name.to_string());
        Ok(Theme { name, styles })
    }

    /// The style for `role`.
    pub fn style(&self, role: Role) -> Style {
        self.styles[role.index()]
    }

    /// The same theme with every colour removed, keeping bold, reverse and the other
    /// modifiers (`NO_COLOR`). Colour is what sets the focus and the selection apart in most
    /// themes, so they get reverse video: the selected row and the current tree node stay
    /// distinguishable from bold headers.
    pub fn without_colors(&self) -> Theme {
        let mut styles = self.styles.map(Style::without_colors);
        for role in [Role::Focus, Role::Selection] {
            styles[role.index()].reverse = true;
        }
        Theme {
            name: self.name.clone(),
            styles,
        }
    }

    /// The same theme for a terminal without 24-bit colour: every `#rrggbb` becomes the
    /// nearest entry of the 256-colour palette ([`Color::to_palette`]).
    pub fn in_palette(&self) -> Theme {
        let styles = self.styles.map(|s| Style {
            fg: s.fg.map(Color::to_palette),
            bg: s.bg.map(Color::to_palette),
            ..s
        });
        Theme {
            name: self.name.clone(),
            styles,
        }
    }

    /// The theme as this terminal can draw it: without colours when `NO_COLOR` is set (not
    /// empty), in the 256-colour palette unless `COLORTERM` announces 24-bit colour
    /// (`truecolor` or `24bit`, as terminals that have it say).
    pub fn for_terminal(&self, no_color: Option<&str>, colorterm: Option<&str>) -> Theme {
        if no_color.is_some_and(|v| !v.is_empty()) {
            return self.without_colors();
        }
        let truecolor = colorterm.is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v == "truecolor" || v == "24bit"
        });
        if truecolor {
            self.clone()
        } else {
            self.in_palette()
        }
    }

    /// A theme without colours, for `NO_COLOR`: focus and selection stay visible through
    /// reverse video and bold, problems through bold and underline.
    pub fn monochrome() -> Theme {
        let mut styles = [Style::default(); Role::COUNT];
        let bold = Style {
            bold: true,
            ..Style::default()
        };
        let reverse = Style {
            reverse: true,
            ..Style::default()
        };
        for role in Role::ALL {
            styles[role.index()] = match role {
                Role::Selection => Style {
                    bold: true,
                    ..reverse
                },
                Role::Focus | Role::Gauge => reverse,
                Role::StatusError | Role::AlertCritical | Role::LogError => Style {
                    underline: true,
                    ..bold
                },
                Role::InputInvalid => Style {
                    underline: true,
                    ..Style::default()
                },
                Role::Muted => Style {
                    dim: true,
                    ..Style::default()
                },
                Role::AlertWarning
                | Role::LogWarning
                | Role::BorderFocused
                | Role::Title
                | Role::Header
                | Role::Key => bold,
                _ => Style::default(),
            };
        }
        Theme {
            name: "monochrome".into(),
            styles,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_names_match_the_embedded_files() {
        assert_eq!(
            builtin_names(),
            &["default", "light", "ansi16", "high-contrast"]
        );
        assert_eq!(available(None), builtin_names());
    }

    #[test]
    fn bad_names_are_refused() {
        assert!(matches!(
            Theme::load("../etc/passwd", None),
            Err(ThemeError::BadName { .. })
        ));
        assert!(matches!(
            Theme::load("nope", None),
            Err(ThemeError::NotFound { .. })
        ));
    }

    #[test]
    fn no_color_keeps_focus_and_selection_apart_from_bold_headers() {
        let theme = Theme::load("default", None)
            .unwrap()
            .for_terminal(Some("1"), None);
        for role in Role::ALL {
            let style = theme.style(role);
            assert_eq!((style.fg, style.bg), (None, None), "{role}");
        }
        assert!(theme.style(Role::Selection).reverse);
        assert!(theme.style(Role::Focus).reverse);
        assert!(!theme.style(Role::Header).reverse);
    }

    #[test]
    fn true_colour_only_where_the_terminal_announces_it() {
        let default = Theme::load("default", None).unwrap();
        let rgb = |t: &Theme| {
            Role::ALL.iter().any(|r| {
                let s = t.style(*r);
                [s.fg, s.bg]
                    .into_iter()
                    .flatten()
                    .any(|c| matches!(c, Color::Rgb(..)))
            })
        };
        assert!(rgb(&default), "the default theme is written in true colour");
        assert!(!rgb(&default.for_terminal(None, None)), "COLORTERM unset");
        assert!(!rgb(&default.for_terminal(Some(""), Some("xterm"))));
        assert!(rgb(&default.for_terminal(None, Some("truecolor"))));
        assert!(rgb(&default.for_terminal(None, Some("24bit"))));
        assert_eq!(
            default.for_terminal(None, None).style(Role::Title).fg,
            Some(Color::Indexed(117))
        );
    }

    #[test]
    fn monochrome_has_no_colours_but_a_visible_selection() {
        let theme = Theme::monochrome();
        for role in Role::ALL {
            let style = theme.style(role);
            assert_eq!((style.fg, style.bg), (None, None));
        }
        assert!(theme.style(Role::Selection).reverse);
        assert!(theme.style(Role::Focus).reverse);
    }
}
