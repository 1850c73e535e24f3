//! The CMG data path: what a connection point reads to open its channels and reports about
//! them, the gateway figures a CMG shows, and what clients get from the management point and
//! the software update point (directly on the intranet, through a CMG on the internet).

use super::secret::Secret;
use super::site::ClientSettings;
use crate::domain::cmg::{ChannelState, Transport};
use crate::domain::service::ServiceState;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Add a CMG connection point.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AddConnectionPoint {
    /// Site system server name. A server that is not a site system yet is added as one only
    /// for an external connection point (the site service cannot run anything there).
    pub site_system: String,
    /// Run elsewhere (`cloudsite connection-point run`), not by the site service. Always so on
    /// a site system other than the site server.
    #[serde(default)]
    pub external: bool,
}

/// A connection point's channel to one CMG instance, as the site last heard of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChannelView {
    /// Instance id (`CMG_IN_0`, …).
    pub instance: String,
    /// Its state.
    pub state: ChannelState,
    /// The transport it uses (or last tried).
    pub transport: Option<Transport>,
    /// It goes through the site system's proxy (only ever over HTTPS).
    #[serde(default)]
    pub via_proxy: bool,
    /// Why it is not connected, or a note.
    pub reason: Option<String>,
}

/// A CMG connection point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectionPointView {
    /// Id.
    pub id: String,
    /// Its name: the CN of its certificate (`cmgcp-<id>`), as the CMG names the channel's peer.
    pub name: String,
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
    /// Run elsewhere (`cloudsite connection-point run`), not by the site service.
    pub external: bool,
    /// Connected, Disconnected or Error (from its channels; Disconnected while it is not
    /// running).
    pub state: ChannelState,
    /// Why it is in Error or Disconnected.
    pub reason: Option<String>,
    /// Its channel to each instance.
    pub channels: Vec<ChannelView>,
    /// When the site last heard from it, RFC 3339.
    pub updated: Option<String>,
}

/// One instance a connection point connects to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChannelInstance {
    /// Instance id.
    pub id: String,
    /// TCP-TLS channel address (`host:port`; ConfigMgr 10140 + n), while it serves. Dialled
    /// directly, never through a proxy.
    pub channel: Option<String>,
    /// HTTPS fallback address (`host:port`; ConfigMgr 443, or 10124 + n), while it serves.
    pub fallback: Option<String>,
}

/// The site system's proxy, for the HTTPS fallback only (as ConfigMgr's connection point).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChannelProxy {
    /// `http://host:port`.
    pub url: String,
    /// Proxy account, when the proxy wants credentials (basic).
    pub account: Option<String>,
    /// Its password.
    pub password: Option<Secret>,
}

/// What a connection point needs to open its channels (`GET /v1/connection-points/{id}/channel`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChannelConfig {
    /// The connection point's id.
    pub connection_point_id: String,
    /// Its name (its certificate's CN).
    pub name: String,
    /// It runs outside the site service.
    pub external: bool,
    /// The CMG's id.
    pub cmg_id: String,
    /// The CMG's service FQDN (the TLS server name).
    pub cmg_fqdn: String,
    /// The CMG's state: channels are expected only while it is Ready (or Upgrading).
    pub cmg_state: ServiceState,
    /// SHA-1 thumbprint (hex) of the CMG's service certificate: the only certificate an
    /// instance may present.
    pub service_thumbprint: String,
    /// The instances, in order.
    pub instances: Vec<ChannelInstance>,
    /// The connection point's client authentication certificate, PEM (the site issued it).
    pub certificate_pem: String,
    /// Its private key, PKCS#8 PEM.
    pub key_pem: String,
    /// The site system's proxy, for the HTTPS fallback; none when the Proxy tab has none.
    pub proxy: Option<ChannelProxy>,
}

impl Drop for ChannelConfig {
    fn drop(&mut self) {
        // The connection point's private key leaves no copy in freed memory.
        zeroize::Zeroize::zeroize(&mut self.key_pem);
    }
}

impl std::fmt::Debug for ChannelConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("ChannelConfig")
            .field("name", &self.name)
            .field("cmg_fqdn", &self.cmg_fqdn)
            .field("cmg_state", &self.cmg_state)
            .field("instances", &self.instances)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

/// A connection point's report of its channels (`PUT /v1/connection-points/{id}/state`): the
/// whole picture each time, so a lost report is repaired by the next.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectionPointReport {
    /// One entry per instance of the CMG.
    pub channels: Vec<ChannelView>,
}

/// A CMG instance's gateway figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InstanceGatewayView {
    /// Instance id.
    pub id: String,
    /// The connection points holding a channel to it.
    pub connection_points: Vec<String>,
    /// Client notification channels held open through it.
    pub notification_channels: u64,
    /// Client requests carried since it started.
    pub requests: u64,
    /// Client requests refused.
    pub refused: u64,
}

/// A CMG's gateway, as last sampled (every `[monitoring] gateway_interval`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GatewayView {
    /// When sampled, RFC 3339.
    pub sampled: String,
    /// The connection points holding at least one channel.
    pub connection_points: Vec<String>,
    /// Client notification channels held open now (every instance).
    pub notification_channels: u64,
    /// Client requests per minute over the last sampling interval.
    pub requests_per_minute: u64,
    /// Client requests carried since the instances started.
    pub requests: u64,
    /// Client requests refused since the instances started.
    pub refused: u64,
    /// Per instance.
    pub instances: Vec<InstanceGatewayView>,
}

/// Push a message to every client holding a notification channel.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SendClientNotification {
    /// The message (1 to 1,000 characters).
    pub message: String,
}

/// A client notification, as clients receive it on `GET /v1/mp/notifications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClientNotificationView {
    /// Id.
    pub id: String,
    /// The message.
    pub message: String,
    /// Who sent it (the token's name).
    pub sent_by: String,
    /// When, RFC 3339.
    pub time: String,
}

/// A client's policy, from the management point (`GET /v1/mp/policy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClientPolicy {
    /// The site the client is assigned to.
    pub site_code: String,
    /// The client settings.
    pub settings: ClientSettings,
    /// When the policy was made, RFC 3339.
    pub generated: String,
}

/// A software update the software update point offers (`GET /v1/sup/catalog`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SoftwareUpdateView {
    /// The package id holding it.
    pub id: String,
    /// Name.
    pub name: String,
    /// Bytes.
    pub size: u64,
}
