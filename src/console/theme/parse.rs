//! Reads one theme file into the roles it sets, reporting every problem with file, line and key.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::color::Color;
use super::error::ThemeError;
use super::role::Role;
use super::style::Style;
use crate::config::located::{Problem, join_path, parse_toml};

/// The style fields a role's table may set.
const STYLE_FIELDS: [&str; 7] = ["fg", "bg", "bold", "italic", "underline", "reverse", "dim"];

/// What one theme file says, before inheritance.
#[derive(Debug, Clone)]
pub(crate) struct ThemeFile {
    /// The `name` key, if given: the loaded theme's name instead of the file's.
    pub name: Option<String>,
    /// The `parent` key and the byte offset of its value, if given.
    pub parent: Option<(String, usize)>,
    /// The roles this file sets, indexed by [`Role::index`].
    pub styles: [Option<Style>; Role::COUNT],
}

struct Parser<'a> {
    file: &'a str,
    text: &'a str,
    problems: Vec<Problem>,
    styles: [Option<Style>; Role::COUNT],
}

/// Parses theme `text`; `file` labels the problems.
pub(crate) fn parse(text: &str, file: &str) -> Result<ThemeFile, ThemeError> {
    let doc = parse_toml(text, file).map_err(|problems| ThemeError::Invalid { problems })?;
    let mut p = Parser {
        file,
        text,
        problems: Vec::new(),
        styles: [None; Role::COUNT],
    };
    let mut name = None;
    let mut parent = None;
    for (key, value) in doc.get_ref().iter() {
        match key.get_ref().as_ref() {
            "name" => name = p.string(&["name".into()], value),
            "parent" => {
                parent = p
                    .string(&["parent".into()], value)
                    .map(|s| (s, value.span().start))
            }
            k => p.node(&[k.to_string()], key.span(), value),
        }
    }
    if !p.problems.is_empty() {
        p.problems.sort_by_key(|pr| (pr.line, pr.column));
        return Err(ThemeError::Invalid {
            problems: p.problems,
        });
    }
    Ok(ThemeFile {
        name,
        parent,
        styles: p.styles,
    })
}

impl Parser<'_> {
    fn problem(&mut self, path: &[String], offset: usize, message: String) {
        self.problems.push(Problem::at(
            self.file,
            self.text,
            Some(offset),
            join_path(path),
            message,
        ));
    }

    fn string(&mut self, path: &[String], value: &Spanned<DeValue<'_>>) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            _ => {
                self.problem(
                    path,
                    value.span().start,
                    "expected a non-empty string".into(),
                );
                None
            }
        }
    }

    /// A key below the top level: a role, a group of roles, or a mistake.
    fn node(&mut self, path: &[String], key_span: Range<usize>, value: &Spanned<DeValue<'_>>) {
        let dotted = path.join(".");
        if !Role::is_prefix(&dotted) {
            let message = unknown_key_message(&path[..path.len() - 1]);
            self.problem(path, key_span.start, message);
            return;
        }
        let role = Role::from_name(&dotted);
        match (value.get_ref(), role) {
            (DeValue::Table(table), _) => self.table(path, role, table),
            (DeValue::String(_) | DeValue::Integer(_), Some(role)) => {
                if let Some(fg) = self.color(path, value) {
                    self.set(path, key_span.start, role, Style { fg: Some(fg), ..Style::default() });
                }
            }
            (_, Some(_)) => self.problem(
                path,
                value.span().start,
                "expected a colour (\"green\", \"#rrggbb\", 0-255) or a style table { fg = …, bold = … }".into(),
            ),
            (_, None) => self.problem(
                path,
                value.span().start,
                format!(
                    "'{dotted}' is a group of roles, not a role: set its roles ({}) in a [{dotted}] table",
                    Role::children(&dotted).join(", ")
                ),
            ),
        }
    }

    fn table(&mut self, path: &[String], role: Option<Role>, table: &DeTable<'_>) {
        let mut style = Style::default();
        let mut has_field = false;
        for (key, value) in table.iter() {
            let mut sub: Vec<String> = path.to_vec();
            sub.push(key.get_ref().to_string());
            let field = key.get_ref().as_ref();
            if role.is_some() && STYLE_FIELDS.contains(&field) {
                has_field = true;
                self.field(&sub, &mut style, field, value);
            } else {
                self.node(&sub, key.span(), value);
            }
        }
        // An empty table sets the plain style; a table holding only sub-roles sets nothing itself.
        if let Some(role) = role
            && (has_field || table.is_empty())
        {
            let offset = table.iter().next().map_or(0, |(k, _)| k.span().start);
            self.set(path, offset, role, style);
        }
    }

    fn field(
        &mut self,
        path: &[String],
        style: &mut Style,
        field: &str,
        value: &Spanned<DeValue<'_>>,
    ) {
        match field {
            "fg" => style.fg = self.color(path, value),
            "bg" => style.bg = self.color(path, value),
            _ => {
                let Some(on) = value.get_ref().as_bool() else {
                    self.problem(path, value.span().start, "expected true or false".into());
                    return;
                };
                match field {
                    "bold" => style.bold = on,
                    "italic" => style.italic = on,
                    "underline" => style.underline = on,
                    "reverse" => style.reverse = on,
                    _ => style.dim = on,
                }
            }
        }
    }

    fn color(&mut self, path: &[String], value: &Spanned<DeValue<'_>>) -> Option<Color> {
        let parsed = match value.get_ref() {
            DeValue::String(s) => s.parse::<Color>(),
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .map_err(|_| "colour index must be from 0 to 255".to_string())
                .and_then(Color::from_index),
            other => Err(format!(
                "expected a colour name, \"#rrggbb\" or an index 0-255, found {}",
                other.type_str()
            )),
        };
        match parsed {
            Ok(c) => Some(c),
            Err(message) => {
                self.problem(path, value.span().start, message);
                None
            }
        }
    }

    fn set(&mut self, path: &[String], offset: usize, role: Role, style: Style) {
        let slot = &mut self.styles[role.index()];
        if slot.is_some() {
            self.problem(path, offset, format!("role {role} is set twice"));
        } else {
            *slot = Some(style);
        }
    }
}

