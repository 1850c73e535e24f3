//! The pieces every Properties form is made of: fields (text, masked, checkbox, choice,
//! read-only, button), key handling shared by the forms, and drawing.

use crate::console::keymap::{Action, Context, Keymap};
use crate::console::theme::{Role, Theme};
use crate::console::ui::style::of;
use crate::console::ui::style::pane;
use crate::console::wizard::fields::{TabResult, Tone, tab_path};
use crate::console::wizard::wrap;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Widest label column.
const MAX_LABEL_WIDTH: usize = 46;

/// What kind of field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Typed text (numbers too; the form validates).
    Text,
    /// Typed text shown masked (passwords).
    Secret,
    /// A file path (Tab completes it, as in the wizard).
    File,
    /// A checkbox (Space toggles).
    Check,
    /// One of a few choices (Space, ←/→ cycle).
    Choice(Vec<String>),
    /// Shown, never edited (e.g. read-only after creation).
    ReadOnly,
    /// A button (Enter presses it).
    Button,
}

/// One field of a form.
#[derive(Debug, Clone)]
pub struct Field {
    /// Internal key.
    pub key: &'static str,
    /// Label, as the site names the field in its errors.
    pub label: String,
    /// Kind.
    pub kind: Kind,
    /// Text (Text, Secret, ReadOnly).
    pub value: String,
    /// Checkbox state.
    pub checked: bool,
    /// Chosen index (Choice).
    pub choice: usize,
    /// A line under the field (muted).
    pub hint: Option<String>,
    /// What is wrong with the value (shown under the field).
    pub error: Option<String>,
    /// Findings under the field (certificate checks); errors block saving.
    pub notes: Vec<(Tone, String)>,
    /// Completion candidates listed by an ambiguous Tab (file fields).
    pub candidates: Option<String>,
    /// Off when the field does not apply now (greyed, skipped by Tab).
    pub enabled: bool,
    /// Hidden entirely.
    pub hidden: bool,
    original_value: String,
    original_checked: bool,
    original_choice: usize,
}

impl Field {
    fn new(key: &'static str, label: &str, kind: Kind) -> Field {
        Field {
            key,
            label: label.to_string(),
            kind,
            value: String::new(),
            checked: false,
            choice: 0,
            hint: None,
            error: None,
            notes: Vec::new(),
            candidates: None,
            enabled: true,
            hidden: false,
            original_value: String::new(),
            original_checked: false,
            original_choice: 0,
        }
    }

    /// A text field holding `value`.
    pub fn text(key: &'static str, label: &str, value: &str) -> Field {
        let mut f = Field::new(key, label, Kind::Text);
        f.value = value.to_string();
        f.original_value = f.value.clone();
        f
    }

    /// A file path field, empty (Tab completes the path).
    pub fn file(key: &'static str, label: &str) -> Field {
        Field::new(key, label, Kind::File)
    }

    /// A masked field, empty.
    pub fn secret(key: &'static str, label: &str) -> Field {
        Field::new(key, label, Kind::Secret)
    }

    /// A checkbox.
    pub fn check(key: &'static str, label: &str, checked: bool) -> Field {
        let mut f = Field::new(key, label, Kind::Check);
        f.checked = checked;
        f.original_checked = checked;
        f
    }

    /// A choice among `options`.
    pub fn choice(key: &'static str, label: &str, options: &[&str], chosen: usize) -> Field {
        let mut f = Field::new(
            key,
            label,
            Kind::Choice(options.iter().map(|o| o.to_string()).collect()),
        );
        f.choice = chosen;
        f.original_choice = chosen;
        f
    }

    /// A read-only field.
    pub fn read_only(key: &'static str, label: &str, value: &str) -> Field {
        let mut f = Field::new(key, label, Kind::ReadOnly);
        f.value = value.to_string();
        f.original_value = f.value.clone();
        f
    }

    /// A button.
    pub fn button(key: &'static str, label: &str) -> Field {
        Field::new(key, label, Kind::Button)
    }

    /// With a hint line.
    pub fn hint(mut self, hint: &str) -> Field {
        self.hint = Some(hint.to_string());
        self
    }

    /// Whether the operator changed it.
    pub fn changed(&self) -> bool {
        match self.kind {
            Kind::Text | Kind::Secret | Kind::File => self.value != self.original_value,
            Kind::Check => self.checked != self.original_checked,
            Kind::Choice(_) => self.choice != self.original_choice,
            Kind::ReadOnly | Kind::Button => false,
        }
    }

    /// Whether focus may rest on it.
    pub fn focusable(&self) -> bool {
        !self.hidden && self.enabled && self.kind != Kind::ReadOnly
    }

