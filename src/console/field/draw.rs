//! Drawing a page of fields: the lines, where the focused field is, and where the terminal
//! cursor goes in the field being edited.
//!
//! One widget with two looks, so the screens keep the look they had: [`Look::Wizard`] (a `›`
//! marks the focused field, labels in a column of at most 30, findings and hints under the
//! focused field, `☐`/`☑`, `◀ ▶`) and [`Look::Dialog`] (labels as wide as the longest, hints
//! always shown, `[x]`, `‹ ›`, buttons and read-only values).

use super::widget::{Field, Kind};
use crate::console::theme::{Role, Theme};
use crate::console::ui::style::of;
use crate::console::ui::text::{safe, wrap};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// Widest label column of the wizard look.
const WIZARD_LABEL_WIDTH: usize = 30;
/// Widest label column of the dialog look.
const DIALOG_LABEL_WIDTH: usize = 46;

/// How fields are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Look {
    /// The create wizards' pages (a label column of at most 30 columns).
    Wizard,
    /// Properties dialogs (a label column of at most 46 columns).
    Dialog,
}

/// A page of fields, drawn.
#[derive(Debug, Default)]
pub(crate) struct Drawn {
    /// Every line of the page, top to bottom; `start`, `end` and `cursor` index into it.
    pub lines: Vec<Line<'static>>,
    /// First line of the focused field.
    pub start: usize,
    /// One past its last line (its value, findings and hint).
    pub end: usize,
    /// Where the terminal cursor goes, as (line, column), while a text field is edited.
    pub cursor: Option<(usize, usize)>,
}

/// Draws `fields` in `width` columns with the field at `focus` focused; `editable` is false on
/// a read-only form (no cursor then).
pub(crate) fn draw(
    fields: &[Field],
    focus: usize,
    look: Look,
    editable: bool,
    width: usize,
    theme: &Theme,
) -> Drawn {
    let mut d = Drawn::default();
    let label_w = match look {
        Look::Wizard => WIZARD_LABEL_WIDTH.min(width / 2),
        Look::Dialog => fields
            .iter()
            .filter(|f| !f.hidden && !matches!(f.kind, Kind::Check | Kind::Button))
            .map(|f| f.label.chars().count() + 2)
            .max()
            .unwrap_or(0)
            .min(DIALOG_LABEL_WIDTH),
    };
    let mut in_focus = false;
    for (i, f) in fields.iter().enumerate() {
        if f.hidden {
            continue;
        }
        let focused = i == focus && (look == Look::Wizard || f.focusable());
        if in_focus {
            d.end = d.lines.len();
            in_focus = false;
        }
        if focused {
            d.start = d.lines.len();
            in_focus = true;
        }
        let edit = focused && editable && f.enabled && f.is_textual();
        match look {
            Look::Wizard => wizard_field(&mut d, f, focused, edit, label_w, width, theme),
            Look::Dialog => dialog_field(&mut d, f, focused, edit, label_w, width, theme),
        }
    }
    if in_focus {
        d.end = d.lines.len();
    }
    d
}

/// The value of a text kind: the view around the cursor while edited (`edit`), else its
/// start. Returns the spans and the cursor's column among them.
fn text_spans(
    f: &Field,
    edit: bool,
    room: usize,
    style: Style,
    theme: &Theme,
) -> (Vec<Span<'static>>, Option<usize>) {
    if !edit {
        return (
            vec![Span::styled(f.input.head(room, f.mask()), style)],
            None,
        );
    }
    let view = f.input.view(room, f.mask());
    let spans = view
        .parts
        .into_iter()
        .map(|(text, selected)| {
            let s = if selected {
                of(theme, Role::Selection)
            } else {
                style
            };
            Span::styled(text, s)
        })
        .collect();
    (spans, Some(view.cursor))
}

