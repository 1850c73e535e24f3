//! The live event stream, `GET /v1/events`.

use super::alerts::AlertView;
use super::content::{DistributionView, PackageView, UsageEvent};
use super::gateway::{ClientNotificationView, ConnectionPointView};
use super::services::{ServiceView, TaskView};
use super::site::{ClientSettings, LogLineView, SiteSystemView, StatusMessageView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An event on `/v1/events`: its id (resume with `Last-Event-ID`) and what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    /// Event id, increasing; 0 for a `resync` sent because a slow client fell behind.
    pub id: u64,
    /// What happened, with the object as the matching GET returns it.
    #[serde(flatten)]
    pub event: Event,
}

/// What happened. On the wire: `{"id": …, "kind": "<name>", "data": <object>}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Event {
    /// A service was created or changed.
    Service(Box<ServiceView>),
    /// A service and its content are gone.
    ServiceDeleted(ServiceDeleted),
    /// A task was created or moved on.
    Task(TaskView),
    /// An alert was raised, cleared or changed by an operator.
    Alert(AlertView),
    /// A status message was recorded.
    StatusMessage(StatusMessageView),
    /// A log line was written.
    Log(LogLineView),
    /// A service's usage was collected.
    Usage(UsageEvent),
    /// A package was created or changed.
    Package(PackageView),
    /// A package was deleted.
    PackageDeleted(PackageDeleted),
    /// A package's distribution to a service changed.
    Distribution(DistributionView),
    /// A package was removed from a service.
    DistributionRemoved(DistributionRemoved),
    /// A site system's settings (Proxy tab) changed.
    SiteSystem(SiteSystemView),
    /// The client settings changed.
    ClientSettings(ClientSettings),
    /// A CMG connection point was added, or its state or channels changed.
    ConnectionPoint(ConnectionPointView),
    /// A message for every client holding a notification channel (connection points relay it
    /// to the clients they hold through a CMG).
    ClientNotification(ClientNotificationView),
    /// Events were lost (the client's id is too old, or it fell behind): read everything again.
    Resync,
}

impl Event {
    /// The wire name of the event (`service`, `task`, …), also the SSE `event:` field.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Service(_) => "service",
            Event::ServiceDeleted(_) => "service_deleted",
            Event::Task(_) => "task",
            Event::Alert(_) => "alert",
            Event::StatusMessage(_) => "status_message",
            Event::Log(_) => "log",
            Event::Usage(_) => "usage",
            Event::Package(_) => "package",
            Event::PackageDeleted(_) => "package_deleted",
            Event::Distribution(_) => "distribution",
            Event::DistributionRemoved(_) => "distribution_removed",
            Event::SiteSystem(_) => "site_system",
            Event::ClientSettings(_) => "client_settings",
            Event::ConnectionPoint(_) => "connection_point",
            Event::ClientNotification(_) => "client_notification",
            Event::Resync => "resync",
        }
    }
}

/// `service_deleted`: which service is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceDeleted {
    /// Service id.
    pub id: String,
    /// Its FQDN.
    pub service_fqdn: String,
}

/// `package_deleted`: which package is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PackageDeleted {
    /// Package id.
    pub id: String,
}

/// `distribution_removed`: a package is no longer on a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DistributionRemoved {
    /// Package id.
    pub package_id: String,
    /// Service id.
    pub service_id: String,
}
