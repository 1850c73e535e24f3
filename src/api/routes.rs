//! The paths of the `/v1` API, built in one place. The site service declares the same routes
//! on its handlers (and in its OpenAPI document); a test checks that every template here is
//! one the site documents, so a client cannot drift from the server.

use crate::domain::service::HostedKind;

/// Every route template a client calls, as the OpenAPI document spells it.
pub const TEMPLATES: &[&str] = &[
    "/v1/site",
    "/v1/site-systems",
    "/v1/site-systems/{name}/proxy",
    "/v1/client-settings",
    "/v1/tokens",
    "/v1/cdps",
    "/v1/cdps/{id}",
    "/v1/cdps/{id}/start",
    "/v1/cdps/{id}/stop",
    "/v1/cmgs",
    "/v1/cmgs/{id}",
    "/v1/cmgs/{id}/start",
    "/v1/cmgs/{id}/stop",
    "/v1/cmgs/{id}/sync",
    "/v1/cmgs/{id}/connection-points",
    "/v1/cmgs/{id}/analyze",
    "/v1/connection-points",
    "/v1/connection-points/{id}/channel",
    "/v1/connection-points/{id}/state",
    "/v1/connection-points/{id}/presence",
    "/v1/client-notifications",
    "/v1/subscriptions/validate",
    "/v1/lab/subscriptions",
    "/v1/tasks",
    "/v1/tasks/{id}",
    "/v1/status-messages",
    "/v1/alerts",
    "/v1/alerts/{id}/postpone",
    "/v1/alerts/{id}/close",
    "/v1/alerts/{id}/disable",
    "/v1/alerts/{id}/enable",
    "/v1/logs",
    "/v1/logs/{file}",
    "/v1/events",
    "/v1/content",
    "/v1/content/{id}",
    "/v1/content/{id}/files/{name}",
    "/v1/content/{id}/distribute",
    "/v1/content/{id}/redistribute",
    "/v1/content/{id}/remove",
    "/v1/distributions",
    "/v1/mp/content-locations",
    "/v1/mp/policy",
    "/v1/mp/notifications",
    "/v1/sup/catalog",
];

/// Characters kept as they are in a path segment (RFC 3986 unreserved); everything else is
/// percent-encoded, so a file or server name can hold spaces, `#` or `?`.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One path segment, encoded.
fn seg(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, SEGMENT).to_string()
}

/// A query parameter value, encoded.
fn query(text: &str) -> String {
    seg(text)
}

/// `/v1/site`.
pub fn site() -> String {
    "/v1/site".into()
}

/// `/v1/site-systems`.
pub fn site_systems() -> String {
    "/v1/site-systems".into()
}

/// A site system's Proxy tab.
pub fn proxy(site_system: &str) -> String {
    format!("/v1/site-systems/{}/proxy", seg(site_system))
}

/// `/v1/client-settings`.
pub fn client_settings() -> String {
    "/v1/client-settings".into()
}

/// `/v1/tokens`.
pub fn tokens() -> String {
    "/v1/tokens".into()
}

fn kind_root(kind: HostedKind) -> &'static str {
    match kind {
        HostedKind::Cdp => "/v1/cdps",
        HostedKind::Cmg => "/v1/cmgs",
    }
}

/// Every CDP or every CMG.
pub fn services(kind: HostedKind) -> String {
    kind_root(kind).into()
}

/// One CDP or CMG, by id, Service FQDN or name.
pub fn service(kind: HostedKind, key: &str) -> String {
    format!("{}/{}", kind_root(kind), seg(key))
}

/// A service action: `start`, `stop` or `sync`.
pub fn service_action(kind: HostedKind, key: &str, verb: &str) -> String {
    format!("{}/{verb}", service(kind, key))
}

/// A CMG's connection points.
pub fn cmg_connection_points(cmg: &str) -> String {
    format!("{}/connection-points", service(HostedKind::Cmg, cmg))
}

/// The connection analyzer of a CMG.
pub fn cmg_analyze(cmg: &str) -> String {
    format!("{}/analyze", service(HostedKind::Cmg, cmg))
}

/// Every CMG connection point.
pub fn connection_points() -> String {
    "/v1/connection-points".into()
}

/// What a connection point needs to open its channels.
pub fn channel_config(id: &str) -> String {
    format!("/v1/connection-points/{}/channel", seg(id))
}

/// Where a connection point reports its channels.
pub fn connection_point_state(id: &str) -> String {
    format!("/v1/connection-points/{}/state", seg(id))
}

/// The request a connection point holds open while it runs.
pub fn connection_point_presence(id: &str) -> String {
    format!("/v1/connection-points/{}/presence", seg(id))
}

/// Client notifications (push a message to every held client).
pub fn client_notifications() -> String {
    "/v1/client-notifications".into()
}

/// "Validate on Next".
pub fn validate_subscription() -> String {
    "/v1/subscriptions/validate".into()
}

