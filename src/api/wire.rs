//! JSON bodies of the `/v1` API, shared by the server and every client.
//!
//! Files (certificates) travel as base64 of their bytes: the server never reads a client's paths.

use crate::api::wire_content::{DistributionView, PackageView, UsageEvent};
use crate::domain::alert::{AlertState, AlertType, Severity};
use crate::domain::role::Role;
use crate::domain::service::{
    Environment, HostedKind, InstanceState, ServiceState, Threshold, TrustedRootKind,
};
use crate::domain::task::{Level, Step, TaskKind, TaskState};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The error body of every 4xx/5xx answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: `invalid_field`, `unauthorized`, `forbidden`, `not_found`, `conflict`, `internal`, …
    pub code: String,
    /// The whole message for an operator.
    pub message: String,
    /// The field at fault (wizard label), for `invalid_field`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The rule the field broke.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// A certificate file sent with a request.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CertUpload {
    /// The file's bytes, base64.
    pub file_base64: String,
    /// Its password (empty for none). Never returned, never logged.
    #[serde(default)]
    pub password: String,
}

impl std::fmt::Debug for CertUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertUpload")
            .field("bytes", &self.file_base64.len())
            .finish_non_exhaustive()
    }
}

/// A threshold as sent by a client; absent fields take the wizard's defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ThresholdInput {
    /// Quota in GB.
    pub quota_gb: Option<i64>,
    /// Warning %.
    pub warning_pct: Option<i64>,
    /// Critical %.
    pub critical_pct: Option<i64>,
}

/// General page: subscription and management certificate (shared by both wizards and by
/// "validate on Next").
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionInput {
    /// Subscription ID (GUID). May be omitted with a `.publishsettings` file listing one.
    #[serde(default)]
    pub subscription_id: Option<String>,
    /// Azure environment.
    #[serde(default)]
    pub environment: Environment,
    /// Management certificate `.pfx` (or a `.publishsettings` file).
    pub management_certificate: CertUpload,
}

/// Create Cloud Distribution Point (wizard pages General, Settings, Alerts).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CreateCdp {
    /// General page.
    #[serde(flatten)]
    pub subscription: SubscriptionInput,
    /// Region.
    pub region: String,
    /// Resource group (ARM); optional.
    #[serde(default)]
    pub resource_group: Option<String>,
    /// Primary site that transfers content (Settings page); this site's code when absent.
    #[serde(default)]
    pub primary_site: Option<String>,
    /// Service certificate `.pfx`.
    pub service_certificate: CertUpload,
    /// Service FQDN; defaults to the certificate CN (required for a wildcard certificate).
    #[serde(default)]
    pub service_fqdn: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Storage alert threshold (defaults 2,000 GB, 50 %, 90 %).
    #[serde(default)]
    pub storage: ThresholdInput,
    /// Monthly transfer alert threshold (defaults 10,000 GB, 50 %, 90 %).
    #[serde(default)]
    pub transfer: ThresholdInput,
}

/// A trusted root or intermediate certificate for CMG client authentication.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrustedRootUpload {
    /// The `.cer` bytes, base64.
    pub file_base64: String,
    /// `root` or `intermediate`. Checked by the site, so another word gets a field error naming
    /// the certificate rather than a parse failure.
    #[schema(value_type = TrustedRootKind)]
    pub kind: String,
}

/// Create Cloud Management Gateway.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CreateCmg {
    /// General page.
    #[serde(flatten)]
    pub subscription: SubscriptionInput,
    /// Service certificate `.pfx`.
    pub service_certificate: CertUpload,
    /// Service name (FQDN); defaults to the certificate's first DNS name, else its CN.
    #[serde(default)]
    pub service_fqdn: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Region (CMG list).
    pub region: String,
    /// Resource group; optional.
    #[serde(default)]
    pub resource_group: Option<String>,
    /// VM size (default Standard_A2_v2).
    #[serde(default)]
    pub vm_size: Option<String>,
    /// VM instances, 1–16 (default 1).
    #[serde(default)]
    pub vm_instances: Option<i64>,
    /// Trusted root / intermediate `.cer` files.
    #[serde(default)]
    pub trusted_roots: Vec<TrustedRootUpload>,
    /// Verify Client Certificate Revocation (default on).
    #[serde(default)]
    pub check_crl: Option<bool>,
    /// Enforce TLS 1.2 (default on).
    #[serde(default)]
    pub enforce_tls12: Option<bool>,
    /// Allow the CMG to serve content (default on).
    #[serde(default)]
    pub serve_content: Option<bool>,
    /// Turn on the 14-day outbound data threshold and alerts.
    #[serde(default)]
    pub egress_alerts: Option<bool>,
    /// The 14-day outbound data threshold (defaults 10,000 GB, 50 %, 90 %).
    #[serde(default)]
    pub egress: ThresholdInput,
    /// Stop this service when the critical threshold is exceeded.
    #[serde(default)]
    pub stop_at_critical: Option<bool>,
    /// Specify storage alert threshold.
    #[serde(default)]
    pub storage_alerts: Option<bool>,
    /// Storage alert threshold.
    #[serde(default)]
    pub storage: ThresholdInput,
}

