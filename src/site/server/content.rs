//! The content library, distribution and management-point operations behind the routes:
//! validation, bookkeeping and events; the uploads themselves run in [`ContentHub`].

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::api::wire::{Event, PackageDeleted};
use crate::api::wire_content::{
    ContentLocation, ContentLocationRequest, ContentLocations, CreatePackage, DistributionState,
    PackageChanged, PackageState, PackageView,
};
use crate::content::token::{self, Claims};
use crate::domain::content::{self as rules, CloudSupport, ContentType};
use crate::domain::service::ServiceState;
use crate::domain::task::Level;
use crate::site::repo::{
    client_settings, distributions, packages, services, services::ServiceRecord, site,
};
use crate::site::store::millis_to_rfc3339;
use axum::http::StatusCode;
use std::collections::HashSet;

/// The management point's log (ConfigMgr: MP_Location.log).
pub const MP_LOG: &str = "MP_Location.log";

/// The package `key` (id or name), or 404.
pub async fn package(state: &AppState, key: &str) -> ApiResult<PackageView> {
    let k = key.to_string();
    state
        .content
        .manager
        .store
        .call(move |c| {
            let Some(id) = packages::find_package(c, &k)? else {
                return Ok(None);
            };
            packages::get_package(c, &id)
        })
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("the package '{key}'")))
}

fn publish(state: &AppState, p: &PackageView) {
    state.content.manager.bus.publish(Event::Package(p.clone()));
}

/// What a cloud service does with `t`: the warning to pass on, or the refusal.
fn support(t: ContentType) -> ApiResult<Option<String>> {
    match t.cloud_support() {
        CloudSupport::Supported => Ok(None),
        CloudSupport::Warn(w) => Ok(Some(w)),
        CloudSupport::Refused(why) => Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "Content type",
            &format!("{why}; nothing was changed"),
        )),
    }
}

/// Creates a package (files follow with [`receive`]).
pub async fn create(state: &AppState, req: CreatePackage) -> ApiResult<PackageChanged> {
    rules::package_name(&req.name)?;
    let warnings: Vec<String> = support(req.content_type)?.into_iter().collect();
    if req.files.is_empty() {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "Files",
            "a package needs at least one file",
        ));
    }
    let mut seen = HashSet::new();
    for f in &req.files {
        rules::package_file_name(&f.name)?;
        if !seen.insert(f.name.to_ascii_lowercase()) {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "Files",
                &format!(
                    "'{}' is given twice; file names in a package are unique (ignoring case)",
                    f.name
                ),
            ));
        }
    }
    let hub = &state.content;
    let secrets = hub.manager.secrets.clone();
    let id = hub
        .manager
        .store
        .call_transaction(move |tx| {
            if let Some(existing) = packages::find_package(tx, &req.name)? {
                return Ok(Err(existing));
            }
            let (site_code, _) = site::site(tx)?.unwrap_or_else(|| ("PS1".into(), String::new()));
            let files: Vec<(String, u64)> =
                req.files.iter().map(|f| (f.name.clone(), f.size)).collect();
            packages::insert_package(
                tx,
                &site_code,
                &req.name,
                req.content_type,
                &files,
                &secrets,
            )
            .map(Ok)
        })
        .await?
        .map_err(|existing| {
            ApiError::field(
                StatusCode::CONFLICT,
                "Package name",
                &format!("a package with this name already exists ({existing}); names are unique"),
            )
        })?;
    let package = package(state, &id).await?;
    publish(state, &package);
    Ok(PackageChanged { package, warnings })
}

/// Receives one announced file of a package, encrypting it into the library as it streams in.
pub async fn receive(
    state: &AppState,
    key: &str,
    file: &str,
    body: axum::body::Body,
) -> ApiResult<PackageView> {
    let pkg = package(state, key).await?;
    let Some(entry) = pkg.files.iter().find(|f| f.name == file) else {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "File",
            &format!(
                "'{file}' is not one of the files package {} was created with",
                pkg.id
            ),
        ));
    };
    if entry.sha256.is_some() {
        return Err(ApiError::conflict(format!(
            "'{file}' of package {} was already received; packages do not change once complete — add a new package instead",
            pkg.id
        )));
    }
    let hub = &state.content;
    let (id, secrets) = (pkg.id.clone(), hub.manager.secrets.clone());
    let key = hub
        .manager
        .store
        .call(move |c| packages::package_key(c, &id, &secrets))
        .await?;
    use futures_util::StreamExt;
    let pieces = body
        .into_data_stream()
        .map(|r| r.map_err(|e| e.to_string()));
    let received = hub
        .library
        .receive(&pkg.id, file, &key, entry.size, Box::pin(pieces))
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "upload_failed", e.to_string()))?;
    let (id, name) = (pkg.id.clone(), file.to_string());
    hub.manager
        .store
        .call(move |c| {
            packages::file_received(
                c,
                &id,
                &name,
                &received.sha256,
                received.encrypted_size,
                &received.encrypted_sha256,
            )
        })
        .await?;
    let pkg = package(state, &pkg.id).await?;
    if pkg.state == PackageState::Ready {
        hub.manager
            .log(
                super::super::content::DIST_LOG,
                Level::Info,
                &format!(
                    "Package {} ({}) is in the content library: {} file(s), {} bytes, encrypted.",
                    pkg.id,
                    pkg.name,
                    pkg.files.len(),
                    pkg.size
                ),
            )
            .await;
    }
    publish(state, &pkg);
    Ok(pkg)
}

async fn service(state: &AppState, key: &str) -> ApiResult<ServiceRecord> {
    let k = key.to_string();
    state
        .content
        .manager
        .store
        .call(move |c| services::get_service(c, &k))
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("the service '{key}'")))
}

