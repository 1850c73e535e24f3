//! The distribution worker: uploads packages from the library to each target service's
//! storage, removes them, and records the outcome per package and service.
//!
//! Distribution state lives in the database, so a site restarted mid-upload picks up every
//! unfinished distribution; the cloud keeps partial uploads and the next attempt resumes them.
//! A package is marked distributed only once every one of its files is complete in the cloud.

use super::library::Library;
use crate::api::wire::{DistributionRemoved, Event};
use crate::api::wire::{DistributionState, DistributionView};
use crate::cloud::CONTENT_CONTAINER;
use crate::cloud::{BlobTarget, CloudError};
use crate::domain::service::ServiceState;
use crate::domain::task::Level;
use crate::site::context::SiteContext;
use crate::site::credentials;
use crate::site::repo::{RepoError, distributions, packages, services};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// The distribution manager's log (ConfigMgr: distmgr.log).
pub(crate) const DIST_LOG: &str = "distmgr.log";

/// How often the worker looks again at distributions that wait (e.g. for provisioning).
const RETRY: Duration = Duration::from_secs(2);

/// The content side of the site: library and distribution worker.
pub(crate) struct ContentHub {
    ctx: Arc<SiteContext>,
    library: Library,
    wake: Notify,
}

/// What happened to one distribution in one pass.
enum Outcome {
    Done(DistributionState, Option<String>),
    Removed,
    Wait(String),
}

impl ContentHub {
    /// A hub keeping its library under `library_dir`.
    pub(crate) fn new(ctx: Arc<SiteContext>, library_dir: &std::path::Path) -> Arc<ContentHub> {
        Arc::new(ContentHub {
            ctx,
            library: Library::new(library_dir),
            wake: Notify::new(),
        })
    }

    /// The library on disk.
    pub(crate) fn library(&self) -> &Library {
        &self.library
    }

    /// Asks the worker to look at pending distributions now.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Publishes a distribution's state as a `distribution` event.
    fn publish(&self, view: &DistributionView) {
        self.ctx.bus().publish(Event::Distribution(view.clone()));
    }

