//! How a CMG's gateway reads: each connection point's state (Connected, Disconnected, Error
//! with the reason) and the instances it is connected to, and the client traffic (held client
//! channels, requests per minute) as the site last sampled it. The details pane and the detail
//! view (`describe`) and `cloudsite cmg show` use the same text.

use crate::api::wire::{ConnectionPointView, GatewayView};
use crate::console::theme::Role;
use crate::domain::cmg::ChannelState;

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
pub fn point_role(state: ChannelState) -> Role {
    match state {
        ChannelState::Connected => Role::StatusReady,
        ChannelState::Disconnected => Role::AlertWarning,
        ChannelState::Error => Role::StatusError,
    }
}

/// What follows a connection point's state: the instances it is connected to, or why not.
pub fn point_detail(p: &ConnectionPointView) -> Option<String> {
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
