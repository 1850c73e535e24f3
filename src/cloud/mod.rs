//! Cloud providers: where the site's CDPs and CMGs are hosted. The site talks to a cloud only
//! through [`Provider`]; the default provider, [`local`], is a cloud on this machine reached
//! over its HTTPS management API.

pub mod local;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

pub use crate::domain::service::{HostedKind, InstanceState};

/// The storage container every hosted service serves its content from.
pub const CONTENT_CONTAINER: &str = "content";

/// A subscription as the site presents it to the cloud: its ID and the management
/// certificate (PEM) used as the TLS client certificate.
#[derive(Clone)]
pub struct Subscription {
    /// Subscription GUID.
    pub id: String,
    /// Management certificate, PEM.
    pub management_cert_pem: String,
    /// Management certificate's private key, PKCS#8 PEM. Held in memory only.
    pub management_key_pem: String,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// An HTTP CONNECT proxy on the way to the cloud (the site system's Proxy tab).
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyRoute {
    /// `http://host:port`.
    pub url: String,
    /// Basic credentials, when the proxy needs them.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for ProxyRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyRoute")
            .field("url", &self.url)
            .field("user", &self.credentials.as_ref().map(|c| &c.0))
            .finish_non_exhaustive()
    }
}

/// Who calls and how: the subscription and the network route.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Subscription and management certificate.
    pub subscription: Subscription,
    /// Proxy to go through, if any.
    pub proxy: Option<ProxyRoute>,
}

/// A hosted service to deploy.
#[derive(Clone, Serialize, Deserialize)]
pub struct DeploySpec {
    /// Globally unique deployment name (the service name's host part).
    pub name: String,
    /// CDP or CMG.
    pub kind: HostedKind,
    /// Region.
    pub region: String,
    /// Number of instances.
    pub instances: u8,
    /// Service certificate chain, PEM.
    pub service_cert_pem: String,
    /// Service certificate key, PKCS#8 PEM.
    pub service_key_pem: String,
    /// Storage account holding the content container, when the service serves content.
    pub storage_account: Option<String>,
    /// "Enforce TLS 1.2": the instances refuse TLS 1.0 and 1.1 (ConfigMgr turns them off on
    /// the VMs; TLS 1.2 and later stay on). The local cloud's rustls never speaks below 1.2, so
    /// its instances behave so whether this is set or not.
    pub tls12_only: bool,
    /// The service's content access key (base64, 32 bytes): instances serve content only to
    /// clients presenting a token signed with it ([`crate::content::token`]). `None`: no
    /// content is served.
    #[serde(default)]
    pub access_key: Option<String>,
    /// CMG: how it carries client traffic; `None` for a CDP.
    #[serde(default)]
    pub gateway: Option<GatewaySpec>,
}

/// What a CMG's instances need to carry client traffic to the site.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewaySpec {
    /// The CA the site issues connection point certificates from (PEM): only a connection
    /// point holding one may open a channel.
    pub connection_point_ca_pem: String,
    /// Trusted root and intermediate certificates (DER) client certificates must chain to;
    /// empty: clients are not asked for a certificate.
    pub client_roots_der: Vec<Vec<u8>>,
    /// Check client certificates against the CRLs their issuers publish.
    pub check_crl: bool,
}

impl std::fmt::Debug for DeploySpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeploySpec")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("region", &self.region)
            .field("instances", &self.instances)
            .field("storage_account", &self.storage_account)
            .finish_non_exhaustive()
    }
}

/// One instance: its id, state and where it listens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceStatus {
    /// Instance id, e.g. `CDP_IN_0`.
    pub id: String,
    /// State.
    pub state: InstanceState,
    /// The loopback address it serves HTTPS on, while it serves.
    pub address: Option<SocketAddr>,
    /// CMG: where connection points open their TCP-TLS channel (ConfigMgr: 10140 + n).
    #[serde(default)]
    pub channel: Option<SocketAddr>,
    /// CMG: the HTTPS fallback for connection points behind a proxy (ConfigMgr: 10124 + n).
    #[serde(default)]
    pub fallback: Option<SocketAddr>,
}

/// What a CMG's gateway is doing, per instance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayStatus {
    /// Instances, in order.
    pub instances: Vec<InstanceGateway>,
}

/// One instance's channels and client traffic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceGateway {
    /// Instance id.
    pub id: String,
    /// The connection points holding a channel to it (the names their certificates carry).
    pub connection_points: Vec<String>,
    /// Client notification requests held open through it now.
    pub notification_channels: u64,
    /// Client requests a connection point answered since the instance started.
    pub requests: u64,
    /// Client requests the instance answered itself with a refusal (outside the URL mappings,
    /// no or bad client certificate, revoked or unverifiable, no channel, a connection point
    /// that failed to answer).
    pub refused: u64,
}

