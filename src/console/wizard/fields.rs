//! Wizard fields: the kinds (text, password, file path, choice, checkbox, number), editing
//! keys, and Tab completion of file paths.
//!
//! Tab completion rule (shown under a focused file field): Tab completes the file name from
//! the directory listing when a completion exists and differs from the text; when several
//! names share no longer prefix, the first Tab lists them and the next Tab moves on; with
//! nothing to complete, Tab moves to the next field as everywhere else.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;

/// What a field holds and how it is edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Free text.
    Text,
    /// Text shown as `•`.
    Password,
    /// A file path, with Tab completion.
    File,
    /// Comma-separated file paths, with Tab completion of the last one.
    Files,
    /// One of a list (←/→ cycle).
    Choice(Vec<String>),
    /// On or off (Space toggles).
    Check,
    /// A whole number (digits only).
    Number,
}

/// How a message under a field reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Blocks Next.
    Error,
    /// Worth knowing; does not block.
    Warning,
    /// For information.
    Info,
}

/// One field of a wizard page.
#[derive(Debug, Clone)]
pub struct Field {
    /// Stable id (unique across the wizard).
    pub id: &'static str,
    /// Label as the wizard shows it.
    pub label: &'static str,
    /// Kind.
    pub kind: Kind,
    /// Text of text-like fields.
    pub text: String,
    /// Selected option of a choice.
    pub choice: usize,
    /// State of a checkbox.
    pub checked: bool,
    /// Cursor, in characters.
    pub cursor: usize,
    /// Characters `[a, b)` the next typed character replaces (a prefilled placeholder).
    pub selection: Option<(usize, usize)>,
    /// May be left empty.
    pub optional: bool,
    /// Enabled only while this checkbox is on.
    pub depends_on: Option<&'static str>,
    /// Help shown while the field has focus.
    pub hint: Option<&'static str>,
    /// The rule the value breaks, as typed or on Next.
    pub error: Option<String>,
    /// Findings (certificate checks) and notes under the field.
    pub notes: Vec<(Tone, String)>,
    /// Completion candidates listed by an ambiguous Tab.
    pub candidates: Option<String>,
}

/// What Tab did in a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TabResult {
    /// The path was completed (focus stays).
    Completed,
    /// Several names match: they are listed (focus stays).
    Listed,
    /// Nothing to complete: move to the next field.
    MoveOn,
}

impl Field {
    fn new(id: &'static str, label: &'static str, kind: Kind) -> Self {
        Field {
            id,
            label,
            kind,
            text: String::new(),
            choice: 0,
            checked: false,
            cursor: 0,
            selection: None,
            optional: false,
            depends_on: None,
            hint: None,
            error: None,
            notes: Vec::new(),
            candidates: None,
        }
    }

    /// A text field.
    pub fn text(id: &'static str, label: &'static str) -> Self {
        Field::new(id, label, Kind::Text)
    }

    /// A password field.
    pub fn password(id: &'static str, label: &'static str) -> Self {
        Field::new(id, label, Kind::Password).optional()
    }

    /// A file path field.
    pub fn file(id: &'static str, label: &'static str) -> Self {
        Field::new(id, label, Kind::File)
            .hint("Tab completes the path (Tab again lists names, then moves on)")
    }

    /// A field of comma-separated file paths.
    pub fn files(id: &'static str, label: &'static str) -> Self {
        Field::new(id, label, Kind::Files).hint("comma-separated paths; Tab completes the last one")
    }

    /// A choice among `options`, starting at `default` (or the first).
    pub fn choice(id: &'static str, label: &'static str, options: &[&str], default: &str) -> Self {
        let mut f = Field::new(
            id,
            label,
            Kind::Choice(options.iter().map(|s| s.to_string()).collect()),
        );
        f.choice = options.iter().position(|o| *o == default).unwrap_or(0);
        f.hint = Some("←/→ choose");
        f
    }

    /// A checkbox.
    pub fn check(id: &'static str, label: &'static str, on: bool) -> Self {
        let mut f = Field::new(id, label, Kind::Check);
        f.checked = on;
        f.hint = Some("Space toggles");
        f
    }

    /// A number with a default.
    pub fn number(id: &'static str, label: &'static str, default: i64) -> Self {
        Field::new(id, label, Kind::Number).with_text(&default.to_string())
    }

    /// Marks the field optional.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Enables the field only while checkbox `id` is on.
    pub fn depends(mut self, id: &'static str) -> Self {
        self.depends_on = Some(id);
        self
    }

