//! The Content node: the library's packages (id, name, state, where distributed, size, type).
//! The details pane below (the whole text of the package, with where it is and in what
//! state) is the one every list has.

use super::lists::{col, draw_empty, fit, list_title, window};
use super::style::of;
use super::style::pane;
use super::text::safe;
use crate::api::wire::{DistributionState, PackageState, PackageView};
use crate::console::app::{App, Focus};
use crate::console::rows::type_label;
use crate::console::theme::{Role, Theme};
use crate::display::size;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table, TableState};

fn package_state(s: PackageState) -> (&'static str, Role) {
    match s {
        PackageState::Uploading => ("Uploading", Role::StatusProvisioning),
        PackageState::Ready => ("Ready", Role::StatusReady),
    }
}

/// The package list; `shown` are the rows the filter keeps.
pub fn packages(f: &mut Frame<'_>, area: Rect, app: &App, shown: &[usize], theme: &Theme) {
    let focused = app.focus == Focus::List;
    // Only the rows on screen get cells, as in the service lists.
    let visible = usize::from(area.height.saturating_sub(3)).max(1);
    let sel = app.row();
    let offset = window(sel, visible);
    let on_screen: Vec<&PackageView> = shown
        .get(offset..(offset + visible).min(shown.len()))
        .unwrap_or_default()
        .iter()
        .filter_map(|&i| app.model.packages.get(i))
        .collect();
    let cells =
        |g: &dyn Fn(&PackageView) -> Cell<'static>| on_screen.iter().map(|p| g(p)).collect();
    let (header, widths, rows) = fit(
        vec![
            col("ID", 8, false, cells(&|p| Cell::from(safe(&p.id)))),
            col("Name", 11, true, cells(&|p| Cell::from(safe(&p.name)))),
            col(
                "State",
                9,
                false,
                cells(&|p| {
                    let (t, role) = package_state(p.state);
                    Cell::from(Span::styled(t, of(theme, role)))
                }),
            ),
            col(
                "Distributed",
                11,
                false,
                cells(&|p| {
                    let d = app.model.package_distributions(&p.id);
                    let failed = d.iter().any(|d| d.state == DistributionState::Failed);
                    let role = if failed {
                        Role::AlertWarning
                    } else {
                        Role::Text
                    };
                    Cell::from(Span::styled(d.len().to_string(), of(theme, role)))
                }),
            ),
            col("Size", 8, false, cells(&|p| Cell::from(size(p.size)))),
            col(
                "Type",
                11,
                false,
                cells(&|p| Cell::from(type_label(p.content_type))),
            ),
        ],
        area.width.saturating_sub(2),
    );
    let empty = rows.is_empty();
    let title = list_title("Content library", app, "");
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(of(theme, Role::Header)))
        .row_highlight_style(of(
            theme,
            if focused {
                Role::Focus
            } else {
                Role::Selection
            },
        ))
        .block(pane(&title, focused, theme));
    let mut state = TableState::default();
    if !empty {
        state.select(Some(sel - offset));
    }
    f.render_stateful_widget(table, area, &mut state);
    if empty {
        draw_empty(f, area, app, theme);
    }
}
