//! How a client reaches its management point: the site itself, or through a CMG (its
//! instances' addresses, the service certificate's root, a client certificate), shared by
//! `client fetch`, `client policy` and `client notify`.

use super::output::CliError;
use crate::api::client::Client;
use crate::client::{ClientIdentity, CmgRoute, through_cmg};
use crate::domain::service::HostedKind;
use clap::Args;
use std::path::PathBuf;

/// How a client reaches the management point through a CMG.
#[derive(Debug, Args, Default)]
pub struct ViaCmg {
    /// The CMG to go through (service FQDN or name). Its instance addresses are looked up from
    /// the site (the local cloud has no DNS) unless --cmg-address is given.
    #[arg(long, value_name = "NAME")]
    pub via_cmg: Option<String>,
    /// A CMG instance address (host:port) to connect to instead of asking the site; repeat for
    /// several.
    #[arg(long, value_name = "ADDR", requires = "via_cmg")]
    pub cmg_address: Vec<std::net::SocketAddr>,
    /// The client authentication certificate (.pfx) presented to the CMG.
    #[arg(long, value_name = "FILE.pfx", requires = "via_cmg")]
    pub client_cert: Option<PathBuf>,
    /// Environment variable holding the client certificate's password (default: empty).
    #[arg(long, value_name = "VAR", requires = "client_cert")]
    pub client_cert_password_env: Option<String>,
}

pub(super) fn read_trust(files: &[PathBuf]) -> Result<Vec<Vec<u8>>, String> {
    files
        .iter()
        .map(|f| {
            let bytes = std::fs::read(f).map_err(|e| format!("--trust {}: {e}", f.display()))?;
            // Checked here so the message names the file, not "root #2".
            crate::client::root_ders(&bytes)
                .map_err(|e| format!("--trust {}: {e}", f.display()))?;
            Ok(bytes)
        })
        .collect()
}

/// The management point to ask: the site itself, or the site's management point through the
/// CMG named in `cmg`, presenting the client certificate given.
pub(super) async fn management_point(
    site: &Client,
    cmg: &ViaCmg,
    trust: &[Vec<u8>],
) -> Result<Client, CliError> {
    let Some(name) = &cmg.via_cmg else {
        return Ok(site.clone());
    };
    let identity = match &cmg.client_cert {
        Some(file) => {
            let bytes = std::fs::read(file)
                .map_err(|e| format!("--client-cert {}: {e}", file.display()))?;
            let password = match &cmg.client_cert_password_env {
                Some(var) => std::env::var(var).map_err(|_| {
                    format!("--client-cert-password-env: the environment variable {var} is not set")
                })?,
                None => String::new(),
            };
            Some(
                ClientIdentity::open(&bytes, &password)
                    .map_err(|e| format!("--client-cert {}: {e}", file.display()))?,
            )
        }
        None => None,
    };
    let route = if cmg.cmg_address.is_empty() {
        // What DNS would answer for the CMG's name: its instances' addresses.
        let view = site
            .service(HostedKind::Cmg, name)
            .await
            .map_err(|e| format!("--via-cmg {name}: {e}"))?;
        CmgRoute {
            fqdn: view.service_fqdn,
            addresses: view
                .instances
                .iter()
                .filter_map(|i| i.address.as_deref()?.parse().ok())
                .collect(),
        }
    } else {
        CmgRoute {
            fqdn: name.clone(),
            addresses: cmg.cmg_address.clone(),
        }
    };
    let mut roots = Vec::new();
    for bytes in trust {
        roots.extend(crate::client::root_ders(bytes).map_err(|e| format!("--trust: {e}"))?);
    }
    through_cmg(&route, &roots, identity.as_ref())
        .map_err(|e| CliError::from(format!("--via-cmg {name}: {e}")))
}
