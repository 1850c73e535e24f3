//! The local cloud with test instances placed behind its CMGs: their addresses in the status
//! of a serving instance, their channels and traffic as the gateway. It keeps every deploy spec
//! the site sends.

use super::edge::Edge;
use super::instance::{TestInstance, lock};
use async_trait::async_trait;
use cloudsite::cloud::local::LocalProvider;
use cloudsite::cloud::{
    BlobTarget, Caller, CloudError, DeploySpec, GatewaySpec, GatewayStatus, InstanceGateway,
    InstanceState, Provider, ServiceStatus, SubscriptionInfo,
};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};

/// The local cloud, with test instances placed behind its CMGs: their addresses in the status
/// of a serving instance, their channels and traffic as the gateway. It keeps every deploy
/// spec the site sends.
pub struct InstanceCloud {
    inner: LocalProvider,
    placed: Mutex<HashMap<String, Vec<Arc<TestInstance>>>>,
    specs: Mutex<Vec<DeploySpec>>,
    /// Tunnels in front of the real instances, when the test put them there.
    edge: Mutex<Option<Arc<Edge>>>,
}

impl InstanceCloud {
    /// Wraps the local cloud.
    pub fn new(inner: LocalProvider) -> InstanceCloud {
        InstanceCloud {
            inner,
            placed: Mutex::new(HashMap::new()),
            specs: Mutex::new(Vec::new()),
            edge: Mutex::new(None),
        }
    }

    /// Puts tunnels in front of every real instance's addresses from now on.
    pub fn edge(&self) -> Arc<Edge> {
        Arc::clone(lock(&self.edge).get_or_insert_with(Default::default))
    }

    /// Puts `instances` behind the CMG deployment `name` (replacing any).
    pub fn place(&self, name: &str, instances: Vec<Arc<TestInstance>>) {
        lock(&self.placed).insert(name.to_string(), instances);
    }

    /// The gateway part of the last spec deployed for `name`.
    pub fn gateway_spec(&self, name: &str) -> Option<GatewaySpec> {
        lock(&self.specs)
            .iter()
            .rev()
            .find(|s| s.name == name)
            .and_then(|s| s.gateway.clone())
    }

    /// A hook for `SiteConfig::provider` that wraps the site's cloud and hands the wrapper to
    /// the test through `slot`.
    pub fn hook(slot: Arc<OnceLock<Arc<InstanceCloud>>>) -> crate::site_support::ProviderHook {
        crate::site_support::ProviderHook(Arc::new(move |p| {
            let cloud = Arc::new(InstanceCloud::new(p));
            let _ = slot.set(Arc::clone(&cloud));
            cloud as Arc<dyn Provider>
        }))
    }
}

#[async_trait]
impl Provider for InstanceCloud {
    async fn check_subscription(&self, caller: &Caller) -> Result<SubscriptionInfo, CloudError> {
        self.inner.check_subscription(caller).await
    }
    async fn container_exists(&self, c: &Caller, a: &str, n: &str) -> Result<bool, CloudError> {
        self.inner.container_exists(c, a, n).await
    }
    async fn create_container(&self, c: &Caller, a: &str, n: &str) -> Result<(), CloudError> {
        self.inner.create_container(c, a, n).await
    }
    async fn delete_container(&self, c: &Caller, a: &str, n: &str) -> Result<(), CloudError> {
        self.inner.delete_container(c, a, n).await
    }
    async fn deploy(&self, caller: &Caller, spec: &DeploySpec) -> Result<(), CloudError> {
        lock(&self.specs).push(spec.clone());
        self.inner.deploy(caller, spec).await
    }
    async fn status(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<Option<ServiceStatus>, CloudError> {
        let mut status = self.inner.status(caller, name).await?;
        if let (Some(s), Some(edge)) = (status.as_mut(), lock(&self.edge).clone()) {
            s.instances.iter_mut().for_each(|i| edge.rewrite(i));
        }
        if let (Some(s), Some(placed)) = (status.as_mut(), lock(&self.placed).get(name)) {
            for (inst, test) in s.instances.iter_mut().zip(placed) {
                if inst.state == InstanceState::ReadyRole {
                    inst.channel = Some(test.channel);
                    inst.fallback = Some(test.fallback);
                }
            }
        }
        Ok(status)
    }
    async fn start(&self, caller: &Caller, name: &str) -> Result<(), CloudError> {
        self.inner.start(caller, name).await
    }
    async fn stop(&self, caller: &Caller, name: &str) -> Result<(), CloudError> {
        self.inner.stop(caller, name).await
    }
    async fn delete(&self, caller: &Caller, name: &str) -> Result<(), CloudError> {
        self.inner.delete(caller, name).await
    }
    async fn update(&self, caller: &Caller, spec: &DeploySpec) -> Result<(), CloudError> {
        lock(&self.specs).push(spec.clone());
        self.inner.update(caller, spec).await
    }
    async fn put_blob(
        &self,
        caller: &Caller,
        target: &BlobTarget,
        file: &Path,
        sha256: &str,
    ) -> Result<(), CloudError> {
        self.inner.put_blob(caller, target, file, sha256).await
    }
    async fn delete_blobs(&self, c: &Caller, a: &str, n: &str, p: &str) -> Result<(), CloudError> {
        self.inner.delete_blobs(c, a, n, p).await
    }
    async fn storage_used(&self, c: &Caller, a: &str, n: &str) -> Result<u64, CloudError> {
        self.inner.storage_used(c, a, n).await
    }
    async fn egress(&self, caller: &Caller, name: &str) -> Result<u64, CloudError> {
        self.inner.egress(caller, name).await
    }
    async fn gateway(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<Option<GatewayStatus>, CloudError> {
        let placed = lock(&self.placed).get(name).cloned();
        let Some(placed) = placed else {
            return self.inner.gateway(caller, name).await;
        };
        Ok(Some(GatewayStatus {
            instances: placed
                .iter()
                .map(|t| InstanceGateway {
                    id: t.id.clone(),
                    connection_points: t.peers(),
                    notification_channels: t.held.load(Ordering::Relaxed),
                    requests: t.requests.load(Ordering::Relaxed),
                    refused: 0,
                })
                .collect(),
        }))
    }
}
