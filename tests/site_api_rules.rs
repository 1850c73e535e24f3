//! The site API's rules over real HTTP against an in-process site: every mutating route refuses
//! a missing, unknown or read-only token (and changes nothing), the OpenAPI document lists
//! exactly the routes, every validation rule answers 4xx naming the field and the rule, and no
//! secret rests in the clear in the database, the logs or an API answer.

mod common;
mod site_support;

use cloudsite::api::client::Client;
use cloudsite::api::wire::{
    Accepted, ClientSettings, ConnectionPointView, ServiceView, SetProxy, SiteSystemView, TaskView,
    ThresholdInput, TrustedRootUpload, Updated,
};
use cloudsite::cert::Options;
use cloudsite::domain::proxy::ProxySettings;
use cloudsite::domain::service::ServiceState;
use cloudsite::domain::task::TaskState;
use serde::Serialize;
use serde_json::{Value, json};
use site_support::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

/// Every route of `src/site/server/mod.rs`, as (method, OpenAPI path).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/v1/cdps"),
    ("post", "/v1/cdps"),
    ("get", "/v1/cdps/{id}"),
    ("patch", "/v1/cdps/{id}"),
    ("delete", "/v1/cdps/{id}"),
    ("post", "/v1/cdps/{id}/start"),
    ("post", "/v1/cdps/{id}/stop"),
    ("get", "/v1/cmgs"),
    ("post", "/v1/cmgs"),
    ("get", "/v1/cmgs/{id}"),
    ("patch", "/v1/cmgs/{id}"),
    ("delete", "/v1/cmgs/{id}"),
    ("post", "/v1/cmgs/{id}/start"),
    ("post", "/v1/cmgs/{id}/stop"),
    ("post", "/v1/cmgs/{id}/sync"),
    ("get", "/v1/cmgs/{id}/connection-points"),
    ("post", "/v1/cmgs/{id}/connection-points"),
    ("post", "/v1/cmgs/{id}/analyze"),
    ("get", "/v1/connection-points"),
    ("get", "/v1/connection-points/{id}/channel"),
    ("put", "/v1/connection-points/{id}/state"),
    ("get", "/v1/connection-points/{id}/presence"),
    ("post", "/v1/client-notifications"),
    ("post", "/v1/subscriptions/validate"),
    ("post", "/v1/lab/subscriptions"),
    ("get", "/v1/site"),
    ("get", "/v1/site-systems"),
    ("get", "/v1/site-systems/{name}/proxy"),
    ("put", "/v1/site-systems/{name}/proxy"),
    ("get", "/v1/client-settings"),
    ("put", "/v1/client-settings"),
    ("post", "/v1/tokens"),
    ("get", "/v1/tasks"),
    ("get", "/v1/tasks/{id}"),
    ("get", "/v1/status-messages"),
    ("get", "/v1/alerts"),
    ("post", "/v1/alerts/{id}/postpone"),
    ("post", "/v1/alerts/{id}/close"),
    ("post", "/v1/alerts/{id}/disable"),
    ("post", "/v1/alerts/{id}/enable"),
    ("get", "/v1/logs"),
    ("get", "/v1/logs/{file}"),
    ("get", "/v1/events"),
    ("get", "/v1/content"),
    ("post", "/v1/content"),
    ("get", "/v1/content/{id}"),
    ("delete", "/v1/content/{id}"),
    ("put", "/v1/content/{id}/files/{name}"),
    ("post", "/v1/content/{id}/distribute"),
    ("post", "/v1/content/{id}/redistribute"),
    ("post", "/v1/content/{id}/remove"),
    ("get", "/v1/distributions"),
    ("post", "/v1/mp/content-locations"),
    ("get", "/v1/mp/policy"),
    ("get", "/v1/mp/notifications"),
    ("get", "/v1/sup/catalog"),
];

/// GET routes that need a Full or Infrastructure Administrator token: a connection point's
/// channel configuration holds its private key, and its presence changes what the site shows.
const WRITER_GETS: &[&str] = &[
    "/v1/connection-points/{id}/channel",
    "/v1/connection-points/{id}/presence",
];

/// A well-formed token the site never issued.
const UNKNOWN_TOKEN: &str = "cs_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("serialise")
}

/// What the site looks like from a reader, to prove a refused request changed nothing.
#[derive(Debug, PartialEq)]
struct Snapshot {
    cdps: Vec<(String, String, ServiceState, String, u8)>,
    cmgs: Vec<(String, String, ServiceState, String, u8)>,
    connection_points: usize,
    proxy: ProxySettings,
    client_settings: ClientSettings,
    tasks: Vec<(String, TaskState)>,
    packages: Vec<serde_json::Value>,
}

