//! The CMG's URL mappings: which API paths a cloud management gateway carries to the site.
//! ConfigMgr's CMG connection point "forwards client requests from the CMG to on-premises roles
//! according to URL mappings"; anything outside them is refused at the CMG.

use serde::{Deserialize, Serialize};

/// The on-premises role a CMG forwards a client request to.
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

/// The management point route a client holds open to receive client notifications. Through a
/// CMG the connection point answers it itself (one subscription to the site feeds every
/// client), so holding a channel costs the site nothing per client.
pub const NOTIFICATIONS_PATH: &str = "/v1/mp/notifications";

/// The Server-Sent Events name of a notification on [`NOTIFICATIONS_PATH`]; its data is an
/// `api::wire::ClientNotificationView`. The site and a connection point send the same.
pub const NOTIFICATION_EVENT: &str = "client_notification";

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
    }
}