    /// Whether it takes typed text.
    pub fn typed(&self) -> bool {
        matches!(self.kind, Kind::Text | Kind::Secret | Kind::File)
    }

    /// Whether an error or an error finding blocks saving.
    pub fn blocks(&self) -> bool {
        self.error.is_some() || self.notes.iter().any(|(t, _)| *t == Tone::Error)
    }

    /// The chosen option (Choice).
    pub fn chosen(&self) -> &str {
        match &self.kind {
            Kind::Choice(o) => o.get(self.choice).map(String::as_str).unwrap_or(""),
            _ => "",
        }
    }
}

/// What a key did to a list of fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyResult {
    /// Nothing the form must act on (a move, a typed character).
    Handled,
    /// A value changed: validate again.
    Edited,
    /// A button or Enter on the last field: the form's main action.
    Submit,
    /// Esc.
    Back,
    /// Next tab (Ctrl-n, PageDown, →).
    NextTab,
    /// Previous tab (Ctrl-p, PageUp, ←).
    PrevTab,
    /// A change was refused because the form is read-only.
    Refused,
    /// A key the form does not use.
    Ignored,
}

/// Moves `focus` to the next (or previous) focusable field, wrapping around.
pub fn move_focus(fields: &[Field], focus: &mut usize, forward: bool) {
    let n = fields.len();
    if n == 0 {
        return;
    }
    for step in 1..=n {
        let i = if forward {
            (*focus + step) % n
        } else {
            (*focus + n - step % n) % n
        };
        if fields[i].focusable() {
            *focus = i;
            return;
        }
    }
}

/// Puts focus on the first focusable field (if the current one is not).
pub fn settle_focus(fields: &[Field], focus: &mut usize) {
    if fields.get(*focus).is_some_and(Field::focusable) {
        return;
    }
    *focus = fields.iter().position(Field::focusable).unwrap_or(0);
}

fn is_last_focusable(fields: &[Field], focus: usize) -> bool {
    !fields[focus + 1..].iter().any(Field::focusable)
}

/// Applies a key to `fields` with `focus` on one of them. `read_only` refuses every change.
pub fn on_key(
    fields: &mut [Field],
    focus: &mut usize,
    key: KeyEvent,
    keymap: &Keymap,
    read_only: bool,
) -> KeyResult {
    settle_focus(fields, focus);
    let action = keymap.action(&key, Context::Form);
    match action {
        Some(Action::Back) => return KeyResult::Back,
        Some(Action::NextField) => {
            if let Some(f) = fields.get_mut(*focus).filter(|f| f.kind == Kind::File)
                && !read_only
            {
                let (done, text, listed) = tab_path(f.value.trim(), f.candidates.is_some());
                f.candidates = listed;
                match done {
                    TabResult::Completed => {
                        f.value = text.unwrap_or_default();
                        return KeyResult::Edited;
                    }
                    TabResult::Listed => return KeyResult::Handled,
                    TabResult::MoveOn => {}
                }
            }
            move_focus(fields, focus, true);
            return KeyResult::Handled;
        }
        Some(Action::PrevField) => {
            move_focus(fields, focus, false);
            return KeyResult::Handled;
        }
        Some(Action::NextPage) => return KeyResult::NextTab,
        Some(Action::PrevPage) => return KeyResult::PrevTab,
        Some(Action::Submit) => {
            let Some(f) = fields.get(*focus) else {
                return KeyResult::Submit;
            };
            if f.kind == Kind::Button || !f.focusable() || is_last_focusable(fields, *focus) {
                return KeyResult::Submit;
            }
            move_focus(fields, focus, true);
            return KeyResult::Handled;
        }
        _ => {}
    }
    let Some(f) = fields.get_mut(*focus).filter(|f| f.focusable()) else {
        return match key.code {
            KeyCode::Right => KeyResult::NextTab,
            KeyCode::Left => KeyResult::PrevTab,
            _ => KeyResult::Ignored,
        };
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match (&f.kind, key.code) {
        (_, KeyCode::Down) => {
            move_focus(fields, focus, true);
            KeyResult::Handled
        }
        (_, KeyCode::Up) => {
            move_focus(fields, focus, false);
            KeyResult::Handled
        }
        (Kind::Choice(options), KeyCode::Left | KeyCode::Right | KeyCode::Char(' ')) => {
            if read_only {
                return KeyResult::Refused;
            }
            let n = options.len().max(1);
            f.choice = if key.code == KeyCode::Left {
                (f.choice + n - 1) % n
            } else {
                (f.choice + 1) % n
            };
            KeyResult::Edited
        }
        (_, KeyCode::Right) => KeyResult::NextTab,
        (_, KeyCode::Left) => KeyResult::PrevTab,
        (Kind::Check, KeyCode::Char(' ')) => {
            if read_only {
                return KeyResult::Refused;
            }
            f.checked = !f.checked;
            KeyResult::Edited
        }
        (Kind::Text | Kind::Secret | Kind::File, KeyCode::Backspace) => {
            if read_only {
                return KeyResult::Refused;
            }
            f.value.pop();
            f.candidates = None;
            KeyResult::Edited
        }
        (Kind::Text | Kind::Secret | Kind::File, KeyCode::Char(c)) if !ctrl => {
            if read_only {
                return KeyResult::Refused;
            }
            f.value.push(c);
            f.candidates = None;
            KeyResult::Edited
        }
        _ => KeyResult::Ignored,
    }
}

/// Puts a site error ("field: rule") under the field it names; returns the index of that
/// field, or None when the message names none of them.
pub fn place_error(fields: &mut [Field], message: &str) -> Option<usize> {
    let (i, rule) = fields.iter().enumerate().find_map(|(i, f)| {
        message
            .strip_prefix(f.label.as_str())
            .and_then(|rest| rest.strip_prefix(": "))
            .map(|rule| (i, rule.to_string()))
    })?;
    fields[i].error = Some(rule);
    Some(i)
}

/// The lines of a list of fields; the index of the first line of the focused one.
pub fn lines<'a>(
    fields: &'a [Field],
    focus: usize,
    theme: &Theme,
    read_only: bool,
) -> (Vec<Line<'a>>, usize) {
    lines_in(fields, focus, theme, read_only, usize::MAX)
}