fn summary(v: Vec<ServiceView>) -> Vec<(String, String, ServiceState, String, u8)> {
    let mut out: Vec<_> = v
        .into_iter()
        .map(|s| {
            (
                s.id,
                s.service_fqdn,
                s.status,
                s.description,
                s.vm_instances,
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

async fn snapshot(c: &Client) -> Snapshot {
    let cdps: Vec<ServiceView> = c.get("/v1/cdps").await.expect("list cdps");
    let cmgs: Vec<ServiceView> = c.get("/v1/cmgs").await.expect("list cmgs");
    let cps: Vec<ConnectionPointView> = c
        .get("/v1/connection-points")
        .await
        .expect("connection points");
    let proxy: ProxySettings = c
        .get(&format!("/v1/site-systems/{SERVER_NAME}/proxy"))
        .await
        .expect("proxy");
    let client_settings: ClientSettings =
        c.get("/v1/client-settings").await.expect("client settings");
    let tasks: Vec<TaskView> = c.get("/v1/tasks").await.expect("tasks");
    let mut tasks: Vec<(String, TaskState)> = tasks.into_iter().map(|t| (t.id, t.state)).collect();
    tasks.sort_by(|a, b| a.0.cmp(&b.0));
    let packages: Vec<serde_json::Value> = c.get("/v1/content").await.expect("packages");
    Snapshot {
        packages,
        cdps: summary(cdps),
        cmgs: summary(cmgs),
        connection_points: cps.len(),
        proxy,
        client_settings,
        tasks,
    }
}

/// Collects every broken expectation so one run reports them all.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.0.push(what());
        }
    }

    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} broken expectation(s):\n  - {}",
            self.0.len(),
            self.0.join("\n  - ")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Authentication and roles, route by route; the OpenAPI document.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_refuses_missing_unknown_and_read_only_tokens() {
    let mut site = Site::start().await;
    let lab = site.lab.clone();
    let cdp = site
        .create_cdp_ready(&lab.cdp("cdp1.lab.contoso.com"))
        .await;
    let cmg = site
        .create_cmg_ready(&lab.cmg("cmg1.lab.contoso.com"))
        .await;
    let tasks: Vec<TaskView> = site.admin.get("/v1/tasks").await.expect("tasks");
    let task_id = tasks.first().expect("a create task").id.clone();
    let package: serde_json::Value = site
        .admin
        .post(
            "/v1/content",
            &json!({"name": "Tools", "content_type": "package", "files": [{"name": "a.bin", "size": 3}]}),
        )
        .await
        .expect("a package");
    let pkg = package["package"]["id"]
        .as_str()
        .expect("package id")
        .to_string();
    // An external connection point: the site service runs none itself, so it makes no token.
    let point: ConnectionPointView = site
        .admin
        .post(
            &format!("/v1/cmgs/{}/connection-points", cmg.id),
            &json!({"site_system": "CPSERVER2", "external": true}),
        )
        .await
        .expect("an external connection point");
    let before = snapshot(&site.admin).await;
    assert_eq!((before.cdps.len(), before.cmgs.len()), (1, 1));

    // Each mutating route with a body that would succeed for an administrator.
    let (c, m) = (cdp.id.as_str(), cmg.id.as_str());
    let cp = point.id.as_str();
    let p = pkg.as_str();
    let mutating: Vec<(&str, String, Option<Value>)> = vec![
        (
            "POST",
            "/v1/cdps".into(),
            Some(to_json(&lab.cdp("cdp2.lab.contoso.com"))),
        ),
        (
            "PATCH",
            format!("/v1/cdps/{c}"),
            Some(json!({"description": "changed by a reader"})),
        ),
        ("DELETE", format!("/v1/cdps/{c}"), None),
        ("POST", format!("/v1/cdps/{c}/start"), None),
        ("POST", format!("/v1/cdps/{c}/stop"), None),
        (
            "POST",
            "/v1/cmgs".into(),
            Some(to_json(&lab.cmg("cmg2.lab.contoso.com"))),
        ),
        (
            "PATCH",
            format!("/v1/cmgs/{m}"),
            Some(json!({"description": "changed by a reader", "vm_instances": 2})),
        ),
        ("DELETE", format!("/v1/cmgs/{m}"), None),
        ("POST", format!("/v1/cmgs/{m}/start"), None),
        ("POST", format!("/v1/cmgs/{m}/stop"), None),
        ("POST", format!("/v1/cmgs/{m}/sync"), None),
        ("POST", format!("/v1/cmgs/{m}/analyze"), Some(json!({}))),
        (
            "POST",
            format!("/v1/cmgs/{m}/connection-points"),
            Some(json!({"site_system": SERVER_NAME})),
        ),
        (
            "PUT",
            format!("/v1/connection-points/{cp}/state"),
            Some(
                json!({"channels": [{"instance": "CMG_IN_0", "state": "connected", "transport": "tcp_tls"}]}),
            ),
        ),
        (
            "POST",
            "/v1/client-notifications".into(),
            Some(json!({"message": "from a reader"})),
        ),
        (
            "PUT",
            format!("/v1/site-systems/{SERVER_NAME}/proxy"),
            Some(json!({"enabled": true, "server": "proxy.contoso.com", "port": 8080})),
        ),
        (
            "PUT",
            "/v1/client-settings".into(),
            Some(json!({"allow_cloud_dp": true})),
        ),
        (
            "POST",
            "/v1/tokens".into(),
            Some(json!({"name": "intruder", "role": "full-admin"})),
        ),
        (
            "POST",
            "/v1/lab/subscriptions".into(),
            Some(
                json!({"subscription_id": "6b8b6f3e-0000-4000-8000-000000000001", "management_certificate_base64": ""}),
            ),
        ),
        // Alerts: the role is checked before the id is looked up.
        (
            "POST",
            format!("/v1/alerts/{c}/postpone"),
            Some(json!({"until": "2099-01-01T00:00:00Z", "comment": "by a reader"})),
        ),
        (
            "POST",
            format!("/v1/alerts/{c}/close"),
            Some(json!({"comment": "by a reader"})),
        ),
        ("POST", format!("/v1/alerts/{c}/disable"), None),
        ("POST", format!("/v1/alerts/{c}/enable"), None),
        (
            "POST",
            "/v1/content".into(),
            Some(
                json!({"name": "Other", "content_type": "package", "files": [{"name": "b.bin", "size": 1}]}),
            ),
        ),
        ("DELETE", format!("/v1/content/{p}"), None),
        (
            "PUT",
            format!("/v1/content/{p}/files/a.bin"),
            Some(json!("abc")),
        ),
        (
            "POST",
            format!("/v1/content/{p}/distribute"),
            Some(json!({"services": [c]})),
        ),
        (
            "POST",
            format!("/v1/content/{p}/redistribute"),
            Some(json!({"services": []})),
        ),
        (
            "POST",
            format!("/v1/content/{p}/remove"),
            Some(json!({"services": [c]})),
        ),
    ];
    // Every mutating route of ROUTES is in the list above (validate is a read: Reader).
    let covered: BTreeSet<(String, String)> = mutating
        .iter()
        .map(|(meth, p, _)| {
            let p = p
                .replace(c, "{id}")
                .replace(m, "{id}")
                .replace(cp, "{id}")
                .replace(&pkg, "{id}")
                .replace("a.bin", "{name}")
                .replace(SERVER_NAME, "{name}");
            (meth.to_ascii_lowercase(), p)
        })
        .collect();
    // The validate and management-point POSTs are reads: any role may ask.
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .filter(|(meth, p)| {
            *meth != "get" && *p != "/v1/subscriptions/validate" && *p != "/v1/mp/content-locations"
        })
        .map(|(meth, p)| (meth.to_string(), p.to_string()))
        .collect();
    assert_eq!(covered, expected, "the test covers every mutating route");

    let mut f = Failures::default();
    let writer_gets: Vec<String> = vec![
        format!("/v1/connection-points/{cp}/channel"),
        format!("/v1/connection-points/{cp}/presence"),
    ];
    let mutating: Vec<(&str, String, Option<Value>)> = mutating
        .into_iter()
        .chain(writer_gets.iter().map(|p| ("GET", p.clone(), None)))
        .collect();
    for (method, path, body) in &mutating {
        for (who, token, want) in [
            ("no token", None, 401),
            ("a garbage token", Some("garbage"), 401),
            ("an unknown token", Some(UNKNOWN_TOKEN), 401),
            ("an empty bearer", Some(""), 401),
            ("a read-only token", Some(site.read_token.as_str()), 403),
        ] {
            let (status, answer) = site.raw(method, path, token, body.as_ref()).await;
            f.check(status == want, || {
                format!("{method} {path} with {who}: {status} (want {want}) {answer}")
            });
            let code = answer["error"]["code"].as_str().unwrap_or_default();
            let want_code = if want == 401 {
                "unauthorized"
            } else {
                "forbidden"
            };
            f.check(code == want_code, || {
                format!(
                    "{method} {path} with {who}: error code {code:?} (want {want_code}) in {answer}"
                )
            });
            f.check(answer.get("token").is_none(), || {
                format!("{method} {path} with {who} handed out a token")
            });
        }
    }
    // Infrastructure Administrators change things but do not manage tokens.
    let (status, answer) = site
        .raw(
            "POST",
            "/v1/tokens",
            Some(&site.infra_token),
            Some(&json!({"name": "escalate", "role": "full-admin"})),
        )
        .await;
    f.check(status == 403, || {
        format!("POST /v1/tokens with infra-admin: {status} {answer}")
    });
    // Nor register lab subscriptions with the site's cloud.
    let (status, answer) = site
        .raw(
            "POST",
            "/v1/lab/subscriptions",
            Some(&site.infra_token),
            Some(&json!({"subscription_id": "6b8b6f3e-0000-4000-8000-000000000001", "management_certificate_base64": ""})),
        )
        .await;
    f.check(status == 403, || {
        format!("POST /v1/lab/subscriptions with infra-admin: {status} {answer}")
    });
    // Give any wrongly accepted task a moment to show.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = snapshot(&site.admin).await;
    f.check(after == before, || {
        format!("refused requests changed the site:\nbefore {before:?}\nafter  {after:?}")
    });

    // Every GET route: 401 without a token, 200 for a reader.
    let reads: Vec<String> = vec![
        "/v1/cdps".into(),
        format!("/v1/cdps/{c}"),
        "/v1/cmgs".into(),
        format!("/v1/cmgs/{m}"),
        format!("/v1/cmgs/{m}/connection-points"),
        "/v1/connection-points".into(),
        "/v1/site".into(),
        "/v1/site-systems".into(),
        format!("/v1/site-systems/{SERVER_NAME}/proxy"),
        "/v1/client-settings".into(),
        "/v1/tasks".into(),
        format!("/v1/tasks/{task_id}"),
        "/v1/status-messages".into(),
        "/v1/alerts".into(),
        "/v1/logs".into(),
        "/v1/logs/CloudMgr.log".into(),
        "/v1/events".into(),
        "/v1/content".into(),
        format!("/v1/content/{p}"),
        "/v1/distributions".into(),
        "/v1/mp/policy".into(),
        "/v1/mp/notifications".into(),
        "/v1/sup/catalog".into(),
    ];
    let read_routes: BTreeSet<String> = reads
        .iter()
        .map(|p| {
            p.replace(c, "{id}")
                .replace(m, "{id}")
                .replace(&task_id, "{id}")
                .replace(&pkg, "{id}")
                .replace(SERVER_NAME, "{name}")
                .replace("CloudMgr.log", "{file}")
        })
        .collect();
    let expected: BTreeSet<String> = ROUTES
        .iter()
        .filter(|(meth, p)| *meth == "get" && !WRITER_GETS.contains(p))
        .map(|(_, p)| p.to_string())
        .collect();
    assert_eq!(read_routes, expected, "the test covers every GET route");
    // The GETs only an administrator may make answer one.
    let writer_routes: BTreeSet<String> =
        writer_gets.iter().map(|p| p.replace(cp, "{id}")).collect();
    let expected: BTreeSet<String> = WRITER_GETS.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        writer_routes, expected,
        "the test covers every administrator GET"
    );
    for path in &writer_gets {
        let (status, answer) = site.raw("GET", path, Some(&site.infra_token), None).await;
        f.check(status == 200, || {
            format!("GET {path} with infra-admin: {status} {answer}")
        });
    }
    for path in &reads {
        for (who, token, want) in [
            ("no token", None, 401),
            ("a garbage token", Some("garbage"), 401),
            ("a read-only token", Some(site.read_token.as_str()), 200),
        ] {
            let (status, answer) = site.raw("GET", path, token, None).await;
            f.check(status == want, || {
                format!("GET {path} with {who}: {status} (want {want}) {answer}")
            });
        }
    }
    // "Validate on Next" is a read: a reader may call it, nobody without a token.
    let validate = to_json(&lab.subscription());
    let (status, _) = site
        .raw("POST", "/v1/subscriptions/validate", None, Some(&validate))
        .await;
    f.check(status == 401, || {
        format!("validate without a token: {status}")
    });
    let (status, answer) = site
        .raw(
            "POST",
            "/v1/subscriptions/validate",
            Some(&site.read_token),
            Some(&validate),
        )
        .await;
    f.check(status == 200 && answer["ok"] == json!(true), || {
        format!("validate with a reader token: {status} {answer}")
    });
    let (_, me) = site
        .raw("GET", "/v1/site", Some(&site.read_token), None)
        .await;
    f.check(me["role"] == json!("read-only"), || {
        format!("GET /v1/site as a reader: {me}")
    });

    // The infrastructure administrator may change things (the refusals above were the role's).
    let set: ClientSettings = site
        .infra
        .put(
            "/v1/client-settings",
            &ClientSettings {
                allow_cloud_dp: true,
            },
        )
        .await
        .expect("infra-admin sets client settings");
    f.check(set.allow_cloud_dp, || "infra-admin PUT ignored".into());
    let now: ClientSettings = site.reader.get("/v1/client-settings").await.expect("read");
    f.check(now.allow_cloud_dp, || "infra-admin change not kept".into());
    f.assert_none();

    // No token was made by any refused request: only those the test site starts with exist.
    site.shutdown().await;
    let names: BTreeSet<String> = site
        .with_store(|store| cloudsite::site::tokens::list(store).expect("tokens"))
        .await
        .into_iter()
        .map(|t| t.name)
        .collect();
    let want: BTreeSet<String> = ["bootstrap administrator", "infra", "analyst", "clients"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(names, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_lists_exactly_the_routes() {
    let site = Site::start().await;
    // Served to anyone (it is documentation), as JSON.
    let (status, doc) = site.raw("GET", "/v1/openapi.json", None, None).await;
    assert_eq!(status, 200, "{doc}");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')));
    let methods = [
        "get", "put", "post", "delete", "patch", "head", "options", "trace",
    ];
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (key, _) in item.as_object().expect("path item") {
            if methods.contains(&key.as_str()) {
                documented.insert((key.clone(), path.clone()));
            }
        }
    }
    let routed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = routed.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routed).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "routes not documented: {missing:?}; documented but not routed: {extra:?}"
    );
    // The typed client calls exactly the documented paths: none it cannot reach, none it lacks.
    let client_paths: BTreeSet<&str> = cloudsite::api::routes::TEMPLATES.iter().copied().collect();
    let doc_paths: BTreeSet<&str> = documented.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(client_paths, doc_paths, "api::routes and the site disagree");
    // Each documented operation is really served: without a token it is refused (401), not
    // unknown (404/405).
    let mut f = Failures::default();
    for (method, path) in &documented {
        let concrete = path
            .replace("{id}", "x")
            .replace("{name}", SERVER_NAME)
            .replace("{file}", "CloudMgr.log");
        let body = (method != "get" && method != "delete").then(|| json!({}));
        let (status, answer) = site
            .raw(&method.to_uppercase(), &concrete, None, body.as_ref())
            .await;
        f.check(status == 401, || {
            format!("{method} {concrete} (documented) answered {status}: {answer}")
        });
    }
    // Something not documented is not served.
    let (status, _) = site
        .raw("GET", "/v1/tokens", Some(&site.admin_token), None)
        .await;
    f.check(status == 404 || status == 405, || {
        format!("GET /v1/tokens (undocumented) answered {status}")
    });
    f.assert_none();
}

