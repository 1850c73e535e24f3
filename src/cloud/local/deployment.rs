//! One hosted service: its persisted record (`deployments/<name>/deployment.json`), its running
//! instance listeners (a CMG's channel and fallback listeners with them), and the steps that
//! bring instances up or take them down.

use super::cmg::{Attach, GatewayCfg};
use super::files::write_atomic;
use super::instances::{self, ContentCfg, InstanceCtx, Serving, SharedContent};
use super::net::Server;
use super::storage;
use super::store::{BlobStore, ContainerRef};
use crate::cloud::{
    DeploySpec, DeploymentState, GatewayStatus, HostedKind, InstanceGateway, InstanceState,
    InstanceStatus, ServiceStatus,
};
use crate::tls::server_config;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// What the cloud keeps about a deployment. It holds the service key: the file is written 0600.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Record {
    /// Owning subscription (lower-case GUID).
    pub subscription: String,
    /// The spec as last deployed or updated.
    pub spec: DeploySpec,
    /// Current state.
    pub state: DeploymentState,
    /// Instances, index = instance number.
    pub instances: Vec<InstanceRecord>,
    /// Content bytes served, as of the last save.
    #[serde(default)]
    pub egress_bytes: u64,
}

/// One instance as persisted.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct InstanceRecord {
    /// Instance id.
    pub id: String,
    /// Its state.
    pub state: InstanceState,
    /// The port it listens (or last listened) on; a restart tries to get it back.
    pub port: Option<u16>,
    /// CMG: its channel port, remembered the same way.
    #[serde(default)]
    pub channel_port: Option<u16>,
    /// CMG: its HTTPS fallback port, remembered the same way.
    #[serde(default)]
    pub fallback_port: Option<u16>,
}

/// An instance's listeners and the settings they were started with.
pub(super) struct Live {
    server: Server,
    attach: Option<Attach>,
    fingerprint: String,
}

impl Live {
    async fn shutdown(self) {
        self.server.shutdown().await;
        if let Some(attach) = self.attach {
            attach.shutdown().await;
        }
    }
}

/// The mutable part of a deployment, behind its lock.
pub(super) struct Inner {
    /// The persisted record.
    pub record: Record,
    /// Bumped by every operation; a background step only commits if it is still current.
    pub generation: u64,
    /// Listeners, index = instance number.
    pub live: Vec<Option<Live>>,
    /// Set once deleted, so holders of a stale `Arc` see it is gone.
    pub removed: bool,
}

/// A hosted service in the cloud.
pub(super) struct Deployment {
    /// Deployment name (lower case).
    pub name: String,
    /// `data_dir/deployments/<name>`.
    pub dir: PathBuf,
    /// Content bytes served, shared with the instances.
    pub egress: Arc<AtomicU64>,
    /// Content container and access key, shared with the instances and replaced by `bring_up`.
    pub content: SharedContent,
    /// Everything that changes.
    pub inner: tokio::sync::Mutex<Inner>,
}

/// Instance id of instance `n`: `CDP_IN_0`, `CMG_IN_3`, …
pub(super) fn instance_id(kind: HostedKind, n: usize) -> String {
    match kind {
        HostedKind::Cdp => format!("CDP_IN_{n}"),
        HostedKind::Cmg => format!("CMG_IN_{n}"),
    }
}

/// The file a deployment's record lives in.
pub(super) fn record_path(dir: &Path) -> PathBuf {
    dir.join("deployment.json")
}

fn fingerprint(spec: &DeploySpec) -> String {
    let mut h = Sha256::new();
    h.update(spec.service_cert_pem.as_bytes());
    h.update([0]);
    h.update(spec.service_key_pem.as_bytes());
    h.update([u8::from(spec.tls12_only)]);
    // A new connection point CA, client trust or revocation setting restarts the listeners:
    // channels reconnect under the new rules.
    h.update(serde_json::to_vec(&spec.gateway).unwrap_or_default());
    hex::encode(h.finalize())
}