/// Which distribution request this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Send to new services.
    Distribute,
    /// Send again to services that have (or failed to get) it.
    Redistribute,
    /// Take it off services.
    Remove,
}

/// Distributes, redistributes or removes a package on services.
pub async fn change(
    state: &AppState,
    key: &str,
    services: &[String],
    what: Change,
) -> ApiResult<PackageChanged> {
    let pkg = package(state, key).await?;
    let mut warnings = Vec::new();
    if what != Change::Remove {
        if pkg.state != PackageState::Ready {
            return Err(ApiError::conflict(format!(
                "package {} is still being uploaded to the site; send all its files first",
                pkg.id
            )));
        }
        warnings.extend(support(pkg.content_type)?);
    }
    let targets: Vec<String> = if services.is_empty() {
        if what != Change::Redistribute {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "Services",
                "name at least one service",
            ));
        }
        pkg.distributions
            .iter()
            .map(|d| d.service_id.clone())
            .collect()
    } else {
        services.to_vec()
    };
    let mut plan = Vec::new();
    for t in &targets {
        let rec = service(state, t).await?;
        let current = pkg.distributions.iter().find(|d| d.service_id == rec.id);
        match what {
            Change::Distribute => {
                if rec.storage_account.is_none() {
                    return Err(ApiError::field(
                        StatusCode::BAD_REQUEST,
                        "Services",
                        &format!(
                            "{} does not serve content: turn on \"Allow CMG to function as a cloud distribution point and serve content from Azure storage\"",
                            rec.service_fqdn
                        ),
                    ));
                }
                if rec.state == ServiceState::Deleting {
                    return Err(ApiError::conflict(format!(
                        "{} is being deleted",
                        rec.service_fqdn
                    )));
                }
                if let Some(d) = current {
                    warnings.push(format!(
                        "{} already has package {} ({:?}); use redistribute to send it again",
                        rec.service_fqdn, pkg.id, d.state
                    ));
                    continue;
                }
            }
            Change::Redistribute | Change::Remove => {
                if current.is_none() {
                    return Err(ApiError::field(
                        StatusCode::BAD_REQUEST,
                        "Services",
                        &format!(
                            "package {} is not distributed to {}",
                            pkg.id, rec.service_fqdn
                        ),
                    ));
                }
            }
        }
        plan.push(rec.id);
    }
    let state_to = if what == Change::Remove {
        DistributionState::Removing
    } else {
        DistributionState::InProgress
    };
    let hub = &state.content;
    let id = pkg.id.clone();
    let changed = hub
        .manager
        .store
        .call_transaction(move |tx| {
            plan.iter()
                .map(|s| distributions::set_distribution(tx, &id, s, state_to, None))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    for d in changed.into_iter().flatten() {
        hub.publish(&d);
    }
    hub.wake();
    let package = package(state, &pkg.id).await?;
    publish(state, &package);
    Ok(PackageChanged { package, warnings })
}

/// Deletes a package from the library; refused while it is on any service.
pub async fn delete(state: &AppState, key: &str) -> ApiResult<()> {
    let pkg = package(state, key).await?;
    if let Some(d) = pkg.distributions.first() {
        return Err(ApiError::conflict(format!(
            "package {} is still on {}; remove it from every service first (content remove {} --from …)",
            pkg.id, d.service_fqdn, pkg.id
        )));
    }
    let hub = &state.content;
    let id = pkg.id.clone();
    hub.manager
        .store
        .call(move |c| packages::delete_package(c, &id))
        .await?;
    hub.library.delete(&pkg.id).map_err(ApiError::internal)?;
    hub.manager
        .bus
        .publish(Event::PackageDeleted(PackageDeleted { id: pkg.id }));
    Ok(())
}

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

/// The management point's answer to a client's content location request.
pub async fn locations(
    state: &AppState,
    req: ContentLocationRequest,
) -> ApiResult<ContentLocations> {
    let pkg = package(state, &req.package).await?;
    let hub = &state.content;
    let store = &hub.manager.store;
    let allow = store.call(|c| client_settings::allow_cloud_dp(c)).await?;
    let (id, secrets) = (pkg.id.clone(), hub.manager.secrets.clone());
    let key = store
        .call(move |c| packages::package_key(c, &id, &secrets))
        .await?;
    let id = pkg.id.clone();
    let services: Vec<ServiceRecord> = store
        .call(move |c| {
            let mut out = Vec::new();
            for s in distributions::services_with(c, &id)? {
                out.extend(services::get_service(c, &s)?);
            }
            Ok::<_, crate::site::repo::RepoError>(out)
        })
        .await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let exp = now + hub.manager.monitor.token_lifetime.as_secs() as i64;
    let mut locations: Vec<ContentLocation> = if allow {
        services
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
                let key = hub
                    .manager
                    .secrets
                    .derive_key(&format!("content-access:{}", s.id));
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
                    token: token::issue(&key, &claims),
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
    let client = req
        .client
        .clone()
        .unwrap_or_else(|| "(unnamed client)".into());
    hub.manager
        .log(
            MP_LOG,
            Level::Info,
            &format!(
                "Content location request from {client} ({:?}) for {}: {} cloud source(s){}",
                req.location,
                pkg.id,
                locations.len(),
                if allow {
                    ""
                } else {
                    " (cloud sources not allowed by client settings)"
                }
            ),
        )
        .await;
    Ok(ContentLocations {
        package_id: pkg.id,
        package_name: pkg.name,
        files: pkg.files,
        key: key.to_base64(),
        locations,
        note,
    })
}