// ---------------------------------------------------------------------------------------------
// 2. Validation rules.
// ---------------------------------------------------------------------------------------------

/// Sends a request that must be refused with `status`, naming `field` with a rule containing
/// `rule` (case-insensitive), and checks no CDP or CMG appeared.
async fn refused<B: Serialize>(
    f: &mut Failures,
    site: &Site,
    label: &str,
    method: &str,
    path: &str,
    body: &B,
    want: (u16, &str, &str),
) {
    let (want_status, field, rule) = want;
    let before = count(site).await;
    let (status, answer) = site
        .raw(method, path, Some(&site.admin_token), Some(&to_json(body)))
        .await;
    let err = &answer["error"];
    let got_field = err["field"].as_str().unwrap_or_default();
    let got_rule = err["rule"].as_str().unwrap_or_default();
    f.check(
        status == want_status
            && got_field == field
            && got_rule.to_lowercase().contains(&rule.to_lowercase()),
        || {
            format!(
                "{label}: got {status} field {got_field:?} rule {got_rule:?} (want {want_status} {field:?} ~{rule:?}); body {answer}"
            )
        },
    );
    let want_code = if want_status == 409 {
        "conflict"
    } else {
        "invalid_field"
    };
    f.check(err["code"] == json!(want_code), || {
        format!("{label}: code {} (want {want_code})", err["code"])
    });
    let after = count(site).await;
    f.check(before == after, || {
        format!("{label}: services before {before:?}, after {after:?}")
    });
}

