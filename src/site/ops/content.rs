//! The content library and its distribution: creating a package and receiving its files,
//! distributing, redistributing and removing it, deleting it. The uploads to the cloud run in
//! the distribution worker ([`ContentHub`]), which these wake.

use super::error::{OpError, OpResult};
use crate::api::wire::{
    CreatePackage, DistributionState, DistributionView, PackageChanged, PackageState, PackageView,
};
use crate::api::wire::{Event, PackageDeleted};
use crate::domain::content::{self as rules, CloudSupport, ContentType};
use crate::domain::service::ServiceState;
use crate::domain::task::Level;
use crate::domain::text;
use crate::site::content::distributor::{ContentHub, DIST_LOG};
use crate::site::content::library::bytes_like::Bytes;
use crate::site::context::SiteContext;
use crate::site::repo::services::{self, ServiceRecord};
use crate::site::repo::{RepoError, distributions, packages, site};
use futures_util::Stream;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Every package of the library, by id.
pub(crate) async fn list(ctx: &SiteContext) -> OpResult<Vec<PackageView>> {
    Ok(ctx.store().call(|c| packages::list_packages(c)).await?)
}

/// The package `key` (id or name).
pub(crate) async fn package(ctx: &SiteContext, key: &str) -> OpResult<PackageView> {
    let k = key.to_string();
    ctx.store()
        .call(move |c| {
            let Some(id) = packages::find_package(c, &k)? else {
                return Ok(None);
            };
            packages::get_package(c, &id)
        })
        .await?
        .ok_or_else(|| OpError::not_found(format!("the package '{key}'")))
}

fn publish(ctx: &SiteContext, p: &PackageView) {
    ctx.bus().publish(Event::Package(p.clone()));
}

/// What a cloud service does with `t`: the warning to pass on, or the refusal.
fn support(t: ContentType) -> OpResult<Option<String>> {
    match t.cloud_support() {
        CloudSupport::Supported => Ok(None),
        CloudSupport::Warn(w) => Ok(Some(w)),
        CloudSupport::Refused(why) => Err(OpError::invalid(
            "Content type",
            format!("{why}; nothing was changed"),
        )),
    }
}

/// Creates a package (its files follow with [`receive`]).
pub(crate) async fn create(ctx: &SiteContext, req: CreatePackage) -> OpResult<PackageChanged> {
    rules::package_name(&req.name)?;
    let warnings: Vec<String> = support(req.content_type)?.into_iter().collect();
    text::file_count(req.files.len())?;
    let mut seen = HashSet::new();
    for f in &req.files {
        rules::package_file_name(&f.name)?;
        text::file_size("File size", f.size)?;
        if !seen.insert(f.name.to_ascii_lowercase()) {
            return Err(OpError::invalid(
                "Files",
                format!(
                    "'{}' is given twice; file names in a package are unique (ignoring case)",
                    f.name
                ),
            ));
        }
    }
    let secrets = ctx.secrets().clone();
    let id = ctx
        .store()
        .call_transaction(move |tx| {
            if let Some(existing) = packages::find_package(tx, &req.name)? {
                return Err(OpError::taken(
                    "Package name",
                    format!(
                        "a package with this name already exists ({existing}); names are unique"
                    ),
                ));
            }
            let (site_code, _) = site::site(tx)?.unwrap_or_else(|| ("PS1".into(), String::new()));
            let files: Vec<(String, u64)> =
                req.files.iter().map(|f| (f.name.clone(), f.size)).collect();
            Ok(packages::insert_package(
                tx,
                &site_code,
                &req.name,
                req.content_type,
                &files,
                &secrets,
            )?)
        })
        .await?;
    let package = package(ctx, &id).await?;
    publish(ctx, &package);
    Ok(PackageChanged { package, warnings })
}

