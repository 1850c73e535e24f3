//! The console's local copy of the site: filled by a full read, kept current by events. The
//! views render only from this; nothing in here touches the network.

use crate::api::wire::{AlertView, Event};
use crate::api::wire::{ConnectionPointView, DistributionView, PackageView};
use crate::api::wire::{
    EventView, LogLineView, ServiceView, SiteSystemView, SiteView, StatusMessageView, TaskView,
};
use crate::domain::alert::{AlertState, Severity};
use crate::domain::service::HostedKind;
use std::collections::{HashMap, VecDeque};

/// Status messages kept.
const STATUS_KEPT: usize = 2000;

/// Where the connection to the site stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Starting the embedded site or reaching the remote one.
    Connecting,
    /// Live: events flow.
    Connected,
    /// Lost; the next attempt is on its way.
    Disconnected {
        /// Why.
        reason: String,
        /// Attempts so far.
        attempt: u32,
    },
}

/// Everything the site told the console.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The site and the caller's role.
    pub site: Option<SiteView>,
    /// CDPs.
    pub cdps: Vec<ServiceView>,
    /// CMGs.
    pub cmgs: Vec<ServiceView>,
    /// Site systems.
    pub site_systems: Vec<SiteSystemView>,
    /// Alerts.
    pub alerts: Vec<AlertView>,
    /// Status messages, newest first.
    pub status: Vec<StatusMessageView>,
    /// Recent CloudMgr.log lines, oldest first.
    pub logs: Vec<LogLineView>,
    /// Recent tasks.
    pub tasks: Vec<TaskView>,
    /// Every package on every service (one distributions read).
    pub distributions: Vec<DistributionView>,
    /// The content library.
    pub packages: Vec<PackageView>,
    /// Every CMG connection point, with its live state.
    pub connection_points: Vec<ConnectionPointView>,
}

/// The console's model.
#[derive(Debug, Clone)]
pub struct Model {
    /// Connection state.
    pub link: Link,
    /// The site, once read.
    pub site: Option<SiteView>,
    /// CDPs by FQDN order.
    pub cdps: Vec<ServiceView>,
    /// CMGs.
    pub cmgs: Vec<ServiceView>,
    /// Site systems.
    pub site_systems: Vec<SiteSystemView>,
    /// Alerts.
    pub alerts: Vec<AlertView>,
    /// Status messages, newest first (bounded).
    pub status: VecDeque<StatusMessageView>,
    /// Log lines, oldest first (bounded by `log_capacity`).
    pub logs: VecDeque<LogLineView>,
    /// Tasks by id.
    pub tasks: HashMap<String, TaskView>,
    /// Last event applied (for resume).
    pub last_event: Option<u64>,
    /// A full read has arrived.
    pub loaded: bool,
    /// Packages on each service, by service id, in package id order. The single source of
    /// distribution state: a `package` event may carry distributions older than a
    /// `distribution` event that overtook it, so `PackageView::distributions` is not used.
    pub distributions: HashMap<String, Vec<DistributionView>>,
    /// The content library, by package id.
    pub packages: Vec<PackageView>,
    /// CMG connection points, kept live by `connection_point` events.
    pub connection_points: Vec<ConnectionPointView>,
    log_capacity: usize,
}

impl Model {
    /// An empty model keeping at most `log_capacity` log lines.
    pub fn new(log_capacity: usize) -> Self {
        Model {
            link: Link::Connecting,
            site: None,
            cdps: Vec::new(),
            cmgs: Vec::new(),
            site_systems: Vec::new(),
            alerts: Vec::new(),
            status: VecDeque::new(),
            logs: VecDeque::new(),
            tasks: HashMap::new(),
            last_event: None,
            loaded: false,
            distributions: HashMap::new(),
            packages: Vec::new(),
            connection_points: Vec::new(),
            log_capacity: log_capacity.max(1),
        }
    }

