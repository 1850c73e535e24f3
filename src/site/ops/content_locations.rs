//! The management point's answer to a client's content location request: the cloud services
//! that have the package, each with an access token, in random order, and the package key.

use super::content::package;
use super::error::OpResult;
use super::management_point::Hop;
use crate::api::wire::{ContentLocation, ContentLocationRequest, ContentLocations};
use crate::content::token::{self, Claims};
use crate::domain::service::ServiceState;
use crate::domain::task::Level;
use crate::site::context::SiteContext;
use crate::site::credentials::access_key;
use crate::site::repo::services::{self, ServiceRecord};
use crate::site::repo::{RepoError, client_settings, distributions, packages};
use crate::site::store::millis_to_rfc3339;

/// The management point's log (ConfigMgr: MP_Location.log).
pub(crate) const MP_LOG: &str = "MP_Location.log";

/// Random order (Fisher–Yates with the OS generator): clients spread across cloud sources.
fn shuffle<T>(items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let mut b = [0u8; 4];
        let r = getrandom::fill(&mut b)
            .map(|()| u32::from_le_bytes(b) as usize)
            .unwrap_or(i);
        items.swap(i, r % (i + 1));
    }
}

/// Where a client can get a package: its cloud sources with tokens, and the key.
pub(crate) async fn locations(
    ctx: &SiteContext,
    req: ContentLocationRequest,
    hop: Option<&Hop>,
) -> OpResult<ContentLocations> {
    if let Some(name) = &req.client {
        crate::domain::text::client_name(name)?;
    }
    let pkg = package(ctx, &req.package).await?;
    let store = ctx.store();
    let allow = store.call(|c| client_settings::allow_cloud_dp(c)).await?;
    let (id, secrets) = (pkg.id.clone(), ctx.secrets().clone());
    let key = store
        .call(move |c| packages::package_key(c, &id, &secrets))
        .await?;
    let id = pkg.id.clone();
    let holders: Vec<ServiceRecord> = store
        .call(move |c| {
            let mut out = Vec::new();
            for s in distributions::services_with(c, &id)? {
                out.extend(services::get_service(c, &s)?);
            }
            Ok::<_, RepoError>(out)
        })
        .await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let exp = now + ctx.monitor().token_lifetime.as_secs() as i64;
    let mut locations: Vec<ContentLocation> = if allow {
        holders
            .iter()
            // Stopped services stay offered (ConfigMgr does; the client moves on), but one still
            // provisioning or being deleted has never served or never will again.
            .filter(|s| !matches!(s.state, ServiceState::Deleting | ServiceState::Provisioning))
            .map(|s| {
                let claims = Claims {
                    svc: s.deployment_name.to_ascii_lowercase(),
                    pkg: pkg.id.clone(),
                    iat: now,
                    exp,
                };
                ContentLocation {
                    service_id: s.id.clone(),
                    kind: s.kind,
                    service_fqdn: s.service_fqdn.clone(),
                    addresses: s
                        .settings
                        .instances
                        .iter()
                        .filter_map(|i| i.address.clone())
                        .collect(),
                    url: format!("https://{}/content/{}/", s.service_fqdn, pkg.id),
                    token: token::issue(&access_key(ctx.secrets(), &s.id), &claims),
                    token_expires: millis_to_rfc3339(exp * 1000),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    // Cloud sources come after every on-premises source for intranet clients and are the only
    // sources for internet clients; this site has no on-premises DPs, so in both cases the list
    // is the cloud sources in random order (ConfigMgr randomises among them).
    shuffle(&mut locations);
    let note = if !allow {
        Some("The client setting \"Allow access to cloud distribution points\" is No: no cloud source is offered (client-settings set --allow-cloud-dp yes).".to_string())
    } else if locations.is_empty() {
        Some(format!(
            "Package {} is not distributed to any cloud service yet.",
            pkg.id
        ))
    } else {
        None
    };
    // The name is the client's own: escaped, so a line end in it cannot start a log record.
    let client = crate::domain::text::escaped(req.client.as_deref().unwrap_or("(unnamed client)"));
    let text = format!(
        "Content location request from {client} ({:?}){} for {}: {} cloud source(s){}",
        req.location,
        Hop::describe(hop),
        pkg.id,
        locations.len(),
        if allow {
            ""
        } else {
            " (cloud sources not allowed by client settings)"
        }
    );
    ctx.log(MP_LOG, Level::Info, &text).await;
    Ok(ContentLocations {
        package_id: pkg.id,
        package_name: pkg.name,
        files: pkg.files,
        key: key.to_base64(),
        locations,
        note,
    })
}
