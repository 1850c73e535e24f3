//! Problems tied to a place in a TOML file: file, line, column and key path.
//!
//! Shared by the config file and theme files so that both report problems the same way,
//! in the `file:line:column: key: message` form editors and terminals can jump to.

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// One problem in a TOML file, located by line, column and key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file as the operator named it (or a label such as `themes/default.toml`).
    pub file: String,
    /// 1-based line; 0 when the problem has no place in the file.
    pub line: usize,
    /// 1-based column in characters; 0 when the problem has no place in the file.
    pub column: usize,
    /// The full dotted key path (`console.max_fps`); empty for syntax errors.
    pub key: String,
    /// What is wrong, as a sentence fragment an operator understands.
    pub message: String,
}

impl Problem {
    /// A problem at byte `offset` of `text` (or unplaced when `offset` is `None`).
    pub fn at(
        file: &str,
        text: &str,
        offset: Option<usize>,
        key: String,
        message: String,
    ) -> Problem {
        let (line, column) = offset.map_or((0, 0), |o| line_column(text, o));
        Problem {
            file: file.to_string(),
            line,
            column,
            key,
            message,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Parses TOML text, or lists its syntax errors (one per line: recovery after one mistake tends
/// to repeat it on the same line).
pub(crate) fn parse_toml<'a>(
    text: &'a str,
    file: &str,
) -> Result<toml::Spanned<DeTable<'a>>, Vec<Problem>> {
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if syntax.is_empty() {
        return Ok(doc);
    }
    let mut problems: Vec<Problem> = syntax
        .iter()
        .map(|e| {
            Problem::at(
                file,
                text,
                e.span().map(|s| s.start),
                String::new(),
                e.message().to_string(),
            )
        })
        .collect();
    problems.dedup_by_key(|p| p.line);
    Err(problems)
}

/// The 1-based line and character column of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    // A span may end inside a multi-byte character only if toml misbehaves; step back rather than panic.
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// Joins key segments into a dotted path, quoting segments that are not bare TOML keys.
pub(crate) fn join_path<S: AsRef<str>>(segments: &[S]) -> String {
    let mut out = String::new();
    for (i, seg) in segments.iter().enumerate() {
        let seg = seg.as_ref();
        if i > 0 {
            out.push('.');
        }
        let bare = !seg.is_empty()
            && seg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if bare {
            out.push_str(seg);
        } else {
            out.push_str(&format!("{seg:?}"));
        }
    }
    out
}

/// The key path of the entry whose key or (non-table) value covers byte `offset`.
///
/// Table values are spanned by their header only, so tables are always searched
/// rather than pruned by span.
pub(crate) fn key_path_at(table: &DeTable<'_>, offset: usize) -> Option<Vec<String>> {
    for (key, value) in table.iter() {
        let name = key.get_ref().to_string();
        if covers(&key.span(), offset) {
            return Some(vec![name]);
        }
        let inner = match value.get_ref() {
            DeValue::Table(t) => key_path_at(t, offset),
            DeValue::Array(items) => items.iter().find_map(|item| match item.get_ref() {
                DeValue::Table(t) => key_path_at(t, offset),
                _ => covers(&item.span(), offset).then(Vec::new),
            }),
            _ => covers(&value.span(), offset).then(Vec::new),
        };
        if let Some(mut rest) = inner {
            rest.insert(0, name);
            return Some(rest);
        }
    }
    None
}

fn covers(span: &Range<usize>, offset: usize) -> bool {
    span.contains(&offset) || (span.is_empty() && span.start == offset)
}

/// The span of the value at `path`, or of its key when the value is a table (whose span is its header).
pub(crate) fn span_of(table: &DeTable<'_>, path: &[&str]) -> Option<Range<usize>> {
    let (first, rest) = path.split_first()?;
    let (key, value) = table.get_key_value(*first)?;
    if rest.is_empty() {
        return Some(match value.get_ref() {
            DeValue::Table(_) => key.span(),
            _ => value.span(),
        });
    }
    match value.get_ref() {
        DeValue::Table(t) => span_of(t, rest),
        _ => None,
    }
}

/// Removes the entry at `path`; true if something was removed.
pub(crate) fn remove_path(table: &mut DeTable<'_>, path: &[String]) -> bool {
    match path {
        [] => false,
        [last] => table.remove(last.as_str()).is_some(),
        [first, rest @ ..] => match table.get_mut(first.as_str()).map(|v| v.get_mut()) {
            Some(DeValue::Table(t)) => remove_path(t, rest),
            // An element of an array: drop the whole array, which is the key the operator wrote.
            Some(DeValue::Array(_)) => table.remove(first.as_str()).is_some(),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        let eq = text.rfind('=').unwrap_or(0);
        assert_eq!(line_column(text, eq), (2, 4));
    }

    #[test]
    fn finds_nested_key_paths() {
        let text = "top = 1\n[a]\nb = 2\n[a.c]\nd = [1, 2]\n";
        let table = DeTable::parse(text).expect("valid toml");
        let at = |needle: &str| text.find(needle).expect("needle present");
        assert_eq!(
            key_path_at(table.get_ref(), at("b =")),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            key_path_at(table.get_ref(), at("2]")),
            Some(vec!["a".into(), "c".into(), "d".into()])
        );
        assert_eq!(
            key_path_at(table.get_ref(), at("top")),
            Some(vec!["top".into()])
        );
    }

    #[test]
    fn quotes_keys_that_are_not_bare() {
        assert_eq!(join_path(&["keys", "go up"]), "keys.\"go up\"");
        assert_eq!(join_path(&["console", "max_fps"]), "console.max_fps");
    }
}
