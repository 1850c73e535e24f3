//! One field of a form or wizard: its kind, value, label, hint, error and findings, whether it
//! applies now, and the keys that edit it. Text kinds edit through [`Input`].

use super::id::FieldId;
use super::input::{Edit, Input, PasteError, clean_paste};
use super::path::{TabResult, tab_path};
use crate::console::theme::Role;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a field holds and how it is edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Free text.
    Text,
    /// Text shown masked (passwords).
    Secret,
    /// A file path; Tab completes it.
    File,
    /// Comma-separated file paths; Tab completes the last one.
    Files,
    /// A whole number: digits only.
    Number,
    /// On or off: Space toggles.
    Check,
    /// One of a list: ←/→ (and Space, Home, End) choose.
    Choice(Vec<String>),
    /// Shown, never edited (e.g. fixed after creation).
    ReadOnly,
    /// A button: Enter presses it.
    Button,
}

impl Kind {
    /// How the kind is used, for a field that has no hint of its own (wizards show it).
    pub(crate) fn usual_hint(&self) -> Option<&'static str> {
        match self {
            Kind::File => Some("Tab completes the path (Tab again lists names, then moves on)"),
            Kind::Files => Some("comma-separated paths; Tab completes the last one"),
            Kind::Choice(_) => Some("←/→ choose"),
            Kind::Check => Some("Space toggles"),
            _ => None,
        }
    }
}

/// How a finding under a field reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    /// Blocks Next and Save.
    Error,
    /// Worth knowing; does not block.
    Warning,
    /// For information.
    Info,
}

impl Tone {
    /// The mark and colour role a finding of this tone is drawn with.
    pub(crate) fn mark(self) -> (&'static str, Role) {
        match self {
            Tone::Error => ("✗", Role::InputInvalid),
            Tone::Warning => ("!", Role::AlertWarning),
            Tone::Info => ("·", Role::Muted),
        }
    }
}

/// What a key did to a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKey {
    /// The value changed.
    Changed,
    /// The cursor moved, nothing else.
    Moved,
    /// The key would change the value, and the field may not be changed.
    Refused,
    /// Not a key for this field.
    Unused,
}

/// One field.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// Which field.
    pub id: FieldId,
    /// Label, as the site names the field in its errors where it can.
    pub label: String,
    /// Kind.
    pub kind: Kind,
    /// Text of the text kinds (and of a read-only field).
    pub input: Input,
    /// Chosen option of a choice.
    pub choice: usize,
    /// State of a checkbox.
    pub checked: bool,
    /// May be left empty.
    pub optional: bool,
    /// Applies only while this checkbox is on (and itself applies).
    pub depends_on: Option<FieldId>,
    /// Off when the field does not apply now (greyed, skipped by Tab).
    pub enabled: bool,
    /// Not shown at all.
    pub hidden: bool,
    /// A help line.
    pub hint: Option<String>,
    /// The rule the value breaks.
    pub error: Option<String>,
    /// Findings under the field (certificate checks); errors block.
    pub notes: Vec<(Tone, String)>,
    /// Completion candidates listed by an ambiguous Tab (file fields).
    pub candidates: Option<String>,
    // The value as the form opened, to tell whether the operator changed it.
    opened: String,
}

impl Field {
    fn new(id: FieldId, label: &str, kind: Kind) -> Field {
        Field {
            id,
            label: label.to_string(),
            kind,
            input: Input::default(),
            choice: 0,
            checked: false,
            optional: false,
            depends_on: None,
            enabled: true,
            hidden: false,
            hint: None,
            error: None,
            notes: Vec::new(),
            candidates: None,
            opened: String::new(),
        }
        .opened()
    }

    // Records the current value as the one the form opened with.
    fn opened(mut self) -> Field {
        self.opened = self.value();
        self
    }

    /// A text field holding `value`.
    pub(crate) fn text(id: FieldId, label: &str, value: &str) -> Field {
        let mut f = Field::new(id, label, Kind::Text);
        f.input.set(value);
        f.opened()
    }

    /// A masked field, empty.
    pub(crate) fn secret(id: FieldId, label: &str) -> Field {
        Field::new(id, label, Kind::Secret)
    }

    /// A file path field, empty.
    pub(crate) fn file(id: FieldId, label: &str) -> Field {
        Field::new(id, label, Kind::File)
    }

    /// A field of comma-separated file paths, empty.
    pub(crate) fn files(id: FieldId, label: &str) -> Field {
        Field::new(id, label, Kind::Files)
    }

    /// A whole number with a default.
    pub(crate) fn number(id: FieldId, label: &str, default: i64) -> Field {
        let mut f = Field::new(id, label, Kind::Number);
        f.input.set(&default.to_string());
        f.opened()
    }

    /// A checkbox.
    pub(crate) fn check(id: FieldId, label: &str, on: bool) -> Field {
        let mut f = Field::new(id, label, Kind::Check);
        f.checked = on;
        f.opened()
    }

