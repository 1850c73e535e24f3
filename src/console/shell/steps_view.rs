//! Drawing a wizard: the steps on the left (the current one marked, earlier ones ticked), the
//! step on the right — its name and intro, its fields or what the body draws, and the message
//! lines. The footer is the app's, built from `commands()`.

use super::body::{Anchor, Body};
use super::state::Core;
use crate::console::field::Look;
use crate::console::field::draw::draw as draw_fields;
use crate::console::model::Model;
use crate::console::theme::{Role, Theme};
use crate::console::ui::style::{of, pane};
use crate::console::ui::text::wrap;
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Width of the step list.
const STEP_LIST_WIDTH: u16 = 16;

/// Draws the wizard in `area`.
pub(super) fn draw<B: Body>(
    core: &Core,
    body: &B,
    f: &mut Frame<'_>,
    area: Rect,
    theme: &Theme,
    model: &Model,
) {
    let title = body.title();
    let block = pane(&title, true, theme);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let cols = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Length(STEP_LIST_WIDTH), Constraint::Min(20)])
        .split(inner);
    step_list(core, f, cols[0], theme);
    let right = Rect {
        x: cols[1].x + 1,
        width: cols[1].width.saturating_sub(1),
        ..cols[1]
    };
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(2),
            Constraint::Min(1),
            Constraint::Length(3),
        ])
        .split(right);
    let step = core.pages().get(core.page()).map_or("", |p| p.title);
    let mut heading = vec![Line::from(Span::styled(step, of(theme, Role::Header)))];
    heading.extend(body.intro(core, theme).into_iter().take(1));
    f.render_widget(Paragraph::new(heading), rows[0]);
    let width = usize::from(rows[1].width);
    let height = usize::from(rows[1].height);
    let (lines, scroll, cursor) = if core.fields().is_empty() {
        let v = body.page_view(core, width, theme, model);
        let most = v.lines.len().saturating_sub(height);
        let scroll = match v.anchor {
            Anchor::Top(top) => top.min(most),
            Anchor::Keep(line) => (line + 1).saturating_sub(height),
        };
        (v.lines, scroll, None)
    } else {
        // Keep the whole focused field (value, findings, hint) in view.
        let d = draw_fields(
            core.fields(),
            core.focus(),
            Look::Wizard,
            core.editable(),
            width,
            theme,
        );
        let scroll = d.end.saturating_sub(height).min(d.start);
        (d.lines, scroll, d.cursor)
    };
    f.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(scroll).unwrap_or(0), 0)),
        rows[1],
    );
    if let Some((line, col)) = cursor
        && !core.confirm
        && (scroll..scroll + height).contains(&line)
        && col < width
    {
        f.set_cursor_position(Position::new(
            rows[1].x + col as u16,
            rows[1].y + (line - scroll) as u16,
        ));
    }
    f.render_widget(
        Paragraph::new(message_lines(core, usize::from(rows[2].width), theme)),
        rows[2],
    );
}

fn step_list(core: &Core, f: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let lines: Vec<Line<'_>> = core
        .pages()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (mark, role) = if i == core.page() {
                ("▸ ", Role::Focus)
            } else if i < core.page() {
                ("✓ ", Role::Text)
            } else {
                ("  ", Role::Muted)
            };
            Line::from(Span::styled(
                format!("{mark}{:<12}", p.title),
                of(theme, role),
            ))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), area);
}

fn message_lines(core: &Core, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    if core.confirm {
        return vec![Line::from(Span::styled(
            core.discard_prompt.clone(),
            of(theme, Role::AlertWarning),
        ))];
    }
    let Some((role, text)) = &core.message else {
        return Vec::new();
    };
    wrap(text, width)
        .into_iter()
        .take(3)
        .map(|l| Line::from(Span::styled(l, of(theme, *role))))
        .collect()
}
