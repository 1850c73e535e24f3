//! Cloud distribution points and cloud management gateways: what a client sends to create and
//! change them, and how the site shows them and the tasks that drive them.
//!
//! Files (certificates) travel as base64 of their bytes: the server never reads a client's paths.

use super::content::UsageView;
use super::gateway::GatewayView;
use super::secret::Secret;
use crate::domain::service::{
    Environment, HostedKind, InstanceState, ServiceState, Threshold, TrustedRootKind,
};
use crate::domain::task::{Step, TaskKind, TaskState};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A certificate file sent with a request.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CertUpload {
    /// The file's bytes, base64.
    pub file_base64: String,
    /// Its password (empty for none). Never returned, never logged.
    #[serde(default)]
    pub password: Secret,
}

impl std::fmt::Debug for CertUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The file holds a private key: its length says enough.
        f.debug_struct("CertUpload")
            .field("bytes", &self.file_base64.len())
            .field("password", &self.password)
            .finish()
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

/// `POST /v1/lab/subscriptions`: a subscription of the site's own local cloud, for a lab
/// (`cloudsite lab init --site URL`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegisterSubscription {
    /// Subscription ID (GUID).
    pub subscription_id: String,
    /// A management certificate it accepts: the `.cer` file (DER), base64.
    pub management_certificate_base64: String,
    /// The subscription's name (kept when absent).
    #[serde(default)]
    pub name: Option<String>,
}

/// The answer to [`RegisterSubscription`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionRegistered {
    /// Subscription ID, lower-case.
    pub subscription_id: String,
    /// Its name.
    pub name: String,
    /// How many management certificates it accepts.
    pub certificates: usize,
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
    /// Read-only after creation: present only so the server can refuse it by name (the
    /// document marks it `readOnly`: a client must not send it).
    #[serde(default)]
    #[schema(value_type = Option<String>, read_only)]
    pub subscription_id: Option<serde_json::Value>,
    /// Read-only after creation.
    #[serde(default)]
    #[schema(value_type = Option<String>, read_only)]
    pub region: Option<serde_json::Value>,
    /// Read-only after creation.
    #[serde(default)]
    #[schema(value_type = Option<String>, read_only)]
    pub service_fqdn: Option<serde_json::Value>,
    /// Read-only after creation.
    #[serde(default)]
    #[schema(value_type = Option<String>, read_only)]
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
    pub usage: Option<UsageView>,
    /// CMG: the gateway's channels and client traffic as last sampled (none before the first
    /// sample, and for a CDP).
    #[serde(default)]
    pub gateway: Option<GatewayView>,
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

/// Answer to a Set: the service, and the task started when the change needs the cloud
/// (a CMG VM count change starts an upgrade).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Updated {
    /// The service as it is now.
    pub service: ServiceView,
    /// The upgrade task, if one was started.
    pub task: Option<TaskView>,
}