async fn count(site: &Site) -> (usize, usize) {
    let cdps: Vec<ServiceView> = site.admin.get("/v1/cdps").await.expect("cdps");
    let cmgs: Vec<ServiceView> = site.admin.get("/v1/cmgs").await.expect("cmgs");
    (cdps.len(), cmgs.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_requests_are_validated_field_by_field() {
    let site = Site::start().await;
    let lab = site.lab.clone();
    let mut f = Failures::default();
    let cdp = || lab.cdp("cdp1.lab.contoso.com");
    let cmg = || lab.cmg("cmg1.lab.contoso.com");
    let pfx_of = |kind: &str| lab.upload(&lab.cert_of_kind(kind).pfx);

    // General page (the same code serves the CDP and the CMG wizard).
    let mut r = cdp();
    r.subscription.subscription_id = Some("not-a-guid".into());
    refused(
        &mut f,
        &site,
        "subscription not a GUID",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Subscription ID", "GUID"),
    )
    .await;
    let mut r = cdp();
    r.subscription.subscription_id = Some("3f2504e0-4f89-11d3-9a0c-0305e82c330".into());
    refused(
        &mut f,
        &site,
        "subscription one digit short",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Subscription ID", "GUID"),
    )
    .await;
    let mut r = cdp();
    r.subscription.subscription_id = None;
    refused(
        &mut f,
        &site,
        "subscription missing",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Subscription ID", "required"),
    )
    .await;
    let mut r = cmg();
    r.subscription.subscription_id = Some("  ".into());
    refused(
        &mut f,
        &site,
        "CMG subscription blank",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Subscription ID", "required"),
    )
    .await;
    let mut r = cdp();
    r.subscription.management_certificate.file_base64 = "this is *not* base64!".into();
    refused(
        &mut f,
        &site,
        "management cert not base64",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Management certificate file", "base64"),
    )
    .await;
    let mut r = cdp();
    r.subscription.management_certificate.password = "wrong password".into();
    refused(
        &mut f,
        &site,
        "management cert wrong password",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Management certificate password", "not correct"),
    )
    .await;
    let mut r = cmg();
    r.subscription.management_certificate.password = "wrong password".into();
    refused(
        &mut f,
        &site,
        "CMG management cert wrong password",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Management certificate password", "not correct"),
    )
    .await;
    let mut r = cdp();
    r.subscription.management_certificate = pfx_of("expired");
    refused(
        &mut f,
        &site,
        "management cert expired",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Management certificate", "expired"),
    )
    .await;
    let mut r = cdp();
    r.subscription.management_certificate.file_base64 = b64_file(&lab.management_cer);
    refused(
        &mut f,
        &site,
        "management cert without its key (.cer)",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Management certificate", "private key"),
    )
    .await;
    let mut r = cdp();
    r.subscription.management_certificate.file_base64 = b64(b"definitely not a certificate");
    let (status, answer) = site
        .raw(
            "POST",
            "/v1/cdps",
            Some(&site.admin_token),
            Some(&to_json(&r)),
        )
        .await;
    f.check(
        status == 400
            && answer["error"]["field"]
                .as_str()
                .is_some_and(|s| s.starts_with("Management certificate")),
        || format!("management cert garbage bytes: {status} {answer}"),
    );

    // Region.
    let mut r = cdp();
    r.region = "Atlantis".into();
    refused(
        &mut f,
        &site,
        "CDP region unknown",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Region", "must be one of"),
    )
    .await;
    let mut r = cmg();
    r.region = "NorthEurope".into();
    refused(
        &mut f,
        &site,
        "CDP-only region for a CMG",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Region", "must be one of"),
    )
    .await;
    let mut r = cmg();
    r.region = "Atlantis".into();
    refused(
        &mut f,
        &site,
        "CMG region unknown",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Region", "must be one of"),
    )
    .await;

    // Service certificate.
    let mut r = cdp();
    r.service_certificate.password = "wrong password".into();
    refused(
        &mut f,
        &site,
        "service cert wrong password",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Service certificate password", "not correct"),
    )
    .await;
    let mut r = cmg();
    r.service_certificate.password = "wrong password".into();
    refused(
        &mut f,
        &site,
        "CMG service cert wrong password",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Service certificate password", "not correct"),
    )
    .await;
    let mut r = cdp();
    r.service_certificate.file_base64 = "%%%".into();
    refused(
        &mut f,
        &site,
        "service cert not base64",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Service certificate file", "base64"),
    )
    .await;
    let mut r = cdp();
    r.service_certificate = pfx_of("expired");
    refused(
        &mut f,
        &site,
        "service cert expired",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Service certificate", "expired"),
    )
    .await;
    let mut r = cmg();
    r.service_certificate = pfx_of("expired");
    refused(
        &mut f,
        &site,
        "CMG service cert expired",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Service certificate", "expired"),
    )
    .await;
    let mut r = cdp();
    r.service_certificate = pfx_of("no-server-auth");
    refused(
        &mut f,
        &site,
        "service cert without Server Authentication",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Service certificate", "Server Authentication"),
    )
    .await;
    let mut r = cmg();
    r.service_certificate = pfx_of("no-server-auth");
    refused(
        &mut f,
        &site,
        "CMG service cert without Server Authentication",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Service certificate", "Server Authentication"),
    )
    .await;
    let mut r = cdp();
    r.service_certificate.file_base64 = b64_file(&lab.root_ca);
    refused(
        &mut f,
        &site,
        "service cert without key (.cer)",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Service certificate", "private key"),
    )
    .await;

    // Service FQDN.
    let mut r = lab.wildcard_cdp("x");
    r.service_fqdn = None;
    refused(
        &mut f,
        &site,
        "wildcard without a Service FQDN",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Service FQDN", "clouddp1.lab.contoso.com"),
    )
    .await;
    let mut r = lab.wildcard_cmg("x");
    r.service_fqdn = Some("".into());
    refused(
        &mut f,
        &site,
        "CMG wildcard with an empty Service FQDN",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Service FQDN", "wildcard"),
    )
    .await;
    let mut r = lab.wildcard_cdp("x");
    r.service_fqdn = Some("cdp9.fabrikam.com".into());
    refused(
        &mut f,
        &site,
        "wildcard with an FQDN of another domain",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Service FQDN", "lab.contoso.com"),
    )
    .await;
    let mut r = lab.wildcard_cdp("x");
    r.service_fqdn = Some("a.b.lab.contoso.com".into());
    refused(
        &mut f,
        &site,
        "wildcard with an FQDN two levels down",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Service FQDN", "directly under"),
    )
    .await;
    let mut r = cdp();
    r.service_fqdn = Some("cdp2.lab.contoso.com".into());
    refused(
        &mut f,
        &site,
        "FQDN the certificate does not hold",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Service FQDN", "certificate holds"),
    )
    .await;
    let mut r = cmg();
    r.service_fqdn = Some("cmg2.lab.contoso.com".into());
    refused(
        &mut f,
        &site,
        "CMG FQDN the certificate does not hold",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Service FQDN", "certificate holds"),
    )
    .await;
    let mut r = lab.wildcard_cdp("x");
    r.service_fqdn = Some("bad_host!.lab.contoso.com".into());
    let (status, answer) = site
        .raw(
            "POST",
            "/v1/cdps",
            Some(&site.admin_token),
            Some(&to_json(&r)),
        )
        .await;
    f.check(
        status == 400 && answer["error"]["field"] == json!("Service FQDN"),
        || format!("malformed Service FQDN: {status} {answer}"),
    );

    // Thresholds (CDP: storage and transfer).
    let t = |q: Option<i64>, w: Option<i64>, c: Option<i64>| ThresholdInput {
        quota_gb: q,
        warning_pct: w,
        critical_pct: c,
    };
    let mut r = cdp();
    r.storage = t(Some(0), None, None);
    refused(
        &mut f,
        &site,
        "storage quota 0",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Storage alert threshold (GB)", "from 1"),
    )
    .await;
    let mut r = cdp();
    r.storage = t(Some(1_000_001), None, None);
    refused(
        &mut f,
        &site,
        "storage quota too large",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Storage alert threshold (GB)", "from 1"),
    )
    .await;
    let mut r = cdp();
    r.storage = t(None, Some(90), Some(90));
    refused(
        &mut f,
        &site,
        "storage warning = critical",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Storage alert threshold warning %", "lower than"),
    )
    .await;
    let mut r = cdp();
    r.storage = t(None, Some(95), Some(90));
    refused(
        &mut f,
        &site,
        "storage warning > critical",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Storage alert threshold warning %", "lower than"),
    )
    .await;
    let mut r = cdp();
    r.storage = t(None, Some(0), None);
    refused(
        &mut f,
        &site,
        "storage warning 0",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Storage alert threshold warning %", "1 to 100"),
    )
    .await;
    let mut r = cdp();
    r.transfer = t(Some(0), None, None);
    refused(
        &mut f,
        &site,
        "transfer quota 0",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Transfer alert threshold (GB)", "from 1"),
    )
    .await;
    let mut r = cdp();
    r.transfer = t(None, None, Some(101));
    refused(
        &mut f,
        &site,
        "transfer critical > 100",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Transfer alert threshold critical %", "1 to 100"),
    )
    .await;
    let mut r = cdp();
    r.transfer = t(None, Some(101), Some(100));
    refused(
        &mut f,
        &site,
        "transfer warning > 100",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Transfer alert threshold warning %", "1 to 100"),
    )
    .await;
    let mut r = cdp();
    r.transfer = t(None, Some(60), Some(40));
    refused(
        &mut f,
        &site,
        "transfer warning > critical",
        "POST",
        "/v1/cdps",
        &r,
        (400, "Transfer alert threshold warning %", "lower than"),
    )
    .await;

    // CMG-only rules.
    let mut r = cmg();
    r.egress = t(Some(0), None, None);
    refused(
        &mut f,
        &site,
        "CMG egress quota 0",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Outbound data transfer threshold (GB)", "from 1"),
    )
    .await;
    let mut r = cmg();
    r.egress = t(None, Some(90), Some(50));
    refused(
        &mut f,
        &site,
        "CMG egress warning > critical",
        "POST",
        "/v1/cmgs",
        &r,
        (
            400,
            "Outbound data transfer threshold warning %",
            "lower than",
        ),
    )
    .await;
    let mut r = cmg();
    r.storage = t(None, None, Some(150));
    refused(
        &mut f,
        &site,
        "CMG storage critical > 100",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Storage alert threshold critical %", "1 to 100"),
    )
    .await;
    for n in [0, 17, -1] {
        let mut r = cmg();
        r.vm_instances = Some(n);
        refused(
            &mut f,
            &site,
            &format!("VM instances {n}"),
            "POST",
            "/v1/cmgs",
            &r,
            (400, "VM Instance", "1 to 16"),
        )
        .await;
    }
    let mut r = cmg();
    r.vm_size = Some("Standard_Z99".into());
    refused(
        &mut f,
        &site,
        "bad VM size",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "VM Size", "Standard_A2_v2"),
    )
    .await;
    let mut r = lab.wildcard_cmg("ab");
    refused(
        &mut f,
        &site,
        "CMG name of 2 characters",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "CMG name", "3-24"),
    )
    .await;
    r.service_fqdn = Some(format!("{}.{DOMAIN}", "a".repeat(25)));
    refused(
        &mut f,
        &site,
        "CMG name of 25 characters",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "CMG name", "3-24"),
    )
    .await;
    r.service_fqdn = Some(format!("1abc.{DOMAIN}"));
    refused(
        &mut f,
        &site,
        "CMG name beginning with a digit",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "CMG name", "begin with a letter"),
    )
    .await;
    r.service_fqdn = Some(format!("ab--cd.{DOMAIN}"));
    refused(
        &mut f,
        &site,
        "CMG name with consecutive hyphens",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "CMG name", "consecutive hyphens"),
    )
    .await;
    let mut r = cmg();
    r.trusted_roots = vec![TrustedRootUpload {
        file_base64: b64_file(&lab.management_cer),
        kind: "root".into(),
    }];
    refused(
        &mut f,
        &site,
        "trusted root that is not a CA",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Trusted root certificate 1", "not a CA"),
    )
    .await;
    let mut r = cmg();
    r.trusted_roots = vec![lab.root_upload(), lab.root_upload(), lab.root_upload()];
    refused(
        &mut f,
        &site,
        "three trusted roots",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Certificates", "at most 2 trusted roots"),
    )
    .await;
    let mut r = cmg();
    r.trusted_roots = vec![TrustedRootUpload {
        kind: "leaf".into(),
        ..lab.root_upload()
    }];
    refused(
        &mut f,
        &site,
        "trusted root of an unknown kind",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Trusted root certificate 1", "root or intermediate"),
    )
    .await;
    let mut r = cmg();
    r.trusted_roots = vec![
        lab.root_upload(),
        TrustedRootUpload {
            file_base64: "@@@".into(),
            kind: "root".into(),
        },
    ];
    refused(
        &mut f,
        &site,
        "trusted root not base64",
        "POST",
        "/v1/cmgs",
        &r,
        (400, "Trusted root certificate 2 file", "base64"),
    )
    .await;

    // "Validate on Next" applies the General page's rules, and reports the cloud's answer.
    let mut sub = lab.subscription();
    sub.subscription_id = Some("nope".into());
    refused(
        &mut f,
        &site,
        "validate: subscription not a GUID",
        "POST",
        "/v1/subscriptions/validate",
        &sub,
        (400, "Subscription ID", "GUID"),
    )
    .await;
    let mut sub = lab.subscription();
    sub.management_certificate.password = "wrong".into();
    refused(
        &mut f,
        &site,
        "validate: wrong password",
        "POST",
        "/v1/subscriptions/validate",
        &sub,
        (400, "Management certificate password", "not correct"),
    )
    .await;
    let mut sub = lab.subscription();
    sub.subscription_id = Some("3f2504e0-4f89-11d3-9a0c-0305e82c3301".into());
    let check: Value = site
        .reader
        .post("/v1/subscriptions/validate", &sub)
        .await
        .expect("validate an unknown subscription");
    f.check(check["ok"] == json!(false), || {
        format!("an unregistered subscription validates: {check}")
    });
    let check: Value = site
        .reader
        .post("/v1/subscriptions/validate", &lab.subscription())
        .await
        .expect("validate the lab subscription");
    f.check(check["ok"] == json!(true), || {
        format!("the lab subscription does not validate: {check}")
    });
    let mut r = lab.wildcard_cdp("x");
    r.service_fqdn = Some(format!("*.{DOMAIN}"));
    let (status, answer) = site
        .raw(
            "POST",
            "/v1/cdps",
            Some(&site.admin_token),
            Some(&to_json(&r)),
        )
        .await;
    f.check(
        status == 400 && answer["error"]["field"] == json!("Service FQDN"),
        || format!("the wildcard itself as Service FQDN: {status} {answer}"),
    );

    // Nothing above was created, nor any task started.
    let tasks: Vec<TaskView> = site.admin.get("/v1/tasks").await.expect("tasks");
    f.check(tasks.is_empty(), || {
        format!("refused creates left tasks: {tasks:?}")
    });
    // The good requests these were derived from are accepted (the refusals were the fields').
    let ok: Accepted = site.admin.post("/v1/cdps", &cdp()).await.expect("good CDP");
    f.check(ok.service.service_fqdn == "cdp1.lab.contoso.com", || {
        format!("good CDP: {:?}", ok.service.service_fqdn)
    });
    let mut good = cmg();
    good.trusted_roots = vec![lab.root_upload()];
    let ok: Accepted = site.admin.post("/v1/cmgs", &good).await.expect("good CMG");
    f.check(
        ok.service
            .cmg
            .as_ref()
            .is_some_and(|c| c.trusted_roots.len() == 1),
        || format!("good CMG: {:?}", ok.service.cmg),
    );
    f.assert_none();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_trusted_root_twice_is_a_field_error() {
    let site = Site::start().await;
    let lab = site.lab.clone();
    let mut f = Failures::default();
    // The same root twice is the operator's mistake: a 4xx naming the roots, not a 500.
    let mut twice = lab.cmg("cmg1.lab.contoso.com");
    twice.trusted_roots = vec![lab.root_upload(), lab.root_upload()];
    let (status, answer) = site
        .raw(
            "POST",
            "/v1/cmgs",
            Some(&site.admin_token),
            Some(&to_json(&twice)),
        )
        .await;
    let field = answer["error"]["field"].as_str().unwrap_or_default();
    f.check(
        (400..500).contains(&status)
            && (field.starts_with("Trusted root certificate") || field == "Certificates"),
        || format!("the same trusted root twice: {status} {answer} (want 400 naming the root)"),
    );
    let (_, cmgs) = count(&site).await;
    f.check(cmgs == 0, || {
        format!("the same trusted root twice left {cmgs} CMG(s)")
    });
    f.assert_none();
}

