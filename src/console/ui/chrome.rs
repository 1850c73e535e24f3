//! The frame around the views: header, navigation tree, footer, modals.

use super::style::{of, pane};
use super::text::{safe, wrap};
use crate::console::app::{App, Focus, Modal, TREE};
use crate::console::keymap::Action;
use crate::console::model::Link;
use crate::console::palette;
use crate::console::theme::{Role, Theme};
use crate::domain::service::{delete_answers, delete_confirmed};
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, List, ListItem, Paragraph, Wrap};

/// The top bar: site, connection, role, active alerts. When the whole bar does not fit, it
/// says the same more briefly (without the product name and labels, then with short words)
/// rather than losing the alert counts at the edge.
pub fn header(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let width = |spans: &[Span<'_>]| spans.iter().map(|s| s.width()).sum::<usize>();
    let mut spans = header_spans(app, theme, 0);
    for brevity in 1..=2 {
        if width(&spans) <= usize::from(area.width) {
            break;
        }
        spans = header_spans(app, theme, brevity);
    }
    f.render_widget(
        Paragraph::new(Line::from(spans)).style(of(theme, Role::Header)),
        area,
    );
}

/// The header's spans, `brevity` 0 (everything said in full) to 2 (the shortest).
fn header_spans(app: &App, theme: &Theme, brevity: u8) -> Vec<Span<'static>> {
    let m = &app.model;
    let site = match &m.site {
        Some(s) => safe(&format!("{} · {}", s.site_code, s.server_name)),
        None => "loading…".to_string(),
    };
    let (link, link_role) = match &m.link {
        Link::Connecting => ("● connecting".to_string(), Role::StatusProvisioning),
        Link::Connected => ("● connected".to_string(), Role::StatusReady),
        Link::Disconnected { attempt, .. } if brevity >= 2 => {
            (format!("● reconnecting ({attempt})"), Role::StatusError)
        }
        Link::Disconnected { attempt, .. } => (
            format!("● disconnected, reconnecting (attempt {attempt})"),
            Role::StatusError,
        ),
    };
    let role = m.site.as_ref().map(|s| s.role.as_str());
    let (crit, warn) = m.active_alerts();
    // Everything on the bar is drawn on its background: plain text in the bar's own style
    // (muted grey would fade into it), colour only where it says something.
    let bar = of(theme, Role::Header);
    let mut spans = Vec::new();
    if brevity == 0 {
        spans.push(Span::styled(" cloudsite ", of(theme, Role::Title)));
    } else {
        spans.push(Span::raw(" "));
    }
    spans.extend([
        Span::styled(site, bar),
        Span::raw("  "),
        Span::styled(link, of(theme, link_role)),
    ]);
    if let Some(role) = role {
        let label = if brevity == 0 { "role: " } else { "" };
        spans.push(Span::styled(format!("  {label}{role}"), bar));
    }
    // Only a site with replicas has a replica worth naming.
    if let Some(s) = m.site.as_ref().filter(|s| s.database.replicated()) {
        let label = if brevity == 0 { "replica: " } else { "" };
        spans.push(Span::styled(
            format!("  {label}{}", s.replica.as_str()),
            bar,
        ));
    }
    spans.push(Span::styled("  alerts: ", bar));
    let count = |n: usize, what: &str, role: Role| {
        Span::styled(
            format!("{n} {what}"),
            if n > 0 { of(theme, role) } else { bar },
        )
    };
    let (c, w) = if brevity >= 2 {
        ("crit", "warn")
    } else {
        ("critical", "warning")
    };
    spans.push(count(crit, c, Role::AlertCritical));
    spans.push(Span::raw(" "));
    spans.push(count(warn, w, Role::AlertWarning));
    spans
}

