//! Reaching the management point through a cloud management gateway, as an internet client
//! does: HTTPS to the CMG's service name (its certificate checked against that name and the
//! roots given), presenting the client's authentication certificate, with no site token — the
//! CMG carries the request over its connection point's channel. The result is the same typed
//! API client the intranet path uses, so every management point operation works through it.

use crate::api::client::Client;
use crate::cert::{self, Options};
use std::net::SocketAddr;
use std::time::Duration;

/// How long a CMG instance may take to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client authentication certificate and its key, as PEM (from the client's `.pfx`).
#[derive(Clone)]
pub struct ClientIdentity {
    /// The certificate first, then any chain the file carried.
    chain_pem: String,
    /// The private key, PKCS#8.
    key_pem: String,
    /// The certificate's subject CN, for messages.
    subject: Option<String>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("ClientIdentity")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl ClientIdentity {
    /// Opens a client certificate file (`.pfx` with its password); the error names what is
    /// wrong with it.
    pub fn open(bytes: &[u8], password: &str) -> Result<ClientIdentity, String> {
        let (report, identity) = cert::inspect_identity(bytes, &Options::new().password(password));
        if let Some(e) = &report.error {
            return Err(e.message.clone());
        }
        let identity = identity.ok_or(
            "the file holds no private key: a client certificate .pfx with its key is needed",
        )?;
        Ok(ClientIdentity {
            chain_pem: identity.cert_pem(),
            key_pem: identity.key_pem(),
            subject: report.leaf_cert().and_then(|c| c.subject_cn.clone()),
        })
    }

    /// The certificate's subject CN; `None` when its subject has none.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }
}

/// Where a CMG is: its service name and its instances' addresses (the local cloud has no DNS,
/// so the addresses are given, as a DNS lookup of the name would give them).
#[derive(Debug, Clone)]
pub struct CmgRoute {
    /// The CMG's service FQDN: the name connected to and checked against its certificate.
    pub fqdn: String,
    /// Its instances' addresses; [`through_cmg`] refuses an empty list.
    pub addresses: Vec<SocketAddr>,
}

/// A typed API client whose requests go to the management point through the CMG at `route`,
/// trusting exactly `roots` (DER; none: the system's) and presenting `identity` when given.
pub fn through_cmg(
    route: &CmgRoute,
    roots: &[Vec<u8>],
    identity: Option<&ClientIdentity>,
) -> Result<Client, String> {
    crate::tls::install_crypto_provider();
    if route.addresses.is_empty() {
        return Err(format!(
            "the CMG {} has no instance address (is it Ready?)",
            route.fqdn
        ));
    }
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(CONNECT_TIMEOUT)
        .resolve_to_addrs(&route.fqdn, &route.addresses);
    if !roots.is_empty() {
        let certs = roots
            .iter()
            .map(|der| reqwest::Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("a trusted root: {e}"))?;
        builder = builder.tls_certs_only(certs);
    }
    if let Some(id) = identity {
        let pem = format!("{}{}", id.chain_pem, id.key_pem);
        let identity = reqwest::Identity::from_pem(pem.as_bytes())
            .map_err(|e| format!("the client certificate cannot be used for TLS: {e}"))?;
        builder = builder.identity(identity);
    }
    let http = builder
        .build()
        .map_err(|e| format!("cannot set up HTTPS to {}: {e}", route.fqdn))?;
    Ok(Client::through(
        &format!("https://{}", route.fqdn),
        None,
        http,
    ))
}
