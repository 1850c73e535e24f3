//! The cloud's state machine: every operation changes the state at once (and saves it), then a
//! background step finishes the transition after the provisioning delay. A later operation
//! supersedes an unfinished step (each step carries the generation it was started for).

use super::cmg::GatewayCfg;
use super::config::Faults;
use super::deployment::{Deployment, Inner, Record, instance_tls, record_path};
use super::files::name_problem;
use super::instances::access_key;
use super::storage;
use super::store::BlobStore;
use super::wire::{ApiError, Usage};
use crate::cloud::{
    DeploySpec, DeploymentState, GatewayStatus, HostedKind, InstanceState, ServiceStatus,
};
use crate::domain::service::{CMG_REGIONS, REGIONS};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use DeploymentState as S;

/// Most instances a hosted service may have (the CMG VM limit).
const MAX_INSTANCES: u8 = 16;

/// The cloud's deployments and faults.
pub(super) struct Engine {
    data_dir: PathBuf,
    delay: Duration,
    faults: std::sync::Mutex<Faults>,
    deployments: tokio::sync::Mutex<HashMap<String, Arc<Deployment>>>,
    store: Arc<dyn BlobStore>,
    closed: AtomicBool,
}

fn name_in_use(name: &str) -> ApiError {
    ApiError::name_in_use(format!(
        "The name '{name}' is already in use. Names are globally unique; choose another service name."
    ))
}

fn not_found(subscription: &str, name: &str) -> ApiError {
    ApiError::not_found(format!(
        "subscription {subscription} has no hosted service named '{name}'"
    ))
}

fn save_error(e: std::io::Error) -> ApiError {
    ApiError::internal(format!("cannot save the deployment: {e}"))
}

impl Engine {
    /// An engine over `data_dir` with nothing loaded yet.
    pub(super) fn new(
        data_dir: &Path,
        store: Arc<dyn BlobStore>,
        delay: Duration,
        faults: Faults,
    ) -> Arc<Engine> {
        Arc::new(Engine {
            data_dir: data_dir.to_path_buf(),
            delay,
            faults: std::sync::Mutex::new(faults),
            deployments: tokio::sync::Mutex::new(HashMap::new()),
            store,
            closed: AtomicBool::new(false),
        })
    }

    /// How long transitions take.
    pub(super) fn delay(&self) -> Duration {
        self.delay
    }

    /// Where the cloud keeps its files.
    pub(super) fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Where the blobs of storage containers live.
    pub(super) fn store(&self) -> &Arc<dyn BlobStore> {
        &self.store
    }

    fn deployments_dir(&self) -> PathBuf {
        self.data_dir.join("deployments")
    }

    fn faults(&self) -> std::sync::MutexGuard<'_, Faults> {
        // A panic while holding this lock cannot leave the faults inconsistent.
        self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the injected faults.
    pub(super) fn set_faults(&self, faults: Faults) {
        *self.faults() = faults;
    }

    /// Waits for the configured slowness.
    pub(super) async fn slow(&self) {
        let slow = self.faults().slow;
        if !slow.is_zero() {
            tokio::time::sleep(slow).await;
        }
    }

    /// Consumes one injected failure, if any is left.
    pub(super) fn take_fault(&self) -> Result<(), ApiError> {
        let mut faults = self.faults();
        if faults.fail_next > 0 {
            faults.fail_next -= 1;
            return Err(ApiError::injected());
        }
        Ok(())
    }

    fn check_spec(&self, subscription: &str, spec: &mut DeploySpec) -> Result<(), ApiError> {
        spec.name = spec.name.to_ascii_lowercase();
        if let Some(problem) = name_problem("hosted service", &spec.name) {
            return Err(ApiError::bad_request(problem));
        }
        if !(1..=MAX_INSTANCES).contains(&spec.instances) {
            return Err(ApiError::bad_request(format!(
                "a hosted service has 1-{MAX_INSTANCES} instances, not {}",
                spec.instances
            )));
        }
        let region = REGIONS
            .iter()
            .chain(CMG_REGIONS)
            .find(|r| r.eq_ignore_ascii_case(&spec.region))
            .ok_or_else(|| ApiError::bad_request(format!("unknown region '{}'", spec.region)))?;
        spec.region = region.to_string();
        if let Some(account) = &spec.storage_account {
            let account = storage::normalize("storage account", account)?;
            storage::check_account(&self.data_dir, subscription, &account)?;
            spec.storage_account = Some(account);
        }
        instance_tls(spec).map_err(ApiError::bad_request)?;
        if spec.gateway.is_some() && spec.kind != HostedKind::Cmg {
            return Err(ApiError::bad_request(
                "only a CMG carries client traffic: a CDP's spec has no gateway",
            ));
        }
        GatewayCfg::from_spec(spec)
            .map_err(|e| ApiError::bad_request(format!("the CMG's gateway: {e}")))?;
        if let Some(key) = &spec.access_key {
            access_key(key).map_err(ApiError::bad_request)?;
        }
        Ok(())
    }

