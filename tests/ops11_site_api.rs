//! The site API's own contract, probed from outside as a hostile client would: idle
//! connections, malformed requests, oversized and control-character text, roles.

mod silent_proxy;
mod site_support;

use cloudsite::site::service::{self, SiteOptions, TlsFiles};
use cloudsite::tls::listen::Limits;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// Generous: the machine is loaded; the limits under test are a fraction of it.
const DEADLINE: Duration = Duration::from_secs(60);

/// Reads until the site closes the connection; fails the test when it does not in time.
async fn closed_by_site(mut tcp: TcpStream) {
    let mut got = Vec::new();
    tokio::time::timeout(DEADLINE, tcp.read_to_end(&mut got))
        .await
        .expect("the site closes a connection that says nothing")
        .ok();
}

fn address(url: &str) -> String {
    url.split("://").nth(1).unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_in_plain_and_tls_mode() {
    cloudsite::tls::install_crypto_provider();
    let tmp = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params
        .subject_alt_names
        .push(rcgen::SanType::IpAddress([127, 0, 0, 1].into()));
    let cert = params.self_signed(&key).unwrap();
    let (cert_path, key_path) = (tmp.path().join("api.crt"), tmp.path().join("api.key"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    let limits = Limits {
        handshake: Duration::from_millis(300),
        header_read: Duration::from_millis(300),
        max_connections: 64,
    };
    for tls in [false, true] {
        let mut opts = SiteOptions::new(&tmp.path().join(format!("data-{tls}")));
        opts.connections = limits;
        opts.tls = tls.then(|| TlsFiles {
            cert: cert_path.clone(),
            key: key_path.clone(),
        });
        let site = service::start(opts).await.expect("the site starts");
        let addr = address(&site.url);
        // Never a byte (no ClientHello in TLS mode, no request head in plain mode).
        let silent = TcpStream::connect(&addr).await.unwrap();
        closed_by_site(silent).await;
        // The API still answers.
        let ca = cert.pem();
        let client = cloudsite::api::client::Client::new(
            &site.url,
            site.new_admin_token.as_deref().unwrap_or_default(),
            tls.then_some(ca.as_str()),
        )
        .unwrap();
        client.site().await.expect("the site answers");
        site.shutdown().await;
    }
}

/// Sends a request with a raw body and content type; returns the status, the content type and
/// the body parsed as JSON (`Null` when it is not JSON).
async fn send_raw(
    url: &str,
    method: reqwest::Method,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, String, serde_json::Value) {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let resp = http
        .request(method, format!("{url}{path}"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = resp.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (status, kind, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_is_the_json_error_shape_and_the_document_lists_them() {
    let site = site_support::Site::start().await;
    let (url, token) = (site.url.as_str(), site.admin_token.as_str());
    let post = reqwest::Method::POST;
    let get = reqwest::Method::GET;
    let cases: Vec<(reqwest::Method, &str, &str, Vec<u8>, u16)> = vec![
        (
            post.clone(),
            "/v1/cdps",
            "application/json",
            b"{not json".to_vec(),
            400,
        ),
        (post.clone(), "/v1/cdps", "text/plain", b"{}".to_vec(), 415),
        (
            post.clone(),
            "/v1/cdps",
            "application/json",
            b"{}".to_vec(),
            422,
        ),
        (
            post.clone(),
            "/v1/cdps",
            "application/json",
            vec![b' '; 3 * 1024 * 1024],
            413,
        ),
        (
            get.clone(),
            "/v1/tasks?limit=abc",
            "application/json",
            vec![],
            400,
        ),
        (
            get.clone(),
            "/v1/tasks?limit=2147483648",
            "application/json",
            vec![],
            400,
        ),
        (
            get.clone(),
            "/v1/tasks?limit=0",
            "application/json",
            vec![],
            400,
        ),
        (
            get.clone(),
            "/v1/no-such-route",
            "application/json",
            vec![],
            404,
        ),
        (
            reqwest::Method::PATCH,
            "/v1/cdps",
            "application/json",
            vec![],
            405,
        ),
    ];
    for (method, path, kind, body, want) in cases {
        let what = format!("{method} {path} ({kind})");
        let (status, content_type, json) = send_raw(url, method, path, token, kind, body).await;
        assert_eq!(status, want, "{what}: {json}");
        assert!(
            content_type.starts_with("application/json"),
            "{what}: {content_type}"
        );
        let code = json["error"]["code"].as_str().unwrap_or_default();
        let message = json["error"]["message"].as_str().unwrap_or_default();
        assert!(!code.is_empty() && !message.is_empty(), "{what}: {json}");
    }
    // A limit above the maximum is refused by name, not silently capped.
    let (_, _, json) = send_raw(url, get.clone(), "/v1/tasks?limit=10001", token, "", vec![]).await;
    assert_eq!(json["error"]["field"], "limit", "{json}");
    let (status, _, _) =
        send_raw(url, get.clone(), "/v1/tasks?limit=10000", token, "", vec![]).await;
    assert_eq!(status, 200);

    // The document says what the server does.
    let (_, _, doc) = send_raw(url, get, "/v1/openapi.json", token, "", vec![]).await;
    let create = &doc["paths"]["/v1/cdps"]["post"]["responses"];
    for code in ["400", "401", "403", "413", "415", "422"] {
        assert!(
            create[code].is_object(),
            "POST /v1/cdps lists {code}: {create}"
        );
    }
    assert!(doc["paths"]["/v1/cdps/{id}"]["get"]["responses"]["404"].is_object());
    let params = doc["paths"]["/v1/tasks"]["get"]["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let limit = params
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("limit parameter");
    assert_eq!(limit["schema"]["maximum"], 10000, "{limit}");
    // Fields a PATCH refuses by name are not offered as patchable.
    let set = &doc["components"]["schemas"]["SetService"]["properties"];
    for field in ["subscription_id", "region", "service_fqdn", "name"] {
        assert_eq!(set[field]["readOnly"], true, "SetService.{field}: {set}");
    }
}

/// Creates a package of one announced file through the API; answers its id.
async fn new_package(site: &site_support::Site, name: &str, file: &str, size: u64) -> String {
    let pkg = serde_json::json!({"name": name, "content_type": "application",
        "files": [{"name": file, "size": size}]});
    let path = cloudsite::api::routes::packages();
    let (status, made) = site
        .raw("POST", &path, Some(&site.admin_token), Some(&pkg))
        .await;
    assert_eq!(status, 201, "{made}");
    made["package"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A test site restarted with `timing` changed.
async fn site_with(
    change: impl FnOnce(&mut cloudsite::site::manager::Timing),
) -> site_support::Site {
    let mut site = site_support::Site::start().await;
    change(&mut site.opts.timing);
    site.restart().await;
    site
}

/// Asserts a 400 naming `field`.
fn refused_field(what: &str, (status, body): (u16, serde_json::Value), field: &str) {
    assert_eq!(status, 400, "{what}: {body}");
    assert_eq!(body["error"]["field"], field, "{what}: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_text_has_limits_and_no_control_characters_and_logs_escape_client_text() {
    use cloudsite::api::routes;
    use serde_json::json;
    let site = site_support::Site::start().await;
    let admin = Some(site.admin_token.as_str());

    // A description that would clear a terminal, and one too long to list.
    for (what, description) in [
        ("ESC", "Berlin\u{1b}[2J".to_string()),
        ("BiDi override", "exe\u{202E}fdp".to_string()),
        ("65,536 characters", "d".repeat(65_536)),
    ] {
        let mut req = site.lab.cdp("cdp1.lab.contoso.com");
        req.description = description;
        let body = serde_json::to_value(&req).unwrap();
        let answer = site.raw("POST", "/v1/cdps", admin, Some(&body)).await;
        refused_field(what, answer, "Description");
    }
    // A proxy account with a line end; a token name with NUL.
    let proxy = json!({"enabled": true, "server": "proxy.contoso.com", "port": 8080,
        "account": "CONTOSO\\svc\r\nforged"});
    let path = routes::proxy(site_support::SERVER_NAME);
    let answer = site.raw("PUT", &path, admin, Some(&proxy)).await;
    refused_field("proxy account", answer, "Account");
    let token = json!({"name": "ops\u{0}", "role": "read-only"});
    let answer = site
        .raw("POST", &routes::tokens(), admin, Some(&token))
        .await;
    refused_field("token name", answer, "Name");
    // A 1 MB alert comment.
    let close = json!({"comment": "c".repeat(1 << 20)});
    let answer = site
        .raw(
            "POST",
            &routes::alert_action("nope", "close"),
            admin,
            Some(&close),
        )
        .await;
    refused_field("alert comment", answer, "Comment");
    // Package limits: a file announced as 2^63-1 bytes, 10,000 files.
    let huge = json!({"name": "huge", "content_type": "application",
        "files": [{"name": "a.bin", "size": (1u64 << 63) - 1}]});
    let answer = site
        .raw("POST", &routes::packages(), admin, Some(&huge))
        .await;
    refused_field("file size", answer, "File size");
    let files: Vec<_> = (0..10_000)
        .map(|i| json!({"name": format!("f{i}.bin"), "size": 1}))
        .collect();
    let many = json!({"name": "many", "content_type": "application", "files": files});
    let answer = site
        .raw("POST", &routes::packages(), admin, Some(&many))
        .await;
    refused_field("file count", answer, "Files");
    assert!(
        site.admin.packages().await.unwrap().is_empty(),
        "nothing stored"
    );

    // A client name with CRLF cannot forge a line in MP_Location.log.
    new_package(&site, "tools", "t.bin", 1).await;
    let forged = "PC1\r\n<![LOG[forged record]LOG]!><time=\"00:00:00.000+000\" date=\"01-01-2020\" component=\"x\" context=\"\" type=\"1\" thread=\"1\" file=\"\">";
    let ask = json!({"package": "tools", "location": "internet", "client": forged});
    let (status, answer) = site
        .raw(
            "POST",
            &routes::content_locations(),
            Some(&site.client_token),
            Some(&ask),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let lines = site.admin.log("MP_Location.log", Some(100)).await.unwrap();
    assert!(
        lines.iter().all(|l| !l.message.starts_with("forged")),
        "a forged record: {lines:?}"
    );
    let line = lines
        .iter()
        .find(|l| l.message.contains("PC1"))
        .expect("the request is logged");
    assert!(line.message.contains("PC1\\u{d}\\u{a}"), "{}", line.message);
    let long = json!({"package": "tools", "location": "internet", "client": "c".repeat(256)});
    let answer = site
        .raw(
            "POST",
            &routes::content_locations(),
            Some(&site.client_token),
            Some(&long),
        )
        .await;
    refused_field("client name", answer, "Client");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_that_stalls_fails_after_the_idle_time_and_can_be_sent_again() {
    use cloudsite::api::routes;
    use futures_util::StreamExt;
    let site = site_with(|t| t.upload_idle = Duration::from_millis(300)).await;
    let id = new_package(&site, "stall", "s.bin", 10).await;
    // Three bytes, then silence with the connection open.
    let first = futures_util::stream::iter([Ok::<_, std::io::Error>(b"abc".to_vec())]);
    let body = reqwest::Body::wrap_stream(first.chain(futures_util::stream::pending()));
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let put = http
        .put(format!(
            "{}{}",
            site.url,
            routes::package_file(&id, "s.bin")
        ))
        .bearer_auth(&site.admin_token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send();
    let resp = tokio::time::timeout(DEADLINE, put)
        .await
        .expect("a stalled upload is answered")
        .expect("an answer");
    assert_eq!(resp.status().as_u16(), 400);
    let err: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(err["error"]["code"], "upload_failed", "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("stalled"),
        "{err}"
    );
    // The file can be sent again, whole.
    let file = site.tmp.path().join("s.bin");
    std::fs::write(&file, b"0123456789").unwrap();
    let done = site
        .admin
        .upload_file(&id, "s.bin", &file, None)
        .await
        .expect("the second upload");
    assert_eq!(done.state, cloudsite::api::wire::PackageState::Ready);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_token_reaches_only_the_management_point_and_an_analyst_gets_no_keys() {
    use cloudsite::api::routes;
    let site = site_support::Site::start().await;
    let client = Some(site.client_token.as_str());
    let (_, doc) = site.raw("GET", "/v1/openapi.json", client, None).await;
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let mut checked = 0;
    for (path, item) in &paths {
        if path.contains('{') || item.get("get").is_none() {
            continue;
        }
        let mp = path.starts_with("/v1/mp/") || path.starts_with("/v1/sup/");
        let (status, answer) = site.raw("GET", path, client, None).await;
        let want = if mp { 200 } else { 403 };
        assert_eq!(status, want, "GET {path} with a client token: {answer}");
        checked += 1;
    }
    assert!(checked > 10, "every plain GET route was tried ({checked})");
    let (status, _) = site
        .raw(
            "POST",
            "/v1/cdps",
            client,
            Some(&serde_json::to_value(site.lab.cdp("cdp1.lab.contoso.com")).unwrap()),
        )
        .await;
    assert_eq!(status, 403, "a client changes nothing");

    // Content locations: the key for a client, none for an analyst.
    new_package(&site, "keys", "k.bin", 1).await;
    let ask = serde_json::json!({"package": "keys", "location": "internet"});
    let (status, answer) = site
        .raw("POST", &routes::content_locations(), client, Some(&ask))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer["key"].as_str().is_some_and(|k| !k.is_empty()),
        "{answer}"
    );
    let (status, answer) = site
        .raw(
            "POST",
            &routes::content_locations(),
            Some(&site.read_token),
            Some(&ask),
        )
        .await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer.get("key").is_none(), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_notices_a_silent_link_and_a_new_one_works_when_traffic_flows() {
    // Well under the 45 s a client assumes when the site announces no keep-alive period.
    const NOTICE: Duration = Duration::from_secs(30);
    let site = site_with(|t| t.keep_alive = Duration::from_millis(200)).await;
    let proxy = silent_proxy::SilentProxy::start(address(&site.url)).await;
    let via = site_support::client(&format!("http://{}", proxy.addr), &site.read_token);

    let mut stream = via.events(Some(0)).await.expect("the stream opens");
    assert_eq!(
        stream.idle_timeout(),
        Duration::from_millis(600),
        "3 keep-alives"
    );
    let first = tokio::time::timeout(NOTICE, stream.next())
        .await
        .expect("an event");
    assert!(matches!(first, Some(Ok(_))), "{first:?}");

    proxy.set_flowing(false);
    let down = tokio::time::timeout(NOTICE, stream.next())
        .await
        .expect("a silent link is noticed");
    match down {
        Some(Err(e)) => assert!(e.to_string().contains("link is down"), "{e}"),
        other => panic!("the link should be reported down: {other:?}"),
    }

    proxy.set_flowing(true);
    let mut again = via.events(Some(0)).await.expect("a new stream opens");
    let event = tokio::time::timeout(NOTICE, again.next())
        .await
        .expect("an event");
    assert!(matches!(event, Some(Ok(_))), "{event:?}");
    proxy.task.abort();
}

/// Found by schemathesis: a package whose files are still on their way is refused with 409,
/// and every operation that can answer that says so in the document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_still_uploading_is_refused_with_a_documented_conflict() {
    use cloudsite::api::routes;
    let site = site_support::Site::start().await;
    let id = new_package(&site, "half", "h.bin", 10).await;
    let (_, doc) = site
        .raw("GET", "/v1/openapi.json", Some(&site.admin_token), None)
        .await;
    let targets = serde_json::json!({"services": []});
    for verb in ["distribute", "redistribute"] {
        let (status, answer) = site
            .raw(
                "POST",
                &routes::package_action(&id, verb),
                Some(&site.admin_token),
                Some(&targets),
            )
            .await;
        assert_eq!(status, 409, "{verb}: {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("still being uploaded"),
            "{verb}: {answer}"
        );
        let documented = &doc["paths"][format!("/v1/content/{{id}}/{verb}")]["post"]["responses"];
        assert!(
            documented["409"].is_object(),
            "{verb} lists 409: {documented}"
        );
    }
    for kind in ["cdps", "cmgs"] {
        let patch = &doc["paths"][format!("/v1/{kind}/{{id}}")]["patch"]["responses"];
        assert!(patch["409"].is_object(), "PATCH {kind} lists 409: {patch}");
    }
}