/// Set (Properties): only the editable fields; a read-only one is refused by name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetService {
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Storage threshold (CDP and CMG).
    #[serde(default)]
    pub storage: Option<ThresholdInput>,
    /// Transfer threshold (CDP).
    #[serde(default)]
    pub transfer: Option<ThresholdInput>,
    /// Outbound data threshold (CMG).
    #[serde(default)]
    pub egress: Option<ThresholdInput>,
    /// CMG: outbound data alerts on.
    #[serde(default)]
    pub egress_alerts: Option<bool>,
    /// CMG: storage alerts on.
    #[serde(default)]
    pub storage_alerts: Option<bool>,
    /// CMG: stop at critical.
    #[serde(default)]
    pub stop_at_critical: Option<bool>,
    /// CMG: VM instances (starts an upgrade task).
    #[serde(default)]
    pub vm_instances: Option<i64>,
    /// CMG: CRL check.
    #[serde(default)]
    pub check_crl: Option<bool>,
    /// CMG: TLS 1.2.
    #[serde(default)]
    pub enforce_tls12: Option<bool>,
    /// CMG: serve content.
    #[serde(default)]
    pub serve_content: Option<bool>,
    /// Certificate file: a renewed service certificate for the same FQDN (starts an upgrade).
    #[serde(default)]
    pub service_certificate: Option<CertUpload>,
    /// Read-only after creation: present only so the server can refuse it by name.
    #[serde(default)]
    pub subscription_id: Option<serde_json::Value>,
    /// Read-only after creation.
    #[serde(default)]
    pub region: Option<serde_json::Value>,
    /// Read-only after creation.
    #[serde(default)]
    pub service_fqdn: Option<serde_json::Value>,
    /// Read-only after creation.
    #[serde(default)]
    pub name: Option<serde_json::Value>,
}

/// CMG-only settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CmgSettings {
    /// VM size.
    pub vm_size: String,
    /// Verify Client Certificate Revocation.
    pub check_crl: bool,
    /// Enforce TLS 1.2.
    pub enforce_tls12: bool,
    /// Serve content.
    pub serve_content: bool,
    /// 14-day outbound data alerts on.
    pub egress_alerts: bool,
    /// Stop at critical.
    pub stop_at_critical: bool,
    /// Storage alerts on.
    pub storage_alerts: bool,
    /// Trusted roots / intermediates (SHA-1 thumbprints with kind).
    pub trusted_roots: Vec<TrustedRootView>,
}

/// A trusted root as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrustedRootView {
    /// Root or intermediate.
    pub kind: TrustedRootKind,
    /// SHA-1 thumbprint.
    pub thumbprint: String,
    /// Subject CN.
    pub subject_cn: Option<String>,
}

/// The service certificate as shown (never the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CertificateView {
    /// SHA-1 thumbprint.
    pub thumbprint: String,
    /// Subject CN.
    pub subject_cn: Option<String>,
    /// Expiry, RFC 3339.
    pub not_after: String,
    /// A wildcard certificate.
    pub wildcard: bool,
}

/// An instance as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InstanceView {
    /// Instance id.
    pub id: String,
    /// As the cloud reports it.
    pub state: InstanceState,
    /// Loopback address it serves on, while serving.
    pub address: Option<String>,
}