    fn is_reserved(&self, name: &str) -> bool {
        self.faults()
            .reserved_names
            .iter()
            .any(|r| r.eq_ignore_ascii_case(name))
    }

    /// Starts a transition to `state` and schedules its completion.
    fn begin(self: &Arc<Self>, dep: &Arc<Deployment>, inner: &mut Inner, state: DeploymentState) {
        inner.generation += 1;
        inner.record.state = state;
        let generation = inner.generation;
        let engine = self.clone();
        let dep = dep.clone();
        tokio::spawn(async move {
            tokio::time::sleep(engine.delay).await;
            engine.finish(&dep, generation).await;
        });
    }

    /// Completes the transition started for `generation`, unless something superseded it.
    async fn finish(self: &Arc<Self>, dep: &Arc<Deployment>, generation: u64) {
        let mut inner = dep.inner.lock().await;
        if inner.generation != generation || inner.removed || self.closed.load(Ordering::SeqCst) {
            return;
        }
        match inner.record.state {
            S::Provisioning | S::Starting | S::Updating => {
                match dep.bring_up(&self.data_dir, &self.store, &mut inner).await {
                    Ok(()) => inner.record.state = S::Running,
                    // No error state in the contract: the service ends stopped, not stuck.
                    Err(_) => {
                        dep.take_down(&mut inner).await;
                        inner.record.state = S::Stopped;
                    }
                }
            }
            S::Stopping => {
                dep.take_down(&mut inner).await;
                inner.record.state = S::Stopped;
            }
            S::Deleting => {
                dep.take_down(&mut inner).await;
                let _ = std::fs::remove_dir_all(&dep.dir);
                inner.removed = true;
                drop(inner);
                let mut map = self.deployments.lock().await;
                if map.get(&dep.name).is_some_and(|d| Arc::ptr_eq(d, dep)) {
                    map.remove(&dep.name);
                }
                return;
            }
            S::Running | S::Stopped => return,
        }
        // Unsaved, the state is still right in memory; a restart redoes the step from the file.
        let _ = dep.save(&mut inner);
    }

    async fn lookup(&self, subscription: &str, name: &str) -> Result<Arc<Deployment>, ApiError> {
        let key = name.to_ascii_lowercase();
        let dep = self.deployments.lock().await.get(&key).cloned();
        match dep {
            Some(dep) => Ok(dep),
            None => Err(not_found(subscription, name)),
        }
    }

