//! The service lists (columns of domain.md §7), the site systems list, and the details pane.

use super::style::pane;
use super::style::{of, state_role};
use super::text::safe;
use super::usage::{self, Figure};
use crate::api::wire::DistributionState;
use crate::api::wire::ServiceView;
use crate::console::app::{App, Focus, Node};
use crate::console::theme::{Role, Theme};
use crate::display;
use crate::domain::service::HostedKind;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
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
    let (title, (header, widths, rows)) = match app.node {
        Node::Cdps | Node::Cmgs => {
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
            let systems = app
                .model
                .site_systems
                .get(window.clone())
                .unwrap_or_default();
            let proxy =
                |s: &crate::api::wire::SiteSystemView| match (&s.proxy.enabled, &s.proxy.server) {
                    (true, Some(server)) => format!("{}:{}", safe(server), s.proxy.port),
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
                            systems.iter().map(|s| Cell::from(safe(&s.name))).collect(),
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

/// Width of the details pane's labels (the longest is "Outbound data 14 days").
const KEY_WIDTH: usize = 22;

/// Usage, cost and distributions of a service, for the details pane.
fn usage_lines<'a>(app: &App, s: &ServiceView, theme: &Theme) -> Vec<Line<'a>> {
    let key = |k: &str| Span::styled(format!("{k:<KEY_WIDTH$}"), of(theme, Role::Muted));
    let figure = |label: &str, which: Figure| {
        let (text, role) = usage::used_detail(s, which);
        Line::from(vec![key(label), Span::styled(text, of(theme, role))])
    };
    let transfer = if s.kind == HostedKind::Cmg {
        "Outbound data 14 days"
    } else {
        "Transfer 30 days"
    };
    let mut v = vec![
        figure("Storage used", Figure::Storage),
        figure(transfer, Figure::Transfer),
    ];
    match &s.usage {
        Some(u) => {
            v.extend([
                Line::from(vec![
                    key("Cost month to date"),
                    Span::raw(usage::money(&u.cost.currency, u.cost.month_to_date_cents)),
                ]),
                Line::from(vec![
                    key("Cost projected month"),
                    Span::raw(usage::money(&u.cost.currency, u.cost.projected_month_cents)),
                ]),
            ]);
            if u.cost.illustrative {
                v.push(Line::from(Span::styled(
                    "(illustrative prices: set [prices] in the config)",
                    of(theme, Role::Muted),
                )));
            }
        }
        None => v.push(Line::from(vec![
            key("Cost month to date"),
            Span::styled("not collected yet", of(theme, Role::Muted)),
        ])),
    }
    let dists = app.model.service_distributions(&s.id);
    let mut counts: Vec<String> = Vec::new();
    for st in [
        DistributionState::Success,
        DistributionState::InProgress,
        DistributionState::Failed,
        DistributionState::Removing,
    ] {
        let n = dists.iter().filter(|d| d.state == st).count();
        if n > 0 {
            counts.push(format!(
                "{n} {}",
                usage::distribution_state(st).0.to_lowercase()
            ));
        }
    }
    let text = match dists.len() {
        0 => "none".to_string(),
        n => format!("{n} ({})", counts.join(", ")),
    };
    let failed = dists.iter().any(|d| d.state == DistributionState::Failed);
    v.push(Line::from(vec![
        key("Packages"),
        Span::styled(
            text,
            of(
                theme,
                if failed {
                    Role::AlertWarning
                } else {
                    Role::Text
                },
            ),
        ),
    ]));
    v
}

/// The details pane for the selected row.
pub fn details(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Focus::Details;
    let key = |k: &str| Span::styled(format!("{k:<KEY_WIDTH$}"), of(theme, Role::Muted));
    let lines: Vec<Line<'_>> = match app.node {
        Node::SiteSystems => match app.model.site_systems.get(app.row()) {
            Some(s) => vec![
                Line::from(vec![key("Server"), Span::raw(safe(&s.name))]),
                Line::from(vec![key("Roles"), Span::raw(safe(&s.roles.join(", ")))]),
                Line::from(vec![
                    key("Use a proxy server"),
                    Span::raw(if s.proxy.enabled { "Yes" } else { "No" }),
                ]),
                Line::from(vec![
                    key("Proxy server name"),
                    Span::raw(safe(s.proxy.server.as_deref().unwrap_or_default())),
                ]),
                Line::from(vec![key("Port"), Span::raw(s.proxy.port.to_string())]),
                Line::from(vec![
                    key("Proxy account"),
                    Span::raw(safe(s.proxy.account.as_deref().unwrap_or("none"))),
                ]),
            ],
            None => Vec::new(),
        },
        _ => match app.selected_service() {
            Some(s) => {
                let mut v = vec![
                    Line::from(vec![key("Service FQDN"), Span::raw(safe(&s.service_fqdn))]),
                    Line::from(vec![
                        key("Status"),
                        Span::styled(s.status.as_str(), of(theme, state_role(s.status))),
                    ]),
                ];
                if let Some(d) = &s.status_details {
                    v.push(Line::from(vec![
                        key("Status details"),
                        Span::styled(safe(d), of(theme, Role::AlertWarning)),
                    ]));
                }
                v.extend(super::gateway::lines(app, s, theme, KEY_WIDTH));
                v.extend(usage_lines(app, s, theme));
                v.extend([
                    Line::from(vec![
                        key("Subscription ID"),
                        Span::raw(safe(&s.subscription_id)),
                    ]),
                    Line::from(vec![key("Region"), Span::raw(safe(&s.region))]),
                    Line::from(vec![
                        key("Instances"),
                        Span::raw(safe(
                            &s.instances
                                .iter()
                                .map(|i| format!("{} {}", i.id, i.state))
                                .collect::<Vec<_>>()
                                .join(", "),
                        )),
                    ]),
                    Line::from(vec![
                        key("Certificate"),
                        Span::raw(format!(
                            "{} (expires {})",
                            safe(&s.certificate.thumbprint),
                            display::date(&s.certificate.not_after)
                        )),
                    ]),
                    Line::from(vec![
                        key("DNS CNAME"),
                        Span::raw(format!(
                            "{} → {}",
                            safe(&s.service_fqdn),
                            safe(&s.cname_target)
                        )),
                    ]),
                    Line::from(vec![key("Description"), Span::raw(safe(&s.description))]),
                ]);
                v
            }
            None => Vec::new(),
        },
    };
    // When the usage figures were read: the pane's title, so the lines keep their room.
    let title = match app.node {
        Node::SiteSystems => None,
        _ => app.selected_service().and_then(|s| s.usage.as_ref()),
    }
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
    f.render_widget(
        Paragraph::new(lines).block(pane(&title, focused, theme)),
        area,
    );
}
