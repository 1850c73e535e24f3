//! Drawing a Properties dialog: the tab bar, a read-only banner, the body's notes, the page
//! (fields, or what the body draws), the message line and the key hints.

use super::body::{Anchor, Body};
use super::state::Core;
use crate::console::field::Look;
use crate::console::field::draw::draw as draw_fields;
use crate::console::keymap::{Action, Keymap};
use crate::console::model::Model;
use crate::console::theme::{Role, Theme};
use crate::console::ui::style::{of, pane};
use crate::console::ui::text::safe;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn first_key(keymap: &Keymap, a: Action) -> String {
    keymap
        .keys_text(a)
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The keys that change tabs, short: "Ctrl-n/p" (a shared modifier is written once).
pub(crate) fn tab_keys(keymap: &Keymap) -> String {
    let (next, prev) = (
        first_key(keymap, Action::NextPage),
        first_key(keymap, Action::PrevPage),
    );
    let shared = next
        .char_indices()
        .zip(prev.chars())
        .take_while(|((_, a), b)| a == b)
        .filter(|((_, a), _)| *a == '-')
        .last()
        .map_or(0, |((i, _), _)| i + 1);
    format!("{next}/{}", &prev[shared..])
}

/// The key hints of a page of fields, from the keymap (first key of each action, to fit 80
/// columns); `tabs` when the dialog has several.
pub(super) fn field_hints(keymap: &Keymap, tabs: bool, verb: &str) -> String {
    let mut parts = vec![format!("{} field", first_key(keymap, Action::NextField))];
    if tabs {
        parts.push(format!("{} tab", tab_keys(keymap)));
    }
    parts.push("Space toggle".into());
    parts.push(format!("{} next/{verb}", first_key(keymap, Action::Submit)));
    parts.push(format!("{} cancel", first_key(keymap, Action::Back)));
    parts.join(" · ")
}

/// Draws the dialog in `area`.
pub(super) fn draw<B: Body>(
    core: &Core,
    body: &B,
    hints: &str,
    f: &mut Frame<'_>,
    area: Rect,
    theme: &Theme,
    model: &Model,
) {
    let title = body.title();
    let block = pane(&title, true, theme);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let mut head: Vec<Line<'static>> = Vec::new();
    if core.pages().iter().any(|p| !p.title.is_empty()) {
        let mut spans = vec![Span::raw(" ")];
        for (i, p) in core.pages().iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" │ ", of(theme, Role::Muted)));
            }
            let role = if i == core.page() {
                Role::Focus
            } else {
                Role::Text
            };
            spans.push(Span::styled(format!(" {} ", p.title), of(theme, role)));
        }
        head.push(Line::from(spans));
        head.push(Line::from(""));
    }
    if let Some(why) = core.read_only() {
        head.push(Line::from(Span::styled(
            format!(" Read-only: {why}; changes cannot be saved."),
            of(theme, Role::AlertWarning),
        )));
        head.push(Line::from(""));
    }
    head.extend(body.intro(core, theme));
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
    let width = usize::from(inner.width);
    let (lines, anchor, cursor) = if core.fields().is_empty() {
        let v = body.page_view(core, width, theme, model);
        (v.lines, v.anchor, None)
    } else {
        let d = draw_fields(
            core.fields(),
            core.focus(),
            Look::Dialog,
            core.editable(),
            width,
            theme,
        );
        (d.lines, Anchor::Keep(d.start), d.cursor)
    };
    let visible = usize::from(body_h);
    let scroll = match anchor {
        // Keep the focused line (and the line under it) in view.
        Anchor::Keep(line) => (line + 2).saturating_sub(visible),
        Anchor::Top(top) => top.min(lines.len().saturating_sub(visible)),
    };
    f.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        body_area,
    );
    if let Some((line, col)) = cursor
        && !core.confirm
        && (scroll..scroll + visible).contains(&line)
        && col < width
    {
        f.set_cursor_position(Position::new(
            body_area.x + col as u16,
            body_area.y + (line - scroll) as u16,
        ));
    }
    let message = if core.confirm {
        Some((Role::AlertWarning, core.discard_prompt.to_string()))
    } else {
        core.message.clone()
    };
    let keys = match core.fields().is_empty() {
        true => body.page_hints(core).unwrap_or_else(|| hints.to_string()),
        false => hints.to_string(),
    };
    let foot = vec![
        match message {
            Some((role, m)) => Line::from(Span::styled(format!(" {}", safe(&m)), of(theme, role))),
            None => Line::from(""),
        },
        Line::from(Span::styled(format!(" {keys}"), of(theme, Role::Key))),
    ];
    f.render_widget(Paragraph::new(foot), foot_area);
}
