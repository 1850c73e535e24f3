//! The CMG connection analyzer (`POST /v1/cmgs/{id}/analyze`): what to analyze with, and the
//! events the site streams back as each check runs and concludes.

use super::services::CertUpload;
use crate::domain::analyzer::{AnalyzerCheck, CheckOutcome};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Run the connection analyzer on a CMG.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AnalyzeCmg {
    /// The client authentication certificate (.pfx with its password) a client would present;
    /// none to analyze as a client without one.
    #[serde(default)]
    pub client_certificate: Option<CertUpload>,
}

/// What one check concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckResult {
    /// Which check.
    pub check: AnalyzerCheck,
    /// Its name, as ConfigMgr's analyzer words it.
    pub name: String,
    /// Passed, Failed or Skipped.
    pub outcome: CheckOutcome,
    /// What it found.
    pub detail: String,
    /// What to do about it (a failure always says; a pass may carry advice).
    pub action: Option<String>,
}

/// One event of an analysis, as the site streams it (`text/event-stream`, event name
/// `analyzer`, data this JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AnalyzerEvent {
    /// A check started.
    Running {
        /// Which.
        check: AnalyzerCheck,
        /// Its name.
        name: String,
    },
    /// A check concluded.
    Finished {
        /// Its result.
        result: CheckResult,
    },
    /// Every check concluded.
    Done {
        /// The CMG's service FQDN.
        cmg: String,
        /// Checks that failed.
        failed: usize,
    },
}
