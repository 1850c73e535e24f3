//! The local cloud: a cloud on this machine, the default provider.
//!
//! Server side, [`LocalCloud::start`] runs an HTTPS management API on loopback that wants the
//! subscription's management certificate as the TLS client certificate. Every hosted service it deploys is a set of real HTTPS listeners on loopback served
//! with the service certificate; the blobs of storage containers live in a `store` (folders in the
//! data directory by default, or Azure Blob Storage: [`StorageConfig`]).
//! Client side, [`LocalProvider`] implements [`crate::cloud::Provider`] over that API.
//!
//! Data directory layout: `tls/` (the management CA and server certificate), `subscriptions/
//! <guid>.json`, `storage/<account>/<container>/`, `deployments/<name>/deployment.json` (0600: it
//! holds the service key). Deleting a hosted service leaves its storage container alone: the
//! container goes with an explicit `delete_container`, as the site deletes content separately.
//!
//! Management API routes (JSON; errors are [`wire::ErrorBody`] with 400/403/404/409/500; every
//! route wants a client certificate registered for `{sub}`, else 403):
//!
//! | method | path | what |
//! | --- | --- | --- |
//! | GET | `/{sub}` | check the subscription → `SubscriptionInfo` |
//! | GET | `/{sub}/services/hostedservices` | list hosted services → `[ServiceStatus]` |
//! | PUT | `/{sub}/services/hostedservices/{name}` | deploy (`DeploySpec`) → 202 `ServiceStatus` |
//! | GET | `/{sub}/services/hostedservices/{name}` | status → `ServiceStatus` / 404 |
//! | DELETE | `/{sub}/services/hostedservices/{name}` | delete → 202 |
//! | POST | `/{sub}/services/hostedservices/{name}/start` | start → 202 `ServiceStatus` |
//! | POST | `/{sub}/services/hostedservices/{name}/stop` | stop → 202 `ServiceStatus` |
//! | POST | `/{sub}/services/hostedservices/{name}/config` | update (`DeploySpec`) → 202 `ServiceStatus` |
//! | GET | `/{sub}/services/hostedservices/{name}/usage` | egress counter → [`wire::Usage`] |
//! | GET | `/{sub}/services/hostedservices/{name}/gateway` | channels and client traffic per instance → `GatewayStatus` |
//! | GET | `/{sub}/services/storageservices/{account}/containers/{container}` | exists → 200 / 404 |
//! | PUT | same | create → 201 (200 if it existed) |
//! | DELETE | same | delete (with every blob) → 200 |
//! | GET | `…/containers/{container}/usage` | bytes of complete blobs → [`wire::StorageUsage`] |
//! | GET | `…/containers/{container}/blobs/{package}/{file}` | → [`wire::BlobState`] |
//! | PUT | same `?offset=N`, headers `x-blob-length`, `x-blob-sha256`, streamed body | append a piece → `BlobState`; 409 if N is not where the partial copy ends (`OffsetMismatch`) or another upload runs (`UploadInProgress`); 400 `Sha256Mismatch` (partial copy discarded) |
//! | DELETE | `…/blobs/{package}` or `…/blobs/{package}/{file}` | delete (no-op if absent) → 200 |
//!
//! With the folder store, blobs live in `storage/<account>/<container>/<package>/<file>`; an
//! upload grows the hidden `.<file>.partial` and becomes the blob only with the declared length
//! and SHA-256 (the `store` module says how the Azure store keeps the same rules). Instances answer `GET /` with `<name> <instance id> ready` and `GET`/`HEAD
//! /content/<package>/<file>` with a blob of the `content` container of the service's storage
//! account, to clients sending `Authorization: Bearer <token>` (see [`crate::content::token`])
//! signed with the deployment's access key for that package and service: 401/403 with the
//! reason as plain text otherwise, 403 if the service has no access key. One `Range` is
//! honoured (206, or 416 with `Content-Range: bytes */LEN`); body bytes sent count as egress.
//!
//! A CMG whose spec has a gateway does more (module `cmg`): each instance also listens on a
//! channel port and an HTTPS fallback port where connection points attach; its public
//! listener passes every other request to the client path ([`crate::gateway::forward`]:
//! URL mappings, client certificates, forwarding over the channels); and its egress is every
//! byte its instances' sockets send, to clients and to the site alike.

