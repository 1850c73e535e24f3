//! The service lists (columns of domain.md §7), the site systems list, and the details pane.

use super::chrome::pane;
use super::style::{of, state_role};
use crate::api::wire::ServiceView;
use crate::console::app::{App, Focus, Node};
use crate::console::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

fn gb(quota: u32) -> String {
    // Usage metering comes with content distribution; until then the used side is unknown.
    format!("– / {quota} GB")
}

/// A column: header, width, and its cells for each row.
struct Col<'a> {
    header: &'static str,
    width: Constraint,
    min: u16,
    cells: Vec<Cell<'a>>,
}

/// Keeps the columns that fit `width`, in order of importance (the first two always); the
/// details pane shows whatever is left out.
fn fit(cols: Vec<Col<'_>>, width: u16) -> (Vec<&'static str>, Vec<Constraint>, Vec<Row<'_>>) {
    let mut used = 0u16;
    let mut keep = Vec::new();
    for (i, c) in cols.into_iter().enumerate() {
        let need = c.min + 1;
        if i < 2 || used + need <= width {
            used += need;
            keep.push(c);
        }
    }
    let n = keep.first().map(|c| c.cells.len()).unwrap_or(0);
    let headers = keep.iter().map(|c| c.header).collect();
    let widths = keep.iter().map(|c| c.width).collect();
    let mut columns: Vec<std::vec::IntoIter<Cell<'_>>> =
        keep.into_iter().map(|c| c.cells.into_iter()).collect();
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

fn col<'a>(header: &'static str, min: u16, fill: bool, cells: Vec<Cell<'a>>) -> Col<'a> {
    Col {
        header,
        width: if fill {
            Constraint::Min(min)
        } else {
            Constraint::Length(min)
        },
        min,
        cells,
    }
}

/// The list of the current node.
pub fn list(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Focus::List;
    let header_style = of(theme, Role::Header);
    let width = area.width.saturating_sub(2);
    // Only the rows on screen get cells: a list of 10,000 services costs the same as one of 20.
    let all = app.services();
    let visible = usize::from(area.height.saturating_sub(3)).max(1);
    let total = match app.node {
        Node::Cdps | Node::Cmgs => all.len(),
        _ => app.model.site_systems.len(),
    };
    let sel = app.row().min(total.saturating_sub(1));
    let offset = if sel < visible { 0 } else { sel + 1 - visible };
    let window = offset..(offset + visible).min(total);
    let services: Vec<&ServiceView> = all
        .get(window.clone())
        .map(|w| w.to_vec())
        .unwrap_or_default();
    let status = |v: &[&ServiceView]| v.iter().map(|s| status_cell(s, theme)).collect::<Vec<_>>();
    let text = |v: &[&ServiceView], g: &dyn Fn(&ServiceView) -> String| {
        v.iter().map(|s| Cell::from(g(s))).collect::<Vec<_>>()
    };
    let (title, (header, widths, rows)) = match app.node {
        Node::Cdps => (
            "Cloud Distribution Points".to_string(),
            fit(
                vec![
                    col(
                        "Service Name",
                        22,
                        true,
                        text(&services, &|s| s.service_fqdn.clone()),
                    ),
                    col("Status", 12, false, status(&services)),
                    col("Region", 12, false, text(&services, &|s| s.region.clone())),
                    col(
                        "Storage/quota",
                        14,
                        false,
                        text(&services, &|s| gb(s.storage.quota_gb)),
                    ),
                    col(
                        "Transfer 30 days",
                        16,
                        false,
                        text(&services, &|s| gb(s.transfer.quota_gb)),
                    ),
                    col(
                        "Description",
                        12,
                        true,
                        text(&services, &|s| s.description.clone()),
                    ),
                ],
                width,
            ),
        ),
        Node::Cmgs => (
            "Cloud Management Gateway".to_string(),
            fit(
                vec![
                    col(
                        "Name",
                        22,
                        true,
                        text(&services, &|s| s.service_fqdn.clone()),
                    ),
                    col("Status", 12, false, status(&services)),
                    col("Region", 12, false, text(&services, &|s| s.region.clone())),
                    col(
                        "VM instances",
                        12,
                        false,
                        text(&services, &|s| s.vm_instances.to_string()),
                    ),
                    col(
                        "Outbound 14 days",
                        16,
                        false,
                        text(&services, &|s| gb(s.transfer.quota_gb)),
                    ),
                    col(
                        "Serve content",
                        13,
                        false,
                        text(&services, &|s| {
                            s.cmg
                                .as_ref()
                                .map(|c| if c.serve_content { "Yes" } else { "No" })
                                .unwrap_or("")
                                .to_string()
                        }),
                    ),
                ],
                width,
            ),
        ),
        _ => {
            let systems = app
                .model
                .site_systems
                .get(window.clone())
                .unwrap_or_default();
            let proxy =
                |s: &crate::api::wire::SiteSystemView| match (&s.proxy.enabled, &s.proxy.server) {
                    (true, Some(server)) => format!("{server}:{}", s.proxy.port),
                    _ => "none".into(),
                };
            (
                "Servers and Site System Roles".to_string(),
                fit(
                    vec![
                        col(
                            "Name",
                            20,
                            false,
                            systems.iter().map(|s| Cell::from(s.name.clone())).collect(),
                        ),
                        col(
                            "Proxy",
                            24,
                            false,
                            systems.iter().map(|s| Cell::from(proxy(s))).collect(),
                        ),
                        col(
                            "Roles",
                            20,
                            true,
                            systems
                                .iter()
                                .map(|s| Cell::from(s.roles.join(", ")))
                                .collect(),
                        ),
                    ],
                    width,
                ),
            )
        }
    };
    let empty = rows.is_empty();
    let title = if app.filter.is_empty() {
        title
    } else {
        format!("{title} — filter: {}", app.filter)
    };
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
        let msg = if !app.model.loaded {
            "Loading…".to_string()
        } else if matches!(app.node, Node::Cdps | Node::Cmgs) && app.filter.is_empty() {
            format!(
                "No {} yet. Press {} to create one.",
                if app.node == Node::Cdps {
                    "cloud distribution point"
                } else {
                    "cloud management gateway"
                },
                app.keymap.keys_text(crate::console::keymap::Action::Create)
            )
        } else {
            "Nothing matches.".to_string()
        };
        let inner = Rect {
            x: area.x + 2,
            y: area.y + 2,
            width: area.width.saturating_sub(4),
            height: 1,
        };
        f.render_widget(
            Paragraph::new(Span::styled(msg, of(theme, Role::Muted))),
            inner,
        );
    }
}

