//! The whole text of one row, drawn: in the detail view (Enter), over the workspace, and in
//! the details pane beside a list. Labels sit in a column; values wrap under themselves, so a
//! long status detail, id or thumbprint is read whole rather than cut at the pane's edge.

use super::style::{of, pane};
use super::text::wrap_runs;
use crate::console::app::Detail;
use crate::console::describe::{self, Doc};
use crate::console::model::Model;
use crate::console::scroll::Scroll;
use crate::console::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

/// Widest label column.
const KEY_WIDTH: usize = 24;

/// The lines of `doc` in `width` columns.
pub fn doc_lines(doc: &Doc, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let width = width.max(10);
    let key_w = doc
        .lines
        .iter()
        .map(|l| l.key.width() + 2)
        .max()
        .unwrap_or(0)
        .min(KEY_WIDTH)
        .min(width / 3);
    let muted = of(theme, Role::Muted);
    let mut out = Vec::new();
    for l in &doc.lines {
        let runs: Vec<(String, Role)> = l.spans.clone();
        if l.key.is_empty() && !l.under_value {
            for line in wrap_runs(&runs, width) {
                out.push(Line::from(spans(line, theme)));
            }
            continue;
        }
        let indent = " ".repeat(key_w);
        let mut first = true;
        if l.key.width() + 1 > key_w {
            // A label longer than the column gets lines of its own; the value goes under it.
            for k in wrap_runs(&[(l.key.clone(), Role::Muted)], width) {
                out.push(Line::from(spans(k, theme)));
            }
            first = false;
        }
        let value = wrap_runs(&runs, width - key_w);
        for line in value {
            let lead = if first {
                Span::styled(format!("{:<key_w$}", l.key), muted)
            } else {
                Span::raw(indent.clone())
            };
            first = false;
            let mut s = vec![lead];
            s.extend(spans(line, theme));
            out.push(Line::from(s));
        }
    }
    out
}

fn spans(runs: Vec<(String, Role)>, theme: &Theme) -> Vec<Span<'static>> {
    runs.into_iter()
        .map(|(t, r)| Span::styled(t, of(theme, r)))
        .collect()
}

/// Draws `doc` in `area` inside a pane titled `title`, scrolled by `scroll`; the title says
/// which lines are shown when they do not all fit.
pub fn draw_doc(
    f: &mut Frame<'_>,
    area: Rect,
    (doc, title): (&Doc, &str),
    scroll: &Scroll,
    focused: bool,
    theme: &Theme,
) {
    let block = pane("", focused, theme);
    let inner = block.inner(area);
    let lines = doc_lines(doc, usize::from(inner.width), theme);
    let height = usize::from(inner.height);
    let top = scroll.place(lines.len(), height);
    let title = if lines.len() > height {
        format!(
            "{title} · lines {}-{} of {}",
            top + 1,
            (top + height).min(lines.len()),
            lines.len()
        )
    } else {
        title.to_string()
    };
    f.render_widget(
        Paragraph::new(lines)
            .scroll((u16::try_from(top).unwrap_or(u16::MAX), 0))
            .block(pane(&title, focused, theme)),
        area,
    );
}

/// The detail view: the whole text of one row over `area`; plain, without a frame, for
/// selecting with the mouse.
pub fn view(f: &mut Frame<'_>, area: Rect, d: &Detail, model: &Model, theme: &Theme) {
    f.render_widget(ratatui::widgets::Clear, area);
    let Some(doc) = describe::describe(model, &d.target) else {
        f.render_widget(
            Paragraph::new(Span::styled(
                "It is gone: the site removed it. Esc goes back.",
                of(theme, Role::Muted),
            ))
            .block(pane("Details", true, theme)),
            area,
        );
        return;
    };
    if d.plain {
        let mut lines = vec![Line::from(doc.title.clone())];
        lines.extend(doc_lines(&doc, usize::from(area.width), theme));
        let top = d.scroll.place(lines.len(), usize::from(area.height));
        f.render_widget(
            Paragraph::new(lines).scroll((u16::try_from(top).unwrap_or(u16::MAX), 0)),
            area,
        );
        return;
    }
    let title = doc.title.clone();
    draw_doc(f, area, (&doc, &title), &d.scroll, true, theme);
}
