//! Cloud services (CDP, CMG): states, actions, regions, thresholds (README, "Configuration Manager facts").

use super::validate::{self, FieldError};
use serde::{Deserialize, Serialize};

/// A service's state, as the console's Status column shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum ServiceState {
    /// Being created in the cloud.
    Provisioning,
    /// Serving.
    Ready,
    /// Being stopped.
    Stopping,
    /// Stopped: not serving, content kept.
    Stopped,
    /// Being started.
    Starting,
    /// Sync/redeploy or VM count change in progress.
    Upgrading,
    /// Being deleted.
    Deleting,
    /// A step failed; see the status details.
    Error,
}

impl ServiceState {
    /// The `SMS_AzureService.State` code (community-documented; Upgrading/Deleting are ours).
    pub fn code(self) -> i32 {
        match self {
            ServiceState::Ready => 0,
            ServiceState::Provisioning => 1,
            ServiceState::Error => 2,
            ServiceState::Upgrading => 3,
            ServiceState::Starting => 4,
            ServiceState::Stopping => 5,
            ServiceState::Stopped => 6,
            ServiceState::Deleting => 7,
        }
    }

    /// True while a task is moving the service between states.
    pub fn is_transitional(self) -> bool {
        matches!(
            self,
            ServiceState::Provisioning
                | ServiceState::Stopping
                | ServiceState::Starting
                | ServiceState::Upgrading
                | ServiceState::Deleting
        )
    }

    /// Name as shown.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceState::Provisioning => "Provisioning",
            ServiceState::Ready => "Ready",
            ServiceState::Stopping => "Stopping",
            ServiceState::Stopped => "Stopped",
            ServiceState::Starting => "Starting",
            ServiceState::Upgrading => "Upgrading",
            ServiceState::Deleting => "Deleting",
            ServiceState::Error => "Error",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<ServiceState> {
        [
            ServiceState::Provisioning,
            ServiceState::Ready,
            ServiceState::Stopping,
            ServiceState::Stopped,
            ServiceState::Starting,
            ServiceState::Upgrading,
            ServiceState::Deleting,
            ServiceState::Error,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

/// What kind of hosted service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HostedKind {
    /// Cloud distribution point (two instances).
    Cdp,
    /// Cloud management gateway (1–16 instances).
    Cmg,
}

impl HostedKind {
    /// What operators call it ("cloud distribution point").
    pub fn noun(self) -> &'static str {
        match self {
            HostedKind::Cdp => "cloud distribution point",
            HostedKind::Cmg => "cloud management gateway",
        }
    }

    /// The wire and CLI name (`cdp`, `cmg`).
    pub fn as_str(self) -> &'static str {
        match self {
            HostedKind::Cdp => "cdp",
            HostedKind::Cmg => "cmg",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<HostedKind> {
        [HostedKind::Cdp, HostedKind::Cmg]
            .into_iter()
            .find(|k| k.as_str() == name)
    }

    /// The rolling window, in days, its transfer (CDP) or outbound data (CMG) is measured over.
    pub fn usage_window_days(self) -> u32 {
        match self {
            HostedKind::Cdp => CDP_WINDOW_DAYS,
            HostedKind::Cmg => CMG_WINDOW_DAYS,
        }
    }
}

impl std::fmt::Display for HostedKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// State of one instance (role instance), with the names the Azure logs use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum InstanceState {
    /// `BusyRole`: starting up.
    BusyRole,
    /// `ReadyRole`: serving.
    ReadyRole,
    /// `StoppedRole`: not serving.
    StoppedRole,
}

impl std::fmt::Display for InstanceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InstanceState::BusyRole => "BusyRole",
            InstanceState::ReadyRole => "ReadyRole",
            InstanceState::StoppedRole => "StoppedRole",
        })
    }
}

/// What a CMG trusted certificate is, for client authentication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TrustedRootKind {
    /// A trusted root CA.
    Root,
    /// An intermediate CA.
    Intermediate,
}

impl TrustedRootKind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustedRootKind::Root => "root",
            TrustedRootKind::Intermediate => "intermediate",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<TrustedRootKind> {
        [TrustedRootKind::Root, TrustedRootKind::Intermediate]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

/// An operator action on a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Start Service.
    Start,
    /// Stop Service.
    Stop,
    /// Delete.
    Delete,
    /// Sync / redeploy, VM count or certificate change.
    Upgrade,
}

