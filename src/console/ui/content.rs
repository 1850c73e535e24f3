//! The Content node: the library's packages (id, name, state, where distributed, size, type)
//! and, below, where the selected package is and in what state.

use super::lists::{col, fit};
use super::style::of;
use super::style::pane;
use super::text::safe;
use super::usage;
use crate::api::wire::{DistributionState, PackageState, PackageView};
use crate::console::app::{App, Focus};
use crate::console::theme::{Role, Theme};
use crate::display::{self, size};
use crate::domain::content::ContentType;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

/// A content type as the console names it (short enough for the list).
pub fn type_label(t: ContentType) -> &'static str {
    match t {
        ContentType::Application => "Application",
        ContentType::Package => "Package",
        ContentType::OsUpgrade => "OS upgrade",
        ContentType::ThirdPartyUpdate => "3rd-party",
        ContentType::SoftwareUpdate => "SW update",
        ContentType::AppVStreaming => "App-V",
        ContentType::BootImage => "Boot image",
        ContentType::Prestaged => "Prestaged",
        ContentType::M365AppsUpdate => "M365 Apps",
    }
}

fn package_state(s: PackageState) -> (&'static str, Role) {
    match s {
        PackageState::Uploading => ("Uploading", Role::StatusProvisioning),
        PackageState::Ready => ("Ready", Role::StatusReady),
    }
}

/// The selected package of the Content node.
pub fn selected_package(app: &App) -> Option<&PackageView> {
    app.model.packages.get(app.row())
}

/// The package list.
pub fn packages(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Focus::List;
    let all = &app.model.packages;
    // Only the rows on screen get cells, as in the service lists.
    let visible = usize::from(area.height.saturating_sub(3)).max(1);
    let sel = app.row();
    let offset = if sel < visible { 0 } else { sel + 1 - visible };
    let shown = all
        .get(offset..(offset + visible).min(all.len()))
        .unwrap_or_default();
    let cells = |g: &dyn Fn(&PackageView) -> Cell<'static>| shown.iter().map(g).collect();
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
        .block(pane("Content library", focused, theme));
    let mut state = TableState::default();
    if !empty {
        state.select(Some(sel - offset));
    }
    f.render_stateful_widget(table, area, &mut state);
    if empty {
        let msg = if app.model.loaded {
            "No packages. Add some: cloudsite content add"
        } else {
            "Loading…"
        };
        let line = Rect {
            x: area.x + 2,
            y: area.y + 2,
            width: area.width.saturating_sub(4),
            height: 1,
        };
        f.render_widget(
            Paragraph::new(Span::styled(msg, of(theme, Role::Muted))),
            line,
        );
    }
}

/// The selected package: type, size, files, when it was added, and its state on each service.
pub fn package_details(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Focus::Details;
    let muted = of(theme, Role::Muted);
    let key = |k: &str| Span::styled(format!("{k:<13}"), muted);
    let mut lines: Vec<Line<'_>> = Vec::new();
    if let Some(p) = selected_package(app) {
        let (state, role) = package_state(p.state);
        lines.extend([
            Line::from(vec![
                key("Package"),
                Span::raw(safe(&format!("{} {}", p.id, p.name))),
            ]),
            Line::from(vec![
                key("Type · state"),
                Span::raw(format!("{} · ", type_label(p.content_type))),
                Span::styled(state, of(theme, role)),
            ]),
            Line::from(vec![
                key("Size"),
                Span::raw(format!(
                    "{} in {} file{}",
                    size(p.size),
                    p.files.len(),
                    if p.files.len() == 1 { "" } else { "s" }
                )),
            ]),
            Line::from(vec![key("Created"), Span::raw(display::time(&p.created))]),
            Line::from(""),
        ]);
        let dists = app.model.package_distributions(&p.id);
        if dists.is_empty() {
            lines.push(Line::from(Span::styled(
                "Not distributed to any service.",
                muted,
            )));
        } else {
            let name_w = dists
                .iter()
                .map(|d| safe(&d.service_fqdn).chars().count())
                .max()
                .unwrap_or(0)
                .clamp(7, 28);
            lines.push(Line::from(Span::styled(
                format!(
                    "{:<name_w$} {:<11} {:>8}  Reason",
                    "Service", "State", "Size"
                ),
                of(theme, Role::Header),
            )));
            for d in dists {
                let (st, role) = usage::distribution_state(d.state);
                lines.push(Line::from(vec![
                    Span::raw(format!("{:<name_w$} ", safe(&d.service_fqdn))),
                    Span::styled(format!("{st:<11}"), of(theme, role)),
                    Span::raw(format!(" {:>8}  ", size(d.size))),
                    Span::styled(safe(d.reason.as_deref().unwrap_or_default()), muted),
                ]));
            }
        }
    }
    f.render_widget(
        Paragraph::new(lines).block(pane("Distribution status", focused, theme)),
        area,
    );
}
