//! The frame around the views: header, navigation tree, footer, modals.

use super::style::{of, pane};
use super::text::safe;
use crate::console::app::{App, Focus, Modal, Node, TREE};
use crate::console::keymap::Action;
use crate::console::model::Link;
use crate::console::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, List, ListItem, Paragraph, Wrap};

/// The top bar: site, connection, role, active alerts.
pub fn header(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let m = &app.model;
    let site = match &m.site {
        Some(s) => safe(&format!("{} · {}", s.site_code, s.server_name)),
        None => "loading…".to_string(),
    };
    let (link, link_role) = match &m.link {
        Link::Connecting => ("● connecting".to_string(), Role::StatusProvisioning),
        Link::Connected => ("● connected".to_string(), Role::StatusReady),
        Link::Disconnected { attempt, .. } => (
            format!("● disconnected, reconnecting (attempt {attempt})"),
            Role::StatusError,
        ),
    };
    let role = m.site.as_ref().map(|s| s.role.as_str());
    let (crit, warn) = m.active_alerts();
    let mut spans = vec![
        Span::styled(" cloudsite ", of(theme, Role::Title)),
        Span::styled(site, of(theme, Role::Header)),
        Span::raw("  "),
        Span::styled(link, of(theme, link_role)),
    ];
    if let Some(role) = role {
        spans.push(Span::styled(
            format!("  role: {role}"),
            of(theme, Role::Muted),
        ));
    }
    spans.push(Span::raw("  alerts: "));
    spans.push(Span::styled(
        format!("{crit} critical"),
        of(
            theme,
            if crit > 0 {
                Role::AlertCritical
            } else {
                Role::Muted
            },
        ),
    ));
    spans.push(Span::raw(" "));
    spans.push(Span::styled(
        format!("{warn} warning"),
        of(
            theme,
            if warn > 0 {
                Role::AlertWarning
            } else {
                Role::Muted
            },
        ),
    ));
    f.render_widget(
        Paragraph::new(Line::from(spans)).style(of(theme, Role::Header)),
        area,
    );
}

/// The navigation tree.
pub fn tree(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let items: Vec<ListItem<'_>> = TREE
        .iter()
        .map(|(depth, label, node)| {
            let indent = " ".repeat(usize::from(*depth));
            let text = format!("{indent}{label}");
            let style = match node {
                Some(n) if *n == app.node => of(
                    theme,
                    if app.focus == Focus::Tree {
                        Role::Focus
                    } else {
                        Role::Selection
                    },
                ),
                Some(_) => of(theme, Role::Text),
                None => of(theme, Role::Muted),
            };
            ListItem::new(Line::from(Span::styled(text, style)))
        })
        .collect();
    f.render_widget(
        List::new(items).block(pane("Workspace", app.focus == Focus::Tree, theme)),
        area,
    );
}

/// The bottom bar: the keys valid here, or the last notice.
pub fn footer(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    if let Some(n) = &app.notice {
        f.render_widget(
            Paragraph::new(format!(" {}", safe(n))).style(of(theme, Role::Footer)),
            area,
        );
        return;
    }
    let blocked = app.write_blocked();
    let mut spans = vec![Span::raw(" ")];
    for a in app.commands() {
        if matches!(a, Action::Up | Action::Down | Action::FocusNext) {
            continue;
        }
        let disabled = blocked.is_some() && changes_site(a);
        let key_style = if disabled {
            of(theme, Role::Muted)
        } else {
            of(theme, Role::Key)
        };
        spans.push(Span::styled(app.keymap.keys_text(a), key_style));
        spans.push(Span::styled(
            format!(" {}  ", short(a)),
            of(theme, if disabled { Role::Muted } else { Role::Footer }),
        ));
    }
    f.render_widget(
        Paragraph::new(Line::from(spans)).style(of(theme, Role::Footer)),
        area,
    );
}

/// Whether an action changes the site (shown disabled to read-only tokens).
pub fn changes_site(a: Action) -> bool {
    matches!(
        a,
        Action::Create
            | Action::Start
            | Action::Stop
            | Action::Delete
            | Action::Redistribute
            | Action::Remove
    )
}

/// Short footer label.
pub fn short(a: Action) -> &'static str {
    match a {
        Action::Create => "Create",
        Action::Start => "Start",
        Action::Stop => "Stop",
        Action::Delete => "Delete",
        Action::Open => "Properties",
        Action::Refresh => "Refresh",
        Action::Logs => "Logs",
        Action::Alerts => "Alerts",
        Action::Filter => "Filter",
        Action::Palette => "Command",
        Action::Help => "Help",
        Action::Quit => "Quit",
        Action::Redistribute => "Redistribute",
        Action::Remove => "Remove",
        Action::NextPage => "Next page",
        Action::PrevPage => "Previous page",
        other => other.label(),
    }
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2));
    let h = h.min(area.height.saturating_sub(2));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Draws a modal over the screen.