impl Action {
    /// Whether the action is allowed in `state`, and if not, why (for the disabled button and
    /// the 409 answer).
    pub fn allowed_in(self, state: ServiceState) -> Result<(), String> {
        use ServiceState as S;
        let ok = match self {
            Action::Start => matches!(state, S::Stopped | S::Error),
            Action::Stop => matches!(state, S::Ready | S::Error),
            // Deleting is always possible: the way out of any state, including a stuck one.
            Action::Delete => state != S::Deleting,
            Action::Upgrade => matches!(state, S::Ready | S::Error),
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "cannot {} a service that is {}",
                self.verb(),
                state.as_str()
            ))
        }
    }

    /// The state in which asking for the action again has nothing left to do (a stop of a
    /// Stopped service succeeds at once, as `kubectl`/`az` do), if any.
    pub fn already_done_in(self) -> Option<ServiceState> {
        match self {
            Action::Start => Some(ServiceState::Ready),
            Action::Stop => Some(ServiceState::Stopped),
            Action::Delete | Action::Upgrade => None,
        }
    }

    /// Verb for messages.
    pub fn verb(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Delete => "delete",
            Action::Upgrade => "upgrade",
        }
    }
}

/// Azure environment (wizard General page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub enum Environment {
    /// Azure public cloud.
    #[default]
    AzurePublicCloud,
    /// Azure US Government cloud.
    AzureUSGovernmentCloud,
}

impl Environment {
    /// The stored and wire name (`AzurePublicCloud`, `AzureUSGovernmentCloud`).
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::AzurePublicCloud => "AzurePublicCloud",
            Environment::AzureUSGovernmentCloud => "AzureUSGovernmentCloud",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Environment> {
        [
            Environment::AzurePublicCloud,
            Environment::AzureUSGovernmentCloud,
        ]
        .into_iter()
        .find(|e| e.as_str() == name)
    }
}

/// Regions (the `AzureRegion` enum of the cmdlets; the CMG wizard of 2010+ lists fewer).
pub const REGIONS: &[&str] = &[
    "AnywhereAsia",
    "AnywhereEurope",
    "AnywhereUS",
    "EastAsia",
    "EastUS",
    "EastUS2",
    "CentralUS",
    "NorthCentralUS",
    "SouthCentralUS",
    "WestCentralUS",
    "WestUS",
    "WestUS2",
    "NorthEurope",
    "WestEurope",
    "SoutheastAsia",
    "UKSouth",
    "UKWest",
    "FranceCentral",
    "GermanyWestCentral",
    "JapanEast",
    "JapanWest",
    "KoreaCentral",
    "AustraliaEast",
    "AustraliaSoutheast",
    "CanadaCentral",
    "CanadaEast",
    "CentralIndia",
    "SouthIndia",
    "BrazilSouth",
    "SouthAfricaNorth",
    "USGovVirginia",
    "USGovArizona",
];

/// Regions the CMG wizard offers (README, "Configuration Manager facts").
pub const CMG_REGIONS: &[&str] = &[
    "EastUS",
    "SouthCentralUS",
    "WestEurope",
    "SoutheastAsia",
    "WestUS2",
    "WestCentralUS",
];

/// Checks a region name for a CDP or a CMG.
pub fn region(value: &str, cmg: bool) -> Result<String, FieldError> {
    let list = if cmg { CMG_REGIONS } else { REGIONS };
    list.iter()
        .find(|r| r.eq_ignore_ascii_case(value))
        .map(|r| r.to_string())
        .ok_or_else(|| FieldError::new("Region", format!("must be one of: {}", list.join(", "))))
}

/// A quota with warning and critical levels (CDP storage and transfer, CMG storage and egress).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Threshold {
    /// Quota in GB.
    pub quota_gb: u32,
    /// Warning alert at this % of the quota.
    pub warning_pct: u8,
    /// Critical alert at this % of the quota.
    pub critical_pct: u8,
}

/// Largest quota accepted, in GB (no documented limit; 1 PB keeps arithmetic safe).
pub const MAX_QUOTA_GB: i64 = 1_000_000;

/// A quota in GB: 1 to [`MAX_QUOTA_GB`]. One rule for the console's fields, the site and the
/// CLI.
pub const QUOTA_GB: validate::Bounds = validate::Bounds {
    min: 1,
    max: MAX_QUOTA_GB,
    what: "",
    unit: " GB",
};

