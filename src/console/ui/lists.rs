//! The service lists (columns of domain.md §7), the site systems list, and the details pane.

use super::detail;
use super::style::pane;
use super::style::{of, state_role};
use super::text::safe;
use super::usage::{self, Figure};
use crate::api::wire::{ServiceView, SiteSystemView};
use crate::console::app::{App, Focus, Node};
use crate::console::describe;
use crate::console::keymap::Action;
use crate::console::rows;
use crate::console::theme::{Role, Theme};
use crate::display;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

/// A column: header, width, and its cells for each row.
pub(super) struct Col<'a> {
    header: String,
    width: Constraint,
    min: u16,
    cells: Vec<Cell<'a>>,
}

/// What [`fit`] keeps: the headers, widths and rows of the columns that fit.
pub(super) type Fitted<'a> = (Vec<String>, Vec<Constraint>, Vec<Row<'a>>);

/// Keeps the columns that fit `width`, in order of importance (the first two always); the
/// details pane shows whatever is left out.
pub(super) fn fit(cols: Vec<Col<'_>>, width: u16) -> Fitted<'_> {
    let rank: Vec<usize> = (0..cols.len()).collect();
    fit_ranked(cols, &rank, width)
}

/// As [`fit`], with the importance of each column given apart from the order they are shown
/// in: `rank[i]` is column `i`'s (0 the most important). A narrow terminal then drops, say,
/// a first-seen time before a last-seen one without moving the columns around.
pub(super) fn fit_ranked<'a>(cols: Vec<Col<'a>>, rank: &[usize], width: u16) -> Fitted<'a> {
    let mut order: Vec<usize> = (0..cols.len()).collect();
    order.sort_by_key(|&i| rank.get(i).copied().unwrap_or(usize::MAX));
    let mut used = 0u16;
    let mut kept = vec![false; cols.len()];
    for (n, &i) in order.iter().enumerate() {
        let need = cols[i].min + 1;
        if n < 2 || used + need <= width {
            used += need;
            kept[i] = true;
        }
    }
    let keep: Vec<Col<'a>> = cols
        .into_iter()
        .zip(kept)
        .filter_map(|(c, k)| k.then_some(c))
        .collect();
    let n = keep.first().map(|c| c.cells.len()).unwrap_or(0);
    let widths = keep.iter().map(|c| c.width).collect();
    let mut headers = Vec::new();
    let mut columns: Vec<std::vec::IntoIter<Cell<'a>>> = Vec::new();
    for c in keep {
        headers.push(c.header);
        columns.push(c.cells.into_iter());
    }
    let rows = (0..n)
        .map(|_| {
            Row::new(
                columns
                    .iter_mut()
                    .filter_map(|c| c.next())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    (headers, widths, rows)
}

/// A column of fixed width `min`, or at least `min` wide and filling the rest.
pub(super) fn col<'a>(
    header: impl Into<String>,
    min: u16,
    fill: bool,
    cells: Vec<Cell<'a>>,
) -> Col<'a> {
    Col {
        header: header.into(),
        width: if fill {
            Constraint::Min(min)
        } else {
            Constraint::Length(min)
        },
        min,
        cells,
    }
}

/// Headers of the usage columns, both forms.
const USAGE_HEADERS: [&str; 6] = [
    "Storage used / quota",
    "Transfer 30 days / quota",
    "Outbound data 14 days",
    "Storage used",
    "Transfer 30 days",
    "Outbound 14d",
];

