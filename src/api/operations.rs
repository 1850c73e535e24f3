//! One typed method per API operation. Nothing outside `api` builds a URL or reads a JSON
//! value by hand: a caller names the operation and gets the wire type back.

use super::client::{AnalyzerStream, Client, ClientError, Held, NotificationStream, Progress};
use super::routes;
use super::wire::{
    Accepted, AddConnectionPoint, AlertView, AnalyzeCmg, ChannelConfig, ClientNotificationView,
    ClientPolicy, ClientSettings, CloseAlert, ConnectionPointReport, ConnectionPointView,
    ContentLocationRequest, ContentLocations, ContentTargets, CreateCdp, CreateCmg, CreatePackage,
    CreateToken, DistributionView, LogFileView, LogLineView, NewToken, PackageChanged, PackageView,
    PostponeAlert, RegisterSubscription, SendClientNotification, ServiceView, SetProxy, SetService,
    SiteSystemView, SiteView, SoftwareUpdateView, StatusMessageView, SubscriptionCheck,
    SubscriptionInput, SubscriptionRegistered, TaskView, Updated,
};
use crate::domain::proxy::ProxySettings;
use crate::domain::service::{Action, HostedKind};
use std::path::Path;

type Result<T> = std::result::Result<T, ClientError>;

/// What a distribution request does with a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    /// Send it to services that do not have it.
    Distribute,
    /// Send it again (every service that has it, when none is named).
    Redistribute,
    /// Take it off services.
    Remove,
}

impl Distribution {
    /// The route's verb.
    pub fn verb(self) -> &'static str {
        match self {
            Distribution::Distribute => "distribute",
            Distribution::Redistribute => "redistribute",
            Distribution::Remove => "remove",
        }
    }
}

/// What an operator does with an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertAction {
    /// Suspend-CMAlert: silent until a time, with a comment.
    Postpone(PostponeAlert),
    /// Close it (Canceled), with a comment.
    Close(CloseAlert),
    /// Disable-CMAlert: stop evaluating it.
    Disable,
    /// Enable-CMAlert: evaluate it again.
    Enable,
}

impl Client {
    /// The site and the caller's role.
    pub async fn site(&self) -> Result<SiteView> {
        self.get(&routes::site()).await
    }

    /// Every site system with its Proxy tab.
    pub async fn site_systems(&self) -> Result<Vec<SiteSystemView>> {
        self.get(&routes::site_systems()).await
    }

    /// A site system's Proxy tab.
    pub async fn proxy(&self, site_system: &str) -> Result<ProxySettings> {
        self.get(&routes::proxy(site_system)).await
    }

    /// Saves a site system's Proxy tab.
    pub async fn set_proxy(&self, site_system: &str, req: &SetProxy) -> Result<ProxySettings> {
        self.put(&routes::proxy(site_system), req).await
    }

    /// The client settings.
    pub async fn client_settings(&self) -> Result<ClientSettings> {
        self.get(&routes::client_settings()).await
    }

    /// Saves the client settings.
    pub async fn set_client_settings(&self, req: &ClientSettings) -> Result<ClientSettings> {
        self.put(&routes::client_settings(), req).await
    }

    /// Makes an API token (Full Administrator only); its secret is in the answer, once.
    pub async fn create_token(&self, req: &CreateToken) -> Result<NewToken> {
        self.post(&routes::tokens(), req).await
    }

    /// Every CDP or every CMG.
    pub async fn services(&self, kind: HostedKind) -> Result<Vec<ServiceView>> {
        self.get(&routes::services(kind)).await
    }

    /// One CDP or CMG, by id, Service FQDN or name.
    pub async fn service(&self, kind: HostedKind, key: &str) -> Result<ServiceView> {
        self.get(&routes::service(kind, key)).await
    }

    /// Creates a cloud distribution point (provisioning starts).
    pub async fn create_cdp(&self, req: &CreateCdp) -> Result<Accepted> {
        self.post(&routes::services(HostedKind::Cdp), req).await
    }

