//! Alerts (`SMS_Alert`) and what an operator does with them.

use crate::domain::alert::{AlertState, AlertType, Severity};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An alert as the API shows it (`SMS_Alert`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlertView {
    /// Alert id, 32 hex digits (stable across re-raises of the same type on the same service).
    pub id: String,
    /// What the alert is about.
    pub type_id: AlertType,
    /// Id of the service concerned (32 hex digits); `None` for a site-wide alert.
    pub service_id: Option<String>,
    /// The Service FQDN of that service, for people (the id is for programs); `None` for a
    /// site-wide alert.
    #[serde(default)]
    pub service_fqdn: Option<String>,
    /// The title the last raise gave it (e.g. `Proxy refused the connection to the cloud`).
    pub name: String,
    /// How grave: critical, warning or informational, fixed by the alert type.
    pub severity: Severity,
    /// Active, postponed, canceled, disabled, … (`SMS_Alert` `AlertState`).
    pub state: AlertState,
    /// How many times it was raised; always ≥ 1, a re-raise adds one.
    pub occurrences: i64,
    /// First raised, RFC 3339 UTC with milliseconds.
    pub first_seen: Option<String>,
    /// Last raised, RFC 3339 UTC with milliseconds; lists are ordered by it, newest first.
    pub last_seen: Option<String>,
    /// The JSON object the raiser attached to the last occurrence (e.g. `error`, `service`).
    pub details: serde_json::Value,
    /// Postponed until (Suspend-CMAlert -SkipUntil), RFC 3339 UTC. Set by a postpone, cleared by
    /// a close or a disable; it may outlive the postponement.
    #[serde(default)]
    pub skip_until: Option<String>,
    /// Comments, oldest first, each with its time and author.
    #[serde(default)]
    pub comments: Vec<AlertComment>,
    /// Who closed it: the closing token's name, or `cloudsite (the condition is no longer
    /// true)` when it cleared itself. Cleared when an enabled alert is raised again.
    #[serde(default)]
    pub closed_by: Option<String>,
    /// Evaluated at all (Disable-CMAlert / Enable-CMAlert).
    pub enabled: bool,
}

/// A comment on an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlertComment {
    /// When it was made, RFC 3339 UTC with milliseconds.
    pub time: String,
    /// The name of the token that made it.
    pub author: String,
    /// What was said (with the action it came with).
    pub text: String,
}

/// Postpone an alert (Suspend-CMAlert -SkipUntil -Comment).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostponeAlert {
    /// Postpone until, RFC 3339 with any offset (must be in the future).
    pub until: String,
    /// A comment kept with the alert, signed with the caller's token name; blank adds none.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Close an alert (state Canceled, closed by the caller).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseAlert {
    /// A comment kept with the alert, signed with the caller's token name; blank adds none.
    #[serde(default)]
    pub comment: Option<String>,
}
