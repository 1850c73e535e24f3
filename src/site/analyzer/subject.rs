//! What the analyzer looks at, and the results its checks build.

use crate::api::wire::{CheckResult, ClientPolicy, ConnectionPointView, ServiceView};
use crate::domain::analyzer::{AnalyzerCheck, CheckOutcome};
use std::net::SocketAddr;

/// What the analyzer looks at: the CMG as the site knows it.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    /// The CMG's view (state, instances, settings, certificate thumbprint).
    pub(crate) view: ServiceView,
    /// Its service certificate chain, PEM.
    pub(crate) cert_pem: String,
    /// Its trusted roots and intermediates for client certificates, DER.
    pub(crate) roots: Vec<Vec<u8>>,
    /// Its connection points, with their live state.
    pub(crate) points: Vec<ConnectionPointView>,
    /// The management point's answer asked directly, to compare with the one through the CMG.
    pub(crate) direct_policy: ClientPolicy,
}

impl Subject {
    /// The instances serving now: id and public address.
    pub(super) fn serving(&self) -> Vec<(String, SocketAddr)> {
        self.view
            .instances
            .iter()
            .filter_map(|i| Some((i.id.clone(), i.address.as_deref()?.parse().ok()?)))
            .collect()
    }

    pub(super) fn fqdn(&self) -> &str {
        &self.view.service_fqdn
    }
}

/// A result of `check`.
pub(super) fn result(
    check: AnalyzerCheck,
    outcome: CheckOutcome,
    detail: impl Into<String>,
    action: Option<String>,
) -> CheckResult {
    CheckResult {
        check,
        name: check.display_name().into(),
        outcome,
        detail: detail.into(),
        action,
    }
}

/// `check` passed.
pub(super) fn passed(check: AnalyzerCheck, detail: impl Into<String>) -> CheckResult {
    result(check, CheckOutcome::Passed, detail, None)
}

/// `check` failed; `action` says what to do.
pub(super) fn failed(
    check: AnalyzerCheck,
    detail: impl Into<String>,
    action: impl Into<String>,
) -> CheckResult {
    result(check, CheckOutcome::Failed, detail, Some(action.into()))
}

/// `check` could not be made.
pub(super) fn skipped(check: AnalyzerCheck, why: impl Into<String>) -> CheckResult {
    result(check, CheckOutcome::Skipped, why, None)
}