/// [`lines`] with findings wrapped to `width` columns.
pub fn lines_in<'a>(
    fields: &'a [Field],
    focus: usize,
    theme: &Theme,
    read_only: bool,
    wrap_at: usize,
) -> (Vec<Line<'a>>, usize) {
    let mut out = Vec::new();
    let mut focus_line = 0;
    let width = fields
        .iter()
        .filter(|f| !f.hidden && !matches!(f.kind, Kind::Check | Kind::Button))
        .map(|f| f.label.chars().count() + 2)
        .max()
        .unwrap_or(0)
        .min(MAX_LABEL_WIDTH);
    for (i, f) in fields.iter().enumerate() {
        if f.hidden {
            continue;
        }
        let focused = i == focus && f.focusable();
        if focused {
            focus_line = out.len();
        }
        let label_role = if !f.enabled { Role::Muted } else { Role::Text };
        let value_role = if focused {
            Role::Focus
        } else if f.error.is_some() {
            Role::InputInvalid
        } else if !f.enabled || f.kind == Kind::ReadOnly {
            Role::Muted
        } else {
            Role::Input
        };
        let cursor = if focused && f.typed() && !read_only {
            "▏"
        } else {
            ""
        };
        let value: String = match &f.kind {
            Kind::Text | Kind::File => format!("{}{cursor}", f.value),
            Kind::Secret => format!("{}{cursor}", "•".repeat(f.value.chars().count())),
            Kind::ReadOnly => f.value.clone(),
            Kind::Check => (if f.checked { "[x]" } else { "[ ]" }).to_string(),
            Kind::Choice(_) => format!("‹ {} ›", f.chosen()),
            Kind::Button => format!("[ {} ]", f.label),
        };
        let mut spans = Vec::new();
        match f.kind {
            Kind::Button => {
                spans.push(Span::raw(" ".repeat(width + 1)));
                spans.push(Span::styled(value, of(theme, value_role)));
            }
            Kind::Check => {
                spans.push(Span::raw(" "));
                spans.push(Span::styled(value, of(theme, value_role)));
                spans.push(Span::styled(format!(" {}", f.label), of(theme, label_role)));
            }
            _ => {
                spans.push(Span::styled(
                    format!(" {:<width$}", f.label),
                    of(theme, label_role),
                ));
                spans.push(Span::styled(value, of(theme, value_role)));
                if f.kind == Kind::ReadOnly {
                    spans.push(Span::styled("  (read-only)", of(theme, Role::Muted)));
                }
            }
        }
        out.push(Line::from(spans));
        let indent = match f.kind {
            Kind::Check => "     ".to_string(),
            _ => " ".repeat(width + 1),
        };
        if let Some(e) = &f.error {
            out.push(Line::from(Span::styled(
                format!("{indent}⚠ {e}"),
                of(theme, Role::InputInvalid),
            )));
        }
        for (tone, text) in &f.notes {
            let (mark, role) = tone.mark();
            let room = wrap_at.saturating_sub(indent.chars().count() + 2);
            for (i, l) in wrap(text, room).into_iter().enumerate() {
                let lead = if i == 0 { mark } else { " " };
                out.push(Line::from(Span::styled(
                    format!("{indent}{lead} {l}"),
                    of(theme, role),
                )));
            }
        }
        if let Some(c) = f.candidates.as_ref().filter(|_| focused) {
            out.push(Line::from(Span::styled(
                format!("{indent}» {c}"),
                of(theme, Role::Text),
            )));
        }
        if f.error.is_none()
            && let Some(h) = f.hint.as_ref().filter(|_| f.enabled)
        {
            out.push(Line::from(Span::styled(
                format!("{indent}{h}"),
                of(theme, Role::Muted),
            )));
        }
    }
    (out, focus_line)
}

