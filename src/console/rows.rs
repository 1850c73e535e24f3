//! What each list holds: its rows in order, the text of every column a row shows (what the
//! filter searches, so `/` finds whatever the eye finds), and which rows the filter and the
//! service scope let through. The tables draw the same rows; nothing here draws.

use super::model::Model;
use super::node::Node;
use super::ui::usage::{self, Figure};
use crate::api::wire::{AlertView, LogLineView, ServiceView};
use crate::display;
use crate::domain::content::ContentType;

/// One service the Logs and Alerts lists can be narrowed to (`l` and `a` on a service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Service id.
    pub id: String,
    /// Its Service FQDN (what the title says).
    pub fqdn: String,
    /// Its deployment name.
    pub name: String,
}

impl Scope {
    /// The scope of service `s`.
    pub fn of(s: &ServiceView) -> Scope {
        Scope {
            id: s.id.clone(),
            fqdn: s.service_fqdn.clone(),
            name: s.name.clone(),
        }
    }

    /// An alert raised for this service.
    pub fn alert(&self, a: &AlertView) -> bool {
        a.service_id.as_deref() == Some(self.id.as_str())
    }

    /// A log line about this service: its file is the service's own (`CloudDP-<name>.log`,
    /// `CMG-<name>-…`) or its text names the service. Log lines carry no service id, so
    /// naming is what there is; a general line such as "Starting to Deploy Service" belongs
    /// to no one service and is left out.
    pub fn log(&self, l: &LogLineView) -> bool {
        self.named_in(&l.file) || self.named_in(&l.message)
    }

    fn named_in(&self, text: &str) -> bool {
        let text = text.to_ascii_lowercase();
        [&self.fqdn, &self.name]
            .iter()
            .filter(|n| !n.is_empty())
            .any(|n| word_in(&text, &n.to_ascii_lowercase()))
    }
}

/// Whether `word` is in `text` with no letter or digit right before or after it: `cdp1` is
/// in `CloudDP-cdp1.log` and `cdp1.contoso.com`, not in `cdp10`.
fn word_in(text: &str, word: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    text.match_indices(word).any(|(i, _)| {
        !alnum(text[..i].chars().next_back()) && !alnum(text[i + word.len()..].chars().next())
    })
}

/// How many rows node `node` holds before filtering.
pub fn len(model: &Model, node: Node) -> usize {
    match node {
        Node::Cdps => model.cdps.len(),
        Node::Cmgs => model.cmgs.len(),
        Node::SiteSystems => model.site_systems.len(),
        Node::Alerts => model.alerts.len(),
        Node::StatusMessages => model.status.len(),
        Node::Logs => model.logs.len(),
        Node::Content => model.packages.len(),
        Node::Overview => 0,
    }
}

/// The service row `i` of a CDP or CMG list.
pub fn service(model: &Model, node: Node, i: usize) -> Option<&ServiceView> {
    match node {
        Node::Cdps => model.cdps.get(i),
        Node::Cmgs => model.cmgs.get(i),
        _ => None,
    }
}

/// The proxy column of a site system.
pub fn proxy_text(s: &crate::api::wire::SiteSystemView) -> String {
    match (&s.proxy.enabled, &s.proxy.server) {
        (true, Some(server)) => format!("{server}:{}", s.proxy.port),
        _ => "none".into(),
    }
}

/// The service an alert is about: the FQDN the site sends with it, else the one the model
/// knows by its id (an alert outlives a deleted service; the site still names it).
pub fn alert_service(model: &Model, a: &AlertView) -> String {
    a.service_fqdn
        .clone()
        .unwrap_or_else(|| service_fqdn(model, a.service_id.as_deref()))
}

/// The service an alert or status message is about, by its FQDN.
pub fn service_fqdn(model: &Model, id: Option<&str>) -> String {
    id.and_then(|id| model.service(id))
        .map(|s| s.service_fqdn.clone())
        .unwrap_or_default()
}

