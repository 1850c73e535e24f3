//! The cloud management gateway as a gateway: how a connection point holds its channel to
//! each instance, and the states the site reports for them (README, "Clients through a CMG").
//! Which requests it carries is part of the API's contract: `api::mappings`.

use super::FieldError;
use serde::{Deserialize, Serialize};

/// Most instances a CMG has (the wizard's VM Instance maximum), so most channels one
/// connection point reports.
pub const MAX_INSTANCES: usize = 16;

/// Longest reason a connection point may give for a channel's state.
pub const MAX_REASON_LEN: usize = 1000;

/// Longest client notification message.
pub const MAX_NOTIFICATION_LEN: usize = 1000;

/// How a connection point reaches an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// TCP-TLS straight to the instance's channel port (ConfigMgr: 10140 + instance number).
    /// The preferred transport; it cannot go through a proxy.
    TcpTls,
    /// HTTPS to the instance's fallback port (ConfigMgr: 443, or 10124 + instance number),
    /// through the site system's proxy when one is set.
    Https,
}

impl Transport {
    /// The name the logs and the console use.
    pub fn display_name(self) -> &'static str {
        match self {
            Transport::TcpTls => "TCP-TLS",
            Transport::Https => "HTTPS",
        }
    }

    /// Whether the transport can go through the site system's proxy: TCP-TLS "doesn't support
    /// internet proxy" (ConfigMgr), only the HTTPS fallback does.
    pub fn proxy_capable(self) -> bool {
        matches!(self, Transport::Https)
    }
}

/// Where a connection point's channel to one instance (or the whole connection point) is.
///
/// An instance that cannot be reached (the CMG is stopped, an instance restarts, the network
/// drops) leaves its channel Disconnected: that heals by itself. Error is kept for a channel the
/// instance or the proxy refused (a certificate that does not match, a proxy that wants other
/// credentials): retrying alone will not fix it, an operator must act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelState {
    /// Not connected: not yet, the CMG is not running, or the instance cannot be reached.
    Disconnected,
    /// Connected: client requests can flow.
    Connected,
    /// Refused (certificate, proxy, protocol); the reason says why, and it keeps trying.
    Error,
}

impl ChannelState {
    /// The name the console shows.
    pub fn display_name(self) -> &'static str {
        match self {
            ChannelState::Disconnected => "Disconnected",
            ChannelState::Connected => "Connected",
            ChannelState::Error => "Error",
        }
    }

    /// The state of a whole connection point from its channels' states: Error when one channel
    /// is refused (an operator must act, even if others carry clients), else Connected when at
    /// least one carries clients, else Disconnected (also with no channel at all).
    pub fn overall(channels: impl IntoIterator<Item = ChannelState>) -> ChannelState {
        let mut connected = false;
        for c in channels {
            match c {
                ChannelState::Error => return ChannelState::Error,
                ChannelState::Connected => connected = true,
                ChannelState::Disconnected => {}
            }
        }
        if connected {
            ChannelState::Connected
        } else {
            ChannelState::Disconnected
        }
    }
}

/// The name of a connection point: the CN of the certificate the site issues it, which is also
/// the name a CMG instance gives the channel's peer.
pub fn connection_point_name(id: &str) -> String {
    format!("cmgcp-{id}")
}

/// Whether the site service runs a connection point itself: only one on the site server that is
/// not marked as run elsewhere. A connection point on another site system always runs there
/// (`cloudsite connection-point run`), since the site service cannot run code on another server.
pub fn runs_in_site_service(site_system: &str, server_name: &str, external: bool) -> bool {
    !external && site_system.eq_ignore_ascii_case(server_name)
}

/// Checks one channel of a connection point's report. A channel over TCP-TLS cannot claim to go
/// through a proxy, and a connected channel names its transport.
pub fn check_channel(
    instance: &str,
    transport: Option<Transport>,
    via_proxy: bool,
    state: ChannelState,
    reason: Option<&str>,
) -> Result<(), FieldError> {
    if instance.trim().is_empty() || instance.len() > 64 || instance.chars().any(char::is_control) {
        return Err(FieldError::new(
            "Instance",
            "must be an instance id of 1 to 64 printable characters",
        ));
    }
    if via_proxy && transport.is_some_and(|t| !t.proxy_capable()) {
        return Err(FieldError::new(
            "Transport",
            "TCP-TLS cannot go through a proxy: only the HTTPS fallback uses the site system's proxy",
        ));
    }
    if state == ChannelState::Connected && transport.is_none() {
        return Err(FieldError::new(
            "Transport",
            "a connected channel must say whether it uses TCP-TLS or HTTPS",
        ));
    }
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON_LEN) {
        return Err(FieldError::new(
            "Reason",
            format!("must be at most {MAX_REASON_LEN} characters"),
        ));
    }
    Ok(())
}