/// A service certificate holding two names, so one certificate can be offered for two FQDNs.
fn two_name_pfx(password: &str) -> Vec<u8> {
    let mut spec = common::Spec::service(&format!("shared1.{DOMAIN}"));
    spec.dns = vec![format!("shared1.{DOMAIN}"), format!("shared2.{DOMAIN}")];
    spec.key = common::KeyKind::EcP256;
    let made = common::make(&spec);
    common::pfx(&made, &[common::root_ca().cert], password)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_and_certificates_are_unique_unless_wildcard() {
    let site = Site::start().await;
    let lab = site.lab.clone();
    let mut f = Failures::default();
    let first: Accepted = site
        .admin
        .post("/v1/cdps", &lab.cdp("cdp1.lab.contoso.com"))
        .await
        .expect("first CDP");

    // The same FQDN again, as a CDP or as a CMG, with the same or another certificate.
    refused(
        &mut f,
        &site,
        "same CDP again",
        "POST",
        "/v1/cdps",
        &lab.cdp("cdp1.lab.contoso.com"),
        (409, "Service FQDN", "unique"),
    )
    .await;
    let mut r = lab.cmg("cmg1.lab.contoso.com");
    r.service_certificate = lab.upload(&lab.cert("cdp1.lab.contoso.com").pfx);
    r.service_fqdn = None;
    refused(
        &mut f,
        &site,
        "a CMG on the CDP's FQDN",
        "POST",
        "/v1/cmgs",
        &r,
        (409, "Service FQDN", "unique"),
    )
    .await;
    let r = lab.wildcard_cdp("CDP1");
    refused(
        &mut f,
        &site,
        "wildcard cert on a used FQDN (other case)",
        "POST",
        "/v1/cdps",
        &r,
        (409, "Service FQDN", "unique"),
    )
    .await;

    // One non-wildcard certificate for two services (two names it holds).
    let shared = two_name_pfx("Sh4red!");
    let mut a = lab.cdp("cdp2.lab.contoso.com");
    a.service_certificate.file_base64 = b64(&shared);
    a.service_certificate.password = "Sh4red!".into();
    a.service_fqdn = Some(format!("shared1.{DOMAIN}"));
    let (status, answer) = site
        .raw(
            "POST",
            "/v1/cdps",
            Some(&site.admin_token),
            Some(&to_json(&a)),
        )
        .await;
    assert_eq!(status, 202, "a two-name certificate is accepted: {answer}");
    let mut b = a.clone();
    b.service_fqdn = Some(format!("shared2.{DOMAIN}"));
    refused(
        &mut f,
        &site,
        "same certificate for a second CDP",
        "POST",
        "/v1/cdps",
        &b,
        (409, "Service certificate", "wildcard"),
    )
    .await;
    let mut c = lab.cmg("cmg1.lab.contoso.com");
    c.service_certificate = a.service_certificate.clone();
    c.service_fqdn = Some(format!("shared2.{DOMAIN}"));
    refused(
        &mut f,
        &site,
        "same certificate for a CMG",
        "POST",
        "/v1/cmgs",
        &c,
        (409, "Service certificate", "already used"),
    )
    .await;

    // The wildcard may serve several hosts, CDP or CMG.
    let w1: Result<Accepted, _> = site.admin.post("/v1/cdps", &lab.wildcard_cdp("wc1")).await;
    let w2: Result<Accepted, _> = site.admin.post("/v1/cdps", &lab.wildcard_cdp("wc2")).await;
    let w3: Result<Accepted, _> = site
        .admin
        .post("/v1/cmgs", &lab.wildcard_cmg("wcgw3"))
        .await;
    for (name, r) in [("wc1", &w1), ("wc2", &w2), ("wcgw3", &w3)] {
        f.check(r.is_ok(), || format!("wildcard for {name}: {r:?}"));
    }
    if let (Ok(a), Ok(b)) = (&w1, &w2) {
        f.check(
            a.service.certificate.wildcard
                && a.service.certificate.thumbprint == b.service.certificate.thumbprint,
            || "the two wildcard services share the certificate".into(),
        );
    }
    // But not the same host twice.
    refused(
        &mut f,
        &site,
        "wildcard host used twice",
        "POST",
        "/v1/cdps",
        &lab.wildcard_cdp("wc2"),
        (409, "Service FQDN", "unique"),
    )
    .await;
    // A CMG whose host part equals a CDP's (different domain impossible with the lab: same
    // deployment name through the wildcard) is refused too.
    refused(
        &mut f,
        &site,
        "CMG on a used wildcard host",
        "POST",
        "/v1/cmgs",
        &lab.wildcard_cmg("wc1"),
        (409, "Service FQDN", "unique"),
    )
    .await;

    let cdps: Vec<ServiceView> = site.admin.get("/v1/cdps").await.expect("cdps");
    let mut fqdns: Vec<&str> = cdps.iter().map(|s| s.service_fqdn.as_str()).collect();
    fqdns.sort();
    f.check(
        fqdns
            == [
                "cdp1.lab.contoso.com",
                "shared1.lab.contoso.com",
                "wc1.lab.contoso.com",
                "wc2.lab.contoso.com",
            ],
        || format!("CDPs at the end: {fqdns:?}"),
    );
    f.check(cdps.iter().any(|s| s.id == first.service.id), || {
        "the first CDP is still there".into()
    });
    f.assert_none();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_refuses_read_only_and_foreign_fields() {
    let site = Site::start().await;
    let lab = site.lab.clone();
    let mut f = Failures::default();
    let cdp = site
        .create_cdp_ready(&lab.cdp("cdp1.lab.contoso.com"))
        .await;
    let cmg = site
        .create_cmg_ready(&lab.cmg("cmg1.lab.contoso.com"))
        .await;
    let cdp_path = format!("/v1/cdps/{}", cdp.id);
    let cmg_path = format!("/v1/cmgs/{}", cmg.id);

    for (path, body, field, rule) in [
        (
            &cdp_path,
            json!({"subscription_id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301"}),
            "Subscription ID",
            "read-only",
        ),
        (
            &cdp_path,
            json!({"region": "NorthEurope"}),
            "Region",
            "read-only",
        ),
        (
            &cdp_path,
            json!({"service_fqdn": "cdp2.lab.contoso.com"}),
            "Service FQDN",
            "read-only",
        ),
        (
            &cdp_path,
            json!({"name": "renamed"}),
            "Service name",
            "read-only",
        ),
        (
            &cmg_path,
            json!({"region": "EastUS", "description": "x"}),
            "Region",
            "read-only",
        ),
        (
            &cmg_path,
            json!({"name": "renamed"}),
            "Service name",
            "read-only",
        ),
        (
            &cdp_path,
            json!({"vm_instances": 3}),
            "VM Instance",
            "cloud management gateway only",
        ),
        (
            &cdp_path,
            json!({"egress": {"quota_gb": 5}}),
            "Outbound data transfer threshold",
            "cloud management gateway only",
        ),
        (
            &cdp_path,
            json!({"enforce_tls12": false}),
            "Enforce TLS 1.2",
            "cloud management gateway only",
        ),
        (
            &cmg_path,
            json!({"transfer": {"quota_gb": 5}}),
            "Transfer alert threshold",
            "cloud distribution point only",
        ),
        (
            &cdp_path,
            json!({"storage": {"quota_gb": 0}}),
            "Storage alert threshold (GB)",
            "from 1",
        ),
        (
            &cdp_path,
            json!({"transfer": {"warning_pct": 95}}),
            "Transfer alert threshold warning %",
            "lower than",
        ),
        (
            &cmg_path,
            json!({"egress": {"critical_pct": 101}}),
            "Outbound data transfer threshold critical %",
            "1 to 100",
        ),
        (
            &cmg_path,
            json!({"vm_instances": 0}),
            "VM Instance",
            "1 to 16",
        ),
        (
            &cmg_path,
            json!({"vm_instances": 17}),
            "VM Instance",
            "1 to 16",
        ),
    ] {
        let label = format!("PATCH {path} {body}");
        refused(
            &mut f,
            &site,
            &label,
            "PATCH",
            path,
            &body,
            (400, field, rule),
        )
        .await;
    }
    // Nothing changed, no task started.
    let now_cdp: ServiceView = site.admin.get(&cdp_path).await.expect("cdp");
    let now_cmg: ServiceView = site.admin.get(&cmg_path).await.expect("cmg");
    f.check(
        now_cdp.storage == cdp.storage
            && now_cdp.transfer == cdp.transfer
            && now_cdp.description == cdp.description
            && now_cdp.region == cdp.region,
        || format!("CDP changed by refused PATCHes: {now_cdp:?}"),
    );
    f.check(
        now_cmg.vm_instances == 1
            && now_cmg.transfer == cmg.transfer
            && now_cmg.cmg == cmg.cmg
            && now_cmg.region == cmg.region,
        || format!("CMG changed by refused PATCHes: {now_cmg:?}"),
    );
    let tasks: Vec<TaskView> = site.admin.get("/v1/tasks").await.expect("tasks");
    f.check(tasks.len() == 2, || {
        format!("tasks after refused PATCHes: {tasks:?}")
    });

    // An editable field is accepted.
    let up: Updated = site
        .admin
        .patch(
            &cdp_path,
            &json!({"description": "edited", "storage": {"quota_gb": 500}}),
        )
        .await
        .expect("editable fields");
    f.check(
        up.service.description == "edited"
            && up.service.storage.quota_gb == 500
            && up.task.is_none(),
        || format!("PATCH answer: {up:?}"),
    );
    // Connection points: on an existing site system, once per CMG.
    let cp_path = format!("{cmg_path}/connection-points");
    let cp: ConnectionPointView = site
        .admin
        .post(&cp_path, &json!({"site_system": SERVER_NAME}))
        .await
        .expect("add a connection point");
    f.check(cp.cmg_id == cmg.id && cp.site_code == "PS1", || {
        format!("connection point: {cp:?}")
    });
    refused(
        &mut f,
        &site,
        "a second connection point on the same site system",
        "POST",
        &cp_path,
        &json!({"site_system": SERVER_NAME}),
        (409, "Site system", "already holds"),
    )
    .await;
    refused(
        &mut f,
        &site,
        "a connection point on an unknown site system",
        "POST",
        &cp_path,
        &json!({"site_system": "NOSUCH"}),
        (400, "Site system", "existing site system"),
    )
    .await;
    let cps: Vec<ConnectionPointView> = site.admin.get(&cp_path).await.expect("list");
    f.check(cps.len() == 1, || format!("connection points: {cps:?}"));

    // An unknown field is refused too (deny_unknown_fields), not silently ignored.
    let (status, answer) = site
        .raw(
            "PATCH",
            &cdp_path,
            Some(&site.admin_token),
            Some(&json!({"colour": "blue"})),
        )
        .await;
    f.check((400..500).contains(&status), || {
        format!("PATCH with an unknown field: {status} {answer}")
    });
    f.assert_none();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_and_token_requests_are_validated() {
    let site = Site::start().await;
    let mut f = Failures::default();
    let path = format!("/v1/site-systems/{SERVER_NAME}/proxy");
    let before: ProxySettings = site.admin.get(&path).await.expect("proxy");
    assert_eq!(before, ProxySettings::default());
    let p =
        |enabled: bool, server: Option<&str>, port: Option<i64>, account: Option<&str>| SetProxy {
            enabled,
            server: server.map(String::from),
            port,
            account: account.map(String::from),
            password: None,
        };
    for (label, body, field, rule) in [
        (
            "enabled without a server",
            p(true, None, None, None),
            "Proxy server name",
            "required",
        ),
        (
            "enabled with a blank server",
            p(true, Some("  "), None, None),
            "Proxy server name",
            "required",
        ),
        (
            "port 0",
            p(true, Some("proxy.contoso.com"), Some(0), None),
            "Port",
            "1 to 65535",
        ),
        (
            "port 70000",
            p(true, Some("proxy.contoso.com"), Some(70000), None),
            "Port",
            "1 to 65535",
        ),
        (
            "port -1",
            p(true, Some("proxy.contoso.com"), Some(-1), None),
            "Port",
            "1 to 65535",
        ),
        (
            "account with @",
            p(
                true,
                Some("proxy.contoso.com"),
                Some(8080),
                Some("svc@contoso.com"),
            ),
            "Account",
            "UPN",
        ),
        (
            "server while disabled",
            p(false, Some("proxy.contoso.com"), None, None),
            "Proxy server name",
            "must be empty",
        ),
        (
            "account while disabled",
            p(false, None, None, Some("CONTOSO\\svc")),
            "Account",
            "must be empty",
        ),
        (
            "bad server name",
            p(true, Some("bad host!"), None, None),
            "Proxy server name",
            "host name",
        ),
        (
            "password without an account",
            SetProxy {
                password: Some("x".into()),
                ..p(true, Some("proxy.contoso.com"), None, None)
            },
            "Password",
            "account",
        ),
    ] {
        refused(
            &mut f,
            &site,
            label,
            "PUT",
            &path,
            &body,
            (400, field, rule),
        )
        .await;
        let now: ProxySettings = site.admin.get(&path).await.expect("proxy");
        f.check(now == before, || {
            format!("{label}: proxy changed to {now:?}")
        });
    }
    // Tokens: a role that exists and a name.
    refused(
        &mut f,
        &site,
        "token with an unknown role",
        "POST",
        "/v1/tokens",
        &json!({"name": "x", "role": "god"}),
        (400, "Role", "full-admin"),
    )
    .await;
    refused(
        &mut f,
        &site,
        "token with a blank name",
        "POST",
        "/v1/tokens",
        &json!({"name": "  ", "role": "read-only"}),
        (400, "Name", "empty"),
    )
    .await;
    refused(
        &mut f,
        &site,
        "token with a control character",
        "POST",
        "/v1/tokens",
        &json!({"name": "a\u{7}b", "role": "read-only"}),
        (400, "Name", "control"),
    )
    .await;

    // An unknown site system is 404, and a good setting is kept.
    let (status, _) = site
        .raw(
            "PUT",
            "/v1/site-systems/NOSUCH/proxy",
            Some(&site.admin_token),
            Some(&to_json(&p(false, None, None, None))),
        )
        .await;
    f.check(status == 404, || {
        format!("proxy of an unknown site system: {status}")
    });
    let saved: ProxySettings = site
        .admin
        .put(
            &path,
            &p(true, Some("proxy.contoso.com"), None, Some("CONTOSO\\svc")),
        )
        .await
        .expect("good proxy");
    f.check(
        saved.enabled
            && saved.port == 80
            && saved.server.as_deref() == Some("proxy.contoso.com")
            && !saved.has_password,
        || format!("saved proxy: {saved:?}"),
    );
    f.assert_none();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_the_state_forbids_are_conflicts() {
    let site = Site::start_with(SiteConfig {
        provisioning_delay: Duration::from_millis(1500),
        ..SiteConfig::default()
    })
    .await;
    let lab = site.lab.clone();
    let mut f = Failures::default();
    let acc: Accepted = site
        .admin
        .post("/v1/cdps", &lab.cdp("cdp1.lab.contoso.com"))
        .await
        .expect("create");
    let path = format!("/v1/cdps/{}", acc.service.id);
    let act = |what: &str| format!("{path}/{what}");

    // While the create task runs (Provisioning): no stop, no start.
    for what in ["stop", "start"] {
        let (status, answer) = site
            .raw("POST", &act(what), Some(&site.admin_token), None)
            .await;
        f.check(
            status == 409 && answer["error"]["code"] == json!("conflict"),
            || format!("{what} while provisioning: {status} {answer}"),
        );
    }
    let t = wait_task(&site.admin, &acc.task.id).await;
    assert_eq!(t.state, TaskState::Completed, "{t:?}");
    wait_status(&site.admin, &path, ServiceState::Ready).await;

    // Start a Ready service.
    let (status, answer) = site
        .raw("POST", &act("start"), Some(&site.admin_token), None)
        .await;
    f.check(
        status == 409
            && answer["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("Ready")),
        || format!("start a Ready service: {status} {answer}"),
    );
    // Stop, then stop again while the stop task runs.
    let stop: Accepted = site
        .admin
        .post(&act("stop"), &json!(null))
        .await
        .expect("stop");
    let (status, answer) = site
        .raw("POST", &act("stop"), Some(&site.admin_token), None)
        .await;
    f.check(status == 409, || {
        format!("stop while a stop task runs: {status} {answer}")
    });
    let (status, answer) = site
        .raw("POST", &act("start"), Some(&site.admin_token), None)
        .await;
    f.check(status == 409, || {
        format!("start while a stop task runs: {status} {answer}")
    });
    let t = wait_task(&site.admin, &stop.task.id).await;
    f.check(t.state == TaskState::Completed, || {
        format!("stop task: {t:?}")
    });
    wait_status(&site.admin, &path, ServiceState::Stopped).await;
    let (status, answer) = site
        .raw("POST", &act("stop"), Some(&site.admin_token), None)
        .await;
    f.check(status == 409, || {
        format!("stop a Stopped service: {status} {answer}")
    });
    // A CMG-only action on a CDP does not exist as a route for CDPs.
    let (status, _) = site
        .raw("POST", &act("sync"), Some(&site.admin_token), None)
        .await;
    f.check(status == 404 || status == 405, || {
        format!("sync on a CDP: {status}")
    });
    // Exactly the create and the stop task exist.
    let tasks: Vec<TaskView> = site.admin.get("/v1/tasks").await.expect("tasks");
    f.check(tasks.len() == 2, || format!("tasks: {tasks:?}"));
    f.assert_none();
}

// ---------------------------------------------------------------------------------------------
// 3. Secrets at rest.
// ---------------------------------------------------------------------------------------------

const PROXY_PASSWORD: &str = "Pr0xyS3cret!";

/// What must never appear: (description, bytes).
fn secrets_of(lab: &Lab) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![
        (
            "the lab PFX password".to_string(),
            lab.password.as_bytes().to_vec(),
        ),
        (
            "the proxy password".to_string(),
            PROXY_PASSWORD.as_bytes().to_vec(),
        ),
        ("a PEM private key".to_string(), b"PRIVATE KEY".to_vec()),
    ];
    for pfx in lab.all_pfx() {
        let bytes = std::fs::read(&pfx).expect("pfx");
        let (report, identity) = cloudsite::cert::inspect_identity(
            &bytes,
            &Options::new().password(lab.password.clone()),
        );
        let key = identity
            .unwrap_or_else(|| panic!("{} opens: {:?}", pfx.display(), report.error))
            .key_pkcs8;
        let name = pfx.file_name().unwrap().to_string_lossy().to_string();
        // The EC private scalar: ECPrivateKey { version 1, OCTET STRING (32) … }.
        let at = key
            .windows(5)
            .position(|w| w == [0x02, 0x01, 0x01, 0x04, 0x20])
            .unwrap_or_else(|| panic!("{name}: no EC private scalar in the PKCS#8 key"))
            + 5;
        let scalar = key[at..at + 32].to_vec();
        out.push((format!("the private key of {name} (DER)"), scalar.clone()));
        out.push((
            format!("the private key of {name} (hex)"),
            hex::encode(&scalar).into_bytes(),
        ));
        // Base64 (as in a PEM body): two adjacent 16-character windows inside the scalar, so a
        // PEM line break can split at most one of them.
        let text = b64(&key);
        let first = at.div_ceil(3) * 4;
        for w in 0..2 {
            let s = first + w * 16;
            out.push((
                format!("the private key of {name} (base64 #{w})"),
                text.as_bytes()[s..s + 16].to_vec(),
            ));
        }
        // The search finds the key where it would be in the clear: in a PEM file, as DER.
        let pem = cloudsite::cert::pem::encode("PRIVATE KEY", &key);
        let windows: Vec<&Vec<u8>> = out[out.len() - 2..].iter().map(|(_, s)| s).collect();
        assert!(
            windows.iter().all(|w| contains(pem.as_bytes(), w)),
            "{name}: the base64 windows are not in the key's PEM"
        );
        assert!(
            contains(&key, &scalar),
            "{name}: the scalar is not in the key"
        );
        // The whole PKCS#8 key, base64, as a key file would carry it.
        out.push((
            format!("the private key of {name} (base64 DER)"),
            text.as_bytes().to_vec(),
        ));
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn find_secrets(what: &str, bytes: &[u8], secrets: &[(String, Vec<u8>)], f: &mut Failures) {
    for (name, s) in secrets {
        f.check(!contains(bytes, s), || format!("{what} contains {name}"));
    }
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_rests_in_the_clear() {
    let mut site = Site::start().await;
    let lab = site.lab.clone();
    let mut f = Failures::default();
    let cdp = site
        .create_cdp_ready(&lab.cdp("cdp1.lab.contoso.com"))
        .await;
    let mut cmg_req = lab.cmg("cmg1.lab.contoso.com");
    cmg_req.trusted_roots = vec![lab.root_upload()];
    let cmg = site.create_cmg_ready(&cmg_req).await;
    let wc = site.create_cdp_ready(&lab.wildcard_cdp("wc1")).await;
    // A connection point the site runs: its key (its channel configuration hands it out, to an
    // administrator) and the token the site runs it with rest sealed only.
    let point: ConnectionPointView = site
        .admin
        .post(
            &format!("/v1/cmgs/{}/connection-points", cmg.id),
            &json!({"site_system": SERVER_NAME}),
        )
        .await
        .expect("a connection point");
    let channel = site
        .admin
        .channel_config(&point.id)
        .await
        .expect("its channel configuration");
    let key_der = cloudsite::cert::pem::blocks(channel.key_pem.as_bytes())
        .expect("pem")
        .remove(0)
        .der;
    let key_body: String = channel
        .key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    for _ in 0..100 {
        let cps = site.admin.connection_points(None).await.expect("list");
        if cps.iter().any(|c| c.id == point.id && c.updated.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let proxy_path = format!("/v1/site-systems/{SERVER_NAME}/proxy");
    let saved: ProxySettings = site
        .admin
        .put(
            &proxy_path,
            &SetProxy {
                enabled: true,
                server: Some("proxy.contoso.com".into()),
                port: Some(8080),
                account: Some("CONTOSO\\svc".into()),
                password: Some(PROXY_PASSWORD.into()),
            },
        )
        .await
        .expect("set proxy");
    assert!(
        saved.has_password,
        "the proxy password is stored: {saved:?}"
    );
    // A wrong-password attempt must not leave the wrong password behind either.
    let mut bad = lab.cdp("cdp2.lab.contoso.com");
    bad.service_certificate.password = "Wr0ngButSecret".into();
    let (status, _) = site
        .raw(
            "POST",
            "/v1/cdps",
            Some(&site.admin_token),
            Some(&to_json(&bad)),
        )
        .await;
    assert_eq!(status, 400);

    let mut secrets = secrets_of(&lab);
    secrets.push(("a refused PFX password".into(), b"Wr0ngButSecret".to_vec()));
    secrets.push(("the connection point's key".into(), key_der));
    secrets.push((
        "the connection point's key (PEM)".into(),
        key_body.as_bytes()[..64].to_vec(),
    ));
    // API tokens are kept as hashes only.
    let mut at_rest = secrets.clone();
    for (who, t) in [
        ("admin", &site.admin_token),
        ("infra-admin", &site.infra_token),
        ("read-only", &site.read_token),
    ] {
        at_rest.push((format!("the {who} API token"), t.as_bytes().to_vec()));
        at_rest.push((
            format!("the {who} API token's secret part"),
            t.as_bytes()[3..].to_vec(),
        ));
    }

    // API answers.
    for path in [
        "/v1/cdps".to_string(),
        format!("/v1/cdps/{}", cdp.id),
        format!("/v1/cdps/{}", wc.id),
        "/v1/cmgs".to_string(),
        format!("/v1/cmgs/{}", cmg.id),
        proxy_path.clone(),
        "/v1/site-systems".to_string(),
        "/v1/tasks".to_string(),
        "/v1/status-messages?limit=10000".to_string(),
        "/v1/alerts".to_string(),
        "/v1/logs/CloudMgr.log?tail=100000".to_string(),
    ] {
        let (status, body) = site.raw("GET", &path, Some(&site.admin_token), None).await;
        f.check(status == 200, || format!("GET {path}: {status}"));
        find_secrets(
            &format!("GET {path}"),
            body.to_string().as_bytes(),
            &secrets,
            &mut f,
        );
    }
    let systems: Vec<SiteSystemView> = site.admin.get("/v1/site-systems").await.expect("systems");
    f.check(
        systems
            .iter()
            .any(|s| s.name == SERVER_NAME && s.proxy.has_password),
        || format!("site systems: {systems:?}"),
    );

    site.shutdown().await;
    let data = site.data_dir.clone();
    // The token the site's own connection points use, unsealed as the site does.
    let secret_box = cloudsite::site::secrets::SecretBox::load_or_create(&data).expect("key");
    let sealed: Vec<u8> = site
        .with_store(|store| {
            store.with(|c| {
                c.query_row(
                    "SELECT value FROM site_credentials WHERE name = 'connection point token'",
                    cloudsite::site::db::params![],
                    |r| r.get(0),
                )
            })
        })
        .await
        .expect("the site keeps its connection points' token");
    let token = secret_box
        .open("site_credentials.value", &sealed)
        .expect("it opens")
        .as_str()
        .expect("text")
        .to_string();
    at_rest.push((
        "the site's connection point token".into(),
        token.into_bytes(),
    ));
    // Whichever engine: its files at rest (SQLite's file and WAL, or the PostgreSQL cluster).
    let db_files = site.database_files();
    assert!(!db_files.is_empty(), "the database has files");
    let mut db_bytes = Vec::new();
    for p in &db_files {
        let bytes = std::fs::read(p).unwrap_or_default();
        find_secrets(&p.display().to_string(), &bytes, &at_rest, &mut f);
        db_bytes.extend(bytes);
    }
    let logs = files_under(&data.join("logs"));
    assert!(!logs.is_empty(), "the site wrote logs");
    for p in &logs {
        let bytes = std::fs::read(p).expect("log file");
        find_secrets(&p.display().to_string(), &bytes, &at_rest, &mut f);
    }
    // The database really holds the services (so the scan looked at the right files).
    let holds = |s: &str| db_bytes.windows(s.len()).any(|w| w == s.as_bytes());
    f.check(
        holds("cdp1.lab.contoso.com") && holds("proxy.contoso.com"),
        || "the database files do not hold the services and proxy: scanned the wrong files?".into(),
    );

    #[cfg(unix)]
    for name in ["admin.token", "secret.key"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .permissions()
            .mode()
            & 0o777;
        f.check(mode == 0o600, || {
            format!("{name} has mode {mode:o}, not 600")
        });
    }
    f.assert_none();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_primary_site_must_be_this_site() {
    let mut site = Site::start().await;
    let mut req = site.lab.cdp("cdp1.lab.contoso.com");
    req.primary_site = Some("CAS".into());
    let (status, detail) = api_err(
        site.admin
            .post::<_, cloudsite::api::wire::Accepted>("/v1/cdps", &req)
            .await,
    );
    assert_eq!(status, 400);
    assert_eq!(detail.field.as_deref(), Some("Primary site"));
    assert!(detail.message.contains("PS1"), "{}", detail.message);
    let cdps: Vec<ServiceView> = site.admin.get("/v1/cdps").await.expect("list");
    assert!(cdps.is_empty(), "nothing created");
    req.primary_site = Some("ps1".into());
    site.create_cdp_ready(&req).await;
    site.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_shows_the_wire_enums() {
    let site = Site::start().await;
    let (status, doc) = site.raw("GET", "/v1/openapi.json", None, None).await;
    assert_eq!(status, 200, "{doc}");
    let schemas = &doc["components"]["schemas"];
    let names = |schema: &Value| -> BTreeSet<String> {
        schema["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("an enum: {schema}"))
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let want = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(names(&schemas["HostedKind"]), want(&["cdp", "cmg"]));
    assert_eq!(
        names(&schemas["Role"]),
        want(&["full-admin", "infra-admin", "read-only", "client"])
    );
    assert_eq!(
        names(&schemas["AlertState"]),
        want(&[
            "active",
            "postponed",
            "canceled",
            "unknown",
            "disabled",
            "never_triggered"
        ])
    );
    assert_eq!(
        names(&schemas["Severity"]),
        want(&["critical", "warning", "informational"])
    );
    assert!(names(&schemas["AlertType"]).contains("proxy_failure"));
    assert!(names(&schemas["Step"]).contains("wait_ready"));
    assert!(names(&schemas["TrustedRootKind"]).contains("intermediate"));
    // Every event kind is in the document, each with the object it carries.
    let kinds: BTreeSet<String> = schemas["Event"]["oneOf"]
        .as_array()
        .unwrap_or_else(|| panic!("Event is a oneOf: {}", schemas["Event"]))
        .iter()
        .flat_map(|v| names(&v["properties"]["kind"]))
        .collect();
    for k in [
        "service",
        "task",
        "alert",
        "log",
        "usage",
        "distribution_removed",
        "resync",
    ] {
        assert!(kinds.contains(k), "event kind {k} missing: {kinds:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_carries_only_the_kinds_asked_for() {
    use cloudsite::api::wire::{Event, EventKinds, SendClientNotification};
    let site = Site::start().await;
    // An unknown kind is refused, naming the parameter and the kinds there are.
    let (status, body) = site
        .raw(
            "GET",
            "/v1/events?kinds=service,logs",
            Some(&site.admin_token),
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "kinds", "{body}");
    assert!(
        body["error"]["rule"]
            .as_str()
            .unwrap_or_default()
            .contains("client_notification"),
        "{body}"
    );
    let mut everything = site.admin.events(None).await.expect("events");
    let kinds = EventKinds::parse("client_notification").expect("kinds");
    let mut narrowed = site
        .admin
        .events_of(None, Some(&kinds))
        .await
        .expect("events");
    // Sending a notification also writes a log line (BgbServer.log): the whole stream has
    // both, the narrowed one only the notification.
    let req = SendClientNotification {
        message: "evaluate machine policy now".into(),
    };
    let sent = site
        .admin
        .send_client_notification(&req)
        .await
        .expect("sent");
    let patience = Duration::from_secs(10);
    let mut names = Vec::new();
    while !names.contains(&"log") || !names.contains(&"client_notification") {
        let ev = tokio::time::timeout(patience, everything.next())
            .await
            .expect("an event within 10 s")
            .expect("the stream goes on")
            .expect("an event");
        names.push(ev.event.name());
    }
    let first = tokio::time::timeout(patience, narrowed.next())
        .await
        .expect("an event within 10 s")
        .expect("the stream goes on")
        .expect("an event");
    match first.event {
        Event::ClientNotification(n) => assert_eq!(n.id, sent.id),
        other => panic!("only the notification comes: {other:?}"),
    }
}