/// The text of every column row `i` of `node` can show — the short and the long form of a
/// figure both — and what a row carries without a column of its own (a log line's file).
pub fn texts(model: &Model, node: Node, i: usize) -> Vec<String> {
    let short = |t: Option<&str>| t.map(display::short_time).unwrap_or_default();
    match node {
        Node::Cdps | Node::Cmgs => service(model, node, i)
            .map(|s| {
                let mut v = vec![
                    s.service_fqdn.clone(),
                    s.name.clone(),
                    s.status.as_str().to_string(),
                    s.region.clone(),
                    s.description.clone(),
                    s.vm_instances.to_string(),
                ];
                for which in [Figure::Storage, Figure::Transfer] {
                    v.push(usage::used_of_quota(s, which).0);
                    v.push(usage::used_compact(s, which).0);
                }
                if let Some(c) = &s.cmg {
                    v.push(if c.serve_content { "Yes" } else { "No" }.into());
                }
                v
            })
            .unwrap_or_default(),
        Node::SiteSystems => model
            .site_systems
            .get(i)
            .map(|s| vec![s.name.clone(), proxy_text(s), s.roles.join(", ")])
            .unwrap_or_default(),
        Node::Alerts => model
            .alerts
            .get(i)
            .map(|a| {
                vec![
                    a.severity.display_name().to_string(),
                    a.state.display_name().to_string(),
                    a.name.clone(),
                    alert_service(model, a),
                    short(a.first_seen.as_deref()),
                    short(a.last_seen.as_deref()),
                    a.occurrences.to_string(),
                ]
            })
            .unwrap_or_default(),
        Node::StatusMessages => model
            .status
            .get(i)
            .map(|m| {
                vec![
                    short(Some(&m.time)),
                    format!("{:?}", m.severity),
                    m.message_id.to_string(),
                    m.text.clone(),
                ]
            })
            .unwrap_or_default(),
        Node::Logs => model
            .logs
            .get(i)
            .map(|l| vec![short(Some(&l.time)), l.file.clone(), l.message.clone()])
            .unwrap_or_default(),
        Node::Content => model
            .packages
            .get(i)
            .map(|p| {
                vec![
                    p.id.clone(),
                    p.name.clone(),
                    format!("{:?}", p.state),
                    model.package_distributions(&p.id).len().to_string(),
                    display::size(p.size),
                    type_label(p.content_type).to_string(),
                ]
            })
            .unwrap_or_default(),
        Node::Overview => Vec::new(),
    }
}

/// Whether row `i` of `node` shows `needle` (lower case) in any column, as drawn: made safe
/// for the terminal first, so what is typed is what is seen.
fn matches(model: &Model, node: Node, i: usize, needle: &str) -> bool {
    texts(model, node, i)
        .iter()
        .any(|t| display::terminal_safe(t).to_lowercase().contains(needle))
}

/// The rows of `node` shown, in order: those in `scope` (Logs and Alerts) that show `filter`
/// (case-insensitive) in some column.
pub fn visible(model: &Model, node: Node, filter: &str, scope: Option<&Scope>) -> Vec<usize> {
    let needle = filter.trim().to_lowercase();
    (0..len(model, node))
        .filter(|&i| match (node, scope) {
            (Node::Logs, Some(s)) => model.logs.get(i).is_some_and(|l| s.log(l)),
            (Node::Alerts, Some(s)) => model.alerts.get(i).is_some_and(|a| s.alert(a)),
            _ => true,
        })
        .filter(|&i| needle.is_empty() || matches(model, node, i, &needle))
        .collect()
}

/// A content type as the console names it (short enough for the list).
pub fn type_label(t: ContentType) -> &'static str {
    match t {
        ContentType::Application => "Application",
        ContentType::Package => "Package",
        ContentType::OsUpgrade => "OS upgrade",
        ContentType::ThirdPartyUpdate => "3rd-party",
        ContentType::SoftwareUpdate => "SW update",
        ContentType::AppVStreaming => "App-V",
        ContentType::BootImage => "Boot image",
        ContentType::Prestaged => "Prestaged",
        ContentType::M365AppsUpdate => "M365 Apps",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_found_only_as_a_whole_word() {
        assert!(word_in("clouddp-cdp1.log", "cdp1"));
        assert!(word_in("deleting service cdp1 and its content", "cdp1"));
        assert!(word_in("cdp1.contoso.com is ready", "cdp1"));
        assert!(!word_in("cdp10.contoso.com", "cdp1"));
        assert!(!word_in("xcdp1", "cdp1"));
    }
}