/// The navigation tree.
pub fn tree(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let items: Vec<ListItem<'_>> = TREE
        .iter()
        .map(|(depth, label, node)| {
            let indent = " ".repeat(usize::from(*depth));
            // The current node is marked whatever has the focus, with or without colour.
            let mark = if *node == Some(app.node) { "▸" } else { " " };
            let text = format!("{indent}{mark}{label}");
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

/// An action's first key, short (Help lists them all): `Del` for `Delete`.
fn footer_key(first: String) -> String {
    match first.as_str() {
        "Delete" => "Del".into(),
        "PageDown" => "PgDn".into(),
        "PageUp" => "PgUp".into(),
        _ => first,
    }
}

/// How long an action's key stays in the footer when the bar is too short for all of them:
/// the higher, the later it gives way. Help goes last: it lists every key.
fn footer_rank(a: Action) -> u8 {
    match a {
        Action::Help => 100,
        Action::Quit => 95,
        Action::Back => 90,
        Action::Submit => 85,
        Action::Open => 80,
        Action::Properties => 75,
        Action::Copy => 74,
        Action::Create => 70,
        Action::Filter => 65,
        Action::Palette => 60,
        Action::NextPage | Action::PrevPage => 58,
        // The one action only a CMG has: where it applies, it is what an operator looks for.
        Action::Analyze => 54,
        Action::Start | Action::Stop => 55,
        Action::Delete => 50,
        Action::Redistribute | Action::Remove => 50,
        Action::Logs | Action::Alerts => 45,
        Action::Plain => 44,
        Action::Refresh => 30,
        Action::Tree => 20,
        _ => 40,
    }
}

/// The bottom bar: the keys valid here, or the last notice. When they do not all fit, the
/// least needed give way ([`footer_rank`]); Help stays.
pub fn footer(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    if let Some(n) = &app.notice {
        f.render_widget(
            Paragraph::new(format!(" {}", safe(n))).style(of(theme, Role::Footer)),
            area,
        );
        return;
    }
    if let Some(hint) = typing_hint(app) {
        f.render_widget(Paragraph::new(hint).style(of(theme, Role::Footer)), area);
        return;
    }
    let blocked = app.write_blocked();
    let detail = matches!(app.modal, Some(Modal::Detail(_)));
    // (keys, label, rank, disabled), in the order shown.
    let mut items: Vec<(String, String, u8, bool)> = Vec::new();
    if detail {
        items.push(("↑↓ PgUp PgDn Home End".into(), "Scroll".into(), 40, false));
    }
    for a in app.commands() {
        if matches!(a, Action::Up | Action::Down | Action::FocusNext) {
            continue;
        }
        let disabled = blocked.is_some() && changes_site(a);
        items.push((
            footer_key(app.keymap.first_key_text(a)),
            short(a).to_string(),
            footer_rank(a),
            disabled,
        ));
    }
    let width = |i: &(String, String, u8, bool)| i.0.chars().count() + i.1.chars().count() + 3;
    let room = usize::from(area.width).saturating_sub(1);
    // The most needed first, each while it fits (a short one may still fit after a long one
    // did not); then shown in the view's order.
    let mut by_rank: Vec<usize> = (0..items.len()).collect();
    by_rank.sort_by_key(|i| (std::cmp::Reverse(items[*i].2), *i));
    let mut kept = vec![false; items.len()];
    let mut used = 0;
    for i in by_rank {
        if used + width(&items[i]) <= room {
            used += width(&items[i]);
            kept[i] = true;
        }
    }
    let items: Vec<_> = items
        .into_iter()
        .zip(kept)
        .filter_map(|(it, keep)| keep.then_some(it))
        .collect();
    let mut spans = vec![Span::raw(" ")];
    for (keys, label, _, disabled) in items {
        // A key that is not available now is drawn as plain bar text, not as a key.
        let key_role = if disabled { Role::Footer } else { Role::Key };
        spans.push(Span::styled(keys, of(theme, key_role)));
        spans.push(Span::styled(format!(" {label}  "), of(theme, Role::Footer)));
    }
    f.render_widget(
        Paragraph::new(Line::from(spans)).style(of(theme, Role::Footer)),
        area,
    );
}

/// What the footer says while the filter box or the palette takes the keys: the main
/// screen's keys would only be typed there, so the box's own keys, and the palette's commands.
fn typing_hint(app: &App) -> Option<String> {
    let back = app.keymap.first_key_text(Action::Back);
    match app.modal {
        Some(Modal::Palette(_)) => Some(format!(
            " Tab completes · Enter runs · {back} cancels · {}",
            palette::summary()
        )),
        Some(Modal::Filter(_)) => Some(format!(
            " Type to filter · Enter keeps the filter · {back} clears it · Ctrl-u erases before the cursor"
        )),
        _ => None,
    }
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
        Action::Open => "Details",
        Action::Properties => "Properties",
        Action::Tree => "Tree",
        Action::Copy => "Copy",
        Action::Plain => "Plain",
        Action::Back => "Back",
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
        Action::NextField => "Next field",
        Action::PrevField => "Previous field",
        Action::Submit => "Next/Save",
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
            let room = usize::from(r.width.saturating_sub(2));
            for l in wrap(
                &format!("Palette (Tab completes): {}", palette::summary()),
                room,
            ) {
                lines.push(Line::from(Span::styled(l, of(theme, Role::Muted))));
            }
            f.render_widget(Paragraph::new(lines).block(pane("Help", true, theme)), r);
        }
        Modal::Filter(input) | Modal::Palette(input) => {
            let (title, lead) = match m {
                Modal::Filter(_) => (
                    format!("Filter {} · every column · Esc clears", app.node.label()),
                    "/",
                ),
                _ => ("Command · Tab completes".to_string(), ":"),
            };
            let r = Rect {
                x: area.x + 2,
                y: area.height.saturating_sub(4),
                width: area.width.saturating_sub(4).min(70),
                height: 3,
            };
            f.render_widget(Clear, r);
            let block = pane(&title, true, theme);
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
        Modal::ConfirmDelete {
            fqdn, name, typed, ..
        } => {
            let r = centered(area, 76, 10);
            f.render_widget(Clear, r);
            let block = pane("Delete", true, theme);
            let inner = block.inner(r);
            let ok = delete_confirmed(typed.text(), fqdn, name);
            let answers = safe(&delete_answers(fqdn, name));
            let lead = "› ";
            let view = typed.view(
                usize::from(inner.width).saturating_sub(lead.len() + 1),
                None,
            );
            let style = of(theme, if ok { Role::Input } else { Role::InputInvalid });
            let mut field = vec![Span::styled(lead, style)];
            field.extend(view.parts.into_iter().map(|(t, _)| Span::styled(t, style)));
            let mut lines = vec![
                Line::from(format!("Delete {}?", safe(fqdn))),
                Line::from(Span::styled(
                    "Its content in the cloud is deleted too. This cannot be undone.",
                    of(theme, Role::AlertWarning),
                )),
                Line::from(""),
            ];
            for l in wrap(
                &format!("Type {answers} to confirm:"),
                usize::from(inner.width),
            ) {
                lines.push(Line::from(l));
            }
            let field_line = lines.len();
            lines.push(Line::from(field));
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                if ok {
                    "Enter deletes · Esc cancels"
                } else {
                    "Esc cancels (Enter too, until a name matches)"
                },
                of(theme, Role::Muted),
            )));
            f.render_widget(Paragraph::new(lines).block(block), r);
            let x = inner.x + (lead.chars().count() + view.cursor) as u16;
            let y = inner.y + field_line as u16;
            if x < inner.right() && y < inner.bottom() {
                f.set_cursor_position(Position::new(x, y));
            }
        }
        Modal::Detail(_) => {}
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