/// Receives one announced file of a package, encrypting it into the library as it streams in.
pub(crate) async fn receive(
    ctx: &SiteContext,
    hub: &ContentHub,
    key: &str,
    file: &str,
    pieces: impl Stream<Item = Result<Bytes, String>> + Unpin,
) -> OpResult<PackageView> {
    let pkg = package(ctx, key).await?;
    let Some(entry) = pkg.files.iter().find(|f| f.name == file) else {
        return Err(OpError::invalid(
            "File",
            format!(
                "'{file}' is not one of the files package {} was created with",
                pkg.id
            ),
        ));
    };
    if entry.sha256.is_some() {
        return Err(OpError::Conflict(format!(
            "'{file}' of package {} was already received; packages do not change once complete — add a new package instead",
            pkg.id
        )));
    }
    let (id, secrets) = (pkg.id.clone(), ctx.secrets().clone());
    let key = ctx
        .store()
        .call(move |c| packages::package_key(c, &id, &secrets))
        .await?;
    let idle = ctx.timing().upload_idle;
    let stalled = Arc::new(AtomicBool::new(false));
    let pieces = stall_guard(pieces, idle, Arc::clone(&stalled));
    let received = hub
        .library()
        .receive(&pkg.id, file, &key, entry.size, pieces)
        .await;
    let received = match received {
        Ok(r) => r,
        Err(_) if stalled.load(Ordering::Relaxed) => {
            let text = format!(
                "The upload of '{}' to package {} stalled: no data for {} s; it is abandoned and can be sent again.",
                crate::domain::text::escaped(file),
                pkg.id,
                idle.as_secs_f32()
            );
            ctx.log(DIST_LOG, Level::Warning, &text).await;
            return Err(OpError::UploadFailed(text));
        }
        Err(e) => return Err(OpError::UploadFailed(e.to_string())),
    };
    let (id, name) = (pkg.id.clone(), file.to_string());
    ctx.store()
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
    let pkg = package(ctx, &pkg.id).await?;
    if pkg.state == PackageState::Ready {
        let text = format!(
            "Package {} ({}) is in the content library: {} file(s), {} bytes, encrypted.",
            pkg.id,
            pkg.name,
            pkg.files.len(),
            pkg.size
        );
        ctx.log(DIST_LOG, Level::Info, &text).await;
    }
    publish(ctx, &pkg);
    Ok(pkg)
}

/// `pieces`, ending in an error (and setting `stalled`) when none arrives for `idle`.
fn stall_guard(
    pieces: impl Stream<Item = Result<Bytes, String>> + Unpin,
    idle: Duration,
    stalled: Arc<AtomicBool>,
) -> impl Stream<Item = Result<Bytes, String>> + Unpin {
    use futures_util::StreamExt;
    Box::pin(futures_util::stream::unfold(Some(pieces), move |pieces| {
        let stalled = Arc::clone(&stalled);
        async move {
            let mut pieces = pieces?;
            match tokio::time::timeout(idle, pieces.next()).await {
                Ok(Some(piece)) => Some((piece, Some(pieces))),
                Ok(None) => None,
                Err(_) => {
                    stalled.store(true, Ordering::Relaxed);
                    Some((Err("the upload stalled".to_string()), None))
                }
            }
        }
    }))
}

/// Which distribution request this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// Send to new services.
    Distribute,
    /// Send again to services that have (or failed to get) it.
    Redistribute,
    /// Take it off services.
    Remove,
}

/// A service named as a distribution target (any kind).
async fn target(ctx: &SiteContext, key: &str) -> OpResult<ServiceRecord> {
    let k = key.to_string();
    ctx.store()
        .call(move |c| services::get_service(c, &k))
        .await?
        .ok_or_else(|| OpError::not_found(format!("the service '{key}'")))
}