    /// Creates a cloud management gateway (provisioning starts).
    pub async fn create_cmg(&self, req: &CreateCmg) -> Result<Accepted> {
        self.post(&routes::services(HostedKind::Cmg), req).await
    }

    /// Changes a service's editable settings (Properties).
    pub async fn set_service(
        &self,
        kind: HostedKind,
        key: &str,
        req: &SetService,
    ) -> Result<Updated> {
        self.patch(&routes::service(kind, key), req).await
    }

    /// Starts, stops, deletes or synchronises a service; the answer carries the task.
    pub async fn act(&self, kind: HostedKind, key: &str, action: Action) -> Result<Accepted> {
        match action {
            Action::Delete => self.delete(&routes::service(kind, key)).await,
            Action::Start => {
                self.post_empty(&routes::service_action(kind, key, "start"))
                    .await
            }
            Action::Stop => {
                self.post_empty(&routes::service_action(kind, key, "stop"))
                    .await
            }
            Action::Upgrade => {
                self.post_empty(&routes::service_action(kind, key, "sync"))
                    .await
            }
        }
    }

    /// "Validate on Next": does the cloud accept this subscription and certificate?
    pub async fn validate_subscription(
        &self,
        req: &SubscriptionInput,
    ) -> Result<SubscriptionCheck> {
        self.post(&routes::validate_subscription(), req).await
    }

    /// Registers a lab subscription with the site's own local cloud (Full Administrator).
    pub async fn register_lab_subscription(
        &self,
        req: &RegisterSubscription,
    ) -> Result<SubscriptionRegistered> {
        self.post(&routes::lab_subscriptions(), req).await
    }

    /// Connection points: of one CMG, or every one.
    pub async fn connection_points(&self, cmg: Option<&str>) -> Result<Vec<ConnectionPointView>> {
        match cmg {
            Some(c) => self.get(&routes::cmg_connection_points(c)).await,
            None => self.get(&routes::connection_points()).await,
        }
    }

    /// Adds a CMG connection point on a site system.
    pub async fn add_connection_point(
        &self,
        cmg: &str,
        req: &AddConnectionPoint,
    ) -> Result<ConnectionPointView> {
        self.post(&routes::cmg_connection_points(cmg), req).await
    }

    /// Tasks, newest first: of one service, at most `limit`.
    pub async fn tasks(&self, service: Option<&str>, limit: Option<u32>) -> Result<Vec<TaskView>> {
        self.get(&routes::tasks(service, limit)).await
    }

    /// One task.
    pub async fn task(&self, id: &str) -> Result<TaskView> {
        self.get(&routes::task(id)).await
    }

