//! A CMG's gateway in its details pane: each connection point's state (Connected,
//! Disconnected, Error with the reason) and the instances it is connected to, and the client
//! traffic (held client channels, requests per minute) as the site last sampled it. The same
//! text serves `cloudsite cmg show`.

use super::style::of;
use super::text::safe;
use crate::api::wire::{ConnectionPointView, GatewayView, ServiceView};
use crate::console::app::App;
use crate::console::theme::{Role, Theme};
use crate::domain::cmg::ChannelState;
use ratatui::text::{Line, Span};

/// One connection point: name and server, state, and what follows it (the instances it is
/// connected to, or why not).
pub fn point_text(p: &ConnectionPointView) -> String {
    let head = format!("{} ({}) {}", p.name, p.site_system, p.state.display_name());
    match point_detail(p) {
        Some(d) if p.state == ChannelState::Connected => format!("{head} {d}"),
        Some(d) => format!("{head}: {d}"),
        None => head,
    }
}

/// The client traffic through a CMG.
pub fn traffic_text(g: &GatewayView) -> String {
    format!(
        "{} client channels, {} requests/min ({} carried, {} refused)",
        g.notification_channels, g.requests_per_minute, g.requests, g.refused
    )
}

/// The theme role of a connection point's state.
fn point_role(state: ChannelState) -> Role {
    match state {
        ChannelState::Connected => Role::StatusReady,
        ChannelState::Disconnected => Role::AlertWarning,
        ChannelState::Error => Role::StatusError,
    }
}

/// What follows a connection point's state: the instances it is connected to, or why not.
fn point_detail(p: &ConnectionPointView) -> Option<String> {
    if p.state != ChannelState::Connected
        && let Some(reason) = &p.reason
    {
        return Some(reason.clone());
    }
    let connected: Vec<&str> = p
        .channels
        .iter()
        .filter(|c| c.state == ChannelState::Connected)
        .map(|c| c.instance.as_str())
        .collect();
    (!connected.is_empty()).then(|| format!("to {}", connected.join(", ")))
}

/// The details pane's lines for a CMG's gateway, keys `key_width` wide: none for a CMG with no
/// connection point and no sample yet (nothing to say). Each connection point takes two short
/// lines (state and server; instances or reason) so they fit the pane at 80 columns.
pub fn lines(app: &App, s: &ServiceView, theme: &Theme, key_width: usize) -> Vec<Line<'static>> {
    let key = |k: &str| Span::styled(format!("{k:<key_width$}"), of(theme, Role::Muted));
    let points = app.model.points_of(&s.id);
    let mut v = Vec::new();
    for (n, p) in points.iter().enumerate() {
        v.push(Line::from(vec![
            key(if n == 0 { "Connection points" } else { "" }),
            // State and server first: a long name is what the pane cuts at 80 columns.
            Span::styled(p.state.display_name(), of(theme, point_role(p.state))),
            Span::raw(safe(&format!(" on {} ({})", p.site_system, p.name))),
        ]));
        if let Some(detail) = point_detail(p) {
            v.push(Line::from(vec![
                key(""),
                Span::styled(format!("  {}", safe(&detail)), of(theme, Role::Muted)),
            ]));
        }
    }
    if let Some(g) = &s.gateway {
        if points.is_empty() {
            v.push(Line::from(vec![
                key("Connection points"),
                Span::styled("none", of(theme, Role::AlertWarning)),
            ]));
        }
        v.push(Line::from(vec![
            key("Client channels"),
            Span::raw(g.notification_channels.to_string()),
        ]));
        v.push(Line::from(vec![
            key("Requests/min"),
            Span::raw(format!(
                "{} ({} total, {} refused)",
                g.requests_per_minute, g.requests, g.refused
            )),
        ]));
    }
    v
}