/// A CDP or CMG as the list and Properties show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceView {
    /// Id (`AzureServiceID`).
    pub id: String,
    /// CDP or CMG.
    pub kind: HostedKind,
    /// Service FQDN (the list's "Service Name" column).
    pub service_fqdn: String,
    /// Deployment name (host part; globally unique in the cloud).
    pub name: String,
    /// Status.
    pub status: ServiceState,
    /// Details of the last failure, or of the step in progress.
    pub status_details: Option<String>,
    /// Subscription.
    pub subscription_id: String,
    /// Environment.
    pub environment: Environment,
    /// Region.
    pub region: String,
    /// Resource group.
    pub resource_group: Option<String>,
    /// Description.
    pub description: String,
    /// Instance count.
    pub vm_instances: u8,
    /// Instances as last seen in the cloud.
    pub instances: Vec<InstanceView>,
    /// Storage threshold.
    pub storage: Threshold,
    /// Transfer (CDP, 30 days) or outbound data (CMG, 14 days) threshold.
    pub transfer: Threshold,
    /// CMG settings.
    pub cmg: Option<CmgSettings>,
    /// Service certificate.
    pub certificate: CertificateView,
    /// The CNAME the operator must create: service FQDN → this cloud name.
    pub cname_target: String,
    /// Created, RFC 3339.
    pub created: String,
    /// Last change, RFC 3339.
    pub updated: String,
    /// Usage as last collected (none before the first collection).
    #[serde(default)]
    pub usage: Option<crate::api::wire_content::UsageView>,
}

/// A durable task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaskView {
    /// Id.
    pub id: String,
    /// Service it acts on.
    pub service_id: String,
    /// What it does.
    pub kind: TaskKind,
    /// Where it is.
    pub state: TaskState,
    /// The step it is in (none before the first).
    pub step: Option<Step>,
    /// Why it failed.
    pub error: Option<String>,
    /// Created, RFC 3339.
    pub created: String,
    /// Ended, RFC 3339.
    pub ended: Option<String>,
}

/// Answer to a create or an action: the service and the task started for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Accepted {
    /// The service as it is now.
    pub service: ServiceView,
    /// The task driving it.
    pub task: TaskView,
}

/// A status message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusMessageView {
    /// Sequence number.
    pub id: i64,
    /// Message ID (9409, 9425, …).
    pub message_id: u32,
    /// Severity.
    pub severity: Level,
    /// Component (`SMS_CLOUD_SERVICES_MANAGER`).
    pub component: String,
    /// Service concerned.
    pub service_id: Option<String>,
    /// Text.
    pub text: String,
    /// Time, RFC 3339.
    pub time: String,
}

/// Result of "validate on Next".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionCheck {
    /// The cloud accepted the subscription and certificate.
    pub ok: bool,
    /// Subscription ID checked.
    pub subscription_id: String,
    /// Subscription name, when accepted.
    pub name: Option<String>,
    /// Regions available, when accepted.
    pub regions: Vec<String>,
    /// The cloud's or the certificate's complaint.
    pub message: String,
}

/// The site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SiteView {
    /// Site code, e.g. `PS1`.
    pub site_code: String,
    /// Site server name.
    pub server_name: String,
    /// Version of the service.
    pub version: String,
    /// Role of the caller's token.
    pub role: Role,
}

/// A site system with its Proxy tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SiteSystemView {
    /// Server name.
    pub name: String,
    /// Roles it holds.
    pub roles: Vec<String>,
    /// Proxy tab.
    pub proxy: crate::domain::proxy::ProxySettings,
}

/// Set the Proxy tab. A password is stored encrypted and never returned; omit it to keep the
/// stored one, send `""` to clear it.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetProxy {
    /// Use a proxy server.
    pub enabled: bool,
    /// Server name.
    #[serde(default)]
    pub server: Option<String>,
    /// Port (default 80).
    #[serde(default)]
    pub port: Option<i64>,
    /// Account name.
    #[serde(default)]
    pub account: Option<String>,
    /// Account password.
    #[serde(default)]
    pub password: Option<String>,
}

impl std::fmt::Debug for SetProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetProxy")
            .field("enabled", &self.enabled)
            .field("server", &self.server)
            .field("port", &self.port)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// Add a CMG connection point.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AddConnectionPoint {
    /// Site system server name.
    pub site_system: String,
}