fn status_cell<'a>(s: &ServiceView, theme: &Theme) -> Cell<'a> {
    Cell::from(Span::styled(
        s.status.as_str().to_string(),
        of(theme, state_role(s.status)),
    ))
}

/// The details pane for the selected row.
pub fn details(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Focus::Details;
    let key = |k: &str| Span::styled(format!("{k:<26}"), of(theme, Role::Muted));
    let lines: Vec<Line<'_>> = match app.node {
        Node::SiteSystems => match app.model.site_systems.get(app.row()) {
            Some(s) => vec![
                Line::from(vec![key("Server"), Span::raw(s.name.clone())]),
                Line::from(vec![key("Roles"), Span::raw(s.roles.join(", "))]),
                Line::from(vec![
                    key("Use a proxy server"),
                    Span::raw(if s.proxy.enabled { "Yes" } else { "No" }),
                ]),
                Line::from(vec![
                    key("Proxy server name"),
                    Span::raw(s.proxy.server.clone().unwrap_or_default()),
                ]),
                Line::from(vec![key("Port"), Span::raw(s.proxy.port.to_string())]),
                Line::from(vec![
                    key("Proxy account"),
                    Span::raw(s.proxy.account.clone().unwrap_or_else(|| "none".into())),
                ]),
            ],
            None => Vec::new(),
        },
        _ => match app.selected_service() {
            Some(s) => {
                let mut v = vec![
                    Line::from(vec![key("Service FQDN"), Span::raw(s.service_fqdn.clone())]),
                    Line::from(vec![
                        key("Status"),
                        Span::styled(s.status.as_str(), of(theme, state_role(s.status))),
                    ]),
                ];
                if let Some(d) = &s.status_details {
                    v.push(Line::from(vec![
                        key("Status details"),
                        Span::styled(d.clone(), of(theme, Role::AlertWarning)),
                    ]));
                }
                v.extend([
                    Line::from(vec![
                        key("Subscription ID"),
                        Span::raw(s.subscription_id.clone()),
                    ]),
                    Line::from(vec![key("Region"), Span::raw(s.region.clone())]),
                    Line::from(vec![
                        key("Instances"),
                        Span::raw(
                            s.instances
                                .iter()
                                .map(|i| format!("{} {}", i.id, i.state))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    ]),
                    Line::from(vec![
                        key("Certificate"),
                        Span::raw(format!(
                            "{} (expires {})",
                            s.certificate.thumbprint,
                            s.certificate.not_after.get(..10).unwrap_or("")
                        )),
                    ]),
                    Line::from(vec![
                        key("DNS CNAME"),
                        Span::raw(format!("{} → {}", s.service_fqdn, s.cname_target)),
                    ]),
                    Line::from(vec![key("Description"), Span::raw(s.description.clone())]),
                ]);
                v
            }
            None => Vec::new(),
        },
    };
    f.render_widget(
        Paragraph::new(lines).block(pane("Details", focused, theme)),
        area,
    );
}
