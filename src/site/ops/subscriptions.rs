//! "Validate on Next": asks the cloud whether it accepts a subscription and its management
//! certificate, through the site server's proxy, before a wizard goes on.

use super::error::OpResult;
use super::offload::off_thread;
use crate::api::wire::{SubscriptionCheck, SubscriptionInput};
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