/// A CMG connection point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectionPointView {
    /// Id.
    pub id: String,
    /// CMG id.
    pub cmg_id: String,
    /// CMG name (its service FQDN).
    pub cmg_name: String,
    /// Region of the CMG (the wizard shows it).
    pub region: String,
    /// Site system server.
    pub site_system: String,
    /// Site code.
    pub site_code: String,
}

/// An event on `/v1/events`: its id (resume with `Last-Event-ID`) and what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    /// Event id, increasing; 0 for a `resync` sent because a slow client fell behind.
    pub id: u64,
    /// What happened, with the object as the matching GET returns it.
    #[serde(flatten)]
    pub event: Event,
}

/// What happened. On the wire: `{"id": …, "kind": "<name>", "data": <object>}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Event {
    /// A service was created or changed.
    Service(Box<ServiceView>),
    /// A service and its content are gone.
    ServiceDeleted(ServiceDeleted),
    /// A task was created or moved on.
    Task(TaskView),
    /// An alert was raised, cleared or changed by an operator.
    Alert(AlertView),
    /// A status message was recorded.
    StatusMessage(StatusMessageView),
    /// A log line was written.
    Log(LogLineView),
    /// A service's usage was collected.
    Usage(UsageEvent),
    /// A package was created or changed.
    Package(PackageView),
    /// A package was deleted.
    PackageDeleted(PackageDeleted),
    /// A package's distribution to a service changed.
    Distribution(DistributionView),
    /// A package was removed from a service.
    DistributionRemoved(DistributionRemoved),
    /// A site system's settings (Proxy tab) changed.
    SiteSystem(SiteSystemView),
    /// The client settings changed.
    ClientSettings(ClientSettings),
    /// A CMG connection point was added.
    ConnectionPoint(ConnectionPointView),
    /// Events were lost (the client's id is too old, or it fell behind): read everything again.
    Resync,
}

impl Event {
    /// The wire name of the event (`service`, `task`, …), also the SSE `event:` field.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Service(_) => "service",
            Event::ServiceDeleted(_) => "service_deleted",
            Event::Task(_) => "task",
            Event::Alert(_) => "alert",
            Event::StatusMessage(_) => "status_message",
            Event::Log(_) => "log",
            Event::Usage(_) => "usage",
            Event::Package(_) => "package",
            Event::PackageDeleted(_) => "package_deleted",
            Event::Distribution(_) => "distribution",
            Event::DistributionRemoved(_) => "distribution_removed",
            Event::SiteSystem(_) => "site_system",
            Event::ClientSettings(_) => "client_settings",
            Event::ConnectionPoint(_) => "connection_point",
            Event::Resync => "resync",
        }
    }
}

/// `service_deleted`: which service is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceDeleted {
    /// Service id.
    pub id: String,
    /// Its FQDN.
    pub service_fqdn: String,
}

/// `package_deleted`: which package is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PackageDeleted {
    /// Package id.
    pub id: String,
}

/// `distribution_removed`: a package is no longer on a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DistributionRemoved {
    /// Package id.
    pub package_id: String,
    /// Service id.
    pub service_id: String,
}

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

/// A log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogLineView {
    /// Log file, e.g. `CloudMgr.log`.
    pub file: String,
    /// Time, RFC 3339.
    pub time: String,
    /// Component.
    pub component: String,
    /// Severity.
    pub level: Level,
    /// Message.
    pub message: String,
}

/// A new API token (the secret is shown once).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewToken {
    /// Token id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// The token. Store it now; it is not shown again.
    pub token: String,
}

/// Answer to a Set: the service, and the task started when the change needs the cloud
/// (a CMG VM count change starts an upgrade).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Updated {
    /// The service as it is now.
    pub service: ServiceView,
    /// The upgrade task, if one was started.
    pub task: Option<TaskView>,
}

/// Client settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClientSettings {
    /// "Allow access to cloud distribution points" (default No).
    pub allow_cloud_dp: bool,
}

/// Create an API token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateToken {
    /// A name for the token (who or what uses it).
    pub name: String,
    /// What the token may do (`full-admin`, `infra-admin`, `read-only`). Checked by the site,
    /// so an unknown name gets a field error rather than a parse failure.
    #[schema(value_type = Role)]
    pub role: String,
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
