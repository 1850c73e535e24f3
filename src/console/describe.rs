//! The whole text of one row, for the detail view (Enter) and the details pane beside a list:
//! a service with its status details, usage, settings and tasks; an alert with its details
//! and comments; a status message; a log line; a package and where it is; a site system.
//! Built from the model each frame (so it follows events) as lines of labelled values with a
//! theme role each; drawing wraps them, and the copy action takes their plain text. Every
//! value from the site is made safe for the terminal here, once.

use super::model::Model;
use super::node::Node;
use super::theme::Role;
use super::ui::gateway as gw;
use super::ui::style::state_role;
use super::ui::usage::{self, Figure};
use crate::api::wire::{
    AlertView, DistributionState, LogLineView, PackageState, ServiceView, SiteSystemView,
    StatusMessageView,
};
use crate::display;
use crate::domain::alert::Severity;
use crate::domain::service::HostedKind;
use crate::domain::task::{Level, TaskState};

/// What a detail view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A CDP or CMG, by id.
    Service(String),
    /// A site system, by name.
    SiteSystem(String),
    /// An alert, by id.
    Alert(String),
    /// A status message, by its sequence number.
    Status(i64),
    /// A log line (lines have no id, and the buffer drops old ones: the line itself).
    Log(Box<LogLineView>),
    /// A package, by id.
    Package(String),
}

impl Target {
    /// Row `i` of `node`.
    pub fn of_row(model: &Model, node: Node, i: usize) -> Option<Target> {
        Some(match node {
            Node::Cdps => Target::Service(model.cdps.get(i)?.id.clone()),
            Node::Cmgs => Target::Service(model.cmgs.get(i)?.id.clone()),
            Node::SiteSystems => Target::SiteSystem(model.site_systems.get(i)?.name.clone()),
            Node::Alerts => Target::Alert(model.alerts.get(i)?.id.clone()),
            Node::StatusMessages => Target::Status(model.status.get(i)?.id),
            Node::Logs => Target::Log(Box::new(model.logs.get(i)?.clone())),
            Node::Content => Target::Package(model.packages.get(i)?.id.clone()),
            Node::Overview => return None,
        })
    }

    /// Whether it has Properties (a form that changes it).
    pub fn has_properties(&self) -> bool {
        matches!(
            self,
            Target::Service(_) | Target::SiteSystem(_) | Target::Alert(_)
        )
    }
}

/// One line: a label (empty for a line of text of its own) and the value in runs.
#[derive(Debug, Clone, PartialEq)]
pub struct DocLine {
    /// The label, drawn in a column of its own; empty for free text and headings.
    pub key: String,
    /// The text in runs, each with the role it is drawn in.
    pub spans: Vec<(String, Role)>,
    /// A line that goes on the value above it (no label): drawn under the value column.
    pub under_value: bool,
}

/// The whole text of one row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Doc {
    /// What it is ("Status message 9409").
    pub title: String,
    /// Its lines.
    pub lines: Vec<DocLine>,
}

impl Doc {
    fn new(title: String) -> Doc {
        Doc {
            title: safe(&title),
            lines: Vec::new(),
        }
    }

    fn field(&mut self, key: &str, value: &str) {
        self.styled(key, value, Role::Text);
    }

    fn styled(&mut self, key: &str, value: &str, role: Role) {
        self.lines.push(DocLine {
            under_value: false,
            key: safe(key),
            spans: vec![(safe(value), role)],
        });
    }

    fn text(&mut self, text: &str, role: Role) {
        self.styled("", text, role);
    }

    fn heading(&mut self, text: &str) {
        self.blank();
        self.text(text, Role::Header);
    }

    fn blank(&mut self) {
        self.lines.push(DocLine {
            under_value: false,
            key: String::new(),
            spans: Vec::new(),
        });
    }

    /// The text as it reads, one line per line (`Label: value`), for the clipboard.
    pub fn plain(&self) -> String {
        let mut out = format!("{}\n", self.title);
        for l in &self.lines {
            let text: String = l.spans.iter().map(|(t, _)| t.as_str()).collect();
            match l.key.as_str() {
                "" if l.under_value => out.push_str(&format!("  {text}")),
                "" => out.push_str(&text),
                key => out.push_str(&format!("{key}: {text}")),
            }
            out.push('\n');
        }
        out
    }
}

fn safe(text: &str) -> String {
    display::terminal_safe(text).into_owned()
}

fn yes(on: bool) -> &'static str {
    if on { "Yes" } else { "No" }
}