impl Threshold {
    /// Validates a threshold; `label` prefixes the field names (e.g. `Storage alert threshold`).
    pub fn new(
        label: &str,
        quota_gb: i64,
        warning_pct: i64,
        critical_pct: i64,
    ) -> Result<Threshold, FieldError> {
        QUOTA_GB.check(&format!("{label} (GB)"), quota_gb)?;
        let (w, c) = validate::warning_below_critical(
            &format!("{label} warning %"),
            warning_pct,
            &format!("{label} critical %"),
            critical_pct,
        )?;
        Ok(Threshold {
            quota_gb: quota_gb as u32,
            warning_pct: w,
            critical_pct: c,
        })
    }

    /// The quota in bytes: `quota_gb` units of `unit` bytes (1 GiB unless configured).
    pub fn quota_bytes(self, unit: u64) -> u64 {
        self.level_bytes(100, unit)
    }

    /// The byte count `pct` % of the quota stands for.
    pub fn level_bytes(self, pct: u8, unit: u64) -> u64 {
        let v = u128::from(self.quota_gb) * u128::from(unit) * u128::from(pct) / 100;
        u64::try_from(v).unwrap_or(u64::MAX)
    }

    /// Has `used` reached `pct` % of the quota? The sources disagree on "used" against
    /// "remaining free space" (README, "Configuration Manager facts"); cloudsite alerts when used ≥ pct × quota.
    pub fn reached(self, used: u64, pct: u8, unit: u64) -> bool {
        u128::from(used) * 100 >= u128::from(self.quota_gb) * u128::from(unit) * u128::from(pct)
    }

    /// Which level `used` bytes are at: the alert rule the site evaluates and the console colours by.
    pub fn usage_level(self, used: u64, unit: u64) -> UsageLevel {
        if self.reached(used, self.critical_pct, unit) {
            UsageLevel::Critical
        } else if self.reached(used, self.warning_pct, unit) {
            UsageLevel::Warning
        } else {
            UsageLevel::Normal
        }
    }
}

/// Whether `typed` confirms deleting a service: its Service FQDN or its name (the deployment
/// name `--json` shows as `name`), in any case, spaces around ignored. The console's prompt
/// and `cloudsite cdp|cmg delete` both ask with [`delete_answers`] and check with this.
pub fn delete_confirmed(typed: &str, fqdn: &str, name: &str) -> bool {
    let typed = typed.trim();
    !typed.is_empty()
        && [fqdn, name]
            .iter()
            .any(|answer| !answer.is_empty() && typed.eq_ignore_ascii_case(answer))
}

/// The answers [`delete_confirmed`] takes, for the prompt: `cdp1.contoso.com or cdp1`.
pub fn delete_answers(fqdn: &str, name: &str) -> String {
    if name.is_empty() || name.eq_ignore_ascii_case(fqdn) {
        fqdn.to_string()
    } else {
        format!("{fqdn} or {name}")
    }
}

/// CDP transfer is measured over a rolling 30 days (README, "Configuration Manager facts"); it is monitored, never stopped.
pub const CDP_WINDOW_DAYS: u32 = 30;
/// CMG outbound data is measured over a rolling 14 days (README, "Configuration Manager facts").
pub const CMG_WINDOW_DAYS: u32 = 14;

/// Where usage stands against a [`Threshold`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageLevel {
    /// Below the warning level.
    Normal,
    /// At or above the warning level.
    Warning,
    /// At or above the critical level.
    Critical,
}

/// CDP Alerts page defaults (README, "Configuration Manager facts"): storage 2,000 GB, transfer 10,000 GB, 50 %/90 %.
pub const CDP_STORAGE_DEFAULT: Threshold = Threshold {
    quota_gb: 2000,
    warning_pct: 50,
    critical_pct: 90,
};
/// CDP monthly transfer default.
pub const CDP_TRANSFER_DEFAULT: Threshold = Threshold {
    quota_gb: 10000,
    warning_pct: 50,
    critical_pct: 90,
};
/// CMG 14-day outbound data default (the console's 10000 GB, not the docs' 10).
pub const CMG_EGRESS_DEFAULT: Threshold = Threshold {
    quota_gb: 10000,
    warning_pct: 50,
    critical_pct: 90,
};
/// CMG storage default. The console default is unconfirmed; the docs' 2 GB would alert on any
/// real content, so cloudsite uses the CDP's 2,000 GB.
pub const CMG_STORAGE_DEFAULT: Threshold = Threshold {
    quota_gb: 2000,
    warning_pct: 50,
    critical_pct: 90,
};