    /// Sets the help line.
    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }

    /// Sets the text, cursor at the end.
    pub fn with_text(mut self, text: &str) -> Self {
        self.set_text(text);
        self
    }

    /// Replaces the text, cursor at the end.
    pub fn set_text(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = self.text.chars().count();
        self.selection = None;
        self.candidates = None;
    }

    /// True for fields edited as text.
    pub fn is_textual(&self) -> bool {
        matches!(
            self.kind,
            Kind::Text | Kind::Password | Kind::File | Kind::Files | Kind::Number
        )
    }

    /// The value as text: the text, the chosen option, or `on`/`off`.
    pub fn value(&self) -> String {
        match &self.kind {
            Kind::Choice(opts) => opts.get(self.choice).cloned().unwrap_or_default(),
            Kind::Check => if self.checked { "on" } else { "off" }.to_string(),
            _ => self.text.clone(),
        }
    }

    /// The options of a choice.
    pub fn options(&self) -> &[String] {
        match &self.kind {
            Kind::Choice(o) => o,
            _ => &[],
        }
    }

    /// Replaces the options of a choice, keeping the chosen one when it is still offered.
    pub fn set_options(&mut self, options: Vec<String>) {
        let current = self.value();
        self.choice = options.iter().position(|o| *o == current).unwrap_or(0);
        self.kind = Kind::Choice(options);
    }

    /// True if a message under the field blocks Next.
    pub fn blocks(&self) -> bool {
        self.error.is_some() || self.notes.iter().any(|(t, _)| *t == Tone::Error)
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map(|(i, _)| i)
            .unwrap_or(self.text.len())
    }

    /// Applies an editing key; returns true if the value changed.
    pub fn edit(&mut self, key: &KeyEvent) -> bool {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match &self.kind {
            Kind::Choice(opts) => {
                let n = opts.len().max(1);
                match key.code {
                    KeyCode::Left => self.choice = (self.choice + n - 1) % n,
                    KeyCode::Right | KeyCode::Char(' ') => self.choice = (self.choice + 1) % n,
                    KeyCode::Home => self.choice = 0,
                    KeyCode::End => self.choice = n - 1,
                    _ => return false,
                }
                true
            }
            Kind::Check => {
                if key.code == KeyCode::Char(' ') && plain {
                    self.checked = !self.checked;
                    true
                } else {
                    false
                }
            }
            _ => self.edit_text(key, plain),
        }
    }

    fn edit_text(&mut self, key: &KeyEvent, plain: bool) -> bool {
        let len = self.text.chars().count();
        let changed = match key.code {
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.text.clear();
                self.cursor = 0;
                true
            }
            KeyCode::Char(c) if plain => {
                if self.kind == Kind::Number && !c.is_ascii_digit() {
                    return false;
                }
                if let Some((a, b)) = self.selection.take() {
                    let (ba, bb) = (self.byte_at(a), self.byte_at(b));
                    self.text.replace_range(ba..bb, "");
                    self.cursor = a;
                }
                let at = self.byte_at(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
                true
            }
            KeyCode::Backspace => {
                if let Some((a, b)) = self.selection.take() {
                    let (ba, bb) = (self.byte_at(a), self.byte_at(b));
                    self.text.replace_range(ba..bb, "");
                    self.cursor = a;
                    true
                } else if self.cursor > 0 {
                    self.cursor -= 1;
                    let at = self.byte_at(self.cursor);
                    self.text.remove(at);
                    true
                } else {
                    false
                }
            }
            KeyCode::Delete => {
                if self.cursor < len {
                    let at = self.byte_at(self.cursor);
                    self.text.remove(at);
                    true
                } else {
                    false
                }
            }
            KeyCode::Left => {
                self.cursor = self.cursor.saturating_sub(1);
                false
            }
            KeyCode::Right => {
                self.cursor = (self.cursor + 1).min(len);
                false
            }
            KeyCode::Home => {
                self.cursor = 0;
                false
            }
            KeyCode::End => {
                self.cursor = len;
                false
            }
            _ => return false,
        };
        if changed {
            self.candidates = None;
        }
        self.selection = None;
        changed
    }

    /// Tab in this field: completes a file path when it can (see the module doc).
    pub fn tab(&mut self) -> TabResult {
        let (head, segment) = match self.kind {
            Kind::File => (String::new(), self.text.clone()),
            Kind::Files => match self.text.rfind(',') {
                Some(i) => {
                    let rest = &self.text[i + 1..];
                    let lead = rest.len() - rest.trim_start().len();
                    (
                        self.text[..i + 1 + lead].to_string(),
                        rest.trim_start().to_string(),
                    )
                }
                None => (String::new(), self.text.clone()),
            },
            _ => return TabResult::MoveOn,
        };
        let (result, done, candidates) = tab_path(&segment, self.candidates.is_some());
        if let Some(done) = done {
            self.set_text(&format!("{head}{done}"));
        }
        self.candidates = candidates;
        result
    }
}

/// Tab in a file path `segment` (see the module doc): what it did, the completed path (when
/// completed) and the names to list. `listed`: the names are already listed.
pub fn tab_path(segment: &str, listed: bool) -> (TabResult, Option<String>, Option<String>) {
    if segment.is_empty() {
        return (TabResult::MoveOn, None, None);
    }
    match complete(segment) {
        Some((done, names)) if done != segment => {
            let names = (names.len() > 1).then(|| names.join("  "));
            (TabResult::Completed, Some(done), names)
        }
        Some((_, names)) if names.len() > 1 && !listed => {
            (TabResult::Listed, None, Some(names.join("  ")))
        }
        _ => (TabResult::MoveOn, None, None),
    }
}