    /// A choice among `options`, starting at `default` (or the first).
    pub(crate) fn choice(id: FieldId, label: &str, options: &[&str], default: &str) -> Field {
        let mut f = Field::new(
            id,
            label,
            Kind::Choice(options.iter().map(|o| o.to_string()).collect()),
        );
        f.choice = options.iter().position(|o| *o == default).unwrap_or(0);
        f.opened()
    }

    /// A read-only field showing `value`.
    pub(crate) fn read_only(id: FieldId, label: &str, value: &str) -> Field {
        let mut f = Field::new(id, label, Kind::ReadOnly);
        f.input.set(value);
        f.opened()
    }

    /// A button.
    pub(crate) fn button(id: FieldId, label: &str) -> Field {
        Field::new(id, label, Kind::Button)
    }

    /// With a help line.
    pub(crate) fn hint(mut self, hint: &str) -> Field {
        self.hint = Some(hint.to_string());
        self
    }

    /// May be left empty.
    pub(crate) fn optional(mut self) -> Field {
        self.optional = true;
        self
    }

    /// Applies only while checkbox `id` is on.
    pub(crate) fn depends(mut self, id: FieldId) -> Field {
        self.depends_on = Some(id);
        self
    }

    /// The text of a text kind (untrimmed).
    pub(crate) fn text_value(&self) -> &str {
        self.input.text()
    }

    /// Replaces the text, cursor at the end.
    pub(crate) fn set_text(&mut self, text: &str) {
        self.input.set(text);
        self.candidates = None;
    }

    /// The value as text: the text, the chosen option, or `on`/`off`.
    pub(crate) fn value(&self) -> String {
        match &self.kind {
            Kind::Choice(_) => self.chosen().to_string(),
            Kind::Check => if self.checked { "on" } else { "off" }.to_string(),
            Kind::Button => String::new(),
            _ => self.input.text().to_string(),
        }
    }

    /// The options of a choice.
    pub(crate) fn options(&self) -> &[String] {
        match &self.kind {
            Kind::Choice(o) => o,
            _ => &[],
        }
    }