/// Instances every CDP runs (not settable; upgrades reset it to 2).
pub const CDP_INSTANCES: u8 = 2;

/// CMG VM sizes (2107+).
pub const VM_SIZES: &[&str] = &["Standard_A2_v2", "Standard_A4_v2", "Standard_B2s"];

/// The storage account name derived from a deployment prefix: lowercase letters and digits,
/// 3–24 characters (README, "Configuration Manager facts").
pub fn storage_account_name(prefix: &str) -> Result<String, FieldError> {
    let name: String = prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if (3..=24).contains(&name.len()) {
        Ok(name)
    } else {
        Err(FieldError::new(
            "Service name",
            "the storage account name (the host part without hyphens) must be 3-24 lowercase letters and digits",
        ))
    }
}

/// The Service FQDN rule "unique on the site": `fqdn` (or its host part, the deployment name)
/// against the services the site has, as `(fqdn, deployment name)`; the refusal names the
/// service that has it. The site checks it in the database too (a race loses there).
pub fn name_taken<'a>(
    fqdn: &str,
    existing: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<String> {
    let host = fqdn.split('.').next().unwrap_or(fqdn);
    existing
        .into_iter()
        .find(|(other, deployment)| {
            other.eq_ignore_ascii_case(fqdn) || deployment.eq_ignore_ascii_case(host)
        })
        .map(|(other, _)| taken_rule(other, host))
}

/// The words of [`name_taken`]'s refusal: `other` already has the name (or its host part).
pub fn taken_rule(other: &str, host: &str) -> String {
    format!("must be unique: {other} already uses this name (or its host part {host})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deleting_takes_the_fqdn_or_the_name() {
        for typed in ["cdp1.contoso.com", "CDP1.contoso.com", " cdp1 ", "Cdp1"] {
            assert!(
                delete_confirmed(typed, "cdp1.contoso.com", "cdp1"),
                "{typed}"
            );
        }
        for typed in ["", "cdp", "cdp1.contoso", "cdp2"] {
            assert!(
                !delete_confirmed(typed, "cdp1.contoso.com", "cdp1"),
                "{typed}"
            );
        }
        assert!(!delete_confirmed("", "cdp1.contoso.com", ""));
        assert_eq!(
            delete_answers("cdp1.contoso.com", "cdp1"),
            "cdp1.contoso.com or cdp1"
        );
        assert_eq!(delete_answers("cdp1.contoso.com", ""), "cdp1.contoso.com");
    }

    #[test]
    fn actions_follow_the_lifecycle() {
        assert!(Action::Stop.allowed_in(ServiceState::Ready).is_ok());
        assert!(Action::Stop.allowed_in(ServiceState::Stopped).is_err());
        assert!(Action::Start.allowed_in(ServiceState::Stopped).is_ok());
        assert!(
            Action::Start
                .allowed_in(ServiceState::Provisioning)
                .is_err()
        );
        assert!(
            Action::Delete
                .allowed_in(ServiceState::Provisioning)
                .is_ok()
        );
        assert!(Action::Delete.allowed_in(ServiceState::Deleting).is_err());
        let e = Action::Start.allowed_in(ServiceState::Ready).unwrap_err();
        assert!(e.contains("Ready"));
    }

    #[test]
    fn thresholds_and_regions() {
        assert_eq!(
            Threshold::new("Storage alert threshold", 2000, 50, 90),
            Ok(CDP_STORAGE_DEFAULT)
        );
        let e = Threshold::new("Storage alert threshold", 0, 50, 90).unwrap_err();
        assert_eq!(e.field, "Storage alert threshold (GB)");
        let e = Threshold::new("Transfer alert threshold", 10, 95, 90).unwrap_err();
        assert_eq!(e.field, "Transfer alert threshold warning %");
        assert_eq!(region("westeurope", false).as_deref(), Ok("WestEurope"));
        assert!(region("NorthEurope", true).is_err());
        for s in [
            ServiceState::Ready,
            ServiceState::Deleting,
            ServiceState::Error,
        ] {
            assert_eq!(ServiceState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn storage_account_names() {
        assert_eq!(
            storage_account_name("GraniteFalls-1").as_deref(),
            Ok("granitefalls1")
        );
        assert!(storage_account_name("a-b").is_err());
    }
}