/// Everything a form window shows around its fields.
pub struct Window<'a> {
    /// Window title.
    pub title: &'a str,
    /// Tabs and the active one (none: no tab bar).
    pub tabs: &'a [&'a str],
    /// Active tab.
    pub tab: usize,
    /// The reason the form is read-only, if it is.
    pub read_only: Option<&'a str>,
    /// Lines above the fields (e.g. a placeholder).
    pub intro: Vec<Line<'a>>,
    /// Field lines and the focused line.
    pub body: (Vec<Line<'a>>, usize),
    /// A message line (error, confirmation, progress).
    pub message: Option<(String, Role)>,
    /// The key hints.
    pub keys: String,
}

/// Draws a form window.
pub fn draw(f: &mut Frame<'_>, area: Rect, theme: &Theme, w: Window<'_>) {
    let block = pane(w.title, true, theme);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let mut head: Vec<Line<'_>> = Vec::new();
    if !w.tabs.is_empty() {
        let mut spans = vec![Span::raw(" ")];
        for (i, t) in w.tabs.iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" │ ", of(theme, Role::Muted)));
            }
            let role = if i == w.tab { Role::Focus } else { Role::Text };
            spans.push(Span::styled(format!(" {t} "), of(theme, role)));
        }
        head.push(Line::from(spans));
        head.push(Line::from(""));
    }
    if let Some(why) = w.read_only {
        head.push(Line::from(Span::styled(
            format!(" Read-only: {why}; changes cannot be saved."),
            of(theme, Role::AlertWarning),
        )));
        head.push(Line::from(""));
    }
    head.extend(w.intro);
    let foot_h: u16 = 2;
    let head_h = (head.len() as u16).min(inner.height.saturating_sub(foot_h));
    let body_h = inner.height.saturating_sub(head_h + foot_h);
    let head_area = Rect {
        height: head_h,
        ..inner
    };
    let body_area = Rect {
        y: inner.y + head_h,
        height: body_h,
        ..inner
    };
    let foot_area = Rect {
        y: inner.y + head_h + body_h,
        height: foot_h.min(inner.height),
        ..inner
    };
    f.render_widget(Paragraph::new(head), head_area);
    let (body, focus_line) = w.body;
    // Keep the focused field (and the line under it) in view.
    let visible = usize::from(body_h);
    let scroll = (focus_line + 2).saturating_sub(visible);
    f.render_widget(
        Paragraph::new(body).scroll((scroll.min(u16::MAX as usize) as u16, 0)),
        body_area,
    );
    let mut foot = Vec::new();
    match w.message {
        Some((m, role)) => foot.push(Line::from(Span::styled(format!(" {m}"), of(theme, role)))),
        None => foot.push(Line::from("")),
    }
    foot.push(Line::from(Span::styled(
        format!(" {}", w.keys),
        of(theme, Role::Key),
    )));
    f.render_widget(Paragraph::new(foot), foot_area);
}

/// The key hints of a form, from the keymap (first key of each action, to fit 80 columns).
pub fn key_hints(keymap: &Keymap, tabs: bool, action: &str) -> String {
    let first = |a: Action| {
        keymap
            .keys_text(a)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let mut parts = vec![format!("{} field", first(Action::NextField))];
    if tabs {
        parts.push("←/→ tab".into());
    }
    parts.push("Space toggle".into());
    parts.push(format!("{} next/{action}", first(Action::Submit)));
    parts.push(format!("{} cancel", first(Action::Back)));
    parts.join(" · ")
}

/// Parses a whole number typed in a field.
pub fn number(f: &Field) -> Result<i64, String> {
    f.value
        .trim()
        .replace(',', "")
        .parse::<i64>()
        .map_err(|_| "must be a whole number".to_string())
}
