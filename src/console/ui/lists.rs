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

/// The list of the current node.
pub fn list(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Focus::List;
    let header_style = of(theme, Role::Header);
    let (title, header, widths, rows): (String, Vec<&str>, Vec<Constraint>, Vec<Row<'_>>) =
        match app.node {
            Node::Cdps => {
                let rows = app
                    .services()
                    .into_iter()
                    .map(|s| cdp_row(s, theme))
                    .collect();
                (
                    "Cloud Distribution Points".into(),
                    vec![
                        "Service Name",
                        "Status",
                        "Region",
                        "Storage/quota",
                        "Transfer 30d",
                        "Description",
                    ],
                    vec![
                        Constraint::Min(22),
                        Constraint::Length(12),
                        Constraint::Length(12),
                        Constraint::Length(15),
                        Constraint::Length(16),
                        Constraint::Min(8),
                    ],
                    rows,
                )
            }
            Node::Cmgs => {
                let rows = app
                    .services()
                    .into_iter()
                    .map(|s| cmg_row(s, theme))
                    .collect();
                (
                    "Cloud Management Gateway".into(),
                    vec!["Name", "Status", "Region", "VMs", "Outbound 14d", "Content"],
                    vec![
                        Constraint::Min(22),
                        Constraint::Length(12),
                        Constraint::Length(12),
                        Constraint::Length(4),
                        Constraint::Length(16),
                        Constraint::Length(8),
                    ],
                    rows,
                )
            }
            _ => {
                let rows = app
                    .model
                    .site_systems
                    .iter()
                    .map(|s| {
                        let proxy = match (&s.proxy.enabled, &s.proxy.server) {
                            (true, Some(server)) => format!("{server}:{}", s.proxy.port),
                            _ => "none".into(),
                        };
                        Row::new(vec![
                            Cell::from(s.name.clone()),
                            Cell::from(s.roles.join(", ")),
                            Cell::from(proxy),
                        ])
                    })
                    .collect();
                (
                    "Servers and Site System Roles".into(),
                    vec!["Name", "Roles", "Proxy"],
                    vec![
                        Constraint::Length(24),
                        Constraint::Min(30),
                        Constraint::Length(28),
                    ],
                    rows,
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
        state.select(Some(app.row()));
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

fn cdp_row<'a>(s: &ServiceView, theme: &Theme) -> Row<'a> {
    Row::new(vec![
        Cell::from(s.service_fqdn.clone()),
        status_cell(s, theme),
        Cell::from(s.region.clone()),
        Cell::from(gb(s.storage.quota_gb)),
        Cell::from(gb(s.transfer.quota_gb)),
        Cell::from(s.description.clone()),
    ])
}

fn cmg_row<'a>(s: &ServiceView, theme: &Theme) -> Row<'a> {
    Row::new(vec![
        Cell::from(s.service_fqdn.clone()),
        status_cell(s, theme),
        Cell::from(s.region.clone()),
        Cell::from(s.vm_instances.to_string()),
        Cell::from(gb(s.transfer.quota_gb)),
        Cell::from(
            s.cmg
                .as_ref()
                .map(|c| if c.serve_content { "Yes" } else { "No" })
                .unwrap_or(""),
        ),
    ])
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
