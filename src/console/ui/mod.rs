//! Drawing the console: one function from the app state to a frame. Everything here is pure
//! rendering, so views are tested with ratatui's `TestBackend`.

pub mod chrome;
pub mod content;
pub mod detail;
pub mod gateway;
pub mod lists;
pub mod monitor;
pub mod overview;
pub mod style;
pub mod text;
pub mod usage;

use crate::console::app::{App, Modal, Node};
use crate::console::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::widgets::Paragraph;

/// Smallest terminal the layout is drawn for.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// Draws the whole screen.
pub fn draw(f: &mut Frame<'_>, app: &App, theme: &Theme) {
    let area = f.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let msg = format!(
            "cloudsite needs a terminal of at least {}×{} (this one is {}×{}). Enlarge the window.",
            MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
        );
        f.render_widget(
            Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(1),
            Constraint::Min(10),
            Constraint::Length(1),
        ])
        .split(area);
    chrome::header(f, rows[0], app, theme);
    chrome::footer(f, rows[2], app, theme);
    let main = if app.tree_hidden {
        rows[1]
    } else {
        let cols = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([
                Constraint::Length(if area.width >= 110 { 32 } else { 28 }),
                Constraint::Min(40),
            ])
            .split(rows[1]);
        chrome::tree(f, cols[0], app, theme);
        cols[1]
    };
    main_pane(f, main, app, theme);
    if let Some(form) = &app.form {
        let r = Rect {
            x: area.x + 2,
            y: area.y + 1,
            width: area.width.saturating_sub(4),
            height: area.height.saturating_sub(2),
        };
        f.render_widget(ratatui::widgets::Clear, r);
        form.render(f, r, theme, &app.model);
    }
    match &app.modal {
        // The whole text takes the whole width: the workspace tree is not needed to read it.
        Some(Modal::Detail(d)) => {
            let r = if d.plain {
                Rect {
                    height: area.height.saturating_sub(1),
                    ..area
                }
            } else {
                rows[1]
            };
            detail::view(f, r, d, &app.model, theme);
        }
        Some(m) => chrome::modal(f, area, app, theme, m),
        None => {}
    }
}

fn main_pane(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let shown = app.visible();
    match app.node {
        Node::Cdps | Node::Cmgs | Node::SiteSystems => {
            let parts = list_and_details(area, shown.len());
            lists::list(f, parts[0], app, &shown, theme);
            lists::details(f, parts[1], app, theme);
        }
        Node::Alerts => monitor::alerts(f, area, app, &shown, theme),
        Node::StatusMessages => monitor::status(f, area, app, &shown, theme),
        Node::Logs => monitor::logs(f, area, app, &shown, theme),
        Node::Overview => overview::overview(f, area, app, theme),
        Node::Content => {
            let parts = list_and_details(area, shown.len());
            content::packages(f, parts[0], app, &shown, theme);
            lists::details(f, parts[1], app, theme);
        }
    }
}

/// Splits a pane into a list and its details. The list takes the rows it has (at most 55 %),
/// so a short list leaves the details pane room for all its lines.
pub fn list_and_details(area: Rect, rows: usize) -> [Rect; 2] {
    let rows = u16::try_from(rows).unwrap_or(u16::MAX);
    // Borders and header: 3 lines; 6 at least so the "Loading…"/"No … yet" line fits.
    let list = rows
        .saturating_add(3)
        .max(6)
        .min(area.height.saturating_mul(55) / 100);
    let p = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Length(list), Constraint::Min(0)])
        .split(area);
    [p[0], p[1]]
}

/// True when a modal that takes typed text is open (the event loop keeps keys raw then).
pub fn typing(app: &App) -> bool {
    matches!(
        app.modal,
        Some(Modal::Filter(_) | Modal::Palette(_) | Modal::ConfirmDelete { .. })
    )
}