impl Tone {
    /// The mark and colour role a note of this tone is drawn with.
    pub fn mark(self) -> (&'static str, crate::console::theme::Role) {
        use crate::console::theme::Role;
        match self {
            Tone::Error => ("✗", Role::InputInvalid),
            Tone::Warning => ("!", Role::AlertWarning),
            Tone::Info => ("·", Role::Muted),
        }
    }
}

/// Expands a leading `~/` to the home directory.
pub fn expand_home(path: &str) -> PathBuf {
    if let Some(rest) = path.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    PathBuf::from(path)
}

/// Completes a path: the longest common prefix of the directory entries starting with the
/// typed name (a lone directory gets its `/`), and the matching names. `None` when nothing
/// matches or the directory cannot be read. Hidden entries match only a prefix starting with `.`.
pub fn complete(input: &str) -> Option<(String, Vec<String>)> {
    let (dir_typed, prefix) = match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None => ("", input),
    };
    let dir = if dir_typed.is_empty() {
        PathBuf::from(".")
    } else {
        expand_home(dir_typed)
    };
    let mut names: Vec<(String, bool)> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let is_dir = e.path().is_dir();
            Some((name, is_dir))
        })
        .filter(|(n, _)| n.starts_with(prefix) && (prefix.starts_with('.') || !n.starts_with('.')))
        .collect();
    if names.is_empty() {
        return None;
    }
    names.sort();
    let mut common: String = names[0].0.clone();
    for (n, _) in &names[1..] {
        let keep = common
            .chars()
            .zip(n.chars())
            .take_while(|(a, b)| a == b)
            .count();
        common = common.chars().take(keep).collect();
    }
    if names.len() == 1 && names[0].1 {
        common.push('/');
    }
    let shown = names
        .into_iter()
        .map(|(n, d)| if d { format!("{n}/") } else { n })
        .collect();
    Some((format!("{dir_typed}{common}"), shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn typing_editing_and_numbers() {
        let mut f = Field::text("a", "A");
        for c in "héllo".chars() {
            assert!(f.edit(&key(KeyCode::Char(c))));
        }
        f.edit(&key(KeyCode::Left));
        f.edit(&key(KeyCode::Backspace));
        assert_eq!(f.text, "hélo");
        f.edit(&key(KeyCode::Home));
        f.edit(&key(KeyCode::Delete));
        assert_eq!(f.text, "élo");
        let mut n = Field::number("n", "N", 5);
        assert!(!n.edit(&key(KeyCode::Char('x'))));
        n.edit(&key(KeyCode::Char('0')));
        assert_eq!(n.text, "50");
    }

    #[test]
    fn selection_is_replaced_by_typing() {
        let mut f = Field::text("a", "A").with_text("host.contoso.com");
        f.selection = Some((0, 4));
        f.cursor = 0;
        for c in "dp1".chars() {
            f.edit(&key(KeyCode::Char(c)));
        }
        assert_eq!(f.text, "dp1.contoso.com");
    }

    #[test]
    fn choices_cycle_and_checkboxes_toggle() {
        let mut c = Field::choice("c", "C", &["a", "b", "c"], "b");
        c.edit(&key(KeyCode::Right));
        c.edit(&key(KeyCode::Right));
        assert_eq!(c.value(), "a");
        c.edit(&key(KeyCode::Left));
        assert_eq!(c.value(), "c");
        let mut b = Field::check("b", "B", true);
        b.edit(&key(KeyCode::Char(' ')));
        assert!(!b.checked);
    }

    #[test]
    fn tab_completes_lists_then_moves_on() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("service-a.pfx"), b"x").unwrap();
        std::fs::write(dir.path().join("service-b.pfx"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("other.txt"), b"x").unwrap();
        let base = format!("{}/", dir.path().display());
        let mut f = Field::file("f", "F").with_text(&format!("{base}se"));
        assert_eq!(f.tab(), TabResult::Completed);
        assert_eq!(f.text, format!("{base}service-"));
        assert_eq!(
            f.tab(),
            TabResult::MoveOn,
            "already listed by the completion"
        );
        f.edit(&key(KeyCode::Char('a')));
        assert_eq!(f.tab(), TabResult::Completed);
        assert_eq!(f.text, format!("{base}service-a.pfx"));
        assert_eq!(f.tab(), TabResult::MoveOn);
        f.set_text(&format!("{base}su"));
        assert_eq!(f.tab(), TabResult::Completed);
        assert_eq!(f.text, format!("{base}sub/"));
        f.set_text(&format!("{base}nothing"));
        assert_eq!(f.tab(), TabResult::MoveOn);
        f.set_text(&base);
        assert_eq!(f.tab(), TabResult::Listed);
        assert!(f.candidates.as_deref().unwrap().contains("sub/"));
        assert_eq!(f.tab(), TabResult::MoveOn);
        let mut many = Field::files("r", "R").with_text(&format!("{base}service-a.pfx, {base}sub"));
        assert_eq!(many.tab(), TabResult::Completed);
        assert_eq!(many.text, format!("{base}service-a.pfx, {base}sub/"));
    }
}
