//! What the site presents to the cloud for a service: the subscription with its management
//! key and the site server's proxy (a [`Caller`]), the deployment with its service key (a
//! [`DeploySpec`]), and the key its instances check content access tokens with.

use super::context::SiteContext;
use super::cp_certs::{self, CertError};
use super::repo::RepoError;
use super::repo::services::{MANAGEMENT_KEY_LABEL, SERVICE_KEY_LABEL, ServiceRecord};
use super::repo::site::site_server_proxy;
use super::secrets::SecretBox;
use crate::cert::pem;
use crate::cloud::{Caller, DeploySpec, GatewaySpec, ProxyRoute, Subscription};
use crate::domain::service::HostedKind;
use base64::Engine;
use std::sync::Arc;

/// The proxy the site server reaches the cloud through, if one is set.
pub(crate) async fn site_proxy(ctx: &SiteContext) -> Result<Option<ProxyRoute>, RepoError> {
    let secrets = Arc::clone(ctx.secrets());
    ctx.store()
        .call(move |c| site_server_proxy(c, &secrets))
        .await
}

/// The caller (subscription, management certificate, proxy) for a service.
pub(crate) async fn caller(ctx: &SiteContext, rec: &ServiceRecord) -> Result<Caller, RepoError> {
    let key = ctx
        .secrets()
        .open(MANAGEMENT_KEY_LABEL, &rec.management_key)?;
    Ok(Caller {
        subscription: Subscription {
            id: rec.subscription_id.clone(),
            management_cert_pem: rec.management_cert_pem.clone(),
            management_key_pem: pem::encode("PRIVATE KEY", key.as_bytes()),
        },
        proxy: site_proxy(ctx).await?,
    })
}

/// The deployment the cloud should run for a service, with what a CMG's instances need to carry
/// client traffic (see [`gateway_spec`]).
pub(crate) async fn full_deploy_spec(
    ctx: &SiteContext,
    rec: &ServiceRecord,
) -> Result<DeploySpec, CertError> {
    let mut spec = deploy_spec(ctx.secrets(), rec)?;
    spec.gateway = gateway_spec(ctx, rec).await?;
    Ok(spec)
}

/// What a CMG's instances need to carry client traffic: the site's connection point CA (made now
/// if the site has none yet), the CMG's trusted roots for client certificates and its CRL
/// setting. None for a CDP.
pub(crate) async fn gateway_spec(
    ctx: &SiteContext,
    rec: &ServiceRecord,
) -> Result<Option<GatewaySpec>, CertError> {
    if rec.kind != HostedKind::Cmg {
        return Ok(None);
    }
    let (secrets, id) = (Arc::clone(ctx.secrets()), rec.id.clone());
    let check_crl = rec.settings.cmg.as_ref().is_none_or(|c| c.check_crl);
    let spec = ctx
        .store()
        .call_transaction(move |tx| {
            let ca = cp_certs::ensure_ca(tx, &secrets)?;
            Ok::<_, CertError>(GatewaySpec {
                connection_point_ca_pem: ca.cert_pem,
                client_roots_der: super::repo::services::trusted_root_ders(tx, &id)?,
                check_crl,
            })
        })
        .await?;
    Ok(Some(spec))
}

/// SHA-1 thumbprint of the (first) certificate of a PEM text, to record which CA a CMG trusts.
pub(crate) fn pem_thumbprint(pem_text: &str) -> Option<String> {
    crate::tls::certs_from_pem(pem_text)
        .ok()?
        .first()
        .map(|c| crate::tls::sha1_thumbprint(c.as_ref()))
}

/// The deployment the cloud should run for a service (no gateway: see [`full_deploy_spec`]).
pub(crate) fn deploy_spec(
    secrets: &SecretBox,
    rec: &ServiceRecord,
) -> Result<DeploySpec, RepoError> {
    let key = secrets.open(SERVICE_KEY_LABEL, &rec.service_key)?;
    Ok(DeploySpec {
        name: rec.deployment_name.clone(),
        kind: rec.kind,
        region: rec.region.clone(),
        instances: rec.instances,
        service_cert_pem: rec.cert_pem.clone(),
        service_key_pem: pem::encode("PRIVATE KEY", key.as_bytes()),
        storage_account: rec.storage_account.clone(),
        tls12_only: rec.settings.cmg.as_ref().is_none_or(|c| c.enforce_tls12),
        access_key: Some(
            base64::engine::general_purpose::STANDARD.encode(access_key(secrets, &rec.id)),
        ),
        gateway: None,
    })
}

/// The content access key of a service: derived from the site key, so the management point
/// signs tokens the service's instances accept without the site storing another secret.
pub(crate) fn access_key(secrets: &SecretBox, service_id: &str) -> [u8; 32] {
    secrets.derive_key(&format!("content-access:{service_id}"))
}