fn unknown_key_message(parent: &[String]) -> String {
    let parent_path = parent.join(".");
    let children = Role::children(&parent_path).join(", ");
    if parent.is_empty() {
        format!("unknown key; expected name, parent or a role: {children}")
    } else if Role::from_name(&parent_path).is_some() {
        let mut msg = format!(
            "unknown style field; expected one of {}",
            STYLE_FIELDS.join(", ")
        );
        if !children.is_empty() {
            msg.push_str(&format!(", or the role {parent_path}.{children}"));
        }
        msg
    } else {
        format!("unknown role; roles under {parent_path} are {children}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse(text, "t.toml") {
            Err(ThemeError::Invalid { problems }) => {
                problems.iter().map(|p| p.to_string()).collect()
            }
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn strings_set_fg_and_tables_set_styles() {
        let text =
            "muted = \"gray\"\n[border]\nfg = \"blue\"\nfocused = { fg = 33, bold = true }\n";
        let file = parse(text, "t.toml").expect("valid theme");
        let muted = file.styles[Role::Muted.index()].expect("muted set");
        assert_eq!(muted.fg, Some(Color::Gray));
        let focused = file.styles[Role::BorderFocused.index()].expect("focused set");
        assert_eq!(focused.fg, Some(Color::Indexed(33)));
        assert!(focused.bold);
        assert!(file.styles[Role::Border.index()].is_some());
        assert!(file.styles[Role::Text.index()].is_none());
    }

    #[test]
    fn group_only_table_does_not_set_its_role() {
        let file = parse("[border.focused]\nfg = \"red\"\n", "t.toml").expect("valid theme");
        assert!(file.styles[Role::Border.index()].is_none());
    }

    #[test]
    fn every_problem_is_reported_in_file_order() {
        let found =
            problems("[status]\nready = \"purple\"\nbogus = \"red\"\n[focus]\nblink = true\n");
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("t.toml:2:9: status.ready: 'purple' is not a colour"));
        assert!(found[1].starts_with("t.toml:3:1: status.bogus: unknown role"));
        assert!(found[2].starts_with("t.toml:5:1: focus.blink: unknown style field"));
    }

    #[test]
    fn wrong_types_are_reported() {
        let found =
            problems("status = \"red\"\ntext = true\nfocus = { bold = \"yes\" }\nparent = 3\n");
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].contains("status: 'status' is a group of roles"));
        assert!(found[1].contains("text: expected a colour"));
        assert!(found[2].contains("focus.bold: expected true or false"));
        assert!(found[3].contains("parent: expected a non-empty string"));
    }

    #[test]
    fn syntax_errors_have_a_place() {
        let found = problems("[status\nready = 1\n");
        assert!(found[0].starts_with("t.toml:1:"), "{found:?}");
    }

    #[test]
    fn a_role_set_twice_is_an_error() {
        let found = problems("\"border.focused\" = \"red\"\n[border]\nfocused = \"blue\"\n");
        assert!(found.iter().any(|p| p.contains("set twice")), "{found:?}");
    }
}