    /// Replaces everything with a full read.
    pub fn load(&mut self, s: Snapshot) {
        self.site = s.site;
        self.cdps = s.cdps;
        self.cmgs = s.cmgs;
        self.site_systems = s.site_systems;
        self.alerts = s.alerts;
        self.status = s.status.into_iter().take(STATUS_KEPT).collect();
        self.logs = s.logs.into_iter().collect();
        while self.logs.len() > self.log_capacity {
            self.logs.pop_front();
        }
        self.tasks = s.tasks.into_iter().map(|t| (t.id.clone(), t)).collect();
        self.distributions.clear();
        for d in s.distributions {
            self.put_distribution(d);
        }
        self.packages = s.packages;
        self.packages.sort_by(|a, b| a.id.cmp(&b.id));
        self.connection_points = s.connection_points;
        self.loaded = true;
    }

    /// Applies one event; returns false for `resync` (the caller must read everything again).
    pub fn apply(&mut self, ev: &EventView) -> bool {
        if ev.id > 0 {
            self.last_event = Some(ev.id);
        }
        match &ev.event {
            Event::Resync => return false,
            Event::Service(s) => {
                let list = match s.kind {
                    HostedKind::Cmg => &mut self.cmgs,
                    HostedKind::Cdp => &mut self.cdps,
                };
                match list.iter_mut().find(|x| x.id == s.id) {
                    Some(x) => *x = (**s).clone(),
                    None => {
                        list.push((**s).clone());
                        list.sort_by_key(|x| x.service_fqdn.to_ascii_lowercase());
                    }
                }
            }
            Event::ServiceDeleted(d) => {
                self.cdps.retain(|s| s.id != d.id);
                self.cmgs.retain(|s| s.id != d.id);
                self.distributions.remove(&d.id);
                self.connection_points.retain(|p| p.cmg_id != d.id);
            }
            Event::Usage(u) => {
                if let Some(s) = self
                    .cdps
                    .iter_mut()
                    .chain(self.cmgs.iter_mut())
                    .find(|s| s.id == u.service_id)
                {
                    s.usage = Some(u.usage.clone());
                }
            }
            Event::Distribution(d) => self.put_distribution(d.clone()),
            Event::DistributionRemoved(r) => {
                if let Some(list) = self.distributions.get_mut(&r.service_id) {
                    list.retain(|d| d.package_id != r.package_id);
                }
            }
            Event::Package(p) => match self.packages.binary_search_by(|x| x.id.cmp(&p.id)) {
                Ok(i) => self.packages[i] = p.clone(),
                Err(i) => self.packages.insert(i, p.clone()),
            },
            Event::PackageDeleted(d) => {
                self.packages.retain(|p| p.id != d.id);
                for list in self.distributions.values_mut() {
                    list.retain(|x| x.package_id != d.id);
                }
            }
            Event::Task(t) => {
                self.tasks.insert(t.id.clone(), t.clone());
            }
            Event::Alert(a) => match self.alerts.iter_mut().find(|x| x.id == a.id) {
                Some(x) => *x = a.clone(),
                None => self.alerts.insert(0, a.clone()),
            },
            Event::StatusMessage(m) => {
                self.status.push_front(m.clone());
                self.status.truncate(STATUS_KEPT);
            }
            Event::Log(l) => {
                self.logs.push_back(l.clone());
                while self.logs.len() > self.log_capacity {
                    self.logs.pop_front();
                }
            }
            Event::SiteSystem(s) => match self
                .site_systems
                .iter_mut()
                .find(|x| x.name.eq_ignore_ascii_case(&s.name))
            {
                Some(x) => *x = s.clone(),
                None => self.site_systems.push(s.clone()),
            },
            Event::ConnectionPoint(p) => {
                match self.connection_points.iter_mut().find(|x| x.id == p.id) {
                    Some(x) => *x = p.clone(),
                    None => self.connection_points.push(p.clone()),
                }
            }
            Event::ClientSettings(_) | Event::ClientNotification(_) => {}
        }
        true
    }

    /// Active alerts by severity: (critical, warning).
    pub fn active_alerts(&self) -> (usize, usize) {
        let active = self.alerts.iter().filter(|a| a.state == AlertState::Active);
        let (mut crit, mut warn) = (0, 0);
        for a in active {
            match a.severity {
                Severity::Critical => crit += 1,
                Severity::Warning => warn += 1,
                Severity::Informational => {}
            }
        }
        (crit, warn)
    }

    /// Whether the caller may change things.
    pub fn can_write(&self) -> bool {
        self.site.as_ref().is_some_and(|s| s.role.can_write())
    }

