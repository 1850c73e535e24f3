//! Alerts (`SMS_Alert`): their states, severities and the types the site raises (README, "Configuration Manager facts").

use serde::{Deserialize, Serialize};

/// `AlertState`: where an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// 0: the condition holds.
    Active,
    /// 1: Suspend-CMAlert until `skip_until`.
    Postponed,
    /// 2: closed by an operator, or cleared because the condition no longer holds.
    Canceled,
    /// 3: not known.
    Unknown,
    /// 4: Disable-CMAlert: the condition is not evaluated.
    Disabled,
    /// 5: evaluated, never raised.
    NeverTriggered,
}

impl AlertState {
    /// Every state, in `AlertState` code order.
    pub const ALL: [AlertState; 6] = [
        AlertState::Active,
        AlertState::Postponed,
        AlertState::Canceled,
        AlertState::Unknown,
        AlertState::Disabled,
        AlertState::NeverTriggered,
    ];

    /// The `SMS_Alert.AlertState` code, as stored.
    pub fn code(self) -> i64 {
        match self {
            AlertState::Active => 0,
            AlertState::Postponed => 1,
            AlertState::Canceled => 2,
            AlertState::Unknown => 3,
            AlertState::Disabled => 4,
            AlertState::NeverTriggered => 5,
        }
    }

    /// From a stored code.
    pub fn from_code(code: i64) -> Option<AlertState> {
        AlertState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The name the ConfigMgr console shows.
    pub fn display_name(self) -> &'static str {
        match self {
            AlertState::Active => "Active",
            AlertState::Postponed => "Postponed",
            AlertState::Canceled => "Canceled",
            AlertState::Unknown => "Unknown",
            AlertState::Disabled => "Disabled",
            AlertState::NeverTriggered => "Never triggered",
        }
    }
}

/// `SMS_Alert.Severity`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 1: Error/Critical.
    Critical,
    /// 2: Warning.
    Warning,
    /// 3: Informational.
    Informational,
}

impl Severity {
    /// Every severity, in code order.
    pub const ALL: [Severity; 3] = [
        Severity::Critical,
        Severity::Warning,
        Severity::Informational,
    ];

    /// The `SMS_Alert.Severity` code, as stored.
    pub fn code(self) -> i64 {
        match self {
            Severity::Critical => 1,
            Severity::Warning => 2,
            Severity::Informational => 3,
        }
    }

    /// From a stored code.
    pub fn from_code(code: i64) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The name shown.
    pub fn display_name(self) -> &'static str {
        match self {
            Severity::Critical => "Critical",
            Severity::Warning => "Warning",
            Severity::Informational => "Informational",
        }
    }
}

/// What an alert is about: the stable `TypeID` of every alert the site raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertType {
    /// The site system's proxy refused the connection to the cloud.
    ProxyFailure,
    /// A Ready service does not answer.
    NotServing,
    /// A service or management certificate has expired.
    CertificateExpired,
    /// A certificate expires soon.
    CertificateExpiring,
    /// The cloud refuses the subscription or its management certificate.
    SubscriptionRefused,
    /// The cloud could not be reached.
    CloudUnreachable,
    /// Storage reached the warning level.
    StorageWarning,
    /// Storage reached the critical level.
    StorageCritical,
    /// A CDP's 30-day transfer reached the warning level.
    TransferWarning,
    /// A CDP's 30-day transfer reached the critical level.
    TransferCritical,
    /// A CMG's 14-day outbound data reached the warning level.
    OutboundWarning,
    /// A CMG's 14-day outbound data reached the critical level.
    OutboundCritical,
    /// A Ready CMG lost every channel to its connection points: internet clients cannot reach
    /// the site through it.
    NoConnectionPointChannel,
}

impl AlertType {
    /// Every type.
    pub const ALL: [AlertType; 13] = [
        AlertType::ProxyFailure,
        AlertType::NotServing,
        AlertType::CertificateExpired,
        AlertType::CertificateExpiring,
        AlertType::SubscriptionRefused,
        AlertType::CloudUnreachable,
        AlertType::StorageWarning,
        AlertType::StorageCritical,
        AlertType::TransferWarning,
        AlertType::TransferCritical,
        AlertType::OutboundWarning,
        AlertType::OutboundCritical,
        AlertType::NoConnectionPointChannel,
    ];

    /// The stored and wire name (`proxy_failure`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertType::ProxyFailure => "proxy_failure",
            AlertType::NotServing => "not_serving",
            AlertType::CertificateExpired => "certificate_expired",
            AlertType::CertificateExpiring => "certificate_expiring",
            AlertType::SubscriptionRefused => "subscription_refused",
            AlertType::CloudUnreachable => "cloud_unreachable",
            AlertType::StorageWarning => "storage_warning",
            AlertType::StorageCritical => "storage_critical",
            AlertType::TransferWarning => "transfer_warning",
            AlertType::TransferCritical => "transfer_critical",
            AlertType::OutboundWarning => "outbound_warning",
            AlertType::OutboundCritical => "outbound_critical",
            AlertType::NoConnectionPointChannel => "no_connection_point_channel",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<AlertType> {
        AlertType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// How grave an alert of this type is.
    pub fn severity(self) -> Severity {
        match self {
            AlertType::ProxyFailure
            | AlertType::NotServing
            | AlertType::CertificateExpired
            | AlertType::SubscriptionRefused
            | AlertType::StorageCritical
            | AlertType::TransferCritical
            | AlertType::OutboundCritical
            | AlertType::NoConnectionPointChannel => Severity::Critical,
            AlertType::CertificateExpiring
            | AlertType::CloudUnreachable
            | AlertType::StorageWarning
            | AlertType::TransferWarning
            | AlertType::OutboundWarning => Severity::Warning,
        }
    }
}

impl std::fmt::Display for AlertType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip() {
        for s in AlertState::ALL {
            assert_eq!(AlertState::from_code(s.code()), Some(s));
        }
        for s in Severity::ALL {
            assert_eq!(Severity::from_code(s.code()), Some(s));
        }
        for t in AlertType::ALL {
            assert_eq!(AlertType::parse(t.as_str()), Some(t));
            // The wire name is the stored name.
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        assert_eq!(AlertState::from_code(6), None);
        assert_eq!(
            serde_json::to_value(AlertState::NeverTriggered).unwrap(),
            "never_triggered"
        );
        assert_eq!(
            serde_json::to_value(Severity::Critical).unwrap(),
            "critical"
        );
    }
}