pub fn modal(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme, m: &Modal) {
    match m {
        Modal::Help => {
            let r = centered(area, 70, 26);
            f.render_widget(Clear, r);
            let mut lines = vec![Line::from(Span::styled(
                "Keys valid here",
                of(theme, Role::Header),
            ))];
            // What this view lists (as the footer does), then the keys that work everywhere.
            let mut here = app.commands();
            for a in [Action::FocusPrev, Action::Back, Action::ForceQuit] {
                if !here.contains(&a) {
                    here.push(a);
                }
            }
            let blocked = app.write_blocked();
            for a in here {
                let off = blocked.filter(|_| changes_site(a));
                let mut spans = vec![
                    Span::styled(
                        format!("{:<22}", app.keymap.keys_text(a)),
                        of(
                            theme,
                            if off.is_some() {
                                Role::Muted
                            } else {
                                Role::Key
                            },
                        ),
                    ),
                    Span::styled(a.label().to_string(), of(theme, Role::Text)),
                ];
                if let Some(why) = off {
                    spans.push(Span::styled(
                        format!(" (not available: {why})"),
                        of(theme, Role::Muted),
                    ));
                }
                lines.push(Line::from(spans));
            }
            lines.push(Line::from(""));
            for l in [
                "Palette: :overview :cdp :cmg :content :alerts :logs :status :proxy",
                "         :create cdp|cmg :theme NAME :quit",
            ] {
                lines.push(Line::from(Span::styled(l, of(theme, Role::Muted))));
            }
            f.render_widget(Paragraph::new(lines).block(pane("Help", true, theme)), r);
        }
        Modal::Filter(input) | Modal::Palette(input) => {
            let (title, lead) = match m {
                Modal::Filter(_) => ("Filter", "/"),
                _ => ("Command", ":"),
            };
            let r = Rect {
                x: area.x + 2,
                y: area.height.saturating_sub(4),
                width: area.width.saturating_sub(4).min(70),
                height: 3,
            };
            f.render_widget(Clear, r);
            let block = pane(title, true, theme);
            let inner = block.inner(r);
            let room = usize::from(inner.width.saturating_sub(1));
            let view = input.view(room, None);
            let style = of(theme, Role::Input);
            let mut spans = vec![Span::styled(lead, style)];
            for (text, selected) in view.parts {
                let s = if selected {
                    of(theme, Role::Selection)
                } else {
                    style
                };
                spans.push(Span::styled(text, s));
            }
            f.render_widget(Paragraph::new(Line::from(spans)).block(block), r);
            let x = inner.x + 1 + u16::try_from(view.cursor).unwrap_or(0);
            if inner.height > 0 && x < inner.right() {
                f.set_cursor_position(Position::new(x, inner.y));
            }
        }
        Modal::ConfirmDelete { name, typed, .. } => {
            let r = centered(area, 72, 9);
            f.render_widget(Clear, r);
            let ok = typed.eq_ignore_ascii_case(name);
            let lines = vec![
                Line::from(format!("Delete {}?", safe(name))),
                Line::from(Span::styled(
                    "Its content in the cloud is deleted too. This cannot be undone.",
                    of(theme, Role::AlertWarning),
                )),
                Line::from(""),
                Line::from(vec![
                    Span::raw("Type the service name to confirm: "),
                    Span::styled(
                        format!("{}▏", safe(typed)),
                        of(theme, if ok { Role::Input } else { Role::InputInvalid }),
                    ),
                ]),
                Line::from(""),
                Line::from(Span::styled(
                    if ok {
                        "Enter deletes · Esc cancels"
                    } else {
                        "Esc or Enter cancels (the default)"
                    },
                    of(theme, Role::Muted),
                )),
            ];
            f.render_widget(Paragraph::new(lines).block(pane("Delete", true, theme)), r);
        }
        Modal::Message(text) => {
            let r = centered(area, 72, 8);
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(vec![
                    Line::from(safe(text)),
                    Line::from(""),
                    Line::from(Span::styled("Enter or Esc closes", of(theme, Role::Muted))),
                ])
                .wrap(Wrap { trim: true })
                .block(pane("Message", true, theme)),
                r,
            );
        }
    }
}

/// Splits an area into a title line and the rest.
pub fn split_title(area: Rect) -> (Rect, Rect) {
    let p = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Length(1), Constraint::Min(1)])
        .split(area);
    (p[0], p[1])
}

/// True if the node lists something the details pane can describe.
pub fn has_details(node: Node) -> bool {
    matches!(node, Node::Cdps | Node::Cmgs | Node::SiteSystems)
}