/// The TLS configuration instances of `spec` serve with; the error says what is wrong.
pub(super) fn instance_tls(spec: &DeploySpec) -> Result<Arc<rustls::ServerConfig>, String> {
    server_config(&spec.service_cert_pem, &spec.service_key_pem, None)
        .map(Arc::new)
        .map_err(|e| format!("the service certificate or its key cannot be used: {e}"))
}

impl Deployment {
    /// A deployment around `record`, stored under `deployments_dir`.
    pub(super) fn new(deployments_dir: &Path, name: &str, record: Record) -> Deployment {
        Deployment {
            name: name.to_string(),
            dir: deployments_dir.join(name),
            egress: Arc::new(AtomicU64::new(record.egress_bytes)),
            content: Arc::new(RwLock::new(Arc::new(ContentCfg::default()))),
            inner: tokio::sync::Mutex::new(Inner {
                record,
                generation: 0,
                live: Vec::new(),
                removed: false,
            }),
        }
    }

    /// Writes the record (with the current egress count).
    pub(super) fn save(&self, inner: &mut Inner) -> std::io::Result<()> {
        inner.record.egress_bytes = self.egress.load(Ordering::Relaxed);
        let bytes = serde_json::to_vec_pretty(&inner.record).map_err(std::io::Error::other)?;
        write_atomic(&record_path(&self.dir), &bytes)
    }

    /// The status as the API reports it.
    pub(super) fn status(&self, inner: &Inner) -> ServiceStatus {
        let instances = inner
            .record
            .instances
            .iter()
            .map(|i| {
                let serving = i.state == InstanceState::ReadyRole;
                let at = |port: Option<u16>| {
                    port.filter(|_| serving)
                        .map(|p| SocketAddr::from((Ipv4Addr::LOCALHOST, p)))
                };
                let gateway = inner.record.spec.gateway.is_some();
                InstanceStatus {
                    id: i.id.clone(),
                    state: i.state,
                    address: at(i.port),
                    channel: at(i.channel_port.filter(|_| gateway)),
                    fallback: at(i.fallback_port.filter(|_| gateway)),
                }
            })
            .collect();
        ServiceStatus {
            name: self.name.clone(),
            state: inner.record.state,
            instances,
        }
    }

    /// Each instance's channels and client traffic; a stopped instance has none.
    pub(super) fn gateway_status(&self, inner: &Inner) -> GatewayStatus {
        let instances = inner
            .record
            .instances
            .iter()
            .enumerate()
            .map(|(n, i)| {
                let stats = inner
                    .live
                    .get(n)
                    .and_then(Option::as_ref)
                    .and_then(|live| live.attach.as_ref())
                    .map(|a| a.gate.stats())
                    .unwrap_or_default();
                InstanceGateway {
                    id: i.id.clone(),
                    connection_points: stats.connection_points,
                    notification_channels: stats.notification_channels,
                    requests: stats.requests,
                    refused: stats.refused,
                }
            })
            .collect();
        GatewayStatus { instances }
    }

    /// Makes the instance list as long as the spec asks, new instances in `state`; the extra
    /// ones stay until the next bring-up or take-down closes them.
    pub(super) fn grow_instances(inner: &mut Inner, state: InstanceState) {
        let kind = inner.record.spec.kind;
        let want = usize::from(inner.record.spec.instances);
        let have = inner.record.instances.len();
        for n in have..want {
            inner.record.instances.push(InstanceRecord {
                id: instance_id(kind, n),
                state,
                port: None,
                channel_port: None,
                fallback_port: None,
            });
        }
    }

    /// Closes every listener and returns once they are closed; the record is left as it is.
    pub(super) async fn close_listeners(&self, inner: &mut Inner) {
        for live in inner.live.drain(..).flatten() {
            live.shutdown().await;
        }
    }

