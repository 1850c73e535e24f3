//! The cloud management gateway as a gateway: how a connection point holds its channel to
//! each instance, and the states the site reports for them (README, "Clients through a CMG").
//! Which requests it carries is part of the API's contract: `api::mappings`.

use serde::{Deserialize, Serialize};

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
}

/// Where a connection point's channel to one instance (or the whole connection point) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelState {
    /// Not connected yet, or the CMG is not running.
    Disconnected,
    /// Connected: client requests can flow.
    Connected,
    /// The last attempt failed; the reason says why, and it keeps trying.
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names() {
        assert_eq!(serde_json::to_value(Transport::TcpTls).unwrap(), "tcp_tls");
        assert_eq!(
            serde_json::to_value(ChannelState::Connected).unwrap(),
            "connected"
        );
    }
}