    /// The chosen option of a choice.
    pub(crate) fn chosen(&self) -> &str {
        self.options()
            .get(self.choice)
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Replaces the options of a choice, keeping the chosen one when it is still offered.
    pub(crate) fn set_options(&mut self, options: Vec<String>) {
        let current = self.value();
        self.choice = options.iter().position(|o| *o == current).unwrap_or(0);
        self.kind = Kind::Choice(options);
    }

    /// A whole number typed in the field (thousands separators allowed), for a request; the
    /// rule a value breaks comes from `domain::validate::Bounds::check_text`.
    pub(crate) fn whole_number(&self) -> Option<i64> {
        self.input
            .text()
            .trim()
            .replace(',', "")
            .parse::<i64>()
            .ok()
    }

    /// True for the kinds edited as text.
    pub(crate) fn is_textual(&self) -> bool {
        matches!(
            self.kind,
            Kind::Text | Kind::Secret | Kind::File | Kind::Files | Kind::Number
        )
    }

    /// Whether the operator changed it since the form opened.
    pub(crate) fn changed(&self) -> bool {
        !matches!(self.kind, Kind::ReadOnly | Kind::Button) && self.value() != self.opened
    }

    /// Whether focus may rest on it.
    pub(crate) fn focusable(&self) -> bool {
        !self.hidden && self.enabled && self.kind != Kind::ReadOnly
    }

    /// True if its error or an error finding blocks Next or Save.
    pub(crate) fn blocks(&self) -> bool {
        self.error.is_some() || self.notes.iter().any(|(t, _)| *t == Tone::Error)
    }

    /// The character passwords are drawn with.
    pub(crate) fn mask(&self) -> Option<char> {
        (self.kind == Kind::Secret).then_some('•')
    }

    /// Applies a key; `editable` is false when the form may not be changed.
    pub(crate) fn on_key(&mut self, key: &KeyEvent, editable: bool) -> FieldKey {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let change = |f: &mut Field, apply: fn(&mut Field)| {
            if editable {
                apply(f);
                FieldKey::Changed
            } else {
                FieldKey::Refused
            }
        };
        match (&self.kind, key.code) {
            (Kind::Choice(_), KeyCode::Left) => change(self, |f| {
                let n = f.options().len().max(1);
                f.choice = (f.choice + n - 1) % n;
            }),
            (Kind::Choice(_), KeyCode::Right | KeyCode::Char(' ')) => change(self, |f| {
                f.choice = (f.choice + 1) % f.options().len().max(1);
            }),
            (Kind::Choice(_), KeyCode::Home) => change(self, |f| f.choice = 0),
            (Kind::Choice(_), KeyCode::End) => change(self, |f| {
                f.choice = f.options().len().saturating_sub(1);
            }),
            (Kind::Check, KeyCode::Char(' ')) if plain => change(self, |f| f.checked = !f.checked),
            (Kind::Number, KeyCode::Char(c)) if plain && !c.is_ascii_digit() => FieldKey::Unused,
            _ if self.is_textual() => {
                // Try the key on a copy: a read-only form still lets the cursor move.
                let mut input = self.input.clone();
                match input.handle(key) {
                    Edit::Changed if !editable => FieldKey::Refused,
                    Edit::Changed => {
                        self.input = input;
                        self.candidates = None;
                        FieldKey::Changed
                    }
                    Edit::Moved => {
                        self.input = input;
                        FieldKey::Moved
                    }
                    Edit::Unused => FieldKey::Unused,
                }
            }
            _ => FieldKey::Unused,
        }
    }

    /// Inserts pasted text at the cursor (see [`clean_paste`]); a number field takes digits
    /// only. Returns whether the value changed.
    pub(crate) fn paste(&mut self, raw: &str) -> Result<bool, PasteError> {
        if self.kind == Kind::Number && !clean_paste(raw)?.chars().all(|c| c.is_ascii_digit()) {
            return Err(PasteError::NotDigits);
        }
        let changed = self.input.paste(raw)?;
        if changed {
            self.candidates = None;
        }
        Ok(changed)
    }

    /// Tab in this field: completes a file path when it can (see [`super::path`]).
    pub(crate) fn tab(&mut self) -> TabResult {
        let text = self.input.text().to_string();
        let (head, segment) = match self.kind {
            Kind::File => (String::new(), text),
            Kind::Files => match text.rfind(',') {
                Some(i) => {
                    let rest = &text[i + 1..];
                    let lead = rest.len() - rest.trim_start().len();
                    (
                        text[..i + 1 + lead].to_string(),
                        rest.trim_start().to_string(),
                    )
                }
                None => (String::new(), text),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn numbers_take_digits_only() {
        let mut n = Field::number(FieldId::VmInstances, "N", 5);
        assert_eq!(n.on_key(&key(KeyCode::Char('x')), true), FieldKey::Unused);
        n.on_key(&key(KeyCode::Char('0')), true);
        assert_eq!(n.text_value(), "50");
        assert_eq!(n.paste("12a"), Err(PasteError::NotDigits));
        assert_eq!(n.paste("7\n"), Ok(true));
        assert_eq!(n.text_value(), "507");
    }

    #[test]
    fn choices_cycle_and_checkboxes_toggle() {
        let mut c = Field::choice(FieldId::Region, "C", &["a", "b", "c"], "b");
        c.on_key(&key(KeyCode::Right), true);
        c.on_key(&key(KeyCode::Right), true);
        assert_eq!(c.value(), "a");
        c.on_key(&key(KeyCode::Left), true);
        assert_eq!(c.value(), "c");
        assert!(c.changed());
        assert_eq!(c.on_key(&key(KeyCode::Left), false), FieldKey::Refused);
        assert_eq!(c.value(), "c");
        let mut b = Field::check(FieldId::CheckCrl, "B", true);
        b.on_key(&key(KeyCode::Char(' ')), true);
        assert!(!b.checked && b.changed());
    }

    #[test]
    fn a_read_only_form_refuses_edits_but_moves_the_cursor() {
        let mut f = Field::text(FieldId::Description, "D", "abc");
        assert_eq!(f.on_key(&key(KeyCode::Char('x')), false), FieldKey::Refused);
        assert_eq!(f.on_key(&key(KeyCode::Left), false), FieldKey::Moved);
        assert_eq!((f.text_value(), f.input.cursor()), ("abc", 2));
        assert!(!f.changed());
    }

    #[test]
    fn tab_completes_lists_then_moves_on() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("service-a.pfx"), b"x").unwrap();
        std::fs::write(dir.path().join("service-b.pfx"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("other.txt"), b"x").unwrap();
        let base = format!("{}/", dir.path().display());
        let mut f = Field::file(FieldId::CertFile, "F");
        f.set_text(&format!("{base}se"));
        assert_eq!(f.tab(), TabResult::Completed);
        assert_eq!(f.text_value(), format!("{base}service-"));
        assert_eq!(
            f.tab(),
            TabResult::MoveOn,
            "already listed by the completion"
        );
        f.on_key(&key(KeyCode::Char('a')), true);
        assert_eq!(f.tab(), TabResult::Completed);
        assert_eq!(f.text_value(), format!("{base}service-a.pfx"));
        assert_eq!(f.tab(), TabResult::MoveOn);
        f.set_text(&format!("{base}su"));
        assert_eq!(f.tab(), TabResult::Completed);
        assert_eq!(f.text_value(), format!("{base}sub/"));
        f.set_text(&format!("{base}nothing"));
        assert_eq!(f.tab(), TabResult::MoveOn);
        f.set_text(&base);
        assert_eq!(f.tab(), TabResult::Listed);
        assert!(f.candidates.as_deref().unwrap().contains("sub/"));
        assert_eq!(f.tab(), TabResult::MoveOn);
        let mut many = Field::files(FieldId::TrustedRoots, "R");
        many.set_text(&format!("{base}service-a.pfx, {base}sub"));
        assert_eq!(many.tab(), TabResult::Completed);
        assert_eq!(
            many.text_value(),
            format!("{base}service-a.pfx, {base}sub/")
        );
    }
}
