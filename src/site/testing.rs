//! Test support: a site on a temporary directory with an in-memory cloud whose operations
//! take effect at once and are recorded, so tests can say which calls a task made.

use super::cmtrace::LogWriter;
use super::context::{SiteContext, SiteParts, TaskInbox};
use super::events::EventBus;
use super::manager::{RunnerHandle, TaskRunner, Timing};
use super::monitor::MonitorOptions;
use super::prepare::{CmgOptions, Prepared, ServiceCert};
use super::repo::services::{self, ServiceRecord};
use super::repo::tasks::{self, TaskRecord};
use super::secrets::SecretBox;
use super::store::Store;
use crate::cert::Identity;
use crate::cloud::{
    BlobTarget, Caller, CloudError, DeploySpec, DeploymentState, GatewayStatus, HostedKind,
    InstanceState, InstanceStatus, Provider, ServiceStatus, SubscriptionInfo,
};
use crate::domain::service::{self as rules, Environment, ServiceState};
use async_trait::async_trait;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A cloud in memory: every operation is done when it returns.
#[derive(Default)]
pub(crate) struct FakeCloud {
    calls: Mutex<Vec<String>>,
    deployments: Mutex<HashMap<String, ServiceStatus>>,
    containers: Mutex<HashSet<String>>,
}

impl FakeCloud {
    /// The state-changing calls made so far (`deploy cdp1`, `create_container cdp1sa`, …).
    pub(crate) fn calls(&self) -> Vec<String> {
        self.calls.lock().expect("calls").clone()
    }

    /// Forgets the calls made so far.
    pub(crate) fn clear_calls(&self) {
        self.calls.lock().expect("calls").clear();
    }

    fn call(&self, what: &str, name: &str) {
        self.calls
            .lock()
            .expect("calls")
            .push(format!("{what} {name}"));
    }

    fn set(&self, name: &str, state: DeploymentState, instances: u8) {
        let instances = (0..instances)
            .map(|i| InstanceStatus {
                id: format!("IN_{i}"),
                state: if state == DeploymentState::Running {
                    InstanceState::ReadyRole
                } else {
                    InstanceState::StoppedRole
                },
                address: None,
                channel: None,
                fallback: None,
            })
            .collect();
        let status = ServiceStatus {
            name: name.to_string(),
            state,
            instances,
        };
        self.deployments
            .lock()
            .expect("deployments")
            .insert(name.to_string(), status);
    }

    fn instances(&self, name: &str) -> Result<u8, CloudError> {
        self.deployments
            .lock()
            .expect("deployments")
            .get(name)
            .map(|s| s.instances.len() as u8)
            .ok_or_else(|| CloudError::NotFound(name.to_string()))
    }
}

#[async_trait]
impl Provider for FakeCloud {
    async fn check_subscription(&self, caller: &Caller) -> Result<SubscriptionInfo, CloudError> {
        Ok(SubscriptionInfo {
            id: caller.subscription.id.clone(),
            name: "Lab".into(),
            regions: vec!["WestEurope".into()],
        })
    }

    async fn container_exists(
        &self,
        _: &Caller,
        account: &str,
        _: &str,
    ) -> Result<bool, CloudError> {
        Ok(self
            .containers
            .lock()
            .expect("containers")
            .contains(account))
    }

    async fn create_container(&self, _: &Caller, account: &str, _: &str) -> Result<(), CloudError> {
        self.call("create_container", account);
        self.containers
            .lock()
            .expect("containers")
            .insert(account.to_string());
        Ok(())
    }

    async fn delete_container(&self, _: &Caller, account: &str, _: &str) -> Result<(), CloudError> {
        self.call("delete_container", account);
        self.containers.lock().expect("containers").remove(account);
        Ok(())
    }

    async fn deploy(&self, _: &Caller, spec: &DeploySpec) -> Result<(), CloudError> {
        self.call("deploy", &spec.name);
        self.set(&spec.name, DeploymentState::Running, spec.instances);
        Ok(())
    }

    async fn status(&self, _: &Caller, name: &str) -> Result<Option<ServiceStatus>, CloudError> {
        Ok(self
            .deployments
            .lock()
            .expect("deployments")
            .get(name)
            .cloned())
    }