    /// Locks `dep` and checks that it still exists and belongs to `subscription`.
    async fn lock_owned<'a>(
        dep: &'a Deployment,
        subscription: &str,
    ) -> Result<tokio::sync::MutexGuard<'a, Inner>, ApiError> {
        let inner = dep.inner.lock().await;
        if inner.removed || inner.record.subscription != subscription {
            return Err(not_found(subscription, &dep.name));
        }
        Ok(inner)
    }

    /// Deploys `spec`; a repeat by the same subscription changes nothing.
    pub(super) async fn deploy(
        self: &Arc<Self>,
        subscription: &str,
        mut spec: DeploySpec,
    ) -> Result<ServiceStatus, ApiError> {
        self.check_spec(subscription, &mut spec)?;
        if self.is_reserved(&spec.name) {
            return Err(name_in_use(&spec.name));
        }
        let mut map = self.deployments.lock().await;
        if let Some(dep) = map.get(&spec.name).cloned() {
            let inner = dep.inner.lock().await;
            if !inner.removed {
                if inner.record.subscription != subscription {
                    return Err(name_in_use(&spec.name));
                }
                if inner.record.state == S::Deleting {
                    return Err(ApiError::bad_request(format!(
                        "the hosted service '{}' is being deleted; deploy it again once the deletion has finished",
                        spec.name
                    )));
                }
                return Ok(dep.status(&inner));
            }
        }
        let name = spec.name.clone();
        let record = Record {
            subscription: subscription.to_string(),
            spec,
            state: S::Provisioning,
            instances: Vec::new(),
            egress_bytes: 0,
        };
        let dep = Arc::new(Deployment::new(&self.deployments_dir(), &name, record));
        let mut inner = dep.inner.lock().await;
        Deployment::grow_instances(&mut inner, InstanceState::BusyRole);
        // Saved before anything runs: an unsaved deployment must not get listeners nobody owns.
        dep.save(&mut inner).map_err(save_error)?;
        self.begin(&dep, &mut inner, S::Provisioning);
        map.insert(name, dep.clone());
        Ok(dep.status(&inner))
    }

    /// The status of `name`.
    pub(super) async fn status(
        &self,
        subscription: &str,
        name: &str,
    ) -> Result<ServiceStatus, ApiError> {
        let dep = self.lookup(subscription, name).await?;
        let inner = Self::lock_owned(&dep, subscription).await?;
        Ok(dep.status(&inner))
    }

    /// Every hosted service of `subscription`, by name.
    pub(super) async fn list(&self, subscription: &str) -> Vec<ServiceStatus> {
        let deps: Vec<Arc<Deployment>> = self.deployments.lock().await.values().cloned().collect();
        let mut out = Vec::new();
        for dep in deps {
            if let Ok(inner) = Self::lock_owned(&dep, subscription).await {
                out.push(dep.status(&inner));
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// Content bytes served by `name`.
    pub(super) async fn usage(&self, subscription: &str, name: &str) -> Result<Usage, ApiError> {
        let dep = self.lookup(subscription, name).await?;
        let _inner = Self::lock_owned(&dep, subscription).await?;
        Ok(Usage {
            name: dep.name.clone(),
            egress_bytes: dep.egress.load(Ordering::Relaxed),
        })
    }

    /// The channels and client traffic of `name`'s instances.
    pub(super) async fn gateway(
        &self,
        subscription: &str,
        name: &str,
    ) -> Result<GatewayStatus, ApiError> {
        let dep = self.lookup(subscription, name).await?;
        let inner = Self::lock_owned(&dep, subscription).await?;
        Ok(dep.gateway_status(&inner))
    }

    fn deleting(name: &str) -> ApiError {
        ApiError::bad_request(format!("the hosted service '{name}' is being deleted"))
    }

    /// Starts serving again; a no-op unless stopped or stopping.
    pub(super) async fn start(
        self: &Arc<Self>,
        subscription: &str,
        name: &str,
    ) -> Result<ServiceStatus, ApiError> {
        let dep = self.lookup(subscription, name).await?;
        let mut inner = Self::lock_owned(&dep, subscription).await?;
        match inner.record.state {
            S::Deleting => return Err(Self::deleting(&dep.name)),
            S::Stopped | S::Stopping => {
                let serving: Vec<bool> = (0..inner.record.instances.len())
                    .map(|n| inner.live.get(n).is_some_and(Option::is_some))
                    .collect();
                for (i, serving) in inner.record.instances.iter_mut().zip(serving) {
                    i.state = if serving {
                        InstanceState::ReadyRole
                    } else {
                        InstanceState::BusyRole
                    };
                }
                Deployment::grow_instances(&mut inner, InstanceState::BusyRole);
                self.begin(&dep, &mut inner, S::Starting);
                dep.save(&mut inner).map_err(save_error)?;
            }
            _ => {}
        }
        Ok(dep.status(&inner))
    }

    /// Stops serving (content kept); a no-op when stopped or stopping.
    pub(super) async fn stop(
        self: &Arc<Self>,
        subscription: &str,
        name: &str,
    ) -> Result<ServiceStatus, ApiError> {
        let dep = self.lookup(subscription, name).await?;
        let mut inner = Self::lock_owned(&dep, subscription).await?;
        match inner.record.state {
            S::Deleting => return Err(Self::deleting(&dep.name)),
            S::Stopped | S::Stopping => {}
            _ => {
                self.begin(&dep, &mut inner, S::Stopping);
                dep.save(&mut inner).map_err(save_error)?;
            }
        }
        Ok(dep.status(&inner))
    }

    /// Deletes the hosted service (its storage container stays until `delete_container`).
    pub(super) async fn delete(
        self: &Arc<Self>,
        subscription: &str,
        name: &str,
    ) -> Result<(), ApiError> {
        let dep = match self.lookup(subscription, name).await {
            Ok(dep) => dep,
            Err(_) => return Ok(()),
        };
        let Ok(mut inner) = Self::lock_owned(&dep, subscription).await else {
            return Ok(());
        };
        if inner.record.state != S::Deleting {
            self.begin(&dep, &mut inner, S::Deleting);
            dep.save(&mut inner).map_err(save_error)?;
        }
        Ok(())
    }

    /// Applies a new spec (instance count, certificate, storage) to an existing service.
    pub(super) async fn update(
        self: &Arc<Self>,
        subscription: &str,
        mut spec: DeploySpec,
    ) -> Result<ServiceStatus, ApiError> {
        self.check_spec(subscription, &mut spec)?;
        let dep = self.lookup(subscription, &spec.name).await?;
        let mut inner = Self::lock_owned(&dep, subscription).await?;
        if spec.kind != inner.record.spec.kind {
            return Err(ApiError::bad_request(format!(
                "the hosted service '{}' is a {:?}; its kind cannot change",
                dep.name, inner.record.spec.kind
            )));
        }
        let state = inner.record.state;
        if state == S::Deleting {
            return Err(Self::deleting(&dep.name));
        }
        inner.record.spec = spec;
        match state {
            S::Provisioning => {
                let want = usize::from(inner.record.spec.instances);
                inner.record.instances.truncate(want);
                Deployment::grow_instances(&mut inner, InstanceState::BusyRole);
                self.begin(&dep, &mut inner, S::Provisioning);
            }
            S::Running | S::Updating | S::Starting => {
                Deployment::grow_instances(&mut inner, InstanceState::BusyRole);
                self.begin(&dep, &mut inner, S::Updating);
            }
            // Stopped services take the new spec when they start; a stop in progress goes on.
            _ => {
                let want = usize::from(inner.record.spec.instances);
                if state == S::Stopped {
                    inner.record.instances.truncate(want);
                }
                Deployment::grow_instances(&mut inner, InstanceState::StoppedRole);
            }
        }
        dep.save(&mut inner).map_err(save_error)?;
        Ok(dep.status(&inner))
    }

    /// Loads every saved deployment and resumes it: running ones serve again, unfinished
    /// transitions are redone, a stop in progress ends stopped, a delete in progress finishes.
    pub(super) async fn restore(self: &Arc<Self>) -> Result<(), String> {
        let dir = self.deployments_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
        };
        let mut map = self.deployments.lock().await;
        for entry in entries.flatten() {
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if name_problem("hosted service", &name).is_some() {
                continue;
            }
            let path = record_path(&entry.path());
            let Some(record) = std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Record>(&b).ok())
            else {
                continue;
            };
            let dep = Arc::new(Deployment::new(&dir, &name, record));
            let mut inner = dep.inner.lock().await;
            match inner.record.state {
                S::Deleting => {
                    let _ = std::fs::remove_dir_all(&dep.dir);
                    continue;
                }
                S::Stopping | S::Stopped => {
                    dep.take_down(&mut inner).await;
                    inner.record.state = S::Stopped;
                }
                S::Running => {
                    if dep
                        .bring_up(&self.data_dir, &self.store, &mut inner)
                        .await
                        .is_err()
                    {
                        dep.take_down(&mut inner).await;
                        inner.record.state = S::Stopped;
                    }
                }
                state @ (S::Provisioning | S::Starting | S::Updating) => {
                    for i in &mut inner.record.instances {
                        i.state = InstanceState::BusyRole;
                    }
                    self.begin(&dep, &mut inner, state);
                }
            }
            let _ = dep.save(&mut inner);
            drop(inner);
            map.insert(name, dep);
        }
        Ok(())
    }

    /// Closes every listener and stops every background step; saved states stay as they are,
    /// so a restart on the same data directory resumes them.
    pub(super) async fn shutdown(&self) {
        // Only once: a late second call must not overwrite what a newer cloud saved since.
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        let map = self.deployments.lock().await;
        for dep in map.values() {
            let mut inner = dep.inner.lock().await;
            dep.close_listeners(&mut inner).await;
            if !inner.removed {
                let _ = dep.save(&mut inner);
            }
        }
    }
}