/// The columns of the CDP or CMG list, in order of importance; `compact` gives the usage
/// columns their short form ("1.07 TiB 55%") so they fit narrow terminals.
fn service_columns<'a>(
    node: Node,
    services: &[&ServiceView],
    compact: bool,
    theme: &Theme,
) -> Vec<Col<'a>> {
    let status: Vec<Cell<'a>> = services.iter().map(|s| status_cell(s, theme)).collect();
    let text = |g: &dyn Fn(&ServiceView) -> String| {
        services
            .iter()
            .map(|s| Cell::from(safe(&g(s))))
            .collect::<Vec<_>>()
    };
    // Used against the quota, coloured once a threshold is reached.
    let used = |which: Figure| {
        services
            .iter()
            .map(|s| {
                let (t, role) = if compact {
                    usage::used_compact(s, which)
                } else {
                    usage::used_of_quota(s, which)
                };
                Cell::from(Span::styled(t, of(theme, role)))
            })
            .collect::<Vec<_>>()
    };
    let usage_col = |full: (&'static str, u16), short: (&'static str, u16), which| {
        let (h, w) = if compact { short } else { full };
        col(h, w, false, used(which))
    };
    let fqdn = text(&|s| s.service_fqdn.clone());
    let region = col("Region", 12, false, text(&|s| s.region.clone()));
    if node == Node::Cdps {
        vec![
            col("Service Name", 22, true, fqdn),
            col("Status", 12, false, status),
            // Usage before Region: it changes, the region does not.
            usage_col(
                ("Storage used / quota", 20),
                ("Storage used", 13),
                Figure::Storage,
            ),
            usage_col(
                ("Transfer 30 days / quota", 24),
                ("Transfer 30 days", 16),
                Figure::Transfer,
            ),
            region,
            col("Description", 12, true, text(&|s| s.description.clone())),
        ]
    } else {
        vec![
            col("Name", 22, true, fqdn),
            col("Status", 12, false, status),
            usage_col(
                ("Outbound data 14 days", 21),
                ("Outbound 14d", 13),
                Figure::Transfer,
            ),
            region,
            col(
                "VM instances",
                12,
                false,
                text(&|s| s.vm_instances.to_string()),
            ),
            col(
                "Serve content",
                13,
                false,
                text(&|s| {
                    s.cmg
                        .as_ref()
                        .map(|c| if c.serve_content { "Yes" } else { "No" })
                        .unwrap_or("")
                        .to_string()
                }),
            ),
        ]
    }
}

/// A list's title: its name, for Logs and Alerts what they are narrowed to ("Logs —
/// cdp1.contoso.com", "Alerts — all"), `extra` ("(following)"), and the filter in force.
pub(super) fn list_title(base: &str, app: &App, extra: &str) -> String {
    let mut title = base.to_string();
    if matches!(app.node, Node::Logs | Node::Alerts) {
        let what = app.scope().map_or("all", |s| s.fqdn.as_str());
        title.push_str(&format!(" — {what}"));
    }
    if !extra.is_empty() {
        title.push_str(&format!(" {extra}"));
    }
    if !app.filter().is_empty() {
        title.push_str(&format!(" · filter: {}", safe(app.filter())));
    }
    title
}

/// What an empty list says: loading, nothing matches (and how to see everything again), or
/// how to get a first row.
pub(super) fn empty_message(app: &App) -> String {
    let back = app.keymap.keys_text(Action::Back);
    if !app.model.loaded {
        "Loading…".into()
    } else if !app.filter().is_empty() {
        format!("Nothing matches the filter. {back} clears it.")
    } else if let Some(s) = app.scope() {
        format!("Nothing for {} yet. {back} shows all.", safe(&s.fqdn))
    } else {
        match app.node {
            Node::Cdps | Node::Cmgs => format!(
                "No {} yet. Press {} to create one, or set up a lab to try it: cloudsite lab init DIR",
                if app.node == Node::Cdps {
                    "cloud distribution points"
                } else {
                    "cloud management gateways"
                },
                app.keymap.keys_text(Action::Create)
            ),
            Node::Content => "No packages. Add some: cloudsite content add".into(),
            _ => "Nothing yet.".into(),
        }
    }
}

/// Draws [`empty_message`] under the header row of an empty list in `area`.
pub(super) fn draw_empty(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let inner = Rect {
        x: area.x + 2,
        y: area.y + 2,
        width: area.width.saturating_sub(4),
        height: area.height.saturating_sub(3),
    };
    f.render_widget(
        Paragraph::new(Span::styled(empty_message(app), of(theme, Role::Muted)))
            .wrap(ratatui::widgets::Wrap { trim: true }),
        inner,
    );
}