fn width_of(spans: &[Span<'_>]) -> usize {
    spans.iter().map(Span::width).sum()
}

/// Wrapped lines under a field: `  ✗ text`, continued under the text.
fn note(d: &mut Drawn, mark: &str, text: &str, style: Style, width: usize) {
    for (i, l) in wrap(text, width.saturating_sub(4)).into_iter().enumerate() {
        let lead = if i == 0 {
            format!("  {mark} ")
        } else {
            "    ".into()
        };
        d.lines
            .push(Line::from(Span::styled(format!("{lead}{l}"), style)));
    }
}

fn wizard_field(
    d: &mut Drawn,
    f: &Field,
    focused: bool,
    edit: bool,
    label_w: usize,
    width: usize,
    theme: &Theme,
) {
    let label_role = match (focused, f.enabled) {
        (true, _) => Role::Focus,
        (false, false) => Role::Muted,
        _ => Role::Text,
    };
    let mark = if focused { "›" } else { " " };
    let indent = if f.depends_on.is_some() { "   " } else { "" };
    if f.kind == Kind::Check {
        let tick = if f.checked { "☑" } else { "☐" };
        let room = width.saturating_sub(2 + indent.len());
        for (n, l) in wrap(&format!("{tick} {}", f.label), room)
            .into_iter()
            .enumerate()
        {
            let (lead, pad) = if n == 0 { (mark, "") } else { (" ", "  ") };
            d.lines.push(Line::from(Span::styled(
                format!("{lead}{indent}{pad}{l}"),
                of(theme, label_role),
            )));
        }
    } else {
        let label = format!("{indent}{}", f.label);
        let mut spans = vec![Span::raw(mark.to_string())];
        let room;
        // The value as it would be drawn beside the label (a choice with its arrows when
        // focused; masked text counts its mask characters).
        let value_w = match f.kind {
            Kind::Choice(_) => safe(f.chosen()).width() + if focused { 4 } else { 0 },
            _ if f.enabled => f.input.text().width(),
            _ => safe(&f.value()).width(),
        };
        let beside = width.saturating_sub(label_w + 3);
        if label.chars().count() + 1 > label_w || value_w > beside {
            // A long label gets a line of its own, and so does a value too wide to be read
            // beside its label (a GUID at 80 columns): the value goes under it, whole.
            d.lines.push(Line::from(vec![
                Span::raw(mark.to_string()),
                Span::styled(label, of(theme, label_role)),
            ]));
            spans = vec![Span::raw(format!(" {indent}  "))];
            room = width.saturating_sub(4 + indent.len());
        } else {
            spans.push(Span::styled(
                format!("{label:<label_w$} "),
                of(theme, label_role),
            ));
            room = beside;
        }
        let at = width_of(&spans);
        let role = if f.error.is_some() {
            Role::InputInvalid
        } else if focused {
            Role::Input
        } else {
            Role::Text
        };
        if !f.enabled {
            spans.push(Span::styled(safe(&f.value()), of(theme, Role::Muted)));
        } else if let Kind::Choice(_) = f.kind {
            let text = if focused {
                format!("◀ {} ▶", safe(f.chosen()))
            } else {
                safe(f.chosen())
            };
            spans.push(Span::styled(text, of(theme, role)));
        } else if f.input.text().is_empty() && !focused {
            let t = if f.optional { "(optional)" } else { "" };
            spans.push(Span::styled(t, of(theme, Role::Muted)));
        } else {
            let (value, cursor) = text_spans(f, edit, room.max(4), of(theme, role), theme);
            spans.extend(value);
            d.cursor = cursor.map(|c| (d.lines.len(), at + c)).or(d.cursor);
        }
        d.lines.push(Line::from(spans));
    }
    if !f.enabled {
        return;
    }
    if let Some(e) = &f.error {
        note(d, "✗", e, of(theme, Role::InputInvalid), width);
    }
    for (tone, text) in &f.notes {
        let (mark, role) = tone.mark();
        note(d, mark, text, of(theme, role), width);
    }
    if focused {
        if let Some(c) = &f.candidates {
            note(d, "»", c, of(theme, Role::Text), width);
        }
        if let Some(h) = f.hint.as_deref().or(f.kind.usual_hint()) {
            note(d, " ", h, of(theme, Role::Muted), width);
        }
    }
}

fn dialog_field(
    d: &mut Drawn,
    f: &Field,
    focused: bool,
    edit: bool,
    label_w: usize,
    width: usize,
    theme: &Theme,
) {
    let label_role = if f.enabled { Role::Text } else { Role::Muted };
    let value_role = if focused {
        Role::Focus
    } else if f.error.is_some() {
        Role::InputInvalid
    } else if !f.enabled || f.kind == Kind::ReadOnly {
        Role::Muted
    } else {
        Role::Input
    };
    let value_style = of(theme, value_role);
    let mut spans = Vec::new();
    match &f.kind {
        Kind::Button => {
            spans.push(Span::raw(" ".repeat(label_w + 1)));
            spans.push(Span::styled(format!("[ {} ]", f.label), value_style));
        }
        Kind::Check => {
            spans.push(Span::raw(" "));
            let tick = if f.checked { "[x]" } else { "[ ]" };
            spans.push(Span::styled(tick, value_style));
            spans.push(Span::styled(format!(" {}", f.label), of(theme, label_role)));
        }
        kind => {
            spans.push(Span::styled(
                format!(" {:<label_w$}", f.label),
                of(theme, label_role),
            ));
            match kind {
                Kind::Choice(_) => spans.push(Span::styled(
                    format!("‹ {} ›", safe(f.chosen())),
                    value_style,
                )),
                Kind::ReadOnly => {
                    spans.push(Span::styled(safe(f.input.text()), value_style));
                    spans.push(Span::styled("  (read-only)", of(theme, Role::Muted)));
                }
                _ => {
                    let at = width_of(&spans);
                    let room = width.saturating_sub(at).max(4);
                    let (value, cursor) = text_spans(f, edit, room, value_style, theme);
                    spans.extend(value);
                    d.cursor = cursor.map(|c| (d.lines.len(), at + c)).or(d.cursor);
                }
            }
        }
    }
    d.lines.push(Line::from(spans));
    let indent = match f.kind {
        Kind::Check => "     ".to_string(),
        _ => " ".repeat(label_w + 1),
    };
    if let Some(e) = &f.error {
        d.lines.push(Line::from(Span::styled(
            format!("{indent}⚠ {}", safe(e)),
            of(theme, Role::InputInvalid),
        )));
    }
    for (tone, text) in &f.notes {
        let (mark, role) = tone.mark();
        let room = width.saturating_sub(indent.chars().count() + 2);
        for (i, l) in wrap(text, room).into_iter().enumerate() {
            let lead = if i == 0 { mark } else { " " };
            d.lines.push(Line::from(Span::styled(
                format!("{indent}{lead} {l}"),
                of(theme, role),
            )));
        }
    }
    if let Some(c) = f.candidates.as_ref().filter(|_| focused) {
        d.lines.push(Line::from(Span::styled(
            format!("{indent}» {}", safe(c)),
            of(theme, Role::Text),
        )));
    }
    if f.error.is_none()
        && let Some(h) = f.hint.as_ref().filter(|_| f.enabled)
    {
        d.lines.push(Line::from(Span::styled(
            format!("{indent}{h}"),
            of(theme, Role::Muted),
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::field::FieldId;

    fn text_of(line: &Line<'_>) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn the_cursor_sits_after_the_label_at_the_display_width_of_the_text() {
        let mut f = Field::text(FieldId::Description, "Description", "東京 office");
        for _ in 0.."office".len() + 1 {
            f.input.handle(&crossterm::event::KeyEvent::from(
                crossterm::event::KeyCode::Left,
            ));
        }
        let fields = [f, Field::button(FieldId::Save, "Save")];
        let theme = Theme::monochrome();
        let d = draw(&fields, 0, Look::Dialog, true, 60, &theme);
        // " Description  " is 14 columns; 東京 is 4.
        assert_eq!(d.cursor, Some((0, 14 + 4)));
        assert_eq!(text_of(&d.lines[0]), " Description  東京 office");
        let d = draw(&fields, 0, Look::Dialog, false, 60, &theme);
        assert_eq!(d.cursor, None, "a read-only form has no cursor");
        let d = draw(&fields, 0, Look::Wizard, true, 60, &theme);
        // "›" and a label column of 30 and a space.
        assert_eq!(d.cursor, Some((0, 1 + 30 + 1 + 4)));
    }
}
