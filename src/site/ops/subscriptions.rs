//! "Validate on Next": asks the cloud whether it accepts a subscription and its management
//! certificate, through the site server's proxy, before a wizard goes on.

use super::error::{OpError, OpResult};
use super::offload::off_thread;
use crate::api::wire::{
    RegisterSubscription, SubscriptionCheck, SubscriptionInput, SubscriptionRegistered,
};
use crate::cloud::{Caller, Subscription};
use crate::site::context::SiteContext;
use crate::site::credentials::site_proxy;
use crate::site::prepare;

/// Checks the management certificate against the subscription in the cloud. A refusal by the
/// cloud is an answer (`ok: false` with its reason), not an error.
pub(crate) async fn validate(
    ctx: &SiteContext,
    req: SubscriptionInput,
) -> OpResult<SubscriptionCheck> {
    let now = time::OffsetDateTime::now_utc();
    let (id, identity) = off_thread(move || prepare::subscription(&req, now)).await??;
    let caller = Caller {
        subscription: Subscription {
            id: id.clone(),
            management_cert_pem: identity.cert_pem(),
            management_key_pem: identity.key_pem(),
        },
        proxy: site_proxy(ctx).await?,
    };
    Ok(match ctx.provider().check_subscription(&caller).await {
        Ok(info) => SubscriptionCheck {
            ok: true,
            subscription_id: id,
            name: Some(info.name),
            regions: info.regions,
            message: "The cloud accepted the subscription and its management certificate.".into(),
        },
        Err(e) => SubscriptionCheck {
            ok: false,
            subscription_id: id,
            name: None,
            regions: Vec::new(),
            message: e.to_string(),
        },
    })
}

/// Registers a lab subscription with the local cloud the site runs itself (its files in
/// `cloud_dir`); a site driving another cloud has none to register with.
pub(crate) async fn register_lab(
    cloud_dir: Option<&std::path::Path>,
    req: RegisterSubscription,
) -> OpResult<SubscriptionRegistered> {
    let Some(dir) = cloud_dir.map(std::path::Path::to_path_buf) else {
        return Err(OpError::Conflict(
            "this site drives a cloud it does not run: register the subscription with that cloud (cloudsite cloud subscription add)".into(),
        ));
    };
    let id = crate::domain::validate::subscription_id(&req.subscription_id)?;
    if let Some(name) = &req.name {
        crate::domain::text::one_line("Name", name, crate::domain::text::MAX_TOKEN_NAME)?;
    }
    let der = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(req.management_certificate_base64.trim())
            .map_err(|_| OpError::invalid("Management certificate", "must be base64"))?
    };
    let name = req.name.clone();
    let record = off_thread(move || {
        crate::cloud::local::register_subscription(&dir, &id, &der, name.as_deref())
    })
    .await?
    .map_err(|e| OpError::invalid("Management certificate", e.to_string()))?;
    Ok(SubscriptionRegistered {
        subscription_id: record.id,
        name: record.name,
        certificates: record.certificates.len(),
    })
}