fn time(t: Option<&str>) -> String {
    t.map_or_else(|| "never".into(), display::time)
}

/// The whole text of `target`, or `None` once it is gone from the model.
pub fn describe(model: &Model, target: &Target) -> Option<Doc> {
    match target {
        Target::Service(id) => model.service(id).map(|s| service(model, s)),
        Target::SiteSystem(name) => model
            .site_systems
            .iter()
            .find(|s| &s.name == name)
            .map(site_system),
        Target::Alert(id) => model
            .alerts
            .iter()
            .find(|a| &a.id == id)
            .map(|a| alert(model, a)),
        Target::Status(id) => model
            .status
            .iter()
            .find(|m| m.id == *id)
            .map(|m| status(model, m)),
        Target::Log(line) => Some(log(line)),
        Target::Package(id) => package(model, id),
    }
}

/// A CMG's connection points (state and server; instances or why not, on a line of its own so
/// it fits 80 columns) and its client traffic.
fn gateway(model: &Model, s: &ServiceView, d: &mut Doc) {
    let points = model.points_of(&s.id);
    for (n, p) in points.iter().enumerate() {
        d.lines.push(DocLine {
            under_value: n > 0,
            key: if n == 0 {
                "Connection points".into()
            } else {
                String::new()
            },
            // State and server first: a long name is what the pane cuts at 80 columns.
            spans: vec![
                (p.state.display_name().into(), gw::point_role(p.state)),
                (
                    safe(&format!(" on {} ({})", p.site_system, p.name)),
                    Role::Text,
                ),
            ],
        });
        if let Some(detail) = gw::point_detail(p) {
            d.lines.push(DocLine {
                under_value: true,
                key: String::new(),
                spans: vec![(safe(&detail), Role::Muted)],
            });
        }
    }
    if let Some(g) = &s.gateway {
        if points.is_empty() {
            d.styled("Connection points", "none", Role::AlertWarning);
        }
        d.field("Client channels", &g.notification_channels.to_string());
        d.field(
            "Requests/min",
            &format!(
                "{} ({} total, {} refused)",
                g.requests_per_minute, g.requests, g.refused
            ),
        );
    }
}