    async fn start(&self, _: &Caller, name: &str) -> Result<(), CloudError> {
        self.call("start", name);
        let n = self.instances(name)?;
        self.set(name, DeploymentState::Running, n);
        Ok(())
    }

    async fn stop(&self, _: &Caller, name: &str) -> Result<(), CloudError> {
        self.call("stop", name);
        let n = self.instances(name)?;
        self.set(name, DeploymentState::Stopped, n);
        Ok(())
    }

    async fn delete(&self, _: &Caller, name: &str) -> Result<(), CloudError> {
        self.call("delete", name);
        self.deployments.lock().expect("deployments").remove(name);
        Ok(())
    }

    async fn update(&self, _: &Caller, spec: &DeploySpec) -> Result<(), CloudError> {
        self.call("update", &spec.name);
        self.set(&spec.name, DeploymentState::Running, spec.instances);
        Ok(())
    }

    async fn put_blob(
        &self,
        _: &Caller,
        _: &BlobTarget,
        _: &std::path::Path,
        _: &str,
    ) -> Result<(), CloudError> {
        Ok(())
    }

    async fn delete_blobs(&self, _: &Caller, _: &str, _: &str, _: &str) -> Result<(), CloudError> {
        Ok(())
    }

    async fn storage_used(&self, _: &Caller, _: &str, _: &str) -> Result<u64, CloudError> {
        Ok(0)
    }

    async fn egress(&self, _: &Caller, _: &str) -> Result<u64, CloudError> {
        Ok(0)
    }

    async fn gateway(&self, _: &Caller, _: &str) -> Result<Option<GatewayStatus>, CloudError> {
        Ok(None)
    }
}

/// A site on a temporary directory, with a [`FakeCloud`].
pub(crate) struct TestSite {
    /// The site's resources.
    pub ctx: Arc<SiteContext>,
    /// Its cloud.
    pub cloud: Arc<FakeCloud>,
    inbox: Option<TaskInbox>,
    runner: Option<RunnerHandle>,
    _dir: tempfile::TempDir,
}

impl TestSite {
    /// A new site whose cloud answers at once; `monitor` as given.
    pub(crate) fn new(monitor: MonitorOptions) -> TestSite {
        let dir = tempfile::tempdir().expect("temp dir");
        let cloud = Arc::new(FakeCloud::default());
        let (ctx, inbox) = SiteContext::new(SiteParts {
            store: Store::open(&dir.path().join("site.db")).expect("site database"),
            secrets: Arc::new(SecretBox::load_or_create(dir.path()).expect("secrets")),
            provider: Arc::clone(&cloud) as Arc<dyn Provider>,
            bus: Arc::new(EventBus::new(0)),
            logs: Arc::new(LogWriter::new(&dir.path().join("logs")).expect("logs")),
            timing: Timing {
                poll: Duration::from_millis(1),
                container_retry: Duration::from_millis(1),
                deadline: Duration::from_secs(5),
                ..Timing::default()
            },
            monitor,
            replica: active_replica(),
        });
        TestSite {
            ctx,
            cloud,
            inbox: Some(inbox),
            runner: None,
            _dir: dir,
        }
    }

    /// Starts the task runner on the queued tasks.
    pub(crate) fn start_runner(&mut self) {
        let inbox = self.inbox.take().expect("the runner starts once");
        self.runner = Some(TaskRunner::new(Arc::clone(&self.ctx)).start(inbox));
    }

