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

/// The query parameter of `/v1/events` that narrows the stream to some kinds of event.
pub const EVENT_KINDS_PARAM: &str = "kinds";

/// The kinds of event a subscriber asked for, by wire name (`resync` always comes: it is the
/// stream's own signal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventKinds(Vec<&'static str>);

impl EventKinds {
    /// Kinds from their comma-separated wire names (`client_notification,service`); the error
    /// is the rule an unknown or empty list breaks.
    pub fn parse(text: &str) -> Result<EventKinds, String> {
        let mut kinds = Vec::new();
        for name in text.split(',').map(str::trim) {
            match Event::NAMES.iter().find(|k| **k == name) {
                Some(k) => kinds.push(*k),
                None => {
                    return Err(format!(
                        "a comma-separated list of event kinds ({}); {name:?} is not one",
                        Event::NAMES.join(", ")
                    ));
                }
            }
        }
        Ok(EventKinds(kinds))
    }

    /// The query value that asks for these kinds.
    pub fn query(&self) -> String {
        self.0.join(",")
    }

    /// Whether a subscriber asking for these kinds gets `event`.
    pub fn wants(&self, event: &Event) -> bool {
        matches!(event, Event::Resync) || self.0.contains(&event.name())
    }
}

impl Event {
    /// Every wire name, in the order of the variants.
    pub const NAMES: [&'static str; 16] = [
        "service",
        "service_deleted",
        "task",
        "alert",
        "status_message",
        "log",
        "usage",
        "package",
        "package_deleted",
        "distribution",
        "distribution_removed",
        "site_system",
        "client_settings",
        "connection_point",
        "client_notification",
        "resync",
    ];

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscriber_gets_the_kinds_it_asked_for_and_resync() {
        let kinds = EventKinds::parse(" service_deleted,client_notification ").expect("known");
        let deleted = Event::ServiceDeleted(ServiceDeleted {
            id: "s1".into(),
            service_fqdn: "cdp1.contoso.com".into(),
        });
        assert!(kinds.wants(&deleted));
        assert!(kinds.wants(&Event::Resync), "resync always comes");
        let gone = Event::PackageDeleted(PackageDeleted {
            id: "PS100001".into(),
        });
        assert!(!kinds.wants(&gone));
        assert_eq!(kinds.query(), "service_deleted,client_notification");
        let err = EventKinds::parse("service,logs").expect_err("unknown kind");
        assert!(err.contains("\"logs\" is not one"), "{err}");
        assert!(
            EventKinds::parse("").is_err(),
            "an empty list names no kind"
        );
        for ev in [&deleted, &gone, &Event::Resync] {
            assert!(Event::NAMES.contains(&ev.name()), "{}", ev.name());
        }
        let mut names = Event::NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Event::NAMES.len(), "no name twice");
    }
}
