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
}

impl Role {
    /// Every role, most privileged first.
    pub const ALL: [Role; 3] = [
        Role::FullAdministrator,
        Role::InfrastructureAdministrator,
        Role::ReadOnlyAnalyst,
    ];

    /// Whether the role may call mutating routes.
    pub fn can_write(self) -> bool {
        !matches!(self, Role::ReadOnlyAnalyst)
    }

    /// The stored, wire and CLI name (`full-admin`, `infra-admin`, `read-only`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::FullAdministrator => "full-admin",
            Role::InfrastructureAdministrator => "infra-admin",
            Role::ReadOnlyAnalyst => "read-only",
        }
    }

    /// The name the console shows (ConfigMgr's security role name).
    pub fn display_name(self) -> &'static str {
        match self {
            Role::FullAdministrator => "Full Administrator",
            Role::InfrastructureAdministrator => "Infrastructure Administrator",
            Role::ReadOnlyAnalyst => "Read-only Analyst",
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
}