    /// The worker: runs until the task is aborted.
    pub(crate) async fn run(self: Arc<Self>) {
        loop {
            let pending = self
                .ctx
                .store()
                .call(|c| distributions::pending_distributions(c))
                .await
                .unwrap_or_default();
            let mut waiting = false;
            for d in pending {
                let (pkg, svc) = (d.package_id.clone(), d.service_id.clone());
                let outcome = self.process(&d).await;
                let result = match outcome {
                    Outcome::Removed => {
                        self.ctx
                            .log(
                                DIST_LOG,
                                Level::Info,
                                &format!(
                                    "Removed package {pkg} ({}) from {}.",
                                    d.package_name, d.service_fqdn
                                ),
                            )
                            .await;
                        let (p, s) = (pkg.clone(), svc.clone());
                        self.ctx
                            .store()
                            .call(move |c| distributions::delete_distribution(c, &p, &s))
                            .await
                            .map(|()| None)
                    }
                    Outcome::Wait(reason) => {
                        waiting = true;
                        if d.reason.as_deref() == Some(reason.as_str()) {
                            continue;
                        }
                        self.set(&pkg, &svc, d.state, Some(reason)).await
                    }
                    Outcome::Done(state, reason) => self.set(&pkg, &svc, state, reason).await,
                };
                match result {
                    Ok(Some(view)) => self.publish(&view),
                    Ok(None) => {
                        self.ctx
                            .bus()
                            .publish(Event::DistributionRemoved(DistributionRemoved {
                                package_id: pkg.clone(),
                                service_id: svc.clone(),
                            }));
                    }
                    Err(e) => eprintln!("cloudsite: distribution bookkeeping failed: {e}"),
                };
            }
            // Another replica's API records distributions without waking this worker.
            let idle = if waiting || self.ctx.replica().engine().replicated() {
                RETRY
            } else {
                Duration::from_secs(3600)
            };
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(idle) => {}
            }
        }
    }

    async fn set(
        &self,
        pkg: &str,
        svc: &str,
        state: DistributionState,
        reason: Option<String>,
    ) -> Result<Option<DistributionView>, RepoError> {
        let (p, s) = (pkg.to_string(), svc.to_string());
        self.ctx
            .store()
            .call(move |c| distributions::set_distribution(c, &p, &s, state, reason.as_deref()))
            .await
    }

    async fn process(&self, d: &DistributionView) -> Outcome {
        let sid = d.service_id.clone();
        let rec = match self
            .ctx
            .store()
            .call(move |c| services::get_service(c, &sid))
            .await
        {
            Ok(Some(rec)) => rec,
            // The row goes with the service (foreign key); nothing left to do.
            Ok(None) => return Outcome::Removed,
            Err(e) => return Outcome::Wait(format!("the site database failed: {e}")),
        };
        let Some(account) = rec.storage_account.clone() else {
            return Outcome::Done(
                DistributionState::Failed,
                Some(format!("{} has no content storage", rec.service_fqdn)),
            );
        };
        match rec.state {
            ServiceState::Provisioning => {
                return Outcome::Wait(format!(
                    "waiting for {} to finish provisioning its storage",
                    rec.service_fqdn
                ));
            }
            ServiceState::Deleting => return Outcome::Removed,
            _ => {}
        }
        let caller = match credentials::caller(&self.ctx, &rec).await {
            Ok(c) => c,
            Err(e) => return Outcome::Done(DistributionState::Failed, Some(e.to_string())),
        };
        if d.state == DistributionState::Removing {
            return match self
                .ctx
                .provider()
                .delete_blobs(&caller, &account, CONTENT_CONTAINER, &d.package_id)
                .await
            {
                Ok(()) => Outcome::Removed,
                Err(e) => Outcome::Wait(format!("removing from the cloud failed, will retry: {e}")),
            };
        }
        let pkg = d.package_id.clone();
        let files = match self
            .ctx
            .store()
            .call(move |c| packages::encrypted_hashes(c, &pkg))
            .await
        {
            Ok(f) => f,
            Err(e) => return Outcome::Wait(format!("the site database failed: {e}")),
        };
        self.ctx
            .log(
                DIST_LOG,
                Level::Info,
                &format!(
                    "Distributing package {} ({}, {} file(s)) to {} (storage account {account}).",
                    d.package_id,
                    d.package_name,
                    files.len(),
                    rec.service_fqdn
                ),
            )
            .await;
        for (file, sha) in files {
            let Some(sha) = sha else {
                return Outcome::Done(
                    DistributionState::Failed,
                    Some(format!("the library has no complete copy of '{file}'")),
                );
            };
            let target = BlobTarget {
                account: account.clone(),
                container: CONTENT_CONTAINER.to_string(),
                blob: format!("{}/{file}", d.package_id),
            };
            let path = self.library.path(&d.package_id, &file);
            if let Err(e) = self
                .ctx
                .provider()
                .put_blob(&caller, &target, &path, &sha)
                .await
            {
                let reason = format!("uploading '{file}' to {} failed: {e}", rec.service_fqdn);
                self.ctx.log(DIST_LOG, Level::Error, &reason).await;
                return match e {
                    // Transient: keep trying (the upload resumes where it stopped).
                    CloudError::Unreachable(_) | CloudError::Proxy(_) => Outcome::Wait(reason),
                    // A service between states (a create resuming after a restart passes
                    // through Error) may not have its storage yet: wait for it, as while
                    // provisioning. Only a serving service without its container has failed.
                    CloudError::NotFound(_)
                        if !matches!(rec.state, ServiceState::Ready | ServiceState::Stopped) =>
                    {
                        Outcome::Wait(reason)
                    }
                    _ => Outcome::Done(DistributionState::Failed, Some(reason)),
                };
            }
        }
        self.ctx
            .log(
                DIST_LOG,
                Level::Info,
                &format!(
                    "Package {} ({}) is distributed to {}.",
                    d.package_id, d.package_name, rec.service_fqdn
                ),
            )
            .await;
        Outcome::Done(DistributionState::Success, None)
    }
}