    /// Closes every listener; instances become `StoppedRole` (ports remembered).
    pub(super) async fn take_down(&self, inner: &mut Inner) {
        self.close_listeners(inner).await;
        let want = usize::from(inner.record.spec.instances);
        inner.record.instances.truncate(want);
        for i in &mut inner.record.instances {
            i.state = InstanceState::StoppedRole;
        }
    }

    /// Reconciles the listeners with the spec (count, certificate) and marks every instance
    /// `ReadyRole`. Listeners whose certificate is unchanged keep serving throughout.
    pub(super) async fn bring_up(
        &self,
        data_dir: &Path,
        store: &Arc<dyn BlobStore>,
        inner: &mut Inner,
    ) -> Result<(), String> {
        let spec = inner.record.spec.clone();
        let gateway = GatewayCfg::from_spec(&spec)?;
        let tls = match &gateway {
            Some(g) => g.public_tls.clone(),
            None => instance_tls(&spec)?,
        };
        let fp = fingerprint(&spec);
        let want = usize::from(spec.instances);
        while inner.live.len() > want {
            if let Some(live) = inner.live.pop().flatten() {
                live.shutdown().await;
            }
        }
        inner.live.resize_with(want, || None);
        inner.record.instances.truncate(want);
        Self::grow_instances(inner, InstanceState::BusyRole);
        let source = match &spec.storage_account {
            Some(account) => {
                // Provisioning waits for the container: make sure it is there.
                storage::create_container(
                    data_dir,
                    &inner.record.subscription,
                    account,
                    storage::CONTENT_CONTAINER,
                    std::time::Duration::ZERO,
                )
                .map_err(|e| e.body.message)?;
                let container = ContainerRef {
                    account: account.to_ascii_lowercase(),
                    container: storage::CONTENT_CONTAINER.to_string(),
                };
                Some((Arc::clone(store), container))
            }
            None => None,
        };
        let key = match &spec.access_key {
            Some(b64) => Some(instances::access_key(b64)?),
            None => None,
        };
        // Shared, not part of the listener fingerprint: a new key or container reaches the
        // running listeners without dropping their connections.
        *self.content.write().unwrap_or_else(|p| p.into_inner()) =
            Arc::new(ContentCfg { source, key });
        for n in 0..want {
            if matches!(&inner.live[n], Some(live) if live.fingerprint == fp) {
                inner.record.instances[n].state = InstanceState::ReadyRole;
                continue;
            }
            if let Some(old) = inner.live[n].take() {
                old.shutdown().await;
            }
            let record = &mut inner.record.instances[n];
            let id = record.id.clone();
            let cannot_listen = |e: std::io::Error| format!("instance {id} cannot listen: {e}");
            // A CMG with a gateway meters its sockets; a CDP counts the content it serves.
            let gate = gateway.as_ref().map(|g| g.gate(&id));
            let meter = gateway.as_ref().map(|_| self.egress.clone());
            let ctx = InstanceCtx {
                name: self.name.clone(),
                id: id.clone(),
                content: self.content.clone(),
                body_egress: meter.is_none().then(|| self.egress.clone()),
            };
            let serving = Serving {
                tls: tls.clone(),
                meter: meter.clone(),
                rest: gate.clone().map(super::cmg::client_path),
            };
            let server = instances::start(record.port, serving, ctx).map_err(cannot_listen)?;
            let attach = match (&gateway, gate) {
                (Some(cfg), Some(gate)) => Some(
                    Attach::start(
                        cfg,
                        gate,
                        record.channel_port,
                        record.fallback_port,
                        self.egress.clone(),
                    )
                    .map_err(cannot_listen)?,
                ),
                _ => None,
            };
            record.port = Some(server.addr().port());
            if let Some(a) = &attach {
                record.channel_port = Some(a.channel_addr().port());
                record.fallback_port = Some(a.fallback_addr().port());
            }
            record.state = InstanceState::ReadyRole;
            inner.live[n] = Some(Live {
                server,
                attach,
                fingerprint: fp.clone(),
            });
        }
        Ok(())
    }
}