/// Checks a report's size: at most one channel per instance of the largest CMG.
pub fn check_channel_count(count: usize) -> Result<(), FieldError> {
    if count > MAX_INSTANCES {
        return Err(FieldError::new(
            "Channels",
            format!(
                "a CMG has at most {MAX_INSTANCES} instances, so at most {MAX_INSTANCES} channels"
            ),
        ));
    }
    Ok(())
}

/// Checks a client notification's message: 1 to [`MAX_NOTIFICATION_LEN`] characters, no
/// control characters but line breaks and tabs. Returns it trimmed.
pub fn notification_message(text: &str) -> Result<String, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FieldError::new("Message", "must not be empty"));
    }
    if text.chars().count() > MAX_NOTIFICATION_LEN {
        return Err(FieldError::new(
            "Message",
            format!("must be at most {MAX_NOTIFICATION_LEN} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            "Message",
            "must not contain control characters",
        ));
    }
    Ok(text.to_string())
}

/// Checks the name of a site system server given for a connection point: a host name or an
/// FQDN (letters, digits, hyphens and dots), at most 253 characters.
pub fn site_system_name(name: &str) -> Result<(), FieldError> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "Site system",
            "must be a server name: letters, digits and hyphens, labels separated by dots",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_point_is_as_good_as_its_worst_refusal_and_best_channel() {
        use ChannelState::*;
        assert_eq!(ChannelState::overall([]), Disconnected);
        assert_eq!(ChannelState::overall([Disconnected, Connected]), Connected);
        assert_eq!(ChannelState::overall([Connected, Error]), Error);
        assert_eq!(ChannelState::overall([Disconnected]), Disconnected);
    }

    #[test]
    fn tcp_tls_never_goes_through_a_proxy() {
        let ok = |t, p, s| check_channel("CMG_IN_0", t, p, s, None);
        assert!(ok(Some(Transport::Https), true, ChannelState::Connected).is_ok());
        assert!(ok(Some(Transport::TcpTls), false, ChannelState::Connected).is_ok());
        let e = ok(Some(Transport::TcpTls), true, ChannelState::Connected).unwrap_err();
        assert_eq!(e.field, "Transport");
        assert!(ok(None, false, ChannelState::Connected).is_err());
        assert!(ok(None, false, ChannelState::Disconnected).is_ok());
        assert!(check_channel("", None, false, ChannelState::Error, None).is_err());
        let long = "x".repeat(MAX_REASON_LEN + 1);
        assert!(check_channel("i", None, false, ChannelState::Error, Some(&long)).is_err());
        assert!(check_channel_count(MAX_INSTANCES).is_ok());
        assert!(check_channel_count(MAX_INSTANCES + 1).is_err());
    }

    #[test]
    fn who_runs_a_connection_point() {
        assert!(runs_in_site_service("SITESERVER", "siteserver", false));
        assert!(!runs_in_site_service("SITESERVER", "siteserver", true));
        assert!(!runs_in_site_service("CPSERVER2", "siteserver", false));
        assert_eq!(connection_point_name("ab12"), "cmgcp-ab12");
    }

    #[test]
    fn notification_messages_and_server_names() {
        assert_eq!(notification_message("  hi\nthere ").unwrap(), "hi\nthere");
        assert!(notification_message(" ").is_err());
        assert!(notification_message("a\u{7}b").is_err());
        assert!(notification_message(&"x".repeat(MAX_NOTIFICATION_LEN + 1)).is_err());
        assert!(site_system_name("CPSERVER2").is_ok());
        assert!(site_system_name("cp2.contoso.com").is_ok());
        for bad in ["", "a..b", "-a", "a b", "a/b"] {
            assert!(site_system_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wire_names() {
        assert_eq!(serde_json::to_value(Transport::TcpTls).unwrap(), "tcp_tls");
        assert_eq!(
            serde_json::to_value(ChannelState::Connected).unwrap(),
            "connected"
        );
    }
}