/// The first row shown so that row `sel` of `total` is in a window of `visible` rows.
pub(super) fn window(sel: usize, visible: usize) -> usize {
    if sel < visible { 0 } else { sel + 1 - visible }
}

/// The list of the current node; `shown` are the rows the filter keeps.
pub fn list(f: &mut Frame<'_>, area: Rect, app: &App, shown: &[usize], theme: &Theme) {
    let focused = app.focus == Focus::List;
    let header_style = of(theme, Role::Header);
    let width = area.width.saturating_sub(2);
    // Only the rows on screen get cells: a list of 10,000 services costs the same as one of 20.
    let visible = usize::from(area.height.saturating_sub(3)).max(1);
    let total = shown.len();
    let sel = app.row().min(total.saturating_sub(1));
    let offset = window(sel, visible);
    let on_screen = shown
        .get(offset..(offset + visible).min(total))
        .unwrap_or_default();
    let (title, (header, widths, rows)) = match app.node {
        Node::Cdps | Node::Cmgs => {
            let services: Vec<&ServiceView> = on_screen
                .iter()
                .filter_map(|&i| rows::service(&app.model, app.node, i))
                .collect();
            let full = fit(service_columns(app.node, &services, false, theme), width);
            let compact = fit(service_columns(app.node, &services, true, theme), width);
            // "used / quota" unless the shorter form fits more usage columns in this width.
            let shown = |h: &[String]| {
                h.iter()
                    .filter(|h| USAGE_HEADERS.contains(&h.as_str()))
                    .count()
            };
            let title = if app.node == Node::Cdps {
                "Cloud Distribution Points"
            } else {
                "Cloud Management Gateway"
            };
            if shown(&compact.0) > shown(&full.0) {
                (title.to_string(), compact)
            } else {
                (title.to_string(), full)
            }
        }
        _ => {
            let systems: Vec<&SiteSystemView> = on_screen
                .iter()
                .filter_map(|&i| app.model.site_systems.get(i))
                .collect();
            (
                "Servers and Site System Roles".to_string(),
                fit(
                    vec![
                        col(
                            "Name",
                            20,
                            false,
                            systems.iter().map(|s| Cell::from(safe(&s.name))).collect(),
                        ),
                        col(
                            "Proxy",
                            24,
                            false,
                            systems
                                .iter()
                                .map(|s| Cell::from(safe(&rows::proxy_text(s))))
                                .collect(),
                        ),
                        col(
                            "Roles",
                            20,
                            true,
                            systems
                                .iter()
                                .map(|s| Cell::from(safe(&s.roles.join(", "))))
                                .collect(),
                        ),
                    ],
                    width,
                ),
            )
        }
    };
    let empty = rows.is_empty();
    let title = list_title(&title, app, "");
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(header_style))
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

fn status_cell<'a>(s: &ServiceView, theme: &Theme) -> Cell<'a> {
    Cell::from(Span::styled(
        s.status.as_str().to_string(),
        of(theme, state_role(s.status)),
    ))
}

/// The details pane: the whole text of the selected row, wrapped; focused (Tab), ↑/↓, PgUp/PgDn,
/// Home/End scroll it.
pub fn details(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Focus::Details;
    let doc = app
        .selected_target()
        .and_then(|t| describe::describe(&app.model, &t))
        .unwrap_or_default();
    // When the usage figures were read: the pane's title, so the lines keep their room.
    let title = app
        .selected_service()
        .and_then(|s| s.usage.as_ref())
        .map_or_else(
            || "Details".to_string(),
            |u| {
                format!(
                    "Details · usage as of {} {}",
                    display::short_time(&u.collected),
                    display::zone_label()
                )
            },
        );
    detail::draw_doc(f, area, (&doc, &title), &app.details_scroll, focused, theme);
}
