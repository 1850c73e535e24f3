//! A CMG instance's gateway in the local cloud. Besides its public HTTPS listener (where the
//! client path takes every request the instance does not answer itself), each instance of a
//! CMG whose spec has a [`GatewaySpec`](crate::cloud::GatewaySpec) listens on two more
//! loopback ports where connection points attach, as ConfigMgr's VMs do:
//!
//! - the **channel port** (ConfigMgr: TCP-TLS 10140 + n): TLS, then the channel;
//! - the **HTTPS fallback port** (ConfigMgr: 443, or 10124 + n with two or more VMs): TLS,
//!   then one HTTP/1.1 upgrade to the channel; the transport a proxy can carry.
//!
//! Like the public port, both are picked once and remembered, so a restarted instance comes
//! back where its connection points look for it. Both present the service certificate and
//! require a connection point certificate from the site's CA.
//!
//! "Enforce TLS 1.2" (the wizard's option, on by default) means in ConfigMgr that the VMs
//! refuse TLS 1.0 and 1.1; TLS 1.2 and later stay allowed. rustls never speaks below 1.2, so
//! every listener here behaves that way whatever the setting: TLS 1.2 or 1.3, nothing older.

use super::net::{Server, Tls, listen};
use crate::cloud::DeploySpec;
use crate::gateway::attach::{self, connection_point_verifier, peer_name};
use crate::gateway::client_auth::ClientTrust;
use crate::gateway::forward::{Client, ClientAuth, Gate};
use crate::gateway::revocation::{CRL_CACHE_TTL, HttpCrlFetcher};
use crate::tls::{certs_from_pem, server_config};
use axum::Router;
use axum::extract::{Extension, Request};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// How a CMG's instances serve its gateway, made once per spec and shared by its instances
/// (so they share one CRL cache).
pub(super) struct GatewayCfg {
    /// The public listener's TLS: asks for a client certificate when the CMG has trusted roots.
    pub public_tls: Arc<rustls::ServerConfig>,
    channel_tls: Arc<rustls::ServerConfig>,
    fallback_tls: Arc<rustls::ServerConfig>,
    cmg: String,
    clients: Option<Arc<ClientAuth>>,
}

/// The service FQDN: the service certificate's common name (ConfigMgr: "Service name =
/// certificate CN"), else the deployment name.
fn service_fqdn(spec: &DeploySpec) -> String {
    certs_from_pem(&spec.service_cert_pem)
        .ok()
        .and_then(|certs| crate::cert::x509::parse(certs[0].as_ref()).ok())
        .and_then(|(facts, _)| facts.subject_cn)
        .unwrap_or_else(|| spec.name.clone())
}

impl GatewayCfg {
    /// The gateway `spec` describes, `None` when it has none; the error says what is wrong
    /// with it.
    pub(super) fn from_spec(spec: &DeploySpec) -> Result<Option<GatewayCfg>, String> {
        let Some(g) = &spec.gateway else {
            return Ok(None);
        };
        let cert_error = |e| format!("the service certificate or its key cannot be used: {e}");
        let cp = connection_point_verifier(&g.connection_point_ca_pem)?;
        let mut channel = server_config(
            &spec.service_cert_pem,
            &spec.service_key_pem,
            Some(cp.clone()),
        )
        .map_err(cert_error)?;
        // The channel speaks HTTP/2 from the first byte and offers no protocol to negotiate.
        channel.alpn_protocols.clear();
        let fallback = server_config(&spec.service_cert_pem, &spec.service_key_pem, Some(cp))
            .map_err(cert_error)?;
        let clients = if g.client_roots_der.is_empty() {
            None
        } else {
            let trust = ClientTrust::new(&g.client_roots_der)
                .map_err(|e| format!("client authentication: {e}"))?;
            let revocation = if g.check_crl {
                let fetcher: Arc<dyn crate::gateway::revocation::CrlFetcher> =
                    Arc::new(HttpCrlFetcher::new(CRL_CACHE_TTL)?);
                Some(fetcher)
            } else {
                None
            };
            Some(Arc::new(ClientAuth { trust, revocation }))
        };
        let verifier = clients.as_ref().map(|c| c.trust.tls_verifier());
        let public = server_config(&spec.service_cert_pem, &spec.service_key_pem, verifier)
            .map_err(cert_error)?;
        Ok(Some(GatewayCfg {
            public_tls: Arc::new(public),
            channel_tls: Arc::new(channel),
            fallback_tls: Arc::new(fallback),
            cmg: service_fqdn(spec),
            clients,
        }))
    }

    /// A new gate for instance `id`: its channels and counters.
    pub(super) fn gate(&self, id: &str) -> Arc<Gate> {
        Arc::new(Gate::new(&self.cmg, id, self.clients.clone()))
    }
}

/// The client path: every request the instance does not answer itself goes through `gate`.
pub(super) fn client_path(gate: Arc<Gate>) -> Router {
    Router::new().fallback(
        move |Extension(peer): Extension<super::net::Peer>, req: Request| {
            let gate = gate.clone();
            async move {
                let client = Client {
                    address: peer.address.ip(),
                    chain: &peer.chain,
                    accepted: &peer.accepted,
                };
                gate.handle(client, req).await
            }
        },
    )
}

/// An instance's channel and fallback listeners.
pub(super) struct Attach {
    /// The instance's channels and counters.
    pub gate: Arc<Gate>,
    channel: Server,
    fallback: Server,
}

/// The connection point a TLS connection authenticated, if any (the listeners require one,
/// so there always is).
fn connection_point(tls: &Tls) -> Option<String> {
    let leaf = tls.get_ref().1.peer_certificates()?.first()?;
    Some(peer_name(leaf))
}

impl Attach {
    /// Starts the channel and fallback listeners of `gate`'s instance on the remembered
    /// ports (any free ones when `None` or taken), counting every byte sent into `meter`.
    pub(super) fn start(
        cfg: &GatewayCfg,
        gate: Arc<Gate>,
        channel_port: Option<u16>,
        fallback_port: Option<u16>,
        meter: Arc<AtomicU64>,
    ) -> std::io::Result<Attach> {
        let g = gate.clone();
        let channel = Server::tls(
            listen(channel_port)?,
            cfg.channel_tls.clone(),
            Some(meter.clone()),
            move |tls: Tls, _| {
                let gate = g.clone();
                async move {
                    if let Some(peer) = connection_point(&tls) {
                        attach::channel(tls, &peer, gate.pool()).await;
                    }
                }
            },
        )?;
        let g = gate.clone();
        let fallback = Server::tls(
            listen(fallback_port)?,
            cfg.fallback_tls.clone(),
            Some(meter),
            move |tls: Tls, _| {
                let gate = g.clone();
                async move {
                    if let Some(peer) = connection_point(&tls) {
                        attach::fallback(tls, &peer, gate.pool()).await;
                    }
                }
            },
        )?;
        Ok(Attach {
            gate,
            channel,
            fallback,
        })
    }

    /// Where connection points open TCP-TLS channels.
    pub(super) fn channel_addr(&self) -> SocketAddr {
        self.channel.addr()
    }

    /// Where connection points open channels over the HTTPS fallback.
    pub(super) fn fallback_addr(&self) -> SocketAddr {
        self.fallback.addr()
    }

    /// Closes both listeners and every channel: the connection points see their connections
    /// close.
    pub(super) async fn shutdown(self) {
        self.channel.shutdown().await;
        self.fallback.shutdown().await;
    }
}