fn service(model: &Model, s: &ServiceView) -> Doc {
    let cmg = s.kind == HostedKind::Cmg;
    let what = if cmg {
        "Cloud management gateway"
    } else {
        "Cloud distribution point"
    };
    let mut d = Doc::new(format!("{what} {}", s.service_fqdn));
    d.field("Service FQDN", &s.service_fqdn);
    d.styled("Status", s.status.as_str(), state_role(s.status));
    if let Some(why) = &s.status_details {
        d.styled("Status details", why, Role::AlertWarning);
    }
    if cmg {
        gateway(model, s, &mut d);
    }
    let (text, role) = usage::used_detail(s, Figure::Storage);
    d.styled("Storage used", &text, role);
    let (text, role) = usage::used_detail(s, Figure::Transfer);
    d.styled(
        if cmg {
            "Outbound data 14 days"
        } else {
            "Transfer 30 days"
        },
        &text,
        role,
    );
    match &s.usage {
        Some(u) => {
            d.field(
                "Cost month to date",
                &usage::money(&u.cost.currency, u.cost.month_to_date_cents),
            );
            d.field(
                "Cost projected month",
                &usage::money(&u.cost.currency, u.cost.projected_month_cents),
            );
            if u.cost.illustrative {
                d.text(
                    "(illustrative prices: set [prices] in the config)",
                    Role::Muted,
                );
            }
        }
        None => d.styled("Cost month to date", "not collected yet", Role::Muted),
    }
    let (packages, failed) = packages_on(model, &s.id);
    d.styled(
        "Packages",
        &packages,
        if failed {
            Role::AlertWarning
        } else {
            Role::Text
        },
    );
    d.field("Subscription ID", &s.subscription_id);
    d.field("Region", &s.region);
    let instances: Vec<String> = s
        .instances
        .iter()
        .map(|i| format!("{} {}", i.id, i.state))
        .collect();
    d.field("Instances", &instances.join(", "));
    d.field(
        "Certificate",
        &format!(
            "{} (expires {})",
            s.certificate.thumbprint,
            display::date(&s.certificate.not_after)
        ),
    );
    d.field(
        "DNS CNAME",
        &format!("{} → {}", s.service_fqdn, s.cname_target),
    );
    d.field("Description", &s.description);
    if let Some(c) = s.cmg.as_ref().filter(|_| cmg) {
        d.field("VM size", &c.vm_size);
        d.field("VM instances", &s.vm_instances.to_string());
        d.field("Serve content", yes(c.serve_content));
        d.field("Enforce TLS 1.2", yes(c.enforce_tls12));
        d.field("Verify CRL", yes(c.check_crl));
        let roots: Vec<String> = c
            .trusted_roots
            .iter()
            .map(|r| format!("{:?} {}", r.kind, r.thumbprint))
            .collect();
        let roots = if roots.is_empty() {
            "none".to_string()
        } else {
            roots.join(", ")
        };
        d.field("Trusted roots", &roots);
    }
    d.heading("More");
    d.field("Deployment name", &s.name);
    d.field("Environment", &format!("{:?}", s.environment));
    d.field(
        "Resource group",
        s.resource_group.as_deref().unwrap_or("(none)"),
    );
    d.field(
        "Certificate name",
        s.certificate.subject_cn.as_deref().unwrap_or("(no CN)"),
    );
    for i in &s.instances {
        d.field(
            &format!("Instance {}", i.id),
            &format!("{} {}", i.state, i.address.as_deref().unwrap_or("")),
        );
    }
    // Usage is sampled, not live: say when, so no figure is read as now.
    if let Some(u) = &s.usage {
        d.field("Usage as of", &display::time(&u.collected));
    }
    d.field("Created", &display::time(&s.created));
    d.field("Changed", &display::time(&s.updated));
    let mut tasks: Vec<_> = model
        .tasks
        .values()
        .filter(|t| t.service_id == s.id)
        .collect();
    tasks.sort_by(|a, b| b.created.cmp(&a.created));
    if !tasks.is_empty() {
        d.heading("Tasks, newest first");
    }
    for t in tasks {
        let state = match t.state {
            TaskState::Created => "Created",
            TaskState::InProgress => "In Progress",
            TaskState::Completed => "Completed",
            TaskState::Failed => "Failed",
        };
        let step = t.step.map(|s| format!(", step {}", s.as_str()));
        let ended = t
            .ended
            .as_deref()
            .map(|e| format!(", ended {}", display::time(e)));
        d.styled(
            &format!("{:?}", t.kind),
            &format!(
                "{state}{} — started {}{}",
                step.unwrap_or_default(),
                display::time(&t.created),
                ended.unwrap_or_default()
            ),
            if t.state == TaskState::Failed {
                Role::StatusError
            } else {
                Role::Text
            },
        );
        if let Some(e) = &t.error {
            d.styled("", e, Role::StatusError);
        }
    }
    d
}

/// "2 (1 success, 1 failed)" and whether one failed.
fn packages_on(model: &Model, id: &str) -> (String, bool) {
    let dists = model.service_distributions(id);
    let mut counts: Vec<String> = Vec::new();
    for st in [
        DistributionState::Success,
        DistributionState::InProgress,
        DistributionState::Failed,
        DistributionState::Removing,
    ] {
        let n = dists.iter().filter(|d| d.state == st).count();
        if n > 0 {
            counts.push(format!(
                "{n} {}",
                usage::distribution_state(st).0.to_lowercase()
            ));
        }
    }
    let text = match dists.len() {
        0 => "none".to_string(),
        n => format!("{n} ({})", counts.join(", ")),
    };
    (
        text,
        dists.iter().any(|d| d.state == DistributionState::Failed),
    )
}

fn site_system(s: &SiteSystemView) -> Doc {
    let mut d = Doc::new(format!("Site system {}", s.name));
    d.field("Server", &s.name);
    d.field("Roles", &s.roles.join(", "));
    d.field("Use a proxy server", yes(s.proxy.enabled));
    d.field(
        "Proxy server name",
        s.proxy.server.as_deref().unwrap_or_default(),
    );
    d.field("Port", &s.proxy.port.to_string());
    d.field(
        "Proxy account",
        s.proxy.account.as_deref().unwrap_or("none"),
    );
    d
}

fn severity_role(s: Severity) -> Role {
    match s {
        Severity::Critical => Role::AlertCritical,
        Severity::Warning => Role::AlertWarning,
        Severity::Informational => Role::AlertInfo,
    }
}

fn level_role(l: Level) -> Role {
    match l {
        Level::Info => Role::LogInfo,
        Level::Warning => Role::LogWarning,
        Level::Error => Role::LogError,
    }
}

/// The details of an alert's last occurrence, one `key: value` a line (nested values as JSON);
/// the detail view and the alert's form both show them.
pub(crate) fn details(value: &serde_json::Value) -> Vec<(String, String)> {
    match value {
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect(),
        serde_json::Value::String(s) => vec![(String::new(), s.clone())],
        other => vec![(String::new(), other.to_string())],
    }
}