/// A lab subscription registered with the site's own local cloud.
pub fn lab_subscriptions() -> String {
    "/v1/lab/subscriptions".into()
}

/// Tasks, optionally of one service, at most `limit`.
pub fn tasks(service: Option<&str>, limit: Option<u32>) -> String {
    with_query("/v1/tasks", service, limit)
}

/// One task.
pub fn task(id: &str) -> String {
    format!("/v1/tasks/{}", seg(id))
}

/// Status messages, optionally of one service, at most `limit`.
pub fn status_messages(service: Option<&str>, limit: Option<u32>) -> String {
    with_query("/v1/status-messages", service, limit)
}

fn with_query(path: &str, service: Option<&str>, limit: Option<u32>) -> String {
    let mut params = Vec::new();
    if let Some(s) = service {
        params.push(format!("service={}", query(s)));
    }
    if let Some(l) = limit {
        params.push(format!("limit={l}"));
    }
    if params.is_empty() {
        path.into()
    } else {
        format!("{path}?{}", params.join("&"))
    }
}

/// Every alert.
pub fn alerts() -> String {
    "/v1/alerts".into()
}

/// An alert action: `postpone`, `close`, `disable` or `enable`.
pub fn alert_action(id: &str, verb: &str) -> String {
    format!("/v1/alerts/{}/{verb}", seg(id))
}

/// The log files.
pub fn logs() -> String {
    "/v1/logs".into()
}

/// The last `tail` lines of a log.
pub fn log(file: &str, tail: Option<usize>) -> String {
    match tail {
        Some(t) => format!("/v1/logs/{}?tail={t}", seg(file)),
        None => format!("/v1/logs/{}", seg(file)),
    }
}

/// The event stream.
pub fn events() -> String {
    "/v1/events".into()
}

/// The content library.
pub fn packages() -> String {
    "/v1/content".into()
}

/// One package, by id or name.
pub fn package(key: &str) -> String {
    format!("/v1/content/{}", seg(key))
}

/// One file of a package.
pub fn package_file(id: &str, name: &str) -> String {
    format!("{}/files/{}", package(id), seg(name))
}

/// A distribution action: `distribute`, `redistribute` or `remove`.
pub fn package_action(key: &str, verb: &str) -> String {
    format!("{}/{verb}", package(key))
}

/// Distributions, optionally of one service.
pub fn distributions(service: Option<&str>) -> String {
    match service {
        Some(s) => format!("/v1/distributions?service={}", query(s)),
        None => "/v1/distributions".into(),
    }
}

/// The management point's content-location request (intranet clients and, later, the CMG).
pub fn content_locations() -> String {
    "/v1/mp/content-locations".into()
}

/// The management point's client policy.
pub fn policy() -> String {
    "/v1/mp/policy".into()
}

/// The management point's notification channel a client holds open.
pub fn notifications() -> String {
    super::mappings::NOTIFICATIONS_PATH.into()
}

/// The software update point's catalog.
pub fn sup_catalog() -> String {
    "/v1/sup/catalog".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The template a built path matches: each `{param}` segment matches any segment.
    fn matches(template: &str, path: &str) -> bool {
        let path = path.split('?').next().unwrap_or(path);
        let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
        t.len() == p.len()
            && t.iter()
                .zip(&p)
                .all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
    }

    #[test]
    fn every_built_path_is_a_template_and_segments_are_encoded() {
        let built = [
            site(),
            site_systems(),
            proxy("SITE SRV"),
            client_settings(),
            tokens(),
            services(HostedKind::Cdp),
            service(HostedKind::Cmg, "cmg1.contoso.com"),
            service_action(HostedKind::Cmg, "c", "sync"),
            cmg_connection_points("c"),
            cmg_analyze("c"),
            connection_points(),
            validate_subscription(),
            lab_subscriptions(),
            tasks(Some("s 1"), Some(5)),
            task("t"),
            status_messages(None, Some(500)),
            alerts(),
            alert_action("a", "postpone"),
            logs(),
            log("CloudMgr.log", Some(10)),
            events(),
            packages(),
            package("PS100001"),
            package_file("PS100001", "setup #2?.msi"),
            package_action("Tools", "remove"),
            distributions(Some("cdp1")),
            content_locations(),
            channel_config("c p"),
            connection_point_state("cp"),
            connection_point_presence("cp"),
            client_notifications(),
            policy(),
            notifications(),
            sup_catalog(),
        ];
        for path in &built {
            assert!(
                TEMPLATES.iter().any(|t| matches(t, path)),
                "{path} matches no template"
            );
        }
        assert_eq!(proxy("SITE SRV"), "/v1/site-systems/SITE%20SRV/proxy");
        assert_eq!(
            package_file("PS100001", "setup #2?.msi"),
            "/v1/content/PS100001/files/setup%20%232%3F.msi"
        );
        assert_eq!(
            tasks(Some("s 1"), Some(5)),
            "/v1/tasks?service=s%201&limit=5"
        );
        assert_eq!(status_messages(None, None), "/v1/status-messages");
    }
}