    /// Stores a service of `kind` named `name` (with content storage when `storage`) in `state`.
    pub(crate) fn add_service(
        &self,
        kind: HostedKind,
        name: &str,
        storage: bool,
        state: ServiceState,
    ) -> ServiceRecord {
        let identity = |what: &str| Identity {
            chain_der: vec![format!("{what} certificate").into_bytes()],
            key_pkcs8: format!("{what} key").into_bytes(),
        };
        let cmg = kind == HostedKind::Cmg;
        let prepared = Prepared {
            kind,
            service_fqdn: format!("{name}.contoso.com"),
            deployment_name: name.to_string(),
            description: String::new(),
            subscription_id: "00000000-0000-0000-0000-000000000001".into(),
            environment: Environment::AzurePublicCloud,
            region: "WestEurope".into(),
            resource_group: None,
            instances: 2,
            storage_account: storage.then(|| format!("{name}sa")),
            storage: rules::CDP_STORAGE_DEFAULT,
            transfer: rules::CDP_TRANSFER_DEFAULT,
            cmg: cmg.then(|| CmgOptions {
                vm_size: "Standard_B2s".into(),
                check_crl: false,
                enforce_tls12: true,
                serve_content: storage,
                egress_alerts: false,
                stop_at_critical: false,
                storage_alerts: false,
            }),
            trusted_roots: Vec::new(),
            service_cert: ServiceCert {
                identity: identity("service"),
                thumbprint: format!("{name}-thumbprint"),
                subject_cn: Some(format!("{name}.contoso.com")),
                not_after: String::new(),
                wildcard: false,
            },
            management: identity("management"),
        };
        let secrets = Arc::clone(self.ctx.secrets());
        self.ctx
            .store()
            .transaction(|tx| {
                let id = services::insert_service(tx, &prepared, &secrets)?;
                services::set_state(tx, &id, state, "")
            })
            .expect("service stored")
            .expect("service found")
    }

    /// Deploys `rec` in the cloud (as its Create task would have), forgetting the call.
    pub(crate) async fn deploy(&self, rec: &ServiceRecord) {
        let caller = super::credentials::caller(&self.ctx, rec)
            .await
            .expect("caller");
        let spec = super::credentials::deploy_spec(self.ctx.secrets(), rec).expect("spec");
        self.cloud.deploy(&caller, &spec).await.expect("deploy");
        self.cloud.clear_calls();
    }

    /// Saves `rec`'s editable settings.
    pub(crate) fn save(&self, rec: &ServiceRecord) {
        self.ctx
            .store()
            .with(|c| services::save_editable(c, rec))
            .expect("service saved");
    }

    /// Every task of a service, newest first.
    pub(crate) fn tasks(&self, service_id: &str) -> Vec<TaskRecord> {
        self.ctx
            .store()
            .with(|c| tasks::list_tasks(c, Some(service_id), 100))
            .expect("tasks")
    }

    /// The service `id`, if it still exists.
    pub(crate) fn service(&self, id: &str) -> Option<ServiceRecord> {
        self.ctx
            .store()
            .with(|c| services::get_service(c, id))
            .expect("service")
    }

    /// Waits until the task `id` is completed or failed; returns it.
    pub(crate) async fn finished(&self, id: &str) -> TaskRecord {
        for _ in 0..500 {
            let task = self
                .ctx
                .store()
                .with(|c| tasks::get_task(c, id))
                .expect("task")
                .expect("task exists");
            if task.state.is_final() {
                return task;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("task {id} did not finish");
    }

    /// The messages of `CloudMgr.log`, oldest first.
    pub(crate) fn cloud_mgr_log(&self) -> Vec<String> {
        super::cmtrace::read_tail(self.ctx.logs().dir(), super::cmtrace::CLOUD_MGR_LOG, 10_000)
            .expect("CloudMgr.log")
            .into_iter()
            .map(|l| l.message)
            .collect()
    }
}

/// A replica of a site on SQLite: active from the start, under lease epoch 1.
pub(crate) fn active_replica() -> Arc<crate::site::replica::Replica> {
    replica_at(1)
}

/// An active replica under lease `epoch`.
fn replica_at(epoch: i64) -> Arc<crate::site::replica::Replica> {
    let replica =
        crate::site::replica::Replica::new("test", crate::domain::replica::DatabaseEngine::Sqlite);
    replica.activate(epoch);
    Arc::new(replica)
}

impl TestSite {
    /// The context of a second services manager on this site's database and cloud (another
    /// replica), active under lease `epoch`.
    pub(crate) fn other_manager(&self, epoch: i64) -> Arc<SiteContext> {
        let ctx = &self.ctx;
        let (other, _) = SiteContext::new(SiteParts {
            store: ctx.store().clone(),
            secrets: Arc::clone(ctx.secrets()),
            provider: Arc::clone(&self.cloud) as Arc<dyn Provider>,
            bus: Arc::new(EventBus::new(0)),
            logs: Arc::new(LogWriter::new(&self._dir.path().join("logs2")).expect("logs")),
            timing: ctx.timing(),
            monitor: ctx.monitor().clone(),
            replica: replica_at(epoch),
        });
        other
    }
}
