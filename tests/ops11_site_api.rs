//! The site API's own contract, probed from outside as a hostile client would: idle
//! connections, malformed requests, oversized and control-character text, roles.

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
}