mod blobs;
mod client;
mod cmg;
mod config;
mod deployment;
mod engine;
mod files;
mod instances;
mod meter;
mod net;
mod pki;
mod registry;
mod server;
mod storage;
mod store;
pub mod wire;

pub use crate::cloud::CONTENT_CONTAINER;
pub use client::LocalProvider;
pub use config::{Faults, LocalCloudConfig};
pub use registry::{
    RegistryError, SubscriptionRecord, register_subscription, subscription, subscriptions,
};
pub use store::{AzureStorage, StorageConfig};

use engine::Engine;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why the local cloud could not start.
#[derive(Debug, thiserror::Error)]
pub enum LocalCloudError {
    /// The data directory is unusable.
    #[error("local cloud data directory {path}: {message}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The blob store (`[cloud.storage]`) is unusable.
    #[error("local cloud storage: {0}")]
    Storage(String),
    /// The management API could not start.
    #[error("local cloud management API: {0}")]
    Management(String),
}

/// The local cloud (see the module documentation).
pub struct LocalCloud;

impl LocalCloud {
    /// Starts the cloud: management API, then every saved deployment resumed.
    pub async fn start(cfg: LocalCloudConfig) -> Result<LocalCloudHandle, LocalCloudError> {
        crate::tls::install_crypto_provider();
        let data_err = |message: String| LocalCloudError::DataDir {
            path: cfg.data_dir.clone(),
            message,
        };
        std::fs::create_dir_all(&cfg.data_dir).map_err(|e| data_err(e.to_string()))?;
        let pki = pki::load_or_create(&cfg.data_dir).map_err(data_err)?;
        let store = store::open(&cfg.storage, &cfg.data_dir)
            .await
            .map_err(LocalCloudError::Storage)?;
        let engine = Engine::new(
            &cfg.data_dir,
            store,
            cfg.provisioning_delay,
            cfg.faults.clone(),
        );
        engine.restore().await.map_err(data_err)?;
        let server =
            match server::start(cfg.listen, &pki.chain_pem, &pki.key_pem, engine.clone()).await {
                Ok(server) => server,
                Err(e) => {
                    engine.shutdown().await;
                    return Err(LocalCloudError::Management(e));
                }
            };
        let mut addr = server.addr();
        if addr.ip().is_unspecified() {
            // The server certificate names 127.0.0.1, so that is the address to call.
            addr.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        Ok(LocalCloudHandle {
            url: format!("https://{addr}"),
            ca_pem: pki.ca_pem,
            data_dir: cfg.data_dir,
            engine,
            server: std::sync::Mutex::new(Some(server)),
        })
    }
}

/// A running local cloud. Dropping it stops it too, but only [`LocalCloudHandle::shutdown`]
/// returns once every listener is closed.
pub struct LocalCloudHandle {
    url: String,
    ca_pem: String,
    data_dir: PathBuf,
    engine: Arc<Engine>,
    server: std::sync::Mutex<Option<net::Server>>,
}

impl LocalCloudHandle {
    /// The management API's URL, `https://127.0.0.1:PORT`.
    pub fn management_url(&self) -> &str {
        &self.url
    }

    /// PEM of the CA that signed the management API's certificate; clients trust only it.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The cloud's data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Replaces the injected faults while running.
    pub fn set_faults(&self, faults: Faults) {
        self.engine.set_faults(faults);
    }

    /// A client for this cloud.
    pub fn provider(&self) -> Result<LocalProvider, crate::cloud::CloudError> {
        LocalProvider::new(&self.url, &self.ca_pem)
    }

    /// Stops the management API and every instance listener; deployments stay saved in their
    /// current state for the next start.
    pub async fn shutdown(&self) {
        let server = self.server.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(server) = server {
            server.shutdown().await;
        }
        self.engine.shutdown().await;
    }
}

impl Drop for LocalCloudHandle {
    fn drop(&mut self) {
        // The engine's shutdown is async; without a runtime the listeners die with the process.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let engine = self.engine.clone();
            rt.spawn(async move { engine.shutdown().await });
        }
    }
}
