//! Alerts (`SMS_Alert`) and what an operator does with them.

use crate::domain::alert::{AlertState, AlertType, Severity};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An alert as the API shows it (`SMS_Alert`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlertView {
    /// Alert id (stable across re-raises of the same type on the same service).
    pub id: String,
    /// What the alert is about.
    pub type_id: AlertType,
    /// Service concerned; none for a site-wide alert.
    pub service_id: Option<String>,
    /// Name shown.
    pub name: String,
    /// How grave.
    pub severity: Severity,
    /// Where it is.
    pub state: AlertState,
    /// How many times it was raised.
    pub occurrences: i64,
    /// First raised, RFC 3339.
    pub first_seen: Option<String>,
    /// Last raised, RFC 3339.
    pub last_seen: Option<String>,
    /// Details of the last occurrence.
    pub details: serde_json::Value,
    /// Postponed until (Suspend-CMAlert -SkipUntil), RFC 3339.
    #[serde(default)]
    pub skip_until: Option<String>,
    /// Comments, oldest first, each with its time and author.
    #[serde(default)]
    pub comments: Vec<AlertComment>,
    /// Who closed it (the token's name).
    #[serde(default)]
    pub closed_by: Option<String>,
    /// Evaluated at all (Disable-CMAlert / Enable-CMAlert).
    pub enabled: bool,
}

/// A comment on an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlertComment {
    /// When, RFC 3339.
    pub time: String,
    /// Who (the token's name).
    pub author: String,
    /// What was said (with the action it came with).
    pub text: String,
}

/// Postpone an alert (Suspend-CMAlert -SkipUntil -Comment).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostponeAlert {
    /// Postpone until, RFC 3339 (must be in the future).
    pub until: String,
    /// A comment kept with the alert.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Close an alert (state Canceled, closed by the caller).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseAlert {
    /// A comment kept with the alert.
    #[serde(default)]
    pub comment: Option<String>,
}
