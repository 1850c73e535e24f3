//! The cloud management gateway as a gateway: which client requests it carries to the site
//! (its URL mappings), how a connection point holds its channel to each instance, and the
//! states the site reports for them (README, "Clients through a CMG").

use serde::{Deserialize, Serialize};

/// The on-premises role a CMG forwards a client request to. ConfigMgr's CMG connection point
/// "forwards client requests from the CMG to on-premises roles according to URL mappings";
/// anything outside them is refused at the CMG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UrlMapping {
    /// The management point: `/v1/mp/…`, the same endpoints intranet clients use.
    ManagementPoint,
    /// The software update point: `/v1/sup/…`.
    SoftwareUpdatePoint,
}

impl UrlMapping {
    /// Every mapping.
    pub const ALL: [UrlMapping; 2] = [UrlMapping::ManagementPoint, UrlMapping::SoftwareUpdatePoint];

    /// The path prefix the mapping carries.
    pub fn prefix(self) -> &'static str {
        match self {
            UrlMapping::ManagementPoint => "/v1/mp/",
            UrlMapping::SoftwareUpdatePoint => "/v1/sup/",
        }
    }

    /// The role's name as operators know it.
    pub fn role_name(self) -> &'static str {
        match self {
            UrlMapping::ManagementPoint => "management point",
            UrlMapping::SoftwareUpdatePoint => "software update point",
        }
    }

    /// The mapping that carries `path`, if any. A path that could climb out of its prefix
    /// (`..`, an encoded slash) maps to nothing.
    pub fn for_path(path: &str) -> Option<UrlMapping> {
        let lower = path.to_ascii_lowercase();
        if lower.contains("/../") || lower.ends_with("/..") || lower.contains("%2f") {
            return None;
        }
        UrlMapping::ALL
            .into_iter()
            .find(|m| path.starts_with(m.prefix()) && path.len() > m.prefix().len())
    }
}

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
    fn only_the_mapped_roles_are_carried() {
        assert_eq!(
            UrlMapping::for_path("/v1/mp/content-locations"),
            Some(UrlMapping::ManagementPoint)
        );
        assert_eq!(
            UrlMapping::for_path("/v1/sup/catalog"),
            Some(UrlMapping::SoftwareUpdatePoint)
        );
        for refused in [
            "/v1/cdps",
            "/v1/tokens",
            "/v1/mp/",
            "/v1/mp",
            "/v1/mp/../tokens",
            "/v1/mp/..",
            "/v1/mp/x%2F..%2Ftokens",
            "/content/PS100001/a.bin",
            "/",
        ] {
            assert_eq!(UrlMapping::for_path(refused), None, "{refused}");
        }
    }

    #[test]
    fn wire_names() {
        assert_eq!(
            serde_json::to_value(UrlMapping::SoftwareUpdatePoint).unwrap(),
            "software_update_point"
        );
        assert_eq!(serde_json::to_value(Transport::TcpTls).unwrap(), "tcp_tls");
        assert_eq!(
            serde_json::to_value(ChannelState::Connected).unwrap(),
            "connected"
        );
    }
}