    /// Adds or replaces one package's state on one service.
    fn put_distribution(&mut self, d: DistributionView) {
        let list = self.distributions.entry(d.service_id.clone()).or_default();
        match list.binary_search_by(|x| x.package_id.cmp(&d.package_id)) {
            Ok(i) => list[i] = d,
            Err(i) => list.insert(i, d),
        }
    }

    /// The packages on a service, in package id order.
    pub fn service_distributions(&self, service_id: &str) -> &[DistributionView] {
        self.distributions
            .get(service_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Where a package is distributed, in service FQDN order.
    pub fn package_distributions(&self, package_id: &str) -> Vec<&DistributionView> {
        let mut v: Vec<&DistributionView> = self
            .distributions
            .values()
            .filter_map(|l| {
                l.binary_search_by(|x| x.package_id.as_str().cmp(package_id))
                    .ok()
                    .map(|i| &l[i])
            })
            .collect();
        v.sort_by(|a, b| a.service_fqdn.cmp(&b.service_fqdn));
        v
    }

    /// The connection points of CMG `cmg_id`, in name order.
    pub fn points_of(&self, cmg_id: &str) -> Vec<&ConnectionPointView> {
        let mut v: Vec<&ConnectionPointView> = self
            .connection_points
            .iter()
            .filter(|p| p.cmg_id == cmg_id)
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// A service by id, in either list.
    pub fn service(&self, id: &str) -> Option<&ServiceView> {
        self.cdps
            .iter()
            .chain(self.cmgs.iter())
            .find(|s| s.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::{DistributionState, PackageState};
    use crate::domain::content::ContentType;
    use serde_json::json;

    fn ev(kind: &str, data: serde_json::Value) -> EventView {
        serde_json::from_value(json!({"id": 1, "kind": kind, "data": data}))
            .expect("a well-formed event")
    }

    fn dist(package: &str, service: &str, state: DistributionState) -> serde_json::Value {
        json!({"package_id": package, "package_name": "n", "service_id": service,
            "service_fqdn": format!("{service}.contoso.com"), "state": state,
            "reason": null, "size": 1, "updated": "2026-11-22T10:00:00Z"})
    }

    fn package(id: &str, distributions: Vec<serde_json::Value>) -> serde_json::Value {
        json!({"id": id, "name": id, "content_type": ContentType::Package,
            "state": PackageState::Ready, "files": [], "size": 1,
            "distributions": distributions, "created": "2026-11-22T10:00:00Z"})
    }

    #[test]
    fn distribution_and_package_events_keep_the_per_service_view() {
        let mut m = Model::new(10);
        for (p, s) in [("P2", "c1"), ("P1", "c1"), ("P1", "c2")] {
            assert!(m.apply(&ev(
                "distribution",
                dist(p, s, DistributionState::InProgress)
            )));
        }
        let ids = |m: &Model, s: &str| {
            m.service_distributions(s)
                .iter()
                .map(|d| d.package_id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&m, "c1"), ["P1", "P2"], "in package id order");
        m.apply(&ev(
            "distribution",
            dist("P1", "c1", DistributionState::Success),
        ));
        assert_eq!(
            m.service_distributions("c1")[0].state,
            DistributionState::Success
        );
        // A package event may be older than the distribution events: it does not override them.
        m.apply(&ev(
            "package",
            package("P1", vec![dist("P1", "c1", DistributionState::InProgress)]),
        ));
        m.apply(&ev("package", package("P0", Vec::new())));
        assert_eq!(
            m.packages.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            ["P0", "P1"]
        );
        assert_eq!(
            m.service_distributions("c1")[0].state,
            DistributionState::Success
        );
        assert_eq!(m.package_distributions("P1").len(), 2);
        m.apply(&ev(
            "distribution_removed",
            json!({"package_id": "P2", "service_id": "c1"}),
        ));
        assert_eq!(ids(&m, "c1"), ["P1"]);
        m.apply(&ev(
            "service_deleted",
            json!({"id": "c2", "service_fqdn": "c2.contoso.com"}),
        ));
        assert_eq!(m.package_distributions("P1").len(), 1);
        m.apply(&ev("package_deleted", json!({"id": "P1"})));
        assert!(m.service_distributions("c1").is_empty());
        assert_eq!(m.packages.len(), 1);
    }
}
