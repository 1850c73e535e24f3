//! The CMG connection analyzer's vocabulary: the checks ConfigMgr's analyzer makes, in the
//! order it makes them, and what each can conclude (README, "Clients through a CMG").

use serde::{Deserialize, Serialize};

/// One check of the connection analyzer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnalyzerCheck {
    /// The CMG is Ready and its instances answer on their public addresses.
    ServiceRunning,
    /// The service certificate names the service FQDN, and every instance presents it.
    DnsCertificate,
    /// Every connection point holds a channel to every instance.
    ConnectionPoints,
    /// A real management point request through the CMG is answered.
    ManagementPoint,
    /// The client certificate chains to a trusted root of the CMG and is not revoked.
    ClientCertificate,
    /// The instances speak TLS 1.2, and refuse older versions with Enforce TLS 1.2.
    TlsVersion,
}

impl AnalyzerCheck {
    /// Every check, in the order the analyzer runs them.
    pub const ALL: [AnalyzerCheck; 6] = [
        AnalyzerCheck::ServiceRunning,
        AnalyzerCheck::DnsCertificate,
        AnalyzerCheck::ConnectionPoints,
        AnalyzerCheck::ManagementPoint,
        AnalyzerCheck::ClientCertificate,
        AnalyzerCheck::TlsVersion,
    ];

    /// The name the console and the CLI show.
    pub fn display_name(self) -> &'static str {
        match self {
            AnalyzerCheck::ServiceRunning => "CMG service running",
            AnalyzerCheck::DnsCertificate => "DNS name and service certificate",
            AnalyzerCheck::ConnectionPoints => "Connection points connected to every instance",
            AnalyzerCheck::ManagementPoint => "Management point reachable through the CMG",
            AnalyzerCheck::ClientCertificate => "Client certificate trusted and not revoked",
            AnalyzerCheck::TlsVersion => "TLS version",
        }
    }
}

/// What one check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    /// It holds.
    Passed,
    /// It does not; the check says what to do.
    Failed,
    /// It could not be made (an earlier check failed, or nothing to check); the check says why.
    Skipped,
}

impl CheckOutcome {
    /// The name the console and the CLI show.
    pub fn display_name(self) -> &'static str {
        match self {
            CheckOutcome::Passed => "Passed",
            CheckOutcome::Failed => "Failed",
            CheckOutcome::Skipped => "Skipped",
        }
    }
}

/// Whether `fqdn` is one of the names a certificate covers: its DNS names (or its CN when it
/// has none), a wildcard covering exactly one leftmost label, compared without case.
pub fn certificate_covers(names: &[String], fqdn: &str) -> bool {
    let fqdn = fqdn.trim_end_matches('.').to_ascii_lowercase();
    names.iter().any(|name| {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        match name.strip_prefix("*.") {
            Some(domain) => fqdn
                .split_once('.')
                .is_some_and(|(host, rest)| !host.is_empty() && rest == domain),
            None => name == fqdn,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_wildcards_cover_the_fqdn_without_case() {
        let names = vec!["CMG1.lab.contoso.com".to_string()];
        assert!(certificate_covers(&names, "cmg1.lab.contoso.com"));
        assert!(!certificate_covers(&names, "cmg2.lab.contoso.com"));
        let wild = vec!["*.lab.contoso.com".to_string()];
        assert!(certificate_covers(&wild, "cmg9.lab.contoso.com"));
        assert!(!certificate_covers(&wild, "a.b.lab.contoso.com"));
        assert!(!certificate_covers(&wild, "lab.contoso.com"));
        assert!(!certificate_covers(&[], "cmg1.lab.contoso.com"));
    }

    #[test]
    fn the_checks_run_in_the_analyzer_order() {
        assert_eq!(AnalyzerCheck::ALL[0], AnalyzerCheck::ServiceRunning);
        assert_eq!(AnalyzerCheck::ALL[5], AnalyzerCheck::TlsVersion);
        let json = serde_json::to_string(&AnalyzerCheck::DnsCertificate).expect("json");
        assert_eq!(json, "\"dns_certificate\"");
    }
}