    /// Status messages, newest first: of one service, at most `limit`.
    pub async fn status_messages(
        &self,
        service: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Vec<StatusMessageView>> {
        self.get(&routes::status_messages(service, limit)).await
    }

    /// Every alert, newest first.
    pub async fn alerts(&self) -> Result<Vec<AlertView>> {
        self.get(&routes::alerts()).await
    }

    /// Postpones, closes, disables or enables an alert; the answer is the alert as it is now.
    pub async fn alert_action(&self, id: &str, action: &AlertAction) -> Result<AlertView> {
        match action {
            AlertAction::Postpone(req) => {
                self.post(&routes::alert_action(id, "postpone"), req).await
            }
            AlertAction::Close(req) => self.post(&routes::alert_action(id, "close"), req).await,
            AlertAction::Disable => self.post_empty(&routes::alert_action(id, "disable")).await,
            AlertAction::Enable => self.post_empty(&routes::alert_action(id, "enable")).await,
        }
    }

    /// The log files.
    pub async fn log_files(&self) -> Result<Vec<LogFileView>> {
        self.get(&routes::logs()).await
    }

    /// The last lines of a log (the site's default number when `tail` is none).
    pub async fn log(&self, file: &str, tail: Option<usize>) -> Result<Vec<LogLineView>> {
        self.get(&routes::log(file, tail)).await
    }

    /// The content library.
    pub async fn packages(&self) -> Result<Vec<PackageView>> {
        self.get(&routes::packages()).await
    }

    /// One package, by id or name.
    pub async fn package(&self, key: &str) -> Result<PackageView> {
        self.get(&routes::package(key)).await
    }

    /// Creates a package; then send each file with [`Client::upload_file`].
    pub async fn create_package(&self, req: &CreatePackage) -> Result<PackageChanged> {
        self.post(&routes::packages(), req).await
    }

    /// Sends one file of a package, streamed from disk; `progress` is told the bytes sent.
    pub async fn upload_file(
        &self,
        id: &str,
        name: &str,
        file: &Path,
        progress: Option<Progress>,
    ) -> Result<PackageView> {
        self.put_file(&routes::package_file(id, name), file, progress)
            .await
    }

    /// Deletes a package and every copy of it on the services.
    pub async fn delete_package(&self, key: &str) -> Result<()> {
        self.delete(&routes::package(key)).await
    }

    /// Distributes, redistributes or removes a package.
    pub async fn distribution(
        &self,
        key: &str,
        what: Distribution,
        targets: &ContentTargets,
    ) -> Result<PackageChanged> {
        self.post(&routes::package_action(key, what.verb()), targets)
            .await
    }

    /// Every package on every service, or on one.
    pub async fn distributions(&self, service: Option<&str>) -> Result<Vec<DistributionView>> {
        self.get(&routes::distributions(service)).await
    }

    /// The management point: where a client can get a package.
    pub async fn content_locations(
        &self,
        req: &ContentLocationRequest,
    ) -> Result<ContentLocations> {
        self.post(&routes::content_locations(), req).await
    }

    /// What connection point `id` needs to open its channels, its certificate and key included
    /// (Full or Infrastructure Administrator).
    pub async fn channel_config(&self, id: &str) -> Result<ChannelConfig> {
        self.get(&routes::channel_config(id)).await
    }

    /// Reports connection point `id`'s channels; the answer is the connection point as the site
    /// now shows it.
    pub async fn report_channels(
        &self,
        id: &str,
        report: &ConnectionPointReport,
    ) -> Result<ConnectionPointView> {
        self.put(&routes::connection_point_state(id), report).await
    }

    /// Opens connection point `id`'s presence: the site shows it as running for as long as the
    /// request stays open, and Disconnected the moment it ends (the process died).
    pub async fn presence(&self, id: &str) -> Result<Held> {
        let path = routes::connection_point_presence(id);
        Ok(Held::new(
            self.hold(&path, "the presence").await?,
            self.base(),
        ))
    }

    /// Runs the connection analyzer on CMG `key`: its checks stream back as they run.
    pub async fn analyze_cmg(&self, key: &str, req: &AnalyzeCmg) -> Result<AnalyzerStream> {
        let resp = self
            .hold_post(&routes::cmg_analyze(key), req, "the connection analyzer")
            .await?;
        Ok(AnalyzerStream::new(resp, self.base()))
    }

    /// Pushes a message to every client holding a notification channel.
    pub async fn send_client_notification(
        &self,
        req: &SendClientNotification,
    ) -> Result<ClientNotificationView> {
        self.post(&routes::client_notifications(), req).await
    }

    /// The management point: the client's policy.
    pub async fn policy(&self) -> Result<ClientPolicy> {
        self.get(&routes::policy()).await
    }

    /// The management point: holds a client notification channel open.
    pub async fn notifications(&self) -> Result<NotificationStream> {
        let path = routes::notifications();
        let resp = self.hold(&path, "the notification channel").await?;
        Ok(NotificationStream::new(resp, self.base()))
    }

    /// The software update point: the updates it offers.
    pub async fn software_updates(&self) -> Result<Vec<SoftwareUpdateView>> {
        self.get(&routes::sup_catalog()).await
    }
}