fn alert(model: &Model, a: &AlertView) -> Doc {
    let mut d = Doc::new(format!("Alert {}", a.name));
    d.field("Name", &a.name);
    d.styled(
        "Severity",
        a.severity.display_name(),
        severity_role(a.severity),
    );
    d.field("State", a.state.display_name());
    d.field("Type", a.type_id.as_str());
    let fqdn = super::rows::alert_service(model, a);
    d.field(
        "Service",
        if fqdn.is_empty() { "(the site)" } else { &fqdn },
    );
    d.field("Occurrences", &a.occurrences.to_string());
    d.field("First seen", &time(a.first_seen.as_deref()));
    d.field("Last seen", &time(a.last_seen.as_deref()));
    d.field("Evaluated", yes(a.enabled));
    if let Some(u) = &a.skip_until {
        d.field("Postponed until", &display::time(u));
    }
    if let Some(c) = &a.closed_by {
        d.field("Closed by", c);
    }
    let lines = details(&a.details);
    if !lines.is_empty() {
        d.heading("Details of the last occurrence");
        for (k, v) in lines {
            d.field(&k, &v);
        }
    }
    if !a.comments.is_empty() {
        d.heading("Comments, oldest first");
        for c in &a.comments {
            d.field(
                &format!("{} {}", display::time(&c.time), safe(&c.author)),
                &c.text,
            );
        }
    }
    d
}

fn status(model: &Model, m: &StatusMessageView) -> Doc {
    let mut d = Doc::new(format!("Status message {}", m.message_id));
    d.field("Message ID", &m.message_id.to_string());
    d.styled(
        "Severity",
        &format!("{:?}", m.severity),
        level_role(m.severity),
    );
    d.field("Component", &m.component);
    let fqdn = super::rows::service_fqdn(model, m.service_id.as_deref());
    if !fqdn.is_empty() {
        d.field("Service", &fqdn);
    }
    d.field("Time", &display::time(&m.time));
    d.heading("Description");
    d.text(&m.text, Role::Text);
    d
}

fn log(l: &LogLineView) -> Doc {
    let mut d = Doc::new(format!("{} line", l.file));
    d.field("Log", &l.file);
    d.field("Time", &display::time(&l.time));
    d.field("Component", &l.component);
    d.styled("Severity", &format!("{:?}", l.level), level_role(l.level));
    d.heading("Message");
    d.text(&l.message, level_role(l.level));
    d
}

fn package(model: &Model, id: &str) -> Option<Doc> {
    let p = model.packages.iter().find(|p| p.id == id)?;
    let mut d = Doc::new(format!("Package {} {}", p.id, p.name));
    d.field("Package", &format!("{} {}", p.id, p.name));
    let (state, role) = match p.state {
        PackageState::Uploading => ("Uploading", Role::StatusProvisioning),
        PackageState::Ready => ("Ready", Role::StatusReady),
    };
    d.lines.push(DocLine {
        under_value: false,
        key: "Type · state".into(),
        spans: vec![
            (
                format!("{} · ", super::rows::type_label(p.content_type)),
                Role::Text,
            ),
            (state.into(), role),
        ],
    });
    d.field(
        "Size",
        &format!(
            "{} in {} file{}",
            display::size(p.size),
            p.files.len(),
            if p.files.len() == 1 { "" } else { "s" }
        ),
    );
    d.field("Created", &display::time(&p.created));
    let dists = model.package_distributions(&p.id);
    d.heading("Distribution status");
    if dists.is_empty() {
        d.text("Not distributed to any service.", Role::Muted);
    }
    for x in dists {
        let (st, role) = usage::distribution_state(x.state);
        d.lines.push(DocLine {
            under_value: false,
            key: safe(&x.service_fqdn),
            spans: vec![
                (st.into(), role),
                (format!(" · {}", display::size(x.size)), Role::Text),
            ],
        });
        if let Some(why) = &x.reason {
            let role = if x.state == DistributionState::Failed {
                Role::StatusError
            } else {
                Role::Muted
            };
            d.styled("", why, role);
        }
    }
    d.heading("Files");
    for f in &p.files {
        let hash = f
            .sha256
            .as_deref()
            .map(|h| format!(" · SHA-256 {h}"))
            .unwrap_or_default();
        d.field(&f.name, &format!("{}{hash}", display::size(f.size)));
    }
    Some(d)
}
