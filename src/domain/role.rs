//! Security roles of API tokens (ConfigMgr's role names).

use serde::{Deserialize, Serialize};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Role {
    /// Full Administrator: may change anything, and manages tokens.
    #[serde(rename = "full-admin")]
    FullAdministrator,
    /// Infrastructure Administrator: may change anything (cloud services, proxy, alerts).
    #[serde(rename = "infra-admin")]
    InfrastructureAdministrator,
    /// Read-only Analyst: reads only.
    #[serde(rename = "read-only")]
    ReadOnlyAnalyst,
    /// A Configuration Manager client: the management point routes only (content locations
    /// with their keys, policy, notifications, the update catalog), nothing else.
    #[serde(rename = "client")]
    Client,
}

impl Role {
    /// Every role, most privileged first.
    pub const ALL: [Role; 4] = [
        Role::FullAdministrator,
        Role::InfrastructureAdministrator,
        Role::ReadOnlyAnalyst,
        Role::Client,
    ];

    /// Whether the role may call mutating routes.
    pub fn can_write(self) -> bool {
        matches!(
            self,
            Role::FullAdministrator | Role::InfrastructureAdministrator
        )
    }

    /// Whether the role may read the site (every route but the management point's): not a
    /// client.
    pub fn can_read_site(self) -> bool {
        !matches!(self, Role::Client)
    }

    /// Whether the management point gives the role a package's key and content tokens: an
    /// analyst reads the site but never decrypts content.
    pub fn gets_content_keys(self) -> bool {
        !matches!(self, Role::ReadOnlyAnalyst)
    }

    /// The stored, wire and CLI name (`full-admin`, `infra-admin`, `read-only`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::FullAdministrator => "full-admin",
            Role::InfrastructureAdministrator => "infra-admin",
            Role::ReadOnlyAnalyst => "read-only",
            Role::Client => "client",
        }
    }

    /// The name the console shows (ConfigMgr's security role name).
    pub fn display_name(self) -> &'static str {
        match self {
            Role::FullAdministrator => "Full Administrator",
            Role::InfrastructureAdministrator => "Infrastructure Administrator",
            Role::ReadOnlyAnalyst => "Read-only Analyst",
            Role::Client => "Client",
        }
    }

    /// Parses a stored or CLI name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_the_stored_names() {
        for r in Role::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }

    #[test]
    fn a_client_reaches_only_the_management_point_and_an_analyst_gets_no_keys() {
        assert!(!Role::Client.can_write() && !Role::Client.can_read_site());
        assert!(Role::Client.gets_content_keys());
        assert!(
            Role::ReadOnlyAnalyst.can_read_site() && !Role::ReadOnlyAnalyst.gets_content_keys()
        );
        assert!(Role::InfrastructureAdministrator.gets_content_keys());
    }
}