/// The deployment's state as the cloud reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeploymentState {
    /// Being created.
    Provisioning,
    /// All instances serving.
    Running,
    /// Being stopped.
    Stopping,
    /// Stopped (content kept).
    Stopped,
    /// Being started.
    Starting,
    /// Instance count or certificate being changed.
    Updating,
    /// Being deleted.
    Deleting,
}

/// A hosted service as the cloud reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceStatus {
    /// Deployment name.
    pub name: String,
    /// State.
    pub state: DeploymentState,
    /// Instances.
    pub instances: Vec<InstanceStatus>,
}

/// What a subscription check returns ("validate on Next").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionInfo {
    /// Subscription GUID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Regions the subscription may deploy to.
    pub regions: Vec<String>,
}

/// Why a cloud call failed. Messages are for operators.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    /// The cloud refused the management certificate or does not know the subscription.
    #[error("the cloud refused the subscription or its management certificate: {0}")]
    Unauthorized(String),
    /// The named service or container does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A globally unique name is taken.
    #[error("{0}")]
    NameInUse(String),
    /// The proxy refused or could not be reached.
    #[error("proxy: {0}")]
    Proxy(String),
    /// The cloud could not be reached.
    #[error("the cloud could not be reached: {0}")]
    Unreachable(String),
    /// The cloud rejected the request (bad input, wrong state).
    #[error("the cloud rejected the request: {0}")]
    Rejected(String),
    /// The operation failed in the cloud (including injected faults).
    #[error("the operation failed in the cloud: {0}")]
    Failed(String),
}

/// A cloud that hosts CDPs and CMGs. Every mutating call is idempotent, so a task resumed after
/// a crash can simply repeat the step it was in.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Checks the subscription and management certificate (the wizard's "Next" on General).
    async fn check_subscription(&self, caller: &Caller) -> Result<SubscriptionInfo, CloudError>;
    /// Does the storage container exist?
    async fn container_exists(
        &self,
        caller: &Caller,
        account: &str,
        container: &str,
    ) -> Result<bool, CloudError>;
    /// Creates the storage container (and account); no-op if it exists.
    async fn create_container(
        &self,
        caller: &Caller,
        account: &str,
        container: &str,
    ) -> Result<(), CloudError>;
    /// Deletes the storage container and its content; no-op if absent.
    async fn delete_container(
        &self,
        caller: &Caller,
        account: &str,
        container: &str,
    ) -> Result<(), CloudError>;
    /// Creates the hosted service; no-op if the same subscription already deployed it.
    async fn deploy(&self, caller: &Caller, spec: &DeploySpec) -> Result<(), CloudError>;
    /// The hosted service's status, `None` if it does not exist.
    async fn status(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<Option<ServiceStatus>, CloudError>;
    /// Starts serving again (content kept).
    async fn start(&self, caller: &Caller, name: &str) -> Result<(), CloudError>;
    /// Stops serving (content kept).
    async fn stop(&self, caller: &Caller, name: &str) -> Result<(), CloudError>;
    /// Deletes the hosted service and its listeners; no-op if absent.
    async fn delete(&self, caller: &Caller, name: &str) -> Result<(), CloudError>;
    /// Changes the instance count (CMG) or redeploys the current spec (sync/upgrade).
    async fn update(&self, caller: &Caller, spec: &DeploySpec) -> Result<(), CloudError>;
    /// Uploads the local file `file` as blob `blob` (`<package>/<file name>`) of a container,
    /// streamed. The blob becomes visible only once complete and its SHA-256 (hex) equals
    /// `sha256`; an interrupted upload resumes where the cloud's partial copy ends. Idempotent:
    /// a complete blob with the same hash is left as it is.
    async fn put_blob(
        &self,
        caller: &Caller,
        target: &BlobTarget,
        file: &std::path::Path,
        sha256: &str,
    ) -> Result<(), CloudError>;
    /// Deletes every blob under `prefix/` (a package) in a container; no-op if none.
    async fn delete_blobs(
        &self,
        caller: &Caller,
        account: &str,
        container: &str,
        prefix: &str,
    ) -> Result<(), CloudError>;
    /// Bytes stored in a container (complete blobs only).
    async fn storage_used(
        &self,
        caller: &Caller,
        account: &str,
        container: &str,
    ) -> Result<u64, CloudError>;
    /// Outbound data of the hosted service's instances since it was created: a CDP's content
    /// bytes; every byte a CMG with a gateway sends, to clients and over its channels to the site.
    async fn egress(&self, caller: &Caller, name: &str) -> Result<u64, CloudError>;

    /// A CMG's channels and client traffic; `None` when the deployment does not exist.
    async fn gateway(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<Option<GatewayStatus>, CloudError>;
}

/// Where a blob goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobTarget {
    /// Storage account.
    pub account: String,
    /// Container.
    pub container: String,
    /// Blob name, `<package id>/<file name>`.
    pub blob: String,
}
