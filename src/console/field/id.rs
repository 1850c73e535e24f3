//! Field ids: one enum for the fields of every form.
//!
//! One shared enum rather than one per form, because the same site field shows up in several
//! forms (Description, the thresholds, VM Instance and the service certificate are in a wizard
//! and in Properties) and the site names its fields with one vocabulary in its errors: a
//! single [`FieldId::named_by_site`] lets the form shell put a site error under the right
//! field of whichever form is open, and the widget and the shell stay free of type
//! parameters. A form holds only the ids it shows; asking for one it lacks finds nothing,
//! as a misspelt string key used to, except that a misspelling no longer compiles.

/// A field of a form or wizard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FieldId {
    /// Azure environment (wizards' General page).
    Environment,
    /// The subscriptions the site's services use, as a pick list (wizards' General page).
    KnownSubscription,
    /// Subscription ID, a GUID (filled from a `.publishsettings` file).
    SubscriptionId,
    /// Management certificate file: a `.pfx` or a `.publishsettings`.
    MgmtFile,
    /// Management certificate password (optional).
    MgmtPassword,
    /// Region: a choice from the CDP or the CMG region list.
    Region,
    /// Resource group (optional).
    ResourceGroup,
    /// Primary site (CDP).
    PrimarySite,
    /// Service certificate file (create, or renewal in Properties).
    CertFile,
    /// Service certificate password.
    CertPassword,
    /// The client authentication certificate the connection analyzer presents (optional).
    ClientCertFile,
    /// Its password.
    ClientCertPassword,
    /// Service FQDN (CDP) / Service name (CMG); blank takes the name from the certificate.
    ServiceFqdn,
    /// Description (optional, free text).
    Description,
    /// The service certificate as installed (read-only in Properties).
    Certificate,
    /// VM size (CMG).
    VmSize,
    /// VM instances (CMG), 1 to 16.
    VmInstances,
    /// Trusted root and intermediate certificate files (CMG).
    TrustedRoots,
    /// Verify client certificate revocation (CMG).
    CheckCrl,
    /// Enforce TLS 1.2 (CMG).
    EnforceTls12,
    /// Serve content from cloud storage (CMG).
    ServeContent,
    /// Outbound data alerts on (CMG).
    EgressAlerts,
    /// Outbound data threshold, GB over 14 days (CMG; enabled by `EgressAlerts`).
    EgressGb,
    /// Outbound data warning, % of the threshold.
    EgressWarn,
    /// Outbound data critical, % of the threshold.
    EgressCrit,
    /// Stop the service at the critical threshold (CMG).
    StopAtCritical,
    /// Storage alerts on (CMG).
    StorageAlerts,
    /// Storage threshold, GB (in a CMG, enabled by `StorageAlerts`).
    StorageGb,
    /// Storage warning, % of the threshold.
    StorageWarn,
    /// Storage critical, % of the threshold.
    StorageCrit,
    /// Transfer threshold, GB over 30 days (CDP).
    TransferGb,
    /// Transfer warning, % of the threshold (CDP).
    TransferWarn,
    /// Transfer critical, % of the threshold (CDP).
    TransferCrit,
    /// Use a proxy server.
    ProxyEnabled,
    /// Proxy server name.
    ProxyServer,
    /// Proxy port.
    ProxyPort,
    /// Use credentials with the proxy.
    ProxyCredentials,
    /// Proxy account.
    ProxyAccount,
    /// Proxy password.
    ProxyPassword,
    /// What to do with an alert.
    AlertAction,
    /// Postpone an alert until.
    PostponeUntil,
    /// A comment kept with an alert.
    Comment,
    /// The Save button.
    Save,
    /// The Apply button.
    Apply,
}

impl FieldId {
    /// The field a site error names by `label` ("VM Instance: must be …"), for the names the
    /// site uses that differ from a form's own labels (a form's labels are tried first).
    pub(crate) fn named_by_site(label: &str) -> Option<FieldId> {
        use FieldId::*;
        let id = match label {
            "Subscription ID" => SubscriptionId,
            "Management certificate" | "Management certificate file" => MgmtFile,
            "Management certificate password" => MgmtPassword,
            "Region" => Region,
            "Service certificate" | "Service certificate file" | "Certificate file" => CertFile,
            "Service certificate password" => CertPassword,
            "Service FQDN" | "Service name" | "CMG name" => ServiceFqdn,
            "Description" => Description,
            "VM Size" => VmSize,
            "VM Instance" => VmInstances,
            "Certificates" => TrustedRoots,
            l if l.starts_with("Trusted root certificate") => TrustedRoots,
            l => {
                let [gb, warn, crit] = if l.starts_with("Storage alert threshold") {
                    [StorageGb, StorageWarn, StorageCrit]
                } else if l.starts_with("Transfer alert threshold") {
                    [TransferGb, TransferWarn, TransferCrit]
                } else if l.starts_with("Outbound data transfer threshold") {
                    [EgressGb, EgressWarn, EgressCrit]
                } else {
                    return None;
                };
                if l.ends_with("warning %") {
                    warn
                } else if l.ends_with("critical %") {
                    crit
                } else {
                    gb
                }
            }
        };
        Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::FieldId;

    #[test]
    fn site_names_map_to_fields() {
        for (label, id) in [
            ("Service certificate file", FieldId::CertFile),
            ("CMG name", FieldId::ServiceFqdn),
            ("Trusted root certificate 2", FieldId::TrustedRoots),
            ("Storage alert threshold (GB)", FieldId::StorageGb),
            ("Transfer alert threshold warning %", FieldId::TransferWarn),
            (
                "Outbound data transfer threshold critical %",
                FieldId::EgressCrit,
            ),
        ] {
            assert_eq!(FieldId::named_by_site(label), Some(id), "{label}");
        }
        assert_eq!(FieldId::named_by_site("Services"), None);
    }
}