/// Checks one target of `what` for `pkg`; `false` when it is skipped with a warning.
fn check_target(
    pkg: &PackageView,
    rec: &ServiceRecord,
    what: Change,
    warnings: &mut Vec<String>,
) -> OpResult<bool> {
    let current = pkg.distributions.iter().find(|d| d.service_id == rec.id);
    match what {
        Change::Distribute => {
            if rec.storage_account.is_none() {
                return Err(OpError::invalid(
                    "Services",
                    format!(
                        "{} does not serve content: turn on \"Allow CMG to function as a cloud distribution point and serve content from Azure storage\"",
                        rec.service_fqdn
                    ),
                ));
            }
            if rec.state == ServiceState::Deleting {
                return Err(OpError::Conflict(format!(
                    "{} is being deleted",
                    rec.service_fqdn
                )));
            }
            if let Some(d) = current {
                warnings.push(format!(
                    "{} already has package {} ({:?}); use redistribute to send it again",
                    rec.service_fqdn, pkg.id, d.state
                ));
                return Ok(false);
            }
        }
        Change::Redistribute | Change::Remove => {
            if current.is_none() {
                return Err(OpError::invalid(
                    "Services",
                    format!(
                        "package {} is not distributed to {}",
                        pkg.id, rec.service_fqdn
                    ),
                ));
            }
        }
    }
    Ok(true)
}

/// Distributes, redistributes or removes a package on services.
pub(crate) async fn change(
    ctx: &SiteContext,
    hub: &ContentHub,
    key: &str,
    services: &[String],
    what: Change,
) -> OpResult<PackageChanged> {
    let pkg = package(ctx, key).await?;
    let mut warnings = Vec::new();
    if what != Change::Remove {
        if pkg.state != PackageState::Ready {
            return Err(OpError::Conflict(format!(
                "package {} is still being uploaded to the site; send all its files first",
                pkg.id
            )));
        }
        warnings.extend(support(pkg.content_type)?);
    }
    let targets: Vec<String> = if services.is_empty() {
        if what != Change::Redistribute {
            return Err(OpError::invalid("Services", "name at least one service"));
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
        let rec = target(ctx, t).await?;
        if check_target(&pkg, &rec, what, &mut warnings)? {
            plan.push(rec.id);
        }
    }
    let state_to = if what == Change::Remove {
        DistributionState::Removing
    } else {
        DistributionState::InProgress
    };
    let id = pkg.id.clone();
    let changed = ctx
        .store()
        .call_transaction(move |tx| {
            plan.iter()
                .map(|s| distributions::set_distribution(tx, &id, s, state_to, None))
                .collect::<Result<Vec<_>, RepoError>>()
        })
        .await?;
    for d in changed.into_iter().flatten() {
        ctx.bus().publish(Event::Distribution(d));
    }
    hub.wake();
    let package = package(ctx, &pkg.id).await?;
    publish(ctx, &package);
    Ok(PackageChanged { package, warnings })
}

/// Deletes a package from the library; refused while it is on any service.
pub(crate) async fn delete(ctx: &SiteContext, hub: &ContentHub, key: &str) -> OpResult<()> {
    let pkg = package(ctx, key).await?;
    if let Some(d) = pkg.distributions.first() {
        return Err(OpError::Conflict(format!(
            "package {} is still on {}; remove it from every service first (content remove {} --from …)",
            pkg.id, d.service_fqdn, pkg.id
        )));
    }
    let id = pkg.id.clone();
    ctx.store()
        .call(move |c| packages::delete_package(c, &id))
        .await?;
    hub.library().delete(&pkg.id).map_err(|e| {
        OpError::internal(format!("deleting package {} from the library", pkg.id), e)
    })?;
    ctx.bus()
        .publish(Event::PackageDeleted(PackageDeleted { id: pkg.id }));
    Ok(())
}

/// Distribution status per package and service, optionally of one service (id, FQDN or name;
/// none for an unknown one).
pub(crate) async fn list_distributions(
    ctx: &SiteContext,
    service: Option<String>,
) -> OpResult<Vec<DistributionView>> {
    Ok(ctx
        .store()
        .call(move |c| {
            let service = match service.as_deref() {
                Some(k) => match services::get_service(c, k)? {
                    Some(rec) => Some(rec.id),
                    None => return Ok(Vec::new()),
                },
                None => None,
            };
            distributions::distributions(c, None, service.as_deref())
        })
        .await?)
}
